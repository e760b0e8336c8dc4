"""Adapter for a workbook open in Excel, through the public xlwings Book/Sheet/Range API.

The same code serves classic xlwings (the desktop add-in, COM/AppleScript), xlwings Server and
xlwings Lite (the remote engine, ``xw.Book(json=...)``): it never touches a COM object
(``.api``), and it reads and writes whole tables as 2-D arrays, one call per table, never cell
by cell.

Reading: :class:`LiveBook` implements the :class:`~kommuneokonomi.service.BookReader` protocol
(named tables found on any sheet, header and rows read in one ``Range.value`` call, Excel
errors kept as text so the user is told which cell holds ``#DIV/0!``).

Writing: :meth:`LiveBook.write_outputs` first turns every output sheet into the same
:class:`~.output.SheetPlan` the file writer renders (:func:`.output.plan_sheet`: placements,
cells with formulas, widths, heights, charts) and asks :func:`.output.check_table_names`
whether an output table's name is taken, so that nothing is written unless all sheets could be
planned; then it replaces each output sheet (deleted and added again at the same position, as
the file adapter does), writes the stamp and title, each table as one array, makes it a named
Excel table, and applies the formatting the engine supports. Tables sit exactly where the file
writer puts them, so formulas and values are identical to a headless recalculation.

What depends on the client (see :class:`Capabilities`):

* always: values and formulas, named tables with style, number formats, sheet replacement,
  activating the first output sheet (every xlwings client has these actions);
* classic Excel and Office.js clients (xlwings Lite, Office.js add-ins): bold/italic title and
  headers, wrapped text, top alignment, column widths, status colours by conditional
  formatting, native charts; freeze panes only with Office.js (classic xlwings has no
  freeze-panes API without ``.api``);
* xlwings Server with the VBA, Office Scripts or Google client: the core only, plus column
  autofit instead of fixed widths (those clients have no callbacks for fonts, widths,
  conditional formats or charts).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from openpyxl.utils.cell import coordinate_from_string, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import LayoutError, Location
from .build import template
from .layout import AVLEDET, HENTING, KINDS, TableSpec
from .output import (
    CHART_HEIGHT_CM,
    CHART_WIDTH_CM,
    STAMP_COLOR,
    STATUS_COLORS,
    TABLE_STYLE,
    TITLE_SIZE,
    ChartPlan,
    Formula,
    OutputSheet,
    SheetPlan,
    TablePlan,
    check_sheet_owners,
    check_table_names,
    place_tables,
    plan_sheet,
    wraps,
)
from .tables import EXCEL_ERRORS, RawTable

__all__ = [
    "STATUS_COLORS",
    "Capabilities",
    "ChartPlan",
    "LiveBook",
    "SheetPlan",
    "TablePlan",
    "TemplateSheet",
    "capabilities",
    "excel_value",
    "live_values",
    "place_tables",
    "plan_sheet",
    "plan_template",
]

_CHART_WIDTH = round(CHART_WIDTH_CM / 2.54 * 72)  # points
_CHART_HEIGHT = round(CHART_HEIGHT_CM / 2.54 * 72)
_CHART_TYPES = {"bar": "bar_clustered", "line": "line", "column": "column_clustered"}

# Text Excel would turn into something else when it is written as a value: a formula (=, +, -,
# @), a number, date, time or percentage ("2004-2007", "1,5", "12.03.2019", "50 %"), a
# boolean or an error value. Such text is written with a leading apostrophe, which Excel
# (desktop and Office.js alike) stores as plain text without the apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "'")
_NUMBER_LIKE = re.compile(r"^[\s\d.,:/%+\-]*\d[\s\d.,:/%+\-eE]*$")
_LITERALS = {"true", "false", "sann", "usann"}


def excel_value(value: object) -> object:
    """One cell value as it must be handed to ``Range.value`` to arrive unchanged.

    Missing values (None, NaN, and infinity, which Excel cannot hold) become None, numpy
    scalars plain Python numbers, and text that Excel would parse (see above) gets a leading
    apostrophe, so text from data is never a formula or a number.
    """
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        value = value.item()
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None  # Excel has no NaN or infinity
    if isinstance(value, str) and _needs_apostrophe(value):
        return "'" + value
    return value


def _needs_apostrophe(text: str) -> bool:
    stripped = text.strip()
    return (
        text.startswith(_FORMULA_START)
        or bool(_NUMBER_LIKE.match(text))
        or stripped.casefold() in _LITERALS
        or stripped.upper() in EXCEL_ERRORS
        or stripped.upper() == "#DATA!"
    )


# --------------------------------------------------------------------------------------------
# What the engine can do
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Capabilities:
    """What a workbook's xlwings engine and client support beyond the core actions.

    Attributes:
        formatting: fonts, wrapped text, alignment, column widths, conditional formats and
            charts through the xlwings API.
        freeze_panes: ``Sheet.freeze_panes`` (the remote engine only).
        width_in_points: column widths are given in points (remote engine) instead of
            characters (classic Excel).
        screen_updating: ``App.screen_updating`` can be switched off while writing (classic
            Excel; on the remote engine it is an action not every client knows).
    """

    formatting: bool
    freeze_panes: bool
    width_in_points: bool
    screen_updating: bool = False


def capabilities(book: Any) -> Capabilities:
    """Tell the engine and, for the remote engine, the client from the book.

    The only look at ``book.api`` is on the remote engine, where it is the JSON payload the
    client sent (its ``client`` field), never a COM object.
    """
    try:
        engine = str(book.app.engine.name)
    except (AttributeError, NotImplementedError):
        engine = "excel"
    if engine in {"remote", "officejs"}:
        client = ""
        payload = getattr(book, "api", None)
        if isinstance(payload, dict):
            client = str(payload.get("client") or "")
        office_js = engine == "officejs" or client == "Office.js"
        return Capabilities(formatting=office_js, freeze_panes=office_js, width_in_points=True)
    return Capabilities(
        formatting=True, freeze_panes=False, width_in_points=False, screen_updating=True
    )


def _points(characters: float) -> float:
    """Column width in characters (Calibri 11, as in the file) to points (Office.js)."""
    return round(characters * 5.25 + 3.75, 2)


# --------------------------------------------------------------------------------------------
# Planning: pure data, computed before anything is written
# --------------------------------------------------------------------------------------------


def live_values(table: TablePlan) -> list[list[object]]:
    """A table's header and rows as the 2-D array handed to ``Range.value``: formulas as
    ``"=..."`` text, everything else through :func:`excel_value`."""
    header: list[object] = [excel_value(h) for h in table.header]
    rows = [
        ["=" + v.text if isinstance(v, Formula) else excel_value(v) for v in row]
        for row in table.rows
    ]
    return [header, *rows]


def _runs(items: Iterable[tuple[int, str | None]]) -> Iterator[tuple[int, int, str]]:
    """Adjacent columns with the same value as (first, last, value); None values skipped."""
    run: tuple[int, int, str] | None = None
    for col, value in items:
        if run is not None and value == run[2] and col == run[1] + 1:
            run = (run[0], col, run[2])
            continue
        if run is not None:
            yield run
        run = (col, col, value) if value is not None else None
    if run is not None:
        yield run


@dataclass(frozen=True)
class TemplateSheet:
    """An input sheet of a blank template, to copy into a live book."""

    name: str
    values: list[list[object]]  # the used range from A1
    tables: list[tuple[TableSpec, str]]  # spec and address (header and the one empty row)
    widths: dict[int, float]
    wrapped: list[int]  # columns with wrapped text
    frozen_rows: int


def plan_template(kind: str, workbook: Workbook | None = None) -> list[TemplateSheet]:
    """The sheets of the blank ``kind`` template (``innsparing``, ``budsjett``, ``plan``), or of
    ``workbook`` (a template already filled, such as the standard analysis).

    Every named table of the layout is written as a table, the optional ones (tblHenting,
    tblAvledet) too: a savings book made by the button can fetch from SSB at once.

    Raises:
        InputError: unknown ``kind`` (code ``ukjent_type``).
    """
    wb = template(kind) if workbook is None else workbook
    # a name used by several kinds (tblMaltall, tblInnstillinger) takes this kind's columns
    own = KINDS.get(kind.strip().lower(), ())  # type: ignore[call-overload]
    specs = {s.name: s for s in (*(s for ss in KINDS.values() for s in ss), HENTING, AVLEDET)}
    specs.update({s.name: s for s in own})
    sheets: list[TemplateSheet] = []
    for ws in wb.worksheets:
        assert isinstance(ws, Worksheet)
        values = [
            [excel_value(c.value) for c in row]
            for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column)
        ]
        widths = {
            int(range_boundaries(f"{letter}1")[0] or 1): float(dim.width)
            for letter, dim in ws.column_dimensions.items()
            if dim.customWidth and dim.width
        }
        wrapped = sorted(
            {
                int(c.column)
                for row in ws.iter_rows()
                for c in row
                if c.alignment is not None and c.alignment.wrap_text and c.value is not None
            }
        )
        frozen = 0
        if ws.freeze_panes:
            _, row = coordinate_from_string(ws.freeze_panes)
            frozen = row - 1
        sheets.append(
            TemplateSheet(
                name=ws.title,
                values=values,
                tables=[(specs[t.name], t.ref) for t in ws.tables.values() if t.name in specs],
                widths=widths,
                wrapped=wrapped,
                frozen_rows=frozen,
            )
        )
    return sheets


# --------------------------------------------------------------------------------------------
# The adapter
# --------------------------------------------------------------------------------------------


class LiveBook:
    """A workbook open in Excel (or sent by an xlwings client), for recalculation.

    Args:
        book: an ``xlwings.Book`` of any engine (classic, remote).
        progress: called with a short Norwegian text before each table is read and each sheet
            is written (the buttons show it in Excel's status bar).
        caps: override what the engine is assumed to support (default: :func:`capabilities`).
    """

    def __init__(
        self,
        book: Any,
        *,
        progress: Callable[[str], None] | None = None,
        caps: Capabilities | None = None,
    ) -> None:
        self.book = book
        self.caps = caps or capabilities(book)
        self._progress = progress or (lambda text: None)
        self._index: dict[str, tuple[Any, Any]] | None = None

    # --- reading ------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return str(self.book.name)

    def sheet_names(self) -> list[str]:
        return [str(s.name) for s in self.book.sheets]

    def _tables(self) -> dict[str, tuple[Any, Any]]:
        """Every named table: name -> (sheet, table). Looked up once (no cell access)."""
        if self._index is None:
            index: dict[str, tuple[Any, Any]] = {}
            for sheet in self.book.sheets:
                for table in sheet.tables:
                    index.setdefault(str(table.name), (sheet, table))
            self._index = index
        return self._index

    def table_names(self) -> set[str]:
        return set(self._tables())

    def read_table(self, spec: TableSpec) -> RawTable:
        """The named table's header and rows, read in one call (empty rows included)."""
        found = self._tables().get(spec.name)
        if found is None:
            raise LayoutError(
                f"fant ikke tabellen {spec.name} (ventet på arket '{spec.sheet}')",
                code="mangler_tabell",
                location=Location(file=self.name, sheet=spec.sheet),
            )
        sheet, table = found
        self._progress(f"leser tabellen {spec.name} ...")
        rng = table.range
        grid = rng.options(ndim=2, err_to_str=True).value or [[]]
        if bool(getattr(table, "show_totals", False)) and len(grid) > 1:
            grid = grid[:-1]  # the totals row is not data
        headers = [_header(h) for h in grid[0]]
        return RawTable(
            name=spec.name,
            sheet=str(sheet.name),
            top=int(rng.row),
            left=int(rng.column),
            headers=headers,
            rows=[list(r) for r in grid[1:]],
        )

    # --- writing ------------------------------------------------------------------------

    def write_outputs(self, sheets: list[OutputSheet], *, stamp: str) -> None:
        """Replace the output sheets: every sheet is planned before the first write.

        Raises:
            LayoutError: an output table's name is taken by a table on another sheet (Excel
                would refuse it); raised before anything is written.
        """
        plans = [plan_sheet(s, stamp=stamp) for s in sheets]
        taken = {name: str(sheet.name) for name, (sheet, _) in self._tables().items()}
        check_sheet_owners(plans, self.sheet_names(), taken, file=self.name)
        check_table_names(plans, taken, file=self.name)
        with self._screen_frozen():
            first = None
            for plan in plans:
                self._progress(f"skriver arket '{plan.name}' ...")
                sheet = self._write_sheet(plan)
                if first is None:
                    first = sheet
            if first is not None:
                first.activate()
        self._index = None

    @contextmanager
    def _screen_frozen(self) -> Iterator[None]:
        """Excel does not redraw while the sheets are written (classic Excel only)."""
        if not self.caps.screen_updating:
            yield
            return
        app = self.book.app
        app.screen_updating = False
        try:
            yield
        finally:
            app.screen_updating = True

    def write_template(
        self, kind: str, *, replace_others: bool = False, workbook: Workbook | None = None
    ) -> list[str]:
        """Add the sheets of the blank ``kind`` template (values, named tables, number
        formats, widths) after the last sheet; returns their names.

        Args:
            kind: ``innsparing`` or ``budsjett``.
            replace_others: delete the sheets the book had before (a new, empty book).
            workbook: write this filled template instead of the blank one (the standard
                analysis of :func:`~kommuneokonomi.workbook.build.analysis_workbook`).

        Raises:
            InputError: unknown ``kind``.
            LayoutError: the book already holds kommuneokonomi tables, or a sheet with a
                template sheet's name; raised before anything is written.
        """
        plans = plan_template(kind, workbook)
        known = {s.name for specs in KINDS.values() for s in specs}
        present = sorted(self.table_names() & known)
        if present:
            raise LayoutError(
                f"arbeidsboken har allerede tabellene {', '.join(present)}; "
                "lag den nye analysen i en tom arbeidsbok",
                code="har_tabeller",
                location=Location(file=self.name),
            )
        existing = {n.casefold(): n for n in self.sheet_names()}
        for plan in plans:
            if plan.name.casefold() in existing:
                raise LayoutError(
                    f"arket '{existing[plan.name.casefold()]}' finnes allerede; "
                    "lag den nye analysen i en tom arbeidsbok",
                    code="ark_finnes",
                    location=Location(file=self.name, sheet=existing[plan.name.casefold()]),
                )
        old = list(self.book.sheets)
        added: list[Any] = []
        with self._screen_frozen():
            for plan in plans:
                self._progress(f"lager arket '{plan.name}' ...")
                sheets = self.book.sheets
                sheet = sheets.add(name=plan.name, after=sheets[len(sheets) - 1])
                added.append(sheet)
                self._write_template_sheet(sheet, plan)
            if replace_others:
                for sheet in old:
                    sheet.delete()
            if added:
                added[0].activate()
        self._index = None
        return [p.name for p in plans]

    def _write_template_sheet(self, sheet: Any, plan: TemplateSheet) -> None:
        caps = self.caps
        height, width = len(plan.values), max((len(r) for r in plan.values), default=0)
        if height and width:
            sheet.range((1, 1), (height, width)).value = plan.values
        for spec, ref in plan.tables:
            left, top, right, bottom = (int(x or 1) for x in range_boundaries(ref))
            sheet.tables.add(source=sheet.range(ref), name=spec.name, table_style_name=TABLE_STYLE)
            formats = ((left + j, c.number_format) for j, c in enumerate(spec.columns))
            for first, last, fmt in _runs(formats):
                sheet.range((top + 1, first), (bottom, last)).number_format = fmt
            if not caps.formatting:
                sheet.range((top, left), (bottom, right)).columns.autofit()
        if caps.formatting:
            for col, chars in sorted(plan.widths.items()):
                sheet.range((1, col)).column_width = (
                    _points(chars) if caps.width_in_points else chars
                )
            for col in plan.wrapped:
                sheet.range((1, col), (max(height, 1), col)).wrap_text = True
            if height:
                sheet.range((1, 1), (height, max(width, 1))).vertical_alignment = "top"
        if caps.freeze_panes and plan.frozen_rows:
            sheet.freeze_panes.freeze_at(f"1:{plan.frozen_rows}")

    def _fresh_sheet(self, name: str) -> Any:
        """An empty sheet ``name``: the old one is deleted and a new one added in its place
        (after the last sheet if there was none), like the file adapter does."""
        sheets = self.book.sheets
        names = [str(s.name).casefold() for s in sheets]
        if name.casefold() not in names:
            return sheets.add(name=name, after=sheets[len(names) - 1])
        index = names.index(name.casefold())
        sheets[index].delete()
        if index == 0:
            return sheets.add(name=name, before=sheets[0])
        return sheets.add(name=name, after=sheets[index - 1])

    def _write_sheet(self, plan: SheetPlan) -> Any:
        caps = self.caps
        sheet = self._fresh_sheet(plan.name)
        head = sheet.range((1, 1), (2, 1))
        head.value = [[excel_value(plan.stamp)], [excel_value(plan.title)]]
        if caps.formatting:
            stamp, title = sheet.range((1, 1)), sheet.range((2, 1))
            stamp.font.italic = True
            stamp.font.color = STAMP_COLOR
            title.font.bold = True
            title.font.size = TITLE_SIZE
        for t in plan.tables:
            self._write_table(sheet, t)
        if caps.formatting:
            for col, chars in sorted(plan.widths.items()):
                width = _points(chars) if caps.width_in_points else chars
                sheet.range((1, col)).column_width = width
            for chart in plan.charts:
                self._add_chart(sheet, chart)
        else:
            for t in plan.tables:
                columns = (
                    (t.placement.left + j, None if c.name == "forklaring" else "fit")
                    for j, c in enumerate(t.spec.columns)
                )
                for first, last, _ in _runs(columns):
                    sheet.range((t.placement.top, first), (t.bottom, last)).columns.autofit()
        if caps.freeze_panes:
            sheet.freeze_panes.freeze_at(f"1:{plan.frozen_rows}")
        return sheet

    def _write_table(self, sheet: Any, t: TablePlan) -> None:
        top, left, n = t.placement.top, t.placement.left, t.placement.n_rows
        whole = sheet.range((top, left), (t.bottom, t.right))
        whole.value = live_values(t)  # header, rows and formulas in one call
        sheet.tables.add(source=whole, name=t.spec.name, table_style_name=TABLE_STYLE)
        if n:
            formats = ((left + j, c.number_format) for j, c in enumerate(t.spec.columns))
            for first, last, fmt in _runs(formats):
                sheet.range((top + 1, first), (top + n, last)).number_format = fmt
            for i in t.rows_with_own_formats:  # a share among amounts, kroner among decimals
                own = ((left + j, t.cell_formats.get((i, j))) for j in range(len(t.spec.columns)))
                for first, last, fmt in _runs(own):
                    sheet.range((top + 1 + i, first), (top + 1 + i, last)).number_format = fmt
        if not self.caps.formatting:
            return
        header = sheet.range((top, left), (top, t.right))
        header.font.bold = True
        header.wrap_text = True
        header.vertical_alignment = "top"
        data = sheet.range((top + 1, left), (t.bottom, t.right))
        data.vertical_alignment = "top"
        for j, column in enumerate(t.spec.columns):
            if wraps(column):
                col = left + j
                sheet.range((top + 1, col), (t.bottom, col)).wrap_text = True
        if t.status_column is not None:
            col = t.status_column
            status = sheet.range((top + 1, col), (t.bottom, col))
            for text, color in STATUS_COLORS.items():
                status.conditional_formats.add_cell_value(
                    "equal_to", f'="{text}"', fill_color=color
                )
        whole.rows.autofit()

    def _add_chart(self, sheet: Any, plan: ChartPlan) -> None:
        columns = sorted(plan.series_columns)
        if columns != list(range(columns[0], columns[0] + len(columns))):
            return  # a chart from non-adjacent columns needs per-series ranges
        source = sheet.range((plan.top, columns[0]), (plan.bottom, columns[-1]))
        chart = sheet.charts.add(
            width=_CHART_WIDTH,
            height=_CHART_HEIGHT,
            chart_type=_CHART_TYPES.get(plan.spec.kind, "column_clustered"),
            source=source,
            plot_by="columns",
            anchor=sheet.range(plan.anchor),
        )
        categories = sheet.range(
            (plan.top + 1, plan.category_column), (plan.bottom, plan.category_column)
        )
        chart.set_x_axis_values(categories)
        chart.title = plan.spec.title
        chart.value_axis.title = plan.spec.y_title


def _header(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
