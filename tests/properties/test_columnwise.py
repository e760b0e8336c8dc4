"""The column-wise readers equal the cell-by-cell rules they replace.

``to_frame`` and ``clean_data`` read 700 000-row tables with numpy, one column at a time, and
fall back to the one-cell rules (``tables._read``, ``values.parse_number``) only for unusual
cells. These properties check, on tables mixing every kind of cell Excel, calamine, xlwings or a
careless user can give, that the fast path gives the same values, the same cells and the same
messages as applying the one-cell rules to every cell in reading order.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kommuneokonomi.engine import values as V
from kommuneokonomi.errors import InputErrors, KommuneokonomiError
from kommuneokonomi.workbook import tables as T
from kommuneokonomi.workbook.layout import Column, TableSpec

SPEC = TableSpec(
    name="tblProve",
    sheet="Prøve",
    columns=(
        Column("Navn", "navn", "tekst"),
        Column("År", "aar", "heltall"),
        Column("Faktor", "faktor", "tall"),
        Column("Verdi", "verdi", "verdi"),
        Column("Med", "med", "janei"),
        Column("Merknad", "merknad", "tekst", required=False),
    ),
)

CELLS = st.one_of(
    st.none(),
    st.sampled_from(["", "  ", "Bergen", " Bergen ", "bergen", "Tromsø", "12", " 1 234,5 ", "0,5"]),
    st.sampled_from(["..", ".", "...", ":", "-", "…", " .. ", "abc", "#DIV/0!", " #N/A ", "Ja"]),
    st.sampled_from(["nei", "NEI", "x1", "1e5", "2020", "2020.5", "\u00a01\u00a0000"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=1990, max_value=2030).map(round).map(float),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.sampled_from([2**53, 2**1100, True, False, 0, -0.0, np.float64(3.5), np.int64(7)]),
    st.sampled_from([dt.date(2020, 1, 2), dt.datetime(2020, 1, 2, 13, 45), dt.time(13, 45)]),
    st.sampled_from([[1, 2], (3,), [None]]),
)


def reference_to_frame(raw: T.RawTable, spec: TableSpec) -> tuple[pd.DataFrame, list[str], dict]:
    """The one-cell rules applied to every cell, row by row: values, messages, cells."""
    headers = [str(h).strip().casefold() for h in raw.headers]
    positions = {
        c.name: headers.index(c.header.casefold())
        for c in spec.columns
        if c.header.casefold() in headers
    }
    columns: dict[str, list[object]] = {name: [] for name in positions}
    messages: list[str] = []
    cells: dict[tuple[int, str], object] = {}
    kept = 0
    for i, row in enumerate(raw.rows):
        if all(T._empty(v) for v in row):
            continue
        for column in spec.columns:
            if column.name not in positions:
                continue
            j = positions[column.name]
            value = row[j] if j < len(row) else None
            cells[(kept, column.name)] = raw.location(i, j)
            try:
                columns[column.name].append(T._read(value, column))
            except ValueError as exc:
                messages.append(f"{raw.location(i, j)}: kolonnen '{column.header}': {exc}")
                columns[column.name].append(None)
        kept += 1
    return pd.DataFrame(columns, dtype=object), messages, cells


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.lists(CELLS, min_size=0, max_size=7), min_size=0, max_size=25),
    with_optional=st.booleans(),
)
def test_to_frame_equals_reading_each_cell(rows: list[list[object]], with_optional: bool) -> None:
    headers = [c.header for c in SPEC.columns if with_optional or c.required]
    raw = T.RawTable(name=SPEC.name, sheet=SPEC.sheet, top=3, left=2, headers=headers, rows=rows)
    want, messages, cells = reference_to_frame(raw, SPEC)
    try:
        got = T.to_frame(raw, SPEC)
    except KommuneokonomiError as exc:
        errors = list(exc) if isinstance(exc, InputErrors) else [exc]
        assert [f"{e.location}: {e.message}" for e in errors] == messages
        return
    assert messages == []
    assert len(got.frame) == len(want)
    for name in want.columns:
        for a, b in zip(got.frame[name], want[name], strict=True):
            assert same(a, b), (name, a, b)
    assert dict(got.cells) == cells


DATA_CELLS = {
    "kommune": st.one_of(
        st.none(),
        st.sampled_from(["Bergen", " Bergen", "Oslo", "", "  ", "Ås"]),
        st.floats(allow_nan=True).map(lambda f: f if math.isnan(f) else 1.0),
    ),
    "aar": st.one_of(
        st.sampled_from([2019, 2020, 2020.0, 2020.5, "2021", " 2020", True, None, 2**60, "x"]),
        st.floats(allow_nan=True, allow_infinity=True),
    ),
    "indikator": st.one_of(st.none(), st.sampled_from(["ind_a", "ind_b ", " ind_a", "", 3])),
    "verdi": CELLS.filter(lambda v: not isinstance(v, list | tuple | dt.date | dt.time)),
}


def reference_clean(data: pd.DataFrame) -> tuple[list[tuple], list[str]]:
    """The old row-by-row rules: values, years and names per row, and every message."""
    out: list[tuple] = []
    messages: list[str] = []
    for label, (kommune, aar, indikator, raw) in zip(
        data.index, data[list(V.DATA_COLUMNS)].itertuples(index=False), strict=True
    ):
        year = V._parse_year(aar)
        name = "" if V._blank(kommune) else str(kommune).strip()
        ind = "" if V._blank(indikator) else str(indikator).strip()
        where = (name or None, ind or None, year, label)
        if year is None:
            messages.append(f"{where} året '{aar}' er ikke et helt årstall")
        if not name:
            messages.append(f"{where} kommunenavn mangler")
        if not ind:
            messages.append(f"{where} indikator mangler")
        try:
            value, note = V.parse_number(raw)
        except ValueError as exc:
            messages.append(f"{where} {exc}")
            value, note = math.nan, None
        out.append((name, year if year is not None else -1, ind, value, note))
    seen: set[tuple] = set()
    for label, (name, year, ind, _, _) in zip(data.index, out, strict=True):
        if (name, year, ind) in seen:
            messages.append(
                f"{(name, ind, year, label)} verdien står mer enn én gang (samme kommune, år og indikator)"
            )
        seen.add((name, year, ind))
    return out, messages


def shown(err: KommuneokonomiError) -> str:
    c = err.context
    return f"{(c.kommune, c.indikator, c.aar, c.rad)} {err.message}"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.fixed_dictionaries(DATA_CELLS), min_size=0, max_size=30))
def test_clean_data_equals_the_row_rules(rows: list[dict[str, object]]) -> None:
    data = pd.DataFrame(rows, columns=list(V.DATA_COLUMNS), dtype=object)
    want, messages = reference_clean(data)
    try:
        got = V.clean_data(data)
    except KommuneokonomiError as exc:
        errors = list(exc) if isinstance(exc, InputErrors) else [exc]
        assert sorted(shown(e) for e in errors) == sorted(messages)
        return
    assert messages == []
    assert len(got) == len(want)
    for (name, year, ind, value, note), row in zip(want, got.itertuples(index=False), strict=True):
        assert (row.kommune, row.aar, row.indikator, row.merknad) == (name, year, ind, note)
        assert same(float(row.verdi), float(value))


VALID_ROW = st.tuples(
    st.one_of(st.none(), st.sampled_from(["Bergen", " Oslo ", "", "Ås", "12"])),
    st.one_of(
        st.sampled_from([2020, 2020.0, "2021", -0.0, np.int64(2019)]), st.integers(-(2**52), 2**52)
    ),
    st.one_of(
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from([3, "1 234,5", " 7 ", np.float64(2.5)]),
    ),
    st.one_of(
        st.none(),
        st.floats(allow_nan=True, allow_infinity=False),
        st.sampled_from(["..", ":", "", " - ", "0,25", 4]),
    ),
    st.sampled_from([None, "Ja", "nei", " NEI "]),
    st.one_of(st.none(), st.text(alphabet="ab æ\u00a0", max_size=4)),
).map(list)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(VALID_ROW, st.just([None, " ", None, "", None, None])), max_size=40))
def test_to_frame_values_equal_reading_each_cell(rows: list[list[object]]) -> None:
    raw = T.RawTable(
        name=SPEC.name, sheet=SPEC.sheet, top=1, left=1, headers=SPEC.headers, rows=rows
    )
    want, messages, cells = reference_to_frame(raw, SPEC)
    assert messages == []
    got = T.to_frame(raw, SPEC)
    assert len(got.frame) == len(want) == sum(1 for r in rows if not all(T._empty(v) for v in r))
    for name in want.columns:
        for a, b in zip(got.frame[name], want[name], strict=True):
            assert same(a, b), (name, a, b)
    assert dict(got.cells) == cells


VALID_DATA = st.fixed_dictionaries(
    {
        "kommune": st.sampled_from(["Bergen", " Bergen", "Oslo", "Ås", "Trondheim "]),
        "aar": st.sampled_from([2019, 2020, 2020.0, "2021", np.int64(2018)]),
        "indikator": st.sampled_from(["ind_a", "ind_b ", " ind_c", "ind_d"]),
        "verdi": st.one_of(
            st.none(),
            st.floats(allow_nan=True, allow_infinity=False),
            st.sampled_from(["..", ":", "", "1 234,5", 3]),
        ),
    }
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        VALID_DATA,
        max_size=30,
        unique_by=lambda r: (
            str(r["kommune"]).strip(),
            str(int(float(r["aar"]))),
            str(r["indikator"]).strip(),
        ),
    )
)
def test_clean_data_values_equal_the_row_rules(rows: list[dict[str, object]]) -> None:
    data = pd.DataFrame(rows, columns=list(V.DATA_COLUMNS), dtype=object)
    want, messages = reference_clean(data)
    assert messages == []
    got = V.clean_data(data)
    for (name, year, ind, value, note), row in zip(want, got.itertuples(index=False), strict=True):
        assert (row.kommune, row.aar, row.indikator, row.merknad) == (name, year, ind, note)
        assert same(float(row.verdi), float(value))
