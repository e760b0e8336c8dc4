"""The ``hent`` command: ``kommuneokonomi hent FIL [--api-url URL] [--offline] [--cache MAPPE]``.

:func:`add_parser` adds the sub-command to the main parser's subparsers and :func:`run` runs
it; a :class:`~kommuneokonomi.errors.KommuneokonomiError` (bad tblHenting, fetch failure) is
left to the caller, which prints ``Feil: ...`` and exits 2. :func:`main` does that on its own
for use before the command is wired into ``kommuneokonomi.cli``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from ..errors import KommuneokonomiError
from .client import ENV_API_URL
from .fetch import HentResult, hent

__all__ = ["TextProgress", "add_parser", "main", "report", "run"]


class TextProgress:
    """A plain-text progress bar on ``stream`` (stderr) for fetches of more than one request.

    On a terminal the bar is redrawn in place; otherwise one line per request is printed.
    """

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, done: int, total: int, what: str) -> None:
        if total <= 1:
            return
        filled = round(self.width * done / total)
        bar = "#" * filled + "." * (self.width - filled)
        text = f"Henter fra SSB [{bar}] {done}/{total}" + (f" {what}" if what else "")
        if self._tty:
            end = "\n" if done == total else ""
            self.stream.write(f"\r{text}{end}")
        elif done > 0:
            self.stream.write(text + "\n")
        self.stream.flush()


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``hent`` to ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "hent",
        help="hent KOSTRA-tall fra SSB til tblData, slik tblHenting i arbeidsboken beskriver",
        description=(
            "Henter tallene som tabellen tblHenting beskriver fra SSBs statistikkbank "
            "(PxWebApi v2) og skriver dem i tblData: rader med samme Kommune, År og Indikator "
            "erstattes, nye legges til. Manglende tall står tomme med SSBs symbol i Merknad; "
            "Kilde sier hvor hvert tall kommer fra. Hvert svar lagres i et mellomlager ved "
            "siden av arbeidsboken."
        ),
    )
    parser.add_argument("fil", help="arbeidsboken (.xlsx/.xlsm)")
    parser.add_argument(
        "--api-url",
        metavar="URL",
        help=(
            f"adressen til API-et (standard: miljøvariabelen {ENV_API_URL}, ellers "
            "https://data.ssb.no/api/pxwebapi/v2/)"
        ),
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="ikke gå på nettet: bruk svarene som ligger i mellomlageret fra en tidligere henting",
    )
    parser.add_argument(
        "--cache",
        metavar="MAPPE",
        help="mellomlageret for svarene fra SSB (standard: FIL-navn.ssb-cache ved siden av filen)",
    )
    parser.set_defaults(func=run)
    return parser


def report(result: HentResult) -> str:
    """The Norwegian summary printed after a fetch."""
    c = result.collected
    n = len(c.rows)
    lines = [
        f"Hentet {n} tall til tblData i {result.path.name}: {result.replaced} erstattet, "
        f"{result.added} nye."
    ]
    if c.missing:
        lines.append(
            f"{c.missing} av dem mangler verdi hos SSB; cellen i Verdi er tom og SSBs symbol "
            "står i Merknad."
        )
    if result.columns_added:
        lines.append(f"Nye kolonner i tblData: {', '.join(result.columns_added)}.")
    if c.from_cache == c.requests:
        lines.append(f"{c.requests} svar spilt av fra mellomlageret {result.cache}.")
    else:
        lines.append(
            f"{c.requests} forespørsler til SSB ({c.http_calls} kall); svarene er lagret i "
            f"{result.cache}."
        )
    lines.append(f"Kjør «kommuneokonomi recalc {result.path}» for å beregne med de nye tallene.")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run ``hent`` with parsed arguments; returns the exit code (0)."""
    result = hent(
        args.fil,
        api_url=args.api_url,
        offline=args.offline,
        cache_dir=args.cache,
        progress=TextProgress(),
    )
    print(report(result))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``hent`` as a stand-alone command (``python -m kommuneokonomi.ssb.cli``)."""
    parser = argparse.ArgumentParser(prog="kommuneokonomi")
    add_parser(parser.add_subparsers(dest="kommando", required=True))
    args = parser.parse_args(["hent", *(argv if argv is not None else sys.argv[1:])])
    try:
        return int(args.func(args))
    except KommuneokonomiError as exc:
        print(f"Feil: {exc.describe()}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
