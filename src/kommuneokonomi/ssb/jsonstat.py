"""A small, strict reader for JSON-stat 2.0 datasets, as SSB's PxWebApi returns them.

Pure: no I/O. A dataset (https://json-stat.org/format/) has ``id`` (the dimension codes in
order), ``size`` (the number of categories of each), ``dimension`` (per code: ``label`` and
``category`` with ``index`` and ``label``), ``value`` (in row-major order: the last dimension
varies fastest) and optionally ``status`` (a symbol per cell, e.g. ``..`` where the value is
missing and therefore ``null``).

:func:`parse_dataset` validates that structure (sizes agree with the categories, the value
count with the product of the sizes) and :meth:`Dataset.frame` lays it out long: one row per
cell, a column per dimension code holding the category code, a ``<code>_label`` column holding
its label, ``value`` (float, NaN where missing) and ``status`` (the symbol or None).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import FetchError

__all__ = ["Dataset", "Dimension", "parse_dataset"]


@dataclass(frozen=True)
class Dimension:
    """One dimension: its code, label and categories (codes in index order, their labels)."""

    id: str
    label: str
    codes: tuple[str, ...]
    labels: tuple[str, ...]

    def label_of(self, code: str) -> str:
        return self.labels[self.codes.index(code)]


@dataclass(frozen=True)
class Dataset:
    """A decoded JSON-stat2 dataset.

    Attributes:
        label: the dataset's title (SSB: ``"12134: Finansielle nøkkeltall ..."``).
        source: ``source`` (``"Statistisk sentralbyrå"``).
        updated: ``updated`` (ISO time of SSB's last update), or None.
        dimensions: the dimensions in ``id`` order.
        values: one float per cell in row-major order (NaN where null).
        status: one symbol per cell (None where there is none).
        notes: the dataset's ``note`` texts.
    """

    label: str
    source: str
    updated: str | None
    dimensions: tuple[Dimension, ...]
    values: tuple[float, ...]
    status: tuple[str | None, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.dimensions)

    @property
    def size(self) -> tuple[int, ...]:
        return tuple(len(d.codes) for d in self.dimensions)

    def dimension(self, dim_id: str) -> Dimension:
        for d in self.dimensions:
            if d.id == dim_id:
                return d
        raise KeyError(dim_id)

    def frame(self) -> pd.DataFrame:
        """One row per cell: ``<dim>``, ``<dim>_label`` for each dimension, ``value``, ``status``.

        Codes, labels and status are object columns (status None where there is none). Row
        order is the dataset's (row-major: the last dimension varies fastest).
        """
        n = len(self.values)
        columns: dict[str, Any] = {}
        if n == 0:
            for d in self.dimensions:
                columns[d.id] = pd.Series([], dtype=object)
                columns[f"{d.id}_label"] = pd.Series([], dtype=object)
            columns["value"] = pd.Series([], dtype=float)
            columns["status"] = pd.Series([], dtype=object)
            return pd.DataFrame(columns)
        stride = n
        for d in self.dimensions:
            k = len(d.codes)
            stride //= k
            positions = (np.arange(n) // stride) % k
            columns[d.id] = pd.Series(np.asarray(d.codes, dtype=object)[positions], dtype=object)
            columns[f"{d.id}_label"] = pd.Series(
                np.asarray(d.labels, dtype=object)[positions], dtype=object
            )
        columns["value"] = pd.Series(np.asarray(self.values, dtype=float), dtype=float)
        # object, so a cell without a status holds None (pandas would make it NaN)
        columns["status"] = pd.Series(list(self.status), dtype=object)
        return pd.DataFrame(columns)

    def cell(self, **codes: str) -> tuple[float, str | None]:
        """The value and status of the cell with these category codes (one per dimension)."""
        index = 0
        for d in self.dimensions:
            if d.id not in codes:
                raise KeyError(d.id)
            index = index * len(d.codes) + d.codes.index(codes[d.id])
        return self.values[index], self.status[index]


def _bad(message: str) -> FetchError:
    return FetchError(
        f"svaret fra SSB er ikke et gyldig JSON-stat2-datasett: {message}", code="ssb_ugyldig_svar"
    )


def parse_dataset(source: bytes | str | Mapping[str, Any]) -> Dataset:
    """Decode and validate a JSON-stat 2.0 dataset.

    Args:
        source: the response body (bytes or text) or the already decoded JSON object.

    Raises:
        FetchError: code ``ssb_ugyldig_svar``: not JSON, not a dataset, or inconsistent
            (sizes, categories, value count, non-numeric values).
    """
    obj: Any = source
    if isinstance(source, bytes | str):
        try:
            obj = json.loads(source)
        except (ValueError, UnicodeDecodeError) as exc:
            raise FetchError(
                f"svaret fra SSB er ikke gyldig JSON ({exc})", code="ssb_ugyldig_svar"
            ) from exc
    if not isinstance(obj, Mapping):
        raise _bad("svaret er ikke et JSON-objekt")
    if obj.get("class", "dataset") != "dataset":
        raise _bad(f"klassen er '{obj.get('class')}', ikke 'dataset'")
    ids = obj.get("id")
    sizes = obj.get("size")
    dims = obj.get("dimension")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise _bad("mangler 'id' (listen over dimensjoner)")
    if not isinstance(sizes, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in sizes
    ):
        raise _bad("mangler 'size' (antall kategorier per dimensjon)")
    if len(ids) != len(sizes):
        raise _bad(f"'id' har {len(ids)} dimensjoner, men 'size' har {len(sizes)}")
    if len(set(ids)) != len(ids):
        raise _bad("en dimensjon står to ganger i 'id'")
    if not isinstance(dims, Mapping):
        raise _bad("mangler 'dimension'")
    dimensions = tuple(
        _dimension(dim_id, dims.get(dim_id), size) for dim_id, size in zip(ids, sizes, strict=True)
    )
    n = math.prod(sizes)
    values = _values(obj.get("value"), n)
    status = _status(obj.get("status"), n)
    notes = obj.get("note") or []
    return Dataset(
        label=str(obj.get("label") or ""),
        source=str(obj.get("source") or ""),
        updated=str(obj["updated"]) if obj.get("updated") else None,
        dimensions=dimensions,
        values=values,
        status=status,
        notes=tuple(str(t) for t in notes) if isinstance(notes, list) else (str(notes),),
    )


def _dimension(dim_id: str, raw: object, size: int) -> Dimension:
    if not isinstance(raw, Mapping):
        raise _bad(f"dimensjonen '{dim_id}' mangler i 'dimension'")
    category = raw.get("category")
    if not isinstance(category, Mapping):
        raise _bad(f"dimensjonen '{dim_id}' mangler 'category'")
    index = category.get("index")
    labels = category.get("label")
    codes: list[str]
    if index is None:
        # JSON-stat allows a single category given by its label alone.
        if isinstance(labels, Mapping) and len(labels) == 1:
            codes = [str(k) for k in labels]
        else:
            raise _bad(f"dimensjonen '{dim_id}' mangler 'category.index'")
    elif isinstance(index, Mapping):
        positions = list(index.values())
        if sorted(positions) != list(range(len(positions))) or not all(
            isinstance(p, int) and not isinstance(p, bool) for p in positions
        ):
            raise _bad(f"'category.index' for '{dim_id}' er ikke nummerert 0, 1, 2, ...")
        codes = [str(code) for code, _ in sorted(index.items(), key=lambda kv: int(kv[1]))]
    elif isinstance(index, list):
        codes = [str(c) for c in index]
        if len(set(codes)) != len(codes):
            raise _bad(f"'category.index' for '{dim_id}' har en kode to ganger")
    else:
        raise _bad(f"'category.index' for '{dim_id}' er verken liste eller objekt")
    if len(codes) != size:
        raise _bad(f"dimensjonen '{dim_id}' har {len(codes)} kategorier, men 'size' sier {size}")
    if labels is not None and not isinstance(labels, Mapping):
        raise _bad(f"'category.label' for '{dim_id}' er ikke et objekt")
    label_map = labels or {}
    return Dimension(
        id=dim_id,
        label=str(raw.get("label") or dim_id),
        codes=tuple(codes),
        labels=tuple(str(label_map.get(c, c)) for c in codes),
    )


def _number(raw: object, position: int) -> float:
    if raw is None:
        return math.nan
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise _bad(f"verdi nummer {position} er ikke et tall: {raw!r}")
    return float(raw)


def _values(raw: object, n: int) -> tuple[float, ...]:
    if isinstance(raw, list):
        if len(raw) != n:
            raise _bad(f"'value' har {len(raw)} verdier, men dimensjonene gir {n} celler")
        return tuple(_number(v, i) for i, v in enumerate(raw))
    if isinstance(raw, Mapping):  # sparse: {"position": value}
        out = [math.nan] * n
        for key, v in raw.items():
            out[_position(key, n, "value")] = _number(v, int(key))
        return tuple(out)
    if raw is None and n == 0:
        return ()
    raise _bad("mangler 'value'")


def _status(raw: object, n: int) -> tuple[str | None, ...]:
    if raw is None:
        return (None,) * n
    if isinstance(raw, str):  # one status for every cell
        return (raw,) * n
    if isinstance(raw, list):
        if len(raw) != n:
            raise _bad(f"'status' har {len(raw)} koder, men dimensjonene gir {n} celler")
        return tuple(None if s is None else str(s) for s in raw)
    if isinstance(raw, Mapping):
        out: list[str | None] = [None] * n
        for key, s in raw.items():
            out[_position(key, n, "status")] = None if s is None else str(s)
        return tuple(out)
    raise _bad("'status' er verken tekst, liste eller objekt")


def _position(key: object, n: int, what: str) -> int:
    try:
        position = int(str(key))
    except ValueError:
        raise _bad(f"'{what}' har nøkkelen {key!r}, som ikke er et cellenummer") from None
    if not 0 <= position < n:
        raise _bad(f"'{what}' har cellenummer {position}, men det er bare {n} celler")
    return position
