"""Command line: ``kommuneokonomi demo`` (more commands arrive with the workbook layer).

Thin by design: parse arguments, call the engine, print. A :class:`KommuneokonomiError` becomes
one Norwegian line ``Feil: ...`` and exit code 2; real bugs keep their traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import resources
from typing import NoReturn

import pandas as pd

from . import __version__
from .engine.balance import CheckResult, peer_table_summary, revision_balance, sum_check
from .engine.format import mnok, number
from .engine.savings import savings_table, sector_totals
from .errors import KommuneokonomiError
from .examples import load_asss_2007
from .report import text_table

__all__ = ["main"]


def _read_csv(folder: str, name: str) -> pd.DataFrame:
    ref = resources.files("kommuneokonomi") / "data" / folder / name
    with resources.as_file(ref) as path:
        return pd.read_csv(path, encoding="utf-8", keep_default_na=False)


def _savings_report() -> str:
    example = load_asss_2007()
    table = savings_table(example.data, example.indicators, example.settings)
    sectors = sector_totals(table)
    printed = _read_csv("asss2007", "trykt_tabell10.csv").set_index("sektor")
    lines = [
        f"Innsparingsmuligheter i {example.settings.egen_kommune} {example.settings.aar}, "
        "millioner kroner",
        "Data: REKONSTRUERT fra rapporten «Den økonomiske situasjonen i Trondheim kommune» "
        "(2008), ikke offisielle KOSTRA-tall.",
        "",
    ]
    rows = [
        [
            str(r["navn"]),
            number(float(r["egen_verdi"])),
            number(float(r["referanse_1"])),
            mnok(float(r["innsparing_1_mnok"])),
            f"{number(float(r['referanse_2']))} {r['ref_2_kommune'] or ''}".strip(),
            mnok(float(r["innsparing_2_mnok"])),
        ]
        for r in table.to_dict("records")
    ]
    headers = ["Indikator", "Egen verdi", "Snitt ASSS", "Innsparing", "3. beste/Bergen"]
    lines.append(text_table([*headers, "Innsparing"], rows))
    lines.append("")
    rows = []
    deviations = False
    for r in sectors.to_dict("records"):
        computed = (mnok(float(r["innsparing_1_mnok"])), mnok(float(r["innsparing_2_mnok"])))
        p = printed.loc[str(r["sektor"])]
        shown = (_printed(p["snitt"]), _printed(p["tredje_beste"]))
        flag = "" if computed == shown else "*"
        deviations = deviations or bool(flag)
        rows.append([str(r["sektor"]), *computed, *shown, flag])
    lines.append(
        text_table(
            [
                "Tabell 10",
                "Snitt ASSS",
                "3. «beste»/Bergen",
                "Rapporten: snitt",
                "Rapporten: 3. beste",
                "",
            ],
            rows,
            title="Tabell 10: Innsparingsmuligheter, millioner kroner (beregnet og trykt)",
        )
    )
    if deviations:
        lines += [
            "",
            "* Avviker fra rapporten. Kulturskolens dekningsgrad: rapportens par 6,6 / 17,5",
            "  mill. kr følger ingen felles lineær regel fra dekningsgradene 11,3 / 9,3 / 5,2 %.",
            "  Motoren bruker én dokumentert metode (netto kostnad redusert i samme forhold som",
            "  dekningsgraden) og får 6,6 mot snittet og 20,1 mot Oslo; summene arver avviket.",
        ]
    return "\n".join(lines)


def _printed(value: object) -> str:
    if value is None or str(value).strip() == "":
        return "-"
    return mnok(float(str(value)))


def _check_rows(results: Sequence[CheckResult]) -> list[list[str]]:
    return [
        [r.kontroll, r.status, number(r.verdi), number(r.forventet), number(r.avvik), r.forklaring]
        for r in results
    ]


def _budget_report() -> str:
    sums = _read_csv("budsjett2019", "summer.csv")
    stated = _read_csv("budsjett2019", "oppgitt_sum.csv")
    changes = _read_csv("budsjett2019", "endringer.csv")
    results: list[CheckResult] = []
    for tabell, oppgitt in zip(stated["tabell"], stated["oppgitt_sum"], strict=True):
        amounts = sums.loc[sums["tabell"] == tabell, "belop"].astype(float).tolist()
        results.append(sum_check(amounts, stated_total=float(oppgitt), name=str(tabell)))
    for revisjon, group in changes.groupby("revisjon", sort=False):
        results.append(revision_balance(group["belop"].astype(float).tolist(), name=str(revisjon)))
    lines = [
        "Kontroller fra budsjettprosessen 2019 (HØP 2020-2023), mill. kr",
        "",
        text_table(
            ["Kontroll", "Status", "Verdi", "Forventet", "Avvik", "Forklaring"],
            _check_rows(results),
            align="llrrrl",
        ),
    ]
    peer = _read_csv("budsjett2019", "sammenligning.csv")[["kommune", "aar", "verdi"]]
    summary = peer_table_summary(peer, own="Trondheim")
    rows = [
        [
            str(int(r["aar"])),
            number(float(r["egen_verdi"]), 0),
            number(float(r["snitt_med_egen"]), 0),
            number(float(r["snitt_uten_egen"]), 0),
            f"{int(r['rang'])} av {int(r['antall'])}",
        ]
        for r in summary.to_dict("records")
    ]
    lines += [
        "",
        text_table(
            ["År", "Trondheim", "Snitt ASSS (med egen)", "Snitt uten Trondheim", "Rang"],
            rows,
            title="Trondheim og andre store kommuner (ASSS), kr per bruker",
        ),
    ]
    status = "alle kontroller OK" if all(r.status == "OK" for r in results) else "AVVIK funnet"
    lines += ["", f"Resultat: {status}."]
    return "\n".join(lines)


def _cmd_demo(_: argparse.Namespace) -> int:
    print(f"kommuneokonomi {__version__}: demonstrasjon på eksempeldataene\n")
    print(_savings_report())
    print()
    print(_budget_report())
    return 0


# argparse's own messages are English; users read Norwegian.
_ARGPARSE_NB = (
    ("usage:", "bruk:"),
    ("the following arguments are required:", "disse argumentene mangler:"),
    ("invalid choice:", "ugyldig valg:"),
    ("choose from", "velg blant"),
    ("unrecognized arguments:", "ukjente argumenter:"),
    ("expected one argument", "venter ett argument"),
    ("show this help message and exit", "vis denne hjelpeteksten og avslutt"),
    ("positional arguments", "posisjonsargumenter"),
    ("options", "valg"),
    ("show program's version number and exit", "vis versjonsnummeret og avslutt"),
)


def _nb(text: str) -> str:
    for en, nb in _ARGPARSE_NB:
        text = text.replace(en, nb)
    return text


class _Parser(argparse.ArgumentParser):
    """ArgumentParser that speaks Norwegian and exits 2 with ``Feil: ...`` on misuse."""

    def format_usage(self) -> str:
        return _nb(super().format_usage())

    def format_help(self) -> str:
        return _nb(super().format_help())

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"Feil: {_nb(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (Norwegian help texts)."""
    parser = _Parser(
        prog="kommuneokonomi",
        description="Innsparingsanalyse og budsjettkontroller for kommuneøkonomi.",
    )
    parser.add_argument("--versjon", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(
        dest="kommando", metavar="KOMMANDO", required=True, parser_class=_Parser
    )
    demo = sub.add_parser(
        "demo", help="beregn eksempelanalysene (Trondheim 2007 og budsjettprosessen 2019)"
    )
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kommuneokonomi`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except KommuneokonomiError as exc:
        print(f"Feil: {exc.describe()}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
