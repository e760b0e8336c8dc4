"""Derived series (issue 13, point 1): a ratio of two series per municipality and year, with
missing values propagated as missing, never 0."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kommuneokonomi.engine.derived import DerivedSeries, derive, explain

KOMMUNER = ("Bergen", "Oslo", "Trondheim")
YEARS = (2023, 2024)
value = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(math.nan), st.just(0.0))


@settings(max_examples=60, deadline=None)
@given(
    top=st.lists(value, min_size=6, max_size=6),
    bottom=st.lists(value, min_size=6, max_size=6),
    faktor=st.sampled_from([1.0, 1000.0, 0.01]),
)
def test_the_ratio_is_computed_as_by_hand(
    top: list[float], bottom: list[float], faktor: float
) -> None:
    keys = [(k, y) for k in KOMMUNER for y in YEARS]
    rows = [
        {"kommune": k, "aar": y, "indikator": name, "verdi": v}
        for name, values in (("utgift", top), ("brukere", bottom))
        for (k, y), v in zip(keys, values, strict=True)
    ]
    made = derive(pd.DataFrame(rows), [DerivedSeries("per_bruker", "utgift", "brukere", faktor)])
    got = made.set_index(["kommune", "aar"])["verdi"]
    assert set(made["indikator"]) == {"per_bruker"}
    for (k, y), t, b in zip(keys, top, bottom, strict=True):
        by_hand = math.nan if math.isnan(t) or math.isnan(b) or b == 0 else t / b * faktor
        if math.isnan(by_hand):
            assert math.isnan(got[(k, y)])  # missing stays missing, never 0 or infinite
        else:
            assert got[(k, y)] == by_hand


def test_a_part_missing_for_a_municipality_is_missing_not_zero() -> None:
    data = pd.DataFrame(
        [
            {"kommune": "Bergen", "aar": 2024, "indikator": "utgift", "verdi": 500.0},
            {"kommune": "Oslo", "aar": 2024, "indikator": "utgift", "verdi": 800.0},
            {"kommune": "Oslo", "aar": 2024, "indikator": "brukere", "verdi": 4.0},
        ]
    )
    made = derive(data, [DerivedSeries("per_bruker", "utgift", "brukere", 1000)])
    got = dict(zip(made["kommune"], made["verdi"], strict=True))
    assert got["Oslo"] == 200_000.0
    assert np.isnan(got["Bergen"])


def test_the_explanation_names_the_formula() -> None:
    text = explain(DerivedSeries("sfo_per_bruker", "sfo_netto", "sfo_brukere", 1000))
    assert "sfo_per_bruker er beregnet: sfo_netto / sfo_brukere × 1 000" in text
