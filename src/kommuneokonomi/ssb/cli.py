"""What ``kommuneokonomi hent FIL [--api-url URL] [--offline] [--cache MAPPE]`` does and prints.

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

from ..progress import Progress
from .fetch import HentResult, hent

__all__ = ["main", "report", "run"]


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
    """Run ``hent`` with arguments parsed by :func:`kommuneokonomi.cli.build_parser`; returns 0.

    Raises:
        KommuneokonomiError: tblHenting is missing or wrong, or a fetch failed; the workbook is
            unchanged.
    """
    with Progress() as progress:
        result = hent(
            args.fil,
            api_url=args.api_url,
            offline=args.offline,
            cache_dir=args.cache,
            progress=progress.counter("Henter fra SSB"),
        )
    print(report(result))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kommuneokonomi.ssb.cli ARGS``: an alias of ``kommuneokonomi hent ARGS``."""
    from ..cli import main as cli_main

    return cli_main(["hent", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
