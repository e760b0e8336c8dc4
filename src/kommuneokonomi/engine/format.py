"""Norwegian number formatting for explanations and printed tables.

Norwegian writes 1 234,5: a space groups thousands and a comma marks decimals.
"""

from __future__ import annotations

import math

__all__ = ["mnok", "number", "percent"]


def number(value: float, decimals: int | None = None) -> str:
    """Format ``value`` the Norwegian way.

    Args:
        value: the number.
        decimals: digits after the comma; None picks 0 from 1000 up, 1 from 10, else 2,
            and drops trailing zeros in the last two cases.
    """
    if math.isnan(value):
        return "-"
    auto = decimals is None
    if decimals is None:
        size = abs(value)
        decimals = 0 if size >= 1000 else 1 if size >= 10 else 2
    text = f"{value:,.{decimals}f}"
    if auto and "." in text:
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", " ").replace(".", ",")
    if text.startswith("-") and not any(ch in "123456789" for ch in text):
        text = text[1:]  # -0,0 is zero: a tiny negative rounds to no sign
    return text


def mnok(value: float) -> str:
    """Million kroner with one decimal, ``-`` for no saving (R prints "-", never 0,0)."""
    if math.isnan(value) or round(value, 1) == 0:
        return "-"
    return number(value, 1)


def percent(fraction: float, decimals: int = 1) -> str:
    """A fraction as a Norwegian percentage: 0.035 -> ``3,5 %``."""
    return f"{number(fraction * 100, decimals)} %"
