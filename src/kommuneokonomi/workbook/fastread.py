"""Fast reading of named tables with python-calamine (Rust), for large workbooks.

openpyxl builds a Python object per cell: 14-34 s for a national tblData of 712 000 rows on
this project's machine; calamine reads the same table in 1-3 s. This adapter implements the
service's ``BookReader`` interface (``name``, ``table_names``, ``read_table``) over calamine, so
the service reads through it unchanged. Values are those Excel last calculated, as with
openpyxl's ``data_only``.

The file is first checked by :func:`kommuneokonomi.workbook.files.check_package` (type, size
limits, encryption), so a hostile package is refused before calamine parses it.
"""

from __future__ import annotations

import html
import os
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import LayoutError, Location
from .files import check_package
from .layout import TableSpec
from .tables import RawTable

__all__ = ["CalamineBook", "calamine_available"]


def calamine_available() -> bool:
    """Whether python-calamine can be imported here."""
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return False
    return True


class CalamineBook:
    """A workbook file read through python-calamine.

    Raises:
        LayoutError: the file is not a readable workbook.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        import python_calamine

        self.path = Path(path)
        check_package(self.path)
        try:
            self._book: Any = python_calamine.CalamineWorkbook.from_path(
                str(self.path), load_tables=True
            )
        except BaseException as exc:  # calamine's errors, and pyo3 panics (BaseException)
            _reraise_interrupts(exc)
            raise LayoutError(
                f"filen kan ikke leses som Excel-fil ({type(exc).__name__})",
                code="ugyldig_fil",
                location=Location(file=self.path.name),
            ) from exc

    @property
    def name(self) -> str:
        return self.path.name

    def table_names(self) -> set[str]:
        return {str(n) for n in self._book.table_names}

    def _unreadable(self, spec: TableSpec, exc: BaseException) -> LayoutError:
        return LayoutError(
            f"arket med tabellen {spec.name} kan ikke leses; filen kan være skadet "
            f"({type(exc).__name__})",
            code="ugyldig_fil",
            location=Location(file=self.name, sheet=spec.sheet),
        )

    def read_table(self, spec: TableSpec) -> RawTable:
        """The named table's header and data rows as Excel last calculated them."""
        if spec.name not in self.table_names():
            raise LayoutError(
                f"fant ikke tabellen {spec.name} (ventet på arket '{spec.sheet}')",
                code="mangler_tabell",
                location=Location(file=self.name, sheet=spec.sheet),
            )
        try:  # calamine parses a sheet when it is first read: a broken one fails here
            table = self._book.get_table_by_name(spec.name)
            first_row, first_col = table.start  # 0-based position of the first DATA cell
            rows = _plain_rows(table.to_python())
        except BaseException as exc:  # calamine's errors, and pyo3 panics (BaseException)
            _reraise_interrupts(exc)
            raise self._unreadable(spec, exc) from exc
        # calamine reads an Excel error value (#DIV/0!, #N/A) as an empty cell; put the error
        # back so validation rejects it as it does with openpyxl, instead of reading "missing"
        try:
            errors = _error_cells(self.path, str(table.sheet))
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, zlib.error) as exc:
            raise self._unreadable(spec, exc) from exc
        for (r, c), error in errors.items():
            i, j = r - (first_row + 1), c - (first_col + 1)
            if 0 <= i < len(rows) and 0 <= j < len(rows[i]):
                rows[i][j] = error
        return RawTable(
            name=spec.name,
            sheet=str(table.sheet),
            top=int(first_row),  # the header sits on the row above: 1-based, that is first_row
            left=int(first_col) + 1,
            headers=[str(h) for h in table.columns],
            rows=rows,
        )


_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_REL = re.compile(rb"<Relationship\b[^>]*>")
_ATTR = re.compile(rb'(\w+)="([^"]*)"')
_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?t="e"[^>]*>(?:<f>.*?</f>)?<v>([^<]*)</v>')


def _error_cells(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """1-based (row, column) -> Excel error text of the error-valued cells of ``sheet``."""
    with zipfile.ZipFile(path) as z:
        workbook = z.read("xl/workbook.xml")
        rels: dict[bytes, bytes] = {}
        for tag in _REL.findall(z.read("xl/_rels/workbook.xml.rels")):
            attrs = dict(_ATTR.findall(tag))  # attribute order differs between writers
            rels[attrs.get(b"Id", b"")] = attrs.get(b"Target", b"")
        target = None
        for tag in _SHEET.findall(workbook):
            attrs = dict(_ATTR.findall(tag))
            name, rid = attrs.get(b"name", b""), attrs.get(b"id", b"")  # r:id matches as "id"
            if html.unescape(name.decode("utf-8")) == sheet and rid in rels:
                target = rels[rid].decode("utf-8")
        if target is None:
            return {}
        part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        xml = z.read(part)
    if b't="e"' not in xml:
        return {}
    found: dict[tuple[int, int], str] = {}
    for letters, number, value in _ERROR_CELL.findall(xml):
        col = 0
        for ch in letters.decode("ascii"):
            col = col * 26 + (ord(ch) - 64)
        found[(int(number), col)] = value.decode("utf-8")
    return found


def _reraise_interrupts(exc: BaseException) -> None:
    """Ctrl-C and exits are not file problems: let them through."""
    if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
        raise exc


def _plain_rows(rows: list[list[object]]) -> list[list[object]]:
    """Calamine's empty strings as None, like openpyxl's empty cells. For a rectangular table
    numpy finds them in one pass and only those cells are changed, in calamine's own row lists
    (700 000 rows: 0.2 s instead of 0.8 s cell by cell)."""
    try:
        grid = np.array(rows, dtype=object)
    except ValueError:
        grid = None
    if grid is None or grid.ndim != 2:
        return [[_plain(v) for v in row] for row in rows]
    for i, j in zip(*np.nonzero(grid == ""), strict=True):
        rows[i][j] = None
    return rows


def _plain(value: object) -> object:
    """Calamine's empty string for an empty cell becomes None, like openpyxl's."""
    return None if value == "" else value
