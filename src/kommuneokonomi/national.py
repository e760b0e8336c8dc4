"""National mode: every municipality against its own group, all indicators and years.

A savings workbook whose setting ``Egen kommune`` is ``Alle`` is recalculated with the
vectorised cube (:mod:`kommuneokonomi.engine.cube`) instead of one municipality's table: each
municipality in ``tblKommuner`` is compared with the other members of its ``Gruppe`` (e.g. its
KOSTRA group), with the settings' two references, and the output ``tblInnsparingKommuner``
holds the savings per municipality, year and sector.

tblData may hold 700 000 rows here; it goes through the same column-wise readers as in the
per-municipality mode, and a problem still names its sheet and cell (the first
:data:`MAX_PROBLEMS` are listed, the rest counted).
"""

from __future__ import annotations

import pandas as pd

from .engine.cube import cube_sector_summary, savings_cube
from .engine.references import ReferenceSpec
from .engine.savings import IndicatorSpec, indicators_from_frame
from .engine.values import ERROR_COLUMN, clean_data
from .errors import InputError, InputErrors, KommuneokonomiError, Location
from .workbook import layout as L
from .workbook.files import OutputSheet, OutputTable
from .workbook.tables import RawTable, to_frame

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

    The same readers as every other table (:func:`~kommuneokonomi.workbook.tables.to_frame`,
    then :func:`~kommuneokonomi.engine.values.clean_data`), so a cell means the same in both
    modes; at most :data:`MAX_PROBLEMS` problems are listed, the rest counted.

    Raises:
        LayoutError: a required header is missing.
        InputErrors: cells that are not what their column needs (each with sheet and cell),
            blank names and duplicated rows.
    """
    table = to_frame(raw, L.DATA, limit=MAX_PROBLEMS)
    try:
        clean = clean_data(table.frame)
    except KommuneokonomiError as exc:
        errors = list(exc) if isinstance(exc, InputErrors) else [exc]
        located: list[KommuneokonomiError] = []
        for err in errors[:MAX_PROBLEMS]:
            row = err.context.rad
            column = ERROR_COLUMN.get(err.code, "verdi")
            if row is not None and (row, column) in table.cells:
                err = err.at(table.cell(row, column))
            located.append(err)
        if len(errors) > MAX_PROBLEMS:
            located.append(
                InputError(
                    f"... og {len(errors) - MAX_PROBLEMS} feil til i tblData", code="flere_feil"
                )
            )
        raise InputErrors(located) from None
    return clean[["kommune", "aar", "indikator", "verdi"]].reset_index(drop=True)


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
