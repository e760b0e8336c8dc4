"""Shared helpers for the trust tests: mutate a built workbook as a user (or a hostile file)
would, run the command line in-process, and check that nothing was lost.

A *mutation* takes an openpyxl workbook loaded from a built example or template, changes it in
place and returns the cells the error message must name as ``(sheet, cell)`` pairs (the cell
may be None where only the sheet is known).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from kommuneokonomi.cli import main

Where = tuple[str, str | None]
Mutation = Callable[[Workbook], list[Where]]


@dataclass(frozen=True)
class Run:
    """What one in-process command line run gave."""

    code: int
    out: str
    err: str


def run_cli(*args: str | Path) -> Run:
    """``kommuneokonomi ARGS`` in-process, with stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return Run(code, out.getvalue(), err.getvalue())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def temp_files(folder: Path) -> list[str]:
    """Leftover temporary files of :func:`kommuneokonomi.workbook.files.atomic_target`."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# --- finding cells ---------------------------------------------------------------------------


def table_sheet(wb: Workbook, table: str) -> Worksheet:
    for ws in wb.worksheets:
        if table in ws.tables:
            return ws
    raise AssertionError(f"no table {table}")


def headers(wb: Workbook, table: str) -> list[str]:
    ws = table_sheet(wb, table)
    min_col, min_row, max_col, _ = range_boundaries(ws.tables[table].ref)
    return [
        str(ws.cell(row=min_row, column=c).value)
        for c in range(int(min_col or 1), int(max_col or 1) + 1)
    ]


def data_rows(wb: Workbook, table: str) -> list[dict[str, object]]:
    """The table's data rows as header -> value."""
    ws = table_sheet(wb, table)
    min_col, min_row, _, max_row = (int(x or 1) for x in range_boundaries(ws.tables[table].ref))
    names = headers(wb, table)
    return [
        {h: ws.cell(row=r, column=min_col + j).value for j, h in enumerate(names)}
        for r in range(min_row + 1, max_row + 1)
    ]


def row_index(wb: Workbook, table: str, **match: object) -> int:
    """The 0-based data row whose headers (``Kommune="Oslo"``; spaces as ``_``) match."""
    wanted = {k.replace("_", " "): v for k, v in match.items()}
    for i, rec in enumerate(data_rows(wb, table)):
        if all(rec.get(k) == v for k, v in wanted.items()):
            return i
    raise AssertionError(f"no row {match} in {table}")


def cell_of(wb: Workbook, table: str, header: str, row: int) -> tuple[str, str]:
    """(sheet, address) of data row ``row`` (0-based) in column ``header`` of ``table``."""
    ws = table_sheet(wb, table)
    min_col, min_row, _, _ = range_boundaries(ws.tables[table].ref)
    col = int(min_col or 1) + headers(wb, table).index(header)
    return ws.title, f"{get_column_letter(col)}{int(min_row or 1) + 1 + row}"


def setting_cell(wb: Workbook, key: str) -> tuple[str, str]:
    return cell_of(
        wb, "tblInnstillinger", "Verdi", row_index(wb, "tblInnstillinger", Innstilling=key)
    )


def header_right_of(wb: Workbook, table: str) -> tuple[str, str]:
    """The cell just right of the table's header row (where a missing column is reported)."""
    ws = table_sheet(wb, table)
    _, min_row, max_col, _ = range_boundaries(ws.tables[table].ref)
    return ws.title, f"{get_column_letter(int(max_col or 1) + 1)}{min_row}"


def header_cell(wb: Workbook, table: str) -> tuple[str, str]:
    """The table's top-left cell (where a problem of the table as a whole is reported)."""
    ws = table_sheet(wb, table)
    min_col, min_row, _, _ = range_boundaries(ws.tables[table].ref)
    return ws.title, f"{get_column_letter(int(min_col or 1))}{min_row}"


# --- mutations -------------------------------------------------------------------------------


def set_cell(
    table: str, header: str, value: object, row: int | None = None, **match: object
) -> Mutation:
    """Put ``value`` into column ``header`` of data row ``row`` (or the row matching)."""

    def mutate(wb: Workbook) -> list[Where]:
        i = row if row is not None else row_index(wb, table, **match)
        sheet, address = cell_of(wb, table, header, i)
        wb[sheet][address] = value
        return [(sheet, address)]

    return mutate


def set_setting(key: str, value: object) -> Mutation:
    def mutate(wb: Workbook) -> list[Where]:
        sheet, address = setting_cell(wb, key)
        wb[sheet][address] = value
        return [(sheet, address)]

    return mutate


def remove_table(name: str) -> Mutation:
    def mutate(wb: Workbook) -> list[Where]:
        ws = table_sheet(wb, name)
        del ws.tables[name]
        return [(ws.title, None)]

    return mutate


def rename_table(old: str, new: str) -> Mutation:
    def mutate(wb: Workbook) -> list[Where]:
        ws = table_sheet(wb, old)
        table = ws.tables.pop(old)  # type: ignore[attr-defined]
        table.name = table.displayName = new
        ws.tables[new] = table
        return [(ws.title, None)]

    return mutate


def remove_sheet(name: str) -> Mutation:
    def mutate(wb: Workbook) -> list[Where]:
        wb.remove(wb[name])
        return [(name, None)]

    return mutate


def rename_sheet(old: str, new: str) -> Mutation:
    def mutate(wb: Workbook) -> list[Where]:
        wb[old].title = new
        return []

    return mutate


def rename_column(table: str, old: str, new: str) -> Mutation:
    """Change a header (and the table's column name), as a user retyping the header does."""

    def mutate(wb: Workbook) -> list[Where]:
        ws = table_sheet(wb, table)
        t = ws.tables[table]
        where: list[Where] = []
        min_col, min_row, _, _ = range_boundaries(t.ref)
        for j, col in enumerate(t.tableColumns):
            cell = ws.cell(row=int(min_row or 1), column=int(min_col or 1) + j)
            if cell.value == old:
                cell.value = new
                col.name = new
                where.append((ws.title, cell.coordinate))  # the retyped header is named
        return where

    return mutate


def blank_row(table: str, row: int) -> Mutation:
    """Insert an empty line before data row ``row`` and grow the table over it (the table must
    be alone in its rows: the whole sheet row is inserted)."""

    def mutate(wb: Workbook) -> list[Where]:
        ws = table_sheet(wb, table)
        t = ws.tables[table]
        min_col, min_row, max_col, max_row = (int(x or 1) for x in range_boundaries(t.ref))
        ws.insert_rows(min_row + 1 + row)
        t.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row + 1}"
        if t.autoFilter is not None:
            t.autoFilter.ref = t.ref
        return []

    return mutate


def append_row(table: str, values: dict[str, object]) -> Mutation:
    """Add a data row below the table and grow the table over it (what Excel does on Tab).

    Returns the new row's cells of the given headers.
    """

    def mutate(wb: Workbook) -> list[Where]:
        ws = table_sheet(wb, table)
        t = ws.tables[table]
        min_col, min_row, max_col, max_row = (int(x or 1) for x in range_boundaries(t.ref))
        names = headers(wb, table)
        new = max_row + 1
        ws.insert_rows(new)  # keep whatever stood below the table below it
        for j, h in enumerate(names):
            ws.cell(row=new, column=min_col + j).value = values.get(h)
        t.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{new}"
        if t.autoFilter is not None:
            t.autoFilter.ref = t.ref
        return [(ws.title, f"{get_column_letter(min_col + names.index(h))}{new}") for h in values]

    return mutate


def clear_rows(table: str) -> Mutation:
    """Delete every data row but leave one empty row (what 'Delete table rows' leaves)."""

    def mutate(wb: Workbook) -> list[Where]:
        ws = table_sheet(wb, table)
        t = ws.tables[table]
        min_col, min_row, max_col, max_row = (int(x or 1) for x in range_boundaries(t.ref))
        for r in range(min_row + 1, max_row + 1):
            for c in range(min_col, max_col + 1):
                ws.cell(row=r, column=c).value = None
        return []

    return mutate


def merge(table: str, header: str, first: int, last: int) -> Mutation:
    """Merge the cells of rows ``first..last`` (0-based) in one column of a table."""

    def mutate(wb: Workbook) -> list[Where]:
        sheet, top = cell_of(wb, table, header, first)
        _, bottom = cell_of(wb, table, header, last)
        wb[sheet].merge_cells(f"{top}:{bottom}")
        return [(sheet, top)]

    return mutate


def combine(*mutations: Mutation) -> Mutation:
    def mutate(wb: Workbook) -> list[Where]:
        where: list[Where] = []
        for m in mutations:
            where += m(wb)
        return where

    return mutate
