"""Need correction in the savings table (issue 13, point 3): a line with a ``Behovsindeks``
series compares value / index across the group and prices the gap against the reference
brought back to the own municipality's need (x its index)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kommuneokonomi.engine.cube import savings_cube
from kommuneokonomi.engine.references import MeanOptions
from kommuneokonomi.engine.savings import IndicatorSpec, SavingsSettings, savings_table
from kommuneokonomi.errors import InputErrors, KommuneokonomiError

KOMMUNER = ("Bergen", "Bærum", "Drammen", "Oslo", "Stavanger", "Trondheim")
OWN = "Trondheim"
YEAR = 2024
PLAIN = IndicatorSpec(
    "kost", "Netto driftsutgifter per elev", "Grunnskole", "lav", "absolutt", "elever", 1000.0
)
NEED = replace(PLAIN, behov="behov_grunnskole")

cost = st.floats(50.0, 200.0, allow_nan=False)
index = st.floats(0.6, 1.6, allow_nan=False)


def _data(costs: list[float], indices: list[float | None]) -> pd.DataFrame:
    rows = []
    for k, c, b in zip(KOMMUNER, costs, indices, strict=True):
        rows += [
            (k, YEAR, "kost", c),
            (k, YEAR, "elever", 1000.0 + 10 * len(k)),
            (k, YEAR, "behov_grunnskole", b),
        ]
    return pd.DataFrame(rows, columns=["kommune", "aar", "indikator", "verdi"])


def _each(exc: KommuneokonomiError) -> list[KommuneokonomiError]:
    return list(exc) if isinstance(exc, InputErrors) else [exc]


def _settings(**kw: object) -> SavingsSettings:
    return SavingsSettings(OWN, YEAR, KOMMUNER, **kw)  # type: ignore[arg-type]


def _line(data: pd.DataFrame, spec: IndicatorSpec, **kw: object) -> pd.Series:
    return savings_table(data, [spec], _settings(**kw)).iloc[0]


@settings(max_examples=60, deadline=None)
@given(costs=st.lists(cost, min_size=6, max_size=6))
def test_with_every_index_1_the_saving_is_the_plain_one(costs: list[float]) -> None:
    data = _data(costs, [1.0] * len(KOMMUNER))
    plain, need = _line(data, PLAIN), _line(data, NEED)
    for column in ("egen_verdi", "referanse_1", "referanse_2", "innsparing_1_mnok"):
        assert need[column] == pytest.approx(plain[column], rel=1e-12), column
    assert need["innsparing_2_mnok"] == pytest.approx(plain["innsparing_2_mnok"], rel=1e-12)
    assert need["ref_2_kommune"] == plain["ref_2_kommune"]
    assert "Ikke behovskorrigert" in plain["forklaring"]
    assert "Behovskorrigert med 'behov_grunnskole'" in need["forklaring"]


@settings(max_examples=60, deadline=None)
@given(
    costs=st.lists(cost, min_size=6, max_size=6), indices=st.lists(index, min_size=6, max_size=6)
)
def test_the_mean_is_taken_on_corrected_values_and_priced_on_own_need(
    costs: list[float], indices: list[float]
) -> None:
    data = _data(costs, list(indices))
    line = _line(data, NEED)
    own = KOMMUNER.index(OWN)
    peers = [c / b for k, c, b in zip(KOMMUNER, costs, indices, strict=True) if k != OWN]
    reference = sum(peers) / len(peers) * indices[own]
    assert line["referanse_1"] == pytest.approx(reference, rel=1e-12)
    volume = 1000.0 + 10 * len(OWN)
    by_hand = max(costs[own] - reference, 0.0) * volume * 1000.0 / 1e6
    assert line["innsparing_1_mnok"] == pytest.approx(by_hand, rel=1e-9, abs=1e-12)
    # the 3rd best of the others on corrected values, named
    ranked = sorted(
        (c / b, k) for k, c, b in zip(KOMMUNER, costs, indices, strict=True) if k != OWN
    )
    assert line["ref_2_kommune"] == ranked[2][1]
    assert line["referanse_2"] == pytest.approx(ranked[2][0] * indices[own], rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    costs=st.lists(cost, min_size=6, max_size=6),
    indices=st.lists(index, min_size=6, max_size=6),
    scale=st.floats(0.5, 2.0),
)
def test_scaling_a_peers_index_scales_its_corrected_value(
    costs: list[float], indices: list[float], scale: float
) -> None:
    spec = replace(NEED, referanse_1="Bergen", referanse_2="-")
    before = _line(_data(costs, list(indices)), spec)
    scaled = list(indices)
    scaled[KOMMUNER.index("Bergen")] *= scale
    after = _line(_data(costs, scaled), spec)
    # Bergen's corrected value is its value / its index: the reference divides by the scale
    assert after["referanse_1"] == pytest.approx(before["referanse_1"] / scale, rel=1e-12)
    own = KOMMUNER.index(OWN)
    assert before["referanse_1"] == pytest.approx(costs[0] / indices[0] * indices[own], rel=1e-12)


def test_a_peer_without_an_index_is_left_out_and_named() -> None:
    costs = [100.0, 110.0, 90.0, 120.0, 95.0, 105.0]
    indices: list[float | None] = [1.0, 1.1, None, 0.9, 1.0, 1.05]
    line = _line(_data(costs, indices), NEED)
    peers = [
        c / b
        for k, c, b in zip(KOMMUNER, costs, indices, strict=True)
        if k != OWN and b is not None
    ]
    assert line["referanse_1"] == pytest.approx(sum(peers) / len(peers) * 1.05, rel=1e-12)
    assert "Mangler verdi: Drammen." in line["forklaring"]


@pytest.mark.parametrize("own_index", [None, 0.0, -1.0])
def test_the_own_municipality_needs_a_positive_index(own_index: float | None) -> None:
    indices: list[float | None] = [1.0] * 5 + [own_index]
    with pytest.raises(KommuneokonomiError) as caught:
        _line(_data([100.0] * 6, indices), NEED)
    (problem,) = _each(caught.value)
    assert problem.code == "ugyldig_behov"
    assert "behovsindeksen ('behov_grunnskole')" in str(problem)
    assert problem.context.kommune == OWN


def test_an_unknown_index_series_is_named() -> None:
    spec = replace(NEED, behov="behov_skole")  # not in the data
    with pytest.raises(KommuneokonomiError) as caught:
        _line(_data([100.0] * 6, [1.0] * 6), spec)
    (problem,) = _each(caught.value)
    assert problem.code == "ukjent_indikator"
    assert problem.context.kolonne == "behov"


@settings(max_examples=30, deadline=None)
@given(
    costs=st.lists(cost, min_size=6, max_size=6),
    indices=st.lists(index, min_size=6, max_size=6),
    include_own=st.booleans(),
    second=st.sampled_from(["median", "2. beste", "Oslo"]),
)
def test_every_municipality_in_the_cube_agrees_with_its_own_table(
    costs: list[float], indices: list[float], include_own: bool, second: str
) -> None:
    data = _data(costs, list(indices))
    mean = MeanOptions(include_own=include_own)
    cube = savings_cube(
        data,
        [NEED],
        pd.Series("gruppe", index=list(KOMMUNER)),
        referanse_2=second,
        mean=mean,
    ).set_index("kommune")
    for k in KOMMUNER:
        if k == "Oslo" and second == "Oslo":
            continue  # a municipality cannot be its own reference
        table = savings_table(
            data,
            [NEED],
            SavingsSettings(k, YEAR, KOMMUNER, referanse_2=second, snitt=mean),
        ).iloc[0]
        for column in ("referanse_1", "referanse_2", "innsparing_1_mnok", "innsparing_2_mnok"):
            assert cube.at[k, column] == pytest.approx(table[column], rel=1e-12), (k, column)
        assert cube.at[k, "behovsindeks"] == indices[KOMMUNER.index(k)]


def test_a_line_without_an_index_has_none_in_the_cube() -> None:
    cube = savings_cube(
        _data([100.0] * 6, [1.2] * 6),
        [PLAIN, replace(NEED, indikator="kost")],
        pd.Series("g", index=list(KOMMUNER)),
    )
    assert np.isnan(cube["behovsindeks"].iloc[0])
    assert cube["behovsindeks"].iloc[1] == 1.2
    assert math.isclose(cube["referanse_1"].iloc[1], 100.0, rel_tol=1e-12)
