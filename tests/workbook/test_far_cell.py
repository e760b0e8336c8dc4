"""A stray value far out on a table's sheet (a slip after Ctrl+End) must give a message naming
the cell, not abort the process: calamine keeps a sheet as one dense grid from A1 to its last
value, and a grid to XFD1048576 cannot be allocated (measured: SIGABRT before this check)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from kommuneokonomi.errors import LayoutError
from kommuneokonomi.workbook import layout as L
from kommuneokonomi.workbook.fastread import MAX_SHEET_CELLS, CalamineBook

EXAMPLE = Path(__file__).parents[2] / "workbooks" / "innsparing_trondheim_2007.xlsx"


def _with_value(tmp_path: Path, *cells: str) -> Path:
    wb = openpyxl.load_workbook(EXAMPLE)
    for cell in cells:
        wb["Data"][cell] = "notat"
    path = tmp_path / f"langt_ute_{'_'.join(cells)}.xlsx"
    wb.save(path)
    return path


def test_a_value_in_the_last_cell_of_the_sheet_is_named_not_fatal(tmp_path: Path) -> None:
    path = _with_value(tmp_path, "XFD1048576")
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "kommuneokonomi"),
            "recalc",
            str(path),
            "-o",
            str(tmp_path / "u.xlsx"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("Feil: ")
    assert "arket 'Data', celle XFD1048576" in done.stderr
    assert "langt utenfor tabellene" in done.stderr and "Ctrl+End" in done.stderr
    assert not (tmp_path / "u.xlsx").exists()


@pytest.mark.parametrize("cell", ["XFD1", "A1048576", "AB300"])
def test_a_far_value_that_fits_is_read_as_before(tmp_path: Path, cell: str) -> None:
    """Far right on a short sheet, or far down in a narrow one: the grid fits, the tables read."""
    book = CalamineBook(_with_value(tmp_path, cell))
    assert len(book.read_table(L.DATA).rows) == len(CalamineBook(EXAMPLE).read_table(L.DATA).rows)


def test_the_limit_is_the_grid_not_the_column() -> None:
    """2 000 rows reaching column ZZ is 1.4 million cells and reads; reaching XFD it is 32.8
    million, over the limit, and the cell furthest out is named."""
    assert 2000 * 702 < MAX_SHEET_CELLS < 2000 * 16_384


def test_wide_but_within_the_limit_reads(tmp_path: Path) -> None:
    book = CalamineBook(_with_value(tmp_path, "A2000", "ZZ5"))
    assert book.read_table(L.DATA).rows


def test_wide_and_long_is_refused_naming_the_cell(tmp_path: Path) -> None:
    with pytest.raises(LayoutError) as caught:
        CalamineBook(_with_value(tmp_path, "A2000", "ZZ5", "XFD7"))
    assert caught.value.location.cell == "XFD7"
    assert "rad 2000 er den siste" in str(caught.value)
