"""Errors are located where they arise: the engine says table, row and column, one locator
(workbook/locate.py) names the cell. Each case breaks one cell of an example workbook and
checks that the message names that cell, not another one that merely looks related."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook

from kommuneokonomi.cli import BUDGET_EXAMPLE, SAVINGS_EXAMPLE
from kommuneokonomi.errors import (
    Context,
    InputError,
    InputErrors,
    KommuneokonomiError,
    Location,
)
from kommuneokonomi.service import recalculate
from kommuneokonomi.workbook import layout as L
from kommuneokonomi.workbook.build import build_all
from kommuneokonomi.workbook.fastread import CalamineBook
from kommuneokonomi.workbook.locate import locate
from kommuneokonomi.workbook.tables import RawTable, ReadTable, to_frame

OWN = {"Kommune": "Trondheim", "År": 2007}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bygget")
    build_all(folder)
    return folder


def _cells(wb: Workbook, table: str, header: str, **match: object) -> tuple[str, str, int]:
    """(sheet, address, sheet row) of column ``header`` in the first data row of ``table``
    whose columns equal ``match``."""
    for ws in wb.worksheets:
        if table in ws.tables:
            grid = list(ws[ws.tables[table].ref])
            heads = [c.value for c in grid[0]]
            for row in grid[1:]:
                if all(row[heads.index(k)].value == v for k, v in match.items()):
                    cell = row[heads.index(header)]
                    return ws.title, cell.coordinate, cell.row
    raise AssertionError((table, match))


def _errors(
    built: Path, tmp_path: Path, example: str, mutate: Callable[[Workbook], None]
) -> list[KommuneokonomiError]:
    """The errors recalculating the mutated example raises, one by one."""
    path = tmp_path / example
    shutil.copy(built / example, path)
    wb = openpyxl.load_workbook(path)
    mutate(wb)
    wb.save(path)
    with pytest.raises(KommuneokonomiError) as caught:
        recalculate(CalamineBook(path))
    exc = caught.value
    return list(exc) if isinstance(exc, InputErrors) else [exc]


def _set(
    table: str, header: str, value: float | str | None, **match: object
) -> Callable[[Workbook], None]:
    def mutate(wb: Workbook) -> None:
        sheet, address, _ = _cells(wb, table, header, **match)
        wb[sheet][address] = value

    return mutate


def _where(wb_path: Path, table: str, header: str, **match: object) -> tuple[str, str]:
    sheet, address, _ = _cells(openpyxl.load_workbook(wb_path), table, header, **match)
    return sheet, address


def _named(errors: list[KommuneokonomiError], code: str) -> list[tuple[str | None, str | None]]:
    return [(e.location.sheet, e.location.cell) for e in errors if e.code == code and e.location]


def test_too_large_own_value_names_its_cell(built: Path, tmp_path: Path) -> None:
    """1e308 as the own value used to name the volume cell (Data!D154, an ordinary 5 490)."""
    where = _where(
        built / SAVINGS_EXAMPLE, "tblData", "Verdi", Indikator="sfo_enhetskostnad", **OWN
    )
    mutate = _set("tblData", "Verdi", 1e308, Indikator="sfo_enhetskostnad", **OWN)
    errors = _errors(built, tmp_path, SAVINGS_EXAMPLE, mutate)
    assert _named(errors, "for_stort_tall") == [where]
    assert where == ("Data", "D31")


def test_too_large_peer_value_names_its_cell(built: Path, tmp_path: Path) -> None:
    """A peer's huge value makes the mean huge: the peer's cell is named, not the volume."""
    match = {"Kommune": "Oslo", "År": 2007, "Indikator": "sfo_enhetskostnad"}
    where = _where(built / SAVINGS_EXAMPLE, "tblData", "Verdi", **match)
    errors = _errors(built, tmp_path, SAVINGS_EXAMPLE, _set("tblData", "Verdi", -1e308, **match))
    assert _named(errors, "for_stort_tall") == [where]


def test_too_large_factor_names_the_factor_cell(built: Path, tmp_path: Path) -> None:
    match = {"Indikator": "sfo_enhetskostnad"}
    where = _where(built / SAVINGS_EXAMPLE, "tblIndikatorer", "Faktor", **match)
    errors = _errors(
        built, tmp_path, SAVINGS_EXAMPLE, _set("tblIndikatorer", "Faktor", 1e308, **match)
    )
    assert _named(errors, "for_stort_tall") == [where]
    assert "faktoren" in errors[0].message


def test_missing_own_value_names_its_data_cell(built: Path, tmp_path: Path) -> None:
    match = {"Indikator": "sfo_enhetskostnad", **OWN}
    where = _where(built / SAVINGS_EXAMPLE, "tblData", "Verdi", **match)
    errors = _errors(built, tmp_path, SAVINGS_EXAMPLE, _set("tblData", "Verdi", "..", **match))
    assert _named(errors, "mangler_verdi") == [where]


def test_own_value_without_a_row_names_the_indicator(built: Path, tmp_path: Path) -> None:
    """No data row at all: the indicator's row in tblIndikatorer, where it is named."""
    match = {"Indikator": "sfo_enhetskostnad", **OWN}

    def remove_row(wb: Workbook) -> None:
        sheet, _, row = _cells(wb, "tblData", "Verdi", **match)
        for cell in wb[sheet][row]:
            cell.value = None

    where = _where(
        built / SAVINGS_EXAMPLE, "tblIndikatorer", "Indikator", Indikator="sfo_enhetskostnad"
    )
    errors = _errors(built, tmp_path, SAVINGS_EXAMPLE, remove_row)
    assert _named(errors, "mangler_verdi") == [where]


def test_bad_weight_names_the_weights_data_cell(built: Path, tmp_path: Path) -> None:
    match = {"Kommune": "Oslo", "År": 2007, "Indikator": "sfo_enhetskostnad"}
    where = _where(built / SAVINGS_EXAMPLE, "tblData", "Verdi", **match)

    def mutate(wb: Workbook) -> None:
        _set("tblInnstillinger", "Verdi", "sfo_enhetskostnad", Innstilling="Snitt: vekt")(wb)
        _set("tblData", "Verdi", 0, **match)(wb)

    errors = _errors(built, tmp_path, SAVINGS_EXAMPLE, mutate)
    assert _named(errors, "ugyldig_vekt") == [where]


def test_missing_weight_without_a_row_names_the_setting(built: Path, tmp_path: Path) -> None:
    """Only Trondheim has 'innbyggere': the peers' weights have no row, so the documented
    fallback names the setting that asks for them."""
    setting = _where(
        built / SAVINGS_EXAMPLE, "tblInnstillinger", "Verdi", Innstilling="Snitt: vekt"
    )
    mutate = _set("tblInnstillinger", "Verdi", "innbyggere", Innstilling="Snitt: vekt")
    named = _named(_errors(built, tmp_path, SAVINGS_EXAMPLE, mutate), "ugyldig_vekt")
    assert named and set(named) == {setting}


def test_too_large_budget_amount_names_its_cell(built: Path, tmp_path: Path) -> None:
    """Two amounts of 1e308 in one year overflowed math.fsum (a traceback); now the larger
    amount's cell is named, once."""

    def mutate(wb: Workbook) -> None:
        ws = wb["Budsjett"]
        ws["E2"], ws["E3"] = 1e308, 9e307

    errors = _errors(built, tmp_path, BUDGET_EXAMPLE, mutate)
    assert _named(errors, "for_stort_tall") == [("Budsjett", "E2")]


# --- the locator by itself ------------------------------------------------------------------


def _tables() -> dict[str, ReadTable]:
    raw = RawTable(
        name="tblData",
        sheet="Data",
        top=3,
        left=2,
        headers=["Kommune", "År", "Indikator", "Verdi"],
        rows=[["A", 2020, "x", 1.0], [None, None, None, None], ["B", 2020, "x", 2.0]],
    )
    return {"tblData": to_frame(raw, L.DATA)}


def test_locate_names_the_cell_of_table_row_and_column() -> None:
    tables = _tables()
    fallback = Location(sheet="Innstillinger", cell="B2")
    err = InputError("feil", code="ikke_tall", context=Context(tabell="tblData", rad=1))
    # frame row 1 is the third raw row (the blank one is skipped): sheet row 3 + 1 + 2
    assert locate(err, tables, fallback=fallback).location == Location(sheet="Data", cell="E6")
    year = InputError("feil", code="ugyldig_aar", context=Context(tabell="tblData", rad=0))
    assert locate(year, tables, fallback=fallback).location == Location(sheet="Data", cell="C4")


def test_locate_keeps_a_location_and_falls_back_otherwise() -> None:
    tables = _tables()
    fallback = Location(sheet="Innstillinger", cell="B2")
    placed = InputError("feil", location=Location(sheet="X", cell="A1"))
    assert locate(placed, tables, fallback=fallback) is placed
    for ctx in (Context(), Context(tabell="tblData", rad=9), Context(tabell="tblUkjent", rad=0)):
        err = InputError("feil", context=ctx)
        assert locate(err, tables, fallback=fallback).location == fallback


def test_tabell_does_not_change_the_text() -> None:
    ctx = Context(kommune="A", indikator="x", aar=2020, kolonne="verdi", rad=3)
    assert Context(**{**ctx.__dict__, "tabell": "tblData"}).describe() == ctx.describe()
