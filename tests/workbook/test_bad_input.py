"""Bad input through the CLI: exit 2, a Norwegian message naming sheet and cell, file untouched."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook

from kommuneokonomi.cli import BUDGET_EXAMPLE, SAVINGS_EXAMPLE, main
from kommuneokonomi.workbook.build import build_all


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bygget")
    build_all(folder)
    return folder


def _cell_of(wb: Workbook, table: str, header: str, row: int) -> tuple[str, str]:
    """(sheet, address) of data row ``row`` (0-based) in column ``header`` of ``table``."""
    for ws in wb.worksheets:
        if table in ws.tables:
            grid = list(ws[ws.tables[table].ref])
            col = [c.value for c in grid[0]].index(header)
            return ws.title, grid[1 + row][col].coordinate
    raise AssertionError(table)


def remove_table(name: str) -> Callable[[Workbook], tuple[str, str | None]]:
    def mutate(wb: Workbook) -> tuple[str, str | None]:
        for ws in wb.worksheets:
            if name in ws.tables:
                del ws.tables[name]
                return ws.title, None
        raise AssertionError(name)

    return mutate


def rename_column(table: str, old: str, new: str) -> Callable[[Workbook], tuple[str, str | None]]:
    def mutate(wb: Workbook) -> tuple[str, str | None]:
        for ws in wb.worksheets:
            if table in ws.tables:
                t = ws.tables[table]
                header = next(iter(ws[t.ref]))
                for cell, col in zip(header, t.tableColumns, strict=True):
                    if cell.value == old:
                        cell.value = new
                        col.name = new
                        # the message points at the retyped header (issue 12: not at E1)
                        return ws.title, cell.coordinate
        raise AssertionError(table)

    return mutate


def set_cell(
    table: str, header: str, row: int, value: object
) -> Callable[[Workbook], tuple[str, str | None]]:
    def mutate(wb: Workbook) -> tuple[str, str | None]:
        sheet, address = _cell_of(wb, table, header, row)
        wb[sheet][address] = value
        return sheet, address

    return mutate


def set_setting(key: str, value: object) -> Callable[[Workbook], tuple[str, str | None]]:
    def mutate(wb: Workbook) -> tuple[str, str | None]:
        ws = wb["Innstillinger"]
        grid = list(ws[ws.tables["tblInnstillinger"].ref])
        for row in grid[1:]:
            if row[0].value == key:
                row[1].value = value
                return ws.title, row[1].coordinate
        raise AssertionError(key)

    return mutate


CASES = [
    pytest.param(
        SAVINGS_EXAMPLE, remove_table("tblIndikatorer"), "tblIndikatorer", id="mangler tabell"
    ),
    pytest.param(
        SAVINGS_EXAMPLE, rename_column("tblData", "Verdi", "Tall"), "'Verdi'", id="omdøpt kolonne"
    ),
    pytest.param(
        SAVINGS_EXAMPLE,
        set_cell("tblData", "Verdi", 3, "mye"),
        "'mye' er ikke et tall",
        id="tekst i tallkolonne",
    ),
    pytest.param(
        SAVINGS_EXAMPLE, set_cell("tblData", "År", 0, "i fjor"), "'i fjor'", id="tekst i årkolonne"
    ),
    pytest.param(
        SAVINGS_EXAMPLE, set_cell("tblData", "Verdi", 5, "#DIV/0!"), "#DIV/0!", id="Excel-feil"
    ),
    pytest.param(
        SAVINGS_EXAMPLE,
        set_setting("Egen kommune", "Trondhjem"),
        "'Trondhjem'",
        id="ukjent kommune i innstillinger",
    ),
    pytest.param(SAVINGS_EXAMPLE, set_setting("År", "2007,5"), "årstall", id="ugyldig år"),
    pytest.param(
        SAVINGS_EXAMPLE,
        set_setting("Referanse 2", "Narvik"),
        "'Narvik'",
        id="ukjent referansekommune",
    ),
    pytest.param(
        SAVINGS_EXAMPLE,
        set_cell("tblIndikatorer", "Beste", 0, "midt"),
        "'midt'",
        id="ugyldig beste",
    ),
    pytest.param(
        BUDGET_EXAMPLE,
        set_cell("tblBudsjett", "Beløp", 0, "mange"),
        "'mange' er ikke et tall",
        id="tekst i beløp",
    ),
    pytest.param(
        BUDGET_EXAMPLE,
        set_cell("tblTiltak", "Varighet", 0, "kanskje"),
        "kanskje",
        id="ugyldig varighet",
    ),
    pytest.param(
        BUDGET_EXAMPLE,
        set_setting("Egen kommune", "Gotham"),
        "Gotham",
        id="ukjent egen kommune i budsjett",
    ),
]


@pytest.mark.parametrize(("example", "mutate", "expected"), CASES)
def test_bad_input_exits_2_naming_sheet_and_cell(
    built: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    example: str,
    mutate: Callable[[Workbook], tuple[str, str | None]],
    expected: str,
) -> None:
    path = tmp_path / example
    shutil.copy(built / example, path)
    wb = openpyxl.load_workbook(path)
    sheet, cell = mutate(wb)
    wb.save(path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    out = tmp_path / "ut.xlsx"

    assert main(["recalc", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Feil: ")
    assert expected in err
    assert f"arket '{sheet}'" in err
    if cell is not None:
        assert f"celle {cell}" in err
    assert "Traceback" not in err
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert not out.exists()
    assert [
        p.name for p in tmp_path.iterdir() if p.name.startswith(".")
    ] == []  # no temp files left

    assert main(["recalc", str(path)]) == 2  # in place: the file stays as it was
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_several_problems_reported_together(
    built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / SAVINGS_EXAMPLE
    shutil.copy(built / SAVINGS_EXAMPLE, path)
    wb = openpyxl.load_workbook(path)
    _, a = set_cell("tblData", "Verdi", 1, "x1")(wb)
    _, b = set_cell("tblData", "Verdi", 2, "x2")(wb)
    wb.save(path)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "2 feil i inndata" in err and f"celle {a}" in err and f"celle {b}" in err


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("tilfeldig.xlsx", b"\x00\x01 ikke en zip", "ikke en gyldig Excel-fil"),
        ("data.csv", b"a,b\n1,2\n", "filtypen '.csv' støttes ikke"),
        ("mangler.xlsx", None, "filen finnes ikke"),
    ],
)
def test_not_a_workbook(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes | None,
    expected: str,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    assert main(["recalc", str(path)]) == 2
    assert expected in capsys.readouterr().err
    if content is not None:
        assert path.read_bytes() == content


def test_problems_in_data_and_settings_reported_together(
    built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / SAVINGS_EXAMPLE
    shutil.copy(built / SAVINGS_EXAMPLE, path)
    wb = openpyxl.load_workbook(path)
    _, data_cell = set_cell("tblData", "Verdi", 2, "x1")(wb)
    _, setting_cell = set_setting("Egen kommune", "Trondhjem")(wb)
    _, beste_cell = set_cell("tblIndikatorer", "Beste", 1, "midt")(wb)
    wb.save(path)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "3 feil i inndata" in err
    for sheet, cell in (
        ("Data", data_cell),
        ("Innstillinger", setting_cell),
        ("Indikatorer", beste_cell),
    ):
        assert f"arket '{sheet}', celle {cell}" in err
