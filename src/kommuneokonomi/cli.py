"""The one command line: ``kommuneokonomi recalc | check | demo | new | hent | addin``.

Thin by design: parse arguments, call the engine, print. This module owns the whole parser,
Norwegian from the usage line to argparse's own messages, and the one translation of errors: a
usage error, a :class:`KommuneokonomiError` or a file the user named that cannot be used
becomes ``Feil: ...`` on stderr and exit code 2; ``check`` exits 1 on AVVIK; real bugs keep
their traceback. ``kommuneokonomi-addin ARGS`` and ``python -m kommuneokonomi.ssb.cli ARGS``
are aliases of ``kommuneokonomi addin ARGS`` and ``kommuneokonomi hent ARGS``.

``hent`` and ``addin`` import their modules only when they run, so ``recalc`` starts without
loading the SSB client (httpx) or the installer.
"""

from __future__ import annotations

import argparse
import gc
import math
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

from . import __version__
from .engine.format import mnok, number, percent
from .errors import InputError, KommuneokonomiError, LayoutError, Location
from .progress import Progress
from .report import text_table
from .service import Recalculation, recalculate
from .workbook.fastread import CalamineBook
from .workbook.files import (
    atomic_target,
    now_stamp,
    os_reason,
    save_outputs,
    write_error,
)

__all__ = ["main"]

SAVINGS_EXAMPLE = "innsparing_trondheim_2007.xlsx"
BUDGET_EXAMPLE = "budsjett_trondheim_2019.xlsx"
PLAN_EXAMPLE = "plan_trondheim_2020.xlsx"


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
            f"{number(float(r['referanse_2']))} {_shown(r['ref_2_kommune'])}".strip(),
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
    lines += _warnings(result)
    return "\n".join(lines)


def _shown(name: object) -> str:
    """A name that may be missing (None, NaN: a mean or median has no supplier) as text."""
    return name.strip() if isinstance(name, str) else ""


def _warnings(result: Recalculation) -> list[str]:
    """The run's warnings (also on the sheet, tblMerknader), one «ADVARSEL:» line each."""
    if not result.warnings and not result.notes:
        return []
    return [
        "",
        *(f"ADVARSEL: {w}" for w in result.warnings),
        *(f"Merknad: {n}" for n in result.notes),
    ]


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
    elif not result.checks:
        verdict = "Resultat: ingenting er kontrollert."
    else:
        verdict = "Resultat: alle kontroller OK."
    return "\n".join([table, "", verdict, *_warnings(result)])


def _stamp(source: Path) -> str:
    return now_stamp(version=__version__, source=source.name)


def _recalc(path: Path, out: Path | None) -> tuple[Recalculation, Path]:
    """The one path: read with the fast reader, compute, write the output sheets by part
    transplant (input parts copied byte for byte); the same for one municipality and 'Alle'."""
    target = out or path
    with Progress(terminal_only=True) as progress:
        progress.step(f"leser og beregner {path.name} ...")
        result = recalculate(CalamineBook(path))
        progress.step(f"skriver {target.name} ...")
        # a package the part writer refuses (e.g. Strict OOXML) goes through openpyxl by default
        save_outputs(path, result.sheets, target, stamp=_stamp(path))
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
        print("\n".join([_national_report(result), *_warnings(result)]))
    elif result.kind == "innsparing":
        print(_savings_report(result))
    else:
        if result.kind == "plan":
            print(_plan_report(result) + "\n")
        print(_checks_report(result))
    return 0


def _plan_report(result: Recalculation) -> str:
    """The plan years (gap before and after the measures, key figures) and the measures."""
    assert result.plan is not None and result.measures is not None
    rows = [
        [
            str(int(r["aar"])),
            number(float(r["ubalanse_for"]), 1),
            number(float(r["tiltak"]), 1),
            number(float(r["ubalanse_etter"]), 1),
            number(float(r["netto_driftsresultat"]), 1),
            "-" if math.isnan(float(r["ndr_andel"])) else percent(float(r["ndr_andel"]), 2),
        ]
        for r in result.plan.to_dict("records")
    ]
    years = text_table(
        ["År", "Ubalanse før tiltak", "Tiltak", "Ubalanse etter", "Netto driftsresultat", "i %"],
        rows,
        align="lrrrrr",
        title="Økonomiplanen per år",
    )
    chosen = result.measures[result.measures["losning"] == "Valgt"]
    measure_rows = [
        [
            str(m["tiltak"]),
            str(m["varighet"]),
            str(int(m["prioritet"])),
            str(int(m["fra_aar"])),
            number(float(m["belop"]), 1),
        ]
        for m in chosen.to_dict("records")
    ]
    measures = (
        text_table(
            ["Tiltak", "Varighet", "Prioritet", "Fra år", "Beløp per år"],
            measure_rows,
            align="lllrr",
            title="Valgte tiltak (alternativene står på arket Tiltaksvalg)",
        )
        if measure_rows
        else "Ingen tiltak er valgt."
    )
    return f"{years}\n\n{measures}"


def _cmd_check(args: argparse.Namespace) -> int:
    result = recalculate(CalamineBook(Path(args.fil)))
    if result.national is not None:
        print("\n".join([_national_report(result), *_warnings(result)]))
        return 1 if result.warnings else 0
    if result.kind == "innsparing":
        print(_savings_report(result))
        return 1 if result.warnings else 0  # an ADVARSEL is worth a look before it is sent on
    if result.kind == "plan":
        print(_plan_report(result) + "\n")
    print(_checks_report(result))
    return 1 if result.has_deviation or result.warnings else 0


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
    analysis = [args.kommune, args.aar, args.gruppe]
    if any(a is not None for a in analysis) and (
        args.type != "innsparing" or any(a is None for a in analysis)
    ):
        raise InputError(
            "--kommune, --år og --gruppe hører sammen, og bare til 'new innsparing': "
            "kommuneokonomi new innsparing FIL --kommune NAVN --år ÅR --gruppe GRUPPE",
            code="ugyldig_valg",
        )
    from .catalogue import standard_workbook
    from .workbook.build import save_reproducible, template  # openpyxl

    wb = (
        standard_workbook(args.kommune, args.aar, args.gruppe)
        if args.kommune is not None
        else template(args.type)
    )
    try:
        with atomic_target(target) as tmp:
            save_reproducible(wb, tmp)
    except OSError as exc:
        raise write_error(exc, target) from exc
    print(f"Ny {args.type}-arbeidsbok: {target}")
    if args.kommune is not None:
        print(
            f"Fylt ut fra standardkatalogen for {args.kommune} {args.aar} mot {args.gruppe}. "
            f"Neste steg: «kommuneokonomi hent {target}», så «kommuneokonomi recalc {target}»."
        )
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    folder = Path(args.mappe)
    folder.mkdir(parents=True, exist_ok=True)
    from .workbook.build import build_all  # openpyxl: only here

    build_all(folder)
    savings, saved_s = _recalc(folder / SAVINGS_EXAMPLE, None)
    budget, saved_b = _recalc(folder / BUDGET_EXAMPLE, None)
    plan, saved_p = _recalc(folder / PLAN_EXAMPLE, None)
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
    print(f"\nØkonomiplan (HØP 2020-2023, delvis illustrative tall): {saved_p}\n")
    print(_plan_report(plan))
    print("\n".join(["", *_warnings(plan)]) if plan.warnings else "")
    from . import note  # python-docx and matplotlib: only for the note

    memo = folder / f"{Path(SAVINGS_EXAMPLE).stem}_notat.docx"
    note.to_docx(note.build_note(savings, source=SAVINGS_EXAMPLE, version=__version__), memo)
    print(f"\nNotat fra innsparingsanalysen (Word): {memo}")
    templates = ", ".join(
        str(folder / n) for n in ("mal_innsparing.xlsx", "mal_budsjett.xlsx", "mal_plan.xlsx")
    )
    print(f"\nMaler for nye analyser: {templates}")
    return 0


def _cmd_hent(args: argparse.Namespace) -> int:
    from .ssb.cli import run  # loads the SSB client (httpx): only when fetching

    return run(args)


def _cmd_notat(args: argparse.Namespace) -> int:
    from . import note  # python-docx and matplotlib: only for the note

    path = Path(args.fil)
    content = note.note_of(CalamineBook(path), version=__version__)
    suffix = {"docx": ".docx", "md": ".md", "txt": ".txt"}[args.format]
    target = Path(args.utfil) if args.utfil else path.with_name(f"{path.stem}_notat{suffix}")
    if target.resolve() == path.resolve():
        raise LayoutError(
            "notatet kan ikke skrives over arbeidsboken; velg et annet navn med -o",
            code="fil_finnes",
            location=Location(file=str(target)),
        )
    try:
        if args.format == "docx":
            note.to_docx(content, target)
        else:
            text = note.to_markdown(content) if args.format == "md" else note.to_text(content)
            note.write_text(text, target)
    except OSError as exc:
        raise write_error(exc, target) from exc
    print(f"Notat: {target}")
    if args.format == "docx" and not args.uten_pdf:
        pdf = note.to_pdf(target, target.with_suffix(".pdf"))
        print(
            f"PDF: {pdf}"
            if pdf
            else "PDF: ikke laget (LibreOffice er ikke installert); Word-dokumentet er laget"
        )
    return 0


def _cmd_tabell(args: argparse.Namespace) -> int:
    from .ssb import metadata
    from .ssb.client import PxWebClient

    try:
        with PxWebClient(args.api_url) as client:
            meta = metadata.load(args.nummer, client=client, cache=None)
    except ValueError as exc:  # not a table number
        raise InputError(str(exc), code="ugyldig_tabell") from exc
    assert meta is not None  # online, without a cache: fetched or raised
    print(metadata.describe(meta, all_codes=args.alle), end="")
    return 0


def _cmd_addin(args: argparse.Namespace) -> int:
    from .addin import run

    return run(args)


# argparse's own texts (usage line, headings, -h, error messages) in bokmål. argparse looks each
# one up with gettext at the moment it uses it; _Parser puts these lookups in place while it
# builds, parses or formats. Keys are argparse's msgids verbatim; tests/e2e/test_one_cli.py
# checks that every msgid a user can meet in the running Python has a translation here.
_ARGPARSE_NB: dict[str, str] = {
    "usage: ": "bruk: ",
    "positional arguments": "posisjonsargumenter",
    "options": "valgfrie argumenter",
    "optional arguments": "valgfrie argumenter",  # before Python 3.10
    "subcommands": "kommandoer",
    "show this help message and exit": "vis denne hjelpen og avslutt",
    "show program's version number and exit": "vis versjonsnummeret og avslutt",
    "%(prog)s: error: %(message)s\n": "%(prog)s: feil: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argumentet %(argument_name)s: %(message)s",
    "the following arguments are required: %s": "disse argumentene mangler: %s",
    "one of the arguments %s is required": "ett av argumentene %s må være med",
    "unrecognized arguments: %s": "ukjente argumenter: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "ugyldig valg: %(value)r (velg blant %(choices)s)"
    ),
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "ukjent kommando %(parser_name)r (velg blant %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": "ugyldig verdi for %(type)s: %(value)r",
    "expected one argument": "venter én verdi",
    "expected at most one argument": "venter høyst én verdi",
    "expected at least one argument": "venter minst én verdi",
    "not allowed with argument %s": "kan ikke brukes sammen med %s",
    "ignored explicit argument %r": "tar ingen verdi, men fikk %r",
    "ambiguous option: %(option)s could match %(matches)s": (
        "tvetydig valg: %(option)s kan bety %(matches)s"
    ),
    "unexpected option string: %s": "uventet valg: %s",
    "can't open '%(filename)s': %(error)s": "kan ikke åpne '%(filename)s': %(error)s",
    'argument "-" with mode %r': "argumentet «-» med modus %r",
}
_ARGPARSE_NB_PLURAL: dict[tuple[str, str], tuple[str, str]] = {
    ("expected %s argument", "expected %s arguments"): ("venter %s verdi", "venter %s verdier"),
}


def _gettext(message: Any) -> Any:
    # argparse 3.11 also passes None (a subparsers group without description)
    return _ARGPARSE_NB.get(message, message) if isinstance(message, str) else message


def _ngettext(singular: str, plural: str, n: int) -> str:
    one, many = _ARGPARSE_NB_PLURAL.get((singular, plural), (singular, plural))
    return one if n == 1 else many


@contextmanager
def _norwegian_argparse() -> Iterator[None]:
    """argparse's texts in bokmål while the block runs (nested blocks are fine)."""
    module = vars(argparse)
    saved = module["_"], module["ngettext"]
    module["_"], module["ngettext"] = _gettext, _ngettext
    try:
        yield
    finally:
        module["_"], module["ngettext"] = saved


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser in bokmål; misuse prints ``Feil: ...`` and the usage, exit code 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        with _norwegian_argparse():  # the headings and -h's help are made here
            super().__init__(*args, **kwargs)

    # error messages are made while parsing: by parse_args (unrecognized arguments) and by
    # parse_known_args (everything else; a subcommand's parser is called through it)
    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> Any:
        with _norwegian_argparse():
            return super().parse_args(args, namespace)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> tuple[Any, list[str]]:
        with _norwegian_argparse():
            return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        with _norwegian_argparse():
            return super().format_usage()

    def format_help(self) -> str:
        with _norwegian_argparse():
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"Feil: {message}\n{self.format_usage()}Hjelp: {self.prog} --help\n")


_FIL_HELP = "arbeidsboken (.xlsx/.xlsm)"
# = kommuneokonomi.ssb.client.ENV_API_URL and DEFAULT_API_URL, written out because importing
# the client loads httpx, which recalc does not need; tests/e2e/test_one_cli.py checks them.
_SSB_URL_ENV = "KOMMUNEOKONOMI_SSB_URL"
_SSB_URL = "https://data.ssb.no/api/pxwebapi/v2/"


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, every command with Norwegian help."""
    parser = _Parser(
        prog="kommuneokonomi",
        description=(
            "Innsparingsanalyse, nøkkeltall og budsjettkontroller for kommuneøkonomi, "
            "KOSTRA-tall fra SSB og Excel-tillegget."
        ),
        epilog="Hjelp til én kommando: kommuneokonomi KOMMANDO --help",
    )
    parser.add_argument(
        "--versjon",
        action="version",
        version=f"%(prog)s {__version__}",
        help="vis versjonsnummeret og avslutt",
    )
    sub = parser.add_subparsers(
        title="kommandoer", dest="kommando", metavar="KOMMANDO", required=True
    )
    recalc = sub.add_parser(
        "recalc",
        help="beregn en arbeidsbok og skriv resultatarkene",
        description=(
            "Leser inndatatabellene, kontrollerer dem, beregner og skriver resultatarkene. "
            "Uten -o oppdateres arbeidsboken via en midlertidig fil, så den er alltid enten "
            "den gamle eller den nye hele filen."
        ),
    )
    recalc.add_argument("fil", metavar="FIL", help=_FIL_HELP)
    recalc.add_argument(
        "-o",
        "--utfil",
        metavar="UTFIL",
        help="skriv resultatet hit i stedet for å oppdatere arbeidsboken",
    )
    recalc.set_defaults(func=_cmd_recalc)
    check = sub.add_parser(
        "check",
        help="kjør kontrollene uten å skrive; avslutter med kode 1 ved AVVIK",
        description=(
            "Beregner uten å skrive og viser kontrollene (budsjettarbeidsbok) eller "
            "innsparingen (innsparingsarbeidsbok). Avslutter med kode 1 hvis en kontroll "
            "gir AVVIK."
        ),
    )
    check.add_argument("fil", metavar="FIL", help=_FIL_HELP)
    check.set_defaults(func=_cmd_check)
    demo = sub.add_parser(
        "demo",
        help="lag og beregn eksempelarbeidsbøkene (Trondheim 2007 og budsjettprosessen 2019)",
        description=(
            "Lager eksempel- og malarbeidsbøkene i MAPPE og beregner eksemplene: "
            "innsparingsanalysen for Trondheim 2007, budsjettkontrollen for 2019 og "
            "økonomiplanen 2020-2023."
        ),
    )
    demo.add_argument(
        "mappe",
        metavar="MAPPE",
        nargs="?",
        default="kommuneokonomi-demo",
        help="mappen de legges i (standard: kommuneokonomi-demo)",
    )
    demo.set_defaults(func=_cmd_demo)
    new = sub.add_parser(
        "new",
        help="lag en tom arbeidsbok fra malen",
        description="Lager en tom arbeidsbok fra malen, med et Om-ark som forklarer bruken.",
    )
    new.add_argument(
        "type",
        choices=["innsparing", "budsjett", "plan"],
        help="hvilken mal: innsparing, budsjett (kontroller) eller plan (økonomiplan)",
    )
    new.add_argument("fil", metavar="FIL", help="den nye filen (.xlsx)")
    new.add_argument("--overskriv", action="store_true", help="erstatt en fil som finnes")
    new.add_argument(
        "--kommune",
        metavar="NAVN",
        help="(innsparing) fyll ut standardanalysen for denne kommunen (navn eller nummer)",
    )
    new.add_argument(
        "--år", "--aar", dest="aar", type=int, metavar="ÅR", help="året som analyseres"
    )
    new.add_argument(
        "--gruppe",
        metavar="GRUPPE",
        help=(
            "sammenligningsgruppen: ASSS, en KOSTRA-gruppe (EKG12; medlemmene hentes fra SSBs "
            "KLASS for året), eller kommuner skilt med semikolon"
        ),
    )
    new.set_defaults(func=_cmd_new)
    notat = sub.add_parser(
        "notat",
        help="skriv et notat (Word, Markdown eller tekst) fra en beregnet innsparingsanalyse",
        description=(
            "Lager et notat på norsk fra en beregnet innsparingsanalyse: sammendrag med "
            "tabell og diagram per sektor, nøkkeltall, én del per sektor med tabell og "
            "setninger, og metode og kilder. Tallene er de samme som på resultatarkene; er "
            "arbeidsboken ikke beregnet etter siste endring, stoppes notatet. Ordlyden står i "
            "setninger.toml i pakken. En PDF lages ved siden av når LibreOffice er installert."
        ),
    )
    notat.add_argument("fil", metavar="FIL", help=_FIL_HELP)
    notat.add_argument(
        "-o",
        "--utfil",
        metavar="UTFIL",
        help="notatet (standard: FIL-navn_notat.docx ved siden av arbeidsboken)",
    )
    notat.add_argument(
        "--format",
        choices=["docx", "md", "txt"],
        default="docx",
        help="docx (Word, standard), md (Markdown) eller txt (ren tekst, til e-post)",
    )
    notat.add_argument(
        "--uten-pdf", action="store_true", help="ikke lag PDF ved siden av Word-dokumentet"
    )
    notat.set_defaults(func=_cmd_notat)
    _add_hent(sub)
    _add_addin(sub)
    return parser


def _add_hent(sub: Any) -> None:
    hent = sub.add_parser(
        "hent",
        help=(
            "hent KOSTRA-tall fra SSB til tblData, slik tblHenting i arbeidsboken beskriver "
            "(økonomiplanen: befolkningen per aldersgruppe til tblBefolkning)"
        ),
        description=(
            "Henter tallene som tabellen tblHenting beskriver fra SSBs statistikkbank "
            "(PxWebApi v2) og skriver dem i tblData: rader med samme Kommune, År og Indikator "
            "erstattes, nye legges til. Manglende tall står tomme med SSBs symbol i Merknad; "
            "Kilde sier hvor hvert tall kommer fra. Hvert svar lagres i et mellomlager ved "
            "siden av arbeidsboken. For økonomiplanen hentes innbyggerne i aldersgruppene i "
            "tblSatser for budsjettåret og planårene til tblBefolkning: registrert befolkning "
            "(tabell 07459) der SSB har den, ellers framskrivingen (hovedalternativet)."
        ),
    )
    hent.add_argument("fil", metavar="FIL", help=_FIL_HELP)
    hent.add_argument(
        "--api-url",
        metavar="URL",
        help=f"adressen til API-et (standard: miljøvariabelen {_SSB_URL_ENV}, ellers {_SSB_URL})",
    )
    hent.add_argument(
        "--offline",
        action="store_true",
        help="ikke gå på nettet: bruk svarene som ligger i mellomlageret fra en tidligere henting",
    )
    hent.add_argument(
        "--cache",
        metavar="MAPPE",
        help="mellomlageret for svarene fra SSB (standard: FIL-navn.ssb-cache ved siden av filen)",
    )
    hent.add_argument(
        "--framskriving",
        metavar="NUMMER",
        help=(
            "økonomiplanen: SSB-tabellen med befolkningsframskrivingen for årene etter siste "
            "registrerte år (standard: 14288, framskrivingen fra 2024)"
        ),
    )
    hent.add_argument(
        "--alternativer",
        action="store_true",
        help=(
            "økonomiplanen: hent også framskrivingens lav- og høyalternativ (Alternativ lav "
            "og høy); velg så ett i innstillingen Befolkningsalternativ"
        ),
    )
    hent.set_defaults(func=_cmd_hent)
    tabell = sub.add_parser(
        "tabell",
        help="vis en SSB-tabells tittel, variabler og koder (til tblHenting og katalogen)",
        description=(
            "Henter metadataene til en tabell i SSBs statistikkbank og viser tittelen, "
            "variablene og kodene: det som skal stå i Innhold (ContentsCode), Utvalg og "
            "Regionvariabel i tblHenting."
        ),
    )
    tabell.add_argument("nummer", metavar="NUMMER", help="tabellnummeret, f.eks. 12362")
    tabell.add_argument("--alle", action="store_true", help="vis alle kodene, ikke bare de første")
    tabell.add_argument(
        "--api-url",
        metavar="URL",
        help=f"adressen til API-et (standard: miljøvariabelen {_SSB_URL_ENV}, ellers {_SSB_URL})",
    )
    tabell.set_defaults(func=_cmd_tabell)


def _add_addin(sub: Any) -> None:
    addin = sub.add_parser(
        "addin",
        help="installer Excel-tillegget for denne brukeren (Windows), fjern det eller vis status",
        description=(
            "Installerer Excel-tillegget Kommuneøkonomi for denne brukeren: kopierer "
            "kommuneokonomi.xlam til Excels oppstartsmappe og lagrer hvilken Python tillegget "
            "skal starte. «kommuneokonomi-addin» gjør det samme."
        ),
    )
    actions = addin.add_subparsers(
        title="handlinger", dest="handling", metavar="HANDLING", required=True
    )
    for name, help_text in (
        (
            "install",
            "kopier tillegget til Excels oppstartsmappe og lagre hvilken Python som brukes",
        ),
        ("remove", "fjern tillegget fra Excels oppstartsmappe"),
        ("status", "vis hva som er installert"),
        (
            "sjekk",
            "finn det som kan stoppe tillegget: filen, innstillingene, xlwings, DLL-en og "
            "Office- og Defender-retningslinjer (avslutningskode 1 ved FEIL)",
        ),
    ):
        cmd = actions.add_parser(
            name, help=help_text, description=help_text[0].upper() + help_text[1:] + "."
        )
        cmd.add_argument(
            "--mappe",
            type=Path,
            help="Excels oppstartsmappe (standard: %%APPDATA%%\\Microsoft\\Excel\\XLSTART)",
        )
        cmd.add_argument(
            "--konfig",
            type=Path,
            help="innstillingsfilen "
            "(standard: %%USERPROFILE%%\\.kommuneokonomi\\kommuneokonomi.conf)",
        )
        if name == "install":
            cmd.add_argument(
                "--python",
                help="Python-tolken tillegget skal starte (standard: den som kjører kommandoen)",
            )
        cmd.set_defaults(func=_cmd_addin)


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
    """Entry point of ``kommuneokonomi`` (and of the aliases); returns the exit code.

    0 when done; 1 when ``check`` finds AVVIK; 2 for a usage error (printed by the parser),
    bad input or a file that cannot be used (printed here as ``Feil: ...``). Any other
    exception is a bug and keeps its traceback.
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --versjon, or a usage error the parser has printed
        return exc.code if isinstance(exc.code, int) else 2
    try:
        with _cycle_collector_paused(), warnings.catch_warnings():
            # openpyxl's notes about what it drops on loading (e.g. "Data Validation extension
            # is not supported and will be removed") are English and about its own model: the
            # part writer copies input parts byte for byte; only the rare fallback for a
            # package it refuses saves through openpyxl (docs/sikkerhet.md says what is lost)
            warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl(\.|$)")
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
