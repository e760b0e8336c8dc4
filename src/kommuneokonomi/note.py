"""The analysis note (notat): a Norwegian memo written from a recalculated savings workbook.

The note has the shape of the 2008 report ("R"): title and stamp, a summary with the table of
savings per sector (R Tabell 10) and its bar chart, the key figures with a sentence each, then
per sector its table (the layout of R Tabell 4-9) and the standard sentences ("Enhetskostnaden i
Trondheim er 3,5 prosent høyere enn ASSS-gjennomsnittet og 6,6 prosent høyere enn 3. beste ASSS
(Bergen). ..."), and a method and sources section.

Every figure comes from the :class:`~kommuneokonomi.service.Recalculation` of the workbook, the
same result its output tables are written from; :func:`check_current` refuses a workbook whose
output tables no longer match its inputs (recalculate first). The sentences are generated from
the numbers with templates that live in ``data/notat/setninger.toml`` (Norwegian, editable by
an adviser), never typed.

:func:`build_note` makes the content (pure: no files); :func:`to_docx` writes it with
python-docx (the chart drawn with matplotlib), :func:`to_markdown` and :func:`to_text` give the
same content for e-mail, and :func:`to_pdf` converts the .docx with LibreOffice when it is
installed.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import shutil
import tempfile
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from .engine.format import mnok, number
from .engine.references import ReferenceSpec, name_key
from .engine.savings import IndicatorSpec, line_reference
from .errors import InputError, KommuneokonomiError, LayoutError, Location
from .office import OfficeError, convert, soffice_path
from .report import text_table
from .service import Recalculation, recalculate
from .workbook import layout as L
from .workbook.package import atomic_target
from .workbook.tables import RawTable, to_frame

__all__ = [
    "Chart",
    "Heading",
    "Note",
    "Paragraph",
    "Table",
    "build_note",
    "check_current",
    "fetch_dates",
    "load_templates",
    "note_of",
    "to_docx",
    "to_markdown",
    "to_pdf",
    "to_text",
    "write_text",
]


# --------------------------------------------------------------------------------------------
# The content
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str
    italic: bool = False


@dataclass(frozen=True)
class Table:
    """A table with a caption above it; every cell is already Norwegian text."""

    caption: str
    header: list[str]
    rows: list[list[str]]
    bold_last: bool = False  # the Sum row


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart: one group of bars per category, one bar per series."""

    caption: str
    categories: list[str]
    series: list[tuple[str, list[float]]]
    unit: str = "mill. kr"


Block = Heading | Paragraph | Table | Chart


@dataclass
class Note:
    title: str
    subtitle: str
    stamp: str
    blocks: list[Block] = field(default_factory=list)

    def text(self) -> str:
        """Every word of the note, for checks (no 'nan', no English)."""
        return to_text(self)


# --------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------

_TEMPLATES = ("data", "notat", "setninger.toml")


def load_templates(path: Path | None = None) -> dict[str, dict[str, str]]:
    """The sentence templates (``data/notat/setninger.toml``, or ``path``).

    Raises:
        LayoutError: the file cannot be read as TOML (names the file and the problem).
    """
    try:
        where = "setninger.toml"
        if path is None:
            ref = resources.files("kommuneokonomi").joinpath(*_TEMPLATES)
            text = ref.read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LayoutError(
            f"setningsmalene kan ikke leses: {exc}",
            code="ugyldig_fil",
            location=Location(file=where if path is None else str(path)),
        ) from exc
    return {k: {kk: str(vv) for kk, vv in v.items()} for k, v in data.items()}


class _Say:
    """Fill a template; a template that names a word the note does not have is a clear
    error naming the template, not a KeyError."""

    def __init__(self, templates: Mapping[str, Mapping[str, str]]) -> None:
        self.templates = templates

    def __call__(self, group: str, key: str, **words: object) -> str:
        try:
            template = self.templates[group][key]
        except KeyError:
            raise LayoutError(
                f"setninger.toml mangler [{group}] {key}",
                code="ugyldig_fil",
                location=Location(file="setninger.toml"),
            ) from None
        try:
            return template.format(**words)
        except (KeyError, IndexError, ValueError) as exc:
            raise LayoutError(
                f"setningen [{group}] {key} i setninger.toml bruker {{{exc.args[0]}}}, som ikke "
                f"finnes her; bruk bare {', '.join('{' + w + '}' for w in words)}",
                code="ugyldig_fil",
                location=Location(file="setninger.toml"),
            ) from None


# --------------------------------------------------------------------------------------------
# Numbers in words
# --------------------------------------------------------------------------------------------


def _pct(x: float) -> str:
    """A share as "3,5 prosent"."""
    return f"{number(abs(x) * 100, 1)} prosent"


def _mill(x: float) -> str:
    return number(x, 1)


def _cell_mnok(x: object) -> str:
    value = float(x) if isinstance(x, int | float) else math.nan
    return "mangler" if math.isnan(value) else mnok(value)


def _unit(text: object) -> str:
    unit = "" if text is None else str(text).strip()
    return {"%": "prosent", "kr": "kroner"}.get(unit, unit)


def _value(x: float) -> str:
    return number(x, 1) if abs(x) < 1000 else number(x, 0)


# --------------------------------------------------------------------------------------------
# Building the note
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ref:
    spec: ReferenceSpec
    value: float
    kommune: str | None
    saving: float


def build_note(
    result: Recalculation,
    *,
    source: str,
    version: str,
    made: dt.datetime | None = None,
    fetched: str | None = None,
    templates: Mapping[str, Mapping[str, str]] | None = None,
) -> Note:
    """The note's content from a savings workbook's recalculation.

    Args:
        result: the recalculation: one municipality, or every municipality against its own
            group ('Egen kommune' Alle: :func:`_national_note`).
        source: the workbook's file name, for the stamp.
        version: the engine's version, for the stamp.
        made: when the note is made (default now).
        fetched: when tblData was fetched from SSB, if it was (shown in the stamp).
        templates: the sentence templates (default :func:`load_templates`).

    Raises:
        InputError: the workbook is not a savings analysis of one municipality.
    """
    say = _Say(templates if templates is not None else load_templates())
    if result.kind == "innsparing" and result.national is not None:
        return _national_note(
            result, say, source=source, version=version, made=made, fetched=fetched
        )
    if result.kind != "innsparing" or result.lines is None or result.savings_settings is None:
        raise InputError(
            "et notat lages fra en innsparingsanalyse; denne arbeidsboken er "
            + ("en budsjettkontroll" if result.kind == "budsjett" else "")
            + ("en økonomiplan" if result.kind == "plan" else "")
            + ("uten innsparingstabell" if result.kind == "innsparing" else ""),
            code="ukjent_arbeidsbok",
        )
    settings = result.savings_settings
    kommune, aar = settings.egen_kommune, settings.aar
    gruppe = result.gruppe or "sammenligningsgruppen"
    # a short group name (ASSS, EKG12) goes into the words («ASSS-gjennomsnittet»); a list of
    # municipalities is «sammenligningsgruppen» («gjennomsnittet i sammenligningsgruppen»)
    named = gruppe.replace(" ", "").isupper()
    suffix = "" if named else "_gruppe"
    if not named and gruppe.casefold() == "sammenligningsgruppe":
        gruppe = "sammenligningsgruppen"
    note = Note(
        title=say("tittel", "tittel", kommune=kommune, aar=aar, gruppe=gruppe),
        subtitle="",  # below, once the references are known
        stamp=_stamp(say, made=made, version=version, source=source, fetched=fetched),
    )
    specs = {name_key(s.indikator): s for s in result.indicators}
    lines = result.lines

    def refs_of(row: Mapping[Any, Any]) -> list[_Ref]:
        spec = specs.get(name_key(row["indikator"]))
        out = []
        for i in (1, 2):
            ref_spec = (
                line_reference(spec, i, settings) if spec is not None else ReferenceSpec("ingen")
            )
            value = row.get(f"referanse_{i}")
            if ref_spec.kind == "ingen" or not isinstance(value, int | float):
                continue
            if math.isnan(float(value)):
                continue
            out.append(
                _Ref(
                    ref_spec,
                    float(value),
                    row.get(f"ref_{i}_kommune"),
                    float(row[f"innsparing_{i}_mnok"]),
                )
            )
        return out

    def ref_text(r: _Ref, group: str = "referanse") -> str:
        kind = r.spec.kind + suffix
        return say(
            group,
            kind,
            gruppe=gruppe,
            n=r.spec.n,
            kommune=r.kommune or r.spec.kommune or "",
        )

    # which reference heads each column: the setting's (lines may override it per sector)
    def column_header(i: int, rows: Sequence[Mapping[Any, Any]]) -> str:
        labels = []
        for row in rows:
            spec = specs.get(name_key(row["indikator"]))
            if spec is None:
                continue
            ref_spec = line_reference(spec, i, settings)
            if ref_spec.kind == "ingen":
                continue
            labels.append(
                say(
                    "kolonne",
                    ref_spec.kind + suffix,
                    gruppe=gruppe,
                    n=ref_spec.n,
                    kommune=ref_spec.kommune or "",
                )
            )
        distinct = list(dict.fromkeys(labels))
        return " / ".join(distinct) if distinct else f"Referanse {i}"

    # --- summary: Tabell 10 and the chart
    sectors = result.sectors if result.sectors is not None else pd.DataFrame()
    body = sectors[sectors["sektor"] != "Sum"] if len(sectors) else sectors
    total = sectors[sectors["sektor"] == "Sum"] if len(sectors) else sectors
    all_rows = lines.to_dict("records")
    head_1, head_2 = column_header(1, all_rows), column_header(2, all_rows)
    note.subtitle = say(
        "tittel",
        "undertittel",
        kommune=kommune,
        aar=aar,
        gruppe=gruppe,
        ref_1=_in_sentence(head_1),
        ref_2=_in_sentence(head_2),
    )
    table_no = 1
    note.blocks.append(Heading("Sammendrag"))
    if len(total):
        note.blocks.append(
            Paragraph(
                say(
                    "sammendrag",
                    "tekst",
                    kommune=kommune,
                    sum_1=_mill(float(total["innsparing_1_mnok"].iloc[0])),
                    sum_2=_mill(float(total["innsparing_2_mnok"].iloc[0])),
                    ref_1=_in_sentence(head_1),
                    ref_2=_in_sentence(head_2),
                    antall=len(body),
                )
            )
        )
    note.blocks.append(
        Table(
            caption=say("sammendrag", "tabell", nr=table_no),
            header=["", head_1, head_2],
            rows=[
                [
                    str(r["sektor"]),
                    _cell_mnok(r["innsparing_1_mnok"]),
                    _cell_mnok(r["innsparing_2_mnok"]),
                ]
                for r in sectors.to_dict("records")
            ],
            bold_last=len(total) > 0,
        )
    )
    table_no += 1
    if len(body):
        note.blocks.append(
            Chart(
                caption=say("sammendrag", "figur"),
                categories=[str(s) for s in body["sektor"]],
                series=[
                    (head_1, [float(v) for v in body["innsparing_1_mnok"]]),
                    (head_2, [float(v) for v in body["innsparing_2_mnok"]]),
                ],
            )
        )

    # --- key figures
    keys = result.key_figures
    if keys is not None and len(keys):
        note.blocks.append(Heading("Økonomisk situasjon"))
        note.blocks.append(Paragraph(say("nokkeltall", "innledning", kommune=kommune)))
        rows_k = []
        for rec in keys.to_dict("records"):
            value = float(rec["verdi"])
            if math.isnan(value):
                continue
            rows_k.append(
                [
                    str(rec["nokkeltall"]),
                    str(rec["kommune"]),
                    str(rec["periode"]),
                    _value(value),
                    str(rec["enhet"]),
                ]
            )
        # R Tabell 1-3's layout: one row per figure and period, own municipality and the
        # comparison beside each other
        others = list(
            dict.fromkeys(k for _, k, _, _, _ in rows_k if name_key(k) != name_key(kommune))
        )
        cells = {(n, k, p): v for n, k, p, v, _ in rows_k}
        figures = list(dict.fromkeys((n, p, e) for n, _, p, _, e in rows_k))
        note.blocks.append(
            Table(
                caption=say("nokkeltall", "tabell", nr=table_no, kommune=kommune),
                header=["Nøkkeltall", "Periode", kommune, *others, "Enhet"],
                rows=[
                    [
                        n,
                        p,
                        cells.get((n, kommune, p), "-"),
                        *(cells.get((n, o, p), "-") for o in others),
                        e,
                    ]
                    for n, p, e in figures
                ],
            )
        )
        table_no += 1
        compared = {
            (nokkeltall, periode): (k, verdi)
            for nokkeltall, k, periode, verdi, _ in rows_k
            if name_key(k) != name_key(kommune)
        }
        # one sentence per figure, for its last period (the table has every year)
        last = {n: p for n, k, p, _, _ in rows_k if name_key(k) == name_key(kommune)}
        for nokkeltall, k, periode, verdi, enhet in rows_k:
            if name_key(k) != name_key(kommune) or last[nokkeltall] != periode:
                continue
            other = compared.get((nokkeltall, periode))
            words = {
                "nokkeltall": nokkeltall,
                "kommune": k,
                "periode": periode,
                "verdi": verdi,
                "enhet": _unit(enhet),
            }
            note.blocks.append(
                Paragraph(
                    say(
                        "nokkeltall",
                        "setning_med_gruppe",
                        **words,
                        gruppe=other[0],
                        verdi_gruppe=other[1],
                    )
                    if other
                    else say("nokkeltall", "setning", **words)
                )
            )

    # --- the sectors
    note.blocks.append(Heading("Innsparingsmuligheter per sektor"))
    for sektor, group in lines.groupby("sektor", sort=False):
        rows = group.to_dict("records")
        note.blocks.append(Heading(str(sektor), level=2))
        note.blocks.append(
            Table(
                caption=say("sammendrag", "sektortabell", nr=table_no, sektor=str(sektor).lower()),
                header=["", column_header(1, rows), column_header(2, rows)],
                rows=[
                    [
                        str(r["navn"]),
                        _cell_mnok(r["innsparing_1_mnok"]),
                        _cell_mnok(r["innsparing_2_mnok"]),
                    ]
                    for r in rows
                ],
            )
        )
        table_no += 1
        for row in rows:
            text = _line_text(row, refs_of(row), specs, say, kommune, ref_text)
            quality = result.quality.get(str(row["indikator"]))
            if quality:  # a cheap reference may be a poor one (issue 13's quality beside cost)
                text += " " + say("linje", "kvalitet", kvalitet=quality)
            note.blocks.append(Paragraph(text))

    # --- method and sources
    note.blocks.append(Heading("Metode og kilder"))
    if result.method_text:
        note.blocks.append(Paragraph(result.method_text))
    note.blocks.append(Paragraph(say("metode", "snitt")))
    note.blocks.append(Paragraph(say("metode", "nte_beste")))
    note.blocks.append(Paragraph(say("metode", "innsparing")))
    corrected = [s.navn for s in result.indicators if s.behov]
    note.blocks.append(
        Paragraph(
            say("metode", "behov", linjer=_listed(corrected))
            if corrected
            else say("metode", "ikke_behov")
        )
    )
    missing = [
        f"{r['navn']} ({m.group(1)})"
        for r in all_rows
        if (m := re.search(r"Mangler verdi: ([^.]*)\.", str(r.get("forklaring") or "")))
    ]
    note.blocks.append(
        Paragraph(
            say("metode", "mangler", linjer="; ".join(missing))
            if missing
            else say("metode", "ingen_mangler")
        )
    )
    if result.warnings:
        note.blocks.append(Paragraph(say("metode", "advarsel", linjer="; ".join(result.warnings))))
    return note


#: how many municipalities the national note lists by name
TOP = 10


def _stamp(
    say: _Say, *, made: dt.datetime | None, version: str, source: str, fetched: str | None
) -> str:
    """When, by which version and from which file the note was made (and when the figures
    were fetched from SSB, if they were)."""
    made = made or dt.datetime.now().astimezone()
    return say(
        "stempel",
        "tekst",
        tidspunkt=f"{made:%d.%m.%Y kl. %H:%M}",
        versjon=version,
        fil=source,
        kilde=say("stempel", "kilde_ssb", hentet=fetched) if fetched else "",
    )


def _sums_table(
    caption: str, first: str, second: str, rows: pd.DataFrame, headers: tuple[str, str]
) -> Table:
    """Per sector or per group: a count and the two sums, one row each."""
    return Table(
        caption=caption,
        header=[first, second, *headers],
        rows=[
            [str(name), str(int(r.antall)), _cell_mnok(r.sum_1), _cell_mnok(r.sum_2)]
            for name, r in rows.iterrows()
        ],
    )


def _national_note(
    result: Recalculation,
    say: _Say,
    *,
    source: str,
    version: str,
    made: dt.datetime | None,
    fetched: str | None,
) -> Note:
    """The note of a national run: the savings summed over the municipalities per sector,
    the municipalities with the most, and the groups; for the run's year (its last year when
    the workbook asks for every year)."""
    summary = result.national
    request = result.national_request
    assert summary is not None and request is not None
    years = sorted(int(y) for y in summary["aar"].unique())
    if not years:
        raise InputError(
            "analysen for alle kommuner har ingen innsparingstabell å skrive notat om",
            code="mangler_verdi",
        )
    aar = request.aar if request.aar is not None else years[-1]
    rows = summary[summary["aar"] == aar]

    def ref(text: str) -> str:
        spec = ReferenceSpec.parse(text)
        return say("nasjonal", f"ref_{spec.kind}", n=spec.n, kommune=spec.kommune or "")

    ref_1, ref_2 = ref(request.referanse_1), ref(request.referanse_2)
    per_kommune = (
        rows.groupby(["kommune", "gruppe"], as_index=False, sort=True)[
            ["innsparing_1_mnok", "innsparing_2_mnok"]
        ]
        .sum()
        .sort_values(["innsparing_1_mnok", "kommune"], ascending=[False, True], kind="stable")
    )
    per_sector = rows.groupby("sektor", sort=False).agg(
        sum_1=("innsparing_1_mnok", "sum"),
        sum_2=("innsparing_2_mnok", "sum"),
        antall=("innsparing_1_mnok", lambda v: int((v > 0).sum())),
    )
    per_group = rows.groupby("gruppe", sort=True).agg(
        antall=("kommune", "nunique"),
        sum_1=("innsparing_1_mnok", "sum"),
        sum_2=("innsparing_2_mnok", "sum"),
    )
    total_1 = math.fsum(per_sector["sum_1"])
    total_2 = math.fsum(per_sector["sum_2"])
    note = Note(
        title=say("nasjonal", "tittel", aar=aar),
        subtitle=say(
            "nasjonal",
            "undertittel",
            antall=per_kommune["kommune"].nunique(),
            grupper=len(per_group),
            ref_1=ref_1,
            ref_2=ref_2,
        ),
        stamp=_stamp(say, made=made, version=version, source=source, fetched=fetched),
    )
    blocks = note.blocks
    biggest = str(per_sector["sum_1"].idxmax()) if len(per_sector) else ""
    blocks.append(
        Paragraph(
            say(
                "nasjonal",
                "innledning",
                sum_1=_mill(total_1),
                sum_2=_mill(total_2),
                ref_1=ref_1,
                ref_2=ref_2,
                sektor=biggest.lower() if biggest else "ingen sektor",
            )
        )
    )
    if request.aar is None and len(years) > 1:
        blocks.append(Paragraph(say("nasjonal", "aar_valgt", aar=aar), italic=True))
    header_1, header_2 = f"Mot {ref_1}", f"Mot {ref_2}"
    sector_table = _sums_table(
        say("nasjonal", "sektortabell", nr=1),
        "Sektor",
        "Kommuner med innsparing",
        per_sector,
        (header_1, header_2),
    )
    sector_table.rows.append(["Sum", "", _cell_mnok(total_1), _cell_mnok(total_2)])
    blocks.append(replace(sector_table, bold_last=True))
    sectors = list(per_sector.index)
    blocks.append(
        Chart(
            caption=say("nasjonal", "figur"),
            categories=[str(s) for s in sectors],
            series=[
                (ref_1, [float(v) for v in per_sector["sum_1"]]),
                (ref_2, [float(v) for v in per_sector["sum_2"]]),
            ],
        )
    )
    top = per_kommune.head(TOP)
    if len(top):
        first = top.iloc[0]
        blocks.append(
            Paragraph(
                say(
                    "nasjonal",
                    "topp_setning",
                    kommune=first["kommune"],
                    gruppe=first["gruppe"],
                    mill_1=_mill(float(first["innsparing_1_mnok"])),
                    mill_2=_mill(float(first["innsparing_2_mnok"])),
                    ref_1=ref_1,
                    ref_2=ref_2,
                )
            )
        )
        blocks.append(
            Table(
                caption=say("nasjonal", "topptabell", nr=2, topp=len(top), ref_1=ref_1),
                header=["Kommune", "Gruppe", header_1, header_2],
                rows=[
                    [
                        str(r.kommune),
                        str(r.gruppe),
                        _cell_mnok(r.innsparing_1_mnok),
                        _cell_mnok(r.innsparing_2_mnok),
                    ]
                    for r in top.itertuples(index=False)
                ],
            )
        )
    blocks.append(
        _sums_table(
            say("nasjonal", "gruppetabell", nr=3),
            "Gruppe",
            "Kommuner",
            per_group,
            (header_1, header_2),
        )
    )
    blocks.append(Heading("Metode og kilder"))
    blocks.append(Paragraph(say("nasjonal", "metode")))
    for line in result.warnings:
        blocks.append(Paragraph(say("metode", "advarsel", linjer=line)))
    return note


def _in_sentence(header: str) -> str:
    """A column header inside a sentence: «Gjennomsnittlig ASSS» -> «gjennomsnittlig ASSS»,
    «Gjennomsnitt» -> «gjennomsnittet»; a municipality's name keeps its capital."""
    alone = {"Gjennomsnitt": "gjennomsnittet", "Median": "medianen"}
    if header in alone:
        return alone[header]
    first = header.split(" ", 1)[0]
    lowered = ("Gjennomsnittlig", "Median")
    return header[0].lower() + header[1:] if first in lowered else header


def _listed(names: Sequence[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " og " + names[-1]


def _line_text(
    row: Mapping[Any, Any],
    refs: list[_Ref],
    specs: Mapping[str, IndicatorSpec],
    say: _Say,
    kommune: str,
    ref_text: Callable[[_Ref], str],
) -> str:
    """The standard sentences of one savings line (R's wording, from the templates)."""
    navn = str(row["navn"])
    own = float(row["egen_verdi"])
    spec = specs.get(name_key(row["indikator"]))
    better = spec.beste if spec is not None else "lav"
    parts: list[str] = []
    gaps = []
    for r in refs:
        gap = own / r.value - 1 if r.value else math.nan
        gaps.append(gap)
    shown = [(r, g) for r, g in zip(refs, gaps, strict=True) if not math.isnan(g)]
    if len(shown) == 2 and all(round(abs(g) * 100, 1) > 0 for _, g in shown):
        (r1, g1), (r2, g2) = shown
        parts.append(
            say(
                "linje",
                "sammenligning_to",
                navn=navn,
                kommune=kommune,
                avvik_1=_pct(g1),
                retning_1=say("retning", "hoyere" if g1 > 0 else "lavere"),
                ref_1=ref_text(r1),
                avvik_2=_pct(g2),
                retning_2=say("retning", "hoyere" if g2 > 0 else "lavere"),
                ref_2=ref_text(r2),
            )
        )
    else:
        for r, g in shown:
            if round(abs(g) * 100, 1) == 0:
                parts.append(say("linje", "lik", navn=navn, kommune=kommune, ref=ref_text(r)))
            else:
                parts.append(
                    say(
                        "linje",
                        "sammenligning_en",
                        navn=navn,
                        kommune=kommune,
                        avvik=_pct(g),
                        retning=say("retning", "hoyere" if g > 0 else "lavere"),
                        ref=ref_text(r),
                    )
                )
    handling = say("retning", "handling_hoy" if better == "høy" else "handling_lav")
    saving = [(r, r.saving) for r in refs if not math.isnan(r.saving) and round(r.saving, 1) > 0]
    none = [r for r in refs if math.isnan(r.saving) or round(r.saving, 1) <= 0]
    if len(saving) == 2:
        parts.append(
            say(
                "linje",
                "innsparing_begge",
                handling=handling,
                mill_1=_mill(saving[0][1]),
                mill_2=_mill(saving[1][1]),
            )
        )
    elif len(saving) == 1:
        r, m = saving[0]
        parts.append(
            say("linje", "innsparing_en", handling=handling, ref=ref_text(r), mill=_mill(m))
        )
        parts += [say("linje", "ingen_mot", ref=ref_text(other)) for other in none]
    elif refs:
        parts.append(say("linje", "ingen"))
    return " ".join(parts)


# --------------------------------------------------------------------------------------------
# Is the workbook recalculated?
# --------------------------------------------------------------------------------------------

_FETCHED = re.compile(r"hentet (\d{2})\.(\d{2})\.(\d{4})")


def fetch_dates(data: RawTable | None) -> str | None:
    """When tblData's figures were fetched from SSB, from the ``Kilde`` column ``hent``
    writes («..., hentet 03.12.2026 kl. 14:05 ...»): one date, or the first and last; None
    when no row was fetched. ``data`` is tblData as the recalculation read it (not read
    again)."""
    if data is None:
        return None
    keys = [str(h or "").strip().casefold() for h in data.headers]
    if "kilde" not in keys:
        return None
    j = keys.index("kilde")
    cells = (row[j] for row in data.rows if len(row) > j)
    texts = {c for c in cells if isinstance(c, str)}  # each distinct provenance text once
    found = (_FETCHED.search(t) for t in texts)
    days = sorted({dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))) for m in found if m})
    if not days:
        return None
    first, last = days[0], days[-1]
    return f"{first:%d.%m.%Y}" if first == last else f"{first:%d.%m.%Y}-{last:%d.%m.%Y}"


def note_of(book: _Reader, *, version: str) -> Note:
    """The note of a savings workbook as it stands: recalculated the way its output tables
    are, and refused when its tblInnsparing is missing or no longer current
    (:func:`check_current`). The one path for the command and the button."""
    result = recalculate(book)
    content = build_note(
        result, source=Path(book.name).name, version=version, fetched=fetch_dates(result.data)
    )
    check_current(book, result)
    return content


class _Reader(Protocol):
    @property
    def name(self) -> str: ...

    def table_names(self) -> set[str]: ...

    def read_table(self, spec: L.TableSpec) -> RawTable: ...


_COMPARED = ("egen_verdi", "referanse_1", "innsparing_1_mnok", "referanse_2", "innsparing_2_mnok")


def check_current(book: _Reader, result: Recalculation) -> None:
    """Refuse a workbook whose output table tblInnsparing is missing or no longer what its
    inputs give: the note must state what the workbook shows, and that must be current.

    Raises:
        LayoutError: code ``ikke_beregnet`` (no output yet) or ``utdatert`` (the outputs are
            older than the inputs), with the sheet, telling the user to recalculate first.
    """
    where = Location(file=book.name, sheet=L.INNSPARING.sheet)
    if result.national is not None:
        _check_current_national(book, result.national, where)
        return
    if L.INNSPARING.name not in book.table_names():
        raise LayoutError(
            "arbeidsboken er ikke beregnet (den har ingen tabell tblInnsparing). Beregn først "
            f"(knappen Beregn, eller «kommuneokonomi recalc {book.name}»), og lag så notatet",
            code="ikke_beregnet",
            location=where,
        )
    written = to_frame(book.read_table(L.INNSPARING), L.INNSPARING).frame
    lines = result.lines
    assert lines is not None
    stale = len(written) != len(lines) or any(
        name_key(a) != name_key(b)
        for a, b in zip(written["indikator"], lines["indikator"], strict=False)
    )
    if not stale:
        for column in _COMPARED:
            for a, b in zip(written[column], lines[column], strict=True):
                x = float(a) if isinstance(a, int | float) else math.nan
                y = float(b) if isinstance(b, int | float) else math.nan
                if math.isnan(y) and (math.isnan(x) or x == 0):
                    continue
                if math.isnan(x) or not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9):
                    stale = True
                    break
            if stale:
                break
    if stale:
        raise _outdated(book, where)


def _outdated(book: _Reader, where: Location) -> LayoutError:
    return LayoutError(
        "resultatarket Innsparing er eldre enn inndataene: tallene der stemmer ikke lenger "
        "med det tabellene gir. Beregn på nytt (knappen Beregn, eller «kommuneokonomi "
        f"recalc {book.name}»), og lag så notatet",
        code="utdatert",
        location=where,
    )


def _check_current_national(book: _Reader, summary: pd.DataFrame, where: Location) -> None:
    """:func:`check_current` for a national run: tblInnsparingKommuner as written against
    what the inputs give (every municipality, year and sector)."""
    spec = L.INNSPARING_KOMMUNER
    if spec.name not in book.table_names():
        raise LayoutError(
            f"arbeidsboken er ikke beregnet (den har ingen tabell {spec.name}). Beregn først "
            f"(knappen Beregn, eller «kommuneokonomi recalc {book.name}»), og lag så notatet",
            code="ikke_beregnet",
            location=where,
        )
    written = to_frame(book.read_table(spec), spec).frame

    def keyed(frame: pd.DataFrame) -> dict[tuple[str, int, str], tuple[float, float]]:
        out = {}
        for k, a, s, x, y in zip(
            frame["kommune"],
            frame["aar"],
            frame["sektor"],
            frame["innsparing_1_mnok"],
            frame["innsparing_2_mnok"],
            strict=True,
        ):
            values = tuple(float(v) if isinstance(v, int | float) else math.nan for v in (x, y))
            out[(name_key(k), int(a), name_key(s))] = (values[0], values[1])
        return out

    old, new = keyed(written), keyed(summary)
    stale = old.keys() != new.keys() or any(
        not all(
            (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
            for a, b in zip(old[k], new[k], strict=True)
        )
        for k in new
    )
    if stale:
        raise _outdated(book, where)


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------


def _chart_png(chart: Chart) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    n = len(chart.categories)
    fig, ax = plt.subplots(figsize=(6.3, 0.28 * n * len(chart.series) + 1.0), dpi=150)
    height = 0.8 / max(1, len(chart.series))
    colors = ("#1f4e79", "#9dc3e6", "#548235")
    for k, (label, values) in enumerate(chart.series):
        ys = [i + k * height for i in range(n)]
        ax.barh(
            ys,
            [0 if math.isnan(v) else v for v in values],
            height=height,
            label=label,
            color=colors[k % 3],
        )
    ax.set_yticks([i + height * (len(chart.series) - 1) / 2 for i in range(n)])
    ax.set_yticklabels(chart.categories)
    ax.invert_yaxis()
    ax.set_xlabel(chart.unit)
    ax.xaxis.set_major_formatter(
        matplotlib.ticker.FuncFormatter(lambda x, _pos: number(float(x), 0))
    )
    ax.legend(loc="lower right", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()


def to_docx(note: Note, target: Path) -> Path:
    """Write the note as a Word document (python-docx), completely or not at all."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    doc.core_properties.title = note.title
    doc.core_properties.author = "kommuneokonomi"
    doc.core_properties.language = "nb-NO"
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    doc.add_heading(note.title, level=0)
    doc.add_paragraph(note.subtitle)
    stamp = doc.add_paragraph()
    run = stamp.add_run(note.stamp)
    run.italic = True
    run.font.size = Pt(9)
    for block in note.blocks:
        if isinstance(block, Heading):
            doc.add_heading(block.text, level=block.level)
        elif isinstance(block, Paragraph):
            p = doc.add_paragraph()
            p.add_run(block.text).italic = block.italic
        elif isinstance(block, Table):
            caption = doc.add_paragraph()
            caption.add_run(block.caption).bold = True
            table = doc.add_table(rows=1 + len(block.rows), cols=len(block.header))
            table.style = "Light Grid Accent 1"
            table.autofit = False
            # the first column holds the names: half the width; the figures share the rest
            rest = (16.0 - 7.5) / max(1, len(block.header) - 1)
            widths = [Cm(7.5), *(Cm(rest) for _ in block.header[1:])]
            for column, width in zip(table.columns, widths, strict=True):
                column.width = width  # the grid LibreOffice reads
            for row_cells in table.rows:
                for cell, width in zip(row_cells.cells, widths, strict=True):
                    cell.width = width  # the cell widths Word reads
            for j, text in enumerate(block.header):
                table.cell(0, j).text = text
            for i, row in enumerate(block.rows, start=1):
                for j, text in enumerate(row):
                    cell = table.cell(i, j)
                    cell.text = text
                    if j > 0 and block.header[0] == "":
                        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
                    if block.bold_last and i == len(block.rows):
                        for r in cell.paragraphs[0].runs:
                            r.bold = True
            doc.add_paragraph()
        elif isinstance(block, Chart):
            doc.add_picture(io.BytesIO(_chart_png(block)), width=Cm(14))
            caption = doc.add_paragraph()
            caption.add_run(block.caption).italic = True
    with atomic_target(Path(target)) as tmp:
        doc.save(str(tmp))
    return target


def write_text(text: str, target: Path) -> Path:
    """Write a Markdown or text note (UTF-8), completely or not at all."""
    with atomic_target(Path(target), zip_only=False) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(note: Note) -> str:
    """The same content as Markdown (for e-mail, a wiki or a case system)."""
    out = [f"# {note.title}", "", note.subtitle, "", f"*{note.stamp}*", ""]
    for block in note.blocks:
        if isinstance(block, Heading):
            out += [f"{'#' * (block.level + 1)} {block.text}", ""]
        elif isinstance(block, Paragraph):
            out += [f"*{block.text}*" if block.italic else block.text, ""]
        elif isinstance(block, Table):
            out += [f"**{block.caption}**", ""]
            out.append("| " + " | ".join(_md_cell(h) for h in block.header) + " |")
            out.append(
                "|" + "|".join("---" if j == 0 else "---:" for j in range(len(block.header))) + "|"
            )
            for row in block.rows:
                out.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
            out.append("")
        elif isinstance(block, Chart):
            out += [f"*{block.caption}: se tabellen over (diagrammet er i Word-dokumentet).*", ""]
    return "\n".join(out).rstrip() + "\n"


def to_text(note: Note) -> str:
    """The same content as plain text."""
    out = [note.title, "=" * len(note.title), "", note.subtitle, note.stamp, ""]
    for block in note.blocks:
        if isinstance(block, Heading):
            out += [block.text, ("=" if block.level == 1 else "-") * len(block.text), ""]
        elif isinstance(block, Paragraph):
            out += [block.text, ""]
        elif isinstance(block, Table):
            align = "l" + "r" * (len(block.header) - 1)
            out += [text_table(block.header, block.rows, align=align, title=block.caption), ""]
        elif isinstance(block, Chart):
            out += [f"{block.caption}: se tabellen over (diagrammet er i Word-dokumentet).", ""]
    return "\n".join(out).rstrip() + "\n"


def to_pdf(docx: Path, target: Path, *, timeout: float = 180) -> Path | None:
    """Convert the .docx to PDF with LibreOffice (headless, a throw-away profile, killed
    whole on timeout: :mod:`kommuneokonomi.office`).

    Returns:
        ``target``, or None when LibreOffice is not installed.

    Raises:
        KommuneokonomiError: LibreOffice is there but did not make the PDF (code
            ``skrivefeil``); ``target`` is then left as it was.
    """
    if soffice_path() is None:
        return None
    with tempfile.TemporaryDirectory(prefix="kommuneokonomi-notat-") as work:
        try:
            made = convert(Path(docx).resolve(), "pdf", Path(work), timeout=timeout)
        except OfficeError as exc:
            raise KommuneokonomiError(
                "LibreOffice kunne ikke lage PDF av notatet; Word-dokumentet er laget",
                code="skrivefeil",
                location=Location(file=str(target)),
            ) from exc
        with atomic_target(Path(target), zip_only=False) as tmp:
            shutil.copyfile(made, tmp)
    return Path(target)
