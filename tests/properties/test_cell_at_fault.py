"""The cell named is the cell at fault, for every check (issue 12, point 6).

One random cell of an input table is turned into one kind of bad value (text in a number
column, a boolean, an Excel error, a date, an ambiguous ``24.230``, a number too large to
price); the recalculation must stop with exactly one problem, and that problem must name exactly
the mutated cell. Measured before: 1e308 in ``Data!D31`` named the volume cell ``Data!D154``.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kommuneokonomi.cli import BUDGET_EXAMPLE, SAVINGS_EXAMPLE
from kommuneokonomi.errors import InputErrors, KommuneokonomiError
from kommuneokonomi.service import recalculate
from kommuneokonomi.workbook.build import build_all
from kommuneokonomi.workbook.fastread import CalamineBook

#: values no number cell may hold, each stopping the run wherever the cell is
BAD = ("mye", True, "#DIV/0!", dt.datetime(2007, 1, 1), "24.230", "1,2,3")
#: (workbook, table, column) of the number columns every row of which is read
COLUMNS = (
    (SAVINGS_EXAMPLE, "tblData", "Verdi"),
    (SAVINGS_EXAMPLE, "tblData", "År"),
    (SAVINGS_EXAMPLE, "tblIndikatorer", "Faktor"),
    (BUDGET_EXAMPLE, "tblBudsjett", "Beløp"),
    (BUDGET_EXAMPLE, "tblBudsjett", "År"),
    (BUDGET_EXAMPLE, "tblTiltak", "Beløp"),
    (BUDGET_EXAMPLE, "tblSummer", "Beløp"),
    (BUDGET_EXAMPLE, "tblMaltall", "Grense"),
)


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("bygget")
    build_all(folder)
    return {name: (folder / name).read_bytes() for name in (SAVINGS_EXAMPLE, BUDGET_EXAMPLE)}


def _column_cells(wb: openpyxl.Workbook, table: str, header: str) -> tuple[str, list[str]]:
    for ws in wb.worksheets:
        if table in ws.tables:
            grid = list(ws[ws.tables[table].ref])
            j = [c.value for c in grid[0]].index(header)
            return ws.title, [row[j].coordinate for row in grid[1:]]
    raise AssertionError(table)


def _problems(content: bytes, tmp: Path) -> list[KommuneokonomiError]:
    path = tmp / "endret.xlsx"
    path.write_bytes(content)
    with pytest.raises(KommuneokonomiError) as caught:
        recalculate(CalamineBook(path))
    exc = caught.value
    return list(exc) if isinstance(exc, InputErrors) else [exc]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(column=st.sampled_from(COLUMNS), pick=st.integers(0, 10_000), bad=st.sampled_from(BAD))
def test_one_bad_cell_is_named_exactly(
    books: dict[str, bytes],
    tmp_path_factory: pytest.TempPathFactory,
    column: tuple[str, str, str],
    pick: int,
    bad: object,
) -> None:
    book, table, header = column
    wb = openpyxl.load_workbook(io.BytesIO(books[book]))
    sheet, cells = _column_cells(wb, table, header)
    address = cells[pick % len(cells)]
    wb[sheet][address] = bad
    out = io.BytesIO()
    wb.save(out)
    problems = _problems(out.getvalue(), tmp_path_factory.mktemp("celle"))
    assert [(p.location.sheet, p.location.cell) for p in problems if p.location] == [
        (sheet, address)
    ], [p.describe() for p in problems]
    assert len(problems) == 1


@pytest.mark.parametrize(
    ("indikator", "kommune"),
    [
        ("sfo_enhetskostnad", "Trondheim"),
        ("barnevern_i_familien", "Trondheim"),
        ("sfo_brukere", "Trondheim"),
    ],
)
def test_a_number_too_large_to_price_is_named_at_its_cell(
    books: dict[str, bytes], tmp_path: Path, indikator: str, kommune: str
) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(books[SAVINGS_EXAMPLE]))
    ws = wb["Data"]
    header = [c.value for c in ws[1]]
    row = next(
        r
        for r in ws.iter_rows(min_row=2)
        if r[header.index("Kommune")].value == kommune
        and r[header.index("Indikator")].value == indikator
        and r[header.index("År")].value == 2007
    )
    cell = row[header.index("Verdi")]
    cell.value = 1e308
    out = io.BytesIO()
    wb.save(out)
    problems = _problems(out.getvalue(), tmp_path)
    # one problem per line the value prices (a volume serves two SFO lines), each at the cell
    assert [(p.location.sheet, p.location.cell) for p in problems if p.location] == [
        ("Data", cell.coordinate)
    ] * len(problems)
