"""The savings cube: every municipality against its own group, all indicators and years at once.

The per-municipality path (:func:`kommuneokonomi.engine.savings.savings_table`) answers one
municipality's question. Advisers at national level want the same table for all 356
municipalities against their KOSTRA group, over ten years. This module computes exactly the
same references and savings, vectorised over (group, year, indicator), with no Python loop
over municipalities or indicators:

* mean of the others: (group sum - own value) / (group count - 1);
* n-th best of the others: values sorted within each (group, year, indicator) with the same
  tie-break as :func:`~kommuneokonomi.engine.references.nth_best` (Norwegian name order); if
  the own municipality is among the first n, the answer is the (n+1)-th, else the n-th;
* a named municipality's value in the same year and indicator.

Missing values are left out of references, as in the per-municipality path. A line whose own
value or volume is missing or not positive, or whose group has too few valued peers, gets NaN
references and no saving (the per-municipality path raises for those instead; at national
scale a gap in KOSTRA must not stop the other 355 municipalities).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .references import ReferenceSpec, norwegian_sort_key
from .savings import IndicatorSpec

__all__ = ["CUBE_COLUMNS", "cube_sector_summary", "savings_cube"]

CUBE_COLUMNS = (
    "kommune",
    "gruppe",
    "aar",
    "indikator",
    "sektor",
    "egen_verdi",
    "volum",
    "referanse_1",
    "ref_1_kommune",
    "innsparing_1_mnok",
    "referanse_2",
    "ref_2_kommune",
    "innsparing_2_mnok",
)


def savings_cube(
    data: pd.DataFrame,
    indicators: Sequence[IndicatorSpec],
    groups: pd.Series,
    *,
    referanse_1: str = "snitt",
    referanse_2: str = "3. beste",
    include_own: bool = False,
) -> pd.DataFrame:
    """Savings for every municipality against its group, every indicator and year.

    Args:
        data: long format with numeric ``verdi`` (``kommune``, ``aar``, ``indikator``,
            ``verdi``; NaN = missing; one row per key). Use
            :func:`~kommuneokonomi.engine.values.clean_data` first if values may be text.
        indicators: the lines; per-indicator reference overrides are honoured.
        groups: kommune -> group name (e.g. the KOSTRA group); municipalities without a group
            are left out.
        referanse_1, referanse_2: default references: ``snitt``, ``N. beste`` or a name.
        include_own: count the own municipality in the mean.

    Returns:
        One row per (kommune, aar, indikator) with an own value, :data:`CUBE_COLUMNS`;
        savings in million kroner, unrounded, 0.0 where there is none.
    """
    grid = _Grid.build(data, indicators, groups)
    values, sign = grid.values, grid.sign[None, None, :]
    result: dict[str, np.ndarray] = {}
    for i, default in ((1, referanse_1), (2, referanse_2)):
        ref = np.full(values.shape, np.nan)
        who = np.full(values.shape, -1, dtype=np.int64)
        specs = [ReferenceSpec.parse(_override(s, i) or default) for s in indicators]
        for spec in set(specs):
            cols = np.array([j for j, s in enumerate(specs) if s == spec])
            if spec.kind == "ingen":
                continue
            r, w = _reference(grid, spec, cols, include_own)
            ref[:, :, cols], who[:, :, cols] = r, w
        gap = (values - ref) * sign
        gap = np.where(
            grid.relativ[None, None, :], gap / np.where(values != 0, values, np.nan), gap
        )
        with np.errstate(invalid="ignore"):
            saving = np.clip(gap, 0, None) * grid.volumes * grid.factor[None, None, :] / 1e6
        ok = (grid.volumes > 0) & np.isfinite(saving)
        result[f"referanse_{i}"] = ref
        result[f"ref_{i}_kommune"] = who
        result[f"innsparing_{i}_mnok"] = np.where(ok, saving, 0.0)

    k, y, j = np.nonzero(~np.isnan(values) & grid.in_group[:, None, None])
    names = np.asarray(grid.kommuner, dtype=object)
    out = pd.DataFrame(
        {
            "kommune": names[k],
            "gruppe": np.asarray(grid.group_names, dtype=object)[grid.group[k]],
            "aar": np.asarray(grid.years)[y],
            "indikator": np.asarray(grid.indicators, dtype=object)[j],
            "sektor": np.asarray([s.sektor for s in indicators], dtype=object)[j],
            "egen_verdi": values[k, y, j],
            "volum": grid.volumes[k, y, j],
        }
    )
    for i in (1, 2):
        out[f"referanse_{i}"] = result[f"referanse_{i}"][k, y, j]
        idx = result[f"ref_{i}_kommune"][k, y, j]
        supplier = np.take(names, np.maximum(idx, 0)).astype(object)
        supplier[idx < 0] = None
        out[f"ref_{i}_kommune"] = supplier
        out[f"innsparing_{i}_mnok"] = result[f"innsparing_{i}_mnok"][k, y, j]
    return out[list(CUBE_COLUMNS)]


def _override(spec: IndicatorSpec, i: int) -> str | None:
    return spec.referanse_1 if i == 1 else spec.referanse_2


class _Grid:
    """The data as dense arrays over (kommune, year, indicator); kommune in Norwegian name
    order, so a stable sort along that axis breaks ties by name like ``nth_best``."""

    def __init__(self) -> None:
        self.kommuner: list[str] = []
        self.years: list[int] = []
        self.indicators: list[str] = []
        self.group_names: list[str] = []
        self.group = np.zeros(0, dtype=np.int64)
        self.in_group = np.zeros(0, dtype=bool)
        self.values = np.zeros((0, 0, 0))
        self.volumes = np.zeros((0, 0, 0))
        self.sign = np.zeros(0)
        self.relativ = np.zeros(0, dtype=bool)
        self.factor = np.zeros(0)

    @classmethod
    def build(
        cls, data: pd.DataFrame, indicators: Sequence[IndicatorSpec], groups: pd.Series
    ) -> _Grid:
        grid = cls()
        # each column factorized once (hashing in C); names and years are then placed by
        # their few hundred distinct values, not row by row
        k_codes, k_uniques = pd.factorize(data["kommune"].astype(str))
        y_codes, y_uniques = pd.factorize(data["aar"].to_numpy().astype(np.int64))
        i_codes, i_uniques = pd.factorize(data["indikator"])
        grid.kommuner = sorted((str(k) for k in k_uniques), key=norwegian_sort_key)
        grid.years = sorted(int(y) for y in y_uniques)
        grid.indicators = [s.indikator for s in indicators]
        volume_ids = sorted({s.volum for s in indicators})
        k_of = {name: n for n, name in enumerate(grid.kommuner)}
        y_of = {year: n for n, year in enumerate(grid.years)}
        group_of = groups.to_dict()
        grid.group_names = sorted({str(g) for g in group_of.values()})
        g_of = {g: n for n, g in enumerate(grid.group_names)}
        grid.group = np.array([g_of.get(str(group_of.get(k)), -1) for k in grid.kommuner])
        grid.in_group = grid.group >= 0
        k_idx = np.array([k_of[str(k)] for k in k_uniques], dtype=np.int64)[k_codes]
        y_idx = np.array([y_of[int(y)] for y in y_uniques], dtype=np.int64)[y_codes]
        verdi = pd.to_numeric(data["verdi"], errors="coerce").to_numpy(dtype=float)
        shape = (len(grid.kommuner), len(grid.years))

        def dense(ids: list[str]) -> np.ndarray:
            col = {ind: n for n, ind in enumerate(ids)}
            # -1 for an indicator not asked for (and for a missing id, code -1)
            j = np.array([col.get(u, -1) for u in i_uniques] + [-1], dtype=np.int64)[i_codes]
            mask = j >= 0
            arr = np.full((*shape, len(ids)), np.nan)
            arr[k_idx[mask], y_idx[mask], j[mask]] = verdi[mask]
            return arr

        grid.values = dense(grid.indicators)
        vol_of = {v: n for n, v in enumerate(volume_ids)}
        grid.volumes = dense(volume_ids)[:, :, [vol_of[s.volum] for s in indicators]]
        grid.sign = np.array([1.0 if s.beste == "lav" else -1.0 for s in indicators])
        grid.relativ = np.array([s.beregning == "relativ" for s in indicators])
        grid.factor = np.array([float(s.faktor) for s in indicators])
        return grid


def _reference(
    grid: _Grid, spec: ReferenceSpec, cols: np.ndarray, include_own: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Reference values and the index of the municipality supplying them, for the indicator
    columns ``cols`` of every (kommune, year); one loop over groups, none over kommuner."""
    values = grid.values[:, :, cols]
    ref = np.full(values.shape, np.nan)
    who = np.full(values.shape, -1, dtype=np.int64)
    if spec.kind == "kommune":
        assert spec.kommune is not None
        wanted = spec.kommune.strip().casefold()
        hits = [n for n, k in enumerate(grid.kommuner) if k.strip().casefold() == wanted]
        if hits:
            ref[:] = values[hits[0]][None, :, :]
            who[:] = np.where(np.isnan(ref), -1, hits[0])
        return ref, who
    if spec.kind not in ("snitt", "nte_beste"):
        raise ValueError(
            f"referansen '{spec.label}' støttes ikke i kuben "
            "(bruk snitt, N. beste eller en kommune)"
        )
    sign = grid.sign[cols][None, None, :]
    for g in range(len(grid.group_names)):
        members = np.flatnonzero(grid.group == g)
        v = values[members]  # (m, years, indicators)
        valued = ~np.isnan(v)
        count = valued.sum(axis=0)
        if spec.kind == "snitt":
            total = np.nansum(v, axis=0)
            if include_own:
                mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
                ref[members] = np.broadcast_to(mean, v.shape)
            else:
                others = count[None] - valued
                with np.errstate(invalid="ignore", divide="ignore"):
                    ref[members] = np.where(
                        others > 0, (total[None] - np.nan_to_num(v)) / others, np.nan
                    )
            continue
        n = spec.n
        key = np.where(valued, v * sign, np.inf)  # missing values sort last
        order = np.argsort(key, axis=0, kind="stable")  # members are in name order: ties by name
        pos = np.empty_like(order)
        np.put_along_axis(pos, order, np.arange(len(members))[:, None, None], axis=0)
        # the own municipality among the first n pushes the n-th best of the others one down
        want = np.where(pos <= n - 1, n, n - 1)
        enough = (count[None] - valued) >= n
        want = np.minimum(want, len(members) - 1)
        pick = np.take_along_axis(order, want, axis=0)
        ref[members] = np.where(enough, np.take_along_axis(v, pick, axis=0), np.nan)
        who[members] = np.where(enough, members[pick], -1)
    return ref, who


def cube_sector_summary(cube: pd.DataFrame) -> pd.DataFrame:
    """Savings per municipality, year and sector (million kroner), from :func:`savings_cube`."""
    cols = ["innsparing_1_mnok", "innsparing_2_mnok"]
    return cube.groupby(["kommune", "gruppe", "aar", "sektor"], as_index=False, sort=True)[
        cols
    ].sum()
