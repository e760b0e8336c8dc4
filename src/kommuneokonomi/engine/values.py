"""Turning raw data values into numbers, the way KOSTRA publishes them.

SSB writes a symbol instead of a number where a value is missing: ``.`` (cannot occur),
``..`` (not available), ``...`` (not yet available), ``:`` (confidential) and ``-`` (nothing
to report). Those become missing values (NaN) with the symbol kept; anything else that is not a
number is an input error naming kommune, indikator and år.
"""

from __future__ import annotations

import math
import re
from numbers import Integral, Real

import pandas as pd

from ..errors import Context, InputError, InputErrors, KommuneokonomiError

__all__ = [
    "DATA_COLUMNS",
    "MISSING_SYMBOLS",
    "clean_data",
    "parse_number",
    "row_label",
]

#: The long-format data columns every engine function reads.
DATA_COLUMNS = ("kommune", "aar", "indikator", "verdi")

#: SSB's symbols for a missing value (statistikkbanken's "tegnforklaring").
MISSING_SYMBOLS = frozenset({".", "..", "...", ":", "-", "…"})

# A number as people type it in Norwegian: optional sign, digits grouped by (non-breaking)
# spaces, decimal comma or point. "1 234,5" and "1234.5" are both 1234.5.
_NUMBER = re.compile(r"^[+-]?(\d{1,3}([ \u00a0\u202f]\d{3})+|\d+)([.,]\d+)?$")


def parse_number(raw: object) -> tuple[float, str | None]:
    """Read one value: returns (number, None), or (NaN, symbol) for a KOSTRA missing symbol.

    Args:
        raw: a number, None/NaN (missing, symbol ``""``), or text such as ``"1 234,5"`` or
            ``".."``.

    Raises:
        ValueError: the value is text that is neither a number nor a missing symbol, or a
            boolean (a True in a number column is a typing slip, not the number 1).
    """
    if raw is None or raw is pd.NA or raw is pd.NaT:
        return math.nan, ""
    if isinstance(raw, bool):
        raise ValueError(f"'{'SANN' if raw else 'USANN'}' er en sannhetsverdi, ikke et tall")
    if isinstance(raw, Real):
        value = float(raw)
        if math.isinf(value):
            raise ValueError(f"'{raw}' er ikke et endelig tall")
        return value, ("" if math.isnan(value) else None)
    if isinstance(raw, str):
        text = raw.strip()
        if text == "":
            return math.nan, ""
        if text in MISSING_SYMBOLS:
            return math.nan, text
        if _NUMBER.match(text):
            digits = re.sub(r"[ \u00a0\u202f]", "", text).replace(",", ".")
            return float(digits), None
    raise ValueError(f"'{raw}' er ikke et tall")


def clean_data(data: pd.DataFrame) -> pd.DataFrame:
    """Validate long-format data and return a copy with numeric ``verdi``.

    Args:
        data: columns ``kommune``, ``aar``, ``indikator``, ``verdi`` (any extra columns are
            kept). ``verdi`` may hold numbers, numeric text with decimal comma, empty cells or
            KOSTRA missing symbols.

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
    values: list[float] = []
    notes: list[str | None] = []
    years: list[int] = []
    for label, (kommune, aar, indikator, raw) in zip(
        data.index, data[list(DATA_COLUMNS)].itertuples(index=False), strict=True
    ):
        year = _parse_year(aar)
        ctx = Context(
            kommune=None if _blank(kommune) else str(kommune),
            indikator=None if _blank(indikator) else str(indikator),
            aar=year,
            rad=row_label(label),
        )
        if year is None:
            problems.append(
                InputError(f"året '{aar}' er ikke et helt årstall", code="ugyldig_aar", context=ctx)
            )
        if _blank(kommune):
            problems.append(InputError("kommunenavn mangler", code="mangler_kommune", context=ctx))
        if _blank(indikator):
            problems.append(InputError("indikator mangler", code="mangler_indikator", context=ctx))
        try:
            value, note = parse_number(raw)
        except ValueError as exc:
            problems.append(InputError(str(exc), code="ikke_tall", context=ctx))
            value, note = math.nan, None
        values.append(value)
        notes.append(note)
        years.append(year if year is not None else -1)
    out = data.copy()
    out["verdi"] = pd.Series(values, index=data.index, dtype="float64")
    out["merknad"] = pd.Series(notes, index=data.index, dtype="object")
    out["aar"] = pd.Series(years, index=data.index, dtype="int64")
    out["kommune"] = data["kommune"].map(lambda v: "" if _blank(v) else str(v).strip())
    out["indikator"] = data["indikator"].map(lambda v: "" if _blank(v) else str(v).strip())
    dup = out.duplicated(subset=["kommune", "aar", "indikator"], keep="first")
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
                ),
            )
        )
    InputErrors.raise_if_any(problems)
    return out


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
