"""Recalculation: read a workbook's tables, validate, call the engine, build the output sheets.

The one path used by the command line and by the Excel buttons. It works on any object with
the small :class:`BookReader` interface (the file adapter and the live xlwings adapter), and
returns :class:`Recalculation` results that the adapter writes back: nothing is written until
everything has been computed.

Engine errors carry kommune, indikator and år; here they get the cell they came from.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Protocol

import pandas as pd

from .engine.balance import (
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
from .engine.keytable import key_figure_table
from .engine.references import MeanOptions, ReferenceSpec
from .engine.savings import (
    IndicatorSpec,
    SavingsSettings,
    indicators_from_frame,
    savings_table,
    sector_totals,
)
from .engine.values import ERROR_COLUMN
from .errors import (
    InputError,
    InputErrors,
    KommuneokonomiError,
    LayoutError,
    Location,
)
from .national import is_national, recalculate_national
from .workbook import layout as L
from .workbook.files import ChartSpec, OutputSheet, OutputTable, Placement
from .workbook.tables import RawTable, ReadTable, to_frame

__all__ = ["BookReader", "Recalculation", "read_tables", "recalculate"]

_YES = {"ja", "j", "yes", "true", "sann", "1"}
_NO = {"nei", "n", "no", "false", "usann", "0", ""}


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
        kind: ``innsparing`` or ``budsjett``.
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

    @property
    def has_deviation(self) -> bool:
        return any(c.status == AVVIK for c in self.checks)


def read_tables(book: BookReader, specs: tuple[L.TableSpec, ...]) -> dict[str, ReadTable]:
    """Read and validate every input table; report all problems of all tables together."""
    tables, problems = _read_all(book, specs)
    InputErrors.raise_if_any(problems)
    return tables


def _read_all(
    book: BookReader, specs: tuple[L.TableSpec, ...]
) -> tuple[dict[str, ReadTable], list[KommuneokonomiError]]:
    """Every input table that could be read, and the problems of those that could not."""
    present = book.table_names()
    problems: list[KommuneokonomiError] = []
    tables: dict[str, ReadTable] = {}
    for spec in specs:
        if spec.output:
            continue
        if spec.name not in present:
            problems.append(
                LayoutError(
                    f"fant ikke tabellen {spec.name}; den skal ligge på arket '{spec.sheet}'",
                    code="mangler_tabell",
                    location=Location(file=book.name, sheet=spec.sheet),
                )
            )
            continue
        try:
            tables[spec.name] = to_frame(book.read_table(spec), spec)
        except InputErrors as many:
            problems += list(many)
        except KommuneokonomiError as exc:
            problems.append(exc)
    return tables, problems


class _OnceReader:
    """Reads each named table from the adapter at most once per recalculation (the settings
    are looked at before the path is chosen, and again by that path)."""

    def __init__(self, book: BookReader) -> None:
        self._book = book
        self._tables: dict[str, RawTable] = {}
        self._names: set[str] | None = None

    @property
    def name(self) -> str:
        return self._book.name

    def table_names(self) -> set[str]:
        if self._names is None:
            self._names = self._book.table_names()
        return self._names

    def read_table(self, spec: L.TableSpec) -> RawTable:
        if spec.name not in self._tables:
            self._tables[spec.name] = self._book.read_table(spec)
        return self._tables[spec.name]


def recalculate(book: BookReader) -> Recalculation:
    """Recalculate a savings or budget workbook (told apart by the tables it holds)."""
    book = _OnceReader(book)
    kind = L.kind_of_tables(book.table_names())
    if kind is None:
        raise LayoutError(
            "arbeidsboken har verken tabellene for innsparingsanalyse (tblData, tblIndikatorer) "
            "eller for budsjettkontroll (tblBudsjett, tblSummer, ...). Lag en ny med "
            "'kommuneokonomi new'.",
            code="ukjent_arbeidsbok",
            location=Location(file=book.name),
        )
    if kind == "innsparing":
        national = _national_settings(book)
        if national is not None:
            return national
        return _recalculate_savings(*_read_all(book, L.SAVINGS))
    tables, problems = _read_all(book, L.BUDGET)
    InputErrors.raise_if_any(problems)
    return _recalculate_budget(tables)


def wants_national(book: BookReader) -> bool:
    """Whether a savings workbook's ``Egen kommune`` is ``Alle`` (read from the settings only)."""
    if "tblInnstillinger" not in book.table_names():
        return False
    try:
        settings = _Settings(to_frame(book.read_table(L.INNSTILLINGER), L.INNSTILLINGER))
    except KommuneokonomiError:
        return False  # the usual path reports the problem with its cell
    return is_national(settings.get("Egen kommune"))


def _national_settings(book: BookReader) -> Recalculation | None:
    """The national recalculation if ``Egen kommune`` is ``Alle``, else None."""
    if not wants_national(book):
        return None
    settings = _Settings(to_frame(book.read_table(L.INNSTILLINGER), L.INNSTILLINGER))
    include = settings.get("Snitt: ta med egen kommune", "Nei").casefold()
    if include not in _YES | _NO:
        raise settings.error(
            "Snitt: ta med egen kommune", f"'{include}' er ikke Ja eller Nei", "ugyldig_ja_nei"
        )
    missing = [
        s.name for s in (L.DATA, L.KOMMUNER, L.INDIKATORER) if s.name not in book.table_names()
    ]
    if missing:
        raise LayoutError(
            f"fant ikke tabellen {missing[0]}",
            code="mangler_tabell",
            location=Location(file=book.name),
        )
    result = recalculate_national(
        data=book.read_table(L.DATA),
        kommuner=book.read_table(L.KOMMUNER),
        indikatorer=book.read_table(L.INDIKATORER),
        referanse_1=settings.get("Referanse 1", "snitt") or "snitt",
        referanse_2=settings.get("Referanse 2", "3. beste") or "3. beste",
        include_own=include in _YES,
        settings_cell=settings.where("Egen kommune"),
        year=_optional_year(settings),
    )
    return Recalculation(kind="innsparing", sheets=result.sheets, national=result.summary)


def _optional_year(settings: _Settings) -> int | None:
    """The settings' År for the national output table; blank means every year."""
    text = settings.get("År").replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value.is_integer():
        raise settings.error("År", f"'{text}' er ikke et gyldig årstall", "ugyldig_aar")
    return int(value)


# --- settings -------------------------------------------------------------------------------


class _Settings:
    """The ``tblInnstillinger`` pairs with the cell of each value."""

    def __init__(self, table: ReadTable) -> None:
        self.table = table
        self.values: dict[str, str] = {}
        self.rows: dict[str, int] = {}
        for i, rec in enumerate(table.frame.to_dict("records")):
            key = str(rec.get("innstilling") or "").strip()
            if key:
                self.values[key.casefold()] = "" if rec.get("verdi") is None else str(rec["verdi"])
                self.rows[key.casefold()] = i

    def get(self, key: str, default: str = "") -> str:
        return self.values.get(key.casefold(), default).strip()

    def has(self, key: str) -> bool:
        return key.casefold() in self.rows

    def where(self, key: str) -> Location:
        row = self.rows.get(key.casefold())
        if row is None:
            return self.table.raw.location(None, 0)
        return self.table.cell(row, "verdi")

    def error(self, key: str, message: str, code: str) -> InputError:
        if not self.has(key):
            return InputError(
                f"innstillingen '{key}' mangler i tabellen {self.table.spec.name}; legg til en "
                f"rad med Innstilling '{key}' og en verdi",
                code="mangler_innstilling",
                location=self.where(key),
            )
        return InputError(f"innstillingen '{key}': {message}", code=code, location=self.where(key))


def _savings_settings(settings: _Settings, kommuner: ReadTable | None) -> SavingsSettings:
    """Validate the savings settings; without a readable tblKommuner (its own problems are
    reported already) the checks against the comparison group are left out."""
    problems: list[KommuneokonomiError] = []
    own = settings.get("Egen kommune")
    if not own:
        problems.append(settings.error("Egen kommune", "mangler verdi", "mangler_innstilling"))
    year_text = settings.get("År")
    year = 0
    try:
        if not year_text:
            raise ValueError
        year = int(float(year_text.replace(",", ".")))
        if not float(year_text.replace(",", ".")).is_integer() or not 1900 <= year <= 2200:
            raise ValueError
    except (ValueError, OverflowError):
        problems.append(
            settings.error(
                "År",
                f"'{year_text}' er ikke et gyldig årstall (skriv et helt år, f.eks. 2007)"
                if year_text
                else "mangler verdi (skriv et helt år, f.eks. 2007)",
                "ugyldig_aar",
            )
        )
    group = settings.get("Sammenligningsgruppe")
    frame = kommuner.frame if kommuner is not None else None
    members = (
        []
        if frame is None
        else [
            str(k).strip()
            for k, g in zip(frame["kommune"], frame["gruppe"], strict=True)
            if k and str(g or "").strip().casefold() == group.casefold()
        ]
    )
    # names in the settings match the tables without regard to case: use the table's spelling
    canonical = {m.casefold(): m for m in members}
    if not group:
        problems.append(
            settings.error(
                "Sammenligningsgruppe",
                "mangler verdi (skriv en gruppe fra kolonnen Gruppe i tblKommuner, f.eks. ASSS)",
                "mangler_innstilling",
            )
        )
    elif frame is None:
        pass  # tblKommuner could not be read: its problems are reported instead
    elif not members:
        problems.append(
            settings.error(
                "Sammenligningsgruppe",
                f"gruppen '{group}' har ingen kommuner i tabellen tblKommuner",
                "ukjent_gruppe",
            )
        )
    elif own and own.casefold() not in canonical:
        problems.append(
            settings.error(
                "Egen kommune",
                f"'{own}' er ikke med i sammenligningsgruppen '{group}' i tblKommuner",
                "ukjent_kommune",
            )
        )
    own = canonical.get(own.casefold(), own)
    refs = {}
    for key, default in (("Referanse 1", "snitt"), ("Referanse 2", "3. beste")):
        refs[key] = settings.get(key, default) or default
        try:
            spec = ReferenceSpec.parse(refs[key])
            if spec.kind == "kommune" and members and str(spec.kommune).casefold() not in canonical:
                raise InputError(
                    f"'{spec.kommune}' er ikke en kommune i gruppen '{group}'",
                    code="ukjent_kommune",
                )
            if spec.kind == "nte_beste" and spec.n < 1:
                raise InputError(
                    f"'{refs[key]}': nummeret må være minst 1 (1. beste er den beste)",
                    code="ugyldig_referanse",
                )
            if spec.kind == "nte_beste" and members and spec.n > len(members) - 1:
                raise InputError(
                    f"'{refs[key]}': gruppen '{group}' har bare {len(members) - 1} andre kommuner",
                    code="for_faa_kommuner",
                )
        except KommuneokonomiError as exc:
            problems.append(settings.error(key, exc.message, exc.code))
    include_text = settings.get("Snitt: ta med egen kommune", "Nei")
    include = include_text.casefold()
    if include not in _YES | _NO:
        problems.append(
            settings.error(
                "Snitt: ta med egen kommune",
                f"'{include_text}' er ikke Ja eller Nei",
                "ugyldig_ja_nei",
            )
        )
    exclude = tuple(x.strip() for x in settings.get("Snitt: utelat").split(",") if x.strip())
    for name in exclude:
        if members and name.casefold() not in canonical:
            problems.append(
                settings.error(
                    "Snitt: utelat",
                    f"'{name}' er ikke en kommune i gruppen '{group}'",
                    "ukjent_kommune",
                )
            )
    exclude = tuple(canonical.get(x.casefold(), x) for x in exclude)
    weight = settings.get("Snitt: vekt") or None
    InputErrors.raise_if_any(problems)
    return SavingsSettings(
        egen_kommune=own,
        aar=year,
        kommuner=tuple(members),
        referanse_1=refs["Referanse 1"],
        referanse_2=refs["Referanse 2"],
        snitt=MeanOptions(
            include_own=include in _YES, exclude=exclude, weighted=weight is not None
        ),
        snitt_vekt=weight,
    )


# --- savings workbook -----------------------------------------------------------------------


def _recalculate_savings(
    tables: dict[str, ReadTable], problems: list[KommuneokonomiError]
) -> Recalculation:
    """Savings workbook. ``problems`` holds what reading the tables found; the settings and
    indicator tables are still checked so the user sees every problem in one run."""
    config: SavingsSettings | None = None
    indicators: list[IndicatorSpec] = []
    if "tblInnstillinger" in tables:
        try:
            config = _savings_settings(
                _Settings(tables["tblInnstillinger"]), tables.get("tblKommuner")
            )
        except KommuneokonomiError as exc:
            problems += list(exc) if isinstance(exc, InputErrors) else [exc]
    if "tblIndikatorer" in tables:
        indicators_t = tables["tblIndikatorer"]
        try:
            indicators = indicators_from_frame(indicators_t.frame)
        except KommuneokonomiError as exc:
            errors = list(exc) if isinstance(exc, InputErrors) else [exc]
            problems += [_locate_indicator(e, indicators_t) for e in errors]
    for name, what in (("tblIndikatorer", "indikator"), ("tblData", "verdi")):
        if name in tables and tables[name].frame.empty:
            problems.append(
                InputError(
                    f"tabellen {name} har ingen rader; legg inn minst én {what}",
                    code="tom_tabell",
                    location=tables[name].raw.location(None, 0),
                )
            )
    InputErrors.raise_if_any(problems)
    assert config is not None
    settings = _Settings(tables["tblInnstillinger"])
    data_t = tables["tblData"]
    try:
        lines = savings_table(data_t.frame, indicators, config)
    except InputErrors as many:
        raise InputErrors([_locate_savings(e, tables, settings, config) for e in many]) from None
    except KommuneokonomiError as exc:
        raise _locate_savings(exc, tables, settings, config) from None
    sectors = sector_totals(lines)
    try:
        keys = key_figure_table(data_t.frame)
    except InputErrors as many:
        raise InputErrors([_locate_savings(e, tables, settings, config) for e in many]) from None
    except KommuneokonomiError as exc:
        raise _locate_savings(exc, tables, settings, config) from None
    sheet = OutputSheet(
        name="Innsparing",
        title=(
            f"Innsparingsmuligheter for {config.egen_kommune} {config.aar} "
            f"(referanse 1: {config.referanse_1}, referanse 2: {config.referanse_2}), mill. kr"
        ),
        tables=[
            OutputTable(L.INNSPARING, lines[list(c.name for c in L.INNSPARING.columns)]),
            OutputTable(L.INNSPARING_SEKTOR, sectors, _sector_formulas(len(sectors))),
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
    if len(keys):  # only where the data hold the inputs (R Tabell 1-3 style series)
        sheets.append(
            OutputSheet(
                name="Nøkkeltall",
                title="Nøkkeltall: vekst, netto driftsresultat, investeringer og gjeld",
                tables=[OutputTable(L.NOKKELTALL, keys)],
            )
        )
    return Recalculation(
        kind="innsparing", sheets=sheets, sectors=sectors, lines=lines, key_figures=keys
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


def _locate_indicator(err: KommuneokonomiError, table: ReadTable) -> KommuneokonomiError:
    if err.location is not None:
        return err
    row = table.find_row(indikator=err.context.indikator) if err.context.indikator else None
    if err.context.rad is not None:
        row = err.context.rad
    column = err.context.kolonne or {
        "ugyldig_beste": "beste",
        "ugyldig_beregning": "beregning",
        "ugyldig_faktor": "faktor",
        "mangler_volum": "volum",
    }.get(err.code, "indikator")
    if row is None or (row, column) not in table.cells:
        return err.at(table.raw.location(None, 0))
    return err.at(table.cell(row, column))


def _locate_savings(
    err: KommuneokonomiError,
    tables: dict[str, ReadTable],
    settings: _Settings,
    config: SavingsSettings,
) -> KommuneokonomiError:
    """Find the cell an engine error is about."""
    if err.location is not None:
        return err
    ctx = err.context
    data, ind = tables["tblData"], tables["tblIndikatorer"]
    column = ERROR_COLUMN.get(err.code, "verdi")
    if ctx.rad is not None and (ctx.rad, column) in data.cells:
        return err.at(data.cell(ctx.rad, column))
    if err.code == "ugyldig_vekt":
        row = data.find_row(kommune=ctx.kommune, indikator=config.snitt_vekt, aar=config.aar)
        return err.at(data.cell(row, "verdi") if row is not None else settings.where("Snitt: vekt"))
    if err.code in {"ugyldig_rate", "ikke_positiv"} and ctx.kommune and ctx.indikator:
        row = data.find_row(kommune=ctx.kommune, indikator=ctx.indikator, aar=ctx.aar)
        if row is not None:
            return err.at(data.cell(row, "verdi"))
    if (
        err.code in {"ikke_tall", "duplikat", "mangler_verdi", "ugyldig_aar", "null_egen_verdi"}
        and ctx.kommune
    ):
        match: dict[str, object] = {"kommune": ctx.kommune, "indikator": ctx.indikator or ""}
        if ctx.aar is not None:
            match["aar"] = ctx.aar
        rows = data.find_rows(**match)
        if rows:
            return err.at(data.cell(rows[-1], "verdi"))
        if err.code == "mangler_verdi" and ctx.indikator:
            row = ind.find_row(indikator=ctx.indikator)
            if row is not None:
                return err.at(ind.cell(row, "indikator"))
    if ctx.kolonne in {"referanse_1", "referanse_2"} and ctx.indikator:
        # the indicator's own reference if it has one, else the setting it falls back on
        row = ind.find_row(indikator=ctx.indikator)
        if row is not None and str(ind.frame.at[row, ctx.kolonne] or "").strip():
            return err.at(ind.cell(row, ctx.kolonne))
        return err.at(settings.where("Referanse " + ctx.kolonne[-1]))
    if err.code in {"ugyldig_volum", "for_stort_tall"} and ctx.indikator:
        row = ind.find_row(indikator=ctx.indikator)
        if row is not None:
            volum = ind.frame.at[row, "volum"]
            data_row = data.find_row(kommune=config.egen_kommune, indikator=volum, aar=config.aar)
            return err.at(
                data.cell(data_row, "verdi") if data_row is not None else ind.cell(row, "volum")
            )
    if err.code == "ukjent_indikator" and ctx.indikator and ctx.kolonne in {"indikator", "volum"}:
        row = ind.find_row(indikator=ctx.indikator)
        if row is not None:
            return err.at(ind.cell(row, ctx.kolonne))
    if err.code == "ukjent_indikator" and ctx.indikator:
        for column in ("indikator", "volum"):
            row = ind.find_row(**{column: ctx.indikator})
            if row is not None:
                return err.at(ind.cell(row, column))
        return err.at(settings.where("Snitt: vekt"))
    if err.code == "ukjent_kommune" and ctx.kommune:
        if _eq(ctx.kommune, config.egen_kommune):
            return err.at(settings.where("Egen kommune"))
        row = tables["tblKommuner"].find_row(kommune=ctx.kommune)
        if row is not None:
            return err.at(tables["tblKommuner"].cell(row, "kommune"))
    if ctx.indikator:
        row = ind.find_row(indikator=ctx.indikator)
        if row is not None:
            column = (
                "referanse_2"
                if err.code in {"for_faa_kommuner", "ugyldig_referanse"}
                else "indikator"
            )
            return err.at(ind.cell(row, column))
    if ctx.aar is not None:
        return err.at(settings.where("År"))
    return err.at(data.raw.location(None, 0))


def _eq(a: object, b: object) -> bool:
    return str(a or "").strip().casefold() == str(b or "").strip().casefold()


# --- budget workbook ------------------------------------------------------------------------


def _recalculate_budget(tables: dict[str, ReadTable]) -> Recalculation:
    settings = _Settings(tables["tblInnstillinger"])
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
                if row is not None and e.location is None:
                    column = e.context.kolonne or ""
                    if column not in t.frame:
                        column = t.spec.columns[-1].name
                    problems.append(e.at(t.cell(row, column)))
                else:
                    problems.append(_locate_budget(e, t))

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
        guarded("tblBudsjett", partial(plan_balance, budget, tolerance=tolerance))
        try:
            balance_table = plan_balance_table(budget, tolerance=tolerance)
        except KommuneokonomiError as exc:
            problems.append(_locate_budget(exc, tables["tblBudsjett"]))
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
                summary = peer_table_summary(peer.dropna(subset=["verdi"]), own=own)
            except KommuneokonomiError as exc:
                if exc.code == "ukjent_kommune":
                    problems.append(settings.error("Egen kommune", exc.message, exc.code))
                else:
                    problems.append(_locate_budget(exc, tables["tblSammenligning"]))
    InputErrors.raise_if_any(problems)

    check_frame = pd.DataFrame(
        [asdict(c) for c in checks], columns=[c.name for c in L.KONTROLLER.columns]
    )
    sheet = OutputSheet(
        name="Kontroller",
        title="Kontroller: summer, balanse, finansiering og måltall",
        tables=[
            OutputTable(L.KONTROLLER, check_frame, _check_formulas(len(check_frame))),
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
                y_title="verdi",
                anchor_column=9,  # right of tblSammenligningSnitt's eight columns
            )
        ]
        if len(summary)
        else [],
    )
    return Recalculation(kind="budsjett", sheets=[sheet], checks=checks)


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


def _locate_budget(err: KommuneokonomiError, table: ReadTable) -> KommuneokonomiError:
    if err.location is not None:
        return err
    ctx = err.context
    column = ctx.kolonne or ""
    if column not in table.frame:
        column = table.spec.columns[0].name
    if ctx.rad is not None and (ctx.rad, column) in table.cells:
        return err.at(table.cell(ctx.rad, column))
    match: dict[str, object] = {}
    if ctx.aar is not None and "aar" in table.frame:
        match["aar"] = ctx.aar
    if ctx.kommune and "kommune" in table.frame:
        match["kommune"] = ctx.kommune
    row = table.find_row(**match) if match else None
    column = ctx.kolonne or ""
    if column not in table.frame:
        column = table.spec.columns[0].name
    if row is None:
        return err.at(table.raw.location(None, 0))
    return err.at(table.cell(row, column))
