"""Adapter for workbook files (.xlsx/.xlsm) through openpyxl.

Reading: named tables (ListObjects) are found by name on any sheet; values are read as Excel
last calculated them (``data_only``), so a formula in an input cell counts as the number it
shows.

Writing: only the output sheets are replaced. Their description (:mod:`.output`) is planned
(:func:`.output.plan_sheet`) and rendered by XlsxWriter into a small fresh workbook
(:func:`render_outputs`), and the rendered parts are transplanted into the original package
(``package.py``): input sheets are never reloaded and their parts stay byte for byte as they
were. The new file is written next to the target under a temporary name and then atomically
renamed over it, so the target is always either the old or the new complete file.

Cached values are written by construction: XlsxWriter's ``write_formula`` takes the engine's
value with the formula, so a reader that does not recalculate (pandas, calamine, previews) sees
the engine's sums; nothing is patched into the XML afterwards. Excel recalculates on load anyway
(``fullCalcOnLoad``). A package the transplant refuses (e.g. Strict OOXML) is first re-saved by
openpyxl and the same rendered sheets are transplanted into that copy
(:func:`save_through_openpyxl`).

Before anything is written, :func:`.output.check_table_names` refuses an output table whose
name a table on another sheet already has (the same check the live writer makes).
"""

from __future__ import annotations

import datetime as dt
import errno
import io
import math
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from defusedxml import DefusedXmlException

from ..errors import LayoutError, Location
from .layout import TableSpec
from .output import (
    CHART_HEIGHT_CM,
    CHART_WIDTH_CM,
    STAMP_COLOR,
    STATUS_COLORS,
    TABLE_STYLE,
    TITLE_SIZE,
    ChartPlan,
    ChartSpec,
    Formula,
    OutputSheet,
    OutputTable,
    Placement,
    SheetPlan,
    TablePlan,
    check_sheet_owners,
    check_table_names,
    place_tables,
    plan_sheet,
    wraps,
)
from .package import (
    PackageError,
    atomic_target,
    replace_output_sheets,
    sheets_and_names,
)
from .tables import Bounds, RawTable, cell_address, column_letter, table_body

if TYPE_CHECKING:  # openpyxl and XlsxWriter are imported where they are used: a recalculation
    # that reads with calamine and writes by transplant never loads openpyxl (0.1 s at start)
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "TABLE_STYLE",
    "ChartSpec",
    "FileBook",
    "Formula",
    "OutputSheet",
    "OutputTable",
    "Placement",
    "atomic_target",
    "check_package",
    "damaged_file",
    "dangerous_xml",
    "excel_lock_file",
    "os_reason",
    "patch_cached_values",
    "place_tables",
    "render_outputs",
    "save_outputs",
    "save_through_openpyxl",
    "write_error",
    "write_table",
]

#: The control characters XML 1.0 cannot hold (all below U+0020 but tab, line feed and
#: carriage return): stored as U+FFFD, which openpyxl and Excel accept.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


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
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.table import Table, TableStyleInfo

    top_aligned = Alignment(vertical="top")
    top_wrapped = Alignment(wrap_text=True, vertical="top")
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
            cell.alignment = top_aligned
            if column.name == "forklaring":
                cell.alignment = top_wrapped
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
    for j, column in enumerate(spec.columns):
        if column.choices:
            # a dropdown over the column's data cells: Excel extends it as the table grows
            from openpyxl.worksheet.datavalidation import DataValidation

            rule = DataValidation(
                type="list",
                formula1='"' + ",".join(column.choices) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=column.header,
                error=f"Velg {' eller '.join(column.choices)}.",
            )
            rule.add(f"{cell_address(top + 1, left + j)}:{cell_address(last_row, left + j)}")
            ws.add_data_validation(rule)
    return Placement(top=top, left=left, n_rows=n, columns=tuple(c.name for c in spec.columns))


def _plain(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None  # Excel has no NaN or infinity; the engine refuses them before this
    if isinstance(value, str):
        # control characters cannot be stored in the file's XML (openpyxl would refuse them)
        return _XML_ILLEGAL.sub("\ufffd", value)
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

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def values(self) -> Workbook:
        """The workbook as read (formulas as their last calculated values); not to be saved."""
        return self._values

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
        """The slow path for a package the part writer refuses: see
        :func:`save_through_openpyxl`."""
        save_through_openpyxl(self.path, sheets, target, stamp=stamp)


def save_outputs(
    source: Path,
    sheets: list[OutputSheet],
    target: str | os.PathLike[str],
    *,
    stamp: str,
    fallback: Callable[..., None] | None = None,
) -> None:
    """Write ``sheets`` as the output sheets of ``source`` into ``target``, atomically.

    The output sheets are rendered by XlsxWriter into a small fresh workbook
    (:func:`render_outputs`, formulas with the engine's values as their cached results) and
    their parts transplanted into the source package (:mod:`kommuneokonomi.workbook.package`):
    every input part is copied byte for byte and never reloaded, so a national workbook is
    written in a fraction of a second.

    Args:
        source: the user's workbook; only read (it may be ``target``).
        sheets: the output sheets, from the service.
        target: where the result goes (.xlsx/.xlsm, the source's type).
        stamp: the text of A1 on each output sheet.
        fallback: ``fallback(sheets, target, stamp=...)`` writes a package the part writer
            refuses (e.g. Strict OOXML); default :func:`save_through_openpyxl`.

    Raises:
        LayoutError: a bad target, the file is open in Excel, an output table's name is taken
            by a table on another sheet (:func:`.output.check_table_names`), or the file could
            not be written. ``target`` is then unchanged.
    """
    source, target = Path(source), Path(target)
    _check_target(target, source=source)
    lock = excel_lock_file(target)
    if lock is not None:
        program = "LibreOffice" if lock.name.startswith(".~lock.") else "Excel"
        raise LayoutError(
            f"filen ser ut til å være åpen i {program} (låsefilen {lock.name} finnes); lukk "
            "den og prøv igjen, eller skriv til en annen fil med -o",
            code="fil_laast",
            location=Location(file=target.name),
        )
    try:
        existing, taken = sheets_and_names(source)
    except PackageError:
        taken = None  # a package the part writer cannot read: the fallback checks the names
    if taken is not None:
        check_sheet_owners(sheets, existing, taken, file=source.name)
        check_table_names(sheets, taken, file=source.name)
    try:
        # rendered in memory (the output sheets are small): a full temporary folder cannot
        # stop a recalculation, nor be mistaken for the target's disk being full
        rendered = io.BytesIO()
        render_outputs(sheets, rendered, stamp=stamp)
        replace_output_sheets(source, rendered, [s.name for s in sheets], target)
    except PackageError:
        (fallback or partial(save_through_openpyxl, source))(sheets, target, stamp=stamp)
    except OSError as exc:
        raise write_error(exc, target) from exc


def save_through_openpyxl(
    source: Path,
    sheets: Sequence[OutputSheet],
    target: str | os.PathLike[str],
    *,
    stamp: str,
) -> None:
    """Write the output sheets of a package the part writer refuses (e.g. Strict OOXML, a
    shape :mod:`.package` does not know), atomically.

    openpyxl loads the whole workbook and saves it into a temporary copy, with each output
    sheet emptied in its place: that copy is a package openpyxl wrote (transitional namespaces,
    parts the transplant knows). The output sheets rendered by XlsxWriter, exactly as on the fast
    path, are then transplanted into the copy. openpyxl never writes an output cell here, so
    there is one renderer, and the formulas' cached values are written with the formulas
    instead of being patched in afterwards. Slow for a large workbook (everything is parsed
    and written again), and whatever openpyxl drops on loading (e.g. charts on input sheets)
    is lost; the fast path is taken whenever the transplant accepts the package.

    Raises:
        LayoutError: the file cannot be read or saved again, an output table's name is taken
            (:func:`.output.check_table_names`), or the result could not be written.
    """
    source, target = Path(source), Path(target)
    # macros are carried over only where they may live: an .xlsm (openpyxl's keep_vba re-reads
    # parts of the source package when saving, which a damaged .xlsx fails)
    macros = source.suffix.lower() == ".xlsm"
    wb = _load(source, data_only=False, keep_vba=macros)
    taken = _openpyxl_names(wb)
    check_sheet_owners(sheets, wb.sheetnames, taken, file=source.name)
    check_table_names(sheets, taken, file=source.name)
    for sheet in sheets:
        _empty_sheet(wb, sheet.name)
    try:
        with tempfile.TemporaryDirectory(prefix="kommuneokonomi-") as folder:
            normalized = Path(folder) / f"normalisert{source.suffix.lower()}"
            _save(wb, normalized, source=source)
            rendered = Path(folder) / "utdata.xlsx"
            render_outputs(sheets, rendered, stamp=stamp)
            replace_output_sheets(normalized, rendered, [s.name for s in sheets], target)
    except PackageError as exc:
        raise LayoutError(
            "filen kunne ikke skrives: arbeidsboken har en oppbygning som ikke støttes "
            f"({exc}). Åpne den i Excel, lagre den som ny .xlsx og prøv igjen",
            code="ugyldig_fil",
            location=Location(file=source.name),
        ) from exc
    except OSError as exc:
        raise write_error(exc, target) from exc


def _openpyxl_names(wb: Workbook) -> dict[str, str | None]:
    """The names of a workbook loaded by openpyxl, as :func:`.package.workbook_names` gives
    them for a package: table name -> its sheet, defined name (any scope) -> None."""
    names: dict[str, str | None] = dict.fromkeys(wb.defined_names, None)
    for ws in wb.worksheets:
        names.update(dict.fromkeys(getattr(ws, "defined_names", {}), None))
    for ws in wb.worksheets:
        for key in ws.tables:
            table = ws.tables[key]
            for name in (key, table.name, table.displayName):
                if name:
                    names[str(name)] = ws.title
    return names


def _empty_sheet(wb: Workbook, name: str) -> None:
    """Replace the sheet ``name`` (found case-insensitively) by an empty one in its place and
    with its visibility; the transplant then puts the rendered sheet there."""
    for ws in wb.worksheets:
        if ws.title.casefold() == name.casefold():
            state, position = ws.sheet_state, wb.index(ws)
            wb.remove(ws)
            wb.create_sheet(ws.title, position).sheet_state = state
            return


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
    import openpyxl

    check_package(path)
    try:
        return openpyxl.load_workbook(path, data_only=data_only, keep_vba=keep_vba)
    except Exception as exc:  # any parse failure of a user's file is an input problem
        if _caused_by(exc, DefusedXmlException):  # openpyxl wraps it in a ValueError
            raise dangerous_xml(path.name) from exc
        if isinstance(exc, OSError) and not isinstance(exc, zipfile.BadZipFile):
            raise LayoutError(
                f"filen kan ikke leses ({os_reason(exc)})",
                code="kan_ikke_lese",
                location=Location(file=path.name),
            ) from exc
        raise damaged_file(path.name, exc) from exc


def damaged_file(
    file: str, exc: BaseException, *, sheet: str | None = None, part: str | None = None
) -> LayoutError:
    """The one message for a workbook whose parts cannot be parsed, whichever reader found it;
    ``sheet`` (or else ``part``) says where, when known."""
    where = f"arket '{sheet}': " if sheet is not None else f"{part}: " if part is not None else ""
    return LayoutError(
        f"filen kan ikke leses som Excel-fil; den kan være skadet ({where}"
        f"{type(exc).__name__}). Åpne den i Excel og lagre den på nytt som .xlsx",
        code="ugyldig_fil",
        location=Location(file=file),
    )


def dangerous_xml(file: str) -> LayoutError:
    """The one message for a part that declares a DTD or entities, whichever reader found it."""
    return LayoutError(
        "filen inneholder XML-konstruksjoner som kan brukes til angrep (entiteter/DTD) og avvises",
        code="farlig_xml",
        location=Location(file=file),
    )


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
    """The lock file beside ``path`` if the workbook is open in Excel (``~$name.xlsx``, the
    owner file) or in LibreOffice (``.~lock.name.xlsx#``); None if there is none."""
    candidates = (
        path.with_name("~$" + path.name[2:] if len(path.name) > 2 else "~$" + path.name),
        path.with_name("~$" + path.name),
        path.with_name(f".~lock.{path.name}#"),
    )
    return next((c for c in candidates if c.exists()), None)


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


# --------------------------------------------------------------------------------------------
# Rendering the output sheets (XlsxWriter)
# --------------------------------------------------------------------------------------------

_PIXELS_PER_CM = 96 / 2.54  # XlsxWriter sizes charts in pixels at 96 dpi
# XlsxWriter adds Excel's cell padding (5 px, Calibri 11) to a width it is given in characters;
# the layout's widths have always been stored as given, so the padding is taken off first.
_PADDING_CHARACTERS = 5 / 7


def render_outputs(
    sheets: Sequence[OutputSheet], target: str | os.PathLike[str] | IO[bytes], *, stamp: str
) -> None:
    """Render the output sheets alone into a new workbook with XlsxWriter.

    Each sheet is planned by :func:`.output.plan_sheet` and written cell by cell: the stamp in
    A1 (italic, grey) and the title in A2 (bold, 14 pt); each table's header (bold, wrapped,
    top-aligned) and rows with the column's number format, as a named Excel table
    (``TABLE_STYLE``, row stripes); formulas with the engine's value as their cached result;
    text always as text (never a formula or a number); conditional formats that colour the
    ``Status`` cells; column widths, row heights, the first four rows frozen, and the charts.

    Args:
        sheets: the output sheets, written in this order.
        target: a file path or a binary stream.
        stamp: the text of A1 on each sheet.

    Raises:
        OSError: the target could not be written.
    """
    import xlsxwriter  # type: ignore[import-untyped,unused-ignore]
    from xlsxwriter.exceptions import FileCreateError  # type: ignore[import-untyped,unused-ignore]

    wb = xlsxwriter.Workbook(
        os.fspath(target) if isinstance(target, os.PathLike) else target,
        {
            "in_memory": True,
            # only the typed write_* methods are used; these keep text from ever turning into
            # something else should the generic write() be used one day
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    formats = _Formats(wb)
    for sheet in sheets:
        _render_sheet(wb, plan_sheet(sheet, stamp=stamp), formats)
    try:
        wb.close()
    except FileCreateError as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, OSError):
            raise cause from exc
        raise OSError(str(exc)) from exc


class _Formats:
    """The XlsxWriter cell formats of the output sheets, one object per distinct format."""

    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self.stamp = wb.add_format({"italic": True, "font_color": STAMP_COLOR})
        self.title = wb.add_format({"bold": True, "font_size": TITLE_SIZE})
        self.header = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        # a differential format (conditional formats): the same colour as pattern foreground
        # and background, so every reader (Excel, LibreOffice, openpyxl) finds it
        self.status = {
            text: wb.add_format({"pattern": 1, "bg_color": color, "fg_color": color})
            for text, color in STATUS_COLORS.items()
        }
        self._cells: dict[tuple[str | None, bool], Any] = {}

    def cell(self, number_format: str | None, *, wrap: bool) -> Any:
        key = (number_format, wrap)
        if key not in self._cells:
            props: dict[str, object] = {"valign": "top"}
            if number_format:
                props["num_format"] = number_format
            if wrap:
                props["text_wrap"] = True
            self._cells[key] = self.wb.add_format(props)
        return self._cells[key]


def _render_sheet(wb: Any, plan: SheetPlan, formats: _Formats) -> None:
    ws = wb.add_worksheet(plan.name)
    ws.write_string(0, 0, _text(plan.stamp), formats.stamp)
    ws.write_string(1, 0, _text(plan.title), formats.title)
    for col, chars in sorted(plan.widths.items()):
        ws.set_column(col - 1, col - 1, max(chars - _PADDING_CHARACTERS, 0))
    for row, points in sorted(plan.heights.items()):
        ws.set_row(row - 1, points)
    for table in plan.tables:
        _render_table(ws, table, formats)
    ws.freeze_panes(plan.frozen_rows, 0)
    for chart in plan.charts:
        _render_chart(wb, ws, plan.name, chart)


def _render_table(ws: Any, t: TablePlan, formats: _Formats) -> None:
    top, left = t.placement.top - 1, t.placement.left - 1  # XlsxWriter counts from 0
    cell_formats = [formats.cell(c.number_format, wrap=wraps(c)) for c in t.spec.columns]
    for i, row in enumerate(t.rows[: t.placement.n_rows]):  # the rest: an empty table's row
        for j, value in enumerate(row):
            fmt = (
                formats.cell(t.cell_formats[i, j], wrap=wraps(t.spec.columns[j]))
                if (i, j) in t.cell_formats
                else cell_formats[j]
            )
            _render_cell(ws, top + 1 + i, left + j, value, fmt)
    columns = [{"header": c.header, "header_format": formats.header} for c in t.spec.columns]
    done = ws.add_table(
        top,
        left,
        t.bottom - 1,
        t.right - 1,
        {"name": t.spec.name, "style": TABLE_STYLE, "columns": columns},
    )
    if done != 0:  # XlsxWriter warns and refuses (bad name, duplicate header): a bug of ours
        raise ValueError(f"XlsxWriter refused the table {t.spec.name} ({done})")
    status = t.status_column
    if status is not None:
        for text, fmt in formats.status.items():
            ws.conditional_format(
                top + 1,
                status - 1,
                t.bottom - 1,
                status - 1,
                {"type": "cell", "criteria": "==", "value": f'"{text}"', "format": fmt},
            )


def _render_cell(ws: Any, row: int, col: int, value: object, fmt: Any) -> None:
    if isinstance(value, Formula):
        # the engine's value is the cached result; "" leaves it empty (never a false 0)
        cached = "" if value.value is None else value.value
        ws.write_formula(row, col, "=" + value.text, fmt, cached)
    elif value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, _text(str(value)), fmt)  # text from data is never a formula


def _text(value: str) -> str:
    # control characters cannot be stored in the file's XML: the same substitute as write_table
    return _XML_ILLEGAL.sub("\ufffd", value)


def _render_chart(wb: Any, ws: Any, sheet: str, plan: ChartPlan) -> None:
    spec = plan.spec
    chart = wb.add_chart({"type": spec.kind if spec.kind in ("bar", "column") else "line"})
    if spec.kind == "line":
        # straight lines between the points: XlsxWriter leaves <c:smooth> out when off, and
        # LibreOffice then draws a line chart smoothed (dipping below and peaking above the
        # data); the element is written with val="0" so every reader draws straight lines
        chart._write_c_smooth = lambda smooth: chart._xml_empty_tag(
            "c:smooth", [("val", "1" if smooth else "0")]
        )
    top, bottom = plan.top - 1, plan.bottom - 1
    category = plan.category_column - 1
    for col in plan.series_columns:
        chart.add_series(
            {
                "name": [sheet, top, col - 1],
                "categories": [sheet, top + 1, category, bottom, category],
                "values": [sheet, top + 1, col - 1, bottom, col - 1],
            }
        )
    chart.set_title({"name": spec.title})
    # the value axis: horizontal in a bar chart (XlsxWriter's x axis), vertical in a line chart
    (chart.set_x_axis if spec.kind == "bar" else chart.set_y_axis)({"name": spec.y_title})
    chart.set_size(
        {
            "width": round(CHART_WIDTH_CM * _PIXELS_PER_CM),
            "height": round(CHART_HEIGHT_CM * _PIXELS_PER_CM),
        }
    )
    # moves with its cells but keeps its size, like the chart the live writer adds
    ws.insert_chart(plan.anchor_row - 1, plan.anchor_column - 1, chart, {"object_position": 2})


# --------------------------------------------------------------------------------------------
# Cached values of a workbook openpyxl re-saved (the SSB fetch)
# --------------------------------------------------------------------------------------------

_SHEET = re.compile(r'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"')
_REL = re.compile(
    r'<Relationship [^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"|'
    r'<Relationship [^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"'
)
_XML_ATTR = r"""\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*')"""
_CELL_START = re.compile(rf"<c((?:{_XML_ATTR})*)\s*(/?)>")
_CELL_END = re.compile(r"</c\s*>")
_FORMULA_ELEMENT = re.compile(r"<f(?:\s[^>]*?)?(?:/>|>.*?</f\s*>)", re.S)
_ATTR_VALUE = re.compile(r"""\s([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def patch_cached_values(path: Path, cached: Mapping[str, Mapping[str, float | str | None]]) -> None:
    """Put cached values into formula cells of a workbook openpyxl saved (openpyxl writes
    every formula without its result, as ``<v/>`` or ``<v></v>`` depending on whether lxml is
    installed, or with no ``<v>`` at all).

    The output sheets never need this (:func:`render_outputs` writes each formula with its
    value); the SSB fetch does, to carry the cached results of the formulas in a workbook it
    re-saves through openpyxl. Each ``<c>`` element of the given cells is found by its ``r``
    attribute (attributes in any order, either quote) and its value rewritten after its
    ``<f>``; cells without a formula, and None values, are left alone.

    Args:
        path: the workbook, rewritten in place.
        cached: sheet name -> cell address (``B24``) -> value.
    """
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
        values = cached.get(_unescape(sheet_name))
        if not values:
            continue
        part = targets[rid]
        parts[part] = _set_cached_values(parts[part].decode("utf-8"), values).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, _ in items:
            zout.writestr(info, parts[info.filename])


def _set_cached_values(xml: str, values: Mapping[str, float | str | None]) -> str:
    """``xml`` (a sheet part) with the cached values of the formula cells in ``values``."""
    wanted = {address: value for address, value in values.items() if value is not None}
    out: list[str] = []
    done = 0
    for m in _CELL_START.finditer(xml):
        if m.start() < done or m.group(2) or not wanted:
            continue
        attrs = m.group(1)
        value = wanted.get(_attr(attrs, "r") or "")
        if value is None:
            continue
        close = _CELL_END.search(xml, m.end())
        formula = _FORMULA_ELEMENT.search(xml, m.end(), close.start()) if close else None
        if close is None or formula is None:
            continue
        del wanted[_attr(attrs, "r") or ""]
        attrs = re.sub(r"""\st\s*=\s*(?:"[^"]*"|'[^']*')""", "", attrs)
        if isinstance(value, str):
            text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            cell = f'<c{attrs} t="str">{formula.group(0)}<v>{text}</v></c>'
        else:
            cell = f"<c{attrs}>{formula.group(0)}<v>{float(value)!r}</v></c>"
        out += [xml[done : m.start()], cell]
        done = close.end()
    out.append(xml[done:])
    return "".join(out)


def _attr(attrs: str, name: str) -> str | None:
    for m in _ATTR_VALUE.finditer(attrs):
        if m.group(1) == name:
            return m.group(2) if m.group(2) is not None else m.group(3)
    return None


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
