"""The savings cube: every municipality against its own group, all indicators and years at once.

This is the one savings computation. Advisers at national level want the savings table for all
356 municipalities against their KOSTRA group over ten years; the per-municipality table
(:func:`kommuneokonomi.engine.savings.savings_table`) is this cube computed for one group and
one year, read for one municipality, with validation and explanations added. The reference
functions of :mod:`~kommuneokonomi.engine.references` (``mean_reference``, ``nth_best`` ...)
are the readable specification the cube is tested against.

Everything is vectorised over (kommune, year, indicator), with one Python loop over groups and
none over municipalities or indicators. For each member of a group:

* mean of the peers: the sum of the others from prefix and suffix sums along the members
  (never group sum minus own value, which would lose the small peers' digits next to a large
  own value); weighted by another indicator's values if asked; exclusions left out;
* median of the peers: the valued, non-excluded members sorted once per (group, year,
  indicator); each member's own value is skipped by index arithmetic on that order;
* n-th best of the others: the same sort, with the tie-break of
  :func:`~kommuneokonomi.engine.references.nth_best` (Norwegian name order); if the own
  municipality is among the first n, the answer is the (n+1)-th, else the n-th. Exclusions do
  not apply (as in ``compute_reference``);
* a named municipality's value in the same year and indicator.

Missing values are left out of references, as in the per-municipality path. Where the
per-municipality path raises (too few valued peers, a peer in a weighted mean without a
positive weight, a named municipality without a value) the cube gives a NaN reference and no
saving, and says how many peers it found (``n_peers_*``): at national scale a gap in KOSTRA
must not stop the other 355 municipalities.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import Context, InputError
from .references import (
    MeanOptions,
    ReferenceSpec,
    check_n,
    mean_label,
    name_key,
    norwegian_sort_key,
)

if TYPE_CHECKING:  # savings imports this module: the spec type is only needed for checking
    from .savings import IndicatorSpec

__all__ = ["CUBE_COLUMNS", "cube_sector_summary", "savings_cube"]

#: The columns of :func:`savings_cube`, in order.
#:
#: * ``kommune``, ``gruppe``, ``aar``, ``indikator``, ``sektor``: the line;
#: * ``egen_verdi``: the municipality's value; ``volum``: its value of the volume indicator;
#: * ``referanse_i``: the reference value (NaN: none asked for, or it could not be computed);
#: * ``ref_i_kommune``: who supplied it (n-th best, named municipality), else None;
#: * ``innsparing_i_mnok``: million kroner, unrounded, 0.0 where there is no saving;
#: * ``ref_i_label``: the label ``compute_reference`` gives (``snitt``, ``snitt med egen``,
#:   ``vektet snitt``, ``median``, ``3. beste``, ``Bergen``, ``-``);
#: * ``n_peers_i``: how many valued peers the reference was computed from (n-th best: the
#:   valued others; a named municipality: 1 if it has a value, else 0; ``-``: 0);
#: * ``behovsindeks``: the municipality's need index for a need-corrected line (NaN: the
#:   line is not need-corrected, or the index is missing); its ``referanse_i`` is then the
#:   reference taken on value / index, times this index.
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
    "ref_1_label",
    "n_peers_1",
    "ref_2_label",
    "n_peers_2",
    "behovsindeks",
)

#: The default: the plain mean of the others (R: "de øvrige ASSS-kommunene").
_PLAIN_MEAN = MeanOptions()


def savings_cube(
    data: pd.DataFrame,
    indicators: Sequence[IndicatorSpec],
    groups: pd.Series,
    *,
    referanse_1: str = "snitt",
    referanse_2: str = "3. beste",
    mean: MeanOptions = _PLAIN_MEAN,
    weight: str | None = None,
    years: Collection[int] | None = None,
    include_own: bool | None = None,
) -> pd.DataFrame:
    """Savings for every municipality against its group, every indicator and year.

    Args:
        data: long format with numeric ``verdi`` (``kommune``, ``aar``, ``indikator``,
            ``verdi``; NaN = missing; one row per key). Use
            :func:`~kommuneokonomi.engine.values.clean_data` first if values may be text.
        indicators: the lines; per-indicator reference overrides are honoured.
        groups: kommune -> group name (e.g. the KOSTRA group), one group per municipality;
            municipalities without a group (absent or NaN) are left out. Names are matched by
            :func:`~kommuneokonomi.engine.references.name_key`.
        referanse_1, referanse_2: default references: ``snitt``, ``median``, ``N. beste``, a
            municipality's name or ``-``. A named municipality is looked up in the whole
            ``data``, not only in the group.
        mean: how mean and median are taken: ``include_own``, ``exclude`` (names; one not in
            the data leaves nothing out), ``weighted`` (by ``weight``). Exclusions apply to
            the mean and the median, never to the n-th best or a named municipality.
        weight: indicator id whose value for the same municipality and year weights the mean
            (e.g. ``innbyggere``); needed when ``mean.weighted``. A mean with a valued peer
            without a positive weight is NaN.
        years: compute only these years (None: every year in ``data``).
        include_own: shortcut for ``mean=replace(mean, include_own=...)``.

    Returns:
        One row per (kommune, aar, indikator) with an own value and a group,
        :data:`CUBE_COLUMNS`, ordered by kommune (Norwegian name order), year, then
        indicator in the order given. Savings are 0.0 where there is no reference or the
        volume is missing or not positive (and for a relative line with own value 0); a
        saving too large for a float shows as inf, never as 0.

    Raises:
        InputError: a reference text that is no reference (``ugyldig_referanse``), an n-th
            best with n below 1 (``ugyldig_n``), a weighted mean without a weight indicator in
            the data (``ukjent_indikator``).
    """
    if include_own is not None:
        mean = replace(mean, include_own=include_own)
    specs = {
        i: [ReferenceSpec.parse(_override(s, i, default)) for s in indicators]
        for i, default in ((1, referanse_1), (2, referanse_2))
    }
    for spec in {s for ss in specs.values() for s in ss}:
        if spec.kind == "nte_beste":
            check_n(spec.n)
    uses_weight = mean.weighted and any(s.kind == "snitt" for ss in specs.values() for s in ss)
    grid = _Grid.build(
        data,
        indicators,
        groups,
        years=years,
        weight=weight if uses_weight else None,
        exclude=mean.exclude,
    )
    if uses_weight and grid.weights is None:
        raise InputError(
            f"vektindikatoren '{weight}' finnes ikke i dataene",
            code="ukjent_indikator",
            context=Context(indikator=weight),
        )

    values, sign = grid.values, grid.sign[None, None, :]
    if grid.need_corrected.any():
        # references are taken on need-corrected values (value / index) and brought back to
        # each municipality's own need (x its index): the level it would have if it spent
        # like the reference on its own need. Without an index a line is unchanged (x 1).
        grid.values = values / grid.need
    result: dict[str, np.ndarray] = {}
    for i in (1, 2):
        ref = np.full(values.shape, np.nan)
        who = np.full(values.shape, -1, dtype=np.int64)
        n_peers = np.zeros(values.shape, dtype=np.int64)
        labels = np.empty(len(indicators), dtype=object)
        for spec in dict.fromkeys(specs[i]):
            cols = [j for j, s in enumerate(specs[i]) if s == spec]
            # one spec for every line (the usual case): a view, not a copy
            sel = slice(None) if len(cols) == len(indicators) else np.array(cols, dtype=np.int64)
            labels[sel] = _label(spec, grid, mean)
            if spec.kind == "ingen":
                continue
            r, w, n = _reference(grid, spec, sel, mean)
            ref[:, :, sel], who[:, :, sel], n_peers[:, :, sel] = r, w, n
        ref = ref * grid.need
        with np.errstate(over="ignore", invalid="ignore"):
            gap = (values - ref) * sign
            gap = np.where(
                grid.relativ[None, None, :], gap / np.where(values != 0, values, np.nan), gap
            )
            # np.where rather than clip: no -0.0, and a NaN gap (no reference, own value 0 in
            # a relative line) is no saving; an overflow stays inf, seen rather than hidden
            saving = np.where(gap > 0, gap, 0.0) * grid.volumes * grid.factor[None, None, :] / 1e6
        result[f"referanse_{i}"] = ref
        result[f"ref_{i}_kommune"] = who
        result[f"innsparing_{i}_mnok"] = np.where(grid.volumes > 0, saving, 0.0)
        result[f"n_peers_{i}"] = n_peers
        result[f"ref_{i}_label"] = labels

    grid.values = values
    # one flat index of the cells that become rows: 1-D takes, in (kommune, year, indicator)
    # order
    flat = np.flatnonzero((~np.isnan(values) & grid.in_group[:, None, None]).ravel())
    k, y, j = np.unravel_index(flat, values.shape)
    sektorer = [s.sektor for s in indicators]
    columns: dict[str, object] = {
        "kommune": _text(grid.kommuner, k),
        "gruppe": _text(grid.group_names, grid.group[k]),
        "aar": np.asarray(grid.years, dtype=np.int64)[y],
        "indikator": _text(grid.indicators, j),
        "sektor": _text(sektorer, j),
        "egen_verdi": values.ravel()[flat],
        "volum": grid.volumes.ravel()[flat],
        "behovsindeks": np.where(grid.need_corrected[None, None, :], grid.need, np.nan).ravel()[
            flat
        ],
    }
    for i in (1, 2):
        columns[f"referanse_{i}"] = result[f"referanse_{i}"].ravel()[flat]
        columns[f"ref_{i}_kommune"] = _text(grid.kommuner, result[f"ref_{i}_kommune"].ravel()[flat])
        columns[f"innsparing_{i}_mnok"] = result[f"innsparing_{i}_mnok"].ravel()[flat]
        columns[f"ref_{i}_label"] = _text(list(result[f"ref_{i}_label"]), j)
        columns[f"n_peers_{i}"] = result[f"n_peers_{i}"].ravel()[flat]
    return pd.DataFrame({c: columns[c] for c in CUBE_COLUMNS}, copy=False)


def _text(uniques: Sequence[str], codes: np.ndarray) -> object:
    """``uniques[codes]`` as a text column, None where the code is -1: taken from the few
    distinct texts, so 700 000 rows are not inferred one string at a time."""
    table = pd.Series([*uniques, None], dtype=object if not uniques else None)
    return table.array.take(np.where(codes >= 0, codes, len(uniques)))


def _override(spec: IndicatorSpec, i: int, default: str) -> str:
    """The line's own reference ``i`` if it has one (as in the savings table), else the
    default."""
    own = spec.referanse_1 if i == 1 else spec.referanse_2
    return default if own is None else own


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
        self.members: list[np.ndarray] = []  # per group: kommune indices, in name order
        self.excluded = np.zeros(0, dtype=bool)
        self.values = np.zeros((0, 0, 0))
        self.volumes = np.zeros((0, 0, 0))
        self.weights: np.ndarray | None = None  # (kommune, year)
        # per line: the need index (kommune, year, indicator); 1.0 for a line without one,
        # NaN where the index is missing or not positive
        self.need = np.zeros((0, 0, 0))
        self.need_corrected = np.zeros(0, dtype=bool)
        self.sign = np.zeros(0)
        self.relativ = np.zeros(0, dtype=bool)
        self.factor = np.zeros(0)

    @classmethod
    def build(
        cls,
        data: pd.DataFrame,
        indicators: Sequence[IndicatorSpec],
        groups: pd.Series,
        *,
        years: Collection[int] | None,
        weight: str | None,
        exclude: Collection[str],
    ) -> _Grid:
        grid = cls()
        # each column factorized once (hashing in C); names and years are then placed by
        # their few hundred distinct values, not row by row
        k_codes, k_uniques = pd.factorize(data["kommune"].astype(str))
        y_codes, y_uniques = pd.factorize(data["aar"].to_numpy().astype(np.int64))
        i_codes, i_uniques = pd.factorize(data["indikator"])
        grid.kommuner = sorted((str(k) for k in k_uniques), key=norwegian_sort_key)
        wanted = None if years is None else {int(y) for y in years}
        grid.years = sorted(int(y) for y in y_uniques if wanted is None or int(y) in wanted)
        grid.indicators = [s.indikator for s in indicators]
        volume_ids = sorted({s.volum for s in indicators})
        k_of = {name: n for n, name in enumerate(grid.kommuner)}
        y_of = {year: n for n, year in enumerate(grid.years)}
        group_of = {name_key(k): str(g) for k, g in groups.dropna().items()}
        grid.group_names = sorted(set(group_of.values()))
        g_of = {g: n for n, g in enumerate(grid.group_names)}
        grid.group = np.array(
            [g_of.get(group_of.get(name_key(k), ""), -1) for k in grid.kommuner], dtype=np.int64
        )
        grid.in_group = grid.group >= 0
        grid.members = [np.flatnonzero(grid.group == g) for g in range(len(grid.group_names))]
        left_out = {name_key(e) for e in exclude}
        grid.excluded = np.array([name_key(k) in left_out for k in grid.kommuner], dtype=bool)
        k_idx = np.array([k_of[str(k)] for k in k_uniques], dtype=np.int64)[k_codes]
        # -1 for a year not asked for
        y_idx = np.array([y_of.get(int(y), -1) for y in y_uniques] + [-1], dtype=np.int64)[y_codes]
        verdi = pd.to_numeric(data["verdi"], errors="coerce").to_numpy(dtype=float)
        shape = (len(grid.kommuner), len(grid.years))
        # each row's (kommune, year) cell as one flat number; -1 for a year not asked for
        cell = np.where(y_idx >= 0, k_idx * len(grid.years) + y_idx, -1)

        def dense(ids: list[str]) -> np.ndarray:
            col = {ind: n for n, ind in enumerate(ids)}
            # -1 for an indicator not asked for (and for a missing id, code -1)
            j = np.array([col.get(u, -1) for u in i_uniques] + [-1], dtype=np.int64)[i_codes]
            rows = np.flatnonzero((j >= 0) & (cell >= 0))
            arr = np.full((*shape, len(ids)), np.nan)
            arr.reshape(-1)[cell[rows] * len(ids) + j[rows]] = verdi[rows]
            return arr

        # an indicator may be asked for twice (two lines with different references)
        unique_ids = list(dict.fromkeys(grid.indicators))
        grid.values = dense(unique_ids)
        if len(unique_ids) < len(grid.indicators):
            at = {ind: n for n, ind in enumerate(unique_ids)}
            grid.values = grid.values[:, :, [at[ind] for ind in grid.indicators]]
        vol_of = {v: n for n, v in enumerate(volume_ids)}
        grid.volumes = dense(volume_ids)[:, :, [vol_of[s.volum] for s in indicators]]
        grid.need_corrected = np.array([bool(s.behov) for s in indicators], dtype=bool)
        grid.need = np.ones_like(grid.values)
        if grid.need_corrected.any():
            need_ids = sorted({s.behov for s in indicators if s.behov})
            need_of = {v: n for n, v in enumerate(need_ids)}
            need = dense(need_ids)
            need = np.where(need > 0, need, np.nan)  # an index of 0 or below is no index
            for j, s in enumerate(indicators):
                if s.behov:
                    grid.need[:, :, j] = need[:, :, need_of[s.behov]]
        if weight is not None and weight in set(i_uniques):
            grid.weights = dense([weight])[:, :, 0]
        grid.sign = np.array([1.0 if s.beste == "lav" else -1.0 for s in indicators])
        grid.relativ = np.array([s.beregning == "relativ" for s in indicators], dtype=bool)
        grid.factor = np.array([float(s.faktor) for s in indicators])
        return grid


def _label(spec: ReferenceSpec, grid: _Grid, mean: MeanOptions) -> str:
    """The label ``compute_reference`` gives the reference (a named municipality in the
    spelling of the data when it is there)."""
    if spec.kind == "snitt":
        return mean_label(include_own=mean.include_own, weighted=mean.weighted)
    if spec.kind == "kommune":
        assert spec.kommune is not None
        wanted = name_key(spec.kommune)
        return next((k for k in grid.kommuner if name_key(k) == wanted), spec.kommune)
    return spec.label


def _reference(
    grid: _Grid, spec: ReferenceSpec, cols: slice | np.ndarray, mean: MeanOptions
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reference values, the index of the municipality supplying them (-1: none) and the
    number of valued peers, for the indicator columns ``cols`` of every (kommune, year); one
    loop over groups, none over kommuner."""
    values = grid.values[:, :, cols]
    ref = np.full(values.shape, np.nan)
    who = np.full(values.shape, -1, dtype=np.int64)
    n_peers = np.zeros(values.shape, dtype=np.int64)
    if spec.kind == "kommune":
        assert spec.kommune is not None
        wanted = name_key(spec.kommune)
        hits = [n for n, k in enumerate(grid.kommuner) if name_key(k) == wanted]
        if hits:
            ref[:] = values[hits[0]][None, :, :]
            valued = ~np.isnan(ref)
            who[:] = np.where(valued, hits[0], -1)
            n_peers[:] = valued
        return ref, who, n_peers
    for members in grid.members:
        v = values[members]  # (m, years, indicators)
        valued = ~np.isnan(v)
        if spec.kind == "nte_beste":
            r, w, n = _nth_best(v, valued, spec.n, grid.sign[cols])
            who[members] = np.where(w >= 0, members[np.maximum(w, 0)], -1)
        else:
            counted = valued & ~grid.excluded[members][:, None, None]
            if spec.kind == "snitt":
                weights = None
                if mean.weighted:
                    assert grid.weights is not None
                    weights = grid.weights[members][:, :, None]
                r, n = _mean(v, counted, include_own=mean.include_own, weights=weights)
            else:
                r, n = _median(v, counted, include_own=mean.include_own)
        ref[members], n_peers[members] = r, n
    return ref, who, n_peers


def _others(x: np.ndarray) -> np.ndarray:
    """For every member (axis 0), the sum of the other members' ``x``: exclusive prefix plus
    exclusive suffix sums, so a member's own value never enters (and never cancels) the sum of
    the others."""
    zero = np.zeros_like(x[:1])
    before = np.concatenate([zero, np.cumsum(x[:-1], axis=0)], axis=0)
    after = np.concatenate([np.cumsum(x[:0:-1], axis=0)[::-1], zero], axis=0)
    total: np.ndarray = before + after
    return total


def _mean(
    v: np.ndarray, counted: np.ndarray, *, include_own: bool, weights: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """The (weighted) mean of the counted values of the others (of all, with include_own)."""
    count = counted.sum(axis=0)
    n = np.broadcast_to(count, v.shape) if include_own else count[None] - counted

    def peers_sum(x: np.ndarray) -> np.ndarray:
        return np.broadcast_to(x.sum(axis=0), v.shape) if include_own else _others(x)

    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if weights is None:
            # sum / count, as pandas' mean
            top = peers_sum(np.where(counted, v, 0.0))
            return np.where(n > 0, top / np.maximum(n, 1), np.nan), n
        good = weights > 0  # NaN is not positive
        w = np.where(counted & good, weights, 0.0)
        top = peers_sum(np.where(w > 0, v, 0.0) * w)
        bottom = peers_sum(w)
        ref = np.where(n > 0, top / np.where(bottom > 0, bottom, np.nan), np.nan)
    bad = counted & ~good
    n_bad = bad.sum(axis=0)[None]
    n_bad = n_bad if include_own else n_bad - bad
    return np.where(n_bad > 0, np.nan, ref), n


def _median(
    v: np.ndarray, counted: np.ndarray, *, include_own: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The median of the counted values of the others (of all, with include_own)."""
    m = v.shape[0]
    key = np.where(counted, v, np.inf)  # not counted: sorted last
    order = np.argsort(key, axis=0, kind="stable")
    ranked = np.take_along_axis(key, order, axis=0)
    count = counted.sum(axis=0)
    if include_own:
        n = np.broadcast_to(count, v.shape)
        skip = np.full(v.shape, m)
    else:
        n = count[None] - counted
        pos = np.empty_like(order)
        np.put_along_axis(pos, order, np.arange(m)[:, None, None], axis=0)
        skip = np.where(counted, pos, m)  # the own value's place in the order, if counted
    lo, hi = np.maximum((n - 1) // 2, 0), np.maximum(n // 2, 0)
    # the k-th of the others is the k-th of the order, or the next one past the own value
    lo = np.minimum(lo + (lo >= skip), m - 1)
    hi = np.minimum(hi + (hi >= skip), m - 1)
    a = np.take_along_axis(ranked, lo, axis=0)
    b = np.take_along_axis(ranked, hi, axis=0)
    with np.errstate(invalid="ignore"):
        middle = np.where(lo == hi, a, (a + b) / 2)
    return np.where(n > 0, middle, np.nan), n


def _nth_best(
    v: np.ndarray, valued: np.ndarray, n: int, sign: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The n-th best value of the others, the member index supplying it (-1: none) and the
    number of valued others."""
    m = v.shape[0]
    key = np.where(valued, v * sign[None, None, :], np.inf)  # missing values sort last
    order = np.argsort(key, axis=0, kind="stable")  # members are in name order: ties by name
    pos = np.empty_like(order)
    np.put_along_axis(pos, order, np.arange(m)[:, None, None], axis=0)
    # the own municipality among the first n pushes the n-th best of the others one down
    want = np.minimum(np.where(pos <= n - 1, n, n - 1), m - 1)
    others = valued.sum(axis=0)[None] - valued
    enough = others >= n
    pick = np.take_along_axis(order, want, axis=0)
    ref = np.where(enough, np.take_along_axis(v, pick, axis=0), np.nan)
    return ref, np.where(enough, pick, -1), others


def cube_sector_summary(cube: pd.DataFrame) -> pd.DataFrame:
    """Savings per municipality, year and sector (million kroner), from :func:`savings_cube`."""
    cols = ["innsparing_1_mnok", "innsparing_2_mnok"]
    return cube.groupby(["kommune", "gruppe", "aar", "sektor"], as_index=False, sort=True)[
        cols
    ].sum()
