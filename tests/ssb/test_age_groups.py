"""Population by age group (issue 13, point 2): ``Utvalg`` may name several codes of one
variable (``Alder=006-015``, ``Kjonn=1,2``), and ``hent`` writes their sum: the target groups
an analysis needs, built from SSB's single ages (table 07459: Region, Kjonn, Alder with codes
``000``-``104`` and ``105+``, ContentsCode, Tid)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kommuneokonomi.ssb.fetch import _offset, _selection, hent

from .books import data_records, henting_row, make_book
from .server import Cell, FakeSsb, FakeTable

NOW = dt.datetime(2025, 6, 20, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
AGES = [f"{a:03d}" for a in range(105)] + ["105+"]
KOMMUNER = [("Oslo", "0301", "ASSS"), ("Bergen", "4601", "ASSS"), ("Trondheim", "5001", "ASSS")]
YEARS = ["2023", "2024"]


def _people(region: str, sex: str, age: str, year: str) -> int:
    """A made-up but distinct count per cell, so every sum is checkable by hand."""
    a = 105 if age == "105+" else int(age)
    return int(region) % 97 * 1000 + int(sex) * 500 + a * 3 + int(year) % 10


def _table(missing: set[tuple[str, str, str, str]] = frozenset()) -> FakeTable:  # type: ignore[assignment]
    regions = {"0301": "0301 Oslo", "4601": "4601 Bergen", "5001": "5001 Trondheim"}
    values: dict[tuple[str, ...], Cell] = {}
    for region, year, sex, age in itertools.product(regions, YEARS, ("1", "2"), AGES):
        key = (region, "Personer1", year, sex, age)
        values[key] = (
            ".." if (region, year, sex, age) in missing else _people(region, sex, age, year)
        )
    return FakeTable(
        id="07459",
        title="Befolkning, etter region, kjønn, alder, statistikkvariabel og år",
        regions=regions,
        contents={"Personer1": "Personer"},
        years=YEARS,
        values=values,
        region_dim="Region",
        extra={
            "Kjonn": {"1": "Menn", "2": "Kvinner"},
            "Alder": {a: ("105 år eller eldre" if a == "105+" else f"{int(a)} år") for a in AGES},
        },
    )


def _by_hand(region: str, year: str, ages: list[str]) -> int:
    return sum(_people(region, sex, a, year) for sex in ("1", "2") for a in ages)


GROUPS = {
    "innbyggere_1_5": ("Alder=001-005", [f"{a:03d}" for a in range(1, 6)]),
    "innbyggere_6_15": ("Alder=006-015", [f"{a:03d}" for a in range(6, 16)]),
    "innbyggere_67_pluss": ("Alder=067-104,105+", [f"{a:03d}" for a in range(67, 105)] + ["105+"]),
    "innbyggere_80_pluss": ("Alder=080-104,105+", [f"{a:03d}" for a in range(80, 105)] + ["105+"]),
    "innbyggere_alle": ("Alder=000-104,105+", AGES),
}


def test_hent_sums_single_ages_into_target_groups(tmp_path: Path) -> None:
    henting = [
        henting_row(
            "07459",
            "Personer1",
            name,
            "ASSS",
            "2023-2024",
            utvalg=f"Kjonn=1,2; {sel}",
            regionvariabel="Region",
        )
        for name, (sel, _) in GROUPS.items()
    ]
    path = make_book(tmp_path / "alder.xlsx", henting, kommuner=KOMMUNER)
    with FakeSsb(_table()) as server:
        hent(path, api_url=server.url, now=NOW)
    rows = {(r["Kommune"], r["År"], r["Indikator"]): r for r in data_records(path)}
    for (kommune, code, _), year, (name, (_, ages)) in itertools.product(
        KOMMUNER, YEARS, GROUPS.items()
    ):
        assert rows[(kommune, int(year), name)]["Verdi"] == _by_hand(code, year, ages), name
    kilde = str(rows[("Bergen", 2024, "innbyggere_6_15")]["Kilde"])
    assert "Alder=006-015 (sum)" in kilde and "Kjonn=1,2 (sum)" in kilde


def test_a_missing_single_age_makes_the_group_missing_never_smaller(tmp_path: Path) -> None:
    henting = [
        henting_row(
            "07459",
            "Personer1",
            "innbyggere_6_15",
            "ASSS",
            "2024",
            utvalg="Kjonn=1,2; Alder=006-015",
            regionvariabel="Region",
        )
    ]
    path = make_book(tmp_path / "hull.xlsx", henting, kommuner=KOMMUNER)
    with FakeSsb(_table(missing={("4601", "2024", "2", "010")})) as server:
        hent(path, api_url=server.url, now=NOW)
    rows = {(r["Kommune"], r["Indikator"]): r for r in data_records(path)}
    assert rows[("Bergen", "innbyggere_6_15")]["Verdi"] is None
    assert rows[("Bergen", "innbyggere_6_15")]["Merknad"] == ".."
    assert rows[("Oslo", "innbyggere_6_15")]["Verdi"] == _by_hand(
        "0301", "2024", GROUPS["innbyggere_6_15"][1]
    )


@settings(max_examples=60, deadline=None)
@given(first=st.integers(0, 104), length=st.integers(1, 40), width=st.sampled_from([2, 3]))
def test_a_range_is_every_code_between_with_its_width(first: int, length: int, width: int) -> None:
    last = first + length - 1
    text = f"Alder={first:0{width}d}-{last:0{width}d}"
    if len(f"{last:0{width}d}") != width:
        return  # 99 -> 100 changes the width: not a range of one width
    (codes,) = _selection(text).values()
    assert codes == tuple(f"{a:0{width}d}" for a in range(first, last + 1))
    assert sum(int(c) for c in codes) == sum(range(first, last + 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "KOKfunksjon0000=202; KOKart0000=AGD2",
            {"KOKfunksjon0000": ("202",), "KOKart0000": ("AGD2",)},
        ),
        ("Kjonn=1,2", {"Kjonn": ("1", "2")}),
        ("Alder=104,105+", {"Alder": ("104", "105+")}),
        ("Alder = 001 - 003", {"Alder": ("001", "002", "003")}),
    ],
)
def test_selection_texts(text: str, expected: dict[str, tuple[str, ...]]) -> None:
    assert _selection(text) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Alder=015-006", "første kode er etter siste kode"),
        ("Alder=", "er ikke et utvalg"),
        ("Alder=1 2", "er ikke et utvalg"),
        ("Alder=001; Alder=002", "står to ganger"),
    ],
)
def test_bad_selections_say_why(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        _selection(text)


def _trondheim_klaebu_table() -> FakeTable:
    """07459 for Trondheim and Klæbu around the 2020 merger: 5001 in 2019 and 2020 (Klæbu,
    5030, merged into it on 1 January 2020), 1601 in 2017; values by the formula above."""
    regions = {"1601": "Trondheim (-2017)", "5001": "Trondheim", "5030": "Klæbu (2018-2019)"}
    values: dict[tuple[str, ...], Cell] = {}
    years = ["2017", "2018", "2019", "2020"]
    for region, year, sex, age in itertools.product(regions, years, ("1", "2"), AGES):
        valid = {"1601": year == "2017", "5001": year >= "2018", "5030": "2018" <= year <= "2019"}
        if valid[region]:
            values[(region, "Personer1", year, sex, age)] = _people(region, sex, age, year)
    return FakeTable(
        id="07459",
        title="Befolkning",
        regions=regions,
        contents={"Personer1": "Personer"},
        years=years,
        values=values,
        region_dim="Region",
        extra={"Kjonn": {"1": "Menn", "2": "Kvinner"}, "Alder": {a: a for a in AGES}},
    )


def test_year_end_takes_the_next_first_of_january_and_stops_at_a_merger(tmp_path: Path) -> None:
    """Tidspunkt 31.12.: the population KOSTRA divides by. 2017 holds 1 January 2018 (under
    Trondheim's 2018 number, 5001: the same area); 2019 is missing, because 1 January 2020
    counts Trondheim with Klæbu; Klæbu 2019 too (it no longer exists on 1 January 2020); 2020
    is not in the table yet (its 1 January 2021)."""
    henting = [
        henting_row(
            "07459",
            "Personer1",
            "innbyggere_6_15",
            "Trondheim; Klæbu",
            "2017-2020",
            utvalg="Kjonn=1,2; Alder=006-015",
            regionvariabel="Region",
            tidspunkt="31.12.",
        )
    ]
    path = make_book(tmp_path / "aarsslutt.xlsx", henting)
    ages = [f"{a:03d}" for a in range(6, 16)]
    with FakeSsb(_trondheim_klaebu_table()) as server:
        hent(path, api_url=server.url, now=NOW)
    rows = {(r["Kommune"], r["År"]): r for r in data_records(path)}
    t2017 = rows[("Trondheim", 2017)]
    assert t2017["Verdi"] == _by_hand("5001", "2018", ages)
    assert "Region=5001" in str(t2017["Kilde"]) and "(1.1.2018, brukt som 31.12.2017)" in str(
        t2017["Kilde"]
    )
    assert rows[("Trondheim", 2018)]["Verdi"] == _by_hand("5001", "2019", ages)
    assert rows[("Klæbu", 2018)]["Verdi"] == _by_hand("5030", "2019", ages)
    for kommune in ("Trondheim", "Klæbu"):
        gap = rows[(kommune, 2019)]
        assert gap["Verdi"] is None and gap["Merknad"] == "ny kommuneinndeling", gap
        assert "1.1.2020" in str(gap["Kilde"])
    assert "Klæbu (5030) slått sammen" in str(rows[("Trondheim", 2019)]["Kilde"])
    assert rows[("Trondheim", 2020)]["Merknad"] == "ikke i tabellen"
    assert ("Klæbu", 2020) not in rows  # Klæbu did not exist in 2020
    assert ("Klæbu", 2017) in rows  # it did (as 1662) in 2017; 5030 on 1 January 2018


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        (None, 0),
        ("", 0),
        ("1.1.", 0),
        ("1. januar", 0),
        ("31.12.", 1),
        ("31.12", 1),
        ("31. desember", 1),
        (" 31.12. ", 1),
        ("31/12", 1),
        ("1/1", 0),
    ],
)
def test_tidspunkt_is_read_as_written(text: str | None, offset: int) -> None:
    assert _offset(text) == offset


def test_an_unknown_tidspunkt_is_refused_in_norwegian() -> None:
    with pytest.raises(ValueError, match=r"er ikke et tidspunkt; skriv 1\.1\."):
        _offset("30.06.")
