"""The command line's one progress display: Norwegian text on stderr.

On a terminal the current step is one line, redrawn in place and erased when the work ends, so
the command's own output (and a ``Feil: ...``) starts on a clean line. When stderr is a file or
a pipe (a log, a scheduled job, a test), every step is one plain line instead, and nothing is
redrawn.

A :class:`Progress` hands out the two callback shapes the long operations take:
:meth:`Progress.step` is ``progress(text)`` (as :class:`~kommuneokonomi.workbook.live.LiveBook`
takes it: «leser tabellen tblData ...»), :meth:`Progress.counter` is
``progress(done, total, what)`` (as :func:`kommuneokonomi.ssb.fetch.hent` takes it). Only the
standard library is used, so importing this module costs nothing measurable at start-up.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Progress on ``stream`` (default: stderr), used as a context manager.

    Args:
        stream: where to write; its ``isatty()`` decides between redrawing one line and
            writing plain lines.
        width: the number of characters in a counter's bar.
        terminal_only: show nothing unless ``stream`` is a terminal (for steps that are over
            in a second on small workbooks: a log or a pipe gets only the command's result).

    Example::

        with Progress() as progress:
            hent(path, progress=progress.counter("Henter fra SSB"))
    """

    def __init__(
        self, stream: TextIO | None = None, *, width: int = 30, terminal_only: bool = False
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        isatty = getattr(self.stream, "isatty", None)
        self.terminal = bool(isatty()) if callable(isatty) else False
        self.silent = terminal_only and not self.terminal
        self._shown = 0  # characters on the terminal line drawn last (0: none)

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def step(self, text: str) -> None:
        """Show ``text`` (Norwegian, e.g. «leser tabellen tblData ...») as the current step."""
        if self.terminal:
            self._redraw(text)
        elif not self.silent:
            self._line(text)

    def counter(self, label: str) -> Callable[[int, int, str], None]:
        """A ``progress(done, total, what)`` callback drawing ``label [####....] done/total what``.

        Silent when ``total`` is at most 1 (one request needs no bar). On a terminal the bar is
        drawn from 0; otherwise one line is written per finished item (``done`` > 0).
        """

        def show(done: int, total: int, what: str) -> None:
            if total <= 1:
                return
            filled = round(self.width * done / total)
            bar = "#" * filled + "." * (self.width - filled)
            text = f"{label} [{bar}] {done}/{total}" + (f" {what}" if what else "")
            if self.terminal:
                self._redraw(text)
            elif done > 0 and not self.silent:
                self._line(text)

        return show

    def close(self) -> None:
        """Erase the line drawn on a terminal; nothing to do for plain lines."""
        if self._shown:
            self.stream.write("\r" + " " * self._shown + "\r")
            self.stream.flush()
            self._shown = 0

    def _redraw(self, text: str) -> None:
        # a line wider than the terminal wraps, and "\r" would return to its last row only
        room = max(shutil.get_terminal_size().columns - 1, 10)
        if len(text) > room:
            text = text[: room - 3] + "..."
        self.stream.write("\r" + text + " " * max(self._shown - len(text), 0))
        self.stream.flush()
        self._shown = len(text)

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()
