"""The output sheets as data: what the engine wants written, and the plan every writer applies.

The service describes each output sheet once (:class:`OutputSheet`: a title, tables below or
beside each other, charts); :func:`plan_sheet` turns that description into a
:class:`SheetPlan`, pure data that says which value or formula (with the engine's value as
its cached result) goes into which cell, with which number format, widths, row heights, status
colours, charts and frozen rows. Two thin writers apply the plan:

* the file writer (:mod:`.files`) renders it with XlsxWriter and transplants the rendered
  sheets into the user's package (:mod:`.package`);
* the live writer (:mod:`.live`) writes it into an open xlwings Book.

:func:`check_table_names` answers, for every writer, whether an output table's name is taken by
a table that stays in the workbook (Excel requires table names to be unique in a workbook).

This module imports neither openpyxl, XlsxWriter nor xlwings, so the service (and the national
mode) can describe its output without loading a writer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import LayoutError, Location
from .layout import DECIMALS, NUMBER, OUTPUT_TABLE_NAMES, WHOLE, Column, TableSpec
from .tables import cell_address, column_letter

__all__ = [
    "CHART_HEIGHT_CM",
    "CHART_WIDTH_CM",
    "FROZEN_ROWS",
    "ROW_HEIGHT_PT",
    "STAMP_COLOR",
    "STATUS_COLORS",
    "TABLE_STYLE",
    "TITLE_SIZE",
    "ChartPlan",
    "ChartSpec",
    "Formula",
    "OutputSheet",
    "OutputTable",
    "Placement",
    "SheetPlan",
    "TablePlan",
    "check_sheet_owners",
    "check_table_names",
    "missing_to_none",
    "place_tables",
    "plan_sheet",
    "wraps",
]

#: Excel's built-in table style of every output table.
TABLE_STYLE = "TableStyleMedium2"
#: Fill colours (RGB) of the ``Status`` cells, applied by conditional formats ("equal to").
STATUS_COLORS = {"OK": "#C6EFCE", "AVVIK": "#FFC7CE", "ADVARSEL": "#FFEB9C"}
#: Font colour (RGB) of the stamp in A1 (italic); the title in A2 is bold, TITLE_SIZE points.
STAMP_COLOR = "#666666"
TITLE_SIZE = 14
#: Rows 1-4 stay visible when scrolling: stamp, title, an empty row, the first table's header.
FROZEN_ROWS = 4
#: Height of one line of text, in points (Excel's default row height for Calibri 11).
ROW_HEIGHT_PT = 15.0
#: Chart size in centimetres.
CHART_WIDTH_CM = 18.0
CHART_HEIGHT_CM = 9.0
#: Where the first table's header goes (rows 1-2 hold the stamp and title).
FIRST_TABLE_ROW = 4
_GAP_ROWS = 3  # empty rows between tables stacked on each other


@dataclass(frozen=True)
class Formula:
    """A formula cell and the value the engine computed for it (written as its cached value).

    Attributes:
        text: the formula without the leading ``=``, in Excel's English syntax.
        value: the engine's result; None if the engine has none (the cell then has no cached
            value, never a false 0).
    """

    text: str
    value: float | str | None


@dataclass(frozen=True)
class Placement:
    """Where a written table sits (Excel row/column numbers, 1-based; ``top`` is the header)."""

    top: int
    left: int
    n_rows: int
    columns: tuple[str, ...]

    def col(self, name: str) -> int:
        return self.left + self.columns.index(name)

    def cell(self, row: int, name: str, *, absolute: bool = False) -> str:
        """Address of data row ``row`` (0-based) in column ``name``."""
        letter, number = column_letter(self.col(name)), self.top + 1 + row
        return f"${letter}${number}" if absolute else f"{letter}{number}"

    def data_range(self, name: str) -> str:
        """Absolute address of a column's data cells, e.g. ``$G$5:$G$19``."""
        letter = column_letter(self.col(name))
        return f"${letter}${self.top + 1}:${letter}${self.top + max(self.n_rows, 1)}"


@dataclass
class OutputTable:
    """A table to write: the spec, the rows (engine column names) and optional formulas.

    ``formulas`` receives the placements of the tables already written on the sheet (and its
    own) and returns ``{(row, column): formula text}``; the frame's value is kept as the cached
    result.
    """

    spec: TableSpec
    frame: Any  # pandas.DataFrame with the spec's engine column names
    formulas: Callable[[dict[str, Placement]], dict[tuple[int, str], str]] | None = None
    beside: bool = False  # right of the sheet's first table (own columns) instead of below it
    #: (data row, column name) -> the cell's number format, where a cell's unit differs from
    #: its column's (a share among amounts on Kontroller, kroner among decimals)
    cell_formats: Mapping[tuple[int, str], str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChartSpec:
    """A native Excel chart over a written table."""

    kind: str  # "bar" (horizontal bars), "column" (vertical bars) or "line"
    table: str
    categories: str
    series: tuple[str, ...]
    title: str
    y_title: str  # the title of the value axis
    anchor_column: int  # columns to the right of the table's left edge
    skip_last_row: bool = False  # e.g. the Sum row of tblInnsparingSektor


@dataclass
class OutputSheet:
    """An output sheet: title, tables written top to bottom, charts to the right."""

    name: str
    title: str
    tables: list[OutputTable]
    charts: list[ChartSpec] = field(default_factory=list)


def place_tables(sheet: OutputSheet) -> list[Placement]:
    """Where each table of ``sheet`` goes; every writer places them so.

    Tables go below each other from row 4 with three empty rows between them; a table with
    ``beside=True`` goes right of the first table (one empty column between), stacked the
    same way from row 4.
    """
    below, beside_top, beside_left = FIRST_TABLE_ROW, FIRST_TABLE_ROW, 1
    placements: list[Placement] = []
    for out in sheet.tables:
        names = tuple(c.name for c in out.spec.columns)
        n = len(out.frame)
        if out.beside and placements:
            top, left = beside_top, beside_left
            beside_top += n + 1 + _GAP_ROWS
        else:
            top, left = below, 1
            below += n + 1 + _GAP_ROWS
        if not placements:
            beside_left = left + len(names) + 1
        placements.append(Placement(top=top, left=left, n_rows=n, columns=names))
    return placements


# --------------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------------


def missing_to_none(value: object) -> object:
    """A cell value as plain Python: numpy scalars become Python numbers, and NaN and infinity
    (which Excel cannot hold; the engine refuses them before this) become None."""
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def wraps(column: Column) -> bool:
    """Whether a column's data cells wrap their text (the long explanations)."""
    return column.name == "forklaring"


@dataclass(frozen=True)
class TablePlan:
    """One output table: where it goes and its cells.

    Attributes:
        spec: the table's contract (name, headers, number formats, widths).
        placement: where it goes; ``placement.n_rows`` counts the engine's rows.
        rows: the data rows in the spec's column order, at least one (an Excel table needs
            one; an empty table gets a row of None). Cells are plain Python values (None for
            missing) or :class:`Formula`. Text is kept as the engine made it: each writer makes
            sure text is stored as text (never a formula or a number).
    """

    spec: TableSpec
    placement: Placement
    rows: tuple[tuple[object, ...], ...]
    #: (data row, column index) -> number format, where a cell's differs from its column's
    cell_formats: Mapping[tuple[int, int], str] = field(default_factory=dict)

    @property
    def rows_with_own_formats(self) -> list[int]:
        return sorted({i for i, _ in self.cell_formats})

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.spec.columns)

    @property
    def values(self) -> list[list[object]]:
        """Header and rows as one grid (header first)."""
        return [list(self.header), *(list(r) for r in self.rows)]

    @property
    def bottom(self) -> int:
        """Excel row of the last data row."""
        return self.placement.top + len(self.rows)

    @property
    def right(self) -> int:
        """Excel column of the last column."""
        return self.placement.left + len(self.spec.columns) - 1

    @property
    def address(self) -> str:
        """The table's range, header included, e.g. ``A4:K19``."""
        top, left = self.placement.top, self.placement.left
        return f"{cell_address(top, left)}:{cell_address(self.bottom, self.right)}"

    @property
    def status_column(self) -> int | None:
        """Excel column of the ``Status`` cells (coloured by conditional formats), if any."""
        return self.placement.col("status") if "status" in self.placement.columns else None


@dataclass(frozen=True)
class ChartPlan:
    """A native chart over a written table.

    Attributes:
        spec: the description (kind, titles).
        top: Excel row of the table's header (the series names).
        bottom: Excel row of the last plotted row.
        series_columns: Excel columns of the series, in the spec's order.
        category_column: Excel column of the category labels.
        anchor_row, anchor_column: the cell the chart's top left corner sits on.
    """

    spec: ChartSpec
    top: int
    bottom: int
    series_columns: tuple[int, ...]
    category_column: int
    anchor_row: int
    anchor_column: int

    @property
    def anchor(self) -> str:
        return cell_address(self.anchor_row, self.anchor_column)


@dataclass(frozen=True)
class SheetPlan:
    """Everything to write on one output sheet.

    Attributes:
        name: the sheet's name.
        stamp: the text of A1 (time, engine version, input file).
        title: the text of A2.
        tables: the tables, in the order they are written.
        charts: the charts (a chart with nothing to plot is left out).
        widths: column (Excel number) -> width in characters; tables stacked on one sheet
            share columns, so each column gets the widest any table asks for.
        heights: row (Excel number) -> height in points, for header rows and rows with
            wrapped explanations (LibreOffice does not grow rows for wrapped text).
        frozen_rows: the rows that stay visible when scrolling (1 to ``frozen_rows``).
    """

    name: str
    stamp: str
    title: str
    tables: tuple[TablePlan, ...]
    charts: tuple[ChartPlan, ...]
    widths: Mapping[int, float]
    heights: Mapping[int, float]
    frozen_rows: int = FROZEN_ROWS

    def formulas(self) -> dict[str, Formula]:
        """Address -> formula of every formula cell on the sheet."""
        found: dict[str, Formula] = {}
        for t in self.tables:
            for i, row in enumerate(t.rows):
                for j, value in enumerate(row):
                    if isinstance(value, Formula):
                        found[cell_address(t.placement.top + 1 + i, t.placement.left + j)] = value
        return found


def plan_sheet(sheet: OutputSheet, *, stamp: str) -> SheetPlan:
    """The plan of one output sheet: cells, formulas with cached values, widths, heights and
    charts, exactly as every writer puts them.

    Args:
        sheet: the description from the service.
        stamp: the text of A1 (see :func:`kommuneokonomi.workbook.files.now_stamp`).
    """
    placements: dict[str, Placement] = {}
    tables: list[TablePlan] = []
    widths: dict[int, float] = {}
    heights: dict[int, float] = {}
    for out, placement in zip(sheet.tables, place_tables(sheet), strict=True):
        names = list(placement.columns)
        rows: list[list[object]] = [
            [missing_to_none(rec.get(n)) for n in names] for rec in out.frame.to_dict("records")
        ]
        placements[out.spec.name] = placement
        if out.formulas is not None:
            for (i, name), text in out.formulas(placements).items():
                j = names.index(name)
                value = rows[i][j]
                cached = value if isinstance(value, int | float | str) else None
                rows[i][j] = Formula(text, cached)
        if not rows:  # an Excel table needs at least one data row
            rows = [[None] * len(names)]
        columns = out.spec.columns
        for j, column in enumerate(columns):
            if column.width:
                col = placement.left + j
                widths[col] = max(column.width, widths.get(col, 0.0))
        # the header's lines: the longest header relative to its column's width
        longest = max((len(c.header) / (c.width or 10) for c in columns), default=1)
        _taller(heights, placement.top, ROW_HEIGHT_PT * max(1, math.ceil(longest)))
        for j, column in enumerate(columns):
            if not wraps(column):
                continue
            for i, row in enumerate(rows[: placement.n_rows]):
                text = "" if row[j] is None else str(row[j])
                lines = math.ceil(len(text) / ((column.width or 60) * 1.1))
                _taller(heights, placement.top + 1 + i, ROW_HEIGHT_PT * max(1, lines))
        own = {
            (i, names.index(name)): fmt
            for (i, name), fmt in out.cell_formats.items()
            if i < placement.n_rows
        }
        tables.append(
            TablePlan(
                spec=out.spec,
                placement=placement,
                rows=tuple(tuple(r) for r in rows),
                cell_formats=own | _plain_number_formats(columns, rows[: placement.n_rows], own),
            )
        )
    charts = tuple(c for c in (_plan_chart(s, placements) for s in sheet.charts) if c is not None)
    return SheetPlan(
        name=sheet.name,
        stamp=stamp,
        title=sheet.title,
        tables=tuple(tables),
        charts=charts,
        widths=widths,
        heights=heights,
    )


def _plain_number_formats(
    columns: Sequence[Column],
    rows: Sequence[Sequence[object]],
    given: Mapping[tuple[int, int], str],
) -> dict[tuple[int, int], str]:
    """Formats for the cells of plain-number columns (:data:`.layout.NUMBER`): a whole number
    without decimals (``24 230``, not ``24 230,``), others with one or two (``26,4``)."""
    found: dict[tuple[int, int], str] = {}
    for j, column in enumerate(columns):
        if column.number_format != NUMBER:
            continue
        for i, row in enumerate(rows):
            cell = row[j]
            value = cell.value if isinstance(cell, Formula) else cell
            if (i, j) in given or isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if math.isfinite(value):
                found[i, j] = WHOLE if float(value).is_integer() else DECIMALS
    return found


def _taller(heights: dict[int, float], row: int, points: float) -> None:
    # two tables beside each other share their header row: it takes the taller header
    heights[row] = max(points, heights.get(row, 0.0))


def _plan_chart(spec: ChartSpec, placements: dict[str, Placement]) -> ChartPlan | None:
    placement = placements[spec.table]
    last = placement.top + placement.n_rows - (1 if spec.skip_last_row else 0)
    if last <= placement.top:
        return None  # nothing to plot
    return ChartPlan(
        spec=spec,
        top=placement.top,
        bottom=last,
        series_columns=tuple(placement.col(s) for s in spec.series),
        category_column=placement.col(spec.categories),
        anchor_row=placement.top,
        anchor_column=placement.left + spec.anchor_column,
    )


# --------------------------------------------------------------------------------------------
# Table names
# --------------------------------------------------------------------------------------------


def check_table_names(
    sheets: Sequence[OutputSheet] | Sequence[SheetPlan],
    taken: Mapping[str, str | None],
    *,
    file: str | None = None,
) -> None:
    """Refuse output tables whose names are already used in the workbook outside the output
    sheets; every writer (file, fallback, live) asks this function before writing anything.

    Excel requires a table's name to be unique in the workbook (case-insensitively, and distinct
    from the workbook's defined names). A table on an output sheet is replaced with that sheet;
    a table with an output table's name on *another* sheet is the user's (e.g. a copy
    ``Innsparing (2)`` kept as a snapshot), so it is never renamed or deleted on the user's
    behalf: the user is told which sheet holds the name and what to do.

    Args:
        sheets: the output sheets (descriptions or plans) about to be written.
        taken: every table name in the workbook -> the sheet holding it, and every
            workbook-level defined name -> None.
        file: the workbook's file name, for the error's location.

    Raises:
        LayoutError: code ``tabellnavn_i_bruk``; names every clash, grouped by sheet.
    """
    replaced = {s.name.casefold() for s in sheets}
    wanted: dict[str, str] = {}
    for sheet in sheets:
        for t in sheet.tables:
            wanted.setdefault(t.spec.name.casefold(), t.spec.name)
    by_sheet: dict[str, list[str]] = {}
    defined: list[str] = []
    for name, where in taken.items():
        ours = wanted.get(name.casefold())
        if ours is None:
            continue
        if where is None:
            defined.append(ours)
        elif where.casefold() not in replaced:
            names = by_sheet.setdefault(where, [])
            if ours not in names:
                names.append(ours)
    if not by_sheet and not defined:
        return
    # the essential first: a message box may show only the start of a long line
    sentences = [
        f"{_the_names(names)} allerede brukt på arket '{where}'"
        for where, names in by_sheet.items()
    ]
    if by_sheet:
        several = len(by_sheet) > 1 or len(next(iter(by_sheet.values()))) > 1
        there = "de arkene" if len(by_sheet) > 1 else "det arket"
        what = f"tabellene på {there} nye navn" if several else f"tabellen på {there} nytt navn"
        sentences[-1] += (
            f". Excel krever unike tabellnavn: gi {what} (klikk i tabellen, Tabellutforming > "
            "Tabellnavn; engelsk Excel: Table Design > Table Name) eller slett "
            + ("arkene" if len(by_sheet) > 1 else "arket")
        )
    if defined:
        sentences.append(
            f"{_the_names(sorted(set(defined)))} allerede brukt som definert navn i "
            "arbeidsboken: gi det et annet navn eller slett det (Formler > Navnebehandling; "
            "engelsk Excel: Formulas > Name Manager)"
        )
    first_sheet = next(iter(by_sheet), None)
    raise LayoutError(
        "; ".join(sentences) + ", og beregn på nytt",
        code="tabellnavn_i_bruk",
        location=Location(file=file, sheet=first_sheet),
    )


def check_sheet_owners(
    sheets: Sequence[OutputSheet] | Sequence[SheetPlan],
    existing: Iterable[str],
    taken: Mapping[str, str | None],
    *,
    file: str | None = None,
) -> None:
    """Refuse to replace a user's own sheet that happens to bear an output sheet's name.

    Names alone do not tell: a user may keep notes on a sheet called ``Nøkkeltall``. A sheet
    the tool wrote holds at least one of its output tables (:data:`.layout.OUTPUT_TABLE_NAMES`,
    the marker every writer puts there); an existing sheet of an output sheet's name (compared
    as Excel does, without regard to case) without one is the user's, and is never replaced.

    Args:
        sheets: the output sheets about to be written.
        existing: the names of the workbook's sheets.
        taken: table name -> the sheet holding it (defined names -> None), as for
            :func:`check_table_names`.
        file: the workbook's file name, for the error's location.

    Raises:
        LayoutError: code ``eget_ark``, naming the sheet.
    """
    ours = {s.name.casefold() for s in sheets}
    marked = {
        where.casefold()
        for name, where in taken.items()
        if where is not None and name.casefold() in OUTPUT_TABLE_NAMES
    }
    for name in existing:
        if name.casefold() in ours and name.casefold() not in marked:
            raise LayoutError(
                f"arket '{name}' er ikke laget av kommuneokonomi (det har ingen av programmets "
                "tabeller), men har samme navn som et resultatark. Programmet skriver ikke over "
                "det: gi arket ditt et annet navn (høyreklikk på arkfanen, Gi nytt navn), eller "
                "slett det om det er et gammelt resultat, og beregn på nytt",
                code="eget_ark",
                location=Location(file=file, sheet=name),
            )


def _the_names(names: Iterable[str]) -> str:
    listed = list(names)
    if len(listed) == 1:
        return f"tabellnavnet {listed[0]} er"
    return f"tabellnavnene {', '.join(listed[:-1])} og {listed[-1]} er"
