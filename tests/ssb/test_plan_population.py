"""The four-year plan's population from SSB: ``kommuneokonomi hent plan.xlsx`` fills
tblBefolkning with the age groups tblSatser prices, registered (07459) where SSB has the year
and projected (the projection table, main alternative) after; the plan then recalculates with
those figures. Against the local server, in SSB's formats (07459 and 14288 as public code calls
them: Region, Kjonn 1/2, Alder 000-104 and 105+)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kommuneokonomi.errors import KommuneokonomiError
from kommuneokonomi.ssb.befolkning import _main_contents, age_codes, hent_befolkning
from kommuneokonomi.ssb.errors import FetchError
from kommuneokonomi.ssb.metadata import TableMeta, Variable
from kommuneokonomi.workbook.build import build_plan_workbook

from ..trust.helpers import digest, run_cli
from .server import Cell, FakeSsb, FakeTable

NOW = dt.datetime(2025, 6, 20, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
AGES = [f"{a:03d}" for a in range(105)] + ["105+"]
REGISTERED = ["2018", "2019", "2020", "2021"]
PROJECTED = [str(y) for y in range(2021, 2031)]
# the example plan: Trondheim (5001), budget year 2019, plan years 2020-2023; tblSatser prices
# these three groups
GROUPS = {
    "1-5 år": range(1, 6),
    "90 år og over": [*range(90, 105), 105],
    "23-29 år": range(23, 30),
}


def _people(region: str, sex: str, age: str, year: str, *, projected: bool = False) -> int:
    """A made-up but distinct count per cell, so every sum is checkable by hand."""
    a = 105 if age == "105+" else int(age)
    return int(region) % 89 * 100 + int(sex) * 7 + a * 3 + (int(year) % 100) * 11 + projected


def _by_hand(ages: object, year: int, *, projected: bool) -> int:
    return sum(
        _people("5001", sex, f"{a:03d}" if a < 105 else "105+", str(year), projected=projected)
        for sex in ("1", "2")
        for a in ages  # type: ignore[attr-defined]
    )


#: what each projection alternative adds to a cell (the main one 1, as `projected`)
SHIFT = {"Personer": 1, "Lav": -2, "Hoy": 5}


def _table(table: str, contents: dict[str, str], years: list[str], **missing: str) -> FakeTable:
    regions = {"5001": "Trondheim - Tråante", "4601": "Bergen"}
    values: dict[tuple[str, ...], Cell] = {}
    code = next(iter(contents))
    for region, year, sex, age in itertools.product(regions, years, ("1", "2"), AGES):
        values[(region, code, year, sex, age)] = _people(
            region, sex, age, year, projected=table != "07459"
        )
        for other in list(contents)[1:]:  # the low and high alternatives
            values[(region, other, year, sex, age)] = _people(region, sex, age, year) + SHIFT[other]
    for key, symbol in missing.items():
        region, year, sex, age = key.split("_")
        values[(region, code, year, sex, age)] = symbol
    return FakeTable(
        id=table,
        title="Befolkning" if table == "07459" else "Framskrevet folkemengde 1. januar",
        regions=regions,
        contents=contents,
        years=years,
        values=values,
        region_dim="Region",
        extra={
            "Kjonn": {"1": "Menn", "2": "Kvinner"},
            "Alder": {a: ("105 år eller eldre" if a == "105+" else f"{int(a)} år") for a in AGES},
        },
    )


def _registered(**missing: str) -> FakeTable:
    return _table("07459", {"Personer1": "Personer"}, REGISTERED, **missing)


def _projection(**missing: str) -> FakeTable:
    contents = {
        "Personer": "Hovedalternativet (MMMM)",
        "Lav": "Lav nasjonal vekst (LLML)",
        "Hoy": "Høy nasjonal vekst (HHMH)",
    }
    table = _table("14288", contents, PROJECTED, **missing)
    return table


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    path = tmp_path / "plan.xlsx"
    build_plan_workbook(example=True).save(path)
    return path


def _befolkning(path: Path) -> dict[tuple[str, int, object], tuple[object, object]]:
    """(Aldersgruppe, År, Alternativ) -> (Antall, Kilde beside the table)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Befolkning"]
    table = ws.tables["tblBefolkning"]
    rows = list(ws[table.ref])
    header = [c.value for c in rows[0]]
    assert header == ["Aldersgruppe", "År", "Antall", "Alternativ"]
    assert ws.cell(1, 5).value == "Kilde"
    out = {}
    for r in rows[1:]:
        if r[0].value is None:
            continue
        key = (str(r[0].value), int(r[1].value), r[3].value)  # type: ignore[arg-type]
        assert key not in out, key
        out[key] = (r[2].value, ws.cell(r[0].row, 5).value)
    return out


def test_hent_fills_every_group_and_year_registered_then_projected(plan: Path) -> None:
    with FakeSsb(_registered(), _projection()) as ssb:
        result = hent_befolkning(plan, api_url=ssb.url, now=NOW)
    assert result.population.registered == [2019, 2020, 2021]
    assert result.population.projected == [2022, 2023]
    assert result.population.groups == list(GROUPS)
    rows = _befolkning(plan)
    assert len(rows) == len(GROUPS) * 5  # the example's own rows were replaced, not doubled
    for (group, ages), year in itertools.product(GROUPS.items(), range(2019, 2024)):
        projected = year >= 2022
        antall, kilde = rows[(group, year, "hoved" if projected else None)]
        assert antall == _by_hand(ages, year, projected=projected), (group, year)
        assert str(kilde).startswith(f"SSB tabell {'14288' if projected else '07459'} ")
        assert "Region=5001" in str(kilde) and "Kjonn=1,2 (sum)" in str(kilde)
    # the projection's main alternative by its label (MMMM), not the low one
    assert "(Personer, Alder=001-005 (sum)" in str(rows[("1-5 år", 2023, "hoved")][1])
    assert result.replaced == 15 and result.added == 0


def test_the_plan_recalculates_with_the_fetched_population(plan: Path) -> None:
    """The demographic cost of barnehage in 2022 is the change in children aged 1-5 from the
    budget year 2019 (registered) to 2022 (projected) at the example's 76 700 kr per child, in
    mill. kr (the plan's frame for a year holds the growth since the budget year)."""
    with FakeSsb(_registered(), _projection()) as ssb:
        hent_befolkning(plan, api_url=ssb.url, now=NOW)
    out = plan.with_name("beregnet.xlsx")
    run = run_cli("recalc", plan, "-o", out)
    assert run.code == 0, run.err
    wb = openpyxl.load_workbook(out, data_only=True)
    ws = wb["Demografi"]
    cells = list(ws[ws.tables["tblDemografi"].ref])
    header = [c.value for c in cells[0]]
    rows = {
        (r[0].value, r[1].value): dict(zip(header, (c.value for c in r), strict=True))
        for r in cells[1:]
    }
    row = rows[("Barnehage", 2022)]
    change = _by_hand(GROUPS["1-5 år"], 2022, projected=True) - _by_hand(
        GROUPS["1-5 år"], 2019, projected=False
    )
    assert float(row["Merutgift"]) == pytest.approx(change * 76_700 / 1e6)  # type: ignore[arg-type]


def test_other_alternatives_are_left_alone_and_new_groups_appended(tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    wb = build_plan_workbook(example=True)
    ws = wb["Befolkning"]
    table = ws.tables["tblBefolkning"]
    last = ws.max_row
    ws.cell(last + 1, 1, "1-5 år"), ws.cell(last + 1, 2, 2023), ws.cell(last + 1, 3, 1234)
    ws.cell(last + 1, 4, "lav")
    ws.cell(last + 2, 1, "0 år"), ws.cell(last + 2, 2, 2019), ws.cell(last + 2, 3, 1)
    table.ref = f"A1:D{last + 2}"
    wb.save(path)
    with FakeSsb(_registered(), _projection()) as ssb:
        result = hent_befolkning(path, api_url=ssb.url, now=NOW)
    rows = _befolkning(path)
    assert rows[("1-5 år", 2023, "lav")][0] == 1234  # the user's own alternative
    assert result.kept_alternatives == 1
    # "0 år" was in tblBefolkning: fetched for every year, the hand-typed 2019 replaced
    assert rows[("0 år", 2019, None)][0] == _by_hand([0], 2019, projected=False)
    assert rows[("0 år", 2023, "hoved")][0] == _by_hand([0], 2023, projected=True)
    assert result.added == 4 and result.replaced == 16


def test_offline_replays_the_same_figures(plan: Path, tmp_path: Path) -> None:
    with FakeSsb(_registered(), _projection()) as ssb:
        hent_befolkning(plan, api_url=ssb.url, now=NOW)
    fetched = _befolkning(plan)
    again = tmp_path / "igjen.xlsx"
    build_plan_workbook(example=True).save(again)
    hent_befolkning(again, offline=True, cache_dir=plan.with_suffix(".ssb-cache"))
    assert _befolkning(again) == fetched


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "where", "fragment"),
    [
        ("Satser", "B2", "småbarn", "'Satser', celle B2", "«6-15 år»"),
        ("Innstillinger", "B2", "Trondhjem", "'Innstillinger', celle B2", "mente du Trondheim?"),
        ("Innstillinger", "B3", "2040", "'Innstillinger', celle B3", "2041, 2042, 2043, 2044"),
    ],
)
def test_bad_input_is_named_at_its_cell_and_nothing_is_written(
    plan: Path, sheet: str, cell: str, value: object, where: str, fragment: str
) -> None:
    wb = openpyxl.load_workbook(plan)
    wb[sheet][cell] = value
    wb.save(plan)
    before = digest(plan)
    with FakeSsb(_registered(), _projection()) as ssb, pytest.raises(KommuneokonomiError) as caught:
        hent_befolkning(plan, api_url=ssb.url, now=NOW)
    assert where in str(caught.value) and fragment in str(caught.value), str(caught.value)
    assert digest(plan) == before


def test_a_figure_ssb_does_not_show_stops_the_fetch(plan: Path) -> None:
    before = digest(plan)
    missing = _projection(**{"5001_2023_2_091": ":"})
    with FakeSsb(_registered(), missing) as ssb, pytest.raises(FetchError) as caught:
        hent_befolkning(plan, api_url=ssb.url, now=NOW)
    assert "90 år og over 2023 (:)" in str(caught.value)
    assert digest(plan) == before


def test_an_age_ssb_does_not_have_is_named_with_the_codes_it_has(plan: Path) -> None:
    wb = openpyxl.load_workbook(plan)
    wb["Satser"]["B2"] = "1-5 år"
    wb.save(plan)
    small = _registered()
    small.extra["Alder"] = {a: a for a in AGES[:3]}  # 000-002 only
    with FakeSsb(small, _projection()) as ssb, pytest.raises(KommuneokonomiError) as caught:
        hent_befolkning(plan, api_url=ssb.url, now=NOW)
    assert "Alder" in str(caught.value) and "003" in str(caught.value)


def test_the_command_dispatches_on_the_plan_workbook(plan: Path, tmp_path: Path) -> None:
    with FakeSsb(_registered(), _projection()) as ssb:
        run = run_cli("hent", plan, "--api-url", ssb.url)
    assert run.code == 0, run.err
    assert "Hentet befolkningen for Trondheim til tblBefolkning" in run.out
    assert "Framskrevet befolkning, hovedalternativet (tabell 14288): 2022, 2023" in run.out
    with FakeSsb(_registered(), _projection()) as ssb:
        bad = run_cli("hent", plan, "--api-url", ssb.url, "--framskriving", "99999")
    assert bad.code == 2 and "99999" in bad.err


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("1-5 år", "001", "005"),
        ("6 - 15 år", "006", "015"),
        ("23–29 år", "023", "029"),
        ("80 år og over", "080", "105+"),
        ("80+", "080", "105+"),
        ("67 år og eldre", "067", "105+"),
        ("0 år", "000", "000"),
        ("Alle", "000", "105+"),
        ("105 år og over", "105+", "105+"),
    ],
)
def test_age_group_names_as_plans_write_them(text: str, first: str, last: str) -> None:
    codes = age_codes(text)
    assert (codes[0], codes[-1]) == (first, last)


@pytest.mark.parametrize("text", ["småbarn", "5-1 år", "90-110 år", "", "6-15 mnd"])
def test_what_is_no_age_group_is_refused_in_norwegian(text: str) -> None:
    with pytest.raises(ValueError, match=r"aldersgruppe|alder"):
        age_codes(text)


@settings(max_examples=80, deadline=None)
@given(first=st.integers(0, 105), length=st.integers(1, 106))
def test_a_group_is_every_single_age_once(first: int, length: int) -> None:
    last = min(first + length - 1, 105)
    codes = age_codes(f"{first}-{last} år")
    assert len(codes) == len(set(codes)) == last - first + 1
    assert set(codes) <= set(AGES)


def test_the_main_alternative_is_found_by_its_label() -> None:
    meta = TableMeta(
        table="99999",
        title="Framskrevet folkemengde",
        variables=(
            Variable(
                "ContentsCode",
                "statistikkvariabel",
                ("Lav", "Hoy", "Hoved"),
                (
                    "Lav nasjonal vekst (LLML)",
                    "Høy nasjonal vekst (HHMH)",
                    "Hovedalternativet (MMMM)",
                ),
            ),
        ),
    )
    assert _main_contents(meta) == "Hoved"


def test_the_low_and_high_alternatives_on_request(plan: Path) -> None:
    """--alternativer: the projected years get hoved, lav and høy rows (by SSB's labels LLML
    and HHMH); the registered years one row for all. Without a chosen alternative the plan
    says to choose one; with «lav» it recalculates on the low figures."""
    with FakeSsb(_registered(), _projection()) as ssb:
        run = run_cli("hent", plan, "--api-url", ssb.url, "--alternativer")
    assert run.code == 0, run.err
    assert "Alternativ «hoved», «lav» og «høy»" in run.out
    rows = _befolkning(plan)
    ages = GROUPS["1-5 år"]
    cells = 2 * len(ages)  # both sexes, every age: what an alternative adds per cell, summed
    assert rows[("1-5 år", 2022, "hoved")][0] == _by_hand(ages, 2022, projected=True)
    assert (
        rows[("1-5 år", 2022, "lav")][0]
        == _by_hand(ages, 2022, projected=False) + cells * SHIFT["Lav"]
    )
    assert (
        rows[("1-5 år", 2023, "høy")][0]
        == _by_hand(ages, 2023, projected=False) + cells * SHIFT["Hoy"]
    )
    assert ("1-5 år", 2021, None) in rows and ("1-5 år", 2021, "lav") not in rows
    assert len(rows) == len(GROUPS) * (3 + 2 * 3)  # 3 registered years, 2 projected x 3
    unchosen = run_cli("check", plan)
    assert unchosen.code == 2 and "velg ett i innstillingen Befolkningsalternativ" in unchosen.err
    wb = openpyxl.load_workbook(plan)
    ws = wb["Innstillinger"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "Befolkningsalternativ":
            row[1].value = "lav"
    wb.save(plan)
    assert run_cli("recalc", plan).code in (0, 1)
