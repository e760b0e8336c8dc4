"""National mode: every municipality against its own group, all indicators and years.

A savings workbook whose setting ``Egen kommune`` is ``Alle`` is recalculated with the
vectorised cube (:mod:`kommuneokonomi.engine.cube`) instead of one municipality's table: each
municipality in ``tblKommuner`` is compared with the other members of its ``Gruppe`` (e.g. its
KOSTRA group), with the settings' two references, and the output ``tblInnsparingKommuner``
holds the savings per municipality, year and sector.

tblData may hold 700 000 rows here, so it is validated column-wise (pandas) rather than
cell by cell; a problem still names its sheet and cell. The small tables go through the usual
cell-by-cell path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .engine.cube import cube_sector_summary, savings_cube
from .engine.references import ReferenceSpec
from .engine.savings import IndicatorSpec, indicators_from_frame
from .engine.values import MISSING_SYMBOLS
from .errors import InputError, InputErrors, KommuneokonomiError, LayoutError, Location
from .workbook import layout as L
from .workbook.files import OutputSheet, OutputTable
from .workbook.tables import EXCEL_ERRORS, RawTable, to_frame

__all__ = ["ALL", "NationalResult", "data_frame", "is_national", "recalculate_national"]

#: The value of ``Egen kommune`` that asks for every municipality.
ALL = frozenset({"alle", "alle kommuner"})
#: How many cell problems to list before the rest are only counted.
MAX_PROBLEMS = 50


def is_national(own: str) -> bool:
    """Whether the setting ``Egen kommune`` asks for the national comparison."""
    return own.strip().casefold() in ALL


class NationalResult:
    """The cube and its summary; ``sheets`` are the output sheets to write."""

    def __init__(self, cube: pd.DataFrame, summary: pd.DataFrame, sheets: list[OutputSheet]):
        self.cube = cube
        self.summary = summary
        self.sheets = sheets


def data_frame(raw: RawTable) -> pd.DataFrame:
    """tblData read column-wise: kommune, aar, indikator, verdi (float, NaN = missing).

    Raises:
        LayoutError: a required header is missing.
        InputErrors: cells that are not what their column needs (the first
            :data:`MAX_PROBLEMS`, each with sheet and cell), and duplicated rows.
    """
    headers = [str(h).strip().casefold() for h in raw.headers]
    pos: dict[str, int] = {}
    for column in L.DATA.columns:
        if column.header.casefold() not in headers:
            raise LayoutError(
                f"tabellen {L.DATA.name} mangler kolonnen '{column.header}'",
                code="mangler_kolonne",
                location=raw.location(None, len(raw.headers)),
            )
        pos[column.name] = headers.index(column.header.casefold())
    frame = pd.DataFrame(raw.rows, columns=range(len(raw.headers)), dtype=object)
    frame = frame[[pos[c.name] for c in L.DATA.columns]]
    frame.columns = [c.name for c in L.DATA.columns]
    blank = frame.isna().all(axis=1)
    frame = frame[~blank]
    problems: list[KommuneokonomiError] = []

    def flag(mask: pd.Series, column: str, message: str) -> None:
        for row in frame.index[mask.to_numpy()][: MAX_PROBLEMS - len(problems)]:
            value = frame.at[row, column]
            problems.append(
                InputError(
                    message.format(value=value),
                    code="ugyldig_celle",
                    location=raw.location(int(row), pos[column]),
                )
            )

    verdi = frame["verdi"]
    numeric = pd.to_numeric(
        verdi.where(verdi.map(lambda v: isinstance(v, int | float))), errors="coerce"
    )
    is_bool = verdi.map(lambda v: isinstance(v, bool))
    text = verdi.where(verdi.map(lambda v: isinstance(v, str)))
    stripped = text.str.strip()
    symbol = stripped.isin(MISSING_SYMBOLS) | (stripped == "")
    parsed = pd.to_numeric(
        stripped.str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace(
            ",", ".", regex=False
        ),
        errors="coerce",
    )
    bad_text = text.notna() & ~symbol & parsed.isna()
    errors = stripped.isin(EXCEL_ERRORS)
    flag(errors, "verdi", "kolonnen 'Verdi': cellen har Excel-feilen {value}")
    flag(bad_text & ~errors, "verdi", "kolonnen 'Verdi': '{value}' er ikke et tall")
    flag(is_bool, "verdi", "kolonnen 'Verdi': '{value}' er en sannhetsverdi, ikke et tall")
    years = pd.to_numeric(frame["aar"], errors="coerce")
    bad_year = years.isna() | (years.fillna(0) % 1 != 0)
    flag(bad_year, "aar", "kolonnen 'År': '{value}' er ikke et helt årstall")
    for name, header in (("kommune", "Kommune"), ("indikator", "Indikator")):
        flag(frame[name].isna(), name, f"kolonnen '{header}': cellen er tom")
    out = pd.DataFrame(
        {
            "kommune": frame["kommune"].astype(str).str.strip(),
            "aar": years.fillna(0).astype(np.int64),
            "indikator": frame["indikator"].astype(str).str.strip(),
            "verdi": numeric.where(~is_bool).fillna(parsed).where(~symbol.fillna(False)),
        }
    )
    duplicated = out.duplicated(subset=["kommune", "aar", "indikator"])
    flag(
        duplicated,
        "kommune",
        "raden for '{value}' står mer enn én gang (samme kommune, år og indikator)",
    )
    total = int((errors | bad_text | is_bool | bad_year | duplicated).sum())
    if problems:
        if total > len(problems):
            problems.append(
                InputError(f"... og {total - len(problems)} feil til i tblData", code="flere_feil")
            )
        raise InputErrors(problems)
    return out


def recalculate_national(
    *,
    data: RawTable,
    kommuner: RawTable,
    indikatorer: RawTable,
    referanse_1: str,
    referanse_2: str,
    include_own: bool,
    settings_cell: Location,
    year: int | None = None,
) -> NationalResult:
    """Every municipality against its group; ``settings_cell`` is where ``Egen kommune`` is.

    The cube covers every year in the data; the output table holds ``year`` (the settings'
    ``År``) or, when it is None, every year.
    """
    problems: list[KommuneokonomiError] = []
    indicators: list[IndicatorSpec] = []
    try:
        indicators = indicators_from_frame(to_frame(indikatorer, L.INDIKATORER).frame)
    except KommuneokonomiError as exc:
        problems += list(exc) if isinstance(exc, InputErrors) else [exc]
    groups_frame = to_frame(kommuner, L.KOMMUNER).frame
    groups = pd.Series(
        [str(g).strip() for g in groups_frame["gruppe"]],
        index=[str(k).strip() for k in groups_frame["kommune"]],
    )
    groups = groups[groups != ""]
    if groups.empty:
        problems.append(
            InputError(
                "'Alle' trenger en gruppe per kommune i tblKommuner (kolonnen Gruppe)",
                code="ukjent_gruppe",
                location=settings_cell,
            )
        )
    for ref in (referanse_1, referanse_2):
        if ReferenceSpec.parse(ref).kind == "median":
            problems.append(
                InputError(
                    "median støttes ikke for alle kommuner; bruk snitt, N. beste eller en kommune",
                    code="ugyldig_referanse",
                    location=settings_cell,
                )
            )
    try:
        frame = data_frame(data)
    except KommuneokonomiError as exc:
        problems += list(exc) if isinstance(exc, InputErrors) else [exc]
    InputErrors.raise_if_any(problems)
    cube = savings_cube(
        frame,
        indicators,
        groups,
        referanse_1=referanse_1,
        referanse_2=referanse_2,
        include_own=include_own,
    )
    summary = cube_sector_summary(cube)
    shown = summary if year is None else summary[summary["aar"] == year]
    sheet = OutputSheet(
        name="Innsparing",
        title=(
            f"Innsparingsmuligheter {'' if year is None else str(year) + ' '}for alle kommuner "
            f"mot egen gruppe (referanse 1: {referanse_1}, "
            f"referanse 2: {referanse_2}), mill. kr"
        ),
        tables=[
            OutputTable(
                L.INNSPARING_KOMMUNER, shown[[c.name for c in L.INNSPARING_KOMMUNER.columns]]
            )
        ],
    )
    return NationalResult(cube, summary, [sheet])
