"""LibreOffice, as an independent reader, opens a workbook after ``hent``: tblData holds the
fetched rows and every formula on the output sheets still has its right cached value."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kommuneokonomi.service import recalculate
from kommuneokonomi.ssb.fetch import HENTING, hent
from kommuneokonomi.workbook.build import build_savings_workbook
from kommuneokonomi.workbook.files import FileBook, write_table

from ..support.libreoffice import formula_cache_mismatches, recalculated_values, soffice_path
from .books import henting_row
from .server import FakeSsb


@pytest.fixture(autouse=True)
def _needs_soffice() -> None:
    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) er ikke installert")


def test_libreoffice_reads_the_fetched_workbook(ssb: FakeSsb, tmp_path: Path) -> None:
    wb = build_savings_workbook(example=True)
    rows = [henting_row(12134, "KOSAGD230000", "ndr", "Oslo, Stavanger, Trondheim", "2019")]
    del wb["Henting"]  # the example's own tblHenting is replaced by the test's
    write_table(wb.create_sheet("Henting"), HENTING, rows, top=1)
    path = tmp_path / "eksempel.xlsx"
    wb.save(path)
    book = FileBook(path)
    book.save_outputs(recalculate(book).sheets, path, stamp="test")

    hent(path, api_url=ssb.url, now=dt.datetime(2025, 1, 2, 3, 4))

    assert formula_cache_mismatches(path) == []
    data = recalculated_values(path)["Data"]
    header = data[0]
    assert header[:6] == ["Kommune", "År", "Indikator", "Verdi", "Kilde", "Merknad"]
    fetched = {r[0]: r for r in data[1:] if r[2] == "ndr"}
    assert fetched["Oslo"][3] == 2.4
    assert fetched["Trondheim"][3] == 2.6
    assert fetched["Stavanger"][3] is None and fetched["Stavanger"][5] == ":"
    assert str(fetched["Oslo"][4]).startswith("SSB tabell 12134 (KOSAGD230000)")
