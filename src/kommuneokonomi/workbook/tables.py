"""From raw table cells to validated DataFrames, with the cell of every value kept.

Shared by both adapters (files via openpyxl, live books via xlwings): an adapter hands over a
:class:`RawTable` (headers and rows as Excel gave them, and where the table sits); this module
checks the headers against the contract, reads each cell by its column type, and reports every
problem at once with sheet and cell. It imports no Excel library.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from numbers import Real

import pandas as pd

from ..engine.values import parse_number
from ..errors import InputError, InputErrors, KommuneokonomiError, LayoutError, Location
from .layout import Column, TableSpec

__all__ = ["EXCEL_ERRORS", "RawTable", "ReadTable", "cell_address", "column_letter", "to_frame"]

#: Excel's error values as they arrive from a file or a live book.
EXCEL_ERRORS = frozenset(
    {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!"}
)


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_address(row: int, col: int) -> str:
    """(4, 2) -> ``B4``."""
    return f"{column_letter(col)}{row}"


@dataclass(frozen=True)
class RawTable:
    """A named table as an adapter read it.

    Attributes:
        name: the table's name (``tblData``).
        sheet: the sheet it sits on.
        top: Excel row number of the header row.
        left: Excel column number of the first column.
        headers: the header texts, left to right.
        rows: the data rows, raw cell values (None for empty).
    """

    name: str
    sheet: str
    top: int
    left: int
    headers: list[str]
    rows: list[list[object]]

    def location(self, row_index: int | None = None, col_index: int = 0) -> Location:
        """Where data row ``row_index`` (0-based, None = header row) and column sit."""
        row = self.top if row_index is None else self.top + 1 + row_index
        return Location(sheet=self.sheet, cell=cell_address(row, self.left + col_index))


@dataclass
class ReadTable:
    """A validated table: values by engine column name, and each value's cell."""

    spec: TableSpec
    raw: RawTable
    frame: pd.DataFrame
    cells: dict[tuple[int, str], Location] = field(default_factory=dict)

    def cell(self, row: int, column: str) -> Location:
        """The cell of data row ``row`` (0-based) in engine column ``column``."""
        return self.cells[(row, column)]

    def find_row(self, **match: object) -> int | None:
        """The first row whose columns equal ``match`` (text compared without case/space)."""
        for i, rec in enumerate(self.frame.to_dict("records")):
            if all(_same(rec.get(k), v) for k, v in match.items()):
                return i
        return None


def _same(a: object, b: object) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return str(a).strip().casefold() == str(b).strip().casefold()
    return a == b


def to_frame(raw: RawTable, spec: TableSpec) -> ReadTable:
    """Check headers and read every cell by its column type.

    Raises:
        LayoutError: a required column is missing (names the header row's cell).
        InputErrors: every cell that cannot be read, each with sheet and cell.
    """
    positions: dict[str, int] = {}
    normalized = [str(h).strip().casefold() if h is not None else "" for h in raw.headers]
    missing: list[KommuneokonomiError] = []
    for column in spec.columns:
        key = column.header.casefold()
        if key in normalized:
            positions[column.name] = normalized.index(key)
        elif column.required:
            missing.append(
                LayoutError(
                    f"tabellen {spec.name} mangler kolonnen '{column.header}' "
                    f"(overskriftene er: {', '.join(str(h) for h in raw.headers)})",
                    code="mangler_kolonne",
                    location=raw.location(None, len(raw.headers)),
                )
            )
    InputErrors.raise_if_any(missing)

    problems: list[KommuneokonomiError] = []
    columns: dict[str, list[object]] = {c.name: [] for c in spec.columns if c.name in positions}
    cells: dict[tuple[int, str], Location] = {}
    kept = 0
    for i, row in enumerate(raw.rows):
        if all(_empty(v) for v in row):
            continue  # a blank row inside a table carries nothing
        for column in spec.columns:
            if column.name not in positions:
                continue
            j = positions[column.name]
            value = row[j] if j < len(row) else None
            loc = raw.location(i, j)
            cells[(kept, column.name)] = loc
            try:
                columns[column.name].append(_read(value, column))
            except ValueError as exc:
                problems.append(
                    InputError(
                        f"kolonnen '{column.header}': {exc}", code="ugyldig_celle", location=loc
                    )
                )
                columns[column.name].append(None)
        kept += 1
    InputErrors.raise_if_any(problems)
    frame = pd.DataFrame(columns, dtype=object)
    for column in spec.columns:
        if column.name not in frame:
            frame[column.name] = pd.Series([None] * len(frame), dtype=object)
    return ReadTable(spec=spec, raw=raw, frame=frame, cells=cells)


def _shown(value: dt.datetime | dt.date | dt.time | dt.timedelta) -> str:
    """A date or time as a Norwegian user sees it: 02.01.2020, 13:45."""
    if isinstance(value, dt.datetime):
        return f"{value:%d.%m.%Y}" + ("" if value.time() == dt.time() else f" {value:%H:%M}")
    if isinstance(value, dt.date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, dt.time):
        return f"{value:%H:%M}"
    return str(value)


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _read(value: object, column: Column) -> object:
    """One cell by its column type; raises ValueError with a Norwegian reason."""
    if isinstance(value, str) and value.strip() in EXCEL_ERRORS:
        raise ValueError(f"cellen har Excel-feilen {value.strip()}")
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        if column.type == "tekst":
            return str(value)
        raise ValueError(
            f"'{_shown(value)}' er en dato eller et klokkeslett, ikke et tall (har cellen fått "
            "datoformat? Gi den formatet Tall)"
        )
    if column.type == "tekst":
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()
    if column.type == "janei":
        text = "" if value is None else str(value).strip().lower()
        if text in {"ja", "nei", ""}:
            return text or None
        raise ValueError(f"'{value}' er ikke Ja eller Nei")
    if _empty(value):
        if column.type == "verdi":
            return None
        raise ValueError("cellen er tom, men må ha et tall")
    if column.type == "verdi":
        # KOSTRA symbols stay text so the engine can tell "missing" from "zero"
        number, symbol = parse_number(value)
        return value.strip() if symbol and isinstance(value, str) else number
    number, symbol = parse_number(value)
    if symbol is not None or math.isnan(number):
        raise ValueError(f"'{value}' er ikke et tall")
    if column.type == "heltall":
        if not float(number).is_integer():
            raise ValueError(f"'{value}' er ikke et helt tall")
        if abs(number) >= 2**53:
            raise ValueError(f"'{value}' er for stort til å være et årstall eller antall")
        return int(number)
    return float(number) if isinstance(number, Real) else number
