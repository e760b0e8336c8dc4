"""The trend of each savings line: the own municipality's value year by year next to the mean
of the others in the comparison group (the plain mean of those with a value), as the 2008
report's tables show the development, and as an adviser with ten fetched years wants to see
before trusting one year's gap.

Vectorised over the rows (a national tblData holds 750 000): names are factorized once and
judged per distinct name, sums and counts come from ``np.bincount``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .references import name_key

__all__ = ["TREND_COLUMNS", "trend_table"]

#: ``antall``: how many of the others have a value that year (the mean's base).
TREND_COLUMNS = ("indikator", "navn", "aar", "egen_verdi", "snitt_andre", "antall")


def trend_table(
    clean: pd.DataFrame,
    lines: Sequence[tuple[str, str]],
    egen_kommune: str,
    kommuner: Sequence[str],
) -> pd.DataFrame:
    """One row per line and year present: the own value and the plain mean of the others.

    Args:
        clean: long data with numeric ``verdi`` (NaN missing), as ``clean_data`` gives it.
        lines: (indikator, navn) in display order.
        egen_kommune: the own municipality; kommuner: the comparison group (own included).

    Returns:
        :data:`TREND_COLUMNS`, lines in the order given and years ascending. Missing stays
        missing: no own value gives NaN, no valued peer gives NaN with ``antall`` 0.
    """
    line_of: dict[str, int] = {}
    for n, (indikator, _) in enumerate(lines):
        line_of.setdefault(name_key(indikator), n)
    group = {name_key(k) for k in kommuner}
    own = name_key(egen_kommune)
    k_codes, k_uniques = pd.factorize(clean["kommune"].to_numpy(dtype=object))
    i_codes, i_uniques = pd.factorize(clean["indikator"].to_numpy(dtype=object))
    # per distinct name: -1 (not counted), 0 (a peer), 1 (own); the line of each indicator
    role = np.array(
        [(1 if name_key(k) == own else 0) if name_key(k) in group else -1 for k in k_uniques]
        + [-1],
        dtype=np.int64,
    )[k_codes]
    line = np.array([line_of.get(name_key(i), -1) for i in i_uniques] + [-1], dtype=np.int64)[
        i_codes
    ]
    keep = (role >= 0) & (line >= 0)
    if not keep.any():
        return pd.DataFrame(columns=list(TREND_COLUMNS))
    years_all = clean["aar"].to_numpy(dtype=np.int64)[keep]
    years, y_idx = np.unique(years_all, return_inverse=True)
    line, role = line[keep], role[keep]
    verdi = clean["verdi"].to_numpy(dtype=float)[keep]
    n_cells = len(lines) * len(years)
    cell = line * len(years) + y_idx
    peers = (role == 0) & ~np.isnan(verdi)
    sums = np.bincount(cell[peers], weights=verdi[peers], minlength=n_cells)
    counts = np.bincount(cell[peers], minlength=n_cells)
    mine = np.full(n_cells, np.nan)
    mine[cell[role == 1]] = verdi[role == 1]  # one own value per cell: clean_data refuses twice
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return pd.DataFrame(
        {
            "indikator": np.repeat([i for i, _ in lines], len(years)),
            "navn": np.repeat([n for _, n in lines], len(years)),
            "aar": np.tile(years, len(lines)),
            "egen_verdi": mine,
            "snitt_andre": means,
            "antall": counts.astype(np.int64),
        },
        columns=list(TREND_COLUMNS),
    )
