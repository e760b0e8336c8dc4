"""Turning raw data values into numbers, the way KOSTRA publishes them.

SSB writes a symbol instead of a number where a value is missing: ``.`` (cannot occur),
``..`` (not available), ``...`` (not yet available), ``:`` (confidential) and ``-`` (nothing
to report). Those become missing values (NaN) with the symbol kept; anything else that is not a
number is an input error naming kommune, indikator and år.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable
from decimal import Decimal
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from ..errors import Context, InputError, InputErrors, KommuneokonomiError
from .references import name_key, shown_name

__all__ = [
    "DATA_COLUMNS",
    "DATA_TABLE",
    "ERROR_COLUMN",
    "MISSING_SYMBOLS",
    "clean_data",
    "each_distinct",
    "has_indicator",
    "of_type",
    "parse_number",
    "row_label",
    "value_types",
]

#: The long-format data columns every engine function reads.
DATA_COLUMNS = ("kommune", "aar", "indikator", "verdi")

#: The input table long-format data come from; errors about one of its rows name it, so the
#: workbook layer can turn (table, row, column) into a cell.
DATA_TABLE = "tblData"

#: The data column an error about one data row is about, by error code (``verdi`` otherwise).
ERROR_COLUMN = {
    "ugyldig_aar": "aar",
    "mangler_kommune": "kommune",
    "mangler_indikator": "indikator",
}

#: SSB's symbols for a missing value (statistikkbanken's "tegnforklaring").
MISSING_SYMBOLS = frozenset({".", "..", "...", ":", "-", "…"})

# A number as people type or paste it in Norway (from reports, web pages, other programs):
# a sign (the minus sign U+2212 too), digits grouped in threes by spaces (also the no-break,
# narrow no-break and thin spaces Excel and web pages use) or by dots when a decimal comma
# follows, a decimal comma or point, and an optional percent sign.
_GAPS = "[ \u00a0\u202f\u2009]"
_SIGN = r"(?P<sign>[+\-\u2212]?)"
_PERCENT = r"(?P<pct>\s*%)?"
_NUMBER_FORMS = (
    # 1234 / 1 234 567 with an optional decimal comma or point: 1 234,5 / 1234.5
    re.compile(
        rf"^{_SIGN}(?P<int>\d{{1,3}}(?:{_GAPS}\d{{3}})+|\d+)(?:(?P<sep>[.,])(?P<dec>\d+))?{_PERCENT}$"
    ),
    # dots between thousands and a decimal comma: 1.234,5 / 1.234.567,25
    re.compile(rf"^{_SIGN}(?P<int>\d{{1,3}}(?:\.\d{{3}})+),(?P<dec>\d+){_PERCENT}$"),
    # dots between thousands, two or more of them: 1.234.567 (one dot alone is ambiguous)
    re.compile(rf"^{_SIGN}(?P<int>\d{{1,3}}(?:\.\d{{3}}){{2,}}){_PERCENT}$"),
)


def parse_number(raw: object) -> tuple[float, str | None]:
    """Read one value: returns (number, None), or (NaN, symbol) for a KOSTRA missing symbol.

    Text is read as Norwegians write numbers: ``"1 234,5"``, ``"1234.5"``, ``"1.234,5"``,
    ``"−3,5"`` (the minus sign U+2212), ``"12,5 %"`` (0.125, as Excel reads a typed
    percentage). A ``Decimal`` (what Excel's Currency cells arrive as through pywin32) is a
    number.

    Args:
        raw: a number, None/NaN (missing, symbol ``""``), or text such as ``"1 234,5"`` or
            ``".."``.

    Raises:
        ValueError: the value is text that is neither a number nor a missing symbol, text whose
            dot could be a thousands separator as well as a decimal point (``"24.230"``), or a
            boolean (a True in a number column is a typing slip, not the number 1).
    """
    if raw is None or raw is pd.NA or raw is pd.NaT:
        return math.nan, ""
    if isinstance(raw, bool):
        raise ValueError(f"'{'SANN' if raw else 'USANN'}' er en sannhetsverdi, ikke et tall")
    if isinstance(raw, Real | Decimal):
        try:
            value = float(raw)
        except OverflowError:  # an integer beyond what a number cell holds
            raise ValueError(f"'{raw}' er ikke et endelig tall") from None
        if math.isinf(value):
            raise ValueError(f"'{raw}' er ikke et endelig tall")
        return value, ("" if math.isnan(value) else None)
    if isinstance(raw, str):
        text = raw.strip()
        if text == "":
            return math.nan, ""
        if text in MISSING_SYMBOLS:
            return math.nan, text
        for form in _NUMBER_FORMS:
            m = form.match(text)
            if m is not None:
                return _number(m, raw), None
    raise ValueError(f"'{raw}' er ikke et tall")


def _number(m: re.Match[str], raw: object) -> float:
    groups = m.groupdict()
    whole = re.sub(r"[^\d]", "", groups["int"])
    dec = groups.get("dec")
    if (
        groups.get("sep") == "."
        and dec is not None
        and len(dec) == 3
        and re.fullmatch(r"[1-9]\d{0,2}", groups["int"])
    ):
        whole_number, decimal = groups["int"] + dec, f"{groups['int']},{dec.rstrip('0') or '0'}"
        raise ValueError(
            f"'{raw}' er tvetydig: punktum kan være tusenskille ({whole_number}) eller "
            f"desimaltegn ({decimal}); skriv {whole_number} eller {decimal}"
        )
    value = float(whole + ("." + dec if dec else ""))
    if groups["sign"] in ("-", "\u2212"):
        value = -value
    return value / 100 if groups.get("pct") else value


def clean_data(
    data: pd.DataFrame, *, kommuner: Iterable[str] = (), indikatorer: Iterable[str] = ()
) -> pd.DataFrame:
    """Validate long-format data and return a copy with numeric ``verdi``.

    Names are identities: spellings of one municipality or indicator that differ only in case,
    Unicode form or invisible and repeated spaces (:func:`.references.name_key`) are one name,
    shown as in ``kommuner`` / ``indikatorer`` (the workbook's tblKommuner and
    tblIndikatorer), or else as first spelled in the data.

    Args:
        data: columns ``kommune``, ``aar``, ``indikator``, ``verdi`` (any extra columns are
            kept). ``verdi`` may hold numbers, numeric text with decimal comma, empty cells or
            KOSTRA missing symbols.
        kommuner, indikatorer: the spellings to show for those names.

    Returns:
        A copy where ``verdi`` is float (NaN where missing), ``aar`` is int, and a column
        ``merknad`` holds the missing-value symbol (or ``""`` for an empty cell, None for a
        number).

    Raises:
        InputErrors: every problem found, at once: missing columns, non-numeric values,
            non-integer years, blank names, duplicated (kommune, aar, indikator) rows.
    """
    missing_cols = [c for c in DATA_COLUMNS if c not in data.columns]
    if missing_cols:
        raise InputError(
            "dataene mangler kolonnene " + ", ".join(f"'{c}'" for c in missing_cols),
            code="mangler_kolonne",
        )
    problems: list[KommuneokonomiError] = []
    n = len(data)
    kommune, kommune_code = _names(data["kommune"].to_numpy(dtype=object), preferred=kommuner)
    indikator, indikator_code = _names(
        data["indikator"].to_numpy(dtype=object), preferred=indikatorer
    )
    years, year_ok = _years(data["aar"].to_numpy(dtype=object))
    values, notes, value_errors = _numbers(data["verdi"].to_numpy(dtype=object))
    flagged = ~year_ok | (kommune == "") | (indikator == "")
    flagged[list(value_errors)] = True
    labels = data.index
    for i in np.flatnonzero(flagged).tolist():
        year = int(years[i]) if year_ok[i] else None
        ctx = Context(
            kommune=kommune[i] or None,
            indikator=indikator[i] or None,
            aar=year,
            rad=row_label(labels[i]),
            tabell=DATA_TABLE,
        )
        if year is None:
            aar = data["aar"].iat[i]
            problems.append(
                InputError(f"året '{aar}' er ikke et helt årstall", code="ugyldig_aar", context=ctx)
            )
        if not kommune[i]:
            problems.append(InputError("kommunenavn mangler", code="mangler_kommune", context=ctx))
        if not indikator[i]:
            problems.append(InputError("indikator mangler", code="mangler_indikator", context=ctx))
        if i in value_errors:
            problems.append(InputError(value_errors[i], code="ikke_tall", context=ctx))
    out = data.copy()
    out["verdi"] = pd.Series(values, index=data.index, dtype="float64")
    out["merknad"] = pd.Series(notes, index=data.index, dtype="object")
    out["aar"] = pd.Series(np.where(year_ok, years, -1), index=data.index, dtype="int64")
    out["kommune"] = pd.Series(kommune, index=data.index, dtype="str")
    out["indikator"] = pd.Series(indikator, index=data.index, dtype="str")
    if n == 0:
        InputErrors.raise_if_any(problems)
        return out
    # (kommune, aar, indikator) as one integer per row: hashing ints, not three columns
    year_code, year_values = pd.factorize(out["aar"].to_numpy())
    key = (kommune_code * (indikator_code.max() + 1) + indikator_code) * len(
        year_values
    ) + year_code
    dup = pd.Series(key, index=data.index).duplicated(keep="first")
    for label, kommune, aar, indikator in out.loc[dup, ["kommune", "aar", "indikator"]].itertuples(
        index=True
    ):
        problems.append(
            InputError(
                "verdien står mer enn én gang (samme kommune, år og indikator)",
                code="duplikat",
                context=Context(
                    kommune=kommune,
                    indikator=indikator,
                    aar=int(aar),
                    rad=row_label(label),
                    tabell=DATA_TABLE,
                ),
            )
        )
    InputErrors.raise_if_any(problems)
    return out


#: A small number for every Python type met in a column, so that :func:`of_type` compares
#: integers instead of type objects (an object comparison per cell cost 0.2 s per
#: recalculation of a national tblData).
class _TypeCodes(dict[type, int]):
    def __missing__(self, kind: type) -> int:
        return self.setdefault(kind, len(self))


_TYPE_CODES = _TypeCodes()


def _type_code(kind: type) -> int:
    return _TYPE_CODES[kind]


def value_types(values: np.ndarray) -> np.ndarray:
    """A code for the Python type of every value of an object array, for :func:`of_type`;
    ``str``, ``float`` and ``int`` stand for numpy's kinds of them too when the whole column is
    of one kind, which every reader here treats alike."""
    kind = infer_dtype(values, skipna=False)  # one C pass; most columns hold one type
    one = {"string": str, "floating": float, "integer": int}.get(kind)
    if one is not None:
        return np.full(len(values), _type_code(one), dtype=np.int32)
    # the type of each value and its code, both looked up in C
    return np.fromiter(
        map(_TYPE_CODES.__getitem__, map(type, values)), dtype=np.int32, count=len(values)
    )


def of_type(types: np.ndarray, *kinds: type) -> np.ndarray:
    """Elementwise over an array from :func:`value_types`: which entries are one of ``kinds``."""
    return np.isin(types, [_type_code(k) for k in kinds])


def _names(values: np.ndarray, *, preferred: Iterable[str] = ()) -> tuple[np.ndarray, np.ndarray]:
    """Names as shown (``""`` for a blank cell: None, NaN, only spaces), and a code per row
    that is equal where the names are one name by :func:`.references.name_key` (case,
    Unicode form, invisible and repeated spaces do not count). Every spelling of a name is
    shown as in ``preferred``, or else as its first spelling in the column, so ``oslo`` in
    one row of Oslo's stays Oslo's."""
    n = len(values)
    numbering: dict[str, int] = {"": 0}
    spelling: dict[int, str] = {0: ""}
    for name in preferred:
        if name_key(name):
            spelling.setdefault(
                numbering.setdefault(name_key(name), len(numbering)), shown_name(name)
            )

    def number(name: object) -> int:
        code = numbering.setdefault(name_key(name), len(numbering))
        spelling.setdefault(code, shown_name(name))
        return code

    if infer_dtype(values, skipna=False) == "string":  # the usual column: names only
        raw_codes, uniques = pd.factorize(values)
        renumbered = np.array([number(u) for u in uniques], dtype=np.int64)
        shown = np.array([spelling[c] for c in renumbered.tolist()], dtype=object)
        return shown[raw_codes], renumbered[raw_codes]
    out = np.full(n, "", dtype=object)
    code = np.zeros(n, dtype=np.int64)
    types = value_types(values)
    text = np.flatnonzero(of_type(types, str))
    if len(text):
        # each distinct name once: a column of 700 000 names has a few hundred
        raw_codes, uniques = pd.factorize(values[text])
        renumbered = np.array([number(u) for u in uniques], dtype=np.int64)
        code[text] = renumbered[raw_codes]
    for i in np.flatnonzero(~of_type(types, str, type(None))):
        code[i] = 0 if _blank(values[i]) else number(values[i])
    shown = np.array([spelling[c] for c in range(len(numbering))], dtype=object)
    out[:] = shown[code]
    return out, code


def each_distinct(values: np.ndarray, judge: Callable[[Any], object]) -> np.ndarray:
    """``judge(v)`` for every value, called once per distinct value (found by hashing, in C):
    a column of 700 000 names holds a few hundred. Missing values (None, NaN) are judged as
    None. Equal values are one value, so 1, 1.0 and True are judged once: give it texts, or
    a judge for which they are alike."""
    codes, uniques = pd.factorize(values)
    judged = np.empty(len(uniques) + 1, dtype=object)  # the last: code -1, a missing value
    for k, value in enumerate([*uniques, None]):
        judged[k] = judge(value)
    return judged[codes]


def has_indicator(data: pd.DataFrame, ids: Collection[str]) -> pd.Series:
    """Which rows of long-format data are about one of ``ids`` (ignoring spaces around)."""
    wanted = set(ids)
    hit = each_distinct(
        data["indikator"].to_numpy(dtype=object),
        lambda u: isinstance(u, str) and u.strip() in wanted,
    )
    return pd.Series(hit.astype(bool), index=data.index)


def _years(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whole years as int64, and which cells hold one (as :func:`_parse_year` says)."""
    n = len(values)
    if infer_dtype(values, skipna=False) == "integer":  # the usual column: whole numbers only
        try:
            years = values.astype(np.int64)
        except OverflowError:
            pass
        else:
            return years, np.abs(years) < 2**53
    years = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)
    types = value_types(values)
    plain = np.flatnonzero(of_type(types, int, float))
    try:
        numbers = values[plain].astype(np.float64)
    except OverflowError:
        plain, numbers = plain[:0], np.empty(0)
    whole = (np.floor(numbers) == numbers) & (np.abs(numbers) < 2**53)
    years[plain[whole]] = numbers[whole].astype(np.int64)
    ok[plain[whole]] = True
    done = np.zeros(n, dtype=bool)
    done[plain] = True
    for i in np.flatnonzero(~done):
        year = _parse_year(values[i])
        if year is not None:
            years[i], ok[i] = year, True
    return years, ok


def _numbers(values: np.ndarray) -> tuple[np.ndarray, list[str | None], dict[int, str]]:
    """Numbers (NaN where missing), their notes as :func:`parse_number` gives them, and the
    reason for every cell that is not a number, by position."""
    n = len(values)
    out = np.full(n, np.nan)
    notes = np.full(n, None, dtype=object)
    types = value_types(values)
    done = of_type(types, type(None))
    notes[done] = ""
    floats = np.flatnonzero(of_type(types, float, int))
    try:
        numbers = values[floats].astype(np.float64)
    except OverflowError:  # an int beyond a float: parse_number says so
        floats, numbers = floats[:0], np.empty(0)
    finite = np.isfinite(numbers)
    out[floats[finite]] = numbers[finite]
    done[floats[finite]] = True
    errors: dict[int, str] = {}
    text = np.flatnonzero(~done & of_type(types, str))
    if len(text):  # KOSTRA's symbols and numbers typed as text: each distinct text once
        parsed = each_distinct(values[text], _number_or_reason)
        for i, result in zip(text.tolist(), parsed.tolist(), strict=True):
            if isinstance(result, str):
                errors[i] = result
            else:
                out[i], notes[i] = result
        done[text] = True
    for i in np.flatnonzero(~done).tolist():
        try:
            out[i], notes[i] = parse_number(values[i])
        except ValueError as exc:
            errors[i] = str(exc)
    return out, notes.tolist(), errors


def _number_or_reason(raw: object) -> tuple[float, str | None] | str:
    """:func:`parse_number`, or the reason it gives for a value that is not a number."""
    try:
        return parse_number(raw)
    except ValueError as exc:
        return str(exc)


def row_label(label: object) -> int | None:
    """A row's index label as an int (the workbook layer maps it to a cell), else None."""
    if isinstance(label, Integral) and not isinstance(label, bool):
        return int(label)
    return None


def _blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _parse_year(value: object) -> int | None:
    """A whole year, or None; beyond what a year column (int64) holds is not a year."""
    year: int | None = None
    if isinstance(value, bool):
        return None
    if isinstance(value, Real):
        f = float(value)
        year = int(f) if f.is_integer() else None
    elif isinstance(value, str) and value.strip().isdigit():
        year = int(value.strip())
    if year is None or abs(year) >= 2**53:
        return None
    return year
