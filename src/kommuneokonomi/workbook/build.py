"""Build the example workbooks and the empty templates from the workbook contract.

Each book starts with an ``Om`` sheet (what the book is and how to use it, in Norwegian),
followed by one sheet per input sheet of the contract (:mod:`.layout`), in the order of the
layout tuple. Every input table is written with :func:`.files.write_table` at row 1; tables
that share a sheet (``tblSummer`` and ``tblOppgittSum`` on ``Summer``) stand side by side, the
next one starting one empty column to the right of the previous table and its extra columns.
The output sheets (``Innsparing``, ``Kontroller``) are not created here: the recalculation
writes them.

The examples are filled from the package CSVs: ``data/asss2007`` (RECONSTRUCTED from the 2008
Trondheim report, not official KOSTRA figures) and ``data/budsjett2019`` (the 2019 budget
slides; the plan lines and measures are illustrative). Each CSV's ``kilde``/``grunnlag`` text
goes in an extra column ``Kilde`` right of the table, outside the named table, so the user sees
where each number comes from; the settings table also gets a ``Forklaring`` column.

:func:`save_reproducible` writes byte-identical files for identical workbooks (fixed document
dates, fixed zip entry dates and order), so the committed files in ``workbooks/`` can be
checked against a fresh build.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl.styles import Alignment, Font
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import InputError
from .files import write_table
from .layout import BUDGET, HENTING, PLAN_BOOK, SAVINGS, BookKind, Column, TableSpec

if TYPE_CHECKING:
    from ..ssb.klass import KostraGroup
from .tables import column_letter

__all__ = [
    "BUDGET_EXAMPLE",
    "BUDGET_TEMPLATE",
    "CREATOR",
    "FIXED_TIME",
    "PLAN_EXAMPLE",
    "PLAN_TEMPLATE",
    "SAVINGS_EXAMPLE",
    "SAVINGS_TEMPLATE",
    "build_all",
    "build_budget_workbook",
    "build_plan_workbook",
    "build_savings_workbook",
    "input_sheets",
    "reproducible_bytes",
    "save_reproducible",
    "template",
]

SAVINGS_EXAMPLE = "innsparing_trondheim_2007.xlsx"
BUDGET_EXAMPLE = "budsjett_trondheim_2019.xlsx"
SAVINGS_TEMPLATE = "mal_innsparing.xlsx"
BUDGET_TEMPLATE = "mal_budsjett.xlsx"
PLAN_EXAMPLE = "plan_trondheim_2020.xlsx"
PLAN_TEMPLATE = "mal_plan.xlsx"

#: Document creation/modification time written into every built file.
FIXED_TIME = dt.datetime(2020, 1, 1, 0, 0, 0)
#: ``dc:creator`` of every built file.
CREATOR = "kommuneokonomi"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

_OM = "Om"
_SOURCE_HEADER = "Kilde"
_HELP_HEADER = "Forklaring"
_SOURCE_WIDTH = 80.0
_HELP_WIDTH = 80.0
_OM_WIDTH = 110.0

_GREY = "595959"
_RED = "C00000"

_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")


# --------------------------------------------------------------------------------------------
# What goes in each book
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Book:
    """The fixed facts of one kind of book."""

    kind: BookKind
    specs: tuple[TableSpec, ...]
    folder: str  # package data folder of the example
    files: dict[str, tuple[str, ...]]  # table name -> CSV files of the example, concatenated
    settings: tuple[tuple[str, object], ...]  # template settings with defaults
    help: dict[str, str]  # setting -> Norwegian explanation


_SAVINGS_HELP = {
    "Egen kommune": "Kommunen som analyseres. Skriv navnet slik det står i tblKommuner og tblData.",
    "År": "Året i tblData som analyseres (et helt årstall, f.eks. 2007).",
    "Sammenligningsgruppe": (
        "Gruppen i tblKommuner (kolonnen Gruppe) som egen kommune sammenlignes med, f.eks. ASSS."
    ),
    "Referanse 1": (
        "Første referanse: «snitt», «median», «3. beste» (eller et annet nummer), et "
        "kommunenavn, eller «-» for ingen. Kan overstyres per indikator i tblIndikatorer."
    ),
    "Referanse 2": "Andre referanse, med de samme valgene som Referanse 1.",
    "Snitt: ta med egen kommune": (
        "Ja eller Nei: om egen kommune skal telle med i snittet. Rapporten fra 2008 bruker Nei "
        "(snittet av «de øvrige ASSS-kommunene»)."
    ),
    "Snitt: utelat": (
        "Kommuner som ikke skal telle med i snittet, skilt med komma. Tom: ingen utelates."
    ),
    "Snitt: vekt": (
        "Indikatoren i tblData som vekter snittet (f.eks. antall innbyggere). Tom: uvektet snitt."
    ),
}

_BUDGET_HELP = {
    "Egen kommune": (
        "Kommunen som sammenlignes med de andre i tblSammenligning. Skriv navnet slik det står der."
    ),
    "Toleranse": (
        "Største avvik som godtas i kontrollene av summer og balanse, i samme enhet som "
        "beløpene (0,05 er halvparten av siste desimal når beløpene er oppgitt med én desimal). "
        "Tom: bare avrundingsfeil godtas."
    ),
    "Sammenligning: enhet": (
        "Enheten for tallene i tblSammenligning (f.eks. kr per innbygger). Står på "
        "diagrammets verdiakse."
    ),
}

_SAVINGS = _Book(
    kind="innsparing",
    # tblHenting is optional for the recalculation, but every savings book shows how to fetch
    specs=(*SAVINGS, HENTING),
    folder="asss2007",
    files={
        "tblInnstillinger": ("innstillinger.csv",),
        "tblKommuner": ("kommuner.csv",),
        "tblIndikatorer": ("indikatorer.csv",),
        # the savings lines (reconstructed) and R Tabell 1-3 as printed (for Nøkkeltall)
        "tblData": ("data.csv", "nokkeltall.csv"),
        "tblHenting": ("henting.csv",),
    },
    settings=(
        ("Egen kommune", None),
        ("År", None),
        ("Sammenligningsgruppe", "ASSS"),
        ("Referanse 1", "snitt"),
        ("Referanse 2", "3. beste"),
        ("Snitt: ta med egen kommune", "Nei"),
        ("Snitt: utelat", None),
        ("Snitt: vekt", None),
    ),
    help=_SAVINGS_HELP,
)

_BUDGET = _Book(
    kind="budsjett",
    specs=BUDGET,
    folder="budsjett2019",
    files={
        "tblInnstillinger": ("innstillinger.csv",),
        "tblBudsjett": ("budsjett.csv",),
        "tblTiltak": ("tiltak.csv",),
        "tblEndringer": ("endringer.csv",),
        "tblSummer": ("summer.csv",),
        "tblOppgittSum": ("oppgitt_sum.csv",),
        "tblMaltall": ("maltall.csv",),
        "tblSammenligning": ("sammenligning.csv",),
    },
    settings=(("Egen kommune", None), ("Toleranse", None), ("Sammenligning: enhet", None)),
    help=_BUDGET_HELP,
)

_PLAN_HELP = {
    "Egen kommune": (
        "Kommunen planen gjelder (står i overskriften på arket Plan); Hent KOSTRA-tall henter "
        "befolkningen dens fra SSB til tblBefolkning."
    ),
    "Budsjettår": (
        "Det vedtatte budsjettåret som planen bygger på (tblRamme); planårene er årene etter. "
        "Tallene er i faste priser for dette året."
    ),
    "Antall planår": "Hvor mange år planen går over (4 i en handlings- og økonomiplan).",
    "Enhet": "Enheten for alle beløp i arbeidsboken: mill. kr, 1000 kr eller kr.",
    "Disposisjonsfond ved start": (
        "Disposisjonsfondet ved utgangen av budsjettåret, i enheten over. Tom: fondet følges ikke."
    ),
    "Lånegjeld ved start": (
        "Netto lånegjeld ved utgangen av budsjettåret. Tom: lånegjelden følges ikke."
    ),
    "Avskrivninger": (
        "Årets avskrivninger i budsjettåret; brukes til minste avdrag etter kommuneloven § 14-18."
    ),
    "Avskrivbare anleggsmidler": (
        "Bokført verdi av avskrivbare anleggsmidler ved utgangen av budsjettåret (§ 14-18)."
    ),
    "Toleranse": (
        "Største ubalanse som regnes som balanse, i enheten over (0,05 er halvparten av siste "
        "desimal når beløpene har én desimal)."
    ),
    "Befolkningsalternativ": (
        "Hvilket alternativ i tblBefolkning som brukes (f.eks. hoved, lav, høy). Tom: alle rader."
    ),
}

_PLAN = _Book(
    kind="plan",
    specs=PLAN_BOOK,
    folder="plan2019",
    files={
        "tblInnstillinger": ("innstillinger.csv",),
        "tblRamme": ("ramme.csv",),
        "tblPlanendringer": ("endringer.csv",),
        "tblBefolkning": ("befolkning.csv",),
        "tblSatser": ("satser.csv",),
        "tblInvesteringer": ("investeringer.csv",),
        "tblRenter": ("renter.csv",),
        "tblTiltaksliste": ("tiltak.csv",),
        "tblMaltall": ("maltall.csv",),
    },
    settings=(
        ("Egen kommune", None),
        ("Budsjettår", None),
        ("Antall planår", 4),
        ("Enhet", "mill. kr"),
        ("Disposisjonsfond ved start", None),
        ("Lånegjeld ved start", None),
        ("Avskrivninger", None),
        ("Avskrivbare anleggsmidler", None),
        ("Toleranse", None),
        ("Befolkningsalternativ", None),
    ),
    help=_PLAN_HELP,
)

_BOOKS: dict[str, _Book] = {"innsparing": _SAVINGS, "budsjett": _BUDGET, "plan": _PLAN}


def input_sheets(specs: tuple[TableSpec, ...]) -> list[tuple[str, list[TableSpec]]]:
    """The input sheets of a layout in order, each with its input tables in layout order."""
    sheets: dict[str, list[TableSpec]] = {}
    for spec in specs:
        if not spec.output:
            sheets.setdefault(spec.sheet, []).append(spec)
    return list(sheets.items())


# --------------------------------------------------------------------------------------------
# Reading the package CSVs
# --------------------------------------------------------------------------------------------


def _read_csv(folder: str, name: str) -> tuple[list[str], list[dict[str, str]]]:
    ref = resources.files("kommuneokonomi") / "data" / folder / name
    text = ref.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    rows = [dict(r) for r in reader]
    return list(reader.fieldnames or []), rows


def _source_field(fields: list[str]) -> str | None:
    """The CSV column that says where a row comes from, if any."""
    for name in ("kilde", "grunnlag"):
        if name in fields:
            return name
    return None


def _value(text: str, column: Column) -> object:
    """One CSV cell as the value to write: numbers as numbers, anything else as text."""
    text = text.strip()
    if text == "":
        return None
    if column.type in ("heltall", "tall", "verdi"):
        if _INT.match(text):
            return int(text)
        if _FLOAT.match(text):
            return float(text)
    return text  # free text, or a KOSTRA symbol such as ".." in a verdi column


# --------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Filled:
    """A table's rows and the extra columns written to its right (outside the table)."""

    rows: list[list[object]]
    extras: list[tuple[str, list[str | None]]]


def _filled(book: _Book, spec: TableSpec, *, example: bool) -> _Filled:
    fields: list[str] = []
    records: list[dict[str, str]] = []
    for name in book.files[spec.name]:
        more_fields, more = _read_csv(book.folder, name)
        fields = fields or more_fields
        records += more
    source = _source_field(fields)
    is_settings = spec.name == "tblInnstillinger"
    if not example:
        if is_settings:
            rows: list[list[object]] = [[name, value] for name, value in book.settings]
            helps: list[str | None] = [book.help.get(name) for name, _ in book.settings]
            return _Filled(rows, [(_HELP_HEADER, helps)])
        no_values: list[str | None] = []
        extras: list[tuple[str, list[str | None]]] = [(_SOURCE_HEADER, no_values)] if source else []
        return _Filled([], extras)
    missing = [c.header for c in spec.columns if c.required and c.name not in fields]
    if missing:  # a packaging bug, not a user error
        raise RuntimeError(f"{', '.join(book.files[spec.name])} mangler kolonnene {missing}")
    rows = [[_value(r.get(c.name, ""), c) for c in spec.columns] for r in records]
    extras_list: list[tuple[str, list[str | None]]] = []
    if is_settings:
        names = [str(r["innstilling"]).strip() for r in records]
        extras_list.append((_HELP_HEADER, [book.help.get(n) for n in names]))
    if source:
        extras_list.append((_SOURCE_HEADER, [r[source].strip() or None for r in records]))
    return _Filled(rows, extras_list)


def _write_extras(
    ws: Worksheet, extras: list[tuple[str, list[str | None]]], *, top: int, left: int
) -> int:
    """Write extra columns (header and values) from column ``left``; returns the count."""
    for j, (header, values) in enumerate(extras):
        col = left + j
        help_column = header == _HELP_HEADER
        cell = ws.cell(row=top, column=col, value=header)
        cell.font = Font(bold=True, italic=True, color=_GREY)
        cell.alignment = Alignment(vertical="top")
        width = _HELP_WIDTH if help_column else _SOURCE_WIDTH
        ws.column_dimensions[column_letter(col)].width = width
        for i, value in enumerate(values):
            c = ws.cell(row=top + 1 + i, column=col, value=value)
            c.font = Font(italic=True, color=_GREY)
            if isinstance(value, str) and value.startswith("="):
                c.data_type = "s"
            if help_column:
                c.alignment = Alignment(wrap_text=True, vertical="top")
                if value:
                    row = ws.row_dimensions[top + 1 + i]
                    row.height = max(row.height or 0.0, _text_height(value, width))
    return len(extras)


def _text_height(text: str, width: float, *, size: float = 11.0) -> float:
    """Row height in points that shows ``text`` wrapped in a column ``width`` characters wide.

    Neither Excel nor LibreOffice reliably grows a row for wrapped text in a file they did not
    write, so the height is set from a conservative estimate of the wrapped line count.
    """
    per_line = max(1, int(width * 11.0 / size * 0.9))
    lines = sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))
    return round(lines * size * 1.4, 1)


def _build(book: _Book, *, example: bool) -> Workbook:
    wb = Workbook()
    om = wb.active
    assert isinstance(om, Worksheet)
    om.title = _OM
    _write_om(om, book, example=example)
    for sheet, specs in input_sheets(book.specs):
        ws = wb.create_sheet(sheet)
        left = 1
        for spec in specs:
            filled = _filled(book, spec, example=example)
            write_table(ws, spec, filled.rows, top=1, left=left)
            left += len(spec.columns)
            left += _write_extras(ws, filled.extras, top=1, left=left)
            left += 1  # one empty column before the next table on the sheet
        ws.freeze_panes = "A2"
    wb.active = 0
    props = wb.properties
    props.title = _title(book, example=example)
    props.creator = CREATOR
    props.lastModifiedBy = CREATOR
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    return wb


def build_savings_workbook(*, example: bool) -> Workbook:
    """The savings-analysis workbook (innsparingsanalyse).

    Args:
        example: fill the input tables with the bundled 2007 reconstruction (Trondheim); if
            False, an empty template whose settings table holds the default settings.
    """
    return _build(_SAVINGS, example=example)


def build_budget_workbook(*, example: bool) -> Workbook:
    """The budget-check workbook (budsjettkontroll).

    Args:
        example: fill the input tables with the 2019 budget-slide data (Trondheim, HØP
            2020-2023) and the illustrative plan; if False, an empty template.
    """
    return _build(_BUDGET, example=example)


def build_plan_workbook(*, example: bool) -> Workbook:
    """The four-year plan workbook (økonomiplan).

    Args:
        example: fill the input tables with the 2019 slides' figures for HØP 2020-2023 where
            they exist and clearly labelled illustrative figures where they do not; if False,
            an empty template.
    """
    return _build(_PLAN, example=example)


def template(kind: str) -> Workbook:
    """An empty workbook of ``kind`` (innsparing, budsjett or plan), for ``kommuneokonomi new``.

    Raises:
        InputError: ``kind`` is neither (code ``ukjent_type``).
    """
    key = kind.strip().lower()
    if key not in _BOOKS:
        raise InputError(
            f"ukjent type arbeidsbok '{kind}'; bruk 'innsparing', 'budsjett' eller 'plan'",
            code="ukjent_type",
        )
    return _build(_BOOKS[key], example=False)


# --------------------------------------------------------------------------------------------
# The Om sheet
# --------------------------------------------------------------------------------------------


def _title(book: _Book, *, example: bool) -> str:
    if book.kind == "plan":
        return (
            "Økonomiplan – eksempel: Trondheim, HØP 2020-2023"
            if example
            else "Økonomiplan – tom mal"
        )
    if book.kind == "innsparing":
        return (
            "Innsparingsanalyse – eksempel: Trondheim 2007"
            if example
            else "Innsparingsanalyse – tom mal"
        )
    return (
        "Budsjettkontroll – eksempel: Trondheim, HØP 2020-2023"
        if example
        else "Budsjettkontroll – tom mal"
    )


def _sheet_lines(book: _Book) -> list[str]:
    """One line per table (input and output): its sheet, its name and what it holds."""
    lines = []
    for spec in book.specs:
        kind = "resultat, skrives ved hver beregning" if spec.output else "inndata"
        description = spec.description
        lines.append(f"• Arket {spec.sheet}, tabellen {spec.name} ({kind}): {description}")
    return lines


def _om_lines(book: _Book, *, example: bool) -> list[tuple[str, str]]:
    """The Om sheet as (style, text) lines; style is title/notice/heading/text/blank."""
    inputs = [sheet for sheet, _ in input_sheets(book.specs)]
    outputs = list(dict.fromkeys(s.sheet for s in book.specs if s.output))
    out: list[tuple[str, str]] = [("title", _title(book, example=example)), ("blank", "")]
    savings = book.kind == "innsparing"

    if example and savings:
        out += [
            (
                "notice",
                "Dataene er REKONSTRUERT fra rapporten «Den økonomiske situasjonen i Trondheim "
                "kommune» (2008), ikke offisielle KOSTRA-tall.",
            ),
            (
                "text",
                "Kolonnen Kilde til høyre for tabellene siterer setningen i rapporten som hvert "
                "tall bygger på. Verdier merket «Fyllverdi (illustrativ)» er valgt slik at "
                "rapportens utsagn holder; de er ikke hentet fra KOSTRA. Bruk ikke tallene som "
                "fakta om kommunene.",
            ),
            ("blank", ""),
        ]
    elif example and book.kind == "plan":
        out += [
            (
                "notice",
                "Rammene, investeringene, rentene, tiltakene og de fleste befolkningstallene er "
                "ILLUSTRATIVE EKSEMPLER, ikke fra kildene.",
            ),
            ("heading", "Kilder"),
            (
                "text",
                "S: lysarkene fra arbeidet med handlings- og økonomiplan (HØP) 2020-2023 for "
                "Trondheim og Klæbu (2019): færre barn 1-5 år i 2020 og flere fra 2021 "
                "(«reduksjon 23 mill i budsjett 2020, deretter økning»), sterk vekst i antall "
                "over 90 år, merforbruk i barnehager, barnevern og BPA, ubalanse i 2020. TBUs og "
                "KS' satser per innbygger (ASSS 2019, 2018-priser): 372 600 kr for 90 år og over "
                "og 16 500 kr for 23-29 år.",
            ),
            (
                "text",
                "Kolonnen Kilde til høyre for tabellene sier hvor hvert tall kommer fra; "
                "«Illustrativt eksempel, ikke fra kildene» betyr at tallet er laget for "
                "eksempelets skyld.",
            ),
            ("blank", ""),
        ]
    elif example:
        out += [
            (
                "notice",
                "Planlinjene i tblBudsjett og tiltakene i tblTiltak er ILLUSTRATIVE EKSEMPLER, "
                "ikke fra kildene. Det samme gjelder verdiene i tblMaltall.",
            ),
            ("heading", "Kilder"),
            (
                "text",
                "S: lysarkene fra arbeidet med handlings- og økonomiplan (HØP) 2020-2023 for "
                "Trondheim og Klæbu (2019). Tabellene tblSummer og tblOppgittSum (Klæbus og "
                "Trondheims regnskapsresultat 2018 og 1. økonomirapport 2019), tblEndringer "
                "(1. økonomirapport 2019) og tblSammenligning (bo- og aktivitetstilbud i "
                "ASSS-kommunene 2015-2018) er hentet fra S.",
            ),
            (
                "text",
                "Grensen 1,75 % for netto driftsresultat i tblMaltall er TBUs anbefalte norm "
                "for kommunesektoren. Kolonnen Kilde til høyre for tabellene sier hvor hvert "
                "tall kommer fra; «Illustrativt eksempel, ikke fra kildene» betyr at tallet er "
                "laget for eksempelets skyld.",
            ),
            ("blank", ""),
        ]
    else:
        out += [
            (
                "text",
                "Dette er en tom mal: tabellene har overskrifter, men ingen rader. Tabellen "
                "tblInnstillinger har standardverdier som du endrer ved behov.",
            ),
            ("blank", ""),
        ]

    out.append(("heading", "Hva arbeidsboken gjør"))
    if book.kind == "plan":
        out.append(
            (
                "text",
                "Arbeidsboken framskriver økonomiplanen: budsjettåret videreføres i faste priser, "
                "med kjente endringer, demografikostnaden (befolkning per aldersgruppe ganger "
                "kostnad per innbygger) og renter og avdrag på nye lån fra investeringsplanen. "
                "Den viser ubalansen hvert planår, netto driftsresultat, disposisjonsfond og "
                "lånegjeld, kontrollerer måltallene og minste avdrag, og finner de tiltakene i "
                "tiltakslisten som lukker gapet med best prioritet, uten at engangsmidler "
                "dekker varige utgifter. Metoden står i docs/okonomiplan.md.",
            )
        )
    elif savings:
        out.append(
            (
                "text",
                "Arbeidsboken beregner innsparingspotensialet for egen kommune: for hver "
                "indikator (enhetskostnad, dekningsgrad o.l.) sammenlignes kommunens verdi med "
                "to referanser i sammenligningsgruppen, for eksempel snittet og den 3. beste "
                "kommunen, og avviket prises i millioner kroner. Resultatet summeres per sektor.",
            )
        )
    else:
        out.append(
            (
                "text",
                "Arbeidsboken kontrollerer et budsjett eller en økonomiplan: at planen går i "
                "balanse hvert år, at tabeller summerer til den oppgitte summen, at hver "
                "budsjettrevisjon går i null, at varige tiltak ikke finansieres med "
                "engangsmidler, at finansielle måltall holdes, og hvordan egen kommune ligger an "
                "mot snittet i en sammenligningstabell. Hver kontroll får status OK, AVVIK eller "
                "ADVARSEL med en forklaring.",
            )
        )
    out.append(("blank", ""))

    out += [
        ("heading", "Slik bruker du arbeidsboken"),
        (
            "text",
            f"1. Fyll ut tabellene på inndata-arkene ({', '.join(inputs)}). Legg til rader "
            "rett under en tabell, så utvider Excel tabellen. Skriv tall som tall (desimalkomma "
            "går fint).",
        ),
        (
            "text",
            "2. Trykk Beregn i Excel, eller kjør kommandoen «kommuneokonomi recalc FIL» i et "
            "terminalvindu, der FIL er denne filen.",
        ),
        (
            "text",
            f"3. Les resultatet på {'arket' if len(outputs) == 1 else 'arkene'} "
            f"{', '.join(outputs)}.",
        ),
        ("blank", ""),
        ("heading", "Arkene og tabellene"),
        *[("text", line) for line in _sheet_lines(book)],
        ("blank", ""),
    ]

    if not savings:
        out += [
            ("heading", "Fortegnsregel"),
            (
                "text",
                "Utgifter skrives positive, inntekter og annen finansiering (f.eks. bruk av fond) "
                "negative, som i det kommunale budsjettskjemaet. Et budsjett i balanse summerer "
                "da til 0; en positiv sum er et udekket underskudd, en negativ sum er midler som "
                "ikke er fordelt. Bruk samme enhet i hele arbeidsboken"
                + (" (her mill. kr)." if example else " (f.eks. mill. kr)."),
            ),
            ("blank", ""),
        ]
    else:
        out += [
            ("heading", "Tall og symboler"),
            (
                "text",
                "I kolonnen Verdi i tblData kan KOSTRA-symbolene for manglende tall stå som tekst "
                "(«.», «..», «...», «:», «-»); de regnes som manglende, ikke som null.",
            ),
            ("blank", ""),
        ]

    out += [
        ("heading", "Viktig å vite"),
        (
            "text",
            f"Resultatarkene ({', '.join(outputs)}) slettes og skrives på nytt ved hver "
            "beregning; skriv ikke noe du vil beholde der.",
        ),
        (
            "text",
            "Inndata-arkene endres aldri av beregningen. Egne kolonner til høyre for tabellene "
            "(som Kilde) og egne ark blir ikke rørt.",
        ),
        (
            "text",
            "Tabellene finnes ved navn (tblData osv.), ikke ved celleadresse. Du kan flytte "
            "dem, men ikke gi dem nytt navn eller endre kolonneoverskriftene.",
        ),
    ]
    return out


def _write_om(ws: Worksheet, book: _Book, *, example: bool) -> None:
    ws.column_dimensions["A"].width = _OM_WIDTH
    fonts = {
        "title": Font(bold=True, size=16),
        "notice": Font(bold=True, color=_RED, size=12),
        "heading": Font(bold=True, size=12),
        "text": Font(),
    }
    for i, (style, text) in enumerate(_om_lines(book, example=example), start=1):
        if style == "blank":
            continue
        cell = ws.cell(row=i, column=1, value=text)
        font = fonts[style]
        cell.font = font
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[i].height = _text_height(text, _OM_WIDTH, size=font.sz or 11.0)


# --------------------------------------------------------------------------------------------
# Reproducible saving
# --------------------------------------------------------------------------------------------

_CORE_DATE = re.compile(r"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def reproducible_bytes(wb: Workbook) -> bytes:
    """The workbook as .xlsx bytes that depend only on its content.

    Document dates are set to :data:`FIXED_TIME` (openpyxl stamps the save time otherwise),
    the creator to :data:`CREATOR`, and the zip is rewritten with every entry dated
    1980-01-01, ``[Content_Types].xml`` first and the rest sorted by name, deflated.

    The XML itself is openpyxl's, which serialises through lxml when lxml is installed (the
    project's ``dev`` extra has it, so ``make`` and CI always do): the committed workbooks
    are built there. Without lxml the same content comes out with other namespace
    placement, which Excel reads alike.
    """
    props = wb.properties
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.creator = CREATOR
    props.lastModifiedBy = CREATOR
    raw = io.BytesIO()
    wb.save(raw)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(raw) as zin:
        parts = {name: zin.read(name) for name in zin.namelist()}
    core = parts.get("docProps/core.xml")
    if core is not None:
        text = _CORE_DATE.sub(lambda m: f"{m.group(1)}{stamp}{m.group(3)}", core.decode("utf-8"))
        parts["docProps/core.xml"] = text.encode("utf-8")
    return reproducible_zip(parts)


def reproducible_zip(parts: dict[str, bytes]) -> bytes:
    """A zip package whose bytes depend only on ``parts``: every entry dated 1980-01-01,
    ``[Content_Types].xml`` first and the rest sorted by name, deflated (also used for the
    add-in, ``scripts/build_addin.py``)."""
    order = sorted(parts, key=lambda name: (name != "[Content_Types].xml", name))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            zout.writestr(info, parts[name])
    return out.getvalue()


def save_reproducible(wb: Workbook, path: Path) -> None:
    """Save ``wb`` to ``path`` so that the same content always gives the same bytes.

    See :func:`reproducible_bytes`. The file is written in place; callers that need an
    atomic replace write to a temporary path (see :func:`.files.atomic_target`).
    """
    Path(path).write_bytes(reproducible_bytes(wb))


def build_all(folder: Path) -> list[Path]:
    """Build the examples and the templates into ``folder`` (created if missing).

    Returns:
        The paths written: the savings example, the budget example, the savings and budget
        templates, then the plan example and template.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    books = (
        (SAVINGS_EXAMPLE, build_savings_workbook(example=True)),
        (BUDGET_EXAMPLE, build_budget_workbook(example=True)),
        (SAVINGS_TEMPLATE, build_savings_workbook(example=False)),
        (BUDGET_TEMPLATE, build_budget_workbook(example=False)),
        (PLAN_EXAMPLE, build_plan_workbook(example=True)),
        (PLAN_TEMPLATE, build_plan_workbook(example=False)),
    )
    paths: list[Path] = []
    for name, wb in books:
        path = folder / name
        save_reproducible(wb, path)
        paths.append(path)
    return paths


# --------------------------------------------------------------------------------------------
# A standard analysis for one municipality (the catalogue)
# --------------------------------------------------------------------------------------------


def analysis_workbook(
    kommune: str,
    aar: int,
    gruppe: str,
    *,
    kostra: KostraGroup | None = None,
    groups: Sequence[KostraGroup] | None = None,
) -> Workbook:
    """The savings template filled for ``kommune`` against ``gruppe`` in ``aar`` from the
    standard catalogue (:mod:`kommuneokonomi.catalogue`): tblInnstillinger, tblKommuner,
    tblHenting (the last ten years), tblAvledet and tblIndikatorer. tblData stays empty until
    ``kommuneokonomi hent``.

    Args:
        kommune: the own municipality, by name or number.
        aar: the year analysed.
        gruppe: ``ASSS``, a KOSTRA group (``EKG12``), or municipalities separated by
            semicolons (names or numbers).
        kostra: the KOSTRA group's members as SSB's KLASS gives them
            (:func:`kommuneokonomi.ssb.klass.kostra_group`); required for a KOSTRA group.
        groups: every KOSTRA group (:func:`kommuneokonomi.ssb.klass.kostra_groups`), for
            ``kommune`` ``Alle``: every municipality against its own group (national mode).

    Raises:
        InputError: an unknown or ambiguous municipality, a KOSTRA group without its
            members, a year outside 2015-2100.
    """
    from ..catalogue import rows_for  # the catalogue: only for this command
    from ..ssb.klass import normalize_group
    from ..ssb.regions import Municipality, load_renumbering
    from .layout import AVLEDET, INDIKATORER, INNSTILLINGER, KOMMUNER

    if not 2015 <= aar <= 2100:
        raise InputError(
            f"året {aar} kan ikke brukes: KOSTRA-tallene i katalogen (tabell 12362) begynner i "
            "2015",
            code="ugyldig_aar",
        )
    renumbering = load_renumbering()

    def one(text: str) -> Municipality:
        found = renumbering.by_name(text)
        if not found and (by_number := renumbering.by_number(text)) is not None:
            found = [by_number]
        if len(found) != 1:
            why = (
                "finnes ikke"
                if not found
                else "er tvetydig ("
                + ", ".join(f"{m.name} {m.key}" for m in found)
                + "); skriv kommunenummeret"
            )
            raise InputError(f"kommunen '{text}' {why}", code="ukjent_kommune")
        return found[0]

    def shown(m: Municipality, typed: str | None = None) -> str:
        if typed and not typed.strip().isdigit():
            return typed.strip()
        return m.name.split(" - ")[0].strip()

    kommuner_rows: list[list[object]]
    if kommune.strip().casefold() == "alle":
        # every municipality against its own KOSTRA group (national mode)
        if groups is None:
            raise InputError(
                "med --kommune Alle sammenlignes hver kommune med sin egen KOSTRA-gruppe; bruk "
                "--gruppe EKG (gruppene hentes fra SSBs KLASS)",
                code="ukjent_gruppe",
            )
        kommuner_rows = []
        seen: set[str] = set()
        for kostra_group in groups:
            for number, name in kostra_group.members:
                found = renumbering.by_number(number)
                if found is None or found.key in seen:
                    continue  # Longyearbyen and other units without a municipality's number
                seen.add(found.key)
                kommuner_rows.append([shown(found, name), found.key, kostra_group.code])
        codes = list(dict.fromkeys(str(r[2]) for r in kommuner_rows))
        label, setting_group, own_name = "; ".join(codes), None, "Alle"
    else:
        own = one(kommune)
        members = renumbering.group(gruppe)
        if normalize_group(gruppe) is not None:
            if kostra is None:
                raise InputError(
                    f"gruppen '{gruppe}' er en KOSTRA-gruppe; medlemmene hentes fra SSBs KLASS "
                    "(kommuneokonomi new ... --gruppe EKG12 gjør det). Uten nett: skriv kommunene "
                    "med semikolon (f.eks. «Bodø; Tromsø; Ålesund»)",
                    code="ukjent_gruppe",
                )
            label = kostra.code
            group: list[tuple[str, Municipality]] = []
            for number, name in kostra.members:
                found = renumbering.by_number(number)
                if found is not None and all(m.key != found.key for _, m in group):
                    group.append((shown(found, name), found))
        elif members is not None:
            label = gruppe.strip().upper()
            group = [(shown(m), m) for m in members]
        else:
            names = [t.strip() for t in re.split(r"[;\n]", gruppe) if t.strip()]
            if not names:
                raise InputError(
                    "skriv en gruppe: ASSS, eller kommuner skilt med semikolon",
                    code="ukjent_gruppe",
                )
            label = "Sammenligningsgruppe"
            group = [(shown(m, n), m) for n in names for m in [one(n)]]
        if all(m.key != own.key for _, m in group):
            group.insert(0, (shown(own, kommune), own))
        own_name = next(name for name, m in group if m.key == own.key)
        kommuner_rows = [[name, m.key, label] for name, m in group]
        setting_group = label
    years = f"{aar - 9}-{aar}" if aar - 9 >= 2015 else f"2015-{aar}"
    rows = rows_for(label, years)

    wb = template("innsparing")
    settings = wb[INNSTILLINGER.sheet]
    chosen: dict[str, str | int | None] = {
        "Egen kommune": own_name,
        "År": aar,
        "Sammenligningsgruppe": setting_group,
    }
    for row in settings.iter_rows(min_row=2):
        key = str(row[0].value or "").strip()
        if key in chosen:
            row[1].value = chosen[key]
    for spec, values in (
        (KOMMUNER, kommuner_rows),
        (INDIKATORER, rows.indikatorer),
        (HENTING, rows.henting),
    ):
        index = wb.sheetnames.index(spec.sheet)
        wb.remove(wb[spec.sheet])
        ws = wb.create_sheet(spec.sheet, index)
        write_table(ws, spec, values, top=1)
        ws.freeze_panes = "A2"
    avledet = wb.create_sheet(AVLEDET.sheet, wb.sheetnames.index(INDIKATORER.sheet) + 1)
    write_table(avledet, AVLEDET, rows.avledet, top=1)
    avledet.freeze_panes = "A2"
    wb.properties.title = f"Innsparingsanalyse – {own_name} {aar} mot " + (
        "egen KOSTRA-gruppe" if setting_group is None else label
    )
    return wb
