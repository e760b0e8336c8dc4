"""Fast reading of named tables with python-calamine (Rust): the reader of workbook files.

openpyxl builds a Python object per cell: 14-34 s for a national tblData of 712 000 rows on
this project's machine; calamine reads the same table in 1-3 s. This adapter implements the
service's ``BookReader`` interface (``name``, ``table_names``, ``read_table``) over calamine, so
the service reads through it unchanged. Values are those Excel last calculated, as with
openpyxl's ``data_only``.

What calamine does not do, this module does, so a table reads exactly as through openpyxl
(:class:`kommuneokonomi.workbook.files.FileBook`; ``tests/workbook/test_reader_parity.py``):

* which cells a table has (header row, data rows, no total row) and the refusal of merged
  cells and of a table without a header row: :func:`kommuneokonomi.workbook.tables.table_body`,
  the one answer both readers ask, from the table part's ``ref``, ``headerRowCount`` and
  ``totalsRowCount`` and the sheet's ``<mergeCell>`` ranges. The table is cut out of the
  sheet's cells here, never by calamine's own table reading, which allocates every cell a
  table claims (a table part claiming A1:XFD1048576 aborts the process);
* error values (``#DIV/0!``, ``#N/A``): calamine reads them as empty cells, and refuses the
  whole sheet for one it does not know (``#SPILL!``, ``#CALC!``, a value with spaces). The
  sheet's XML is scanned for error cells in every form Excel, LibreOffice and other writers
  use, and their text is put back; a sheet calamine would refuse is read from a copy whose
  error values say ``#N/A``;
* refusals with FileBook's messages: a DTD anywhere in a part's prolog (defusedxml's refusal
  in openpyxl; calamine would not expand the entities but fail on them, or read on), and a
  damaged sheet (named in the message, which FileBook cannot do).

The file is first checked by :func:`kommuneokonomi.workbook.files.check_package` (type, size
limits, encryption, no DTD in the first bytes), so a hostile package is refused before
calamine parses it.
"""

from __future__ import annotations

import html
import io
import os
import posixpath
import re
import threading
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element
from xml.parsers import expat

import numpy as np
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring, iterparse

from ..errors import LayoutError, Location
from .files import check_package, damaged_file, dangerous_xml
from .layout import TableSpec
from .tables import UNCALCULATED, Bounds, RawTable, range_bounds, table_body

__all__ = ["CalamineBook", "calamine_available"]


def calamine_available() -> bool:
    """Whether python-calamine can be imported here."""
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class _TablePart:
    """A named table as its part states it."""

    name: str
    sheet: str
    sheet_part: str  # the sheet's XML part in the package, e.g. xl/worksheets/sheet4.xml
    ref: str  # header and total row included, e.g. A3:D7
    header_rows: int | None  # headerRowCount; None: not stated (1)
    total_rows: int | None  # totalsRowCount; None: not stated (0)


@dataclass
class _SheetScan:
    """What calamine does not report about a sheet.

    Attributes:
        errors: 1-based (row, column) -> the error text of each error-valued cell, as written
            in the file (openpyxl gives the same text).
        merged: the merged ranges.
        value_spans: byte spans of the error values calamine refuses (see :data:`_CALAMINE_ERRORS`)
            in the sheet's XML; empty when calamine can read the sheet as it is.
    """

    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    merged: list[Bounds] = field(default_factory=list)
    value_spans: list[tuple[int, int]] = field(default_factory=list)
    uncalculated: set[tuple[int, int]] = field(default_factory=set)


# Read errors of a damaged package (a missing or broken part), and of its XML.
_PACKAGE_ERRORS = (
    zipfile.BadZipFile,
    KeyError,
    OSError,
    ValueError,
    zlib.error,
    EOFError,
    ParseError,
    DefusedXmlException,
)


class CalamineBook:
    """A workbook file read through python-calamine.

    Opening the file does what opening it with openpyxl (:class:`FileBook`) does: every XML
    part is parsed (well-formed, no DTD) and the sheets that hold named tables are read, so a
    damaged or hostile file is refused here, once, with FileBook's message. calamine passes
    over damage openpyxl refuses (a stray NUL byte, mismatched end tags), so the parts are
    parsed with expat too, in a thread beside calamine's reading of the sheets, which leaves
    the GIL free: a national workbook (a 125 MB sheet, 2.5 s of expat) opens and reads its
    tblData in about 4.3 s instead of 3.7 s on two cores.

    Raises:
        LayoutError: the file is not a readable workbook, is damaged, or holds a DTD.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        import python_calamine

        self.path = Path(path)
        check_package(self.path)
        self._sheet_parts: dict[str, str] = {}  # worksheet part -> sheet name
        try:
            self._tables, self._sheet_parts = _table_parts(self.path)
        except DefusedXmlException as exc:
            raise self._dangerous() from exc
        except _PACKAGE_ERRORS as exc:
            raise self._damaged(exc) from exc
        parts = _PartsCheck(self.path)
        # the sheets the tables sit on: scanned (error cells, merged ranges) and parsed by
        # calamine, each once, while the thread parses every part
        self._sheets: dict[str, tuple[_SheetScan, Any]] = {}
        part: str | None = None
        try:
            book = python_calamine.CalamineWorkbook.from_path(str(self.path))
            for table in self._tables.values():
                part = table.sheet_part
                if part not in self._sheets:
                    self._sheets[part] = self._read_sheet(book, table)
        except _DtdFound as exc:
            parts.result()
            raise self._dangerous() from exc
        except LayoutError:
            parts.result()
            raise
        except BaseException as exc:  # calamine's errors, and pyo3 panics (BaseException)
            _reraise_interrupts(exc)
            raise (self._package_problem(parts) or self._damaged(exc, part=part)) from exc
        problem = self._package_problem(parts)
        if problem is not None:
            raise problem

    def _read_sheet(self, book: Any, table: _TablePart) -> tuple[_SheetScan, Any]:
        """The sheet's scan, and calamine's sheet (from a copy of the package whose error
        values say ``#N/A`` if calamine would refuse one: the scan has the real text)."""
        import python_calamine

        with zipfile.ZipFile(self.path) as z:
            xml = z.read(table.sheet_part)
        _check_extent(xml, sheet=table.sheet, file=self.name)
        scan = _scan_sheet(xml)
        if scan.value_spans:
            buffer = io.BytesIO()
            with zipfile.ZipFile(self.path) as zin, zipfile.ZipFile(buffer, "w") as zout:
                for info in zin.infolist():
                    data = zin.read(info)
                    if info.filename == table.sheet_part:
                        data = _with_values(data, scan.value_spans, b"#N/A")
                    zout.writestr(info.filename, data, compress_type=zipfile.ZIP_STORED)
            del xml
            buffer.seek(0)
            book = python_calamine.CalamineWorkbook.from_filelike(buffer)
        return scan, book.get_sheet_by_name(table.sheet)

    # The same messages as FileBook's, from one place (files.damaged_file, files.dangerous_xml)

    def _damaged(self, exc: BaseException, *, part: str | None = None) -> LayoutError:
        sheet = self._sheet_parts.get(part) if part is not None else None
        return damaged_file(self.name, exc, sheet=sheet, part=part)

    def _dangerous(self) -> LayoutError:
        return dangerous_xml(self.name)

    def _package_problem(self, parts: _PartsCheck) -> LayoutError | None:
        """What the check of every XML part found (waits for it): None if all are sound."""
        part, exc = parts.result()
        if exc is None:
            return None
        if isinstance(exc, _DtdFound):
            return self._dangerous()
        return self._damaged(exc, part=part)

    @property
    def name(self) -> str:
        return self.path.name

    def table_names(self) -> set[str]:
        return set(self._tables)

    def sheet_names(self) -> list[str]:
        """The workbook's sheets, in the workbook's order."""
        return list(self._sheet_parts.values())

    def table_sheet(self, name: str) -> str | None:
        """The sheet the named table ``name`` lives on, or None if the book has no such table."""
        part = self._tables.get(name)
        return part.sheet if part is not None else None

    def read_table(self, spec: TableSpec) -> RawTable:
        """The named table's header and data rows as Excel last calculated them.

        The total row is left out; error values read as their text (``#N/A``), as with
        openpyxl.

        Raises:
            LayoutError: no such table; the table has merged cells, no header row or an
                invalid area (:func:`~kommuneokonomi.workbook.tables.table_body`).
        """
        part = self._tables.get(spec.name)
        if part is None:
            raise LayoutError(
                f"fant ikke tabellen {spec.name} (ventet på arket '{spec.sheet}')",
                code="mangler_tabell",
                location=Location(file=self.name, sheet=spec.sheet),
            )
        scan, sheet = self._sheets[part.sheet_part]
        left, top, right, bottom = table_body(
            name=part.name,
            sheet=part.sheet,
            ref=part.ref,
            header_rows=part.header_rows,
            total_rows=part.total_rows,
            merged=scan.merged,
        )
        try:
            # From A1 to the table's last row, and only as wide as the sheet's cells: the
            # table is cut out here, not by calamine, whose own table reading allocates every
            # cell a table claims (A1:XFD1048576 aborts the process).
            grid = sheet.to_python(skip_empty_area=False, nrows=bottom)
        except BaseException as exc:  # calamine's errors, and pyo3 panics (BaseException)
            _reraise_interrupts(exc)
            raise self._damaged(exc, part=part.sheet_part) from exc
        cells = _cut(grid, top=top, bottom=bottom, left=left, width=right - left + 1)
        # calamine reads an Excel error value (#DIV/0!, #N/A) as an empty cell; put the error
        # back so validation rejects it as it does with openpyxl, instead of reading "missing"
        for (r, c), error in scan.errors.items():
            i, j = r - top, c - left
            if 0 <= i < len(cells) and 0 <= j < len(cells[i]):
                cells[i][j] = error
        for r, c in scan.uncalculated:
            i, j = r - top, c - left
            if 0 < i < len(cells) and 0 <= j < len(cells[i]):  # a header formula has its text
                cells[i][j] = UNCALCULATED
        return RawTable(
            name=spec.name,
            sheet=part.sheet,
            top=top,
            left=left,
            headers=[_header(v) for v in cells[0]],
            rows=_plain_rows(cells[1:]),
        )


# --- The package's parts -------------------------------------------------------------------

_REL_TABLE = "/table"  # the end of a table relationship's type, in both OOXML namespaces


def _local(tag: str) -> str:
    """``{namespace}name`` -> ``name``."""
    return tag.rsplit("}", 1)[-1]


def _attr(element: Element, name: str) -> str | None:
    """An attribute by its local name, whatever its namespace (``r:id`` as ``id``)."""
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return None


def _count(text: str | None) -> int | None:
    return None if text is None else int(text)


def _relationships(z: zipfile.ZipFile, part: str, names: set[str]) -> dict[str, tuple[str, str]]:
    """Id -> (type, target part) of ``part``'s relationships; none if it has no rels part."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in names:
        return {}
    found: dict[str, tuple[str, str]] = {}
    for rel in fromstring(z.read(rels)):
        rid, target = rel.get("Id"), rel.get("Target")
        if rid is None or target is None or rel.get("TargetMode") == "External":
            continue
        if target.startswith("/"):
            resolved = target.lstrip("/")
        else:
            resolved = posixpath.normpath(posixpath.join(folder, target))
        found[rid] = (rel.get("Type", ""), resolved)
    return found


def _table_parts(path: Path) -> tuple[dict[str, _TablePart], dict[str, str]]:
    """Every named table in the package (its sheet, area and header and total rows), and the
    name of the sheet each worksheet part holds.

    Tables are keyed by ``displayName``, the name Excel shows and formulas use (as calamine
    does).
    """
    tables: dict[str, _TablePart] = {}
    sheet_names: dict[str, str] = {}
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        sheets = _relationships(z, "xl/workbook.xml", names)
        for sheet in fromstring(z.read("xl/workbook.xml")).iter():
            if _local(sheet.tag) != "sheet":
                continue
            name, rid = sheet.get("name"), _attr(sheet, "id")
            if name is None or rid not in sheets:
                continue
            sheet_part = sheets[rid][1]
            sheet_names[sheet_part] = name
            for kind, target in _relationships(z, sheet_part, names).values():
                if not kind.endswith(_REL_TABLE) or target not in names:
                    continue
                table = fromstring(z.read(target))
                display = table.get("displayName") or table.get("name")
                if display is None:
                    continue
                tables[display] = _TablePart(
                    name=display,
                    sheet=name,
                    sheet_part=sheet_part,
                    ref=table.get("ref", ""),
                    header_rows=_count(table.get("headerRowCount")),
                    total_rows=_count(table.get("totalsRowCount")),
                )
    return tables, sheet_names


# --- Scanning a sheet's XML ----------------------------------------------------------------
#
# A national tblData sheet is 125 MB of XML with three million cells: parsing it (even with
# iterparse) takes seconds, so the bytes are searched instead, and only what is found is
# parsed: every ``t="e"`` (error type) is checked to sit in the start tag of a cell (any
# namespace prefix, any attribute order and quoting), and that cell's ``<v>`` is read whatever
# its formula looks like (``<f>``, ``<f aca="false">``, shared, array, none). ``<`` never
# occurs in XML text or attribute values, so the ``<`` before a hit starts the tag around it.

_NAME = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix
_ERROR_TYPE = re.compile(rb"""t\s*=\s*["']e["']""")
_CELL_TAG = re.compile(rb"<" + _NAME + rb"c\s([^<>]*?)(/?)>")
_CELL_END = re.compile(rb"</" + _NAME + rb"c\s*>")
_VALUE = re.compile(rb"<" + _NAME + rb"v(?:\s[^<>]*)?(?:/>|>([^<]*)</" + _NAME + rb"v\s*>)")
_MERGE = re.compile(rb"<" + _NAME + rb"mergeCell\s([^<>]*?)/?>")
_ATTR = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CELL_REF = re.compile(r"([A-Za-z]{1,3})(\d{1,7})")

#: The error values calamine reads (as an empty cell); any other makes it refuse the sheet.
_CALAMINE_ERRORS = frozenset(
    {b"#DIV/0!", b"#N/A", b"#NAME?", b"#NULL!", b"#NUM!", b"#REF!", b"#VALUE!"}
)


def _attrs(text: bytes) -> dict[bytes, bytes]:
    return {m[0]: m[1] or m[2] for m in _ATTR.findall(text)}


def _text(raw: bytes) -> str:
    """XML character data as text (entities resolved)."""
    return html.unescape(raw.decode("utf-8"))


def _scan_sheet(xml: bytes) -> _SheetScan:
    """The error cells and merged ranges of a sheet's XML.

    Raises:
        ValueError: a merged range or the XML is not readable.
        _DtdFound: the XML declares a DTD or entities.
    """
    if _has_dtd(xml):
        raise _DtdFound
    scan = _SheetScan()
    placed: dict[tuple[int, int], str] = {}
    unplaced = False  # an error cell without its own address: positions need a full parse
    for hit in _ERROR_TYPE.finditer(xml):
        cell = _error_cell(xml, hit.start())
        if cell is None:
            continue
        ref, value, span = cell
        if xml[span[0] : span[1]] not in _CALAMINE_ERRORS:  # as written: no entities, no spaces
            scan.value_spans.append(span)
        where = _cell_position(ref)
        if where is None:
            unplaced = True
        else:
            placed[where] = value
    scan.errors = dict(_error_cells_parsed(xml)) if unplaced else placed
    scan.uncalculated = _uncalculated_cells(xml)
    first = xml.find(b"mergeCell", _cells_end(xml))  # <mergeCells> follows <sheetData>
    if first >= 0:
        for m in _MERGE.finditer(xml, max(xml.rfind(b"<", 0, first), 0)):
            merged = _attrs(m[1]).get(b"ref")
            if merged is not None:
                scan.merged.append(range_bounds(merged.decode("ascii", "replace")))
    return scan


class _DtdFound(Exception):
    """A part declares a DTD or entities (Excel never writes one)."""


_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_UTF16_DTD_MARKERS = tuple(
    m.decode("ascii").encode(e) for m in _DTD_MARKERS for e in ("utf-16-le", "utf-16-be")
)


def _has_dtd(xml: bytes) -> bool:
    """Whether the part declares a DTD (and with it any entities).

    XML allows a DTD only in the prolog, before the root element, after the declaration,
    comments and processing instructions: only those are read, so a sheet of 125 MB costs
    nothing here. A part in UTF-16 is searched whole.
    """
    if xml[:2] in (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<"):
        return any(m in xml for m in _UTF16_DTD_MARKERS)
    i = 3 if xml.startswith(b"\xef\xbb\xbf") else 0
    while True:
        while xml[i : i + 1].isspace():
            i += 1
        if xml.startswith(b"<?", i):
            close = b"?>"
        elif xml.startswith(b"<!--", i):
            close = b"-->"
        else:  # the root element, or <!DOCTYPE (a "<!" here can be nothing else)
            return xml.startswith(b"<!", i)
        end = xml.find(close, i + 2)
        if end < 0:
            return False
        i = end + len(close)


class _PartsCheck:
    """Every XML part of a package parsed once, in a thread: well-formed, and no DTD.

    expat without handlers for elements (a well-formedness check, no tree) and with
    defusedxml's refusals of DTDs and entities; the parts are decompressed and fed a MiB at a
    time, which lets other threads (calamine's conversion to Python) run in between. VML
    parts are left alone: Excel's own are not well-formed XML.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._part: str | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="xml-check", daemon=True)
        self._thread.start()

    def result(self) -> tuple[str | None, BaseException | None]:
        """(the part, what was wrong with it); (None, None) if every part is sound."""
        self._thread.join()
        return (self._part, self._error) if self._error is not None else (None, None)

    def _run(self) -> None:
        try:
            with zipfile.ZipFile(self._path) as z:
                for info in z.infolist():
                    if info.filename.lower().endswith((".xml", ".rels")):
                        self._part = info.filename
                        _parse_defused(z, info)
        except Exception as exc:  # any: the reading thread reports it
            self._error = exc


def _refuse_dtd(*_: object) -> None:
    raise _DtdFound


def _refuse_external(*_: object) -> int:
    raise _DtdFound


def _parse_defused(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Parse one part, refusing a DTD as defusedxml does (its expat handlers, raising)."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.UnparsedEntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_external
    with z.open(info) as part:
        while chunk := part.read(1 << 20):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


_SHEET_DATA_TAG = re.compile(rb"</?" + _NAME)


def _cells_end(xml: bytes) -> int:
    """Where the sheet's cells end: the last ``</sheetData>`` (or ``<sheetData/>``), found
    from the end of the part, so the search for what follows the cells reads only the tail."""
    end = len(xml)
    while (at := xml.rfind(b"sheetData", 0, end)) >= 0:
        tag = _SHEET_DATA_TAG.match(xml, max(xml.rfind(b"<", 0, at), 0))
        if tag is not None and tag.end() == at:  # markup, not the word in some text
            return at
        end = at
    return 0


def _error_cell(xml: bytes, at: int) -> tuple[str | None, str, tuple[int, int]] | None:
    """The cell whose start tag holds ``t="e"`` at ``at``: its address (None if it has none),
    its error text and the byte span of that text; None if ``at`` is not in a cell's start
    tag, or the cell has no value."""
    start = xml.rfind(b"<", 0, at)
    tag = _CELL_TAG.match(xml, start) if start >= 0 else None
    if tag is None or tag.end() <= at or tag[2] == b"/":
        return None
    attrs = _attrs(tag[1])
    if attrs.get(b"t") != b"e":
        return None
    end = _CELL_END.search(xml, tag.end())
    if end is None:
        return None
    value = _VALUE.search(xml, tag.end(), end.start())
    if value is None or value[1] is None:
        return None
    ref = attrs.get(b"r")
    return (
        None if ref is None else ref.decode("ascii", "replace"),
        _text(value[1]),
        (value.start(1), value.end(1)),
    )


_FORMULA = re.compile(rb"<" + _NAME + rb"f[\s>/]")
_TEXT_TYPES = (b"str", b"inlineStr")


def _uncalculated_cells(xml: bytes) -> set[tuple[int, int]]:
    """The formula cells saved without a result: no ``<v>``, or an empty one where the
    formula does not give text (Excel writes an empty text result as ``t="str"`` and
    ``<v></v>``). openpyxl and other writers that do not calculate leave them so. A sheet
    without formulas costs one search for ``<f``."""
    if b"<f" not in xml and b":f" not in xml:
        return set()
    found: set[tuple[int, int]] = set()
    for hit in _FORMULA.finditer(xml):
        start = xml.rfind(b"<", 0, hit.start())  # the formula is the cell's first child
        tag = _CELL_TAG.match(xml, start) if start >= 0 else None
        if tag is None or tag.end() != hit.start():
            continue
        attrs = _attrs(tag[1])
        end = _CELL_END.search(xml, tag.end())
        if end is None or attrs.get(b"t") in _TEXT_TYPES:
            continue
        value = _VALUE.search(xml, tag.end(), end.start())
        if value is None or not (value[1] or b"").strip():
            where = _cell_position(attrs[b"r"].decode("ascii")) if b"r" in attrs else None
            if where is not None:
                found.add(where)
    return found


def _cell_position(ref: str | None) -> tuple[int, int] | None:
    """``D5`` -> (5, 4), 1-based (row, column); None if it is not a cell address."""
    m = _CELL_REF.fullmatch(ref) if ref is not None else None
    if m is None:
        return None
    col = 0
    for ch in m[1].upper():
        col = col * 26 + (ord(ch) - 64)
    return int(m[2]), col


def _error_cells_parsed(xml: bytes) -> Iterator[tuple[tuple[int, int], str]]:
    """Every error cell by a full (slow) parse, for a sheet whose cells or rows leave out
    their address (``r`` is optional: a cell without it follows the one before, a row without
    it the row before), as calamine and openpyxl place them."""
    row, col = 0, 0
    for event, element in iterparse(io.BytesIO(xml), events=("start", "end")):
        name = _local(element.tag)
        if event == "start":
            if name == "row":
                given = element.get("r")
                row, col = (int(given) if given is not None else row + 1), 0
            elif name == "c":
                given = element.get("r")
                where = _cell_position(given)
                row, col = where if where is not None else (row, col + 1)
            continue
        if name == "c":
            if element.get("t") == "e":
                value = next((e.text for e in element if _local(e.tag) == "v"), None)
                if value is not None:
                    yield (row, col), value
            element.clear()
        elif name == "row":
            element.clear()


#: The most cells calamine may be asked to hold for one sheet. It keeps a sheet as one dense
#: grid from A1 to its last value, so a single stray value far out (XFD1048576, after a slip of
#: Ctrl+End and typing) asks for 17 billion cells and aborts the whole process, which no
#: ``except`` can catch. 30 million cells is about 1 GB; a national tblData (750 000 rows, 5
#: columns) is 3.7 million.
MAX_SHEET_CELLS = 30_000_000

_LAST_COLUMN = 16_384  # XFD
_WIDE_COLUMN = re.compile(rb"\br\s*=\s*[\"']([A-Za-z]{2,3})\d")
_ROW_REF = re.compile(rb"<" + _NAME + rb"row\s[^<>]*?\br\s*=\s*[\"'](\d+)[\"']")


def _check_extent(xml: bytes, *, sheet: str, file: str) -> None:
    """Refuse a sheet whose values reach so far that calamine's grid would not fit in memory,
    naming the cell furthest out. Costs nothing for a sheet of fewer than 1 800 rows; a
    national sheet is searched once for columns past Z (0.1 s per 100 MB).

    Raises:
        LayoutError: code ``for_stor``, with the far cell's address.
    """
    end = _cells_end(xml) or len(xml)
    rows = [int(r) for r in _ROW_REF.findall(xml, max(end - (1 << 16), 0), end)]
    if not rows:
        return
    last_row = max(rows)
    if last_row * _LAST_COLUMN <= MAX_SHEET_CELLS:
        return
    # single-letter columns cannot reach the limit; each wider column's letters once
    letters = {m.upper() for m in set(_WIDE_COLUMN.findall(xml))}
    widest = max(letters, key=lambda c: (len(c), c), default=None)
    if widest is None or last_row * _column_number(widest) <= MAX_SHEET_CELLS:
        return
    found = re.search(rb"\br\s*=\s*[\"'](%s\d+)[\"']" % widest, xml, re.IGNORECASE)
    cell = found[1].decode("ascii").upper() if found is not None else widest.decode("ascii")
    raise LayoutError(
        f"arket '{sheet}' har innhold helt ut i celle {cell}, langt utenfor tabellene "
        f"(rad {last_row} er den siste); så stort kan arket ikke leses. Slett innholdet i "
        "cellene utenfor tabellene (Ctrl+End går til den siste cellen med innhold), lagre og "
        "prøv igjen",
        code="for_stor",
        location=Location(file=file, sheet=sheet, cell=cell),
    )


def _column_number(letters: bytes) -> int:
    """``b"XFD"`` -> 16384."""
    number = 0
    for ch in letters.upper():
        number = number * 26 + ch - 64
    return number


def _with_values(xml: bytes, spans: list[tuple[int, int]], value: bytes) -> bytes:
    """``xml`` with each span replaced by ``value``."""
    pieces, last = [], 0
    for start, end in sorted(spans):
        pieces += [xml[last:start], value]
        last = end
    pieces.append(xml[last:])
    return b"".join(pieces)


def _cut(
    grid: list[list[object]], *, top: int, bottom: int, left: int, width: int
) -> list[list[object]]:
    """The header row (first) and data rows of a table out of calamine's sheet grid (from A1,
    rectangular, as far as the sheet has cells).

    As openpyxl's reader does, the table is cut to the sheet's cells (a table may claim
    A1:XFD1048576), keeping at least its header row and first column. A table as wide as the
    sheet shares calamine's row lists.
    """
    rows = grid[top - 1 : bottom] or [[]]
    start = left - 1
    n = max(min(width, len(rows[0]) - start), 1)
    if start != 0 or len(rows[0]) != n:
        rows = [row[start : start + n] for row in rows]
        if len(rows[0]) < n:  # the first column lies beyond the sheet's cells
            rows = [row + [""] * (n - len(row)) for row in rows]
    return rows


def _header(value: object) -> str:
    """A header cell's text, as openpyxl's reader gives it (``2007``, not calamine's ``2007.0``;
    an empty cell as "")."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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
