"""Golden tests: the key-figure engine reproduces the figures printed in R (2008 report).

The expected values live in ``figures_keyfigures`` with their source and tolerance; inputs are
in percent as printed and are turned into fractions here, at the engine's boundary.
"""

from __future__ import annotations

import math

import pytest

from kommuneokonomi.engine.keyfigures import (
    annual_growth,
    change_points,
    compound_growth,
    debt_share,
    growth_from_levels,
    real_growth,
    real_growth_from_levels,
    relative_difference,
)

from .figures_keyfigures import (
    ALL_ROWS,
    ARITHMETIC_MEAN_TRONDHEIM_UTGIFTER,
    ASSS_NDR_CORRECTED_2006_2007,
    DEBT_2007,
    GROWTH_FROM_LEVELS,
    GROWTH_FROM_RATES,
    HALVERT,
    INVESTMENT_LEVEL_2007,
    NDR_CHANGES,
    RENTER_AVDRAG_GAP,
    TRONDHEIM_NDR_CORRECTED,
    TRONDHEIM_NETTO_UTGIFTER,
    Printed,
)

pytestmark = pytest.mark.golden


def fractions(percent: tuple[float, ...]) -> list[float]:
    """Percent as printed -> fractions as the engine takes them."""
    return [p / 100 for p in percent]


def assert_printed(computed: float, printed: Printed) -> None:
    """The computed figure (in the printed unit) lies within the printed figure's tolerance."""
    assert abs(computed - printed.value) <= printed.tolerance, (
        f"{printed.source}: printed «{printed.text}» = {printed.value} ± {printed.tolerance}, "
        f"computed {computed}"
    )


@pytest.mark.parametrize(("measure", "rates", "deflators", "printed"), GROWTH_FROM_RATES)
def test_growth_from_rates(
    measure: str,
    rates: tuple[float, ...],
    deflators: tuple[float, ...] | None,
    printed: Printed,
) -> None:
    if measure == "total":
        computed = compound_growth(fractions(rates))
    elif measure == "annual":
        computed = annual_growth(fractions(rates))
    else:
        assert deflators is not None
        computed = real_growth(fractions(rates), fractions(deflators), annual=True)
    assert_printed(computed * 100, printed)


def test_report_compounds_rather_than_averaging() -> None:
    # R Tabell 2: the arithmetic mean (6.7) misses the printed 6.5; only compounding hits it.
    printed = GROWTH_FROM_RATES[3].values[3]
    assert isinstance(printed, Printed)
    assert abs(ARITHMETIC_MEAN_TRONDHEIM_UTGIFTER - printed.value) > printed.tolerance
    assert_printed(annual_growth(fractions(TRONDHEIM_NETTO_UTGIFTER)) * 100, printed)


@pytest.mark.parametrize(("shares", "printed"), RENTER_AVDRAG_GAP)
def test_interest_repayment_gap(shares: tuple[float, float], printed: Printed) -> None:
    trondheim, asss = shares
    assert_printed(change_points(trondheim, asss), printed)


def test_interest_repayment_gap_halved() -> None:
    # R Tabell 2 text: the gap between Trondheim and ASSS was "halvert" from 2004 to 2007.
    (t04, a04), (t07, a07) = (row.values[0] for row in RENTER_AVDRAG_GAP)
    ratio = change_points(t07, a07) / change_points(t04, a04)
    assert_printed(ratio, HALVERT)


@pytest.mark.parametrize(("measure", "levels", "deflators", "printed"), GROWTH_FROM_LEVELS)
def test_investment_growth(
    measure: str,
    levels: tuple[float, ...],
    deflators: tuple[float, ...] | None,
    printed: Printed,
) -> None:
    if measure == "annual":
        computed = growth_from_levels(levels, annual=True)
    else:
        assert deflators is not None
        computed = real_growth_from_levels(levels, fractions(deflators), annual=True)
    assert_printed(computed * 100, printed)


@pytest.mark.parametrize(("own", "reference", "printed"), [INVESTMENT_LEVEL_2007])
def test_investment_level_above_asss(own: float, reference: float, printed: Printed) -> None:
    assert_printed(relative_difference(own, reference) * 100, printed)


@pytest.mark.parametrize(("gjeld_prosent", "printed"), DEBT_2007)
def test_debt_share(gjeld_prosent: float, printed: Printed) -> None:
    # Table prints % of driftsinntekter; as amounts per 100 of income the share is the same.
    share = debt_share(gjeld_prosent, 100.0)
    assert math.isclose(share, gjeld_prosent / 100)
    assert_printed(share * 100, printed)


@pytest.mark.parametrize(("before", "after", "printed"), NDR_CHANGES)
def test_net_operating_result_changes(before: float, after: float, printed: Printed) -> None:
    assert_printed(change_points(before, after), printed)


def test_corrected_result_below_asss_already_in_2006() -> None:
    # R Tabell 1 text: corrected, Trondheim was "klart lavere" than ASSS already in 2006
    # (0.7 against 3.5).
    assert change_points(ASSS_NDR_CORRECTED_2006_2007[0], TRONDHEIM_NDR_CORRECTED[2]) < -2


def test_every_golden_row_names_its_source() -> None:
    for row in ALL_ROWS:
        printed = row.values[-1]
        assert isinstance(printed, Printed), row.id
        assert printed.source.startswith(("R ", "S ")), row.id
        assert printed.tolerance >= 0, row.id
        assert printed.text, row.id
