"""The four-year plan's engine (issue 15): demographic cost, serial loans, the minimum
repayment of kommuneloven § 14-18, and the choice of measures that closes the gap."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kommuneokonomi.engine.plan import (
    close_gap,
    demographic_cost,
    minimum_repayment,
    serial_loan,
)
from kommuneokonomi.errors import InputError, InputErrors, KommuneokonomiError

YEARS = [2020, 2021, 2022, 2023]


def _errors(exc: BaseException) -> list[KommuneokonomiError]:
    """The problems an engine call raised: one error is raised as itself, several together."""
    assert isinstance(exc, KommuneokonomiError)
    return list(exc) if isinstance(exc, InputErrors) else [exc]


def _population(counts: dict[str, list[float]], base: int = 2019) -> pd.DataFrame:
    rows = [
        {"aldersgruppe": g, "aar": base + k, "antall": n}
        for g, values in counts.items()
        for k, n in enumerate(values)
    ]
    return pd.DataFrame(rows)


def _rates(rows: list[tuple[str, str, float, float | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["sektor", "aldersgruppe", "sats", "andel"])


# --- demographic cost --------------------------------------------------------------------------


def test_tbu_rates_give_the_hand_computed_demographic_cost() -> None:
    """TBU/KS rates per inhabitant (ASSS 2019, 2018 prices, quoted in issue 15): 372 600 kr for
    90 år og over, 16 500 kr for 23-29 år. 100 more aged 90+ and 200 fewer aged 23-29 from
    2019 to 2020 cost 100 x 372 600 - 200 x 16 500 = 37 260 000 - 3 300 000 = 33 960 000 kr."""
    population = _population(
        {"90 år og over": [1350, 1450, 1450, 1450, 1450], "23-29 år": [30500, 30300] + [30300] * 3}
    )
    rates = _rates(
        [
            ("Pleie og omsorg", "90 år og over", 372_600, None),
            ("Øvrige", "23-29 år", 16_500, None),
        ]
    )
    cost = demographic_cost(population, rates, base_year=2019, years=YEARS, unit_kr=1_000_000)
    by = {(r["sektor"], r["aar"]): r["merutgift"] for r in cost.to_dict("records")}
    assert by[("Pleie og omsorg", 2020)] == pytest.approx(37.26)
    assert by[("Øvrige", 2020)] == pytest.approx(-3.3)
    assert by[("Pleie og omsorg", 2020)] + by[("Øvrige", 2020)] == pytest.approx(33.96)
    # the change is measured from the base year: the same in every later year here
    assert by[("Pleie og omsorg", 2023)] == pytest.approx(37.26)
    text = cost.loc[0, "forklaring"]
    assert "90 år og over: 100 x 372 600 kr" in text and "37 260 000 kr" in text


def test_a_kindergarten_year_starting_in_august_takes_five_twelfths_the_first_year() -> None:
    """120 more children from 2021 at 100 000 kr with 5/12 in the budget year: 2021 carries
    120 x 100 000 x 5/12 = 5 000 000 kr, 2022 the whole 12 000 000 kr."""
    population = _population({"1-5 år": [1000, 1000, 1120, 1120, 1120]})
    rates = _rates([("Barnehage", "1-5 år", 100_000, 5 / 12)])
    cost = demographic_cost(population, rates, base_year=2019, years=YEARS)
    assert list(cost["merutgift"]) == pytest.approx([0, 5_000_000, 12_000_000, 12_000_000])


counts = st.lists(st.integers(0, 50_000), min_size=5, max_size=5)


@given(
    base=st.lists(st.integers(0, 50_000), min_size=2, max_size=2),
    rate=st.lists(st.floats(0, 500_000), min_size=2, max_size=2),
    share=st.floats(0, 1),
)
def test_no_population_change_costs_nothing(
    base: list[int], rate: list[float], share: float
) -> None:
    population = _population({"a": [base[0]] * 5, "b": [base[1]] * 5})
    rates = _rates([("S", "a", rate[0], share), ("S", "b", rate[1], None)])
    cost = demographic_cost(population, rates, base_year=2019, years=YEARS)
    assert list(cost["merutgift"]) == [0.0] * 4


@given(first=counts, second=counts, k=st.integers(-3, 3), rate=st.floats(1, 400_000))
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_the_demographic_cost_is_linear_in_the_population_change(
    first: list[int], second: list[int], k: int, rate: float
) -> None:
    """cost(base + d1 + k d2) = cost(base + d1) + k cost(base + d2), for any share w."""

    def cost(values: list[float]) -> list[float]:
        population = _population({"g": values})
        rates = _rates([("S", "g", rate, 5 / 12)])
        frame = demographic_cost(population, rates, base_year=2019, years=YEARS)
        return list(frame["merutgift"])

    base = 1_000_000  # above any change drawn, so no count goes negative
    d1 = [base + (v - first[0]) for v in first]
    d2 = [base + (v - second[0]) for v in second]
    combined = [base + (a - base) + k * (b - base) for a, b in zip(d1, d2, strict=True)]
    expected = [a + k * b for a, b in zip(cost(d1), cost(d2), strict=True)]
    assert cost(combined) == pytest.approx(expected, abs=1e-6 * rate * 10_000)


def test_a_missing_plan_year_in_the_population_is_named() -> None:
    population = _population({"1-5 år": [1000, 990, 980]})  # 2019-2021 only
    rates = _rates([("Barnehage", "1-5 år", 100_000, None)])
    with pytest.raises(KommuneokonomiError) as info:
        demographic_cost(population, rates, base_year=2019, years=YEARS)
    (err,) = _errors(info.value)
    assert err.code == "mangler_verdi" and "'1-5 år' for 2022" in err.message
    assert err.context.tabell == "tblSatser" and err.context.kolonne == "aldersgruppe"


def test_a_share_outside_zero_and_one_is_refused() -> None:
    population = _population({"1-5 år": [1000] * 5})
    rates = _rates([("Barnehage", "1-5 år", 100_000, 5.0)])
    with pytest.raises(KommuneokonomiError) as info:
        demographic_cost(population, rates, base_year=2019, years=YEARS)
    assert [e.context.kolonne for e in _errors(info.value)] == ["andel"]


# --- loans -------------------------------------------------------------------------------------


def test_interest_on_a_known_schedule_equals_the_hand_computation() -> None:
    """100 raised in 2020 over 10 years: 10 a year from 2021; interest on the opening debt:
    2021 3 % x 100 = 3,0; 2022 3,5 % x 90 = 3,15; 2023 4 % x 80 = 3,2."""
    schedule = serial_loan(
        100,
        year=2020,
        repayment_years=10,
        rates={2021: 0.03, 2022: 0.035, 2023: 0.04},
        last_year=2023,
    )
    assert list(schedule["aar"]) == [2021, 2022, 2023]
    assert list(schedule["avdrag"]) == pytest.approx([10, 10, 10])
    assert list(schedule["renter"]) == pytest.approx([3.0, 3.15, 3.2])
    assert list(schedule["restgjeld"]) == pytest.approx([90, 80, 70])


@given(
    principal=st.floats(0, 1e7),
    years=st.integers(1, 40),
    rate=st.floats(0, 0.1),
)
def test_a_serial_loans_repayments_sum_to_its_principal(
    principal: float, years: int, rate: float
) -> None:
    schedule = serial_loan(
        principal, year=2020, repayment_years=years, rates=rate, last_year=2020 + years + 3
    )
    assert math.fsum(schedule["avdrag"]) == pytest.approx(principal, rel=1e-12, abs=1e-9)
    assert schedule["restgjeld"].iloc[-1] == 0.0
    assert (schedule["avdrag"].iloc[years:] == 0).all()  # nothing after the last instalment
    # interest falls with the debt at one rate
    assert list(schedule["renter"]) == sorted(schedule["renter"], reverse=True)


def test_a_year_without_a_rate_is_named() -> None:
    with pytest.raises(InputError) as info:
        serial_loan(100, year=2020, repayment_years=10, rates={2021: 0.03}, last_year=2022)
    assert info.value.code == "mangler_verdi" and "2022" in info.value.message


@pytest.mark.golden
def test_minimum_repayment_reproduces_moldes_accounts_note() -> None:
    """Molde kommune, årsrapport 2020, note 7 (1000 kr): lånegjeld 4 047 013, avskrivninger
    174 015, avskrivbare anleggsmidler 4 521 698 -> «Beregnet minimumsavdrag etter
    kommuneloven §14-18, 1. ledd 155 747»."""
    value = minimum_repayment(4_047_013, depreciation=174_015, assets=4_521_698)
    assert round(value) == 155_747


def test_minimum_repayment_needs_assets_above_zero() -> None:
    with pytest.raises(InputError) as info:
        minimum_repayment(100, depreciation=5, assets=0)
    assert info.value.code == "ikke_positiv" and "§ 14-18" in info.value.message


# --- closing the gap ---------------------------------------------------------------------------


def _measures(rows: list[tuple[str, int | None, float, str, int | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "tiltak": name,
                "omrade": "",
                "fra_aar": fra,
                "belop": belop,
                "varighet": varighet,
                "prioritet": prioritet,
                "konsekvens": "",
            }
            for name, fra, belop, varighet, prioritet in rows
        ]
    )


def test_the_best_priority_closes_every_year() -> None:
    measures = _measures(
        [
            ("A", None, 30, "varig", 1),
            ("B", None, 30, "varig", 3),
            ("C", 2022, 25, "varig", 1),
            ("D", None, 100, "engangs", 1),
        ]
    )
    need = {2020: 20, 2021: 25, 2022: 50, 2023: 55}
    solution = close_gap(measures, years=YEARS, need=need)
    assert solution.closes
    assert {c.tiltak: c.start for c in solution.chosen} == {"A": 2020, "C": 2022}
    assert solution.priority == 2
    for t in YEARS:
        assert solution.effect[t] >= need[t]


def test_one_off_money_never_covers_a_lasting_gap() -> None:
    """S: «Engangspenger kan ikke finansiere varige driftsutgifter»: a lasting gap of 10 with
    only a one-off measure of 50 leaves 10 missing, all of it lasting."""
    measures = _measures([("Engang", None, 50, "engangs", 1)])
    need = dict.fromkeys(YEARS, 10.0)
    solution = close_gap(measures, years=YEARS, need=need, lasting_need=need)
    assert not solution.closes
    assert solution.missing == dict.fromkeys(YEARS, 10.0)
    assert solution.missing_lasting == dict.fromkeys(YEARS, 10.0)


def test_what_is_missing_is_said_per_year() -> None:
    measures = _measures([("Lite", None, 10, "varig", 1)])
    solution = close_gap(measures, years=YEARS, need={2020: 30, 2021: 5, 2022: 12, 2023: 0})
    assert solution.missing == {2020: 20.0, 2021: 0.0, 2022: 2.0, 2023: 0.0}
    assert [c.tiltak for c in solution.chosen] == ["Lite"]


def test_alternatives_close_behind_and_differ() -> None:
    measures = _measures(
        [("A", None, 20, "varig", 1), ("B", None, 20, "varig", 2), ("C", None, 20, "varig", 3)]
    )
    solution = close_gap(measures, years=YEARS, need=dict.fromkeys(YEARS, 15.0), alternatives=2)
    assert [c.tiltak for c in solution.chosen] == ["A"]
    assert [[c.tiltak for c in alt] for alt in solution.alternatives] == [["B"], ["C"]]


def test_a_measure_with_a_bad_amount_is_named() -> None:
    measures = _measures([("Feil", None, -5, "varig", 1), ("Ukjent", None, 5, "kanskje", 1)])
    with pytest.raises(InputErrors) as info:
        close_gap(measures, years=YEARS, need=dict.fromkeys(YEARS, 1.0))
    assert sorted((e.code, e.context.kolonne) for e in info.value) == [
        ("ikke_positiv", "belop"),
        ("ukjent_varighet", "varighet"),
    ]


measure_rows = st.lists(
    st.tuples(
        st.sampled_from([None, 2020, 2021, 2022, 2023]),
        st.integers(1, 60).map(float),
        st.sampled_from(["varig", "engangs"]),
        st.integers(1, 4),
    ),
    min_size=0,
    max_size=6,
)
needs = st.lists(st.integers(-20, 120).map(float), min_size=4, max_size=4)


def _frame(rows: list[tuple[int | None, float, str, int]]) -> pd.DataFrame:
    return _measures([(f"T{i}", fra, b, v, p) for i, (fra, b, v, p) in enumerate(rows)])


@given(rows=measure_rows, need_values=needs, lasting_share=st.floats(0, 1))
@settings(max_examples=40, deadline=None)
def test_the_choice_closes_every_year_it_can_and_never_funds_lasting_with_one_off(
    rows: list[tuple[int | None, float, str, int]], need_values: list[float], lasting_share: float
) -> None:
    need = dict(zip(YEARS, need_values, strict=True))
    lasting = {t: v * lasting_share for t, v in need.items()}
    solution = close_gap(_frame(rows), years=YEARS, need=need, lasting_need=lasting)
    tol = 1e-6
    for t in YEARS:
        lasting_effect = math.fsum(c.effect(t) for c in solution.chosen if c.varighet == "varig")
        assert solution.effect[t] + solution.missing[t] >= need[t] - tol
        assert lasting_effect + solution.missing_lasting[t] >= lasting[t] - tol
    # taking every measure from its earliest year is one way: if it closes, the solver closes
    everything = {t: 0.0 for t in YEARS}
    everything_lasting = {t: 0.0 for t in YEARS}
    for fra, belop, varighet, _ in rows:
        start = fra or YEARS[0]
        for t in YEARS:
            if (varighet == "varig" and t >= start) or t == start:
                everything[t] += belop
                if varighet == "varig":
                    everything_lasting[t] += belop
    if all(
        everything[t] >= need[t] - tol and everything_lasting[t] >= lasting[t] - tol for t in YEARS
    ):
        assert solution.closes


@given(rows=measure_rows, extra=measure_rows.filter(lambda r: len(r) >= 1), need_values=needs)
@settings(max_examples=30, deadline=None)
def test_adding_a_measure_never_makes_the_best_solution_worse(
    rows: list[tuple[int | None, float, str, int]],
    extra: list[tuple[int | None, float, str, int]],
    need_values: list[float],
) -> None:
    need = dict(zip(YEARS, need_values, strict=True))
    before = close_gap(_frame(rows), years=YEARS, need=need, alternatives=0)
    after = close_gap(_frame(rows + extra[:1]), years=YEARS, need=need, alternatives=0)
    missing_before = math.fsum(before.missing.values())
    missing_after = math.fsum(after.missing.values())
    assert missing_after <= missing_before + 1e-6
    if missing_after == pytest.approx(missing_before, abs=1e-6):
        assert after.priority <= before.priority


def test_no_gap_needs_no_measures_and_has_no_alternatives() -> None:
    measures = _measures([("A", None, 20, "varig", 1), ("B", None, 20, "varig", 2)])
    solution = close_gap(measures, years=YEARS, need=dict.fromkeys(YEARS, -5.0), alternatives=2)
    assert solution.chosen == [] and solution.alternatives == [] and solution.closes
