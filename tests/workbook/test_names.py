"""Names are identities (issue 12): a municipality, indicator or sector spelled with other
case, Unicode form or invisible spaces in one row is the same name, in the engine and in the
formulas written to the sheet. Measured before: ``oslo`` in one tblData row moved Pleie og
omsorg 26,6 -> 44,1 and Sum 131,9 -> 149,4; a zero-width space after ``Bergen`` moved SFO's
3rd best from Bergen to Kristiansand; ``grunnskole`` next to ``Grunnskole`` gave Sum 131,90 /
278,55 from the engine but 161,62 / 356,48 from the sheet's SUMIF once recalculated."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kommuneokonomi.engine.references import name_key
from kommuneokonomi.service import Recalculation, recalculate
from kommuneokonomi.workbook.fastread import CalamineBook

from ..support.libreoffice import recalculated_values, soffice_path

EXAMPLE = Path(__file__).parents[2] / "workbooks" / "innsparing_trondheim_2007.xlsx"


@pytest.fixture(scope="module")
def original() -> Recalculation:
    return recalculate(CalamineBook(EXAMPLE))


def _edited(tmp_path: Path, edit: Callable[[openpyxl.Workbook], None]) -> Path:
    wb = openpyxl.load_workbook(EXAMPLE)
    edit(wb)
    path = tmp_path / "endret.xlsx"
    wb.save(path)
    return path


def _rename_first(sheet: str, column: str, old: str, new: str, where: str | None = None):  # type: ignore[no-untyped-def]
    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        j = header.index(column)
        k = header.index("Indikator") if where is not None else None
        for row in ws.iter_rows(min_row=2):
            if row[j].value == old and (k is None or where in str(row[k].value)):
                row[j].value = new
                return
        raise AssertionError(f"fant ikke {old}")

    return edit


def _same_results(a: Recalculation, b: Recalculation) -> None:
    pd.testing.assert_frame_equal(a.lines, b.lines)
    pd.testing.assert_frame_equal(a.sectors, b.sectors)


@pytest.mark.parametrize(
    ("column", "old", "new", "where"),
    [
        ("Kommune", "Oslo", "oslo", "pleie"),  # the Pleie og omsorg 26,6 -> 44,1
        ("Kommune", "Bergen", "Bergen\u200b", "sfo"),  # 3rd best moved to Kristiansand
        ("Kommune", "Bergen", " BERGEN\u00a0", "sfo"),
        ("Kommune", "Tromsø", unicodedata.normalize("NFD", "Tromsø"), None),
        ("Indikator", "sfo_enhetskostnad", "SFO_enhetskostnad\u2060", None),
    ],
    ids=["oslo", "nullbredde", "store-og-hardt-mellomrom", "NFD", "indikator"],
)
def test_one_row_spelled_otherwise_changes_nothing(
    tmp_path: Path, original: Recalculation, column: str, old: str, new: str, where: str | None
) -> None:
    book = _edited(tmp_path, _rename_first("Data", column, old, new, where))
    _same_results(recalculate(CalamineBook(book)), original)


def test_the_table_spelling_is_shown(tmp_path: Path, original: Recalculation) -> None:
    def upper(wb: openpyxl.Workbook) -> None:
        for row in wb["Data"].iter_rows(min_row=2):
            if row[0].value == "Oslo":
                row[0].value = "OSLO"

    result = recalculate(CalamineBook(_edited(tmp_path, upper)))
    _same_results(result, original)
    assert "Oslo" in set(result.lines["ref_2_kommune"])


def test_a_sector_spelled_otherwise_is_one_sector_in_engine_and_sheet(
    tmp_path: Path, original: Recalculation
) -> None:
    book = _edited(tmp_path, _rename_first("Indikatorer", "Sektor", "Grunnskole", "grunnskole"))
    result = recalculate(CalamineBook(book))
    sums = result.sectors.set_index("sektor")
    assert len(result.sectors) == len(original.sectors)
    assert sums.loc["Sum", "innsparing_1_mnok"] == pytest.approx(131.9, abs=0.05)
    assert sums.loc["Sum", "innsparing_2_mnok"] == pytest.approx(278.5, abs=0.05)
    assert [name_key(s) for s in result.sectors["sektor"]] == [
        name_key(s) for s in original.sectors["sektor"]
    ]
    if soffice_path() is None:
        pytest.skip("LibreOffice mangler")
    from kommuneokonomi.cli import main

    out = tmp_path / "ut.xlsx"
    assert main(["recalc", str(book), "-o", str(out)]) == 0
    # the sheet's own SUMIFs, recalculated by LibreOffice, give the engine's sums
    grid = recalculated_values(out)["Innsparing"]
    sum_rows = [r for r in grid if r and "Sum" in r]
    assert sum_rows, "fant ikke Sum-raden"
    numbers = [v for v in sum_rows[-1] if isinstance(v, int | float)]
    assert numbers[:2] == pytest.approx([131.9, 278.5], abs=0.05)


_VARIANTS = st.sampled_from(
    [str.lower, str.upper, lambda s: s + "\u200b", lambda s: "\ufeff" + s, lambda s: f"  {s} "]
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(row=st.integers(min_value=2, max_value=221), column=st.sampled_from([0, 2]), how=_VARIANTS)
def test_any_row_renamed_in_case_or_invisibly_changes_nothing(
    tmp_path_factory: pytest.TempPathFactory,
    original: Recalculation,
    row: int,
    column: int,
    how: Callable[[str], str],
) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        cell = wb["Data"].cell(row=row, column=column + 1)
        if isinstance(cell.value, str):
            cell.value = how(cell.value)

    book = _edited(tmp_path_factory.mktemp("navn"), edit)
    _same_results(recalculate(CalamineBook(book)), original)
