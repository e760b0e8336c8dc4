"""What ``kommuneokonomi hent FIL [--api-url URL] [--offline] [--cache MAPPE]`` does and prints.

For a savings workbook: tblHenting -> tblData (:mod:`.fetch`); for a four-year plan workbook:
the population by age group into tblBefolkning (:mod:`.befolkning`, ``--framskriving NUMMER``
for another projection table than 14288).

The command's arguments are defined with every other command in :mod:`kommuneokonomi.cli`,
which also prints ``Feil: ...`` and exits 2 on a
:class:`~kommuneokonomi.errors.KommuneokonomiError` (bad tblHenting, fetch failure). Here:
:func:`run`, the command's body, and :func:`report`, the summary the command prints and the
button «Hent KOSTRA-tall» shows. :func:`main` keeps ``python -m kommuneokonomi.ssb.cli ARGS``
working as an alias of ``kommuneokonomi hent ARGS``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ..errors import InputError
from ..progress import Progress
from .fetch import NOT_IN_TABLE, Collected, HentResult, hent

__all__ = ["main", "report", "requests_line", "run"]


def report(result: HentResult) -> str:
    """The Norwegian summary printed after a fetch."""
    c = result.collected
    n = len(c.rows)
    lines = [
        f"Hentet {n} tall til tblData i {result.path.name}: {result.replaced} erstattet, "
        f"{result.added} nye."
    ]
    lacking = int((c.rows["merknad"] == NOT_IN_TABLE).sum()) if len(c.rows) else 0
    if c.missing - lacking:
        lines.append(
            f"{c.missing - lacking} av dem mangler verdi hos SSB; cellen i Verdi er tom og SSBs "
            "symbol står i Merknad."
        )
    if lacking:
        lines.append(
            f"{lacking} av dem gjelder år en tabell ikke har (ikke publisert ennå, eller "
            f"tabellen er avsluttet): Verdi er tom, Merknad «{NOT_IN_TABLE}», og Kilde sier "
            "hvilke år tabellen har."
        )
    if result.columns_added:
        lines.append(f"Nye kolonner i tblData: {', '.join(result.columns_added)}.")
    lines.append(requests_line(c, result.cache))
    lines.append(f"Kjør «kommuneokonomi recalc {result.path}» for å beregne med de nye tallene.")
    return "\n".join(lines)


def requests_line(collected: Collected, cache: Path) -> str:
    """How the figures were got: replayed from the cache, or requests to SSB (Norwegian)."""
    if collected.from_cache == collected.requests:
        return f"{collected.requests} svar spilt av fra mellomlageret {cache}."
    return (
        f"{collected.requests} forespørsler til SSB ({collected.http_calls} kall); svarene er "
        f"lagret i {cache}."
    )


def run(args: argparse.Namespace) -> int:
    """Run ``hent`` with arguments parsed by :func:`kommuneokonomi.cli.build_parser`; returns 0.

    The workbook is opened once: its tables tell a plan (population into tblBefolkning) from a
    savings workbook (tblHenting into tblData).

    Raises:
        KommuneokonomiError: tblHenting is missing or wrong, or a fetch failed; the workbook is
            unchanged.
    """
    from ..workbook.files import FileBook
    from ..workbook.layout import kind_of_tables

    book = FileBook(Path(args.fil))
    if kind_of_tables(book.table_names()) == "plan":
        from .befolkning import PROJECTION_TABLE, hent_befolkning, summary

        with Progress() as progress:
            population = hent_befolkning(
                args.fil,
                api_url=args.api_url,
                offline=args.offline,
                cache_dir=args.cache,
                progress=progress.counter("Henter befolkningen fra SSB"),
                projection=args.framskriving or PROJECTION_TABLE,
                alternatives=args.alternativer,
                book=book,
            )
        print(summary(population))
        return 0
    if args.framskriving or args.alternativer:
        raise InputError(
            "--framskriving og --alternativer gjelder bare økonomiplanen (arbeidsboken med "
            "tblBefolkning)",
            code="ugyldig_valg",
        )
    with Progress() as progress:
        result = hent(
            args.fil,
            api_url=args.api_url,
            offline=args.offline,
            cache_dir=args.cache,
            progress=progress.counter("Henter fra SSB"),
            book=book,
        )
    print(report(result))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kommuneokonomi.ssb.cli ARGS``: an alias of ``kommuneokonomi hent ARGS``."""
    from ..cli import main as cli_main

    return cli_main(["hent", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
