"""Command line: ``kommuneokonomi recalc | check | demo | new``.

Thin by design: parse arguments, call the engine, print. A :class:`KommuneokonomiError` becomes
one Norwegian line ``Feil: ...`` and exit code 2; real bugs keep their traceback.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import NoReturn

import pandas as pd

from . import __version__
from .engine.format import mnok, number
from .errors import KommuneokonomiError, LayoutError, Location
from .report import text_table
from .service import Recalculation, recalculate, wants_national
from .ssb.cli import add_parser as add_hent_parser
from .workbook.build import build_all, save_reproducible, template
from .workbook.fastread import CalamineBook
from .workbook.files import (
    FileBook,
    atomic_target,
    now_stamp,
    os_reason,
    save_outputs,
    write_error,
)

__all__ = ["main"]

SAVINGS_EXAMPLE = "innsparing_trondheim_2007.xlsx"
BUDGET_EXAMPLE = "budsjett_trondheim_2019.xlsx"


def _read_csv(folder: str, name: str) -> pd.DataFrame:
    ref = resources.files("kommuneokonomi") / "data" / folder / name
    with resources.as_file(ref) as path:
        return pd.read_csv(path, encoding="utf-8", keep_default_na=False)


def _savings_report(result: Recalculation) -> str:
    assert result.lines is not None and result.sectors is not None
    lines: list[str] = []
    rows = [
        [
            str(r["navn"]),
            number(float(r["egen_verdi"])),
            number(float(r["referanse_1"])),
            mnok(float(r["innsparing_1_mnok"])),
            f"{number(float(r['referanse_2']))} {r['ref_2_kommune'] or ''}".strip(),
            mnok(float(r["innsparing_2_mnok"])),
        ]
        for r in result.lines.to_dict("records")
    ]
    headers = ["Indikator", "Egen verdi", "Referanse 1", "Innsparing", "Referanse 2"]
    lines.append(text_table([*headers, "Innsparing"], rows))
    lines.append("")
    rows = [
        [str(r["sektor"]), mnok(float(r["innsparing_1_mnok"])), mnok(float(r["innsparing_2_mnok"]))]
        for r in result.sectors.to_dict("records")
    ]
    lines.append(text_table(["Sektor", "Innsparing 1", "Innsparing 2"], rows))
    return "\n".join(lines)


def _tabell10_comparison(result: Recalculation) -> str:
    """The demo's Tabell 10 next to the figures the 2008 report printed."""
    assert result.sectors is not None
    printed = _read_csv("asss2007", "trykt_tabell10.csv").set_index("sektor")
    rows = []
    deviations = False
    for r in result.sectors.to_dict("records"):
        computed = (mnok(float(r["innsparing_1_mnok"])), mnok(float(r["innsparing_2_mnok"])))
        p = printed.loc[str(r["sektor"])]
        shown = (_printed(p["snitt"]), _printed(p["tredje_beste"]))
        flag = "" if computed == shown else "*"
        deviations = deviations or bool(flag)
        rows.append([str(r["sektor"]), *computed, *shown, flag])
    lines = [
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
    ]
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


def _precise(value: float) -> str:
    """Like ``number``, but a share such as 0,0175 keeps its digits (not «0,02»)."""
    if value != 0 and abs(value) < 1:
        return number(value, 4).rstrip("0").rstrip(",")
    return number(value)


def _checks_report(result: Recalculation) -> str:
    rows = [
        [
            r.kontroll,
            r.status,
            _precise(r.verdi),
            _precise(r.forventet),
            _precise(r.avvik),
            r.forklaring,
        ]
        for r in result.checks
    ]
    table = text_table(
        ["Kontroll", "Status", "Verdi", "Forventet", "Avvik", "Forklaring"], rows, align="llrrrl"
    )
    n_avvik = sum(r.status == "AVVIK" for r in result.checks)
    n_adv = sum(r.status == "ADVARSEL" for r in result.checks)
    if n_avvik:
        verdict = f"Resultat: {n_avvik} AVVIK" + (f" og {n_adv} ADVARSEL" if n_adv else "") + "."
    elif n_adv:
        verdict = f"Resultat: ingen avvik, {n_adv} ADVARSEL."
    else:
        verdict = "Resultat: alle kontroller OK."
    return f"{table}\n\n{verdict}"


def _stamp(source: Path) -> str:
    return now_stamp(version=__version__, source=source.name)


def _national_reader(path: Path) -> CalamineBook | None:
    """The fast reader if this is a national workbook ('Egen kommune' = Alle), else None.

    Any problem opening the file is left to the usual path, which reports it with the
    message and location the user expects."""
    try:
        fast = CalamineBook(path)
    except KommuneokonomiError:
        return None
    return fast if wants_national(fast) else None


def _recalc(path: Path, out: Path | None) -> tuple[Recalculation, Path]:
    target = out or path
    fast = _national_reader(path)
    if fast is not None:
        # every municipality: read with calamine, write by part transplant (issue 7's fast
        # path); openpyxl never loads the national tblData
        result = recalculate(fast)
        save_outputs(path, result.sheets, target, stamp=_stamp(path))
        return result, target
    book = FileBook(path)
    result = recalculate(book)
    book.save_outputs(result.sheets, target, stamp=_stamp(path))
    return result, target


def _national_report(result: Recalculation) -> str:
    assert result.national is not None
    summary = result.national
    years = sorted(set(summary["aar"]))
    last = summary[summary["aar"] == years[-1]]
    per_kommune = last.groupby("kommune")[["innsparing_1_mnok", "innsparing_2_mnok"]].sum()
    top = per_kommune.sort_values("innsparing_2_mnok", ascending=False).head(5)
    rows = [
        [str(k), mnok(float(r["innsparing_1_mnok"])), mnok(float(r["innsparing_2_mnok"]))]
        for k, r in top.iterrows()
    ]
    head = (
        f"Alle kommuner mot egen gruppe: {summary['kommune'].nunique()} kommuner, "
        f"{len(years)} år beregnet ({years[0]}-{years[-1]})."
    )
    table = text_table(
        ["Kommune", "Innsparing 1", "Innsparing 2"],
        rows,
        title=f"Størst innsparing mot referanse 2 i {years[-1]} (mill. kr)",
    )
    return f"{head}\n\n{table}"


def _cmd_recalc(args: argparse.Namespace) -> int:
    result, target = _recalc(Path(args.fil), Path(args.utfil) if args.utfil else None)
    print(f"Beregnet {args.fil} -> {target}")
    if result.national is not None:
        print(_national_report(result))
    elif result.kind == "innsparing":
        print(_savings_report(result))
    else:
        print(_checks_report(result))
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    fast = _national_reader(Path(args.fil))
    result = recalculate(fast if fast is not None else FileBook(Path(args.fil)))
    if result.national is not None:
        print(_national_report(result))
        return 0
    if result.kind == "innsparing":
        print(_savings_report(result))
        return 0
    print(_checks_report(result))
    return 1 if result.has_deviation else 0


def _cmd_new(args: argparse.Namespace) -> int:
    target = Path(args.fil)
    if target.exists() and not args.overskriv:
        raise LayoutError(
            "filen finnes allerede; bruk --overskriv for å erstatte den",
            code="fil_finnes",
            location=Location(file=str(target)),
        )
    if target.suffix.lower() != ".xlsx":
        raise LayoutError(
            "en ny arbeidsbok må ha filtypen .xlsx",
            code="feil_filtype",
            location=Location(file=str(target)),
        )
    try:
        with atomic_target(target) as tmp:
            save_reproducible(template(args.type), tmp)
    except OSError as exc:
        raise write_error(exc, target) from exc
    print(f"Ny {args.type}-arbeidsbok: {target}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    folder = Path(args.mappe)
    folder.mkdir(parents=True, exist_ok=True)
    build_all(folder)
    savings, saved_s = _recalc(folder / SAVINGS_EXAMPLE, None)
    budget, saved_b = _recalc(folder / BUDGET_EXAMPLE, None)
    print(f"kommuneokonomi {__version__}: eksempelarbeidsbøkene er beregnet i {folder}/\n")
    print(f"Innsparingsanalyse: {saved_s}")
    print(
        "Data: REKONSTRUERT fra rapporten «Den økonomiske situasjonen i Trondheim kommune» "
        "(2008), ikke offisielle KOSTRA-tall.\n"
    )
    print(_savings_report(savings))
    print()
    print(_tabell10_comparison(savings))
    print(f"\nBudsjettkontroll: {saved_b}\n")
    print(_checks_report(budget))
    templates = ", ".join(str(folder / n) for n in ("mal_innsparing.xlsx", "mal_budsjett.xlsx"))
    print(f"\nMaler for nye analyser: {templates}")
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
        "demo",
        help="lag og beregn eksempelarbeidsbøkene (Trondheim 2007 og budsjettprosessen 2019)",
    )
    demo.add_argument("mappe", nargs="?", default="kommuneokonomi-demo", help="mappen de legges i")
    demo.set_defaults(func=_cmd_demo)
    recalc = sub.add_parser("recalc", help="beregn en arbeidsbok og skriv resultatarkene")
    recalc.add_argument("fil", help="arbeidsboken (.xlsx/.xlsm)")
    recalc.add_argument(
        "-o", "--utfil", help="skriv resultatet hit i stedet for å oppdatere arbeidsboken"
    )
    recalc.set_defaults(func=_cmd_recalc)
    check = sub.add_parser(
        "check", help="kjør kontrollene uten å skrive; avslutter med kode 1 ved AVVIK"
    )
    check.add_argument("fil", help="arbeidsboken (.xlsx/.xlsm)")
    check.set_defaults(func=_cmd_check)
    new = sub.add_parser("new", help="lag en tom arbeidsbok fra malen")
    new.add_argument("type", choices=["innsparing", "budsjett"], help="hvilken mal")
    new.add_argument("fil", help="den nye filen (.xlsx)")
    new.add_argument("--overskriv", action="store_true", help="erstatt en fil som finnes")
    new.set_defaults(func=_cmd_new)
    add_hent_parser(sub)
    return parser


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a command runs.

    A national workbook is read as 750 000 row lists; every full collection walks them all,
    which cost 0.75 s of a 4.6 s recalc. A command is one batch that builds its tables and
    exits: its memory is freed by reference counting, and nothing it builds depends on the
    cycle collector. The collector is switched back on afterwards (tests call ``main`` in
    one process).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kommuneokonomi`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        with _cycle_collector_paused():
            code: int = args.func(args)
    except KommuneokonomiError as exc:
        print(f"Feil: {exc.describe()}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file or folder the user named cannot be used
        where = f"fil {exc.filename}: " if exc.filename else ""
        print(f"Feil: {where}{os_reason(exc)}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
