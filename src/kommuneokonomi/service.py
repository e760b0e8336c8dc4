"""Recalculation: read a workbook's tables, validate, call the engine, build the output sheets.

The one path used by the command line and by the Excel buttons. It works on any object with
the small :class:`BookReader` interface (the file adapter and the live xlwings adapter), and
returns :class:`Recalculation` results that the adapter writes back: nothing is written until
everything has been computed.

Engine errors carry kommune, indikator and år; here they get the cell they came from.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from typing import Protocol

import numpy as np
import pandas as pd

from .engine.balance import (
    ADVARSEL,
    AVVIK,
    CheckResult,
    financial_rule,
    one_off_financing,
    peer_table_summary,
    plan_balance,
    plan_balance_table,
    revision_balance,
    sum_check,
)
from .engine.derived import DerivedSeries, derive
from .engine.derived import explain as explain_derived
from .engine.format import number
from .engine.keytable import KEY_INDICATORS, key_figure_table
from .engine.plan import PlanSettings, four_year_plan
from .engine.savings import (
    IndicatorSpec,
    SavingsSettings,
    indicators_and_problems,
    listed_series,
    savings_table,
    sector_totals,
    series_read,
)
from .engine.trend import TREND_COLUMNS, trend_table
from .engine.values import clean_data, parse_number
from .errors import (
    InputError,
    InputErrors,
    KommuneokonomiError,
    LayoutError,
    Location,
)
from .national import national_output
from .request import SavingsRequest, SettingsTable, name_key, parse_request
from .workbook import layout as L
from .workbook.locate import first_cell, locate, savings_fallback
from .workbook.output import ChartSpec, OutputSheet, OutputTable, Placement
from .workbook.tables import RawTable, ReadTable, to_frame

__all__ = ["MAX_PROBLEMS", "BookReader", "Recalculation", "read_tables", "recalculate"]

#: How many cell problems of one table to list before the rest are only counted.
MAX_PROBLEMS = 50


class BookReader(Protocol):
    """What the service needs from a workbook adapter."""

    @property
    def name(self) -> str: ...

    def table_names(self) -> set[str]: ...

    def read_table(self, spec: L.TableSpec) -> RawTable: ...


@dataclass
class Recalculation:
    """What a recalculation produced.

    Attributes:
        kind: ``innsparing``, ``budsjett`` or ``plan``.
        sheets: the output sheets to write.
        checks: the balance checks (budget workbooks).
        sectors: savings per sector with the Sum row (savings workbooks), million kroner.
        lines: the savings lines (savings workbooks).
    """

    kind: L.BookKind
    sheets: list[OutputSheet]
    checks: list[CheckResult] = field(default_factory=list)
    sectors: pd.DataFrame | None = None
    lines: pd.DataFrame | None = None
    key_figures: pd.DataFrame | None = None
    national: pd.DataFrame | None = None  # per kommune, year and sector ('Egen kommune' Alle)
    #: what the user should look at although nothing stopped the run (Norwegian, one line
    #: each): implausible values, unknown names in tblData; also on the sheet (tblMerknader)
    warnings: list[str] = field(default_factory=list)
    #: what is worth a line but no stop (a fetched dataset's unused series); on the sheet too
    notes: list[str] = field(default_factory=list)
    #: the analysis a savings table answers (own municipality, year, group, references) and
    #: its lines' indicators, for the note that writes it up (note.py)
    savings_settings: SavingsSettings | None = None
    gruppe: str | None = None
    indicators: list[IndicatorSpec] = field(default_factory=list)
    method_text: str = ""
    #: each line's quality or coverage indicators beside its cost, by indicator (Norwegian)
    quality: dict[str, str] = field(default_factory=dict)
    #: tblData as read, every column (the note reads hent's Kilde from it, not the file again)
    data: RawTable | None = None
    #: the national run's request ('Egen kommune' Alle): its year and references, for the note
    national_request: SavingsRequest | None = None
    plan: pd.DataFrame | None = None  # per plan year (plan workbooks)
    measures: pd.DataFrame | None = None  # the measures chosen and the alternatives (plan)

    @property
    def has_deviation(self) -> bool:
        return any(c.status == AVVIK for c in self.checks)


def _ranges_hint(book: BookReader, specs: tuple[L.TableSpec, ...] | None = None) -> str:
    """When sheets with the tables' names are there but hold no named Excel tables (a
    workbook written by pandas, exported from Google Sheets or typed as plain ranges): how to
    make them tables. Empty when the book cannot list its sheets or has none of them."""
    sheet_names = getattr(book, "sheet_names", None)
    if sheet_names is None:
        return ""
    sheets = {str(s).strip().casefold(): str(s) for s in sheet_names()}
    wanted = specs or tuple(spec for kind in L.KINDS.values() for spec in kind if not spec.output)
    missing = list(
        dict.fromkeys(
            (sheets[spec.sheet.casefold()], spec.name)
            for spec in wanted
            if spec.sheet.casefold() in sheets and spec.name not in book.table_names()
        )
    )
    if not missing:
        return ""
    shown = ", ".join(f"'{sheet}' ({name})" for sheet, name in missing[:4])
    more = f" og {len(missing) - 4} til" if len(missing) > 4 else ""
    return (
        f". Arkene {shown}{more} finnes, men som vanlige celleområder, ikke som navngitte "
        "Excel-tabeller (slik en fil fra pandas eller Google Sheets ofte blir): merk hvert "
        "område med overskriftene, velg Sett inn > Tabell (Ctrl+T), og gi tabellen navnet i "
        "parentes under Tabellutforming > Tabellnavn"
    )


def read_tables(book: BookReader, specs: tuple[L.TableSpec, ...]) -> dict[str, ReadTable]:
    """Read and validate every input table; report all problems of all tables together."""
    tables, problems = _read_all(book, specs)
    InputErrors.raise_if_any(problems)
    return tables


def _read_all(
    book: BookReader, specs: tuple[L.TableSpec, ...], *, optional: frozenset[str] = frozenset()
) -> tuple[dict[str, ReadTable], list[KommuneokonomiError]]:
    """Every input table that could be read (each read once), and the problems of those that
    could not; a table lists at most :data:`MAX_PROBLEMS` cell problems (tblData may hold
    700 000 rows)."""
    present = book.table_names()
    problems: list[KommuneokonomiError] = []
    tables: dict[str, ReadTable] = {}
    for spec in specs:
        if spec.output:
            continue
        if spec.name not in present:
            if spec.name in optional:
                continue
            problems.append(
                LayoutError(
                    f"fant ikke tabellen {spec.name}; den skal ligge på arket '{spec.sheet}'"
                    + _ranges_hint(book, (spec,)),
                    code="mangler_tabell",
                    location=Location(file=book.name, sheet=spec.sheet),
                )
            )
            continue
        try:
            tables[spec.name] = to_frame(book.read_table(spec), spec, limit=MAX_PROBLEMS)
        except InputErrors as many:
            problems += list(many)
        except KommuneokonomiError as exc:
            problems.append(exc)
    return tables, problems


def recalculate(
    book: BookReader, *, kommuner_from_data: bool = False, extras: bool = True
) -> Recalculation:
    """Recalculate a savings or budget workbook (told apart by the tables it holds).

    Args:
        extras: compute what goes beside the savings table (the Utvikling and Nøkkeltall
            sheets, the names in tblData nothing reads); the worksheet function, which
            returns the savings table only, leaves them out.
        book: the workbook, through any adapter (file, live Excel book, worksheet ranges).
        kommuner_from_data: a savings workbook without ``tblKommuner`` compares every
            municipality in tblData as one group (the worksheet function's optional range).
    """
    kind = L.kind_of_tables(book.table_names())
    if kind is None:
        raise LayoutError(
            "arbeidsboken har verken tabellene for innsparingsanalyse (tblData, tblIndikatorer) "
            "eller for budsjettkontroll (tblBudsjett, tblSummer, ...) eller økonomiplan "
            "(tblRamme, tblTiltaksliste, ...)"
            + (_ranges_hint(book) or ". Lag en ny med 'kommuneokonomi new'."),
            code="ukjent_arbeidsbok",
            location=Location(file=book.name),
        )
    if kind == "innsparing":
        optional = frozenset({L.KOMMUNER.name}) if kommuner_from_data else frozenset()
        from_data = kommuner_from_data and L.KOMMUNER.name not in book.table_names()
        tables, problems = _read_all(
            book, (*L.SAVINGS, L.AVLEDET), optional=optional | {L.AVLEDET.name}
        )
        return _recalculate_savings(
            tables,
            problems,
            kommuner_from_data=from_data,
            had_key_figures=L.NOKKELTALL.name in book.table_names(),
            had_development=L.UTVIKLING.name in book.table_names(),
            extras=extras,
        )
    if kind == "plan":
        tables, problems = _read_all(book, L.PLAN_BOOK)
        InputErrors.raise_if_any(problems)
        return _recalculate_plan(tables)
    tables, problems = _read_all(book, L.BUDGET)
    InputErrors.raise_if_any(problems)
    return _recalculate_budget(tables)


# --- savings workbook -----------------------------------------------------------------------


def _recalculate_savings(
    tables: dict[str, ReadTable],
    problems: list[KommuneokonomiError],
    *,
    kommuner_from_data: bool = False,
    had_key_figures: bool = False,
    had_development: bool = False,
    extras: bool = True,
) -> Recalculation:
    """Savings workbook, one municipality or every one. ``problems`` holds what reading the
    tables found; the settings and indicator tables are still checked so the user sees every
    problem in one run. ``had_key_figures``: the workbook holds a Nøkkeltall sheet from an
    earlier run, which is emptied (with a line saying why) when its series are gone, never
    left standing with old figures."""
    request: SavingsRequest | None = None
    indicators: list[IndicatorSpec] = []
    if L.INNSTILLINGER.name in tables:
        kommuner = tables.get(L.KOMMUNER.name)
        data_kommuner = None
        if kommuner_from_data and L.DATA.name in tables:
            names = tables[L.DATA.name].frame["kommune"]
            # every municipality in the data, not SSB's aggregates (Norge, a group's mean)
            data_kommuner = list(
                dict.fromkeys(
                    str(k).strip() for k in names if k and not name_key(k).startswith(_AGGREGATES)
                )
            )
        try:
            request = parse_request(
                tables[L.INNSTILLINGER.name], kommuner, data_kommuner=data_kommuner
            )
        except KommuneokonomiError as exc:
            problems += list(exc) if isinstance(exc, InputErrors) else [exc]
    blocking = bool(problems)  # a table or a setting that cannot be read
    if L.INDIKATORER.name in tables:
        indicators_t = tables[L.INDIKATORER.name]
        try:
            indicators, errors = indicators_and_problems(indicators_t.frame)
        except KommuneokonomiError as exc:
            errors = list(exc) if isinstance(exc, InputErrors) else [exc]
            blocking = True
        problems += [locate(e, tables, fallback=first_cell(indicators_t)) for e in errors]
        if not errors and not indicators and not indicators_t.frame.empty:
            problems.append(
                InputError(
                    "ingen linje i tblIndikatorer har en referanse: alle har '-' i både "
                    "Referanse 1 og Referanse 2, så det er ingenting å beregne",
                    code="tom_tabell",
                    location=first_cell(indicators_t),
                )
            )
    rules: list[DerivedSeries] = []
    if L.AVLEDET.name in tables and L.DATA.name in tables:
        rules, errors = _derived_rules(tables[L.AVLEDET.name], tables[L.DATA.name])
        problems += errors
        if rules and not errors:
            tables[L.DATA.name] = _with_derived(tables[L.DATA.name], rules)
    for name, what in ((L.INDIKATORER.name, "indikator"), (L.DATA.name, "verdi")):
        if name in tables and tables[name].frame.empty:
            problems.append(
                InputError(
                    f"tabellen {name} har ingen rader; legg inn minst én {what}",
                    code="tom_tabell",
                    location=tables[name].raw.location(None, 0),
                )
            )
    if problems and not blocking and request is not None and indicators:
        # only some lines of tblIndikatorer are bad: the others are still computed, so the
        # data's problems (a missing value, a bad weight) come in the same message, not after
        # the first ones are fixed
        problems += _savings_problems(tables, indicators, request)
    InputErrors.raise_if_any(problems)
    assert request is not None and request.settings is not None
    if request.national:
        return _recalculate_national(tables, indicators, request)
    trend: list[pd.DataFrame] = []
    lines = _savings_lines(tables, indicators, request, trend=trend if extras else None)
    if rules:  # say how a derived value was computed, on its line
        how = {name_key(r.indikator): explain_derived(r) for r in rules}
        lines["forklaring"] = [
            f"{text} {how[name_key(ind)]}" if name_key(ind) in how else text
            for ind, text in zip(lines["indikator"], lines["forklaring"], strict=True)
        ]
    config = request.for_kommune(str(request.egen_kommune))
    quality_of: dict[str, str] = {}
    lines["forklaring"] = _with_quality(lines, tables, config, quality_of)
    data_t = tables[L.DATA.name]
    sectors = sector_totals(lines)
    with _located(_savings_locator(tables, request)):
        keys = (
            key_figure_table(data_t.frame)
            if extras
            else pd.DataFrame(columns=[c.name for c in L.NOKKELTALL.columns])
        )
    unknown, notes = (
        _unknown_in_tables(tables, indicators, request.snitt_vekt) if extras else ([], [])
    )
    warnings = [
        f"{navn}: {text}"
        for navn, text in zip(lines["navn"], lines["advarsel"], strict=True)
        if text
    ] + unknown
    sheet = OutputSheet(
        name="Innsparing",
        title=(
            f"Innsparingsmuligheter for {config.egen_kommune} {config.aar} "
            f"(referanse 1: {config.referanse_1}, referanse 2: {config.referanse_2}), mill. kr. "
            + _method_text(request.gruppe, config)
        ),
        tables=[
            OutputTable(L.INNSPARING, lines[list(c.name for c in L.INNSPARING.columns)]),
            OutputTable(L.INNSPARING_SEKTOR, sectors, _sector_formulas(len(sectors))),
            # last, so the tables above never move when there is something to say
            *(
                [OutputTable(L.MERKNADER, pd.DataFrame({"merknad": warnings + notes}))]
                if warnings or notes
                else []
            ),
        ],
        charts=[
            ChartSpec(
                kind="bar",
                table="tblInnsparingSektor",
                categories="sektor",
                series=("innsparing_1_mnok", "innsparing_2_mnok"),
                title="Innsparing per sektor (mill. kr)",
                y_title="mill. kr",
                anchor_column=4,
                skip_last_row=True,
            )
        ],
    )
    sheets = [sheet]
    over_years = trend[0] if trend else pd.DataFrame(columns=list(TREND_COLUMNS))
    many_years = over_years["aar"].nunique() > 1
    if many_years or had_development:  # an old Utvikling sheet is emptied, never left stale
        sheets.append(
            OutputSheet(
                name="Utvikling",
                title=(
                    f"Utviklingen for {config.egen_kommune} og snittet av de andre i "
                    "sammenligningsgruppen, per linje og år"
                    if many_years
                    else "Utvikling: tblData har bare ett år nå; tabellen er derfor tømt"
                ),
                tables=[
                    OutputTable(
                        L.UTVIKLING,
                        over_years[[c.name for c in L.UTVIKLING.columns]].iloc[
                            : len(over_years) if many_years else 0
                        ],
                    )
                ],
            )
        )
    if len(keys) or had_key_figures:  # where the data hold the series (R Tabell 1-3 style)
        sheets.append(
            OutputSheet(
                name="Nøkkeltall",
                title=(
                    "Nøkkeltall: vekst, netto driftsresultat, investeringer og gjeld"
                    if len(keys)
                    else "Nøkkeltall: ingen å vise. tblData har ikke lenger noen av seriene "
                    f"nøkkeltallene regnes fra ({', '.join(KEY_INDICATORS)}); tabellen er "
                    "derfor tømt"
                ),
                tables=[OutputTable(L.NOKKELTALL, keys)],
            )
        )
    return Recalculation(
        kind="innsparing",
        sheets=sheets,
        sectors=sectors,
        lines=lines,
        key_figures=keys,
        warnings=warnings,
        notes=notes,
        savings_settings=config,
        gruppe=request.gruppe,
        indicators=indicators,
        method_text=_method_text(request.gruppe, config),
        quality=quality_of,
        data=data_t.raw,
    )


def _derived_ids(table: ReadTable | None) -> list[str]:
    """Every series tblAvledet names (made or used): none of them is "used nowhere"."""
    if table is None:
        return []
    return [
        str(v).strip()
        for column in ("indikator", "teller", "nevner")
        for v in table.frame[column]
        if v is not None and str(v).strip()
    ]


def _derived_rules(
    table: ReadTable, data: ReadTable
) -> tuple[list[DerivedSeries], list[KommuneokonomiError]]:
    """The rows of tblAvledet as rules, and every problem with its cell: a part missing, a
    factor that is not positive, a series defined twice, by itself, or also in tblData."""
    rules: list[DerivedSeries] = []
    problems: list[KommuneokonomiError] = []
    in_data = {name_key(v) for v in pd.unique(data.frame["indikator"].to_numpy(dtype=object))}
    seen: set[str] = set()
    for i, rec in enumerate(table.frame.to_dict("records")):
        parts = {c: str(rec.get(c) or "").strip() for c in ("indikator", "teller", "nevner")}
        faktor = rec.get("faktor")
        factor = 1.0 if faktor is None or pd.isna(faktor) else float(faktor)

        def fail(column: str, text: str, i: int = i) -> None:
            problems.append(
                InputError(text, code="ugyldig_avledet", location=table.cell(i, column))
            )

        empty = [c for c, v in parts.items() if not v]
        if empty:
            fail(
                empty[0],
                f"kolonnen '{empty[0].capitalize()}' er tom; fyll den inn eller slett raden",
            )
            continue
        key = name_key(parts["indikator"])
        if key in seen:
            fail("indikator", f"'{parts['indikator']}' er definert mer enn én gang i tblAvledet")
        elif key in in_data:
            fail(
                "indikator",
                f"'{parts['indikator']}' finnes allerede i tblData; gi den avledede serien et "
                "annet navn",
            )
        elif key in {name_key(parts["teller"]), name_key(parts["nevner"])}:
            fail("indikator", f"'{parts['indikator']}' kan ikke regnes ut fra seg selv")
        elif not factor > 0:
            fail("faktor", f"faktoren må være et positivt tall, ikke {number(factor)}")
        else:
            rules.append(
                DerivedSeries(parts["indikator"], parts["teller"], parts["nevner"], factor)
            )
        seen.add(key)
    return rules, problems


def _with_derived(data: ReadTable, rules: list[DerivedSeries]) -> ReadTable:
    """tblData with the derived series' rows after its own (rows that name no cell)."""
    used = [x for r in rules for x in (r.teller, r.nevner)]
    wanted = {name_key(x) for x in used}
    names = data.frame["indikator"].to_numpy(dtype=object)
    codes, uniques = pd.factorize(names)  # each distinct name judged once
    keep = np.isin(codes, [i for i, u in enumerate(uniques) if name_key(u) in wanted])
    try:
        parts = clean_data(data.frame[keep], indikatorer=used)
    except KommuneokonomiError:
        return data  # a bad value among the parts: the analysis reports it at its cell
    # the parts as tblIndikatorer / tblAvledet spell them, whatever the data's spelling
    spelled = {name_key(x): x for x in used}
    parts["indikator"] = [spelled.get(name_key(x), x) for x in parts["indikator"]]
    made = derive(parts, rules)
    made["verdi"] = made["verdi"].astype(object).where(made["verdi"].notna(), None)
    frame = pd.concat([data.frame, made[list(data.frame.columns)]], ignore_index=True)
    return replace(data, frame=frame)


def _with_quality(
    lines: pd.DataFrame,
    tables: dict[str, ReadTable],
    config: SavingsSettings,
    quality_of: dict[str, str] | None = None,
) -> list[str]:
    """Each line's Forklaring with its quality or coverage indicators (tblIndikatorer's
    ``Kvalitet``) after it: the own value and the plain mean of the others in the group, in
    the year compared (the trend's figures for that year), and which way is better. A cheap
    reference may be a poor one. ``quality_of`` receives each line's quality text by
    indicator (the note states it too)."""
    frame = tables[L.INDIKATORER.name].frame
    if "kvalitet" not in frame:
        return list(lines["forklaring"])
    wanted = {
        name_key(i): _ids(t)
        for i, t in zip(frame["indikator"], frame["kvalitet"], strict=True)
        if i
    }
    quality = list(dict.fromkeys(q for qs in wanted.values() for q in qs))
    if not quality:
        return list(lines["forklaring"])
    rows = {name_key(r.get("indikator")): r for r in frame.to_dict("records")}
    data = tables[L.DATA.name].frame
    keys = {name_key(q) for q in quality}
    codes, uniques = pd.factorize(data["indikator"].to_numpy(dtype=object))
    keep = np.isin(codes, [i for i, u in enumerate(uniques) if name_key(u) in keys])
    # every value of tblData was checked by the analysis; these are read once more, cleaned
    trend = trend_table(
        clean_data(data[keep]),
        [(q, str(rows.get(name_key(q), {}).get("navn") or q)) for q in quality],
        config.egen_kommune,
        config.kommuner,
    )
    this_year = {
        name_key(r["indikator"]): r for r in trend[trend["aar"] == config.aar].to_dict("records")
    }
    out = []
    for ind, text in zip(lines["indikator"], lines["forklaring"], strict=True):
        parts = []
        for q in wanted.get(name_key(ind), []):
            row = rows.get(name_key(q), {})
            found = this_year.get(name_key(q), {})
            mine = float(found.get("egen_verdi", math.nan))
            better = {"høy": "høyere er bedre", "lav": "lavere er bedre"}.get(
                str(row.get("beste") or "").strip().casefold(), ""
            )
            shown = "mangler verdi" if math.isnan(mine) else number(mine)
            parts.append(
                f"{row.get('navn') or q}: {shown} (snitt for de andre i gruppen "
                f"{number(float(found.get('snitt_andre', math.nan)))}"
                + (f"; {better}" if better else "")
                + ")"
            )
        if parts and quality_of is not None:
            quality_of[str(ind)] = "; ".join(parts)
        out.append(
            f"{text} Kvalitet ved siden av kostnaden: {'; '.join(parts)}." if parts else text
        )
    return out


def _savings_lines(
    tables: dict[str, ReadTable],
    indicators: list[IndicatorSpec],
    request: SavingsRequest,
    *,
    trend: list[pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """The savings lines of the own municipality; errors located at their cells. ``trend``
    receives the lines' development over the years (see ``savings_table``)."""
    assert request.egen_kommune is not None
    config = request.for_kommune(request.egen_kommune)
    with _located(_savings_locator(tables, request)):
        return savings_table(tables[L.DATA.name].frame, indicators, config, trend=trend)


def _savings_locator(
    tables: dict[str, ReadTable], request: SavingsRequest
) -> Callable[[KommuneokonomiError], KommuneokonomiError]:
    """The one way an error of the own municipality's analysis finds its cell."""
    assert request.egen_kommune is not None and request.settings is not None
    config = request.for_kommune(request.egen_kommune)
    return partial(
        _locate_savings,
        tables=tables,
        settings=request.settings,
        egen_kommune=config.egen_kommune,
        snitt_vekt=config.snitt_vekt,
    )


def _savings_problems(
    tables: dict[str, ReadTable], indicators: list[IndicatorSpec], request: SavingsRequest
) -> list[KommuneokonomiError]:
    """What computing the valid lines finds (the problems of one pass), or nothing."""
    if request.national or L.DATA.name not in tables:
        return []
    try:
        _savings_lines(tables, indicators, request)
    except KommuneokonomiError as exc:
        return list(exc) if isinstance(exc, InputErrors) else [exc]
    return []


def _method_text(gruppe: str | None, config: SavingsSettings) -> str:
    """How the references were taken, in words a council member reads: the group, who the
    mean and median leave out, the weights, and where the figures come from."""
    others = [k for k in config.kommuner if k != config.egen_kommune]
    left_out = [k for k in others if name_key(k) in {name_key(e) for e in config.snitt.exclude}]
    group = f"gruppen {gruppe}" if gruppe else "gruppen"
    parts = [
        f"Sammenlignet med {len(others)} andre kommuner i {group}.",
        "Snittet "
        + ("tar med egen kommune" if config.snitt.include_own else "er tatt over de andre")
        + (
            f", vektet med {config.snitt_vekt}"
            if config.snitt.weighted and config.snitt_vekt
            else " (uvektet)"
        )
        + (f"; snitt og median er uten {_and(left_out)}" if left_out else "")
        + ". «N. beste» er den N-te beste av de andre.",
        f"Tall fra tblData for {config.aar}.",
    ]
    return " ".join(parts)


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} og {names[-1]}"


#: Names in tblData that are not municipalities but are expected there (SSB's aggregates).
_AGGREGATES = ("landet", "hele landet", "norge", "kostra-gruppe", "ekg", "asss")


def _unknown_in_tables(
    tables: dict[str, ReadTable], indicators: list[IndicatorSpec], weight: str | None
) -> tuple[list[str], list[str]]:
    """:func:`_unknown_in_data` for the tables read, with every series a line, tblAvledet or
    a list-only row of tblIndikatorer names counted as used (both modes ask this)."""
    return _unknown_in_data(
        tables[L.DATA.name],
        tables.get(L.KOMMUNER.name),
        indicators,
        weight,
        listed=[
            *listed_series(tables[L.INDIKATORER.name].frame),
            *_derived_ids(tables.get(L.AVLEDET.name)),
            *_quality_ids(tables[L.INDIKATORER.name].frame),
        ],
    )


def _ids(text: object) -> list[str]:
    """Series ids in one cell, separated by semicolons (``Kvalitet``)."""
    return [q.strip() for q in str(text or "").split(";") if q.strip()]


def _quality_ids(frame: pd.DataFrame) -> list[str]:
    """The series tblIndikatorer's ``Kvalitet`` column names (shown beside a line's cost)."""
    return [q for text in frame.get("kvalitet", ()) for q in _ids(text)]


def _unknown_in_data(
    data: ReadTable,
    kommuner: ReadTable | None,
    indicators: list[IndicatorSpec],
    weight: str | None,
    *,
    listed: Sequence[str] = (),
) -> tuple[list[str], list[str]]:
    """Warnings for tblData rows nothing reads: a municipality neither in tblKommuner nor a
    Norwegian municipality (SSB's KLASS 131 since 2015), an indicator no line uses; each with
    its first cell and, where a known name is close, a suggestion («mente du Bergen?»)."""
    from .ssb.regions import load_renumbering  # package data, read once

    names: dict[str, str] = {}  # name_key -> the spelling to suggest
    if kommuner is not None:  # its municipalities, and its groups (a group's mean in tblData)
        for column in ("kommune", "gruppe"):
            if column in kommuner.frame:
                names.update((name_key(k), str(k).strip()) for k in kommuner.frame[column] if k)
    for m in load_renumbering().municipalities.values():
        for part in (m.name, *m.name.split(" - ")):
            names.setdefault(name_key(part), part.strip())
    series = {
        name_key(x): x
        for x in (
            *series_read(indicators, weight),
            *KEY_INDICATORS,
            *listed,
        )
    }
    warnings: list[str] = []
    notes: list[str] = []  # a fetched dataset's many unused series: worth a line, not a stop
    for column, known, what, why in (
        ("kommune", names, "kommunen", "er verken i tblKommuner eller en norsk kommune"),
        ("indikator", series, "indikatoren", "brukes ikke av noen linje i tblIndikatorer"),
    ):
        # each distinct name once: 700 000 rows hold a few hundred
        codes, uniques = pd.factorize(data.frame[column].to_numpy(dtype=object))
        present, first = np.unique(codes, return_index=True)
        unknown: dict[str, tuple[int, str]] = {}  # key -> (first row, spelling)
        for code, row in zip(present.tolist(), first.tolist(), strict=True):
            if code < 0:  # an empty cell: reading the table reported it
                continue
            key = name_key(uniques[code])
            if key and key not in known and not key.startswith(_AGGREGATES):
                unknown.setdefault(key, (row, str(uniques[code]).strip()))
        if column == "indikator" and len(unknown) > 5:  # a fetched dataset, not a slip
            spelled = sorted(spelling for _, spelling in unknown.values())
            more = f" og {len(spelled) - 10} til" if len(spelled) > 10 else ""
            notes.append(
                f"{len(spelled)} indikatorer i tblData brukes ikke av noen linje i "
                f"tblIndikatorer ({', '.join(spelled[:10])}{more})"
            )
            continue
        for key, (row, spelling) in sorted(unknown.items(), key=lambda kv: kv[1][0]):
            close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.75)
            hint = f"; mente du {known[close[0]]}?" if close else ""
            where = data.cell(row, column).describe()
            warnings.append(f"{where}: {what} '{spelling}' {why}{hint}")
    return warnings, notes


@contextmanager
def _located(
    locate: Callable[[KommuneokonomiError], KommuneokonomiError],
) -> Iterator[None]:
    """Engine errors raised inside get the cell they came from."""
    try:
        yield
    except InputErrors as many:
        raise InputErrors([locate(e) for e in many]) from None
    except KommuneokonomiError as exc:
        raise locate(exc) from None


def _recalculate_national(
    tables: dict[str, ReadTable], indicators: list[IndicatorSpec], request: SavingsRequest
) -> Recalculation:
    """Every municipality against its group (``Egen kommune`` = ``Alle``): the savings cube."""
    assert request.settings is not None
    data = tables[L.DATA.name]
    with _located(partial(_locate_savings, tables=tables, settings=request.settings)):
        frame = clean_data(
            data.frame,
            kommuner=list(request.grupper),
            indikatorer=series_read(indicators, request.snitt_vekt),
        )[["kommune", "aar", "indikator", "verdi"]]
    problems: list[KommuneokonomiError] = []
    known = set(frame["indikator"].unique())
    if request.snitt_vekt is not None and request.snitt_vekt not in known:
        problems.append(
            request.settings.error(
                "Snitt: vekt",
                f"vektindikatoren '{request.snitt_vekt}' finnes ikke i tblData",
                "ukjent_indikator",
            )
        )
    if request.aar is not None and not (frame["aar"] == request.aar).any():
        problems.append(
            request.settings.error(
                "År", f"dataene har ingen verdier for år {request.aar}", "ukjent_aar"
            )
        )
    InputErrors.raise_if_any(problems)
    result = national_output(frame, indicators, request)
    # names nothing reads are reported as in the one-municipality analysis, on the sheet too
    warnings, notes = _unknown_in_tables(tables, indicators, request.snitt_vekt)
    sheets = result.sheets
    if (warnings or notes) and sheets:
        first = sheets[0]
        sheets = [
            replace(
                first,
                tables=[
                    *first.tables,
                    OutputTable(L.MERKNADER, pd.DataFrame({"merknad": warnings + notes})),
                ],
            ),
            *sheets[1:],
        ]
    return Recalculation(
        kind="innsparing",
        sheets=sheets,
        national=result.summary,
        national_request=request,
        warnings=warnings,
        notes=notes,
        data=data.raw,
    )


def _sector_formulas(n: int) -> Callable[[dict[str, Placement]], dict[tuple[int, str], str]]:
    """Sector rows as SUMIF over tblInnsparing, the Sum row as SUM over the sectors."""

    def build(placed: dict[str, Placement]) -> dict[tuple[int, str], str]:
        lines, me = placed["tblInnsparing"], placed["tblInnsparingSektor"]
        out: dict[tuple[int, str], str] = {}
        for col in ("innsparing_1_mnok", "innsparing_2_mnok"):
            for i in range(n - 1):
                out[(i, col)] = (
                    f"SUMIF({lines.data_range('sektor')},{me.cell(i, 'sektor')},"
                    f"{lines.data_range(col)})"
                )
            first, last = me.cell(0, col), me.cell(n - 2, col)
            out[(n - 1, col)] = f"SUM({first}:{last})"
        return out

    return build


def _locate_savings(
    err: KommuneokonomiError,
    *,
    tables: dict[str, ReadTable],
    settings: SettingsTable,
    egen_kommune: str | None = None,
    snitt_vekt: str | None = None,
) -> KommuneokonomiError:
    """A savings error at the cell it arose in (workbook/locate.py's rules)."""
    fallback = savings_fallback(
        err, tables, settings=settings, egen_kommune=egen_kommune, snitt_vekt=snitt_vekt
    )
    return locate(err, tables, fallback=fallback)


def _eq(a: object, b: object) -> bool:
    return str(a or "").strip().casefold() == str(b or "").strip().casefold()


# --- budget workbook ------------------------------------------------------------------------


def _recalculate_budget(tables: dict[str, ReadTable]) -> Recalculation:
    settings = SettingsTable(tables["tblInnstillinger"])
    problems: list[KommuneokonomiError] = []
    tolerance: float | None = None
    tol_text = settings.get("Toleranse")
    if tol_text:
        try:
            tolerance = float(tol_text.replace(",", "."))
            if not tolerance >= 0:
                raise ValueError
        except ValueError:
            problems.append(
                settings.error(
                    "Toleranse", f"'{tol_text}' er ikke et tall >= 0", "ugyldig_toleranse"
                )
            )
    InputErrors.raise_if_any(problems)

    checks: list[CheckResult] = []

    def guarded(
        table: str, run: Callable[[], CheckResult | list[CheckResult]], row: int | None = None
    ) -> None:
        """Run one check; an input error gets the cell of ``row`` (or is located by context)."""
        t = tables[table]
        try:
            done = run()
            checks.extend(done if isinstance(done, list) else [done])
        except KommuneokonomiError as exc:
            errors = list(exc) if isinstance(exc, InputErrors) else [exc]
            for e in errors:
                # a check of one row (a sum, a revision, a target): that row's cell
                fallback = first_cell(t)
                if row is not None:
                    column = e.context.kolonne or ""
                    if column not in t.frame:
                        column = t.spec.columns[-1].name
                    fallback = t.cell(row, column)
                problems.append(locate(e, tables, fallback=fallback))

    sums, stated = tables["tblSummer"].frame, tables["tblOppgittSum"].frame
    for i, rec in enumerate(stated.to_dict("records")):
        name = str(rec["tabell"] or "").strip()
        amounts = [
            float(b) for t, b in zip(sums["tabell"], sums["belop"], strict=True) if _eq(t, name)
        ]
        if not name or not amounts:
            problems.append(
                InputError(
                    "kolonnen 'Tabell' er tom; skriv navnet på tabellen summen gjelder"
                    if not name
                    else f"tabellen '{name}' har en oppgitt sum i tblOppgittSum, men ingen "
                    "linjer i tblSummer (skriv navnet likt begge steder)",
                    code="mangler_linjer",
                    location=tables["tblOppgittSum"].cell(i, "tabell"),
                )
            )
            continue
        stated_total = float(rec["oppgitt_sum"])
        run = partial(sum_check, amounts, stated_total=stated_total, name=name, tolerance=tolerance)
        guarded("tblOppgittSum", run, row=i)
    listed = {str(t or "").strip().casefold() for t in stated["tabell"]}
    for i, t in enumerate(sums["tabell"]):
        if not str(t or "").strip():
            problems.append(
                InputError(
                    "kolonnen 'Tabell' er tom; skriv hvilken tabell linjen hører til",
                    code="mangler_tabellnavn",
                    location=tables["tblSummer"].cell(i, "tabell"),
                )
            )
    for name in dict.fromkeys(str(t or "").strip() for t in sums["tabell"]):
        if name and name.casefold() not in listed:
            problems.append(
                InputError(
                    f"tabellen '{name}' har linjer i tblSummer, men ingen oppgitt sum i "
                    "tblOppgittSum",
                    code="mangler_oppgitt_sum",
                    location=tables["tblSummer"].cell(
                        tables["tblSummer"].find_row(tabell=name) or 0, "tabell"
                    ),
                )
            )
    changes = tables["tblEndringer"].frame
    for revisjon in dict.fromkeys(str(r or "").strip() for r in changes["revisjon"]):
        amounts = [
            float(b)
            for r, b in zip(changes["revisjon"], changes["belop"], strict=True)
            if _eq(r, revisjon)
        ]
        row = tables["tblEndringer"].find_row(revisjon=revisjon)
        run_r = partial(revision_balance, amounts, name=revisjon, tolerance=tolerance)
        guarded("tblEndringer", run_r, row=row)
    budget = tables["tblBudsjett"].frame
    balance_table = pd.DataFrame(columns=[c.name for c in L.BALANSE.columns])
    if len(budget):
        art_problems, sign_check = _art_and_sign(tables["tblBudsjett"])
        problems += art_problems
        guarded("tblBudsjett", partial(plan_balance, budget, tolerance=tolerance))
        if sign_check is not None:
            checks.append(sign_check)
        try:
            balance_table = plan_balance_table(budget, tolerance=tolerance)
        except KommuneokonomiError as exc:
            errors = list(exc) if isinstance(exc, InputErrors) else [exc]
            fallback = first_cell(tables["tblBudsjett"])
            shown = {p.describe() for p in problems}  # plan_balance reported the same rows
            located = [locate(e, tables, fallback=fallback) for e in errors]
            problems += [e for e in located if e.describe() not in shown]
    measures = tables["tblTiltak"].frame
    if len(measures):
        guarded("tblTiltak", partial(one_off_financing, measures))
    for i, rec in enumerate(tables["tblMaltall"].frame.to_dict("records")):
        value = rec.get("verdi")
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        run_m = partial(
            financial_rule,
            float(value),
            limit=float(rec["grense"]),
            direction=str(rec["retning"] or ""),
            name=str(rec["maltall"] or ""),
        )
        guarded("tblMaltall", run_m, row=i)
    peer = tables["tblSammenligning"].frame
    summary = pd.DataFrame(columns=[c.name for c in L.SAMMENLIGNING_SNITT.columns])
    own = settings.get("Egen kommune")
    if len(peer):
        if not own:
            problems.append(
                settings.error(
                    "Egen kommune",
                    "må fylles ut når tblSammenligning har data",
                    "mangler_innstilling",
                )
            )
        else:
            try:
                summary = peer_table_summary(peer, own=own, skip_missing=True)
            except KommuneokonomiError as exc:
                if exc.code == "ukjent_kommune":
                    problems.append(settings.error("Egen kommune", exc.message, exc.code))
                else:
                    errors = list(exc) if isinstance(exc, InputErrors) else [exc]
                    fallback = first_cell(tables["tblSammenligning"])
                    problems += [locate(e, tables, fallback=fallback) for e in errors]
    InputErrors.raise_if_any(problems)

    sheet = OutputSheet(
        name="Kontroller",
        title="Kontroller: summer, balanse, finansiering og måltall",
        tables=[
            _checks_table(L.KONTROLLER, checks),
            OutputTable(
                L.BALANSE,
                balance_table[[c.name for c in L.BALANSE.columns]],
                _balance_formulas(len(balance_table)),
                beside=True,
            ),
            OutputTable(
                L.SAMMENLIGNING_SNITT,
                summary[[c.name for c in L.SAMMENLIGNING_SNITT.columns]],
                beside=True,
            ),
        ],
        charts=[
            ChartSpec(
                kind="line",
                table="tblSammenligningSnitt",
                categories="aar",
                series=("egen_verdi", "snitt_med_egen", "snitt_uten_egen"),
                title=f"{own or 'Egen kommune'} mot snittet",
                y_title=settings.get("Sammenligning: enhet") or "verdi (enhet ikke oppgitt)",
                anchor_column=9,  # right of tblSammenligningSnitt's eight columns
            )
        ]
        if len(summary)
        else [],
    )
    warnings = (
        []
        if checks
        else [
            "ingenting å kontrollere: tabellene tblBudsjett, tblTiltak, tblEndringer, "
            "tblSummer og tblMaltall har ingen rader med tall. Fyll dem inn (se "
            "eksempelarbeidsboken) før resultatet brukes"
        ]
    )
    return Recalculation(kind="budsjett", sheets=[sheet], checks=checks, warnings=warnings)


#: ``Art`` in tblBudsjett: the sign each kind must have (expenses +, income -)
_ARTS = {"utgift": 1, "utgifter": 1, "inntekt": -1, "inntekter": -1}


def _art_and_sign(table: ReadTable) -> tuple[list[KommuneokonomiError], CheckResult | None]:
    """``Art`` must be ``utgift`` or ``inntekt`` (or empty: the sign alone tells), and an
    amount's sign must match it. A positive income line otherwise shows up only as an
    "udekket underskudd" of twice its size; the check names every such cell."""
    if "art" not in table.frame:
        return [], None
    problems: list[KommuneokonomiError] = []
    wrong: list[str] = []
    for i, (art, belop) in enumerate(zip(table.frame["art"], table.frame["belop"], strict=True)):
        key = str(art or "").strip().casefold()
        if not key:
            continue
        if key not in _ARTS:
            problems.append(
                InputError(
                    f"'{art}' er ikke en gyldig art; bruk utgift eller inntekt",
                    code="ugyldig_art",
                    location=table.cell(i, "art"),
                )
            )
        elif isinstance(belop, int | float) and belop * _ARTS[key] < 0:
            wrong.append(f"{table.cell(i, 'belop').describe()} ({key} {number(float(belop))})")
    if not wrong:
        return problems, None
    shown = "; ".join(wrong[:5]) + (f" og {len(wrong) - 5} til" if len(wrong) > 5 else "")
    return problems, CheckResult(
        kontroll="Fortegn i tblBudsjett",
        status=ADVARSEL,
        verdi=float(len(wrong)),
        forventet=0.0,
        avvik=float(len(wrong)),
        forklaring=(
            f"{len(wrong)} linje{'r' if len(wrong) > 1 else ''} har fortegn som ikke passer "
            f"med Art: {shown}. Utgifter føres med pluss og inntekter med minus; et feil "
            "fortegn gir et underskudd eller overskudd på det dobbelte av beløpet."
        ),
    )


def _checks_table(spec: L.TableSpec, checks: list[CheckResult]) -> OutputTable:
    """tblKontroller: one row per check, Avvik as a formula; a rule on a share (netto
    driftsresultat 1,75 %) shows percentages."""
    frame = pd.DataFrame([asdict(c) for c in checks], columns=[c.name for c in spec.columns])
    return OutputTable(
        spec,
        frame,
        _check_formulas(len(frame)),
        cell_formats={
            (i, column): L.PERCENT
            for i, check in enumerate(checks)
            if check.andel
            for column in ("verdi", "forventet", "avvik")
        },
    )


def _check_formulas(n: int) -> Callable[[dict[str, Placement]], dict[tuple[int, str], str]]:
    """Avvik = Verdi - Forventet, so the user can trace each deviation."""

    def build(placed: dict[str, Placement]) -> dict[tuple[int, str], str]:
        me = placed["tblKontroller"]
        return {(i, "avvik"): f"{me.cell(i, 'verdi')}-{me.cell(i, 'forventet')}" for i in range(n)}

    return build


def _balance_formulas(n: int) -> Callable[[dict[str, Placement]], dict[tuple[int, str], str]]:
    """Netto = Utgifter + Inntekter (income is negative)."""

    def build(placed: dict[str, Placement]) -> dict[tuple[int, str], str]:
        me = placed["tblBalanse"]
        return {
            (i, "netto"): f"{me.cell(i, 'utgifter')}+{me.cell(i, 'inntekter')}" for i in range(n)
        }

    return build


# --- plan workbook (økonomiplan) --------------------------------------------------------------

#: ``Enhet`` in a plan workbook's settings: kroner per unit.
_UNITS = {"mill. kr": 1_000_000.0, "mill kr": 1_000_000.0, "1000 kr": 1000.0, "kr": 1.0}


def plan_settings(settings: SettingsTable) -> PlanSettings:
    """The plan's settings, every problem reported at its cell."""
    problems: list[KommuneokonomiError] = []

    def number_of(key: str) -> float | None:
        """The setting as a number as Norwegians write it (parse_number), None when empty;
        text that is no number is reported at its cell."""
        text = settings.get(key)
        if not text:
            return None
        try:
            value, symbol = parse_number(text)
        except ValueError:
            symbol, value = "", math.nan
        if symbol is not None or not math.isfinite(value):
            problems.append(settings.error(key, f"'{text}' er ikke et tall", "ugyldig_tall"))
            return None
        return value

    def whole(key: str, *, default: int | None = None, low: int, high: int) -> int | None:
        if not settings.get(key):
            if default is None:
                problems.append(
                    settings.error(key, "må fylles ut (et helt tall)", "mangler_innstilling")
                )
            return default
        value = number_of(key)
        if value is None:
            return default
        if value != int(value) or not low <= value <= high:
            problems.append(
                settings.error(
                    key,
                    f"'{settings.get(key)}' er ikke et helt tall fra {low} til {high}",
                    "ugyldig_tall",
                )
            )
            return default
        return int(value)

    base = whole("Budsjettår", low=1900, high=2200)
    years = whole("Antall planår", default=4, low=1, high=10)
    unit_text = settings.get("Enhet") or "mill. kr"
    unit_kr = _UNITS.get(" ".join(unit_text.casefold().split()))
    if unit_kr is None:
        problems.append(
            settings.error(
                "Enhet", f"'{unit_text}' er ukjent; bruk mill. kr, 1000 kr eller kr", "ugyldig_valg"
            )
        )
    tolerance = number_of("Toleranse")
    if tolerance is not None and tolerance < 0:
        problems.append(settings.error("Toleranse", "kan ikke være negativ", "ugyldig_toleranse"))
    depreciation, assets = number_of("Avskrivninger"), number_of("Avskrivbare anleggsmidler")
    if assets is not None and assets <= 0:
        problems.append(
            settings.error(
                "Avskrivbare anleggsmidler",
                "må være over 0 for å beregne minste avdrag (kommuneloven § 14-18)",
                "ikke_positiv",
            )
        )
    if (depreciation is None) != (assets is None):
        missing = "Avskrivbare anleggsmidler" if assets is None else "Avskrivninger"
        problems.append(
            settings.error(
                missing,
                "må fylles ut sammen med "
                + ("Avskrivninger" if missing != "Avskrivninger" else "Avskrivbare anleggsmidler")
                + " for å beregne minste avdrag",
                "mangler_innstilling",
            )
        )
    fund, debt = number_of("Disposisjonsfond ved start"), number_of("Lånegjeld ved start")
    if depreciation is not None and debt is None:
        problems.append(
            settings.error(
                "Lånegjeld ved start",
                "må fylles ut for å beregne minste avdrag",
                "mangler_innstilling",
            )
        )
    InputErrors.raise_if_any(problems)
    assert base is not None and years is not None and unit_kr is not None
    return PlanSettings(
        base_year=base,
        years=years,
        unit_kr=unit_kr,
        unit=unit_text,
        fund_start=fund,
        debt_start=debt,
        depreciation=depreciation,
        assets=assets,
        tolerance=tolerance,
        alternative=settings.get("Befolkningsalternativ") or None,
    )


def _recalculate_plan(tables: dict[str, ReadTable]) -> Recalculation:
    """The four-year plan: demography, capital costs, rules, and the measures that close
    the gap (engine/plan.py); every input problem at its cell."""
    settings = SettingsTable(tables["tblInnstillinger"])
    config = plan_settings(settings)

    def located(e: KommuneokonomiError) -> KommuneokonomiError:
        table = tables.get(e.context.tabell or "")
        fallback = first_cell(table) if table is not None else settings.where("Budsjettår")
        return locate(e, tables, fallback=fallback)

    with _located(located):
        result = four_year_plan(
            frame=tables["tblRamme"].frame,
            changes=tables["tblPlanendringer"].frame,
            population=tables["tblBefolkning"].frame,
            rates=tables["tblSatser"].frame,
            investments=tables["tblInvesteringer"].frame,
            interest=tables["tblRenter"].frame,
            measures=tables["tblTiltaksliste"].frame,
            rules=tables["tblMaltall"].frame,
            settings=config,
        )

    unit = config.unit
    years = result.years
    plan_frame = years[[c.name for c in L.PLAN.columns]]
    n = len(plan_frame)
    choices = [("Valgt", c) for c in result.solution.chosen] + [
        (f"Alternativ {k}", c)
        for k, alt in enumerate(result.solution.alternatives, start=1)
        for c in alt
    ]
    choice_frame = pd.DataFrame(
        [
            {
                "losning": label,
                "tiltak": c.tiltak,
                "omrade": c.omrade,
                "varighet": c.varighet,
                "prioritet": c.prioritet,
                "fra_aar": c.start,
                "belop": c.belop,
                "konsekvens": c.konsekvens,
            }
            for label, c in choices
        ],
        columns=[c.name for c in L.TILTAKSVALG.columns],
    )
    checks = result.checks
    own = settings.get("Egen kommune")
    first, last = config.plan_years[0], config.plan_years[-1]
    sheets = [
        OutputSheet(
            name="Plan",
            title=f"Økonomiplan {first}-{last}"
            + (f" for {own}" if own else "")
            + f" ({unit}, faste {config.base_year}-priser)",
            tables=[OutputTable(L.PLAN, plan_frame, _plan_formulas(n))],
            charts=[
                ChartSpec(
                    kind="column",
                    table="tblPlan",
                    categories="aar",
                    # three adjacent columns: the live writer charts one block of columns
                    series=("ubalanse_for", "tiltak", "ubalanse_etter"),
                    title="Ubalanse per år før og etter tiltak",
                    y_title=unit,
                    anchor_column=len(L.PLAN.columns) + 1,
                )
            ],
        ),
        OutputSheet(
            name="Demografi",
            title=f"Demografikostnad per sektor ({unit}, endring fra {config.base_year})",
            tables=[OutputTable(L.DEMOGRAFI, result.demography)],
        ),
        OutputSheet(
            name="Kapital",
            title=f"Investeringer, renter og avdrag ({unit})",
            tables=[OutputTable(L.KAPITAL, result.capital[[c.name for c in L.KAPITAL.columns]])],
        ),
        OutputSheet(
            name="Tiltaksvalg",
            title="Tiltak som lukker gapet"
            if result.solution.closes
            else "Tiltakene lukker ikke gapet: se Kontroller for hva som mangler",
            tables=[OutputTable(L.TILTAKSVALG, choice_frame)],
        ),
        OutputSheet(
            name="Kontroller",
            title="Kontroller: balanse, måltall, finansiering og minste avdrag per planår",
            tables=[_checks_table(L.P_KONTROLLER, checks)],
        ),
    ]
    unbalanced = {t: c for t, c in result.balance.items() if c.status == AVVIK}
    warnings = [
        f"tiltakene lukker ikke gapet i {t}: {c.forklaring}" for t, c in unbalanced.items()
    ] + [
        f"tiltakene er ikke nok til å nå måltallene i {t}: det mangler {number(v)} {unit}"
        for t, v in result.solution.missing.items()
        if v > 0 and t not in unbalanced
    ]
    return Recalculation(
        kind="plan",
        sheets=sheets,
        checks=checks,
        warnings=warnings,
        plan=plan_frame,
        measures=choice_frame,
    )


def _plan_formulas(n: int) -> Callable[[dict[str, Placement]], dict[tuple[int, str], str]]:
    """Ubalanse før = Ramme + Endringer + Demografi + Kapitalkostnader; etter = før - Tiltak."""

    def build(placed: dict[str, Placement]) -> dict[tuple[int, str], str]:
        me = placed["tblPlan"]
        out: dict[tuple[int, str], str] = {}
        for i in range(n):
            parts = ("ramme", "endringer", "demografi", "kapitalkostnader")
            out[(i, "ubalanse_for")] = "+".join(me.cell(i, c) for c in parts)
            out[(i, "ubalanse_etter")] = f"{me.cell(i, 'ubalanse_for')}-{me.cell(i, 'tiltak')}"
        return out

    return build
