"""``Hent KOSTRA-tall`` for a workbook open in Excel, through the public xlwings API.

The same code as ``kommuneokonomi hent``: :func:`.fetch.collect` reads tblHenting and
tblKommuner (through :class:`~kommuneokonomi.workbook.live.LiveBook`) and fetches or replays
every request; :func:`.fetch.plan_table_edit` plans the merge into tblData. Only then is
anything written: the header cells of new columns and the replaced cells (one call per run of
adjacent cells), the appended rows as one block, their number formats, and the table is
resized. Nothing is written if reading, fetching or planning fails.

Works with classic xlwings (the desktop add-in) and the remote engine (xlwings Server/Lite):
it never touches ``.api``. The raw responses are cached beside the workbook file
(``<stem>.ssb-cache``) when the book has a path on this machine, else in the user's cache
folder (``%LOCALAPPDATA%\\kommuneokonomi\\ssb-cache`` or ``~/.cache/kommuneokonomi/ssb-cache``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import LayoutError
from ..workbook.layout import BEFOLKNING, DATA
from ..workbook.live import LiveBook, excel_value
from .befolkning import (
    PROJECTION_TABLE,
    BefolkningResult,
    PopulationEdit,
    collect_population,
    plan_population_edit,
)
from .cache import ResponseCache, default_cache_dir
from .client import PxWebClient
from .fetch import HentResult, Progress, TableEdit, collect, plan_table_edit

__all__ = ["hent_befolkning_workbook", "hent_workbook", "live_cache_dir"]


def live_cache_dir(book: Any) -> Path:
    """Where a live book's responses are cached (see the module docstring)."""
    fullname = Path(str(getattr(book, "fullname", "") or ""))
    if fullname.is_absolute() and fullname.parent.is_dir():
        return default_cache_dir(fullname)
    base = os.environ.get("LOCALAPPDATA") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root / "kommuneokonomi" / "ssb-cache"


def _find(book: Any, name: str) -> tuple[Any, Any]:
    for sheet in book.sheets:
        for table in sheet.tables:
            if str(table.name) == name:
                return sheet, table
    raise LayoutError(f"fant ikke tabellen {name}", code="mangler_tabell")


def _read_around(
    book: Any, name: str, below: int, beside: int
) -> tuple[Any, Any, tuple[int, int, int, int], Callable[[int, int], object]]:
    """The table ``name`` in one read, with ``beside`` columns to its right and ``below`` rows
    under it: its sheet, the table, its bounds (min_col, min_row, max_col, max_row) and each
    cell's value (None outside what was read)."""
    sheet, table = _find(book, name)
    rng = table.range
    top, left = int(rng.row), int(rng.column)
    n_rows, n_cols = (int(x) for x in rng.shape)
    bottom, right = top + n_rows - 1, left + n_cols - 1
    area = sheet.range((top, left), (bottom + below, right + beside))
    grid = area.options(ndim=2).value or [[]]

    def cell(row: int, col: int) -> object:
        i, j = row - top, col - left
        if 0 <= i < len(grid) and 0 <= j < len(grid[i]):
            return grid[i][j]
        return None

    return sheet, table, (left, top, right, bottom), cell


def _runs(cells: dict[tuple[int, int], object]) -> Iterator[tuple[int, int, list[object]]]:
    """Adjacent cells of one row as (row, first column, values)."""
    for row in sorted({r for r, _ in cells}):
        cols = sorted(c for r, c in cells if r == row)
        start = prev = cols[0]
        values = [cells[(row, start)]]
        for col in cols[1:]:
            if col == prev + 1:
                values.append(cells[(row, col)])
            else:
                yield row, start, values
                start, values = col, [cells[(row, col)]]
            prev = col
        yield row, start, values


def _write_cells(sheet: Any, writes: dict[tuple[int, int], object]) -> None:
    """Single cells, one call per run of adjacent cells in a row."""
    for row, col, values in _runs(writes):
        target = sheet.range((row, col), (row, col + len(values) - 1))
        target.value = [[excel_value(v) for v in values]]


def _write(sheet: Any, table: Any, edit: TableEdit) -> None:
    _write_cells(sheet, edit.writes)
    if edit.block:
        last = edit.first_new + len(edit.block) - 1
        block = sheet.range((edit.first_new, edit.left), (last, edit.right))
        block.value = [[excel_value(v) for v in row] for row in edit.block]
        for col, number_format in sorted(edit.formats.items()):
            sheet.range((edit.first_new, col), (last, col)).number_format = number_format
    table.resize(sheet.range((edit.top, edit.left), (edit.bottom, edit.right)))


def hent_workbook(
    book: Any,
    *,
    api_url: str | None = None,
    offline: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    status: Callable[[str], None] | None = None,
    now: dt.datetime | None = None,
    client: PxWebClient | None = None,
) -> HentResult:
    """Fetch what tblHenting asks for into tblData of the open workbook ``book``.

    Args:
        book: an ``xlwings.Book`` (any engine).
        api_url, offline, cache_dir, progress, now, client: as for :func:`.fetch.hent`.
        status: short Norwegian texts while tables are read (for Excel's status bar).

    Raises:
        KommuneokonomiError: as :func:`.fetch.hent`; nothing has been written then.
    """
    live = LiveBook(book, progress=status)
    live.read_table(DATA)  # tblData must be there before anything is fetched
    cache = ResponseCache(cache_dir if cache_dir is not None else live_cache_dir(book))
    collected = collect(
        live,
        client=client,
        api_url=api_url,
        cache=cache,
        offline=offline,
        progress=progress,
        now=now,
    )
    # two columns beside tblData (Merknad, Kilde) and room for the new rows below
    sheet, table, bounds, cell = _read_around(book, DATA.name, len(collected.rows), 2)
    edit = plan_table_edit(bounds, cell, collected.rows, sheet=str(sheet.name), file=live.name)
    _write(sheet, table, edit)
    return HentResult(
        path=Path(live.name),
        cache=cache.folder,
        collected=collected,
        replaced=edit.plan.replaced,
        added=edit.plan.added,
        columns_added=edit.added_columns,
    )


def _write_population(sheet: Any, table: Any, edit: PopulationEdit) -> None:
    _write_cells(sheet, edit.writes)
    for (row, col), number_format in sorted(edit.formats.items()):
        sheet.range((row, col)).number_format = number_format
    table.resize(sheet.range((edit.top, edit.left), (edit.bottom, edit.right)))


def hent_befolkning_workbook(
    book: Any,
    *,
    api_url: str | None = None,
    offline: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    status: Callable[[str], None] | None = None,
    now: dt.datetime | None = None,
    client: PxWebClient | None = None,
    projection: str = PROJECTION_TABLE,
) -> BefolkningResult:
    """The four-year plan's population into tblBefolkning of the open workbook ``book``: the
    same code as ``kommuneokonomi hent plan.xlsx`` (:mod:`.befolkning`).

    Raises:
        KommuneokonomiError: as :func:`.befolkning.hent_befolkning`; nothing written then.
    """
    live = LiveBook(book, progress=status)
    cache = ResponseCache(cache_dir if cache_dir is not None else live_cache_dir(book))
    population = collect_population(
        live,
        client=client,
        api_url=api_url,
        cache=cache,
        offline=offline,
        progress=progress,
        now=now,
        projection=projection,
    )
    # Kilde beside tblBefolkning and room for the new rows below
    rows = len(population.collected.rows)
    sheet, table, bounds, cell = _read_around(book, BEFOLKNING.name, rows, 1)
    edit = plan_population_edit(bounds, cell, population, sheet=str(sheet.name), file=live.name)
    _write_population(sheet, table, edit)
    return BefolkningResult(
        path=Path(live.name),
        cache=cache.folder,
        population=population,
        replaced=edit.replaced,
        added=edit.added,
        kept_alternatives=edit.kept,
    )
