"""The worksheet functions called as plain Python with what Excel sends.

Excel (through xlwings, ``ndim=2`` and ``err_to_str=True``) sends a range as a 2-D list
(``[[1], [2]]`` for a column), an empty cell as None, numbers as floats, TRUE/FALSE as bools
and error values as text (``"#DIV/0!"``); users type text numbers with a decimal comma and
KOSTRA publishes ``..`` for a missing value. Every function must answer with a value or a
``#FEIL: ...`` text and never raise.

Golden figures: R Tabell 2 (Trondheim's growth 2004-2007) and S's ASSS table (2015 column),
the Klæbu sum of S. The savings table is compared cell by cell with what the button writes.
"""

from __future__ import annotations

import importlib.util
import inspect
import math
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_type_hints

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.workbook.workbook import Workbook

import kommuneokonomi.udfs as udfs
from kommuneokonomi.service import recalculate
from kommuneokonomi.udfs import (
    CATEGORY,
    FEIL,
    KO_ARLIG_VEKST,
    KO_BEHOVSKORRIGERT,
    KO_INNSPARING,
    KO_INNSPARINGSTABELL,
    KO_KONTROLLSUM,
    KO_KORRIGERT_NDR,
    KO_NDR,
    KO_NTE_BESTE,
    KO_NTE_BESTE_KOMMUNE,
    KO_REALVEKST,
    KO_SNITT,
    KO_VEKST,
    UDFS,
)
from kommuneokonomi.workbook import layout as L
from kommuneokonomi.workbook.build import build_savings_workbook
from kommuneokonomi.workbook.files import FileBook


def column(*values: object) -> list[list[object]]:
    """A column range as xlwings sends it with ndim=2."""
    return [[v] for v in values]


def is_error(result: object, *parts: str) -> bool:
    """A #FEIL text that mentions every part (case-insensitive)."""
    return (
        isinstance(result, str)
        and result.startswith(FEIL)
        and all(p.casefold() in result.casefold() for p in parts)
    )


# --- golden figures ---------------------------------------------------------------------------

# R Tabell 2: Trondheim's annual growth rates 2004-2007 and the kommunal deflator.
RATES = column(0.021, 0.057, 0.124, 0.043)
DEFLATORS = column(0.03, 0.028, 0.038, 0.042)

# S, the ASSS table, 2015 column.
ASSS_2015 = {
    "Fredrikstad": 899133,
    "Bærum": 1155985,
    "Oslo": 937416,
    "Drammen": 690568,
    "Kristiansand": 612459,
    "Sandnes": 836721,
    "Stavanger": 890028,
    "Bergen": 943232,
    "Trondheim": 618378,
    "Tromsø": 742044,
}
ASSS_VALUES = column(*map(float, ASSS_2015.values()))
ASSS_NAMES = column(*ASSS_2015)

KLAEBU = column(6.6, 2.6, -0.5, -1.2, 8.5, 10.4)


@pytest.mark.golden
def test_growth_r_tabell_2() -> None:
    assert KO_VEKST(RATES) == pytest.approx(0.2652, abs=0.0005)
    assert KO_ARLIG_VEKST(RATES) == pytest.approx(0.06, abs=0.005)
    assert KO_REALVEKST(RATES, DEFLATORS) == pytest.approx(0.025, abs=0.0005)


@pytest.mark.golden
def test_asss_mean_with_and_without_own() -> None:
    assert round(KO_SNITT(ASSS_VALUES, ASSS_NAMES, "Trondheim", None, None, True)) == 832596
    assert round(KO_SNITT(ASSS_VALUES, ASSS_NAMES, "Trondheim")) == 856398
    assert round(KO_SNITT(ASSS_VALUES, ASSS_NAMES, "Trondheim", None, None, False)) == 856398


@pytest.mark.golden
def test_kontrollsum_klaebu() -> None:
    assert KO_KONTROLLSUM(KLAEBU, 26.4) == "OK"
    assert KO_KONTROLLSUM(KLAEBU, 26.5) == "AVVIK: -0,1"
    assert KO_KONTROLLSUM(KLAEBU, 26.3) == "AVVIK: 0,1"


# --- Excel shapes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param([[0.021], [0.057], [0.124], [0.043]], id="kolonne"),
        pytest.param([[0.021, 0.057, 0.124, 0.043]], id="rad"),
        pytest.param([[0.021, 0.057], [0.124, 0.043]], id="2x2"),
        pytest.param([0.021, 0.057, 0.124, 0.043], id="python-liste"),
        pytest.param([["0,021"], ["0.057"], [" 0,124 "], [0.043]], id="tekst-med-komma"),
        pytest.param([[None], [0.021], [0.057], [""], [0.124], [0.043], [None]], id="tomme"),
    ],
)
def test_rates_in_any_shape(shape: list[Any]) -> None:
    assert KO_VEKST(shape) == pytest.approx(1.021 * 1.057 * 1.124 * 1.043 - 1)


def test_single_cell_arguments_accept_one_cell_ranges() -> None:
    assert KO_NDR([[129.7]], [[8000.0]]) == pytest.approx(129.7 / 8000)
    assert KO_BEHOVSKORRIGERT([[10000.0]], [["1,1"]]) == pytest.approx(10000 / 1.1)
    assert is_error(KO_NDR([[1.0, 2.0]], 8000.0), "netto_driftsresultat", "én celle", "2 celler")


def test_text_numbers_with_decimal_comma_and_thousands_space() -> None:
    assert KO_BEHOVSKORRIGERT("10 000", "1,1") == pytest.approx(10000 / 1.1)
    assert KO_NDR("1 234,5", "100 000") == pytest.approx(0.012345)
    assert KO_KONTROLLSUM(column("6,6", "2,6", "-0,5", "-1,2", "8,5", "10,4"), "26,4") == "OK"


@pytest.mark.parametrize(
    "error", sorted(["#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NUM!", "#NAME?"])
)
def test_excel_error_values_name_the_position(error: str) -> None:
    assert is_error(KO_VEKST(column(0.1, error, 0.2)), "rater nr. 2", error)
    assert is_error(KO_SNITT(column(1.0, error), column("A", "B"), "A"), "verdier nr. 2", error)
    assert is_error(KO_SNITT(column(1.0, 2.0), column("A", error), "A"), "kommuner nr. 2", error)
    assert is_error(KO_NDR(error, 100.0), "netto_driftsresultat", error)
    assert is_error(KO_KONTROLLSUM(KLAEBU, error), "oppgitt_sum", error)
    assert is_error(KO_INNSPARING(1.0, error, 1.0, "lav"), "referanse", error)


def test_error_position_in_a_2d_range() -> None:
    assert is_error(KO_VEKST([[0.1, 0.2], [0.3, "#N/A"]]), "rater rad 2, kolonne 2", "#N/A")


def test_a_feil_from_another_function_is_an_error() -> None:
    upstream = KO_VEKST(column(0.1, "#N/A"))
    assert is_error(upstream)
    assert is_error(KO_INNSPARING(100.0, upstream, 1.0, "lav"), "referanse", "annen funksjon")


@pytest.mark.parametrize("flag", [True, False])
def test_booleans_are_not_numbers(flag: bool) -> None:
    assert is_error(KO_VEKST(column(0.1, flag)), "rater nr. 2", "sannhetsverdi")
    assert is_error(KO_NDR(flag, 100.0), "netto_driftsresultat", "sannhetsverdi")


def test_kostra_symbols_are_missing_in_comparisons_but_errors_in_series() -> None:
    names = column("A", "B", "C", "D")
    for symbol in (".", "..", "...", ":", "-", None, ""):
        # D's value is missing: left out of the mean, never read as zero
        assert KO_SNITT(column(10.0, 20.0, 40.0, symbol), names, "A") == pytest.approx(30.0)
    assert is_error(KO_VEKST(column(0.1, "..")), "rater nr. 2", "mangler", "'..'")
    assert is_error(KO_KONTROLLSUM(column(1.0, "-"), 1.0), "belop nr. 2", "mangler")


def test_text_that_is_not_a_number() -> None:
    assert is_error(KO_VEKST(column(0.1, "ti prosent")), "rater nr. 2", "ikke et tall")
    assert is_error(KO_NDR("x1", 100.0), "netto_driftsresultat", "'x1' er ikke et tall")


def test_non_finite_results_become_an_error() -> None:
    assert is_error(KO_VEKST(column(1e308, 1e308)), "endelig")


def test_unexpected_exceptions_become_a_short_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(rates: object) -> float:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(udfs, "compound_growth", broken)
    result = KO_VEKST(RATES)
    assert result == f"{FEIL}uventet feil (ZeroDivisionError)"
    assert "Traceback" not in result


# --- KO_SNITT -------------------------------------------------------------------------------------

# Hand-computed group: own = Trondheim 120; peers 80, 100, 100, 110, 130 (sum 520); Tromsø empty.
GROUP = {
    "Oslo": 80.0,
    "Bergen": 100.0,
    "Trondheim": 120.0,
    "Bærum": 100.0,
    "Stavanger": 110.0,
    "Kristiansand": 130.0,
    "Tromsø": None,
}
G_VALUES = column(*GROUP.values())
G_NAMES = column(*GROUP)


def test_snitt_hand_computed() -> None:
    assert KO_SNITT(G_VALUES, G_NAMES, "Trondheim") == pytest.approx(520 / 5)
    assert KO_SNITT(G_VALUES, G_NAMES, "Trondheim", None, None, True) == pytest.approx(640 / 6)
    assert KO_SNITT(G_VALUES, G_NAMES, "trondheim ") == pytest.approx(104.0)  # case, spaces
    assert KO_SNITT(G_VALUES, G_NAMES, None) == pytest.approx(640 / 6)  # no own municipality


@pytest.mark.parametrize("flag", [True, "Ja", "ja", "SANN", 1.0, [[True]]])
def test_snitt_yes_flags(flag: object) -> None:
    assert KO_SNITT(G_VALUES, G_NAMES, "Trondheim", None, None, flag) == pytest.approx(640 / 6)


def test_snitt_bad_flag() -> None:
    assert is_error(KO_SNITT(G_VALUES, G_NAMES, "Trondheim", None, None, "kanskje"), "ta_med_egen")


@pytest.mark.parametrize(
    "utelat", ["Oslo", "Oslo, Bergen", "oslo;bergen", column("Oslo", "Bergen"), [["Oslo", None]]]
)
def test_snitt_exclusions(utelat: object) -> None:
    left_out = {"Oslo": 80.0, "Bergen": 100.0}
    names = [k for k in left_out if k.casefold() in str(utelat).casefold()]
    kept = [v for k, v in GROUP.items() if v is not None and k != "Trondheim" and k not in names]
    assert KO_SNITT(G_VALUES, G_NAMES, "Trondheim", utelat) == pytest.approx(sum(kept) / len(kept))


def test_snitt_unknown_exclusion() -> None:
    assert is_error(KO_SNITT(G_VALUES, G_NAMES, "Trondheim", "Oslo, Molde"), "Molde", "finnes ikke")


def test_snitt_weighted() -> None:
    weights = column(2.0, 1.0, 5.0, 1.0, 1.0, 1.0, None)  # Tromsø has no value, so no weight
    expected = (80 * 2 + 100 + 100 + 110 + 130) / 6
    assert KO_SNITT(G_VALUES, G_NAMES, "Trondheim", None, weights) == pytest.approx(expected)
    text_weights = column("2", "1", "5", "1", "1", "1", None)
    assert KO_SNITT(G_VALUES, G_NAMES, "Trondheim", None, text_weights) == pytest.approx(expected)


def test_snitt_weight_problems() -> None:
    missing = column(2.0, None, 5.0, 1.0, 1.0, 1.0, None)
    assert is_error(KO_SNITT(G_VALUES, G_NAMES, "Trondheim", None, missing), "vekten", "Bergen")
    assert is_error(KO_SNITT(G_VALUES, G_NAMES, "Trondheim", None, column(1.0)), "vekter har 1")


def test_snitt_input_problems() -> None:
    assert is_error(KO_SNITT(G_VALUES, G_NAMES, "Trondhjem"), "egen kommune 'Trondhjem'")
    assert is_error(KO_SNITT(column(1.0, 2.0), column("A"), "A"), "like store")
    assert is_error(KO_SNITT(column(1.0, 2.0), column("A", "a"), "A"), "mer enn én gang")
    assert is_error(KO_SNITT(column(1.0, 2.0), column("A", None), "A"), "kommuner nr. 2 er tom")
    assert is_error(KO_SNITT(column(1.0, None), column("A", "B"), "A"), "snittet")  # no peer
    # two problems at once: the first one and how many more
    assert is_error(
        KO_SNITT(column("x", "#N/A"), column("A", "B"), "A"), "verdier nr. 1", "og 1 feil til"
    )


def test_snitt_skips_blank_rows() -> None:
    values = [*G_VALUES, [None], [None]]
    names = [*G_NAMES, [None], [""]]
    assert KO_SNITT(values, names, "Trondheim") == pytest.approx(104.0)


# --- KO_NTE_BESTE / KO_NTE_BESTE_KOMMUNE -----------------------------------------------------------


@pytest.mark.parametrize(
    "n,beste,value,kommune",
    [
        (1, "lav", 80.0, "Oslo"),
        (2, "lav", 100.0, "Bergen"),  # tie with Bærum: alphabetical, Bergen first
        (3, "lav", 100.0, "Bærum"),
        (5, "lav", 130.0, "Kristiansand"),
        (1, "høy", 130.0, "Kristiansand"),
        (2, "Høy", 110.0, "Stavanger"),
        ("3", "lav", 100.0, "Bærum"),  # a number typed as text
        (3.0, [["lav"]], 100.0, "Bærum"),
    ],
)
def test_nte_beste(n: object, beste: object, value: float, kommune: str) -> None:
    assert KO_NTE_BESTE(G_VALUES, G_NAMES, "Trondheim", n, beste) == value
    assert KO_NTE_BESTE_KOMMUNE(G_VALUES, G_NAMES, "Trondheim", n, beste) == kommune


def test_nte_beste_golden_asss() -> None:
    # Trondheim left out; third lowest of the other nine is Tromsø's 742 044.
    assert KO_NTE_BESTE(ASSS_VALUES, ASSS_NAMES, "Trondheim", 3, "lav") == 742044
    assert KO_NTE_BESTE_KOMMUNE(ASSS_VALUES, ASSS_NAMES, "Trondheim", 3, "lav") == "Tromsø"


@pytest.mark.parametrize(
    "n,beste,parts",
    [
        (6, "lav", ("6. beste", "bare 5")),
        (0, "lav", ("n må være minst 1",)),
        (2.5, "lav", ("helt tall",)),
        (None, "lav", ("n mangler",)),
        (3, "middels", ("beste",)),
        (3, None, ("beste",)),
    ],
)
def test_nte_beste_problems(n: object, beste: object, parts: tuple[str, ...]) -> None:
    assert is_error(KO_NTE_BESTE(G_VALUES, G_NAMES, "Trondheim", n, beste), *parts)
    assert is_error(KO_NTE_BESTE_KOMMUNE(G_VALUES, G_NAMES, "Trondheim", n, beste), *parts)


# --- KO_INNSPARING --------------------------------------------------------------------------------


def test_innsparing_hand_computed() -> None:
    # absolutt, lower is better: (120 - 100) x 10 = 200
    assert KO_INNSPARING(120.0, 100.0, 10.0, "lav") == pytest.approx(200.0)
    assert KO_INNSPARING(120.0, 100.0, 10.0, "lav", "absolutt", 1000.0) == pytest.approx(200000)
    # higher is better: (100 - 80) x 10 x 12 (a monthly payment over a year)
    assert KO_INNSPARING(80.0, 100.0, 10.0, "høy", None, 12.0) == pytest.approx(2400.0)
    # relativ (R: group size): (15.3 - 14.8) / 14.8 x 464 000 x 857.142857 = 13.44 MNOK
    saving = KO_INNSPARING("14,8", "15,3", 464000.0, "høy", "relativ", 857.142857)
    assert saving / 1e6 == pytest.approx(13.436, abs=0.001)
    # as good as or better than the reference: no saving, never negative
    assert KO_INNSPARING(90.0, 100.0, 10.0, "lav") == 0.0
    assert KO_INNSPARING(110.0, 100.0, 10.0, "høy", "relativ") == 0.0
    assert KO_INNSPARING(120.0, 100.0, 0.0, "lav") == 0.0


def test_innsparing_empty_optionals_take_defaults() -> None:
    assert KO_INNSPARING(120.0, 100.0, 10.0, "lav", None, None) == pytest.approx(200.0)
    assert KO_INNSPARING(120.0, 100.0, 10.0, "lav", "", "") == pytest.approx(200.0)


@pytest.mark.parametrize(
    "args,parts",
    [
        ((120.0, 100.0, -1.0, "lav"), ("volum", "negativ")),
        ((120.0, 100.0, 10.0, "lav", None, 0.0), ("faktor", "positivt")),
        ((120.0, 100.0, 10.0, "lav", "prosent"), ("beregning",)),
        ((0.0, 100.0, 10.0, "høy", "relativ"), ("egen verdi er 0",)),
        ((None, 100.0, 10.0, "lav"), ("egen mangler",)),
        (("..", 100.0, 10.0, "lav"), ("egen mangler", "'..'")),
        ((120.0, 100.0, 10.0, "best"), ("beste",)),
    ],
)
def test_innsparing_problems(args: tuple[object, ...], parts: tuple[str, ...]) -> None:
    assert is_error(KO_INNSPARING(*args), *parts)


# --- growth ---------------------------------------------------------------------------------------


def test_growth_hand_computed() -> None:
    assert KO_VEKST(column(0.1, 0.1)) == pytest.approx(0.21)
    assert KO_ARLIG_VEKST(column(0.21, 0.0)) == pytest.approx(0.1)  # geometric, not 0.105
    assert KO_ARLIG_VEKST(column(0.05)) == pytest.approx(0.05)
    assert KO_REALVEKST(column(0.1), column(0.1)) == pytest.approx(0.0)
    assert KO_REALVEKST(column(0.21, 0.0), column(0.0, 0.1)) == pytest.approx(math.sqrt(1.1) - 1)


def test_realvekst_total() -> None:
    expected = 1.021 * 1.057 * 1.124 * 1.043 / (1.03 * 1.028 * 1.038 * 1.042) - 1
    assert KO_REALVEKST(RATES, DEFLATORS, True) == pytest.approx(expected)
    assert KO_REALVEKST(RATES, DEFLATORS, "Ja") == pytest.approx(expected)
    assert KO_REALVEKST(RATES, DEFLATORS, None) == pytest.approx(0.0252127, abs=1e-6)


def test_realvekst_blank_positions() -> None:
    rates = [[0.021], [None], [0.057], [0.124], [0.043]]
    deflators = [[0.03], [None], [0.028], [0.038], [0.042]]
    assert KO_REALVEKST(rates, deflators) == pytest.approx(KO_REALVEKST(RATES, DEFLATORS))
    shifted = [[0.03], [0.028], [None], [0.038], [0.042]]
    assert is_error(KO_REALVEKST(rates, shifted), "er tom, men")
    assert is_error(KO_REALVEKST(RATES, column(0.03)), "4 vekstrater", "1 deflatorer")
    # positions are those of the ranges, blanks counted
    assert is_error(
        KO_REALVEKST(rates, [[0.03], [None], [0.028], [".."], [0.042]]), "deflatorer nr. 4"
    )


@pytest.mark.parametrize("func", [KO_VEKST, KO_ARLIG_VEKST])
def test_growth_problems(func: Callable[..., Any]) -> None:
    assert is_error(func(column(None, None)), "ingen verdier")
    assert is_error(func(column(0.1, -1.0)), "større enn -1")
    assert is_error(func(None), "ingen verdier")


# --- net operating result, need-corrected cost ----------------------------------------------------


def test_ndr() -> None:
    assert KO_NDR(129.7, 8000.0) == pytest.approx(129.7 / 8000)
    assert KO_NDR(-50.0, 8000.0) == pytest.approx(-50 / 8000)
    assert is_error(KO_NDR(129.7, 0.0), "driftsinntektene", "større enn 0")
    assert is_error(KO_NDR(None, 8000.0), "netto_driftsresultat mangler")


def test_korrigert_ndr() -> None:
    # R Tabell 1's way: booked result minus investeringsmoms and premieavvik
    assert KO_KORRIGERT_NDR(129.7, 8000.0, 100.0, 60.0) == pytest.approx((129.7 - 160) / 8000)
    assert KO_KORRIGERT_NDR(129.7, 8000.0, 100.0, 60.0, 10.0, 5.0) == pytest.approx(
        (129.7 - 175) / 8000
    )
    # empty corrections are 0: corrected = booked
    assert KO_KORRIGERT_NDR(129.7, 8000.0) == pytest.approx(KO_NDR(129.7, 8000.0))
    assert KO_KORRIGERT_NDR(129.7, 8000.0, None, "", None, None) == pytest.approx(129.7 / 8000)
    # a negative premieavvik lowers the booked result, so the correction adds it back
    assert KO_KORRIGERT_NDR(129.7, 8000.0, None, -20.0) == pytest.approx(149.7 / 8000)
    assert is_error(KO_KORRIGERT_NDR(129.7, 8000.0, ".."), "investeringsmoms", "'..'")
    assert is_error(KO_KORRIGERT_NDR(129.7, 8000.0, "#N/A"), "investeringsmoms", "#N/A")


def test_behovskorrigert() -> None:
    assert KO_BEHOVSKORRIGERT(11000.0, 1.1) == pytest.approx(10000.0)
    assert KO_BEHOVSKORRIGERT(9000.0, 0.9) == pytest.approx(10000.0)
    assert is_error(KO_BEHOVSKORRIGERT(11000.0, 0.0), "større enn 0")
    assert is_error(KO_BEHOVSKORRIGERT(11000.0, None), "utgiftsbehov_indeks mangler")


# --- KO_KONTROLLSUM -------------------------------------------------------------------------------


def test_kontrollsum() -> None:
    assert KO_KONTROLLSUM([[6.6, 2.6, -0.5], [-1.2, 8.5, 10.4]], 26.4) == "OK"
    assert KO_KONTROLLSUM([*KLAEBU, [None], [""]], 26.4) == "OK"  # empty cells skipped
    assert KO_KONTROLLSUM(KLAEBU, 26.44, 0.05) == "OK"
    assert KO_KONTROLLSUM(KLAEBU, 26.46, "0,05") == "AVVIK: -0,06"
    assert KO_KONTROLLSUM(column(90.0, -90.0), 0.0) == "OK"
    assert KO_KONTROLLSUM(column(1000.0, 234.5), 0.0) == "AVVIK: 1 234,5"
    assert is_error(KO_KONTROLLSUM(KLAEBU, 26.4, -1.0), "toleransen", "negativ")
    assert is_error(KO_KONTROLLSUM(KLAEBU, None), "oppgitt_sum mangler")
    assert is_error(KO_KONTROLLSUM(column(None), 0.0), "ingen verdier")


# --- KO_INNSPARINGSTABELL ---------------------------------------------------------------------------


def table_cells(wb: Workbook, name: str) -> list[list[object]]:
    """A named table's cells, header row included (what tblX[#Alle] sends)."""
    for ws in wb.worksheets:
        if name in ws.tables:
            return [[c.value for c in row] for row in ws[ws.tables[name].ref]]
    raise AssertionError(f"{name} finnes ikke")


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[list[object]]]]:
    wb = build_savings_workbook(example=True)
    path = tmp_path_factory.mktemp("eksempel") / "innsparing.xlsx"
    wb.save(path)
    names = ("tblData", "tblIndikatorer", "tblInnstillinger", "tblKommuner")
    return path, {n: table_cells(wb, n) for n in names}


@pytest.fixture(scope="module")
def button_table(
    example: tuple[Path, dict[str, list[list[object]]]], tmp_path_factory: pytest.TempPathFactory
) -> list[list[object]]:
    """tblInnsparing as the button (service.recalculate + the file adapter) writes it."""
    path, _ = example
    book = FileBook(path)
    out = tmp_path_factory.mktemp("knapp") / "innsparing.xlsx"
    book.save_outputs(recalculate(book).sheets, out, stamp="test")
    return table_cells(openpyxl.load_workbook(out, data_only=True), "tblInnsparing")


def assert_same_table(result: object, expected: list[list[object]]) -> None:
    assert isinstance(result, list), result
    assert len(result) == len(expected)
    assert result[0] == expected[0] == L.INNSPARING.headers
    for i, (got_row, want_row) in enumerate(zip(result[1:], expected[1:], strict=True), start=1):
        assert len(got_row) == len(want_row)
        for j, (got, want) in enumerate(zip(got_row, want_row, strict=True)):
            where = f"rad {i}, kolonne {expected[0][j]}"
            if want is None:
                assert got == "", where
            elif isinstance(want, float | int) and not isinstance(want, bool):
                assert isinstance(got, float | int), where
                assert got == pytest.approx(want, rel=1e-12, abs=1e-12), where
            else:
                assert got == want, where


def test_innsparingstabell_equals_the_button(
    example: tuple[Path, dict[str, list[list[object]]]], button_table: list[list[object]]
) -> None:
    _, r = example
    result = KO_INNSPARINGSTABELL(r["tblData"], r["tblIndikatorer"], r["tblInnstillinger"])
    assert_same_table(result, button_table)
    with_group = KO_INNSPARINGSTABELL(
        r["tblData"], r["tblIndikatorer"], r["tblInnstillinger"], r["tblKommuner"]
    )
    assert_same_table(with_group, button_table)


def test_innsparingstabell_with_alle_spills_the_national_table(
    example: tuple[Path, dict[str, list[list[object]]]], button_table: list[list[object]]
) -> None:
    """'Egen kommune' = Alle: the national table, not '#FEIL: uventet feil (AssertionError)'."""
    _, r = example
    settings = [[k, "Alle" if str(k) == "Egen kommune" else v] for k, v in r["tblInnstillinger"]]
    result = KO_INNSPARINGSTABELL(r["tblData"], r["tblIndikatorer"], settings, r["tblKommuner"])
    assert isinstance(result, list), result
    assert result[0] == L.INNSPARING_KOMMUNER.headers
    rows = {(row[0], row[3]): (row[4], row[5]) for row in result[1:]}
    group = {str(k) for k, _, g in r["tblKommuner"][1:] if g == "ASSS"}
    assert len(group) == 10 and {k for k, _ in rows} == group  # every ASSS member
    # Trondheim's national rows are its own table's sector sums (R Tabell 10 as computed)
    own: dict[str, list[float]] = {}
    for line in button_table[1:]:
        sums = own.setdefault(str(line[0]), [0.0, 0.0])
        sums[0] += float(line[6] or 0)
        sums[1] += float(line[9] or 0)
    for sector, (s1, s2) in own.items():
        n1, n2 = rows.get(("Trondheim", sector), (0.0, 0.0))
        assert abs(float(n1) - s1) < 1e-9 and abs(float(n2) - s2) < 1e-9, sector


def test_innsparingstabell_shape(
    example: tuple[Path, dict[str, list[list[object]]]], button_table: list[list[object]]
) -> None:
    _, r = example
    result = KO_INNSPARINGSTABELL(r["tblData"], r["tblIndikatorer"], r["tblInnstillinger"])
    n_indicators = len(r["tblIndikatorer"]) - 1
    assert len(result) == 1 + n_indicators  # header row + one line per indicator
    assert all(len(row) == len(L.INNSPARING.columns) for row in result)
    # the sector sums (tblInnsparingSektor) are not part of it
    assert all(row[0] != "Sum" for row in result)
    # no NaN or None: "" where there is nothing; 0 (not "-") where there is no saving
    flat = [v for row in result for v in row]
    assert not any(v is None or (isinstance(v, float) and math.isnan(v)) for v in flat)
    savings = [row[6] for row in result[1:]] + [row[9] for row in result[1:]]
    assert all(isinstance(v, float) and v >= 0 for v in savings)
    assert 0.0 in savings


def excel_shaped(grid: list[list[object]]) -> list[list[object]]:
    """What Excel sends for the same cells: whole numbers as floats, some typed as text."""
    out: list[list[object]] = []
    for row in grid:
        cells: list[object] = []
        for v in row:
            if isinstance(v, int) and not isinstance(v, bool):
                cells.append(float(v))
            elif isinstance(v, float) and v > 1000 and v.is_integer():
                cells.append(f"{int(v):,}".replace(",", " "))  # "24 230", typed as text
            elif isinstance(v, float):
                cells.append(str(v).replace(".", ","))  # "14,8"
            else:
                cells.append(v)
        out.append(cells)
    return out


def test_innsparingstabell_with_excel_shaped_cells(
    example: tuple[Path, dict[str, list[list[object]]]], button_table: list[list[object]]
) -> None:
    _, r = example
    data = excel_shaped(r["tblData"])
    # blank rows below the table (a range selected too large) carry nothing
    data += [[None] * len(data[0]) for _ in range(3)]
    settings_ = excel_shaped(r["tblInnstillinger"])
    result = KO_INNSPARINGSTABELL(data, excel_shaped(r["tblIndikatorer"]), settings_)
    assert_same_table(result, button_table)


def test_innsparingstabell_errors_name_the_cell(
    example: tuple[Path, dict[str, list[list[object]]]],
) -> None:
    _, r = example
    data = [list(row) for row in r["tblData"]]
    verdi = [str(h).casefold() for h in data[0]].index("verdi")
    data[5][verdi] = "#DIV/0!"
    result = KO_INNSPARINGSTABELL(data, r["tblIndikatorer"], r["tblInnstillinger"])
    assert is_error(result, f"data, rad 6, kolonne {verdi + 1}", "#DIV/0!")
    data[5][verdi] = "x1"
    result = KO_INNSPARINGSTABELL(data, r["tblIndikatorer"], r["tblInnstillinger"])
    assert is_error(result, "data, rad 6", "'x1' er ikke et tall")

    settings_ = [list(row) for row in r["tblInnstillinger"]]
    settings_[1][1] = "Trondhjem"  # Egen kommune
    result = KO_INNSPARINGSTABELL(r["tblData"], r["tblIndikatorer"], settings_)
    assert is_error(result, "innstillinger, rad 2, kolonne 2", "Trondhjem")


def test_innsparingstabell_needs_the_header_rows(
    example: tuple[Path, dict[str, list[list[object]]]],
) -> None:
    _, r = example
    result = KO_INNSPARINGSTABELL(r["tblData"][1:], r["tblIndikatorer"], r["tblInnstillinger"])
    assert is_error(result, "mangler kolonnen")
    assert is_error(KO_INNSPARINGSTABELL(None, None, None), "overskriftsraden")


def test_innsparingstabell_group_from_kommuner(
    example: tuple[Path, dict[str, list[list[object]]]],
) -> None:
    """With tblKommuner, only the chosen group counts: drop Oslo from it and the mean moves."""
    _, r = example
    kommuner = [row for row in r["tblKommuner"] if row[0] != "Oslo"]
    full = KO_INNSPARINGSTABELL(r["tblData"], r["tblIndikatorer"], r["tblInnstillinger"])
    smaller = KO_INNSPARINGSTABELL(
        r["tblData"], r["tblIndikatorer"], r["tblInnstillinger"], kommuner
    )
    assert isinstance(smaller, list), smaller
    assert [row[1] for row in smaller] == [row[1] for row in full]
    assert any(a[4] != b[4] for a, b in zip(full[1:], smaller[1:], strict=True))


# --- no garbage ever raises ----------------------------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8)
    | st.sampled_from(
        ["#DIV/0!", "#N/A", "..", "-", "1 234,5", "0,021", "lav", "høy", "relativ", "Ja", "Oslo"]
    )
)
GARBAGE = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4), max_leaves=16)


@pytest.mark.parametrize("func", UDFS, ids=lambda f: f.__name__)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_garbage_never_raises(func: Callable[..., Any], data: st.DataObject) -> None:
    n = len(inspect.signature(func).parameters)
    args = [data.draw(GARBAGE) for _ in range(n)]
    result = func(*args)
    if isinstance(result, float):
        assert math.isfinite(result)
    elif isinstance(result, list):
        assert all(isinstance(row, list) for row in result)
    else:
        assert isinstance(result, str)
        assert "Traceback" not in result
        assert "\n" not in result


# --- what Excel's function wizard gets ---------------------------------------------------------------


def test_every_function_is_plain_python_with_help_text() -> None:
    names = sorted(f.__name__ for f in UDFS)
    assert names == sorted(n for n in udfs.__all__ if n.startswith("KO_"))
    for func in UDFS:
        assert func.__name__.startswith("KO_")
        doc = func.__doc__ or ""
        assert doc and "\n" not in doc and len(doc) <= 255, func.__name__
        # xlwings turns hints into converters; only Any (among ours) has one
        hints = get_type_hints(func)
        assert all(h is Any for h in hints.values()), func.__name__


@pytest.fixture
def real_xlwings_udfs(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    """Our module decorated by xlwings' real Windows decorators (``xlwings.udfs``).

    On Linux xlwings' ``func``/``arg`` are no-ops; the real ones only need pywin32 to import,
    so that is stubbed. The module is loaded afresh under another name.
    """
    before = set(sys.modules)
    stubs = {
        n: types.ModuleType(n) for n in ("pythoncom", "pywintypes", "win32com", "win32com.client")
    }
    stubs["pythoncom"].CoInitialize = lambda: None  # type: ignore[attr-defined]
    stubs["pywintypes"].com_error = type("com_error", (Exception,), {})  # type: ignore[attr-defined]
    stubs["pywintypes"].error = type("error", (Exception,), {})  # type: ignore[attr-defined]
    stubs["win32com.client"].Dispatch = lambda *a: None  # type: ignore[attr-defined]
    stubs["win32com"].client = stubs["win32com.client"]  # type: ignore[attr-defined]
    for name, module in stubs.items():
        monkeypatch.setitem(sys.modules, name, module)
    xlwings = pytest.importorskip("xlwings")
    xl_udfs = importlib.import_module("xlwings.udfs")
    monkeypatch.setattr(xlwings, "func", xl_udfs.xlfunc)
    monkeypatch.setattr(xlwings, "arg", xl_udfs.xlarg)
    spec = importlib.util.spec_from_file_location("kommuneokonomi._udfs_probe", udfs.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    yield module
    # forget xlwings' Windows module again (not through monkeypatch: its undo runs later)
    for name in set(sys.modules) - before:
        if name.startswith("xlwings.udfs"):
            del sys.modules[name]
    if "xlwings.udfs" not in before and hasattr(xlwings, "udfs"):
        delattr(xlwings, "udfs")


def test_xlwings_metadata(real_xlwings_udfs: types.ModuleType) -> None:
    from xlwings.conversion import accessors

    functions = [getattr(real_xlwings_udfs, f.__name__) for f in UDFS]
    for func in functions:
        meta = func.__xlfunc__
        name = func.__name__
        assert meta["name"] == name
        assert meta["category"] == CATEGORY
        assert meta["ret"]["doc"] == func.__doc__ and len(meta["ret"]["doc"]) <= 255
        assert accessors.get(meta["ret"]["options"].get("convert"), None) is not None
        params = inspect.signature(func).parameters
        assert [a["name"] for a in meta["args"]] == list(params)
        for arg in meta["args"]:
            where = f"{name}({arg['name']})"
            assert not arg["doc"].startswith("Positional argument"), where
            assert len(arg["doc"]) <= 255, where
            assert arg["options"].get("err_to_str") is True, where
            convert = arg["options"].get("convert")
            assert hasattr(accessors.get(convert, convert), "reader"), where
            optional = params[arg["name"]].default is not inspect.Parameter.empty
            assert ("optional" in arg) == optional, where
            assert arg["doc"].startswith("Valgfri") == optional, where
        # the plain function still works after the real decorators
        assert callable(func)
    ranges = {
        f.__name__: {a["name"] for a in f.__xlfunc__["args"] if a["options"].get("ndim") == 2}
        for f in functions
    }
    assert ranges["KO_SNITT"] == {"verdier", "kommuner", "utelat", "vekter"}
    assert ranges["KO_VEKST"] == {"rater"}
    assert ranges["KO_KONTROLLSUM"] == {"belop"}
    assert ranges["KO_INNSPARINGSTABELL"] == {"data", "indikatorer", "innstillinger", "kommuner"}
    assert ranges["KO_NDR"] == set()
    snitt = real_xlwings_udfs.KO_SNITT
    assert round(snitt(ASSS_VALUES, ASSS_NAMES, "Trondheim")) == 856398


def test_currency_cells_arrive_as_decimal_and_are_numbers() -> None:
    """Excel's Currency type (cells formatted as kroner or accounting) reaches Python through
    pywin32 as ``decimal.Decimal`` (xlwings issues #65, #640, #2035): before issue 14 every
    function answered ``#FEIL: verdier nr. 1: '100' er ikke et tall``."""
    from decimal import Decimal

    as_currency = [[Decimal(str(v[0]))] for v in ASSS_VALUES]
    assert round(KO_SNITT(as_currency, ASSS_NAMES, "Trondheim")) == 856398
    assert KO_SNITT(as_currency, ASSS_NAMES, "Trondheim") == KO_SNITT(
        ASSS_VALUES, ASSS_NAMES, "Trondheim"
    )


def test_pasted_text_numbers_are_read_and_ambiguous_ones_named() -> None:
    pasted = [["\u2212" + "1 000"] if i == 0 else v for i, v in enumerate(ASSS_VALUES)]
    assert isinstance(KO_SNITT(pasted, ASSS_NAMES, "Trondheim"), float)
    ambiguous = [["24.230"] if i == 1 else v for i, v in enumerate(ASSS_VALUES)]
    assert KO_SNITT(ambiguous, ASSS_NAMES, "Trondheim") == (
        "#FEIL: verdier nr. 2: '24.230' er tvetydig: punktum kan være tusenskille (24230) "
        "eller desimaltegn (24,23); skriv 24230 eller 24,23"
    )
