"""LibreOffice (headless) as an independent reader of the workbooks we write.

Two uses:

* :func:`recalculated_values` opens a workbook in LibreOffice Calc with a *forced full
  recalculation* and returns every sheet's values. Comparing them with the cached values we
  stored (openpyxl ``data_only=True``) shows whether the formulas we wrote compute what we
  claim. :func:`formula_cache_mismatches` does that comparison.
* :func:`render_png` renders one sheet to PNG (for README screenshots).

How the recalculation is forced (LibreOffice 7.4, Debian bookworm ``libreoffice-calc-nogui``):
LibreOffice keeps the cached ``<v>`` of formula cells when it loads an .xlsx (its default for
``/org.openoffice.Office.Calc/Formula/Load/OOXMLRecalcMode`` is 1, "never recalculate", and it
ignores ``fullCalcOnLoad``); only cells with an empty ``<v/>`` are computed. Each call therefore
starts ``soffice`` with a fresh, throw-away user profile (``-env:UserInstallation=...``) whose
``registrymodifications.xcu`` sets ``OOXMLRecalcMode`` and ``ODFRecalcMode`` to 0 ("always
recalculate"), converts a *copy* of the workbook to .xlsx in a temporary directory, and reads
that file back with openpyxl ``data_only=True``. No Python-UNO is needed (our venv's Python can't
import ``uno``). ``tests/workbook/test_libreoffice_support.py`` proves the setting matters: a
cell whose cached value was patched to a wrong number reads back as the right one with the
profile and as the wrong one without it.

Every call has its own profile, so LibreOffice is never started twice with the same profile
(which would hand the job to the running instance, or fail). A call is bounded by ``timeout``;
on timeout the whole process group that call started is killed (``soffice`` is a shell script
that starts ``oosplash`` and ``soffice.bin``), and :class:`LibreOfficeError` is raised.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from kommuneokonomi.office import OfficeError, convert, run_bounded, soffice_path

__all__ = [
    "LibreOfficeError",
    "Mismatch",
    "formula_cache_mismatches",
    "recalculated_values",
    "render_png",
    "soffice_path",
]

# 0 = always recalculate, 1 = never (LibreOffice's default for OOXML), 2 = ask. The locale is
# Norwegian so screenshots show numbers as users see them (1 234,5).
_RECALC_ALWAYS_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>nb-NO</value></prop></item>
</oor:items>
"""

# One page per sheet, each page as large as the sheet's used area (LibreOffice >= 6.4; the
# JSON form of filter options on the command line needs >= 7.4).
_PDF_ONE_PAGE_PER_SHEET = (
    'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'
)

#: LibreOffice's failures and the tools' are the package's (kommuneokonomi.office).
LibreOfficeError = OfficeError
_run_bounded = run_bounded


def _convert(path: Path, target: str, workdir: Path, *, timeout: float) -> Path:
    """Convert a copy of ``path`` with a fresh forced-recalculation profile; return the output."""
    source = workdir / "in" / f"book{path.suffix.lower() or '.xlsx'}"
    source.parent.mkdir()
    shutil.copyfile(path, source)
    return convert(source, target, workdir, timeout=timeout, settings_xcu=_RECALC_ALWAYS_XCU)


def recalculated_values(path: Path, *, timeout: float = 120) -> dict[str, list[list[object]]]:
    """Every sheet's values after LibreOffice loaded ``path`` and recalculated all formulas.

    Sheet name -> rows (``grid[row - 1][column - 1]``, up to the sheet's used range) as
    openpyxl reads them with ``data_only=True``: numbers, strings, booleans, datetimes for
    date-formatted numbers, error values as strings (``"#DIV/0!"``) and ``None`` for empty
    cells. ``path`` itself is only read.
    """
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="kommuneokonomi-lo-") as tmp:
        converted = _convert(path, "xlsx", Path(tmp), timeout=timeout)
        wb = openpyxl.load_workbook(converted, data_only=True)
        try:
            return {
                ws.title: [list(row) for row in ws.iter_rows(values_only=True)]
                for ws in wb.worksheets
            }
        finally:
            wb.close()


@dataclass(frozen=True)
class Mismatch:
    """A formula cell whose stored (cached) value differs from LibreOffice's result."""

    sheet: str
    cell: str
    formula: str
    cached: object
    recalculated: object


def _same(cached: object, recalculated: object, rel_tol: float, abs_tol: float) -> bool:
    numbers = (int, float)
    if (
        isinstance(cached, numbers)
        and isinstance(recalculated, numbers)
        and not isinstance(cached, bool)
        and not isinstance(recalculated, bool)
    ):
        return math.isclose(cached, recalculated, rel_tol=rel_tol, abs_tol=abs_tol)
    # LibreOffice writes an empty-string result as no value at all.
    if cached in (None, "") and recalculated in (None, ""):
        return True
    return cached == recalculated


def formula_cache_mismatches(
    path: Path,
    *,
    rel_tol: float = 1e-9,
    abs_tol: float = 1e-9,
    timeout: float = 120,
) -> list[Mismatch]:
    """The formula cells of ``path`` whose cached value is not what LibreOffice computes.

    An empty list means every formula we wrote evaluates, after a forced recalculation, to
    the value we stored. Numbers are compared with ``math.isclose``.
    """
    path = Path(path)
    recalculated = recalculated_values(path, timeout=timeout)
    formulas = openpyxl.load_workbook(path, data_only=False)
    cached = openpyxl.load_workbook(path, data_only=True)
    found: list[Mismatch] = []
    try:
        for ws in formulas.worksheets:
            grid = recalculated.get(ws.title)
            if grid is None:
                raise LibreOfficeError(f"LibreOffice lost the sheet {ws.title!r}")
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type != "f":
                        continue
                    r, c = cell.row - 1, cell.column - 1
                    got = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
                    stored = cached[ws.title][cell.coordinate].value
                    if not _same(stored, got, rel_tol, abs_tol):
                        formula = str(getattr(cell.value, "text", cell.value))
                        found.append(Mismatch(ws.title, cell.coordinate, formula, stored, got))
    finally:
        formulas.close()
        cached.close()
    return found


def _sheet_names(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _pdf_pages(pdf: Path, *, timeout: float) -> int:
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is None:
        raise LibreOfficeError("pdfinfo not found; install poppler-utils")
    code, out = _run_bounded([pdfinfo, str(pdf)], timeout=timeout, cwd=pdf.parent)
    for line in out.splitlines():
        if code == 0 and line.startswith("Pages:"):
            return int(line.split()[1])
    raise LibreOfficeError(f"pdfinfo could not read {pdf}: {out.strip()}")


def render_png(
    path: Path,
    out_png: Path,
    *,
    sheet: str | None = None,
    dpi: int = 110,
    timeout: float = 120,
) -> Path:
    """Render one sheet of ``path`` (default: the first) to ``out_png``, as LibreOffice shows it.

    The copy is recalculated like in :func:`recalculated_values`, exported to PDF with one
    page per sheet (each page exactly the sheet's used area, no margins; gridlines only if the
    sheet's print settings ask for them), and the sheet's page is turned into PNG by
    ``pdftoppm`` (poppler-utils). LibreOffice 7.4 puts every sheet on a page in workbook order,
    hidden and empty ones included; if the page count does not match the sheet count (another
    LibreOffice version), this raises rather than render the wrong sheet.
    """
    path, out_png = Path(path), Path(out_png)
    names = _sheet_names(path)
    if sheet is None:
        index = 0
    elif sheet in names:
        index = names.index(sheet)
    else:
        raise ValueError(f"no sheet {sheet!r} in {path}; sheets: {names}")
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise LibreOfficeError("pdftoppm not found; install poppler-utils")
    with tempfile.TemporaryDirectory(prefix="kommuneokonomi-lo-") as tmp:
        work = Path(tmp)
        pdf = _convert(path, _PDF_ONE_PAGE_PER_SHEET, work, timeout=timeout)
        pages = _pdf_pages(pdf, timeout=timeout)
        if pages != len(names):
            raise LibreOfficeError(
                f"expected one PDF page per sheet ({len(names)}), got {pages}; "
                "this LibreOffice does not export one page per sheet as 7.4 does"
            )
        page = str(index + 1)
        prefix = work / "page"
        cmd = [pdftoppm, "-png", "-r", str(dpi), "-f", page, "-l", page, "-singlefile"]
        code, out = _run_bounded([*cmd, str(pdf), str(prefix)], timeout=timeout, cwd=work)
        png = prefix.with_suffix(".png")
        if code != 0 or not png.is_file():
            raise LibreOfficeError(f"pdftoppm failed (exit {code}): {out.strip()}")
        out_png.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, out_png)
    return out_png
