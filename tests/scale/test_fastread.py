"""The calamine adapter reads the same tables, with the same cell locations, as openpyxl."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kommuneokonomi.errors import KommuneokonomiError
from kommuneokonomi.service import recalculate
from kommuneokonomi.workbook.build import BUDGET_EXAMPLE, SAVINGS_EXAMPLE, build_all
from kommuneokonomi.workbook.fastread import CalamineBook
from kommuneokonomi.workbook.files import FileBook
from kommuneokonomi.workbook.layout import BUDGET, SAVINGS
from kommuneokonomi.workbook.tables import to_frame


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("b")
    build_all(folder)
    return folder


@pytest.mark.parametrize(
    ("name", "specs"),
    [(SAVINGS_EXAMPLE, SAVINGS), (BUDGET_EXAMPLE, BUDGET), ("mal_innsparing.xlsx", SAVINGS)],
)
def test_same_tables_as_openpyxl(built: Path, name: str, specs: tuple) -> None:  # type: ignore[type-arg]
    slow, fast = FileBook(built / name), CalamineBook(built / name)
    assert fast.table_names() == slow.table_names()
    for spec in specs:
        if spec.output:
            continue
        a, b = to_frame(slow.read_table(spec), spec), to_frame(fast.read_table(spec), spec)
        pd.testing.assert_frame_equal(a.frame, b.frame, check_dtype=False)
        assert a.cells == b.cells


def test_same_results_and_error_locations(built: Path, tmp_path: Path) -> None:
    path = built / SAVINGS_EXAMPLE
    slow, fast = recalculate(FileBook(path)), recalculate(CalamineBook(path))
    assert slow.sectors is not None and fast.sectors is not None
    pd.testing.assert_frame_equal(slow.sectors, fast.sectors)
    bad = tmp_path / "feil.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["Data"]["D9"] = "mye"
    wb.save(bad)
    messages = []
    for reader in (FileBook, CalamineBook):
        with pytest.raises(KommuneokonomiError) as exc:
            recalculate(reader(bad))
        messages.append(exc.value.describe())
    assert messages[0] == messages[1]
    assert "arket 'Data', celle D9" in messages[0]


def test_excel_error_cells_are_rejected_not_read_as_missing(built: Path, tmp_path: Path) -> None:
    """calamine reads an error value as an empty cell; the adapter puts the error back."""
    bad = tmp_path / "feil.xlsx"
    wb = openpyxl.load_workbook(built / SAVINGS_EXAMPLE)
    wb["Data"]["D6"] = "#DIV/0!"  # openpyxl stores this as an error-typed cell
    wb.save(bad)
    assert wb["Data"]["D6"].data_type == "e"
    messages = []
    for reader in (FileBook, CalamineBook):
        with pytest.raises(KommuneokonomiError) as exc:
            recalculate(reader(bad))
        messages.append(exc.value.describe())
    assert messages[0] == messages[1]
    assert "celle D6" in messages[0] and "#DIV/0!" in messages[0]
