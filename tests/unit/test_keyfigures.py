"""Unit tests for kommuneokonomi.engine.keyfigures, with hand-computed expectations."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from kommuneokonomi.engine.keyfigures import (
    CorrectedResult,
    annual_growth,
    change_points,
    compound_growth,
    corrected_net_operating_result,
    debt_share,
    growth_from_levels,
    investments_per_inhabitant,
    need_corrected,
    net_operating_result_share,
    real_growth,
    real_growth_from_levels,
    relative_difference,
    spending_capacity_gap,
)
from kommuneokonomi.errors import InputError, InputErrors

# --------------------------------------------------------------------------------------------
# Growth from rates
# --------------------------------------------------------------------------------------------


def test_compound_growth_multiplies_factors() -> None:
    # 1.1 * 1.1 = 1.21
    assert compound_growth([0.1, 0.1]) == pytest.approx(0.21)
    # -50 % then +100 % is back where we started
    assert compound_growth([-0.5, 1.0]) == pytest.approx(0.0)
    assert compound_growth([0.0]) == 0.0


def test_compound_growth_accepts_numpy_and_pandas() -> None:
    assert compound_growth(np.array([0.1, 0.1])) == pytest.approx(0.21)
    assert compound_growth(pd.Series([0.1, 0.1])) == pytest.approx(0.21)
    assert compound_growth(x for x in (0.1, 0.1)) == pytest.approx(0.21)


def test_annual_growth_is_geometric_mean() -> None:
    assert annual_growth([0.1, 0.1]) == pytest.approx(0.1)
    # The arithmetic mean of +100 % and -50 % would be +25 %; the geometric mean is 0.
    assert annual_growth([1.0, -0.5]) == pytest.approx(0.0)
    # 1.21 over two years is 10 % a year however it is split
    assert annual_growth([0.0, 0.21]) == pytest.approx(0.1)


def test_real_growth_annual_and_total() -> None:
    # (1.1/1.05) per year = 22/21 -> 1/21 a year; total (22/21)^2 - 1 = 43/441
    assert real_growth([0.1, 0.1], [0.05, 0.05]) == pytest.approx(1 / 21)
    assert real_growth([0.1, 0.1], [0.05, 0.05], annual=False) == pytest.approx(43 / 441)
    # growth equal to the deflator is no real growth
    assert real_growth([0.03, 0.04], [0.03, 0.04]) == pytest.approx(0.0)


def test_real_growth_divides_rather_than_subtracts() -> None:
    # 1.21 / 1.1 = 1.1 -> 10 % real; subtracting rates would give 21 % - 10 % = 11 %
    assert real_growth([0.21], [0.1]) == pytest.approx(0.1)


def test_real_growth_lengths_must_match() -> None:
    with pytest.raises(InputError) as exc:
        real_growth([0.1, 0.1, 0.1], [0.05, 0.05])
    assert exc.value.code == "ulik_lengde"
    assert "3 vekstrater" in exc.value.message
    assert "2 deflatorer" in exc.value.message


# --------------------------------------------------------------------------------------------
# Growth from levels
# --------------------------------------------------------------------------------------------


def test_growth_from_levels() -> None:
    assert growth_from_levels([100, 121]) == pytest.approx(0.21)
    assert growth_from_levels([100, 110, 121]) == pytest.approx(0.1)
    assert growth_from_levels([100, 110, 121], annual=False) == pytest.approx(0.21)
    # only the end points count
    assert growth_from_levels([100, 50, 121]) == pytest.approx(0.1)


def test_real_growth_from_levels_uses_deflators_after_first_level() -> None:
    # 100 -> 121 over two steps, deflated by 10 % twice: no real growth
    assert real_growth_from_levels([100, 110, 121], [0.1, 0.1]) == pytest.approx(0.0)
    # one step 100 -> 132 with prices +10 %: 1.32 / 1.1 = 1.2
    assert real_growth_from_levels([100, 132], [0.1]) == pytest.approx(0.2)
    # 100 -> 132 over two steps, prices +10 % twice: 132/121 = 12/11 total, sqrt per year
    assert real_growth_from_levels([100, 120, 132], [0.1, 0.1], annual=False) == pytest.approx(
        12 / 11 - 1
    )
    assert real_growth_from_levels([100, 120, 132], [0.1, 0.1]) == pytest.approx(
        math.sqrt(12 / 11) - 1
    )


def test_real_growth_from_levels_wrong_number_of_deflators() -> None:
    with pytest.raises(InputError) as exc:
        real_growth_from_levels([100, 110, 121], [0.1, 0.1, 0.1])
    assert exc.value.code == "ulik_lengde"
    assert "3 nivåer og 3 deflatorer" in exc.value.message
    assert "trengs 2" in exc.value.message


def test_growth_from_levels_needs_two_levels() -> None:
    with pytest.raises(InputError) as exc:
        growth_from_levels([6305])
    assert exc.value.code == "for_faa_verdier"
    assert "6 305" in exc.value.message


@pytest.mark.parametrize("bad", [0.0, -5.0])
def test_growth_from_levels_needs_positive_levels(bad: float) -> None:
    with pytest.raises(InputError) as exc:
        growth_from_levels([100, bad])
    assert exc.value.code == "ikke_positiv"
    assert "nr. 2" in exc.value.message
    assert ("nr. 2 er -5;" if bad else "nr. 2 er 0;") in exc.value.message


# --------------------------------------------------------------------------------------------
# Validation of sequences
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("func", [compound_growth, annual_growth])
def test_empty_rates(func: object) -> None:
    with pytest.raises(InputError) as exc:
        func([])  # type: ignore[operator]
    assert exc.value.code == "tom_serie"


def test_nan_rate_names_position() -> None:
    with pytest.raises(InputError) as exc:
        compound_growth([0.1, math.nan])
    assert exc.value.code == "mangler_verdi"
    assert "nr. 2" in exc.value.message
    assert "NaN" in exc.value.message


def test_none_rate_is_missing() -> None:
    with pytest.raises(InputError) as exc:
        compound_growth([0.1, None])  # type: ignore[list-item]
    assert exc.value.code == "mangler_verdi"


def test_infinite_rate() -> None:
    with pytest.raises(InputError) as exc:
        compound_growth([math.inf])
    assert exc.value.code == "ugyldig_tall"
    assert "uendelig" in exc.value.message


@pytest.mark.parametrize(("rate", "quoted"), [(-1.0, "-1 "), (-1.5, "-1,5")])
def test_rate_at_or_below_minus_one(rate: float, quoted: str) -> None:
    with pytest.raises(InputError) as exc:
        annual_growth([0.1, rate])
    assert exc.value.code == "ugyldig_rate"
    assert quoted in exc.value.message
    assert "0,021" in exc.value.message  # reminds that rates are fractions


def test_deflator_at_or_below_minus_one() -> None:
    with pytest.raises(InputError) as exc:
        real_growth([0.1], [-2.0])
    assert exc.value.code == "ugyldig_rate"
    assert "Deflator" in exc.value.message
    assert "-2" in exc.value.message


def test_several_bad_rates_are_reported_together() -> None:
    with pytest.raises(InputErrors) as exc:
        compound_growth([math.nan, -3.0, 0.1, "x"])  # type: ignore[list-item]
    codes = [e.code for e in exc.value]
    assert codes == ["mangler_verdi", "ikke_tall"]  # the rate check runs on numbers only
    assert "'x'" in exc.value.errors[1].message


def test_text_is_not_a_sequence_of_rates() -> None:
    with pytest.raises(InputError) as exc:
        compound_growth("0.1")  # type: ignore[arg-type]
    assert exc.value.code == "ikke_tall"
    assert "'0.1'" in exc.value.message


def test_bool_is_not_a_rate() -> None:
    with pytest.raises(InputError) as exc:
        compound_growth([True])
    assert exc.value.code == "ikke_tall"


def test_not_iterable() -> None:
    with pytest.raises(InputError) as exc:
        compound_growth(0.1)  # type: ignore[arg-type]
    assert exc.value.code == "ikke_tall"


# --------------------------------------------------------------------------------------------
# Comparisons
# --------------------------------------------------------------------------------------------


def test_relative_difference() -> None:
    assert relative_difference(150, 100) == pytest.approx(0.5)
    assert relative_difference(50, 100) == pytest.approx(-0.5)
    assert relative_difference(100, 100) == 0.0


@pytest.mark.parametrize(("reference", "quoted"), [(0.0, "er 0."), (-1.0, "er -1.")])
def test_relative_difference_needs_positive_reference(reference: float, quoted: str) -> None:
    with pytest.raises(InputError) as exc:
        relative_difference(10, reference)
    assert exc.value.code == "ikke_positiv"
    assert quoted in exc.value.message


def test_change_points_same_unit_out() -> None:
    assert change_points(7.1, 1.6) == pytest.approx(-5.5)
    assert change_points(0.071, 0.016) == pytest.approx(-0.055)
    assert change_points(before=0.7, after=-2.8) == pytest.approx(-3.5)


def test_change_points_rejects_nan() -> None:
    with pytest.raises(InputError) as exc:
        change_points(math.nan, 1.0)
    assert exc.value.code == "mangler_verdi"
    assert "før" in exc.value.message


# --------------------------------------------------------------------------------------------
# Net operating result
# --------------------------------------------------------------------------------------------


def test_net_operating_result_share() -> None:
    assert net_operating_result_share(16, 1000) == pytest.approx(0.016)
    assert net_operating_result_share(-28, 1000) == pytest.approx(-0.028)


@pytest.mark.parametrize(("income", "quoted"), [(0, "er 0."), (-5, "er -5.")])
def test_net_operating_result_share_needs_positive_income(income: float, quoted: str) -> None:
    with pytest.raises(InputError) as exc:
        net_operating_result_share(16, income)
    assert exc.value.code == "ikke_positiv"
    assert quoted in exc.value.message
    assert "Driftsinntektene" in exc.value.message


def test_corrected_result_subtracts_each_correction() -> None:
    # 130 - 20 - 30 - 10 - 5 = 65 of 1000
    result = corrected_net_operating_result(
        netto_driftsresultat=130,
        driftsinntekter=1000,
        investeringsmoms=20,
        premieavvik=30,
        netto_avsetning_bundne_fond=10,
        kraftfond_avkastning_over_real=5,
    )
    assert isinstance(result, CorrectedResult)
    assert result.booked_share == pytest.approx(0.13)
    assert result.corrected_amount == pytest.approx(65)
    assert result.corrected_share == pytest.approx(0.065)
    text = result.forklaring
    for label in (
        "Momskompensasjon fra investeringer: 20 trekkes fra",
        "Premieavvik: 30 trekkes fra",
        "Netto avsetning til bundne driftsfond: 10 trekkes fra",
        "Kraftfondavkastning utover realavkastningen: 5 trekkes fra",
    ):
        assert label in text
    assert "13,0 %" in text  # booked share, one decimal as R Tabell 1 prints it
    assert "6,5 %" in text  # corrected


def test_corrected_result_negative_premieavvik_adds() -> None:
    # 16 - (-12) = 28 of 1000
    result = corrected_net_operating_result(
        netto_driftsresultat=16, driftsinntekter=1000, premieavvik=-12
    )
    assert result.corrected_amount == pytest.approx(28)
    assert result.corrected_share == pytest.approx(0.028)
    assert "12 legges til" in result.forklaring
    assert "Momskompensasjon" not in result.forklaring  # zero corrections are not listed


def test_corrected_result_without_corrections() -> None:
    result = corrected_net_operating_result(netto_driftsresultat=16, driftsinntekter=1000)
    assert result.corrected_share == result.booked_share == pytest.approx(0.016)
    assert "Ingen korreksjoner" in result.forklaring


def test_corrected_result_is_frozen() -> None:
    result = corrected_net_operating_result(netto_driftsresultat=16, driftsinntekter=1000)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.corrected_share = 0.0  # type: ignore[misc]


def test_corrected_result_needs_positive_income() -> None:
    with pytest.raises(InputError) as exc:
        corrected_net_operating_result(netto_driftsresultat=16, driftsinntekter=0)
    assert exc.value.code == "ikke_positiv"


def test_corrected_result_reports_all_missing_amounts() -> None:
    with pytest.raises(InputErrors) as exc:
        corrected_net_operating_result(
            netto_driftsresultat=16,
            driftsinntekter=1000,
            premieavvik=math.nan,
            investeringsmoms=math.nan,
        )
    assert {e.context.kolonne for e in exc.value} == {"premieavvik", "investeringsmoms"}
    assert all(e.code == "mangler_verdi" for e in exc.value)


# --------------------------------------------------------------------------------------------
# Debt, investments, spending capacity
# --------------------------------------------------------------------------------------------


def test_debt_share() -> None:
    assert debt_share(1995, 1000) == pytest.approx(1.995)


def test_debt_share_rejects_negative_debt() -> None:
    with pytest.raises(InputError) as exc:
        debt_share(-1, 1000)
    assert exc.value.code == "negativ_verdi"
    assert "-1" in exc.value.message


def test_investments_per_inhabitant() -> None:
    assert investments_per_inhabitant(1_035_500_000, 100_000) == pytest.approx(10_355)


def test_investments_per_inhabitant_needs_inhabitants() -> None:
    with pytest.raises(InputError) as exc:
        investments_per_inhabitant(1_000_000, 0)
    assert exc.value.code == "ikke_positiv"
    assert "innbyggere" in exc.value.message


def test_spending_capacity_gap() -> None:
    # R Figur 1 orders of magnitude: 1 500 kr x 160 000 innbyggere = 240 MNOK
    per, total = spending_capacity_gap(
        netto_driftsutgifter_per_innbygger=40_000,
        utgiftskapasitet_per_innbygger=38_500,
        innbyggere=160_000,
    )
    assert per == pytest.approx(1_500)
    assert total == pytest.approx(240_000_000)


def test_spending_capacity_gap_negative_when_below_capacity() -> None:
    per, total = spending_capacity_gap(
        netto_driftsutgifter_per_innbygger=38_000,
        utgiftskapasitet_per_innbygger=38_500,
        innbyggere=10,
    )
    assert (per, total) == (pytest.approx(-500), pytest.approx(-5_000))


def test_spending_capacity_gap_needs_inhabitants() -> None:
    with pytest.raises(InputError) as exc:
        spending_capacity_gap(
            netto_driftsutgifter_per_innbygger=1,
            utgiftskapasitet_per_innbygger=1,
            innbyggere=-3,
        )
    assert exc.value.code == "ikke_positiv"
    assert "-3" in exc.value.message


# --------------------------------------------------------------------------------------------
# Need-corrected costs
# --------------------------------------------------------------------------------------------


def test_need_corrected_floats() -> None:
    # index 1.1: needs 10 % more than average, so 11 000 counts as 10 000
    assert need_corrected(11_000, 1.1) == pytest.approx(10_000)
    assert need_corrected(9_000, 0.9) == pytest.approx(10_000)


@pytest.mark.parametrize(("index", "quoted"), [(0.0, "er 0."), (-0.5, "er -0,5.")])
def test_need_corrected_float_index_must_be_positive(index: float, quoted: str) -> None:
    with pytest.raises(InputError) as exc:
        need_corrected(10_000, index)
    assert exc.value.code == "ikke_positiv"
    assert quoted in exc.value.message


def test_need_corrected_float_index_missing() -> None:
    with pytest.raises(InputError) as exc:
        need_corrected(10_000, math.nan)
    assert exc.value.code == "mangler_verdi"


def test_need_corrected_series_aligns_by_index() -> None:
    cost = pd.Series({"Aurskog": 11_000.0, "Bodø": 9_000.0}, name="kr per innbygger")
    index = pd.Series({"Bodø": 0.9, "Cecilie": 1.0, "Aurskog": 1.1})
    result = need_corrected(cost, index)
    assert list(result.index) == ["Aurskog", "Bodø"]
    assert result.name == "kr per innbygger"
    assert result.tolist() == pytest.approx([10_000, 10_000])


def test_need_corrected_series_with_float_index() -> None:
    cost = pd.Series({"A": 11_000.0, "B": 5_500.0})
    assert need_corrected(cost, 1.1).tolist() == pytest.approx([10_000, 5_000])


def test_need_corrected_float_cost_with_series_index() -> None:
    index = pd.Series({"A": 1.25, "B": 0.8})
    assert need_corrected(10_000, index).tolist() == pytest.approx([8_000, 12_500])


def test_need_corrected_series_missing_index_names_kommune() -> None:
    cost = pd.Series({"A": 11_000.0, "B": 9_000.0})
    index = pd.Series({"A": 1.1})
    with pytest.raises(InputError) as exc:
        need_corrected(cost, index)
    assert exc.value.code == "mangler_verdi"
    assert exc.value.context.kommune == "B"
    assert "kommune B" in str(exc.value)


def test_need_corrected_series_non_positive_index() -> None:
    cost = pd.Series({"A": 11_000.0, "B": 9_000.0})
    index = pd.Series({"A": 1.1, "B": 0.0})
    with pytest.raises(InputError) as exc:
        need_corrected(cost, index)
    assert exc.value.code == "ikke_positiv"
    assert exc.value.context.kommune == "B"
    assert "er 0." in exc.value.message


def test_need_corrected_series_collects_all_problems() -> None:
    cost = pd.Series({"A": math.nan, "B": 9_000.0, "C": 1.0})
    index = pd.Series({"A": 1.1, "B": -1.0})
    with pytest.raises(InputErrors) as exc:
        need_corrected(cost, index)
    assert [(e.context.kommune, e.code) for e in exc.value] == [
        ("A", "mangler_verdi"),
        ("B", "ikke_positiv"),
        ("C", "mangler_verdi"),
    ]


def test_need_corrected_series_duplicate_labels() -> None:
    cost = pd.Series([1.0, 2.0], index=["A", "A"])
    with pytest.raises(InputError) as exc:
        need_corrected(cost, 1.0)
    assert exc.value.code == "duplikat"
    assert "A" in exc.value.message
