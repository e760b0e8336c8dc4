"""Test helpers: xlwings' remote engine fed from a workbook file, and an action applier.

:func:`payload` builds the JSON an xlwings client sends (``xw.Book(json=...)``) from a file:
every sheet's values from A1 (as Excel last calculated them) and its named tables.
:func:`open_remote` opens it with the remote engine (needs ``XLWINGS_LICENSE_KEY``, which only
the tests' fixture sets). :func:`apply_actions` replays the actions the engine returns
(``book.json()``) on a copy of the file with openpyxl, the way Excel would: text with a
leading apostrophe is text, ``=...`` is a formula. An action it does not know fails the test,
so a new kind of write cannot slip through unchecked.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

LICENSE_ENV = "XLWINGS_LICENSE_KEY"

#: Actions that change the workbook (everything but messages and screen refresh).
NON_WRITING = {"alert", "setScreenUpdating"}


def _a1(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"


def _json_value(value: object) -> object:
    """A cell value as an xlwings client sends it: empty is "", dates are ISO text."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day).isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    return value


def payload(path: Path, *, client: str = "Office.js") -> dict[str, Any]:
    """The JSON a client sends for the workbook file ``path`` (values and named tables)."""
    import xlwings as xw

    wb = openpyxl.load_workbook(path, data_only=True)
    sheets: list[dict[str, Any]] = []
    for ws in wb.worksheets:
        assert isinstance(ws, Worksheet)
        rows, cols = max(ws.max_row, 1), max(ws.max_column, 1)
        values = [
            [_json_value(c.value) for c in row]
            for row in ws.iter_rows(min_row=1, max_row=rows, min_col=1, max_col=cols)
        ]
        tables = []
        for t in ws.tables.values():
            min_col, min_row, max_col, max_row = (int(x or 1) for x in range_boundaries(t.ref))
            tables.append(
                {
                    "name": t.name,
                    "range_address": t.ref,
                    "header_row_range_address": f"{_a1(min_row, min_col)}:{_a1(min_row, max_col)}",
                    "data_body_range_address": f"{_a1(min_row + 1, min_col)}:{_a1(max_row, max_col)}",
                    "total_row_range_address": None,
                    "show_headers": True,
                    "show_totals": False,
                    "table_style": t.tableStyleInfo.name if t.tableStyleInfo else "",
                    "show_autofilter": True,
                    "row_count": max_row - min_row + 1,
                    "column_count": max_col - min_col + 1,
                }
            )
        sheets.append(
            {
                "name": ws.title,
                "values": values,
                "tables": tables,
                "pictures": [],
                "charts": [],
                "shapes": [],
                "notes": [],
                "visibility": "Visible",
                "show_gridlines": True,
                "pivot_tables": [],
                "used_range_address": f"A1:{_a1(rows, cols)}",
            }
        )
    data = {
        "client": client,
        "version": xw.__version__,
        "book": {"name": path.name, "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": sheets,
    }
    result: dict[str, Any] = json.loads(json.dumps(data))  # what travels is JSON
    return result


def blank_payload(name: str = "Bok1.xlsx", sheet: str = "Ark1") -> dict[str, Any]:
    """A new, empty workbook as a client sends it."""
    import xlwings as xw

    return {
        "client": "Office.js",
        "version": xw.__version__,
        "book": {"name": name, "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": [
            {
                "name": sheet,
                "values": [[""]],
                "tables": [],
                "pictures": [],
                "charts": [],
                "shapes": [],
                "notes": [],
                "visibility": "Visible",
                "show_gridlines": True,
                "pivot_tables": [],
            }
        ],
    }


def open_remote(data: dict[str, Any]) -> Any:
    """``xw.Book(json=data)`` on the remote engine.

    If xlwings was imported before the key was set (another test module imported it), the
    remote engine is not registered; the same engine is then opened directly.
    """
    if LICENSE_ENV not in os.environ:
        raise RuntimeError(f"the remote engine is only used with {LICENSE_ENV} set (fixture)")
    import xlwings as xw

    try:
        return xw.Book(json=data)
    except xw.LicenseError:
        from xlwings.pro import _xlremote

        return xw.Book(impl=_xlremote.engine.apps[0].books.open(json=data))


def actions_of(book: Any) -> list[dict[str, Any]]:
    """The book's queued actions, as JSON (what the client receives)."""
    result: list[dict[str, Any]] = json.loads(json.dumps(book.json()))["actions"]
    return result


def vba_callbacks() -> set[str]:
    """The actions the xlwings VBA client (``Remote.bas`` of the installed xlwings) runs."""
    import xlwings as xw

    text = (Path(xw.__file__).parent / "addin" / "Remote.bas").read_text(encoding="utf-8")
    return set(re.findall(r"^Sub (\w+)\(wb As Workbook, action As Dictionary\)", text, re.M))


# --------------------------------------------------------------------------------------------
# Applying actions
# --------------------------------------------------------------------------------------------


@dataclass
class Applied:
    """What replaying the actions did besides changing cells."""

    alerts: list[list[Any]] = field(default_factory=list)
    funcs: Counter[str] = field(default_factory=Counter)
    charts: dict[str, list[Any]] = field(default_factory=dict)  # sheet title -> charts
    autofit: list[str] = field(default_factory=list)


def _cells(wb: Workbook, action: dict[str, Any]) -> Iterator[Cell]:
    ws = wb.worksheets[action["sheet_position"]]
    r0, c0 = action["start_row"] + 1, action["start_column"] + 1
    for i in range(action["row_count"]):
        for j in range(action["column_count"]):
            yield ws.cell(row=r0 + i, column=c0 + j)


def _as_excel(cell: Cell, value: object) -> None:
    """Write ``value`` as Excel stores what a client sets with ``Range.values``."""
    if value is None or value == "":
        cell.value = None
    elif isinstance(value, str) and value.startswith("'"):
        cell.value = value[1:]
        cell.data_type = "s"
    elif isinstance(value, str) and value.startswith("="):
        cell.value = value
    elif isinstance(value, str):
        try:
            float(value.replace(",", ".").replace(" ", ""))
        except ValueError:
            cell.value = value
        else:
            raise AssertionError(f"Excel would turn the text {value!r} into a number")
    else:
        cell.value = value


def _set_values(wb: Workbook, a: dict[str, Any], out: Applied) -> None:
    ws = wb.worksheets[a["sheet_position"]]
    values = a["values"]
    assert len(values) == a["row_count"] and all(len(r) == a["column_count"] for r in values)
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            _as_excel(ws.cell(row=a["start_row"] + 1 + i, column=a["start_column"] + 1 + j), value)


def _number_format(wb: Workbook, a: dict[str, Any], out: Applied) -> None:
    for cell in _cells(wb, a):
        cell.number_format = a["args"][0]


def _add_table(wb: Workbook, a: dict[str, Any], out: Applied) -> None:
    address, has_headers, style, name = a["args"]
    assert has_headers is True
    table = Table(displayName=name, ref=address.replace("$", ""))
    table.tableStyleInfo = TableStyleInfo(name=style, showRowStripes=True)
    wb.worksheets[a["sheet_position"]].add_table(table)


def _add_sheet(wb: Workbook, a: dict[str, Any], out: Applied) -> None:
    index, name = a["args"]
    wb.create_sheet(name, index)


def _delete_sheet(wb: Workbook, a: dict[str, Any], out: Applied) -> None:
    wb.remove(wb.worksheets[a["sheet_position"]])


def _activate(wb: Workbook, a: dict[str, Any], out: Applied) -> None:
    wb.active = int(a["args"][0])


def _font(wb: Workbook, a: dict[str, Any], out: Applied) -> None:
    attribute, value = a["args"]
    if attribute == "color":
        value = str(value).lstrip("#")
    key = {"size": "sz", "bold": "b", "italic": "i"}.get(attribute, attribute)
    for cell in _cells(wb, a):
        font = copy.copy(cell.font)
        setattr(font, key, value)
        cell.font = font


def _alignment(**changes: object) -> Callable[[Cell], None]:
    def apply(cell: Cell) -> None:
        current = cell.alignment
        cell.alignment = Alignment(
            horizontal=current.horizontal,
            vertical=changes.get("vertical", current.vertical),
            wrap_text=changes.get("wrap_text", current.wrap_text),
        )

    return apply


def _wrap(wb: Workbook, a: dict[str, Any], out: Applied) -> None:
    for cell in _cells(wb, a):
        _alignment(wrap_text=bool(a["args"][0]))(cell)


def _vertical(wb: Workbook, a: dict[str, Any], out: Applied) -> None:
    for cell in _cells(wb, a):
        _alignment(vertical=str(a["args"][0]).lower())(cell)


def _column_width(wb: Workbook, a: dict[str, Any], out: Applied) -> None:
    ws = wb.worksheets[a["sheet_position"]]
    points = float(a["args"][0])
    for j in range(a["column_count"]):
        letter = get_column_letter(a["start_column"] + 1 + j)
        ws.column_dimensions[letter].width = round((points - 3.75) / 5.25, 2)  # Calibri 11


def _autofit(wb: Workbook, a: dict[str, Any], out: Applied) -> None:
    out.autofit.append(str(a["args"][0]))  # needs a renderer; nothing to do in a file


def _conditional_format(wb: Workbook, a: dict[str, Any], out: Applied) -> None:
    (entry,) = a["args"]
    assert entry["type"] == "CellValue" and entry["operator"] == "EqualTo", entry
    ws = wb.worksheets[a["sheet_position"]]
    r0, c0 = a["start_row"] + 1, a["start_column"] + 1
    area = f"{_a1(r0, c0)}:{_a1(r0 + a['row_count'] - 1, c0 + a['column_count'] - 1)}"
    fill = PatternFill("solid", fgColor=str(entry["fill_color"]).lstrip("#"))
    formula = str(entry["formula1"]).removeprefix("=")
    ws.conditional_formatting.add(area, CellIsRule(operator="equal", formula=[formula], fill=fill))  # type: ignore[no-untyped-call]


def _reference(wb: Workbook, sheet: str, address: str) -> Reference:
    min_col, min_row, max_col, max_row = range_boundaries(address.replace("$", ""))
    return Reference(wb[sheet], min_col=min_col, min_row=min_row, max_col=max_col, max_row=max_row)


def _add_chart(wb: Workbook, a: dict[str, Any], out: Applied) -> None:
    _name, chart_type, sheet, address, _left, _top, width, height, plot_by, anchor, _style = a[
        "args"
    ]
    assert plot_by == "Columns" and anchor, a
    chart: BarChart | LineChart
    if chart_type in ("BarClustered", "ColumnClustered"):
        chart = BarChart()
        chart.type = "bar" if chart_type == "BarClustered" else "col"
    elif chart_type == "Line":
        chart = LineChart()
    else:
        raise AssertionError(f"chart type {chart_type}")
    chart.add_data(_reference(wb, sheet, address), titles_from_data=True)
    chart.width, chart.height = width / 72 * 2.54, height / 72 * 2.54
    ws = wb.worksheets[a["sheet_position"]]
    ws.add_chart(chart, anchor.replace("$", ""))
    out.charts.setdefault(ws.title, []).append(chart)


def _chart(wb: Workbook, a: dict[str, Any], out: Applied) -> Any:
    return out.charts[wb.worksheets[a["sheet_position"]].title][a["args"][0]]


def _chart_categories(wb: Workbook, a: dict[str, Any], out: Applied) -> None:
    _, sheet, address = a["args"]
    _chart(wb, a, out).set_categories(_reference(wb, sheet, address))


def _chart_title(wb: Workbook, a: dict[str, Any], out: Applied) -> None:
    _chart(wb, a, out).title = a["args"][1]


def _chart_axis(wb: Workbook, a: dict[str, Any], out: Applied) -> None:
    _, axis, values = a["args"]
    assert axis == "value" and set(values) == {"title"}, a
    _chart(wb, a, out).y_axis.title = values["title"]


def _freeze(wb: Workbook, a: dict[str, Any], out: Applied) -> None:
    (frozen,) = a["args"]
    first, last = (int(x) for x in str(frozen).split(":"))
    assert first == 1, frozen
    wb.worksheets[a["sheet_position"]].freeze_panes = f"A{last + 1}"


def _alert(wb: Workbook, a: dict[str, Any], out: Applied) -> None:
    out.alerts.append(a["args"])


_HANDLERS: dict[str, Callable[[Workbook, dict[str, Any], Applied], None]] = {
    "setValues": _set_values,
    "setNumberFormat": _number_format,
    "addTable": _add_table,
    "addSheet": _add_sheet,
    "sheetDelete": _delete_sheet,
    "activateSheet": _activate,
    "setFontProperty": _font,
    "setWrapText": _wrap,
    "setVerticalAlignment": _vertical,
    "setColumnWidth": _column_width,
    "setAutofit": _autofit,
    "addConditionalFormat": _conditional_format,
    "addChart": _add_chart,
    "setChartXAxisValues": _chart_categories,
    "setChartTitle": _chart_title,
    "setChartAxis": _chart_axis,
    "freezePaneAtRange": _freeze,
    "alert": _alert,
}


def apply_actions(
    actions: list[dict[str, Any]], target: Path, *, source: Path | None = None
) -> Applied:
    """Replay ``actions`` on the workbook ``source`` (or a new one with one empty sheet
    ``Ark1``) and save the result as ``target``."""
    if source is None:
        wb = Workbook()
        assert wb.active is not None
        wb.active.title = "Ark1"
    else:
        wb = openpyxl.load_workbook(source)
    out = Applied()
    for action in actions:
        func = action["func"]
        handler = _HANDLERS.get(func)
        if handler is None:
            raise AssertionError(f"the applier does not know the action {func!r}: {action}")
        out.funcs[func] += 1
        handler(wb, action, out)
    wb.save(target)
    return out
