"""The plan workbook (issue 15) end to end: the example built from the 2019 slides recalculates
headless; its output sheets hold the plan years, the demographic cost, the capital costs, the
measures chosen and the checks; bad input gets Norwegian messages naming sheet and cell."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from kommuneokonomi.service import recalculate
from kommuneokonomi.workbook.build import PLAN_EXAMPLE, PLAN_TEMPLATE
from kommuneokonomi.workbook.fastread import CalamineBook

from ..trust.helpers import digest, run_cli


def _table(path: Path, name: str) -> list[dict[str, object]]:
    """A named table's rows as header -> value (cached values of formulas)."""
    wb = openpyxl.load_workbook(path, data_only=True)
    for ws in wb.worksheets:
        if name in ws.tables:
            rows = list(ws[ws.tables[name].ref].__iter__())
            header = [c.value for c in rows[0]]
            return [dict(zip(header, (c.value for c in r), strict=True)) for r in rows[1:]]
    raise AssertionError(f"no table {name}")


def _edit(source: Path, target: Path, sheet: str, cell: str, value: object) -> Path:
    wb = openpyxl.load_workbook(source)
    ws = wb[sheet]
    assert isinstance(ws, Worksheet)
    ws[cell] = value
    wb.save(target)
    return target


@pytest.fixture(scope="module")
def recalculated(examples: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan") / "plan.xlsx"
    run = run_cli("recalc", examples / PLAN_EXAMPLE, "-o", out)
    assert run.code == 0, run.err
    return out


def test_the_example_recalculates_and_closes_every_plan_year(
    examples: Path, recalculated: Path
) -> None:
    before = digest(examples / PLAN_EXAMPLE)
    result = recalculate(CalamineBook(examples / PLAN_EXAMPLE))
    assert result.kind == "plan" and not result.warnings
    assert digest(examples / PLAN_EXAMPLE) == before  # the input file is never touched
    plan = _table(recalculated, "tblPlan")
    assert [r["År"] for r in plan] == [2020, 2021, 2022, 2023]
    for r in plan:
        # the written formulas hold: before = frame + changes + demography + capital costs
        parts = ("Ramme", "Endringer", "Demografi", "Kapitalkostnader")
        assert r["Ubalanse før tiltak"] == pytest.approx(sum(float(r[p]) for p in parts))  # type: ignore[arg-type]
        assert r["Ubalanse etter tiltak"] == pytest.approx(
            float(r["Ubalanse før tiltak"]) - float(r["Tiltak"])  # type: ignore[arg-type]
        )
        assert float(r["Ubalanse etter tiltak"]) <= 0.05  # type: ignore[arg-type]
        assert float(r["Netto driftsresultat i %"]) >= 0.0175 - 1e-9  # type: ignore[arg-type]
    # S: «UBALANSE i 2020»: the plan shows a gap before measures in 2020
    assert float(plan[0]["Ubalanse før tiltak"]) > 0  # type: ignore[arg-type]
    statuses = {r["Kontroll"]: r["Status"] for r in _table(recalculated, "tblKontroller")}
    assert all(statuses[f"Balanse {t}"] == "OK" for t in range(2020, 2024))
    assert all(s == "OK" for s in statuses.values()), statuses


def test_the_demographic_cost_follows_the_slides_and_tbus_rates(recalculated: Path) -> None:
    """Barnehage 2020: 300 fewer children aged 1-5 (S) x 76 700 kr (23 mill / 300, derived
    from S's «reduksjon 23 mill i budsjett 2020») = -23,01 mill; pleie og omsorg 2021: 110
    more aged 90+ x 372 600 kr (TBU/KS) = 40,986 mill, both computed by hand here."""
    rows = {(r["Sektor"], r["År"]): r for r in _table(recalculated, "tblDemografi")}
    assert float(rows[("Barnehage", 2020)]["Merutgift"]) == pytest.approx(-300 * 76_700 / 1e6)  # type: ignore[arg-type]
    assert float(rows[("Pleie og omsorg", 2021)]["Merutgift"]) == pytest.approx(110 * 372_600 / 1e6)  # type: ignore[arg-type]
    assert "1-5 år: -300 x 76 700 kr" in str(rows[("Barnehage", 2020)]["Forklaring"])


def test_the_capital_costs_are_the_serial_loans_of_the_investment_plan(recalculated: Path) -> None:
    """2021: the school (300 over 40 years) and the IT (40 over 5 years) raised in 2020 pay
    7,5 + 8 = 15,5 in instalments and 2,2 % x 340 = 7,48 in interest (hand computation)."""
    rows = {r["År"]: r for r in _table(recalculated, "tblKapital")}
    assert float(rows[2020]["Avdrag nye lån"]) == 0  # type: ignore[arg-type]
    assert float(rows[2021]["Avdrag nye lån"]) == pytest.approx(7.5 + 8)  # type: ignore[arg-type]
    assert float(rows[2021]["Renter nye lån"]) == pytest.approx(0.022 * 340)  # type: ignore[arg-type]
    assert all(r["Status"] == "OK" for r in rows.values())


def test_the_measures_sheet_lists_the_chosen_set_and_alternatives(recalculated: Path) -> None:
    rows = _table(recalculated, "tblTiltaksvalg")
    chosen = [r for r in rows if r["Løsning"] == "Valgt"]
    assert chosen and any(str(r["Løsning"]).startswith("Alternativ") for r in rows)
    # priority 1 measures come first: the cheapest ones in consequence are all taken
    assert {"Innkjøpsbesparelser", "Effektivisering i administrasjonen"} <= {
        str(r["Tiltak"]) for r in chosen
    }


def test_the_gap_chart_is_on_the_plan_sheet(recalculated: Path) -> None:
    wb = openpyxl.load_workbook(recalculated)
    assert len(wb["Plan"]._charts) == 1


def test_too_few_measures_say_how_much_is_missing(examples: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(examples / PLAN_EXAMPLE)
    ws = wb["Tiltak"]
    ref = ws.tables["tblTiltaksliste"].ref
    for row in ws[ref][2:]:  # keep only the first measure
        for cell in row:
            cell.value = None
    path = tmp_path / "few.xlsx"
    wb.save(path)
    run = run_cli("check", path)
    assert run.code == 1
    assert "tiltakene lukker ikke gapet i 2021" in run.out
    assert "det mangler" in run.out and "AVVIK" in run.out


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "where", "words"),
    [
        ("Ramme", "C2", "skole", "arket 'Ramme', celle C2", "ukjent kategori 'skole'"),
        ("Ramme", "D3", "mye", "arket 'Ramme', celle D3", "ikke et tall"),
        ("Satser", "B2", "2-5 år", "arket 'Satser', celle B2", "har ikke aldersgruppen '2-5 år'"),
        ("Satser", "D2", 1.5, "arket 'Satser', celle D2", "mellom 0 og 1"),
        ("Tiltak", "E3", "kanskje", "arket 'Tiltak', celle E3", "ukjent varighet"),
        ("Tiltak", "D3", -5, "arket 'Tiltak', celle D3", "positivt tall"),
        ("Endringer", "D2", 2030, "arket 'Endringer', celle D2", "utenfor planperioden"),
        ("Investeringer", "I2", 0, "arket 'Investeringer', celle I2", "avdragstiden"),
        ("Måltall", "A2", "Trivsel", "arket 'Måltall', celle A2", "ukjent for økonomiplanen"),
        ("Måltall", "B2", 1.75, "arket 'Måltall', celle B2", "skriv grensen i prosent"),
        ("Investeringer", "M2", 2.5, "arket 'Investeringer', celle M2", "ikke rimelig"),
        ("Innstillinger", "B3", "", "arket 'Innstillinger', celle B3", "må fylles ut"),
        ("Innstillinger", "B5", "dollar", "arket 'Innstillinger', celle B5", "mill. kr, 1000 kr"),
    ],
)
def test_bad_input_is_named_at_its_cell(
    examples: Path, tmp_path: Path, sheet: str, cell: str, value: object, where: str, words: str
) -> None:
    source = examples / PLAN_EXAMPLE
    path = _edit(source, tmp_path / "bad.xlsx", sheet, cell, value)
    before = digest(path)
    run = run_cli("recalc", path)
    assert run.code == 2
    line = next(line for line in run.err.splitlines() if words in line)
    assert where in line
    assert digest(path) == before  # nothing written


def test_a_missing_rate_for_a_year_with_new_loans_is_reported(
    examples: Path, tmp_path: Path
) -> None:
    """The row for 2023 left empty (year and rate): a blank row is no row, so 2023 has none."""
    path = _edit(examples / PLAN_EXAMPLE, tmp_path / "rente.xlsx", "Investeringer", "M5", None)
    path = _edit(path, path, "Investeringer", "L5", None)
    run = run_cli("recalc", path)
    assert run.code == 2
    assert "mangler rente for 2023" in run.err and "arket 'Investeringer'" in run.err


def test_financing_that_does_not_add_up_is_an_avvik(examples: Path, tmp_path: Path) -> None:
    path = _edit(examples / PLAN_EXAMPLE, tmp_path / "fin.xlsx", "Investeringer", "D2", 250)
    result = recalculate(CalamineBook(path))
    (check,) = [c for c in result.checks if c.kontroll.startswith("Finansiering av")]
    assert check.status == "AVVIK" and check.avvik == pytest.approx(-50)
    assert "Ny barneskole" in check.forklaring


def test_new_plan_writes_the_template_and_it_asks_for_the_budget_year(tmp_path: Path) -> None:
    target = tmp_path / "ny.xlsx"
    run = run_cli("new", "plan", target)
    assert run.code == 0 and target.exists()
    wb = openpyxl.load_workbook(target)
    assert {"tblRamme", "tblBefolkning", "tblTiltaksliste"} <= {
        t for ws in wb.worksheets for t in ws.tables
    }
    run = run_cli("recalc", target)
    assert run.code == 2
    assert "Budsjettår" in run.err and "må fylles ut" in run.err


def test_the_template_with_a_budget_year_balances_with_nothing_in_it(
    examples: Path, tmp_path: Path
) -> None:
    wb = openpyxl.load_workbook(examples / PLAN_TEMPLATE)
    ws = wb["Innstillinger"]
    row = next(r for r in ws.iter_rows() if r[0].value == "Budsjettår")
    row[1].value = 2025
    path = tmp_path / "tom.xlsx"
    wb.save(path)
    result = recalculate(CalamineBook(path))
    assert result.plan is not None and list(result.plan["aar"]) == [2026, 2027, 2028, 2029]
    assert all(math.isclose(v, 0.0, abs_tol=1e-12) for v in result.plan["ubalanse_for"])
    assert all(c.status == "OK" for c in result.checks)


def test_a_budget_year_out_of_balance_is_an_advarsel(examples: Path, tmp_path: Path) -> None:
    """The example's base year sums to 0; 10 more on the schools' frame is flagged, and the
    10 follow into every plan year's gap."""
    base = recalculate(CalamineBook(examples / PLAN_EXAMPLE))
    path = _edit(examples / PLAN_EXAMPLE, tmp_path / "ramme.xlsx", "Ramme", "D2", 2460)
    result = recalculate(CalamineBook(path))
    (check,) = [c for c in result.checks if c.kontroll == "Balanse i budsjettåret 2019"]
    assert check.status == "ADVARSEL" and check.verdi == pytest.approx(10)
    assert result.plan is not None and base.plan is not None
    gap = result.plan["ubalanse_for"] - base.plan["ubalanse_for"]
    assert list(gap) == pytest.approx([10, 10, 10, 10])
