"""The Excel buttons: recalculate, check and start a new analysis from a live workbook.

Each function takes any ``xlwings.Book`` (classic xlwings, xlwings Server, xlwings Lite) and
uses the same service as the command line (:func:`kommuneokonomi.service.recalculate`), so a
workbook recalculated in Excel gets the same output tables as one recalculated headless.

* Everything is read and computed before the first write; bad input writes nothing and shows a
  Norwegian message box listing every problem with its sheet and cell.
* Long runs show their progress in Excel's status bar (classic Excel; the remote engine has
  no status bar and skips it).
* An unexpected error shows a short Norwegian message and is raised again, so its traceback
  reaches the log (the xlwings error dialog or the server log).

The ``*_knapp`` functions are the ``RunPython`` entry points of the classic add-in; they find
the workbook with ``xlwings.Book.caller()``::

    RunPython "import kommuneokonomi.macros as m; m.beregn_knapp()"

With xlwings Server or xlwings Lite, register a script that passes the book on, e.g.
``@script def beregn(book: xw.Book): macros.beregn(book)``.

This module never sets ``XLWINGS_LICENSE_KEY``: the classic add-in needs no key, and xlwings
is only imported by the entry points that ask Excel for the calling book.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import __version__
from .engine.balance import ADVARSEL, AVVIK
from .errors import InputErrors, KommuneokonomiError, LayoutError
from .service import Recalculation, recalculate
from .workbook.files import now_stamp
from .workbook.layout import kind_of_tables
from .workbook.live import LiveBook

if TYPE_CHECKING:
    from .ssb.fetch import HentResult

__all__ = [
    "TITLE",
    "beregn",
    "beregn_knapp",
    "feilmelding",
    "kontroller",
    "kontroller_knapp",
    "lag_notat",
    "lag_notat_knapp",
    "ny_analyse",
    "ny_analyse_knapp",
    "oppsummering",
]

#: Title of every message box.
TITLE = "Kommuneøkonomi"
#: At most this many problems are listed in a message box (a VBA MsgBox holds 1024 chars).
MAX_LISTED = 8
_MAX_LINE = 110
_MAX_ONE = 800  # one problem, whole: a VBA MsgBox shows at most 1024 characters

_T = TypeVar("_T")


class _StatusBar:
    """Excel's status bar while a button runs; silently absent where the engine has none."""

    def __init__(self, book: Any) -> None:
        self._book = book
        self._supported = True
        self._used = False

    def __call__(self, text: str) -> None:
        if not self._supported:
            return
        try:
            self._book.app.status_bar = f"{TITLE}: {text}"
            self._used = True
        except NotImplementedError:  # the remote engine (xlwings Server, xlwings Lite)
            self._supported = False

    def reset(self) -> None:
        """Give the status bar back to Excel."""
        if self._used:
            with contextlib.suppress(NotImplementedError):
                self._book.app.status_bar = False


def _alert(book: Any, prompt: str, *, critical: bool) -> None:
    book.app.alert(prompt, title=TITLE, buttons="ok", mode="critical" if critical else "info")


def feilmelding(exc: KommuneokonomiError) -> str:
    """The Norwegian message box text for bad input: every problem with sheet and cell."""
    problems = list(exc) if isinstance(exc, InputErrors) else [exc]
    n = len(problems)
    if n == 1 and isinstance(problems[0], LayoutError):
        head = "arbeidsboken har ikke den formen beregningen trenger"
    else:
        head = "1 feil i inndata" if n == 1 else f"{n} feil i inndata"
    lines = [f"Beregningen ble stoppet: {head}. Ingenting er endret i arbeidsboken.", ""]
    for problem in problems[:MAX_LISTED]:
        text = problem.describe()
        # one problem is shown whole (its message says what to do); many are cut to a line each
        limit = _MAX_LINE if n > 1 else _MAX_ONE
        if len(text) > limit:
            text = text[: limit - 3] + "..."
        lines.append(f"- {text}")
    if n > MAX_LISTED:
        lines.append(f"... og {n - MAX_LISTED} feil til.")
    lines += ["", "Rett opp og trykk på knappen igjen."]
    return "\n".join(lines)


def _guarded(book: Any, run: Callable[[LiveBook, list[str]], _T]) -> _T | None:
    """Run a button: bad input -> message box and None; a bug -> message box and raise."""
    status = _StatusBar(book)
    phase = ["leser"]  # "skriver" once the first write may have happened
    try:
        return run(LiveBook(book, progress=status), phase)
    except KommuneokonomiError as exc:
        _alert(book, feilmelding(exc), critical=True)
        return None
    except Exception as exc:
        if phase[0] == "skriver":
            after = (
                "Resultatarkene kan være ufullstendige; trykk på knappen igjen når feilen er "
                "rettet."
            )
        else:
            after = "Ingenting er endret i arbeidsboken."
        _alert(
            book,
            f"Det oppstod en uventet feil ({type(exc).__name__}). {after}\n\n"
            "Detaljene står i loggen; send dem gjerne til den som forvalter verktøyet.",
            critical=True,
        )
        raise
    finally:
        status.reset()


def _recalc_and_write(live: LiveBook, phase: list[str]) -> Recalculation:
    result = recalculate(live)
    stamp = now_stamp(version=__version__, source=live.name)
    phase[0] = "skriver"
    live.write_outputs(result.sheets, stamp=stamp)
    return result


def beregn(book: Any) -> Recalculation | None:
    """Recalculate the workbook and replace its output sheets (the button «Beregn»).

    Returns:
        The recalculation, or None after bad input (shown to the user; nothing written).
    """
    return _guarded(book, _recalc_and_write)


def kontroller(book: Any) -> Recalculation | None:
    """Run the checks (the button «Kontroller»).

    A budget or plan workbook is recalculated, its output sheets replaced, and a message box
    sums up how many checks are OK, AVVIK and ADVARSEL. A savings workbook is recalculated as
    by :func:`beregn`.

    Returns:
        The recalculation, or None after bad input (shown to the user; nothing written).
    """
    result = _guarded(book, _recalc_and_write)
    if result is not None and result.kind in ("budsjett", "plan"):
        _alert(book, oppsummering(result), critical=result.has_deviation)
    return result


def lag_notat(book: Any, *, folder: Path | None = None) -> Path | None:
    """Write the note of a recalculated savings workbook (the button «Lag notat»).

    The note (.docx, and a PDF beside it when LibreOffice is installed) goes next to the
    workbook's file as ``<navn>_notat.docx``, or into ``folder``. It states the figures of the
    output sheets; a workbook changed since it was recalculated is refused with a message to
    press Beregn first (:func:`kommuneokonomi.note.check_current`).

    Returns:
        The .docx written, or None after a problem (shown to the user; nothing written).
    """

    def run(live: LiveBook, phase: list[str]) -> Path:
        from . import note  # python-docx and matplotlib: only for the note

        content = note.note_of(live, version=__version__)
        where = folder if folder is not None else _book_folder(book)
        target = where / f"{Path(live.name).stem}_notat.docx"
        phase[0] = "skriver"
        note.to_docx(content, target)
        note.to_pdf(target, target.with_suffix(".pdf"))
        return target

    written = _guarded(book, run)
    if written is not None:
        pdf = written.with_suffix(".pdf")
        _alert(
            book,
            f"Notatet er laget:\n{written}"
            + (f"\n{pdf}" if pdf.exists() else "\n(PDF lages når LibreOffice er installert.)"),
            critical=False,
        )
    return written


def _book_folder(book: Any) -> Path:
    """The folder of the workbook's file; an unsaved book has none."""
    full = Path(str(getattr(book, "fullname", "") or ""))
    if not full.parent.is_dir() or full.parent == Path("."):
        raise LayoutError(
            "arbeidsboken er ikke lagret i en mappe ennå; lagre den først, så legges notatet "
            "ved siden av",
            code="mangler_mappe",
        )
    return full.parent


def lag_notat_knapp() -> None:
    """RunPython: «Lag notat» for the calling workbook."""
    lag_notat(_caller())


def oppsummering(result: Recalculation) -> str:
    """The Norwegian summary of a budget check: counts per status and where to look."""
    n_avvik = sum(c.status == AVVIK for c in result.checks)
    n_adv = sum(c.status == ADVARSEL for c in result.checks)
    n_ok = len(result.checks) - n_avvik - n_adv
    sheet = next(
        (s.name for s in result.sheets if any(t.spec.name == "tblKontroller" for t in s.tables)),
        "Kontroller",
    )
    counts = f"{n_ok} OK, {n_avvik} AVVIK, {n_adv} ADVARSEL"
    if not result.checks:
        verdict = "Det var ingenting å kontrollere."
    elif n_avvik:
        verdict = f"{n_avvik} kontroll{'er' if n_avvik > 1 else ''} har AVVIK."
    elif n_adv:
        verdict = "Ingen avvik, men se på advarslene."
    else:
        verdict = "Alle kontroller er OK."
    return f"Kontrollene er kjørt: {counts}.\n{verdict}\n\nSe arket '{sheet}'."


def ny_analyse(
    book: Any,
    kind: str = "innsparing",
    *,
    replace_others: bool = False,
    filled: Callable[[], Any] | None = None,
) -> bool:
    """Put the blank template of ``kind`` (``innsparing`` or ``budsjett``) into ``book``.

    The template's sheets (``Om`` and the input sheets with their empty named tables, number
    formats and widths) are added after the last sheet. The book must not already hold
    kommuneokonomi tables or sheets of the same names; the user is told so and nothing is
    written.

    Args:
        replace_others: delete the sheets the book had before (used for a brand-new book).
        filled: makes the workbook to write instead of the blank template (the standard
            analysis); an error it raises is shown like any other.

    Returns:
        True if the sheets were added.
    """

    def run(live: LiveBook, phase: list[str]) -> bool:
        workbook = filled() if filled is not None else None
        phase[0] = "skriver"
        live.write_template(kind, replace_others=replace_others, workbook=workbook)
        return True

    return bool(_guarded(book, run))


def ny_standardanalyse(
    book: Any, kommune: str, aar: int, gruppe: str, *, replace_others: bool = False
) -> bool:
    """«Ny analyse > Standardanalyse»: the savings template filled from the catalogue for
    ``kommune`` against ``gruppe`` in ``aar`` (as ``kommuneokonomi new innsparing FIL
    --kommune --år --gruppe``), written into ``book``. An unknown municipality or group is
    shown in Norwegian and nothing is written.

    Returns:
        True if the sheets were added.
    """
    from .catalogue import standard_workbook

    return ny_analyse(
        book,
        "innsparing",
        replace_others=replace_others,
        filled=lambda: standard_workbook(kommune, aar, gruppe),
    )


def hent_kostra(book: Any, **options: Any) -> HentResult | None:
    """«Hent KOSTRA-tall»: fetch what tblHenting asks for from SSB into tblData; in a
    four-year plan workbook, the population by age group into tblBefolkning.

    The same code as ``kommuneokonomi hent`` (:func:`kommuneokonomi.ssb.live.hent_workbook`).
    A failed fetch (offline, SSB error, bad tblHenting) shows a Norwegian message and changes
    nothing; a fetch that succeeded shows a summary. ``options`` go to ``hent_workbook``
    (``api_url``, ``offline``, ``cache_dir``; tests pass a client).
    """
    from .ssb.befolkning import summary
    from .ssb.cli import report
    from .ssb.live import hent_befolkning_workbook, hent_workbook

    status = _StatusBar(book)
    try:
        if kind_of_tables(LiveBook(book).table_names()) == "plan":
            population = hent_befolkning_workbook(book, status=status, **options)
            _alert(book, summary(population), critical=False)
            return None
        result = hent_workbook(book, status=status, **options)
    except KommuneokonomiError as exc:
        problems = list(exc) if isinstance(exc, InputErrors) else [exc]
        lines = ["Hentingen ble stoppet. Ingenting er endret i arbeidsboken.", ""]
        lines += [f"- {p.describe()}" for p in problems[:MAX_LISTED]]
        if len(problems) > MAX_LISTED:
            lines.append(f"... og {len(problems) - MAX_LISTED} feil til.")
        _alert(book, "\n".join(lines), critical=True)
        return None
    except Exception as exc:
        _alert(
            book,
            f"Det oppstod en uventet feil under hentingen ({type(exc).__name__}). Ingenting er "
            "endret i arbeidsboken.",
            critical=True,
        )
        raise
    finally:
        status.reset()
    _alert(book, report(result), critical=False)
    return result


# --- RunPython entry points (classic add-in) ------------------------------------------------


def _caller() -> Any:
    import xlwings as xw

    return xw.Book.caller()


def beregn_knapp() -> None:
    """RunPython: «Beregn» on the calling workbook."""
    beregn(_caller())


def kontroller_knapp() -> None:
    """RunPython: «Kontroller» on the calling workbook."""
    kontroller(_caller())


def hent_kostra_knapp() -> None:
    """RunPython: «Hent KOSTRA-tall» on the calling workbook."""
    hent_kostra(_caller())


def ask_analysis(app: Any) -> tuple[str, int, str] | None:
    """Ask for the municipality, the year and the group with Excel's own input box (the
    user's text stays in Python: it is never written into a RunPython command). None when
    the user cancels. Checked by hand on Windows (docs/windows-sjekkliste.md)."""
    title = "Kommuneøkonomi: ny standardanalyse"
    kommune = app.api.InputBox(
        Prompt="Kommune (navn eller nummer, eller Alle for hver kommune mot sin KOSTRA-gruppe):",
        Title=title,
        Type=2,
    )
    if kommune is False or not str(kommune).strip():
        return None
    aar = app.api.InputBox(Prompt="År som analyseres (f.eks. 2024):", Title=title, Type=1)
    if aar is False:
        return None
    gruppe = app.api.InputBox(
        Prompt=(
            "Sammenligningsgruppe: ASSS, en KOSTRA-gruppe (f.eks. EKG12; EKG med kommune "
            "Alle) eller kommuner skilt med semikolon:"
        ),
        Title=title,
        Default="ASSS",
        Type=2,
    )
    if gruppe is False or not str(gruppe).strip():
        return None
    return str(kommune).strip(), int(aar), str(gruppe).strip()


def ny_standardanalyse_knapp() -> None:
    """RunPython: asks for kommune, år and gruppe, then a new workbook in the same Excel with
    the standard analysis (``RunPython "... m.ny_standardanalyse_knapp()"``)."""
    caller = _caller()
    asked = ask_analysis(caller.app)
    if asked is None:
        return
    new = caller.app.books.add()
    ny_standardanalyse(new, *asked, replace_others=True)


def ny_analyse_knapp(kind: str = "innsparing") -> None:
    """RunPython: a new workbook in the same Excel with the blank ``kind`` template.

    ``RunPython "import kommuneokonomi.macros as m; m.ny_analyse_knapp('budsjett')"``
    """
    caller = _caller()
    new = caller.app.books.add()
    ny_analyse(new, kind, replace_others=True)
