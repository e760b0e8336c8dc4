"""Adapter for workbook files (.xlsx/.xlsm) through openpyxl.

Reading: named tables (ListObjects) are found by name on any sheet; values are read as Excel
last calculated them (``data_only``), so a formula in an input cell counts as the number it
shows.

Writing: only the output sheets are replaced. They are rendered into a small fresh workbook
and their parts transplanted into the original package (``package.py``): input sheets are
never reloaded and their parts stay byte for byte as they were. The new file is written next
to the target under a temporary name and then atomically renamed over it, so the target is
always either the old or the new complete file.

openpyxl writes formulas without their cached result. Readers that do not recalculate (and
the tests) would see an empty cell, so after saving, the engine's value is put into each
formula cell we wrote (``<v>``); Excel recalculates on load anyway (``fullCalcOnLoad``).
"""

from __future__ import annotations

import datetime as dt
import errno
import math
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import LayoutError, Location
from .layout import TableSpec
from .package import PackageError, atomic_target, replace_output_sheets
from .tables import Bounds, RawTable, cell_address, column_letter, table_body

__all__ = [
    "ChartSpec",
    "FileBook",
    "Formula",
    "OutputSheet",
    "OutputTable",
    "Placement",
    "atomic_target",
    "check_package",
    "excel_lock_file",
    "os_reason",
    "patch_cached_values",
    "place_tables",
    "save_outputs",
    "write_error",
    "write_table",
]

STATUS_FILLS = {
    "OK": PatternFill("solid", fgColor="C6EFCE"),
    "AVVIK": PatternFill("solid", fgColor="FFC7CE"),
    "ADVARSEL": PatternFill("solid", fgColor="FFEB9C"),
}
TABLE_STYLE = "TableStyleMedium2"
_TOP = Alignment(vertical="top")
_TOP_WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Formula:
    """A formula cell and the value the engine computed for it (written as its cached value)."""

    text: str
    value: float | str | None


@dataclass(frozen=True)
class Placement:
    """Where a written table sits (Excel row/column numbers)."""

    top: int
    left: int
    n_rows: int
    columns: tuple[str, ...]

    def col(self, name: str) -> int:
        return self.left + self.columns.index(name)

    def cell(self, row: int, name: str, *, absolute: bool = False) -> str:
        """Address of data row ``row`` (0-based) in column ``name``."""
        letter, number = column_letter(self.col(name)), self.top + 1 + row
        return f"${letter}${number}" if absolute else f"{letter}{number}"

    def data_range(self, name: str) -> str:
        """Absolute address of a column's data cells, e.g. ``$G$5:$G$19``."""
        letter = column_letter(self.col(name))
        return f"${letter}${self.top + 1}:${letter}${self.top + max(self.n_rows, 1)}"


@dataclass
class OutputTable:
    """A table to write: the spec, the rows (engine column names) and optional formulas.

    ``formulas`` receives the placements of the tables already written on the sheet (and its
    own) and returns ``{(row, column): formula text}``; the frame's value is kept as the cached
    result.
    """

    spec: TableSpec
    frame: Any  # pandas.DataFrame with the spec's engine column names
    formulas: Callable[[dict[str, Placement]], dict[tuple[int, str], str]] | None = None
    beside: bool = False  # right of the sheet's first table (own columns) instead of below it


@dataclass(frozen=True)
class ChartSpec:
    """A native Excel chart over a written table."""

    kind: str  # "bar" or "line"
    table: str
    categories: str
    series: tuple[str, ...]
    title: str
    y_title: str
    anchor_column: int  # columns to the right of the table's left edge
    skip_last_row: bool = False  # e.g. the Sum row of tblInnsparingSektor


@dataclass
class OutputSheet:
    """An output sheet: title, tables written top to bottom, charts to the right."""

    name: str
    title: str
    tables: list[OutputTable]
    charts: list[ChartSpec] = field(default_factory=list)


def place_tables(sheet: OutputSheet) -> list[Placement]:
    """Where each table of ``sheet`` goes, exactly as the file adapter places them.

    Tables go below each other from row 4 with three empty rows between them; a table with
    ``beside=True`` goes right of the first table (one empty column between), stacked the
    same way from row 4.
    """
    below, beside_top, beside_left = 4, 4, 1
    placements: list[Placement] = []
    for out in sheet.tables:
        names = tuple(c.name for c in out.spec.columns)
        n = len(out.frame)
        if out.beside and placements:
            top, left = beside_top, beside_left
            beside_top += n + 4
        else:
            top, left = below, 1
            below += n + 4
        if not placements:
            beside_left = left + len(names) + 1
        placements.append(Placement(top=top, left=left, n_rows=n, columns=names))
    return placements


def write_table(
    ws: Worksheet,
    spec: TableSpec,
    rows: Iterable[Iterable[object]],
    *,
    top: int,
    left: int = 1,
) -> Placement:
    """Write a header and rows as a named Excel table, with number formats and widths.

    Args:
        ws: the worksheet.
        spec: the table's contract (name, headers, formats).
        rows: cell values in the spec's column order; a :class:`Formula` is written as a
            formula. Text beginning with ``=`` is written as text, never as a formula.
        top: Excel row of the header.
        left: Excel column of the first column.
    """
    for j, column in enumerate(spec.columns):
        cell: Any = ws.cell(row=top, column=left + j, value=column.header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if column.width:
            # tables stacked on one sheet share columns: never narrow what another needs
            dim = ws.column_dimensions[column_letter(left + j)]
            dim.width = max(column.width, dim.width if dim.customWidth else 0)
    longest = max((len(c.header) / (c.width or 10) for c in spec.columns), default=1)
    ws.row_dimensions[top].height = 15 * max(1, math.ceil(longest))
    n = 0
    for i, row in enumerate(rows):
        n += 1
        for j, (value, column) in enumerate(zip(row, spec.columns, strict=True)):
            cell = ws.cell(row=top + 1 + i, column=left + j)
            if isinstance(value, Formula):
                cell.value = "=" + value.text
            else:
                cell.value = _plain(value)
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text from data is never a formula
            if column.number_format:
                cell.number_format = column.number_format
            cell.alignment = _TOP
            if column.name == "forklaring":
                cell.alignment = _TOP_WRAP
                # LibreOffice does not grow rows for wrapped text: give the lines room
                lines = math.ceil(len(str(cell.value or "")) / ((column.width or 60) * 1.1))
                ws.row_dimensions[top + 1 + i].height = 15 * max(1, lines)
    last_row = top + max(n, 1)
    if n == 0:  # an Excel table needs at least one data row
        for j in range(len(spec.columns)):
            ws.cell(row=top + 1, column=left + j, value=None)
    ref = f"{cell_address(top, left)}:{cell_address(last_row, left + len(spec.columns) - 1)}"
    table = Table(displayName=spec.name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
    ws.add_table(table)
    return Placement(top=top, left=left, n_rows=n, columns=tuple(c.name for c in spec.columns))


def _plain(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None  # Excel has no NaN or infinity; the engine refuses them before this
    if isinstance(value, str):
        # control characters cannot be stored in the file's XML (openpyxl would refuse them)
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        return value.item()
    return value


class FileBook:
    """A workbook file opened for recalculation.

    Args:
        path: the .xlsx or .xlsm file. It is never written to; see :meth:`save_outputs`.

    Raises:
        LayoutError: the file is missing, is not an Excel file, or cannot be read.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._values = _load(self.path, data_only=True)
        self._formulas: Workbook | None = None

    @property
    def name(self) -> str:
        return self.path.name

    def sheet_names(self) -> list[str]:
        return list(self._values.sheetnames)

    def table_names(self) -> set[str]:
        return {name for ws in self._values.worksheets for name in ws.tables}

    def read_table(self, spec: TableSpec) -> RawTable:
        """The named table's raw cells (empty rows included; the caller skips them)."""
        for ws in self._values.worksheets:
            if spec.name in ws.tables:
                return _raw(ws, spec.name)
        raise LayoutError(
            f"fant ikke tabellen {spec.name} (ventet på arket '{spec.sheet}')",
            code="mangler_tabell",
            location=Location(file=self.name, sheet=spec.sheet),
        )

    def save_outputs(
        self,
        sheets: list[OutputSheet],
        target: str | os.PathLike[str],
        *,
        stamp: str,
    ) -> None:
        """Replace the output sheets and save to ``target`` atomically (see
        :func:`save_outputs`); falls back to re-saving the whole workbook through openpyxl for
        a package the part writer does not handle."""
        save_outputs(self.path, sheets, target, stamp=stamp, fallback=self._save_with_openpyxl)

    def _save_with_openpyxl(self, sheets: list[OutputSheet], target: Path, *, stamp: str) -> None:
        """The slow path: load everything with openpyxl, replace the output sheets, save all."""
        if self._formulas is None:
            # macros are carried over only where they may live: an .xlsm (openpyxl's keep_vba
            # re-reads parts of the source package when saving, which a damaged .xlsx fails)
            macros = self.path.suffix.lower() == ".xlsm"
            self._formulas = _load(self.path, data_only=False, keep_vba=macros)
        wb = self._formulas
        cached: dict[str, dict[str, float | str | None]] = {}
        for sheet in sheets:
            cached[sheet.name] = _write_sheet(wb, sheet, stamp=stamp)
        try:
            with atomic_target(target) as tmp:
                _save(wb, tmp, source=self.path)
                patch_cached_values(tmp, cached)
        except OSError as exc:
            raise write_error(exc, target) from exc


def save_outputs(
    source: Path,
    sheets: list[OutputSheet],
    target: str | os.PathLike[str],
    *,
    stamp: str,
    fallback: Callable[..., None] | None = None,
) -> None:
    """Write ``sheets`` as the output sheets of ``source`` into ``target``, atomically.

    The output sheets are rendered into a small fresh workbook and their parts transplanted
    into the source package (:mod:`kommuneokonomi.workbook.package`): every input part is
    copied byte for byte and never reloaded, so a national workbook is written in a fraction
    of a second. ``fallback(sheets, target, stamp=...)`` handles a package the part writer
    refuses (e.g. Strict OOXML).
    """
    target = Path(target)
    _check_target(target, source=source)
    lock = excel_lock_file(target)
    if lock is not None:
        raise LayoutError(
            f"filen ser ut til å være åpen i Excel (låsefilen {lock.name} finnes); lukk den "
            "og prøv igjen, eller skriv til en annen fil med -o",
            code="fil_laast",
            location=Location(file=target.name),
        )
    book = openpyxl.Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    cached = {sheet.name: _write_sheet(book, sheet, stamp=stamp) for sheet in sheets}
    try:
        with tempfile.TemporaryDirectory(prefix="kommuneokonomi-") as folder:
            rendered = Path(folder) / "utdata.xlsx"
            book.save(rendered)
            patch_cached_values(rendered, cached)
            replace_output_sheets(source, rendered, [s.name for s in sheets], target)
    except PackageError:
        if fallback is None:
            raise
        fallback(sheets, target, stamp=stamp)
    except OSError as exc:
        raise write_error(exc, target) from exc


def _save(wb: Workbook, tmp: Path, *, source: Path) -> None:
    """Save through openpyxl. With macros kept (.xlsm), openpyxl copies parts of the source
    package while saving; a part it cannot parse (a damaged package) is an input problem."""
    if wb.vba_archive is None:
        wb.save(tmp)
        return
    try:
        wb.save(tmp)
    except OSError:
        raise
    except Exception as exc:
        raise LayoutError(
            "filen er delvis skadet: den kunne leses, men ikke lagres på nytt "
            f"({type(exc).__name__}). Åpne den i Excel, lagre den som ny .xlsx og prøv igjen",
            code="ugyldig_fil",
            location=Location(file=source.name),
        ) from exc


_WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm"})


def _check_target(target: Path, *, source: Path) -> None:
    """Refuse an output path that cannot hold the workbook, before anything is written."""
    where = Location(file=str(target))
    if target.is_dir():
        raise LayoutError(
            "utfilen er en mappe; oppgi et filnavn, f.eks. resultat.xlsx",
            code="utfil_er_mappe",
            location=where,
        )
    if target.suffix.lower() != source.suffix.lower():
        raise LayoutError(
            f"utfilen må ha samme filtype som arbeidsboken ({source.suffix.lower()}), ikke "
            f"'{target.suffix}'; Excel åpner ikke en arbeidsbok med feil filtype",
            code="feil_filtype",
            location=where,
        )


def write_error(exc: OSError, target: Path) -> LayoutError:
    """A Norwegian, typed error for a file that could not be written."""
    folder = target.parent if str(target.parent) else Path(".")
    where = Location(file=str(target))
    if isinstance(exc, PermissionError):
        return LayoutError(
            f"kan ikke skrive til mappen {folder}: ingen skrivetilgang. Velg en annen mappe "
            "med -o, eller be om skrivetilgang",
            code="ingen_skrivetilgang",
            location=where,
        )
    if isinstance(exc, FileNotFoundError):
        return LayoutError(
            f"mappen {folder} finnes ikke; opprett den eller velg en annen mappe",
            code="mangler_mappe",
            location=where,
        )
    if isinstance(exc, IsADirectoryError):
        return LayoutError(
            "utfilen er en mappe; oppgi et filnavn, f.eks. resultat.xlsx",
            code="utfil_er_mappe",
            location=where,
        )
    return LayoutError(
        f"filen kunne ikke skrives ({os_reason(exc)}); den gamle filen er urørt",
        code="skrivefeil",
        location=where,
    )


def os_reason(exc: OSError) -> str:
    """The operating system's reason in Norwegian, where we know it."""
    reasons = {
        errno.ENOSPC: "disken er full",
        errno.EDQUOT: "diskkvoten er brukt opp",
        errno.EROFS: "disken er skrivebeskyttet",
        errno.EACCES: "ingen tilgang",
        errno.EPERM: "ingen tilgang",
        errno.ENOENT: "finnes ikke",
        errno.EISDIR: "er en mappe",
        errno.ENOTDIR: "en del av stien er ikke en mappe",
        errno.EBUSY: "filen er i bruk",
        errno.ENAMETOOLONG: "filnavnet er for langt",
        errno.EIO: "lese- eller skrivefeil på disken",
    }
    return reasons.get(exc.errno or -1, exc.strerror or type(exc).__name__)


#: Limits on what a workbook package may unpack to (a national tblData of 712 000 rows is
#: about 60 MB of sheet XML); beyond them the file is refused as a possible zip bomb.
MAX_MEMBER_BYTES = 768 * 1024 * 1024
MAX_TOTAL_BYTES = 1536 * 1024 * 1024
MAX_RATIO = 250  # uncompressed / compressed, for members over 1 MB
MAX_MEMBERS = 10_000  # a workbook has a few dozen parts; tens of thousands is an attack
#: How much of each XML part is searched for a DTD (it can only stand before the root element;
#: openpyxl parses through defusedxml as well, this is the first line of defence).
XML_PROLOG_BYTES = 64 * 1024
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
_DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("ascii", "utf-16-le", "utf-16-be")
)


def check_package(path: Path) -> None:
    """Refuse what is not a workbook package, before any XML is parsed.

    Raises:
        LayoutError: missing file, wrong type, encrypted or old binary file, ODS, a zip that
            is not an Excel workbook, or members that unpack beyond the limits.
    """
    where = Location(file=path.name)
    if not path.exists():
        raise LayoutError(
            "filen finnes ikke", code="mangler_fil", location=Location(file=str(path))
        )
    if path.is_dir():
        raise LayoutError(
            "dette er en mappe, ikke en fil",
            code="kan_ikke_lese",
            location=Location(file=str(path)),
        )
    if path.suffix.lower() not in {".xlsx", ".xlsm"}:
        raise LayoutError(
            f"filtypen '{path.suffix}' støttes ikke; bruk .xlsx eller .xlsm",
            code="feil_filtype",
            location=where,
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise LayoutError(
            f"filen kan ikke åpnes ({os_reason(exc)})",
            code="kan_ikke_lese",
            location=where,
        ) from exc
    if head == _OLE_MAGIC:
        raise LayoutError(
            "filen er passordbeskyttet (kryptert) eller i det gamle .xls-formatet; fjern "
            "passordet eller lagre den som .xlsx i Excel",
            code="kryptert_eller_xls",
            location=where,
        )
    if not zipfile.is_zipfile(path):
        raise LayoutError(
            "filen er ikke en gyldig Excel-fil (.xlsx); den kan være skadet eller i et annet "
            "format (CSV, tekst)",
            code="ugyldig_fil",
            location=where,
        )
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            if "mimetype" in names and z.read("mimetype").startswith(b"application/vnd.oasis"):
                raise LayoutError(
                    "filen er et OpenDocument-regneark (.ods); lagre den som .xlsx",
                    code="ods",
                    location=where,
                )
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise LayoutError(
                    "filen er en zip-fil, men ikke en Excel-arbeidsbok",
                    code="ugyldig_fil",
                    location=where,
                )
            _check_sizes(infos, where)
            _check_xml_prologs(z, infos, where)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,
        ValueError,
    ) as exc:
        raise LayoutError(
            "filen er en skadet zip-fil; den kan ikke leses som Excel-fil",
            code="ugyldig_fil",
            location=where,
        ) from exc
    except RuntimeError as exc:  # an encrypted zip member (a zip password, not Excel's)
        raise LayoutError(
            "filen har krypterte deler og kan ikke leses; lagre den på nytt i Excel uten passord",
            code="kryptert_eller_xls",
            location=where,
        ) from exc
    except OSError as exc:
        raise LayoutError(
            f"filen kan ikke leses ({os_reason(exc)})", code="kan_ikke_lese", location=where
        ) from exc


def _check_sizes(infos: list[zipfile.ZipInfo], where: Location) -> None:
    """Refuse a zip bomb: too many members, or members that unpack beyond the limits."""
    if len(infos) > MAX_MEMBERS:
        raise LayoutError(
            f"filen har {len(infos)} deler (en arbeidsbok har noen titalls); den avvises som "
            "en mulig zip-bombe",
            code="for_stor",
            location=where,
        )
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if (
            info.file_size > MAX_MEMBER_BYTES
            or total > MAX_TOTAL_BYTES
            or (info.file_size > 1024 * 1024 and ratio > MAX_RATIO)
        ):
            raise LayoutError(
                f"filen pakkes ut til mistenkelig store mengder data ({info.filename}: "
                f"{info.file_size // (1024 * 1024)} MB); den avvises som en mulig zip-bombe",
                code="for_stor",
                location=where,
            )


def _check_xml_prologs(z: zipfile.ZipFile, infos: list[zipfile.ZipInfo], where: Location) -> None:
    """Refuse XML parts that declare a DTD or entities (entity expansion, external entities).

    Excel never writes a DTD; a part that has one was made to attack the reader.
    """
    for info in infos:
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        with z.open(info) as fh:
            head = fh.read(XML_PROLOG_BYTES)
        if any(marker in head for marker in _DTD_MARKERS):
            raise LayoutError(
                f"filen inneholder XML med DTD/entiteter ({info.filename}), som kan brukes til "
                "angrep (entitetsutvidelse, eksterne entiteter); den avvises",
                code="farlig_xml",
                location=where,
            )


def _load(path: Path, *, data_only: bool, keep_vba: bool = False) -> Workbook:
    check_package(path)
    try:
        return openpyxl.load_workbook(path, data_only=data_only, keep_vba=keep_vba)
    except Exception as exc:  # any parse failure of a user's file is an input problem
        if _caused_by(exc, DefusedXmlException):  # openpyxl wraps it in a ValueError
            raise LayoutError(
                "filen inneholder XML-konstruksjoner som kan brukes til angrep (entiteter/DTD) "
                "og avvises",
                code="farlig_xml",
                location=Location(file=path.name),
            ) from exc
        if isinstance(exc, OSError) and not isinstance(exc, zipfile.BadZipFile):
            raise LayoutError(
                f"filen kan ikke leses ({os_reason(exc)})",
                code="kan_ikke_lese",
                location=Location(file=path.name),
            ) from exc
        raise LayoutError(
            f"filen kan ikke leses som Excel-fil; den kan være skadet ({type(exc).__name__}). "
            "Åpne den i Excel og lagre den på nytt som .xlsx",
            code="ugyldig_fil",
            location=Location(file=path.name),
        ) from exc


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``exc`` or any exception it was raised from or during is a ``kind``."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def excel_lock_file(path: Path) -> Path | None:
    """Excel's owner file (``~$name.xlsx``) beside ``path``, if the workbook is open in Excel."""
    lock = path.with_name("~$" + path.name[2:] if len(path.name) > 2 else "~$" + path.name)
    for candidate in (lock, path.with_name("~$" + path.name)):
        if candidate.exists():
            return candidate
    return None


def _raw(ws: Worksheet, name: str) -> RawTable:
    table = ws.tables[name]
    # header and data rows, without a total row; refuses merged cells (tables.table_body)
    min_col, min_row, max_col, max_row = table_body(
        name=name,
        sheet=ws.title,
        ref=str(table.ref),
        header_rows=table.headerRowCount,
        total_rows=table.totalsRowCount,
        merged=_merged_ranges(ws),
    )
    # Cells beyond the sheet's used area are empty: do not materialise them (a hostile table
    # can claim A1:XFD1048576).
    max_row = max(min(max_row, ws.max_row), min_row)
    max_col = max(min(max_col, ws.max_column), min_col)
    grid = [
        [c.value for c in row]
        for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col)
    ]
    headers = [None if h is None else str(h) for h in grid[0]] if grid else []
    return RawTable(
        name=name,
        sheet=ws.title,
        top=min_row,
        left=min_col,
        headers=[h or "" for h in headers],
        rows=[list(r) for r in grid[1:]],
    )


def _merged_ranges(ws: Worksheet) -> list[Bounds]:
    """The sheet's merged ranges as bounds, for :func:`tables.table_body`."""
    return [(m.min_col, m.min_row, m.max_col, m.max_row) for m in ws.merged_cells.ranges]


def _write_sheet(wb: Workbook, sheet: OutputSheet, *, stamp: str) -> dict[str, float | str | None]:
    """(Re)create one output sheet; returns the cached values of the formulas written."""
    index = len(wb.sheetnames)
    if sheet.name in wb.sheetnames:
        index = wb.sheetnames.index(sheet.name)
        wb.remove(wb[sheet.name])
    ws = wb.create_sheet(sheet.name, index)
    ws["A1"] = stamp
    ws["A1"].font = Font(italic=True, color="666666")
    ws["A2"] = sheet.title
    ws["A2"].font = Font(bold=True, size=14)
    placements: dict[str, Placement] = {}
    cached: dict[str, float | str | None] = {}
    for out, placement in zip(sheet.tables, place_tables(sheet), strict=True):
        names = list(placement.columns)
        top, left = placement.top, placement.left
        rows: list[list[object]] = [
            [rec.get(n) for n in names] for rec in out.frame.to_dict("records")
        ]
        placements[out.spec.name] = placement
        if out.formulas is not None:
            for (i, col), text in out.formulas(placements).items():
                j = names.index(col)
                value = _plain(rows[i][j])
                formula = Formula(text, value if isinstance(value, int | float | str) else None)
                rows[i][j] = formula
                cached[placement.cell(i, col)] = formula.value
        write_table(ws, out.spec, rows, top=top, left=left)
        if "status" in names:
            letter = column_letter(placement.col("status"))
            area = f"{letter}{top + 1}:{letter}{top + max(len(rows), 1)}"
            for status, fill in STATUS_FILLS.items():
                ws.conditional_formatting.add(
                    area,
                    CellIsRule(operator="equal", formula=[f'"{status}"'], fill=fill),  # type: ignore[no-untyped-call]
                )
    ws.freeze_panes = "A5"
    for chart in sheet.charts:
        _add_chart(ws, chart, placements[chart.table])
    return cached


def _add_chart(ws: Worksheet, spec: ChartSpec, placement: Placement) -> None:
    last = placement.top + placement.n_rows - (1 if spec.skip_last_row else 0)
    if last <= placement.top:
        return
    chart = BarChart() if spec.kind == "bar" else LineChart()
    if isinstance(chart, BarChart):
        chart.type = "bar"
    chart.title = spec.title
    chart.y_axis.title = spec.y_title
    chart.height, chart.width = 9, 18
    for name in spec.series:
        col = placement.col(name)
        data = Reference(ws, min_col=col, min_row=placement.top, max_row=last)
        chart.add_data(data, titles_from_data=True)
    cat_col = placement.col(spec.categories)
    chart.set_categories(Reference(ws, min_col=cat_col, min_row=placement.top + 1, max_row=last))
    anchor = cell_address(placement.top, placement.left + spec.anchor_column)
    ws.add_chart(chart, anchor)


_SHEET = re.compile(r'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"')
_REL = re.compile(
    r'<Relationship [^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"|'
    r'<Relationship [^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"'
)


def patch_cached_values(path: Path, cached: dict[str, dict[str, float | str | None]]) -> None:
    """Put the engine's values into the ``<v>`` of the formula cells openpyxl left empty."""
    if not any(cached.values()):
        return
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info.filename)) for info in zin.infolist()]
    parts = dict((info.filename, data) for info, data in items)
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    targets = {}
    for m in _REL.finditer(rels):
        rid, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        targets[rid] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    for sheet_name, rid in _SHEET.findall(workbook):
        sheet_name = _unescape(sheet_name)
        values = cached.get(sheet_name)
        if not values:
            continue
        part = targets[rid]
        xml = parts[part].decode("utf-8")
        for address, value in values.items():
            xml = _set_cached(xml, address, value)
        parts[part] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, _ in items:
            zout.writestr(info, parts[info.filename])


def _set_cached(xml: str, address: str, value: float | str | None) -> str:
    pattern = re.compile(rf'<c r="{address}"([^>]*)><f>(.*?)</f><v ?/>(</c>)')
    if value is None:
        return xml
    if isinstance(value, str):
        text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return pattern.sub(
            lambda m: f'<c r="{address}"{m.group(1)} t="str"><f>{m.group(2)}</f><v>{text}</v></c>',
            xml,
            count=1,
        )
    return pattern.sub(
        lambda m: f'<c r="{address}"{m.group(1)}><f>{m.group(2)}</f><v>{float(value)!r}</v></c>',
        xml,
        count=1,
    )


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def now_stamp(*, version: str, source: str, when: dt.datetime | None = None) -> str:
    """The stamp on each output sheet: time, engine version and input file (Norwegian)."""
    when = when or dt.datetime.now().astimezone()
    return f"Beregnet {when:%d.%m.%Y kl. %H:%M} med kommuneokonomi {version} fra {source}"
