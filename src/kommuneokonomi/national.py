"""National output: every municipality against its group, per year and sector.

A savings workbook whose ``Egen kommune`` is ``Alle`` asks the same question as a
per-municipality workbook, for every municipality at once (see
:mod:`kommuneokonomi.request`): the vectorised savings cube
(:mod:`kommuneokonomi.engine.cube`) answers it with the same references and mean options,
and the output table ``tblInnsparingKommuner`` holds the savings per municipality, year and
sector. One municipality's rows there are the per-sector sums of its own savings table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from .engine.cube import cube_sector_summary, savings_cube
from .engine.savings import IndicatorSpec
from .request import SavingsRequest
from .workbook import layout as L
from .workbook.output import OutputSheet, OutputTable

__all__ = ["NationalResult", "national_output"]


@dataclass(frozen=True)
class NationalResult:
    """The cube, its per-sector summary, and the output sheets to write."""

    cube: pd.DataFrame
    summary: pd.DataFrame
    sheets: list[OutputSheet]


def national_output(
    data: pd.DataFrame, indicators: Sequence[IndicatorSpec], request: SavingsRequest
) -> NationalResult:
    """Savings for every municipality of ``request.grupper`` against its group.

    Args:
        data: tblData cleaned (``kommune``, ``aar``, ``indikator``, ``verdi`` float).
        indicators: the lines.
        request: the settings; its ``aar`` (None = every year) picks the years reported.
    """
    cube = savings_cube(
        data,
        indicators,
        pd.Series(dict(request.grupper), dtype=object),
        referanse_1=request.referanse_1,
        referanse_2=request.referanse_2,
        mean=request.snitt,
        weight=request.snitt_vekt,
        years=None if request.aar is None else [request.aar],
    )
    summary = cube_sector_summary(cube)
    year = "" if request.aar is None else f"{request.aar} "
    against = f"gruppen {request.gruppe}" if request.gruppe else "egen gruppe"
    sheet = OutputSheet(
        name="Innsparing",
        title=(
            f"Innsparingsmuligheter {year}for alle kommuner mot {against} "
            f"(referanse 1: {request.referanse_1}, referanse 2: {request.referanse_2}), mill. kr"
        ),
        tables=[
            OutputTable(
                L.INNSPARING_KOMMUNER, summary[[c.name for c in L.INNSPARING_KOMMUNER.columns]]
            )
        ],
    )
    return NationalResult(cube, summary, [sheet])
