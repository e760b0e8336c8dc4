"""The vectorised cube equals the per-municipality engine path (issue 7, 1/100 scale), and its
mean options, median, labels and peer counts work as the reference functions say."""

from __future__ import annotations

import math
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from kommuneokonomi.engine.cube import cube_sector_summary, savings_cube
from kommuneokonomi.engine.references import MeanOptions
from kommuneokonomi.engine.savings import SavingsSettings, indicators_from_frame, savings_table
from kommuneokonomi.errors import InputError

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.generate import generate


@pytest.fixture(scope="module")
def national():  # type: ignore[no-untyped-def]
    return generate(scale=0.01, seed=7)


@pytest.fixture(scope="module")
def cube(national) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    specs = indicators_from_frame(national.indikatorer)
    data = national.data.assign(verdi=pd.to_numeric(national.data["verdi"], errors="coerce"))
    groups = national.kommuner.set_index("kommune")["gruppe"]
    return savings_cube(data, specs, groups)


#: Settings beyond the defaults: (referanse_1, referanse_2, mean options, weight indicator).
OPTIONS = {
    "median, 2. beste, own included": ("median", "2. beste", MeanOptions(include_own=True), None),
    "weighted mean without Kommune 033": (
        "snitt",
        "1. beste",
        MeanOptions(weighted=True, exclude=("Kommune 033",)),
        "volum_00",
    ),
    "median without Kommune 033, named": (
        "median",
        "Kommune 049",
        MeanOptions(exclude=("Kommune 033",)),
        None,
    ),
}


@pytest.mark.parametrize("kommune", ["Kommune 001", "Kommune 017", "Kommune 200", "Kommune 356"])
@pytest.mark.parametrize("year", [2015, 2024])
def test_cube_equals_per_municipality_path(
    national, cube: pd.DataFrame, kommune: str, year: int
) -> None:  # type: ignore[no-untyped-def]
    _compare(
        national, cube, kommune, year, SavingsSettings(egen_kommune=kommune, aar=year, kommuner=())
    )


@pytest.mark.parametrize("name", list(OPTIONS))
@pytest.mark.parametrize("kommune", ["Kommune 001", "Kommune 017"])
def test_cube_with_options_equals_per_municipality_path(national, name: str, kommune: str) -> None:  # type: ignore[no-untyped-def]
    # Kommune 001, 017, 033 and 049 are in the same group (EKG01)
    referanse_1, referanse_2, mean, weight = OPTIONS[name]
    data = national.data.assign(verdi=pd.to_numeric(national.data["verdi"], errors="coerce"))
    cube = savings_cube(
        data,
        indicators_from_frame(national.indikatorer),
        national.kommuner.set_index("kommune")["gruppe"],
        referanse_1=referanse_1,
        referanse_2=referanse_2,
        mean=mean,
        weight=weight,
        years=[2024],
    )
    assert set(cube["aar"]) == {2024}
    settings = SavingsSettings(
        egen_kommune=kommune,
        aar=2024,
        kommuner=(),
        referanse_1=referanse_1,
        referanse_2=referanse_2,
        snitt=mean,
        snitt_vekt=weight,
    )
    _compare(national, cube, kommune, 2024, settings)


def _compare(
    national, cube: pd.DataFrame, kommune: str, year: int, settings: SavingsSettings
) -> None:  # type: ignore[no-untyped-def]
    specs = indicators_from_frame(national.indikatorer)
    group = national.kommuner.set_index("kommune").at[kommune, "gruppe"]
    members = tuple(national.kommuner.loc[national.kommuner["gruppe"] == group, "kommune"])
    data = national.data
    own_rows = data[(data["kommune"] == kommune) & (data["aar"] == year)]
    # lines whose own value is missing are errors in the per-municipality path: compare the rest
    valued = set(
        own_rows.loc[pd.to_numeric(own_rows["verdi"], errors="coerce").notna(), "indikator"]
    )
    usable = [s for s in specs if s.indikator in valued]
    assert usable, "the test needs lines with values"
    expected = savings_table(data, usable, replace(settings, kommuner=members)).set_index(
        "indikator"
    )
    got = cube[(cube["kommune"] == kommune) & (cube["aar"] == year)].set_index("indikator")
    assert set(got.index) == set(expected.index)
    for ind in expected.index:
        for col in (
            "egen_verdi",
            "volum",
            "referanse_1",
            "referanse_2",
            "innsparing_1_mnok",
            "innsparing_2_mnok",
        ):
            assert math.isclose(
                got.at[ind, col], expected.at[ind, col], rel_tol=1e-9, abs_tol=1e-9
            ), (ind, col)
        for col in ("ref_1_kommune", "ref_2_kommune"):
            assert _name(got.at[ind, col]) == _name(expected.at[ind, col]), (ind, col)


def _name(value: object) -> str | None:
    return value if isinstance(value, str) else None


def test_sector_summary_sums_the_lines(cube: pd.DataFrame) -> None:
    summary = cube_sector_summary(cube)
    assert summary["innsparing_2_mnok"].sum() == pytest.approx(cube["innsparing_2_mnok"].sum())
    assert (summary[["innsparing_1_mnok", "innsparing_2_mnok"]] >= 0).all().all()
    assert len(summary) == summary[["kommune", "aar", "sektor"]].drop_duplicates().shape[0]


def test_a_named_reference_and_own_included_mean() -> None:
    data = pd.DataFrame(
        [(k, 2020, "kost", v) for k, v in {"A": 10.0, "B": 8.0, "C": 12.0, "D": 9.0}.items()]
        + [(k, 2020, "n", 100.0) for k in "ABCD"],
        columns=["kommune", "aar", "indikator", "verdi"],
    )
    specs = indicators_from_frame(
        pd.DataFrame(
            [
                {
                    "indikator": "kost",
                    "navn": "K",
                    "sektor": "S",
                    "beste": "lav",
                    "beregning": "absolutt",
                    "volum": "n",
                    "referanse_2": "D",
                }
            ]
        )
    )
    groups = pd.Series({k: "G" for k in "ABCD"})
    # include_own= is kept as a shortcut for mean=MeanOptions(include_own=True)
    cube = savings_cube(data, specs, groups, include_own=True).set_index("kommune")
    assert cube.at["A", "referanse_1"] == pytest.approx(39 / 4)
    assert cube.at["A", "referanse_2"] == 9.0 and cube.at["A", "ref_2_kommune"] == "D"
    assert cube.at["A", "innsparing_2_mnok"] == pytest.approx(100 / 1e6)


# --- the mean options, median, labels and peer counts, by hand -----------------------------

#: A (own) 10, B 8, C 12, D 9, E missing; weights A 1, B 1, C 2, D 4, E 1.
HAND = {"A": 10.0, "B": 8.0, "C": 12.0, "D": 9.0, "E": math.nan}
WEIGHTS = {"A": 1.0, "B": 1.0, "C": 2.0, "D": 4.0, "E": 1.0}


def _hand_cube(weights: dict[str, float] = WEIGHTS, **kw: object) -> pd.DataFrame:
    rows = [(k, 2020, "kost", v) for k, v in HAND.items()]
    rows += [(k, 2020, "n", 100.0) for k in HAND]
    rows += [(k, 2020, "innbyggere", w) for k, w in weights.items()]
    rows += [(k, 2019, "kost", 1.0) for k in HAND]  # another year
    data = pd.DataFrame(rows, columns=["kommune", "aar", "indikator", "verdi"])
    specs = indicators_from_frame(
        pd.DataFrame(
            [
                {
                    "indikator": "kost",
                    "navn": "K",
                    "sektor": "S",
                    "beste": "lav",
                    "beregning": "absolutt",
                    "volum": "n",
                }
            ]
        )
    )
    groups = pd.Series({k: "G" for k in HAND})
    cube = savings_cube(data, specs, groups, **kw)  # type: ignore[arg-type]
    return cube[cube["aar"] == 2020].set_index("kommune")


def test_median_of_the_others() -> None:
    cube = _hand_cube(referanse_1="median", referanse_2="-")
    # A: 8, 9, 12 -> 9; B: 9, 10, 12 -> 10; D: 8, 10, 12 -> 10
    assert cube.at["A", "referanse_1"] == 9.0
    assert cube.at["B", "referanse_1"] == 10.0
    assert cube.at["D", "referanse_1"] == 10.0
    assert cube.at["A", "n_peers_1"] == 3 and cube.at["A", "ref_1_label"] == "median"
    assert math.isnan(cube.at["A", "referanse_2"]) and cube.at["A", "ref_2_label"] == "-"
    assert cube.at["A", "n_peers_2"] == 0 and cube.at["A", "innsparing_2_mnok"] == 0.0
    # with the own value: 8, 9, 10, 12 -> 9.5 for everyone
    with_own = _hand_cube(referanse_1="median", mean=MeanOptions(include_own=True))
    assert (with_own["referanse_1"] == 9.5).all() and (with_own["n_peers_1"] == 4).all()


def test_exclusion_leaves_out_of_mean_and_median_but_not_nth_best() -> None:
    cube = _hand_cube(referanse_2="1. beste", mean=MeanOptions(exclude=("b",)))  # any case
    # A: (12 + 9) / 2; the best of the others is still B (8)
    assert cube.at["A", "referanse_1"] == pytest.approx(10.5)
    assert cube.at["A", "n_peers_1"] == 2
    assert (cube.at["A", "referanse_2"], cube.at["A", "ref_2_kommune"]) == (8.0, "B")
    assert cube.at["A", "n_peers_2"] == 3
    median = _hand_cube(referanse_1="median", mean=MeanOptions(exclude=("B",)))
    assert median.at["A", "referanse_1"] == pytest.approx(10.5)  # 9, 12


def test_weighted_mean_of_the_others() -> None:
    cube = _hand_cube(mean=MeanOptions(weighted=True), weight="innbyggere")
    # A: (8 x 1 + 12 x 2 + 9 x 4) / 7 = 68 / 7; E has a weight but no value
    assert cube.at["A", "referanse_1"] == pytest.approx(68 / 7)
    assert cube.at["A", "ref_1_label"] == "vektet snitt"
    with_own = _hand_cube(mean=MeanOptions(weighted=True, include_own=True), weight="innbyggere")
    assert with_own.at["A", "referanse_1"] == pytest.approx(78 / 8)
    assert with_own.at["A", "ref_1_label"] == "vektet snitt med egen"


def test_weighted_mean_with_a_peer_without_weight_is_nan() -> None:
    cube = _hand_cube({**WEIGHTS, "C": 0.0}, mean=MeanOptions(weighted=True), weight="innbyggere")
    # C's own mean does not need C's weight; everyone else's does
    assert math.isnan(cube.at["A", "referanse_1"]) and cube.at["A", "innsparing_1_mnok"] == 0.0
    assert cube.at["C", "referanse_1"] == pytest.approx((10 + 8 + 36) / 6)


def test_weighted_mean_needs_the_weight_indicator() -> None:
    with pytest.raises(InputError) as info:
        _hand_cube(mean=MeanOptions(weighted=True), weight="folketall")
    assert info.value.code == "ukjent_indikator"
    assert "folketall" in str(info.value)


def test_too_few_peers_give_nan_and_the_count() -> None:
    cube = _hand_cube(referanse_2="4. beste")
    assert math.isnan(cube.at["A", "referanse_2"]) and cube.at["A", "n_peers_2"] == 3
    assert cube.at["A", "ref_2_label"] == "4. beste"
    assert cube.at["A", "ref_2_kommune"] is None or pd.isna(cube.at["A", "ref_2_kommune"])


def test_named_reference_label_is_the_spelling_of_the_data() -> None:
    cube = _hand_cube(referanse_2=" c ")
    assert (cube.at["A", "referanse_2"], cube.at["A", "ref_2_kommune"]) == (12.0, "C")
    assert cube.at["A", "ref_2_label"] == "C" and cube.at["A", "n_peers_2"] == 1


def test_years_restrict_the_cube() -> None:
    assert set(_hand_cube(years=[2019])["aar"]) == set()  # the 2020 rows are filtered away
    data_years = _hand_cube(years=[2020, 2031])
    pd.testing.assert_frame_equal(data_years, _hand_cube())


def test_an_indicator_twice_with_different_references() -> None:
    data = pd.DataFrame(
        [(k, 2020, "kost", v) for k, v in HAND.items()] + [(k, 2020, "n", 100.0) for k in HAND],
        columns=["kommune", "aar", "indikator", "verdi"],
    )
    line = {
        "indikator": "kost",
        "navn": "K",
        "sektor": "S",
        "beste": "lav",
        "beregning": "absolutt",
        "volum": "n",
    }
    spec = indicators_from_frame(pd.DataFrame([line]))[0]
    specs = [spec, replace(spec, referanse_1="median", referanse_2="B")]
    cube = savings_cube(data, specs, pd.Series({k: "G" for k in HAND}))
    a = cube[cube["kommune"] == "A"]
    assert list(a["referanse_1"]) == [pytest.approx(29 / 3), 9.0]
    assert list(a["ref_2_label"]) == ["3. beste", "B"]
    table = savings_table(
        data, specs, SavingsSettings(egen_kommune="A", aar=2020, kommuner=tuple(HAND))
    )
    assert list(table["referanse_2"]) == [12.0, 8.0]  # 3rd best of 8, 9, 12; B


def test_n_below_one_is_an_error() -> None:
    with pytest.raises(InputError) as info:
        _hand_cube(referanse_2="0. beste")
    assert info.value.code == "ugyldig_n"
