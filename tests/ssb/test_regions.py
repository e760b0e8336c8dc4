"""The renumbering table: one series per municipality across 2018, 2020 and 2024."""

from __future__ import annotations

import csv
import importlib.util
import itertools
import sys
from importlib import resources
from pathlib import Path

import pytest

from kommuneokonomi.ssb.regions import (
    Municipality,
    Period,
    load_renumbering,
    normalize_number,
)

ASSS = {
    "Oslo": ["0301"],
    "Bergen": ["1201", "4601"],
    "Trondheim": ["1601", "5001"],
    "Stavanger": ["1103"],
    "Bærum": ["0219", "3024", "3201"],
    "Kristiansand": ["1001", "4204"],
    "Fredrikstad": ["0106", "3004", "3107"],
    "Tromsø": ["1902", "5401", "5501"],
    "Sandnes": ["1102", "1108"],
    "Drammen": ["0602", "3005", "3301"],
}


def test_asss_group_has_the_ten_municipalities() -> None:
    table = load_renumbering()
    group = table.group("asss")
    assert group is not None
    assert [m.name for m in group] == list(ASSS)
    assert table.group("ukjent") is None


@pytest.mark.parametrize(("name", "numbers"), ASSS.items())
def test_every_number_of_an_asss_municipality_finds_the_same_series(
    name: str, numbers: list[str]
) -> None:
    table = load_renumbering()
    series = {table.by_number(n) for n in numbers}
    assert len(series) == 1
    (m,) = series
    assert m is not None and m.name == name
    assert sorted(p.code for p in m.periods) == sorted(numbers)


@pytest.mark.parametrize(
    ("number", "year", "expected"),
    [
        ("1601", 2017, "1601"),
        ("1601", 2018, "5001"),
        ("5001", 2024, "5001"),
        ("1201", 2019, "1201"),
        ("1201", 2020, "4601"),
        ("1902", 2019, "1902"),
        ("1902", 2020, "5401"),
        ("5501", 2023, "5401"),
        ("5501", 2024, "5501"),
        ("0219", 2023, "3024"),
        ("0219", 2024, "3201"),
        ("0602", 2015, "0602"),
        ("3301", 2021, "3005"),
        ("1102", 2020, "1108"),
        ("0712", 2017, "0709"),  # Larvik before Lardal joined in 2018
    ],
)
def test_number_valid_in_each_year(number: str, year: int, expected: str) -> None:
    m = load_renumbering().by_number(number)
    assert m is not None
    assert m.codes_for(year) == (expected,)


def test_merged_municipality_keeps_its_own_series_until_the_merger() -> None:
    table = load_renumbering()
    klaebu = table.by_number("1662")
    assert klaebu is not None and klaebu.name == "Klæbu"
    assert klaebu.codes_for(2017) == ("1662",)
    assert klaebu.codes_for(2019) == ("5030",)
    assert klaebu.codes_for(2020) == ()
    trondheim = table.by_number("5001")
    assert trondheim is not None and "Klæbu" in trondheim.note
    assert trondheim.codes_in(range(2016, 2021)) == ("5001", "1601")


def test_lookup_by_name_and_number_forms() -> None:
    table = load_renumbering()
    assert [m.key for m in table.by_name(" tromsø ")] == ["5501"]
    assert table.by_number(301) is not None  # Excel dropped the leading zero
    assert table.by_number(301.0) is table.by_number("0301")
    assert table.by_number("EKG12") is None
    assert table.by_number("9999") is None


def test_normalize_number() -> None:
    assert normalize_number("301") == "0301"
    assert normalize_number(219) == "0219"
    assert normalize_number(" 5001 ") == "5001"
    assert normalize_number("EKG12") is None
    assert normalize_number("12345") is None
    assert normalize_number(None) is None


def test_numbers_without_years_are_all_candidates() -> None:
    m = Municipality.of_numbers("Lier", ["0626", "3049", "3312"])
    assert m.codes_for(2022) == ("0626", "3049", "3312")
    assert Period("3049", 2020, 2023).valid(2023) and not Period("3049", 2020, 2023).valid(2024)


def test_data_file_is_consistent() -> None:
    text = (resources.files("kommuneokonomi") / "data" / "ssb" / "kommunenummer.csv").read_text(
        encoding="utf-8"
    )
    rows = list(csv.DictReader(text.splitlines()))
    by_series: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        assert len(row["nummer"]) == 4 and row["nummer"].isdigit()
        by_series.setdefault(row["serie"], []).append(row)
    for key, series in by_series.items():
        assert len({r["kommune"] for r in series}) == 1, key
        # the periods of one series never overlap and follow each other without gaps
        # (one exception: Haram merged into Ålesund in 2020 and was split out again in 2024)
        spans = sorted((int(r["fra_aar"] or 0), int(r["til_aar"] or 9999)) for r in series)
        for (_, last), (first, _) in itertools.pairwise(spans):
            assert first == last + 1 or (key, last, first) == ("1580", 2019, 2024), key
        # the series key is its latest number
        assert key == max(series, key=lambda r: int(r["fra_aar"] or 0))["nummer"], key
    names = [m.name for m in load_renumbering().municipalities.values()]
    assert len(names) == len(set(names))


def test_every_municipality_of_every_year_is_in_the_table() -> None:
    """Complete from KLASS 131: as many municipalities in force each year as Norway had."""
    table = load_renumbering()
    expected = {2015: 428, 2016: 428, 2017: 426, 2018: 422, 2019: 422, 2020: 356}
    expected |= {2021: 356, 2022: 356, 2023: 356, 2024: 357, 2025: 357}
    for year, count in expected.items():
        in_force = [m for m in table.municipalities.values() if m.codes_for(year)]
        assert len(in_force) == count, year
        # and each has one number that year
        assert all(len(m.codes_for(year)) == 1 for m in in_force), year


@pytest.mark.parametrize(
    ("number", "name", "codes"),
    [
        ("0706", "Sandefjord", {2016: "0706", 2017: "0710", 2020: "3804", 2024: "3907"}),
        ("1534", "Haram", {2019: "1534", 2020: None, 2023: None, 2024: "1580"}),
        ("1504", "Ålesund", {2019: "1504", 2020: "1507", 2024: "1508"}),
        ("1018", "Søgne", {2019: "1018", 2020: None}),
        ("1850", "Tysfjord - Divtasvuodna", {2019: "1850", 2020: None}),  # split in two
        ("0119", "Marker", {2019: "0119", 2020: "3013", 2024: "3122"}),
        ("2030", "Sør-Varanger", {2019: "2030", 2020: "5444", 2024: "5605"}),
        ("1259", "Øygarden (til 2019)", {2019: "1259", 2020: None}),
        ("4626", "Øygarden", {2019: None, 2020: "4626"}),
    ],
)
def test_municipalities_outside_asss_follow_klass(
    number: str, name: str, codes: dict[int, str | None]
) -> None:
    m = load_renumbering().by_number(number)
    assert m is not None and m.name == name
    for year, code in codes.items():
        assert m.codes_for(year) == (() if code is None else (code,)), year


def test_names_in_other_languages_find_the_municipality() -> None:
    table = load_renumbering()
    assert [m.name for m in table.by_name("Tana")] == ["Deatnu - Tana"]
    assert [m.name for m in table.by_name(" deatnu ")] == ["Deatnu - Tana"]
    assert [m.key for m in table.by_name("Tråante")] == []  # Trondheim keeps its short name
    assert [m.key for m in table.by_name("våler (østfold)")] == ["3114"]
    assert [m.key for m in table.by_name("Våler (Innlandet)")] == ["3419"]


def test_data_file_is_built_from_the_klass_extract(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kommunenummer.csv is what scripts/lag_kommunenummer.py makes of the KLASS 131 extract
    in scripts/klass131 (no hand edits that a rebuild would lose)."""
    root = Path(__file__).resolve().parents[2]
    path = root / "scripts" / "lag_kommunenummer.py"
    spec = importlib.util.spec_from_file_location("lag_kommunenummer", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "lag_kommunenummer", module)  # for its dataclass
    spec.loader.exec_module(module)
    built = tmp_path / "kommunenummer.csv"
    module.write(module.build(), built)
    shipped = resources.files("kommuneokonomi") / "data" / "ssb" / "kommunenummer.csv"
    assert built.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")
