"""Properties of the savings engine that hold for every valid input.

Inputs come from :mod:`tests.properties.strategies`; each test keeps ``max_examples`` modest so
the whole file runs in about 20 seconds.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kommuneokonomi.engine.references import (
    mean_reference,
    median_reference,
    norwegian_sort_key,
    nth_best,
)
from kommuneokonomi.engine.savings import savings_table, sector_totals

from .strategies import (
    PeerValues,
    SavingsCase,
    peer_values,
    positive_values,
    savings_cases,
)

FAST = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SAVING_COLUMNS = ["innsparing_1_mnok", "innsparing_2_mnok"]

any_values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


def _table(case: SavingsCase, data: pd.DataFrame | None = None) -> pd.DataFrame:
    return savings_table(case.data if data is None else data, case.indicators, case.settings)


def _magnitude(case: SavingsCase, spec_index: int) -> float:
    """An upper bound on |value| x volume x factor / 1e6 for one line (for tolerances)."""
    spec = case.indicators[spec_index]
    biggest = float(np.nanmax(case.values(spec.indikator).abs().to_numpy()))
    if spec.beregning == "relativ":
        biggest = biggest / case.number(case.own, spec.indikator)
    return biggest * case.number(case.own, spec.volum) * spec.faktor / 1e6


# --- savings_table -------------------------------------------------------------------------


@FAST
@given(case=savings_cases(), order=st.randoms(use_true_random=False), reset=st.booleans())
def test_row_order_of_the_data_never_changes_the_table(
    case: SavingsCase, order: random.Random, reset: bool
) -> None:
    data = case.data
    positions = list(range(len(data)))
    order.shuffle(positions)
    shuffled = data.iloc[positions]
    if reset:
        shuffled = shuffled.reset_index(drop=True)
    pd.testing.assert_frame_equal(_table(case), _table(case, shuffled), check_exact=True)


@FAST
@given(case=savings_cases())
def test_savings_are_never_negative_and_never_nan(case: SavingsCase) -> None:
    table = _table(case)
    assert len(table) == len(case.indicators)
    for column in [*SAVING_COLUMNS, "egen_verdi", "volum"]:
        assert table[column].notna().all(), column
    assert (table[SAVING_COLUMNS] >= 0).all().all()
    assert list(table["indikator"]) == list(case.indicator_ids)
    # the own value and volume are the own municipality's, never a peer's or another year's
    for row, spec in zip(table.itertuples(), case.indicators, strict=True):
        assert row.egen_verdi == case.number(case.own, spec.indikator)
        assert row.volum == case.number(case.own, spec.volum)


@FAST
@given(case=savings_cases())
def test_references_come_from_the_group_never_the_outsider(case: SavingsCase) -> None:
    table = _table(case)
    for i in (1, 2):
        named = table[f"ref_{i}_kommune"].dropna()
        assert set(named) <= set(case.peers)
        for ind, kommune, ref in zip(
            table.loc[named.index, "indikator"],
            named,
            table.loc[named.index, f"referanse_{i}"],
            strict=True,
        ):
            assert ref == case.number(kommune, ind)
        refs = table[f"referanse_{i}"].dropna()
        for ind, ref in zip(table.loc[refs.index, "indikator"], refs, strict=True):
            valued = case.values(ind).dropna()
            tol = 1e-9 * max(1.0, float(valued.abs().max()))
            assert valued.min() - tol <= ref <= valued.max() + tol


@FAST
@given(case=savings_cases(), k=st.floats(min_value=1e-3, max_value=1e3))
def test_scaling_the_volume_scales_every_saving(case: SavingsCase, k: float) -> None:
    before = _table(case)
    after = _table(case.scaled(case.volume_ids, k))
    for i in range(len(case.indicators)):
        tol = 1e-9 * k * max(1.0, _magnitude(case, i))
        for column in SAVING_COLUMNS:
            b, a = before.at[i, column], after.at[i, column]
            assert math.isclose(a, k * b, rel_tol=1e-9, abs_tol=tol), (column, a, k * b)


@FAST
@given(case=savings_cases(), k=st.floats(min_value=1e-3, max_value=1e3))
def test_scaling_the_values_scales_absolute_savings_and_keeps_relative_ones(
    case: SavingsCase, k: float
) -> None:
    before = _table(case)
    after = _table(case.scaled(case.indicator_ids, k))
    for i, spec in enumerate(case.indicators):
        expected_factor = k if spec.beregning == "absolutt" else 1.0
        tol = 1e-9 * max(1.0, k) * max(1.0, _magnitude(case, i))
        for column in SAVING_COLUMNS:
            b, a = before.at[i, column], after.at[i, column]
            assert math.isclose(a, expected_factor * b, rel_tol=1e-9, abs_tol=tol), (
                spec.beregning,
                column,
                a,
                expected_factor * b,
            )


@FAST
@given(case=savings_cases())
def test_sector_totals_add_up_to_the_lines(case: SavingsCase) -> None:
    table = _table(case)
    totals = sector_totals(table)
    sectors = list(dict.fromkeys(table["sektor"]))
    assert list(totals["sektor"]) == [*sectors, "Sum"]
    for column in SAVING_COLUMNS:
        lines = table[column].to_list()
        total = totals.loc[totals["sektor"] == "Sum", column].item()
        assert math.isclose(total, math.fsum(lines), rel_tol=1e-12, abs_tol=1e-12)
        parts = totals.loc[totals["sektor"] != "Sum", column].to_list()
        assert math.isclose(math.fsum(parts), total, rel_tol=1e-12, abs_tol=1e-12)
        for sector in sectors:
            in_sector = table.loc[table["sektor"] == sector, column].to_list()
            got = totals.loc[totals["sektor"] == sector, column].item()
            assert math.isclose(got, math.fsum(in_sector), rel_tol=1e-12, abs_tol=1e-12)


# --- references ----------------------------------------------------------------------------


@FAST
@given(
    case=peer_values(values=any_values),
    include_own=st.booleans(),
    n_excluded=st.integers(min_value=0, max_value=2),
)
def test_mean_and_median_lie_within_the_peers_used(
    case: PeerValues, include_own: bool, n_excluded: int
) -> None:
    values, own = case.values, case.own
    exclude = [k for k in values.index if k != own][:n_excluded]
    used = values.drop([*exclude] if include_own else [*exclude, own]).dropna()
    if used.empty:
        return
    tol = 1e-12 * max(1.0, float(used.abs().max()))
    for ref in (
        mean_reference(values, own=own, include_own=include_own, exclude=exclude),
        median_reference(values, own=own, include_own=include_own, exclude=exclude),
    ):
        assert used.min() - tol <= ref.value <= used.max() + tol
        assert ref.n_peers == len(used)
        assert ref.kommune is None


@FAST
@given(
    case=peer_values(values=any_values),
    weights=st.lists(st.floats(min_value=1e-3, max_value=1e6), min_size=12, max_size=12),
)
def test_weighted_mean_lies_within_the_peers_used(case: PeerValues, weights: list[float]) -> None:
    w = pd.Series(weights[: len(case.values)], index=case.values.index)
    ref = mean_reference(case.values, own=case.own, weights=w)
    used = case.peers
    tol = 1e-9 * max(1.0, float(used.abs().max()))
    assert used.min() - tol <= ref.value <= used.max() + tol
    assert ref.label == "vektet snitt"


@FAST
@given(case=peer_values(values=any_values))
def test_mean_with_own_differs_from_mean_without_as_arithmetic_says(case: PeerValues) -> None:
    values, own = case.values, case.own
    n = len(case.peers)
    without = mean_reference(values, own=own).value
    with_own = mean_reference(values, own=own, include_own=True).value
    own_value = float(values[own])
    tol = 1e-9 * max(1.0, float(values.abs().max()))
    # (n * without + own) / (n + 1) = with_own, i.e. with_own - without = (own - without)/(n+1)
    assert math.isclose(with_own - without, (own_value - without) / (n + 1), abs_tol=tol)
    assert math.isclose(with_own * (n + 1), without * n + own_value, abs_tol=tol * (n + 1))


@st.composite
def nth_cases(draw: st.DrawFn, *, values: st.SearchStrategy[float] = positive_values) -> tuple:
    better = draw(st.sampled_from(["lav", "høy"]))
    case = draw(
        peer_values(
            values=values,
            own_best=draw(st.sampled_from([None, better])),
            min_valued_peers=1,
        )
    )
    n = draw(st.integers(min_value=1, max_value=len(case.peers)))
    return case, n, better


@FAST
@given(args=nth_cases())
def test_nth_best_is_a_peers_value_never_the_own(args: tuple) -> None:
    case, n, better = args
    ref = nth_best(case.values, own=case.own, n=n, better=better)
    peers = case.peers
    assert ref.kommune != case.own
    assert ref.kommune in peers.index
    assert ref.value == peers[ref.kommune]
    assert ref.n_peers == len(peers)
    assert ref.label == f"{n}. beste"
    # exactly its rank: fewer than n peers strictly better, at least n at least as good
    strictly_better = (peers < ref.value) if better == "lav" else (peers > ref.value)
    as_good = (peers <= ref.value) if better == "lav" else (peers >= ref.value)
    assert strictly_better.sum() < n <= as_good.sum()
    # ties are broken by name, in Norwegian alphabetical order
    tied = sorted((k for k in peers.index if peers[k] == ref.value), key=norwegian_sort_key)
    assert tied.index(ref.kommune) == n - 1 - int(strictly_better.sum())


@FAST
@given(args=nth_cases(values=any_values))
def test_nth_best_low_equals_nth_best_high_of_negated_values(args: tuple) -> None:
    case, n, _ = args
    low = nth_best(case.values, own=case.own, n=n, better="lav")
    high = nth_best(-case.values, own=case.own, n=n, better="høy")
    assert low.value == -high.value
    assert low.kommune == high.kommune


@FAST
@given(args=nth_cases(), order=st.randoms(use_true_random=False))
def test_nth_best_does_not_depend_on_the_order_of_the_series(
    args: tuple, order: random.Random
) -> None:
    case, n, better = args
    index = list(case.values.index)
    order.shuffle(index)
    assert nth_best(case.values, own=case.own, n=n, better=better) == nth_best(
        case.values[index], own=case.own, n=n, better=better
    )
