"""Derived series: an indicator computed from two others in the data (issue 13).

SSB publishes amounts (netto driftsutgifter in 1000 kr) and volumes (users, inhabitants in a
target group) as separate series; the comparison needs their ratio, such as kroner per user.
A derived series is defined by a ratio::

    indikator = teller / nevner x faktor        (per kommune and år)

computed before the comparison from the cleaned data. A value is missing (NaN, never 0) where
the numerator or the denominator is missing, or the denominator is 0: the explanation of a line
then names the municipality as missing a value, as for any other series.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .format import number

__all__ = ["DerivedSeries", "derive", "explain"]


@dataclass(frozen=True)
class DerivedSeries:
    """One ratio series.

    Attributes:
        indikator: the id of the new series (used in tblIndikatorer like any other).
        teller: the numerator's indicator id.
        nevner: the denominator's indicator id.
        faktor: multiplies the ratio (1000 turns 1000 kr per user into kr per user).
    """

    indikator: str
    teller: str
    nevner: str
    faktor: float = 1.0


def derive(clean: pd.DataFrame, rules: Sequence[DerivedSeries]) -> pd.DataFrame:
    """The derived series' rows, for every (kommune, aar) that has the numerator or the
    denominator.

    Args:
        clean: long format with columns ``kommune``, ``aar``, ``indikator`` and a numeric
            ``verdi`` (NaN for missing), at most one row per (kommune, aar, indikator), as
            :func:`.values.clean_data` gives it.
        rules: the series to compute.

    Returns:
        Columns ``kommune``, ``aar``, ``indikator``, ``verdi``; ``verdi`` NaN where a part is
        missing or the denominator is 0.
    """
    frames: list[pd.DataFrame] = []
    for rule in rules:
        parts = clean[clean["indikator"].isin([rule.teller, rule.nevner])]
        wide = parts.pivot_table(
            index=["kommune", "aar"],
            columns="indikator",
            values="verdi",
            aggfunc="first",
            dropna=False,
        )
        top = wide[rule.teller] if rule.teller in wide else pd.Series(np.nan, index=wide.index)
        bottom = wide[rule.nevner] if rule.nevner in wide else pd.Series(np.nan, index=wide.index)
        bottom = bottom.astype(float).where(bottom != 0)  # a ratio over 0 is unknown, not inf
        ratio = top.astype(float) / bottom * rule.faktor
        frames.append(
            pd.DataFrame(
                {
                    "kommune": wide.index.get_level_values("kommune"),
                    "aar": wide.index.get_level_values("aar"),
                    "indikator": rule.indikator,
                    "verdi": ratio.to_numpy(dtype=float),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["kommune", "aar", "indikator", "verdi"])
    return pd.concat(frames, ignore_index=True)


def explain(rule: DerivedSeries) -> str:
    """How a derived value was computed, in Norwegian (for ``Forklaring``)."""
    factor = "" if rule.faktor == 1 else f" × {number(rule.faktor)}"
    return (
        f"Verdiene av {rule.indikator} er beregnet: {rule.teller} / {rule.nevner}{factor}, "
        "per kommune og år; mangler teller eller nevner (eller er nevneren 0), mangler verdien."
    )
