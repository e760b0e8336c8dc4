"""The plan's worksheet functions (issue 15): KO_DEMOGRAFIKOSTNAD and KO_AVDRAGSPLAN give the
engine's numbers, hand-checked here, and #FEIL text for bad input."""

from __future__ import annotations

import pytest

from kommuneokonomi.udfs import FEIL, KO_AVDRAGSPLAN, KO_DEMOGRAFIKOSTNAD


def test_the_demographic_cost_of_one_sector_with_tbus_rates() -> None:
    """TBU/KS (ASSS 2019, 2018 prices): 372 600 kr per inhabitant 90+, 16 500 kr per
    inhabitant 23-29; +100 and -200: 37 260 000 - 3 300 000 = 33 960 000 kr."""
    got = KO_DEMOGRAFIKOSTNAD([[372_600], [16_500]], [[1350], [30500]], [[1450], [30300]])
    assert got == pytest.approx(33_960_000)


def test_a_budget_year_share_takes_the_rest_from_the_year_before() -> None:
    """120 more children at 100 000 kr, 5/12 in the budget year: 5 mill the first year; the
    next year (the year before already at +120) the whole 12 mill."""
    assert KO_DEMOGRAFIKOSTNAD(100_000, 1000, 1120, 5 / 12) == pytest.approx(5_000_000)
    assert KO_DEMOGRAFIKOSTNAD(100_000, 1000, 1120, "0,4166666667", 1120) == pytest.approx(
        12_000_000, rel=1e-9
    )


def test_no_change_costs_nothing() -> None:
    assert KO_DEMOGRAFIKOSTNAD([[76_700], [372_600]], [[12600], [1350]], [[12600], [1350]]) == 0


def test_ranges_of_different_lengths_are_refused() -> None:
    got = KO_DEMOGRAFIKOSTNAD([[1], [2]], [[1]], [[1]])
    assert isinstance(got, str) and got.startswith(FEIL) and "ulik lengde" in got


def test_the_repayment_schedule_of_a_serial_loan() -> None:
    """100 over 10 years at 3 %, raised 2020: 10 a year from 2021, interest 3,0 / 2,7 / 2,4."""
    got = KO_AVDRAGSPLAN(100, 10, "3 %", 2020, 2023)
    assert got[0] == ["År", "Avdrag", "Renter", "Restgjeld"]
    assert [row[0] for row in got[1:]] == [2021, 2022, 2023]
    assert [row[1] for row in got[1:]] == pytest.approx([10, 10, 10])
    assert [row[2] for row in got[1:]] == pytest.approx([3.0, 2.7, 2.4])
    assert [row[3] for row in got[1:]] == pytest.approx([90, 80, 70])
    whole = KO_AVDRAGSPLAN(100, 10, 0.03, 2020)
    assert len(whole) == 11 and sum(row[1] for row in whole[1:]) == pytest.approx(100)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((100, 0, 0.03, 2020), "avdragstiden"),
        ((100, 10**9, 0.03, 2020), "avdragstiden"),
        ((-5, 10, 0.03, 2020), "negativt"),
        ((100, 10, 0.03, 2020, 2019), "til_aar"),
        ((100, 10, None, 2020), "rente"),
    ],
)
def test_bad_loans_give_feil_text(args: tuple[object, ...], words: str) -> None:
    got = KO_AVDRAGSPLAN(*args)
    assert isinstance(got, str) and got.startswith(FEIL) and words in got
