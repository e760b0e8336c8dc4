"""Unit tests of reading values (``values``) and writing numbers the Norwegian way (``format``)."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from kommuneokonomi.engine.format import mnok, number, percent
from kommuneokonomi.engine.values import MISSING_SYMBOLS, clean_data, parse_number
from kommuneokonomi.errors import InputError, InputErrors

# --- parse_number --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,expected",
    [
        (42, 42.0),
        (1234.5, 1234.5),
        (np.int64(7), 7.0),
        (np.float64(2.5), 2.5),
        (-3, -3.0),
        ("42", 42.0),
        ("  42 ", 42.0),
        ("1234.5", 1234.5),
        ("1234,5", 1234.5),
        ("1 234,5", 1234.5),
        ("1 234.5", 1234.5),
        ("1\u00a0234,5", 1234.5),  # non-breaking space, as Excel writes it
        ("1\u202f234,5", 1234.5),  # narrow no-break space
        ("1 234 567,25", 1234567.25),
        ("-3,5", -3.5),
        ("+7", 7.0),
        ("0,05", 0.05),
        # issue 14: what Norwegian users paste from reports and web pages
        ("\u22123,5", -3.5),  # the minus sign U+2212
        ("12,5 %", 0.125),  # as Excel reads a typed percentage
        ("12,5%", 0.125),
        ("1.234,5", 1234.5),  # dots between thousands, decimal comma
        ("1.234.567", 1234567.0),
        ("1.234.567,25", 1234567.25),
        ("1\u2009234", 1234.0),  # thin space
        ("24.23", 24.23),
        ("1234.567", 1234.567),  # four digits before the dot: not a thousands group
        ("0.123", 0.123),
        (Decimal("100"), 100.0),  # Excel's Currency type through pywin32
        (Decimal("-24230.50"), -24230.5),
    ],
)
def test_parse_number(raw: object, expected: float) -> None:
    value, note = parse_number(raw)
    assert value == expected
    assert note is None


@pytest.mark.parametrize("symbol", [".", "..", "...", ":", "-", "…", " .. "])
def test_kostra_symbols_are_missing_with_the_symbol_kept(symbol: str) -> None:
    value, note = parse_number(symbol)
    assert math.isnan(value)
    assert note == symbol.strip()


@pytest.mark.parametrize("raw", [None, "", "   ", math.nan, np.nan])
def test_empty_is_missing(raw: object) -> None:
    value, note = parse_number(raw)
    assert math.isnan(value)
    assert note == ""


@pytest.mark.parametrize(
    "raw,fragment",
    [
        ("abc", "'abc' er ikke et tall"),
        (True, "sannhetsverdi"),
        (False, "sannhetsverdi"),
        (
            "24.230",
            "'24.230' er tvetydig: punktum kan være tusenskille (24230) eller desimaltegn (24,23); skriv 24230 eller 24,23",
        ),
        ("1.234", "tvetydig"),
        ("\u2212 1 234", "ikke et tall"),
        ("1.2345,6", "ikke et tall"),
        ("12 %%", "ikke et tall"),
        ("12 34", "ikke et tall"),  # a space must group three digits
        ("1,2,3", "ikke et tall"),
        ("12 kr", "ikke et tall"),
        (math.inf, "endelig"),
        (-math.inf, "endelig"),
        ("inf", "ikke et tall"),
        ("nan", "ikke et tall"),
    ],
)
def test_parse_number_rejects(raw: object, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_number(raw)
    assert fragment in str(info.value)


def test_missing_symbols_are_the_ssb_ones() -> None:
    assert {".", "..", "...", ":", "-"} <= MISSING_SYMBOLS


# --- clean_data ----------------------------------------------------------------------------


def _frame(rows: list[tuple[object, object, object, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["kommune", "aar", "indikator", "verdi"]).astype(
        {"verdi": object}
    )


def test_clean_data_parses_values_and_keeps_symbols() -> None:
    data = _frame(
        [
            (" Bergen ", "2007", "sfo ", "1 234,5"),
            ("Oslo", 2007.0, "sfo", ".."),
            ("Trondheim", 2007, "sfo", 12),
            ("Stavanger", 2007, "sfo", None),
            ("Bærum", 2007, "sfo", ":"),
        ]
    )
    data["kilde"] = "KOSTRA"
    original = data.copy()
    clean = clean_data(data)
    assert clean["verdi"].dtype == "float64"
    assert clean["aar"].dtype == "int64"
    assert clean["verdi"].iloc[0] == 1234.5
    assert clean["verdi"].iloc[2] == 12.0
    assert clean["verdi"].iloc[[1, 3, 4]].isna().all()  # missing, never zero
    assert clean["merknad"].to_list() == [None, "..", None, "", ":"]
    assert clean["aar"].to_list() == [2007] * 5
    assert clean["kommune"].iloc[0] == "Bergen"
    assert clean["indikator"].iloc[0] == "sfo"
    assert (clean["kilde"] == "KOSTRA").all()  # extra columns are kept
    pd.testing.assert_frame_equal(data, original)  # the input is not changed


def test_clean_data_missing_columns() -> None:
    with pytest.raises(InputError) as info:
        clean_data(pd.DataFrame({"kommune": ["Oslo"], "verdi": [1]}))
    assert info.value.code == "mangler_kolonne"
    assert "'aar'" in str(info.value)
    assert "'indikator'" in str(info.value)


@pytest.mark.parametrize("bad,fragment", [("abc", "abc"), (True, "sannhetsverdi")])
def test_clean_data_non_numeric(bad: object, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        clean_data(_frame([("Oslo", 2007, "sfo", 1), ("Bergen", 2007, "sfo", bad)]))
    err = info.value
    assert err.code == "ikke_tall"
    assert (err.context.kommune, err.context.indikator, err.context.aar) == ("Bergen", "sfo", 2007)
    for part in ("Bergen", "sfo", "2007", fragment):
        assert part in str(err)


def test_clean_data_boolean_column() -> None:
    data = pd.DataFrame({"kommune": ["Oslo"], "aar": [2007], "indikator": ["sfo"], "verdi": [True]})
    with pytest.raises(InputError) as info:
        clean_data(data)
    assert info.value.code == "ikke_tall"


@pytest.mark.parametrize("year", ["2007b", 2007.5, True, None, ""])
def test_clean_data_bad_year(year: object) -> None:
    with pytest.raises(InputError) as info:
        clean_data(_frame([("Oslo", year, "sfo", 1)]))
    err = info.value
    assert err.code == "ugyldig_aar"
    assert (err.context.kommune, err.context.indikator) == ("Oslo", "sfo")
    assert "Oslo" in str(err)


@pytest.mark.parametrize("blank", [None, "", "  ", math.nan])
def test_clean_data_blank_names(blank: object) -> None:
    with pytest.raises(InputError) as info:
        clean_data(_frame([(blank, 2007, "sfo", 1)]))
    assert info.value.code == "mangler_kommune"
    with pytest.raises(InputError) as info:
        clean_data(_frame([("Oslo", 2007, blank, 1)]))
    assert info.value.code == "mangler_indikator"


def test_clean_data_duplicates() -> None:
    data = _frame(
        [
            ("Oslo", 2007, "sfo", 1),
            ("Oslo ", 2007, "sfo", 2),  # the same after trimming
            ("Oslo", 2006, "sfo", 3),  # another year: fine
            ("Oslo", "2007", "sfo", 1),  # year as text: the same year
        ]
    )
    with pytest.raises(InputErrors) as info:
        clean_data(data)
    errors = list(info.value)
    assert len(errors) == 2
    for err in errors:
        assert err.code == "duplikat"
        assert (err.context.kommune, err.context.indikator, err.context.aar) == (
            "Oslo",
            "sfo",
            2007,
        )
        assert "Oslo" in str(err) and "sfo" in str(err) and "2007" in str(err)


def test_clean_data_single_duplicate_is_an_input_error() -> None:
    with pytest.raises(InputError) as info:
        clean_data(_frame([("Oslo", 2007, "sfo", 1), ("Oslo", 2007, "sfo", 1)]))
    assert info.value.code == "duplikat"


def test_clean_data_reports_every_problem_at_once() -> None:
    data = _frame(
        [
            ("Oslo", 2007, "sfo", "abc"),
            ("Bergen", "tjue", "sfo", 1),
            ("", 2007, "sfo", 1),
            ("Stavanger", 2007, "sfo", 1),
            ("Stavanger", 2007, "sfo", 2),
            ("Bærum", 2007, "sfo", True),
        ]
    )
    with pytest.raises(InputErrors) as info:
        clean_data(data)
    err = info.value
    assert err.code == "flere_feil"
    assert sorted(e.code for e in err) == [
        "duplikat",
        "ikke_tall",
        "ikke_tall",
        "mangler_kommune",
        "ugyldig_aar",
    ]
    assert len(err) == 5
    text = str(err)
    assert text.startswith("5 feil i inndata:")
    for fragment in ("abc", "tjue", "Stavanger", "Bærum", "Oslo"):
        assert fragment in text


def test_clean_data_with_pandas_string_columns() -> None:
    data = pd.DataFrame(
        {
            "kommune": pd.array(["Oslo", "Bergen"], dtype="string"),
            "aar": pd.array(["2007", "2007"], dtype="string"),
            "indikator": pd.array(["sfo", "sfo"], dtype="string"),
            "verdi": pd.array(["1 234,5", ".."], dtype="string"),
        }
    )
    clean = clean_data(data)
    assert clean["verdi"].iloc[0] == 1234.5
    assert math.isnan(clean["verdi"].iloc[1])
    assert clean["aar"].to_list() == [2007, 2007]


_PD_NA_BUG = (
    "BUG: pandas' missing value pd.NA (what nullable dtypes hold: read_csv(dtype='string'), "
    "convert_dtypes(), 'Float64'/'Int64' columns) is not treated as missing: "
    "parse_number(pd.NA) raises \"'<NA>' er ikke et tall\" (so clean_data reports ikke_tall), "
    "and values._blank(pd.NA) is False, so a pd.NA kommune/indikator becomes the name '<NA>' "
    "instead of a mangler_kommune/mangler_indikator error"
)


def test_parse_number_pd_na_is_missing() -> None:
    value, note = parse_number(pd.NA)
    assert math.isnan(value)
    assert note == ""


@pytest.mark.parametrize("dtype", ["string", "Float64", "Int64"])
def test_clean_data_nullable_column_with_missing_value(dtype: str) -> None:
    raw = ["1", None] if dtype == "string" else [1, None]
    data = pd.DataFrame(
        {
            "kommune": ["Oslo", "Bergen"],
            "aar": [2007, 2007],
            "indikator": ["sfo", "sfo"],
            "verdi": pd.array(raw, dtype=dtype),
        }
    )
    clean = clean_data(data)
    assert clean["verdi"].iloc[0] == 1.0
    assert math.isnan(clean["verdi"].iloc[1])


def test_clean_data_pd_na_name_is_blank() -> None:
    data = pd.DataFrame(
        {
            "kommune": pd.array(["Oslo", None], dtype="string"),
            "aar": [2007, 2007],
            "indikator": ["sfo", "sfo"],
            "verdi": [1.0, 2.0],
        }
    )
    with pytest.raises(InputError) as info:
        clean_data(data)
    assert info.value.code == "mangler_kommune"


# --- format --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        (1234.5, "1 234"),  # 0 decimals from 1000 up
        (1234567.0, "1 234 567"),
        (999.94, "999,9"),  # 1 decimal from 10 up
        (12.34, "12,3"),
        (12.0, "12"),  # trailing zeros dropped
        (14.5, "14,5"),
        (0.5, "0,5"),  # 2 decimals below 10
        (1.25, "1,25"),
        (3.0, "3"),
        (0.0, "0"),
        (-0.001, "0"),  # no "-0"
        (-1234.5, "-1 234"),
        (-12.34, "-12,3"),
        (math.nan, "-"),
    ],
)
def test_number_auto_decimals(value: float, expected: str) -> None:
    assert number(value) == expected


@pytest.mark.parametrize(
    "value,decimals,expected",
    [
        (1234.5, 1, "1 234,5"),
        (1234567.891, 2, "1 234 567,89"),
        (12.0, 2, "12,00"),  # explicit decimals keep trailing zeros
        (1234.5, 0, "1 234"),
        (-1234.5, 1, "-1 234,5"),
        (0.0, 1, "0,0"),
    ],
)
def test_number_fixed_decimals(value: float, decimals: int, expected: str) -> None:
    assert number(value, decimals) == expected


def test_number_never_prints_negative_zero() -> None:
    assert number(-0.04, 1) == "0,0"
    assert percent(-0.0004) == "0,0 %"


@pytest.mark.parametrize(
    "value,expected",
    [
        (0.0, "-"),  # R prints "-", never 0,0
        (0.04, "-"),  # rounds to 0,0
        (-0.04, "-"),
        (math.nan, "-"),
        (0.4, "0,4"),
        (12.345, "12,3"),
        (16.0, "16,0"),
        (1234.5, "1 234,5"),
        (-2.5, "-2,5"),
    ],
)
def test_mnok(value: float, expected: str) -> None:
    assert mnok(value) == expected


@pytest.mark.parametrize(
    "fraction,decimals,expected",
    [(0.035, 1, "3,5 %"), (0.11, 1, "11,0 %"), (1.5, 0, "150 %"), (-0.25, 1, "-25,0 %")],
)
def test_percent(fraction: float, decimals: int, expected: str) -> None:
    assert percent(fraction, decimals) == expected
