"""National mode: 'Egen kommune' = Alle recalculates every municipality against its group."""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kommuneokonomi.cli import main
from kommuneokonomi.engine.cube import cube_sector_summary, savings_cube
from kommuneokonomi.engine.savings import indicators_from_frame
from kommuneokonomi.errors import InputErrors
from kommuneokonomi.request import is_national
from kommuneokonomi.service import recalculate
from kommuneokonomi.workbook.fastread import CalamineBook

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.generate import generate, write_workbook


@pytest.fixture(scope="module")
def national_book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    national = generate(scale=0.01, seed=3)
    path = tmp_path_factory.mktemp("n") / "nasjonal.xlsx"
    write_workbook(national, path)
    return path, national


def test_all_means_national() -> None:
    assert is_national("Alle") and is_national(" alle kommuner ") and not is_national("Trondheim")


def test_national_summary_equals_the_cube(national_book: tuple[Path, object]) -> None:
    path, national = national_book
    summary = recalculate(CalamineBook(path)).national
    assert summary is not None
    data = national.data.assign(verdi=pd.to_numeric(national.data["verdi"], errors="coerce"))  # type: ignore[attr-defined]
    expected = cube_sector_summary(
        savings_cube(
            data,
            indicators_from_frame(national.indikatorer),  # type: ignore[attr-defined]
            national.kommuner.set_index("kommune")["gruppe"],  # type: ignore[attr-defined]
            years=[national.year],  # type: ignore[attr-defined]
        )
    )
    pd.testing.assert_frame_equal(summary.reset_index(drop=True), expected.reset_index(drop=True))
    assert summary["kommune"].nunique() == 356


def test_column_wise_validation_names_cells(
    national_book: tuple[Path, object], tmp_path: Path
) -> None:
    path, _ = national_book
    bad = tmp_path / "feil.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["Data"]
    ws["D5"] = "mye"
    ws["B7"] = "i fjor"
    ws["D9"] = "#DIV/0!"
    ws["D11"] = "1 234,5"  # a number as text: accepted
    wb.save(bad)
    with pytest.raises(InputErrors) as exc:
        recalculate(CalamineBook(bad))
    text = str(exc.value)
    for cell in ("D5", "B7", "D9"):
        assert f"arket 'Data', celle {cell}" in text
    assert "D11" not in text
    assert len(exc.value) == 3


def test_cli_recalc_all_municipalities(national_book: tuple[Path, object], tmp_path: Path) -> None:
    path, _ = national_book
    book = tmp_path / "alle.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["Innstillinger"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "Egen kommune":
            row[1].value = "Alle"
    wb.save(book)
    before = {n: d for n, d in _parts(book).items() if "sheet" in n}
    out = tmp_path / "ut.xlsx"
    assert main(["recalc", str(book), "-o", str(out)]) == 0
    result = openpyxl.load_workbook(out, data_only=True)
    ws = result["Innsparing"]
    grid = [[c.value for c in row] for row in ws[ws.tables["tblInnsparingKommuner"].ref]]
    assert grid[0][:4] == ["Kommune", "Gruppe", "År", "Sektor"]
    assert len({r[0] for r in grid[1:]}) == 356
    after = _parts(out)
    for name, data in before.items():  # the input sheets' parts are byte-identical
        assert after[name] == data
    assert main(["check", str(book)]) == 0


def _parts(path: Path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}
