"""The example workbooks and templates: reproducible bytes, the contract's tables, the data."""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from kommuneokonomi.engine.balance import one_off_financing, plan_balance, sum_check
from kommuneokonomi.errors import InputError
from kommuneokonomi.workbook.build import (
    BUDGET_EXAMPLE,
    BUDGET_TEMPLATE,
    PLAN_EXAMPLE,
    PLAN_TEMPLATE,
    SAVINGS_EXAMPLE,
    SAVINGS_TEMPLATE,
    build_all,
    build_budget_workbook,
    build_plan_workbook,
    build_savings_workbook,
    input_sheets,
    reproducible_bytes,
    template,
)
from kommuneokonomi.workbook.files import FileBook
from kommuneokonomi.workbook.layout import BUDGET, PLAN_BOOK, SAVINGS, TableSpec, kind_of_tables
from kommuneokonomi.workbook.tables import to_frame

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "workbooks"

BUILDERS: dict[str, Callable[[], Workbook]] = {
    SAVINGS_EXAMPLE: lambda: build_savings_workbook(example=True),
    BUDGET_EXAMPLE: lambda: build_budget_workbook(example=True),
    SAVINGS_TEMPLATE: lambda: build_savings_workbook(example=False),
    BUDGET_TEMPLATE: lambda: build_budget_workbook(example=False),
    PLAN_EXAMPLE: lambda: build_plan_workbook(example=True),
    PLAN_TEMPLATE: lambda: build_plan_workbook(example=False),
}
SPECS: dict[str, tuple[TableSpec, ...]] = {
    SAVINGS_EXAMPLE: SAVINGS,
    BUDGET_EXAMPLE: BUDGET,
    SAVINGS_TEMPLATE: SAVINGS,
    BUDGET_TEMPLATE: BUDGET,
    PLAN_EXAMPLE: PLAN_BOOK,
    PLAN_TEMPLATE: PLAN_BOOK,
}
EXAMPLE_CSV = {
    SAVINGS_EXAMPLE: (
        "asss2007",
        {
            "tblInnstillinger": "innstillinger.csv",
            "tblKommuner": "kommuner.csv",
            "tblIndikatorer": "indikatorer.csv",
            "tblData": ("data.csv", "nokkeltall.csv"),
        },
    ),
    BUDGET_EXAMPLE: (
        "budsjett2019",
        {
            "tblInnstillinger": "innstillinger.csv",
            "tblBudsjett": "budsjett.csv",
            "tblTiltak": "tiltak.csv",
            "tblEndringer": "endringer.csv",
            "tblSummer": "summer.csv",
            "tblOppgittSum": "oppgitt_sum.csv",
            "tblMaltall": "maltall.csv",
            "tblSammenligning": "sammenligning.csv",
        },
    ),
    PLAN_EXAMPLE: (
        "plan2019",
        {
            "tblInnstillinger": "innstillinger.csv",
            "tblRamme": "ramme.csv",
            "tblPlanendringer": "endringer.csv",
            "tblBefolkning": "befolkning.csv",
            "tblSatser": "satser.csv",
            "tblInvesteringer": "investeringer.csv",
            "tblRenter": "renter.csv",
            "tblTiltaksliste": "tiltak.csv",
            "tblMaltall": "maltall.csv",
        },
    ),
}
ALL = list(BUILDERS)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bygget")
    paths = build_all(folder)
    assert [p.name for p in paths] == [
        SAVINGS_EXAMPLE,
        BUDGET_EXAMPLE,
        SAVINGS_TEMPLATE,
        BUDGET_TEMPLATE,
        PLAN_EXAMPLE,
        PLAN_TEMPLATE,
    ]
    return folder


def _csv(folder: str, names: str | tuple[str, ...]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for name in (names,) if isinstance(names, str) else names:
        text = (resources.files("kommuneokonomi") / "data" / folder / name).read_text("utf-8")
        rows += csv.DictReader(io.StringIO(text))
    return rows


def _frame(path: Path, spec: TableSpec) -> pd.DataFrame:
    return to_frame(FileBook(path).read_table(spec), spec).frame


def _table_grid(ws: Worksheet, name: str) -> list[list[object]]:
    return [[c.value for c in row] for row in ws[ws.tables[name].ref]]


def _entries(data: bytes) -> list[tuple[str, tuple[int, ...], int, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [
            (i.filename, tuple(i.date_time), i.compress_type, z.read(i.filename))
            for i in z.infolist()
        ]


# --- reproducibility ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_building_twice_gives_identical_bytes(name: str) -> None:
    assert reproducible_bytes(BUILDERS[name]()) == reproducible_bytes(BUILDERS[name]())


def test_build_all_twice_gives_identical_files(built: Path, tmp_path: Path) -> None:
    for path in build_all(tmp_path):
        assert path.read_bytes() == (built / path.name).read_bytes(), path.name


@pytest.mark.parametrize("name", ALL)
def test_committed_workbook_is_the_scripts_output(built: Path, name: str) -> None:
    """workbooks/ holds exactly what scripts/build_workbooks.py writes.

    Compared entry by entry (name, order, date, compression and content) so that a different
    zlib build, which may deflate the same content to other bytes, does not fail the test;
    rerun ``python scripts/build_workbooks.py`` when this fails.
    """
    committed = COMMITTED / name
    assert committed.exists(), f"{committed} mangler; kjør scripts/build_workbooks.py"
    fresh = (built / name).read_bytes()
    if committed.read_bytes() != fresh:
        assert _entries(committed.read_bytes()) == _entries(fresh)


@pytest.mark.parametrize("name", ALL)
def test_zip_entries_are_dated_1980_and_sorted(built: Path, name: str) -> None:
    with zipfile.ZipFile(built / name) as z:
        infos = z.infolist()
    names = [i.filename for i in infos]
    assert names[0] == "[Content_Types].xml"
    assert names[1:] == sorted(names[1:])
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos)


@pytest.mark.parametrize("name", ALL)
def test_no_file_paths_in_defined_names_or_doc_props(built: Path, name: str) -> None:
    with zipfile.ZipFile(built / name) as z:
        parts = {n: z.read(n).decode("utf-8") for n in z.namelist()}
    assert re.search(r"<definedName[ >]", parts["xl/workbook.xml"]) is None  # none at all
    forbidden = [str(built), str(REPO), str(Path.home()), "file:", "/tmp/", "\\\\"]
    for part, text in parts.items():
        for needle in forbidden:
            assert needle not in text, (part, needle)
    core = parts["docProps/core.xml"]
    # lxml declares the namespace on the element itself, the standard library on the root
    assert re.search(r"<dc:creator( xmlns:dc=\"[^\"]+\")?>kommuneokonomi</dc:creator>", core)
    assert core.count("2020-01-01T00:00:00Z") == 2  # created and modified


# --- the contract ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_sheets_are_om_then_the_input_sheets_in_layout_order(built: Path, name: str) -> None:
    wb = openpyxl.load_workbook(built / name)
    specs = SPECS[name]
    expected = ["Om", *[sheet for sheet, _ in input_sheets(specs)]]
    if specs is SAVINGS:
        expected.append("Henting")  # optional input: what to fetch from SSB
    assert wb.sheetnames == expected
    outputs = {s.sheet for s in specs if s.output}
    assert not outputs & set(wb.sheetnames)  # the recalculation writes them
    assert wb.active is not None and wb.active.title == "Om"
    om = wb["Om"]
    text = " ".join(str(c.value) for row in om.iter_rows() for c in row if c.value)
    assert "kommuneokonomi recalc FIL" in text and "Beregn" in text
    assert "skrives på nytt ved hver beregning" in text
    assert "Inndata-arkene endres aldri" in text
    for spec in specs:
        assert spec.name in text  # every table is explained
    if specs is BUDGET:
        assert "Utgifter skrives positive" in text  # the sign convention


@pytest.mark.parametrize("name", ALL)
def test_every_input_table_has_the_contracts_headers_on_its_sheet(built: Path, name: str) -> None:
    wb = openpyxl.load_workbook(built / name)
    specs = SPECS[name]
    kinds = {id(SAVINGS): "innsparing", id(BUDGET): "budsjett", id(PLAN_BOOK): "plan"}
    assert kind_of_tables({t for ws in wb.worksheets for t in ws.tables}) == kinds[id(specs)]
    for spec in specs:
        if spec.output:
            assert all(spec.name not in ws.tables for ws in wb.worksheets)
            continue
        ws = wb[spec.sheet]
        assert spec.name in ws.tables, (name, spec.name)
        grid = _table_grid(ws, spec.name)
        assert grid[0] == spec.headers
        assert ws.freeze_panes == "A2"
        assert range_boundaries(ws.tables[spec.name].ref)[1] == 1  # header on row 1


@pytest.mark.parametrize("name", [BUDGET_EXAMPLE, BUDGET_TEMPLATE])
def test_shared_sheet_places_the_second_table_right_of_the_first(built: Path, name: str) -> None:
    ws = openpyxl.load_workbook(built / name)["Summer"]
    first = range_boundaries(ws.tables["tblSummer"].ref)
    second = range_boundaries(ws.tables["tblOppgittSum"].ref)
    assert first[:2] == (1, 1) and second[1] == 1
    # tblSummer A:C, its Kilde column D, one empty column E, then tblOppgittSum from F
    assert ws.cell(row=1, column=4).value == "Kilde"
    assert all(ws.cell(row=r, column=5).value is None for r in range(1, ws.max_row + 1))
    assert second[0] == 6


@pytest.mark.parametrize("name", ALL)
def test_no_formulas_anywhere(built: Path, name: str) -> None:
    wb = openpyxl.load_workbook(built / name)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
                assert not (isinstance(cell.value, str) and cell.value.startswith("=")), (
                    ws.title,
                    cell.coordinate,
                )


# --- the example data -------------------------------------------------------------------------


@pytest.mark.parametrize("name", [SAVINGS_EXAMPLE, BUDGET_EXAMPLE])
def test_example_tables_hold_the_csv_rows(built: Path, name: str) -> None:
    folder, files = EXAMPLE_CSV[name]
    for spec in SPECS[name]:
        if spec.output:
            continue
        rows = _csv(folder, files[spec.name])
        frame = _frame(built / name, spec)
        assert len(frame) == len(rows), spec.name
        for column in spec.columns:
            if column.type in ("heltall", "tall", "verdi"):
                for value in frame[column.name]:
                    assert value is None or isinstance(value, int | float), (spec.name, value)


@pytest.mark.parametrize("name", [SAVINGS_EXAMPLE, BUDGET_EXAMPLE])
def test_example_cells_are_numbers_and_sources_sit_outside_the_table(
    built: Path, name: str
) -> None:
    wb = openpyxl.load_workbook(built / name)
    folder, files = EXAMPLE_CSV[name]
    for spec in SPECS[name]:
        if spec.output:
            continue
        ws = wb[spec.sheet]
        grid = _table_grid(ws, spec.name)
        for column_index, column in enumerate(spec.columns):
            if column.type in ("heltall", "tall", "verdi"):
                for row in grid[1:]:
                    value = row[column_index]
                    assert value is None or isinstance(value, int | float), (spec.name, value)
        rows = _csv(folder, files[spec.name])
        source = "kilde" if "kilde" in rows[0] else "grunnlag" if "grunnlag" in rows[0] else None
        _, min_row, max_col, _ = range_boundaries(ws.tables[spec.name].ref)
        right = [ws.cell(row=min_row, column=max_col + j).value for j in (1, 2)]
        if source is None:
            assert "Kilde" not in right
            continue
        col = max_col + 1 + right.index("Kilde")
        shown = [ws.cell(row=min_row + 1 + i, column=col).value for i in range(len(rows))]
        assert shown == [r[source].strip() or None for r in rows], spec.name


def test_savings_example_spot_values(built: Path) -> None:
    path = built / SAVINGS_EXAMPLE
    data = _frame(path, SAVINGS[3])
    trondheim = data[(data["kommune"] == "Trondheim") & (data["indikator"] == "sfo_enhetskostnad")]
    assert trondheim["verdi"].tolist() == [24230]
    assert trondheim["aar"].tolist() == [2007]
    kommuner = _frame(path, SAVINGS[1])
    assert kommuner.loc[kommuner["kommune"] == "Oslo", "kommunenummer"].tolist() == ["0301"]
    settings = _frame(path, SAVINGS[0])
    pairs = dict(zip(settings["innstilling"], settings["verdi"], strict=True))
    assert pairs["Egen kommune"] == "Trondheim" and pairs["År"] == "2007"
    om = openpyxl.load_workbook(path)["Om"]
    text = " ".join(str(c.value) for row in om.iter_rows() for c in row if c.value)
    assert (
        "Dataene er REKONSTRUERT fra rapporten «Den økonomiske situasjonen i Trondheim "
        "kommune» (2008), ikke offisielle KOSTRA-tall" in text
    )


def test_budget_example_spot_values(built: Path) -> None:
    path = built / BUDGET_EXAMPLE
    specs = {s.name: s for s in BUDGET}
    summer = _frame(path, specs["tblSummer"])
    klaebu = summer[summer["tabell"] == "Klæbu regnskapsresultat 2018"]["belop"].tolist()
    assert klaebu == [6.6, 2.6, -0.5, -1.2, 8.5, 10.4]
    stated = _frame(path, specs["tblOppgittSum"])
    assert stated["oppgitt_sum"].tolist() == [26.4, 216, 90, -90]
    settings = _frame(path, specs["tblInnstillinger"])
    pairs = dict(zip(settings["innstilling"], settings["verdi"], strict=True))
    assert pairs == {
        "Egen kommune": "Trondheim",
        "Toleranse": "0.05",
        "Sammenligning: enhet": "kr per bruker",
    }
    om = openpyxl.load_workbook(path)["Om"]
    text = " ".join(str(c.value) for row in om.iter_rows() for c in row if c.value)
    assert "ILLUSTRATIVE EKSEMPLER" in text and "tblBudsjett" in text and "tblTiltak" in text


def test_budget_example_plan_balances_and_lasting_measures_are_covered(built: Path) -> None:
    path = built / BUDGET_EXAMPLE
    specs = {s.name: s for s in BUDGET}
    budget = _frame(path, specs["tblBudsjett"])
    assert sorted(set(budget["aar"])) == [2020, 2021, 2022, 2023]
    assert set(budget["art"]) == {"utgift", "inntekt"}
    assert all(
        (b > 0) == (a == "utgift") for a, b in zip(budget["art"], budget["belop"], strict=True)
    )
    for year, group in budget.groupby("aar"):
        assert math.fsum(group["belop"]) == 0, year
    assert all(r.ok for r in plan_balance(budget))
    boa = budget[(budget["aar"] == 2020) & (budget["omrade"] == "Bo- og aktivitetstilbud")]
    assert 63 in boa["belop"].tolist()
    measures = _frame(path, specs["tblTiltak"])
    assert set(measures["varighet"]) == {"varig", "engangs"}
    assert [r.status for r in one_off_financing(measures)] == ["OK"]
    summer = _frame(path, specs["tblSummer"])
    for tabell, total in zip(*_frame(path, specs["tblOppgittSum"]).T.values, strict=True):
        lines = summer.loc[summer["tabell"] == tabell, "belop"].astype(float).tolist()
        assert sum_check(lines, stated_total=float(total), name=str(tabell), tolerance=0.05).ok
    goals = _frame(path, specs["tblMaltall"])
    assert goals["grense"].tolist() == [0.0175, 0.05]  # Excel percentages: 1,75 % and 5 %
    assert set(goals["retning"]) == {"minst"}
    assert all(v >= g for v, g in zip(goals["verdi"], goals["grense"], strict=True))


def test_invented_budget_rows_say_so() -> None:
    for name in ("budsjett.csv", "tiltak.csv"):
        for row in _csv("budsjett2019", name):
            assert row["kilde"].startswith("Illustrativt eksempel, ikke fra kildene"), row


# --- the templates ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", [SAVINGS_TEMPLATE, BUDGET_TEMPLATE])
def test_templates_have_no_rows_except_the_settings(built: Path, name: str) -> None:
    for spec in SPECS[name]:
        if spec.output:
            continue
        frame = _frame(built / name, spec)
        if spec.name == "tblInnstillinger":
            assert len(frame) > 0
        else:
            assert len(frame) == 0, spec.name


def test_savings_template_settings_defaults(built: Path) -> None:
    settings = _frame(built / SAVINGS_TEMPLATE, SAVINGS[0])
    assert list(zip(settings["innstilling"], settings["verdi"], strict=True)) == [
        ("Egen kommune", None),
        ("År", None),
        ("Sammenligningsgruppe", "ASSS"),
        ("Referanse 1", "snitt"),
        ("Referanse 2", "3. beste"),
        ("Snitt: ta med egen kommune", "Nei"),
        ("Snitt: utelat", None),
        ("Snitt: vekt", None),
    ]


def test_budget_template_settings(built: Path) -> None:
    settings = _frame(built / BUDGET_TEMPLATE, BUDGET[0])
    assert settings["innstilling"].tolist() == ["Egen kommune", "Toleranse", "Sammenligning: enhet"]


def test_template_by_kind() -> None:
    assert reproducible_bytes(template("innsparing")) == reproducible_bytes(
        build_savings_workbook(example=False)
    )
    assert reproducible_bytes(template("budsjett")) == reproducible_bytes(
        build_budget_workbook(example=False)
    )
    with pytest.raises(InputError) as info:
        template("regnskap")
    assert info.value.code == "ukjent_type"
