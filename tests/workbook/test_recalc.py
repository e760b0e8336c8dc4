"""Headless recalculation of workbook files through the real CLI entry point."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.table import Table

from kommuneokonomi.cli import BUDGET_EXAMPLE, SAVINGS_EXAMPLE, main
from kommuneokonomi.workbook.build import build_all
from kommuneokonomi.workbook.layout import BUDGET, SAVINGS

from ..golden.figures_savings import SECTORS, PrintedSectorSum

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bygget")
    build_all(folder)
    return folder


@pytest.fixture
def savings_book(built: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(built / SAVINGS_EXAMPLE, tmp_path / SAVINGS_EXAMPLE))


@pytest.fixture
def budget_book(built: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(built / BUDGET_EXAMPLE, tmp_path / BUDGET_EXAMPLE))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_rows(path: Path, name: str) -> list[dict[str, object]]:
    """A table read back as Excel would show it (cached values)."""
    wb = openpyxl.load_workbook(path, data_only=True)
    for ws in wb.worksheets:
        if name in ws.tables:
            grid = [[c.value for c in row] for row in ws[ws.tables[name].ref]]
            return [dict(zip(grid[0], row, strict=True)) for row in grid[1:]]
    raise AssertionError(f"{name} not found")


def input_cells(path: Path, specs: tuple) -> dict[str, list[list[object]]]:  # type: ignore[type-arg]
    """Every cell (value and number format) of every input sheet."""
    wb = openpyxl.load_workbook(path)
    sheets = {s.sheet for s in specs if not s.output} | {"Om"}
    return {
        ws.title: [[(c.value, c.number_format) for c in row] for row in ws.iter_rows()]
        for ws in wb.worksheets
        if ws.title in sheets
    }


def _sector_params() -> list:  # type: ignore[type-arg]
    return [
        pytest.param(
            r, id=r.id, marks=[pytest.mark.xfail(strict=True, reason=r.xfail)] if r.xfail else []
        )
        for r in SECTORS
    ]


@pytest.fixture(scope="module")
def recalculated_savings(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ut") / "innsparing.xlsx"
    assert main(["recalc", str(built / SAVINGS_EXAMPLE), "-o", str(out)]) == 0
    return out


@pytest.mark.golden
@pytest.mark.parametrize("row", _sector_params())
def test_savings_workbook_reproduces_tabell_10(
    recalculated_savings: Path, row: PrintedSectorSum
) -> None:
    rows = {r["Sektor"]: r for r in table_rows(recalculated_savings, "tblInnsparingSektor")}
    value = rows[row.sector][f"Innsparing {row.column} (mill. kr)"]
    assert isinstance(value, float | int)
    if row.printed is None:
        assert value == 0
    else:
        assert abs(value - row.printed) <= 0.05 + 1e-9


def test_savings_output_table_has_every_line(recalculated_savings: Path) -> None:
    lines = table_rows(recalculated_savings, "tblInnsparing")
    assert len(lines) == 15
    sfo = next(r for r in lines if r["Indikator"] == "sfo_enhetskostnad")
    assert sfo["Ref. 2 kommune"] == "Bergen"
    assert "Bergen" in str(sfo["Forklaring"])
    wb = openpyxl.load_workbook(recalculated_savings)
    ws = wb["Innsparing"]
    assert str(ws["A1"].value).startswith("Beregnet ")
    assert "kommuneokonomi" in str(ws["A1"].value) and SAVINGS_EXAMPLE in str(ws["A1"].value)
    assert ws.freeze_panes == "A5"
    assert len(ws._charts) == 1  # the bar chart of savings per sector


def test_sector_table_uses_formulas_with_the_engine_values(recalculated_savings: Path) -> None:
    wb = openpyxl.load_workbook(recalculated_savings)
    ws = wb["Innsparing"]
    table: Table = ws.tables["tblInnsparingSektor"]
    grid = list(ws[table.ref])
    formulas = [str(c.value) for row in grid[1:] for c in row[1:]]
    assert all(f.startswith("=SUMIF(") for f in formulas[:-2])
    assert formulas[-2].startswith("=SUM(") and formulas[-1].startswith("=SUM(")


def test_budget_workbook_checks_all_ok(tmp_path: Path, built: Path) -> None:
    out = tmp_path / "budsjett.xlsx"
    assert main(["recalc", str(built / BUDGET_EXAMPLE), "-o", str(out)]) == 0
    checks = table_rows(out, "tblKontroller")
    assert checks and all(r["Status"] == "OK" for r in checks)
    names = {r["Kontroll"] for r in checks}
    assert {"Klæbu regnskapsresultat 2018", "Trondheim regnskapsresultat 2018"} <= names
    sums = {r["Kontroll"]: r["Verdi"] for r in checks}
    assert sums["Klæbu regnskapsresultat 2018"] == pytest.approx(26.4)
    assert sums["Trondheim regnskapsresultat 2018"] == pytest.approx(216)
    snitt = {r["År"]: r for r in table_rows(out, "tblSammenligningSnitt")}
    # S: "Snitt ASSS" 832 596, 833 930, 884 401, 923 959 (own municipality included)
    for year, printed in ((2015, 832_596), (2016, 833_930), (2017, 884_401), (2018, 923_959)):
        assert abs(snitt[year]["Snitt med egen"] - printed) <= 0.5
    balance = table_rows(out, "tblBalanse")
    assert balance and all(r["Status"] == "OK" and r["Netto"] == pytest.approx(0) for r in balance)


@pytest.mark.parametrize("which", ["innsparing", "budsjett"])
def test_inputs_unchanged_and_output_replaced(
    which: str, savings_book: Path, budget_book: Path
) -> None:
    path, specs = (savings_book, SAVINGS) if which == "innsparing" else (budget_book, BUDGET)
    before = input_cells(path, specs)
    assert main(["recalc", str(path)]) == 0
    assert main(["recalc", str(path)]) == 0  # twice: outputs replaced, not added
    assert input_cells(path, specs) == before
    wb = openpyxl.load_workbook(path)
    output_sheets = {s.sheet for s in specs if s.output}
    assert set(wb.sheetnames) >= output_sheets
    assert sum(1 for n in wb.sheetnames if n in output_sheets) == len(output_sheets)


def test_recalc_to_other_file_leaves_input_bytes(savings_book: Path, tmp_path: Path) -> None:
    before = digest(savings_book)
    assert main(["recalc", str(savings_book), "-o", str(tmp_path / "ut.xlsx")]) == 0
    assert digest(savings_book) == before


def test_user_sheets_and_columns_survive(savings_book: Path) -> None:
    wb = openpyxl.load_workbook(savings_book)
    notes = wb.create_sheet("Mine notater")
    notes["B2"] = "Husk å sjekke barnevern"
    ws = wb["Data"]
    table = ws.tables["tblData"]
    _, min_row, max_col, max_row = openpyxl.utils.cell.range_boundaries(table.ref)
    extra = max_col + 1
    # a user's own column inside the table, and a note in a cell to the right of it
    ws.cell(row=min_row, column=extra, value="Min kommentar")
    ws.cell(row=min_row + 1, column=extra, value="sjekket")
    table.ref = f"A{min_row}:{openpyxl.utils.get_column_letter(extra)}{max_row}"
    table.tableColumns.append(openpyxl.worksheet.table.TableColumn(id=extra, name="Min kommentar"))
    ws.cell(row=min_row, column=extra + 3, value="notat utenfor tabellen")
    wb.save(savings_book)

    assert main(["recalc", str(savings_book)]) == 0
    after = openpyxl.load_workbook(savings_book)
    assert after["Mine notater"]["B2"].value == "Husk å sjekke barnevern"
    data = after["Data"]
    assert data.cell(row=min_row, column=extra).value == "Min kommentar"
    assert data.cell(row=min_row + 1, column=extra).value == "sjekket"
    assert data.cell(row=min_row, column=extra + 3).value == "notat utenfor tabellen"
    assert "Min kommentar" in [c.name for c in data.tables["tblData"].tableColumns]


def test_check_exits_1_and_names_the_unbalanced_year(
    budget_book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(budget_book)]) == 0
    wb = openpyxl.load_workbook(budget_book)
    ws = wb["Budsjett"]
    grid = list(ws[ws.tables["tblBudsjett"].ref])
    header = [c.value for c in grid[0]]
    year_col, amount_col = header.index("År"), header.index("Beløp")
    row = next(r for r in grid[1:] if r[year_col].value == 2022)
    row[amount_col].value = float(row[amount_col].value) + 12.5
    wb.save(budget_book)
    before = digest(budget_book)
    capsys.readouterr()
    assert main(["check", str(budget_book)]) == 1
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "AVVIK" in line and "2022" in line)
    assert "12,5" in line
    assert not any("AVVIK" in ln and ("2020" in ln or "2021" in ln) for ln in out.splitlines())
    assert digest(budget_book) == before  # check writes nothing
