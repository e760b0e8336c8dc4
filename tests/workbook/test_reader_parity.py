"""The two file readers agree on workbooks that other programs made.

:class:`CalamineBook` (python-calamine) is the reader of workbook files; :class:`FileBook`
(openpyxl) is the reference it must match. Both are run over the same files, made by
independent producers: XlsxWriter, openpyxl, and raw edits of the sheet XML in the forms
LibreOffice and other writers use (``<f aca="false">``, shared and array formulas, prefixed
namespaces, cells without an address). They must give the same :class:`RawTable` (headers,
rows, error texts) and refuse the same tables with the same :class:`LayoutError`: merged cells,
a table without a header row. A table's total row is not data for either of them.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from kommuneokonomi.errors import (
    InputError,
    InputErrors,
    KommuneokonomiError,
    LayoutError,
    Location,
)
from kommuneokonomi.service import recalculate
from kommuneokonomi.workbook.build import SAVINGS_EXAMPLE, build_all
from kommuneokonomi.workbook.fastread import CalamineBook
from kommuneokonomi.workbook.files import FileBook
from kommuneokonomi.workbook.layout import DATA, INDIKATORER, INNSTILLINGER, KOMMUNER, TableSpec
from kommuneokonomi.workbook.tables import RawTable, table_body, to_frame

from ..support.libreoffice import _convert, soffice_path

#: The input tables of the savings workbook, each on its own sheet, header in row 1.
INPUTS = (INNSTILLINGER, KOMMUNER, INDIKATORER, DATA)
Tables = dict[str, tuple[list[str], list[list[object]]]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bygget")
    build_all(folder)
    return folder


@pytest.fixture(scope="module")
def example(built: Path) -> Tables:
    """The savings example's input tables (headers, rows), read cell by cell with openpyxl."""
    wb = openpyxl.load_workbook(built / SAVINGS_EXAMPLE, data_only=True)
    found: Tables = {}
    for spec in INPUTS:
        ws = wb[spec.sheet]
        grid = [[c.value for c in row] for row in ws[ws.tables[spec.name].ref]]
        found[spec.name] = ([str(h) for h in grid[0]], grid[1:])
    return found


def write_xlsxwriter(
    path: Path,
    tables: Tables,
    *,
    total_row: frozenset[str] = frozenset(),
    header_off: frozenset[str] = frozenset(),
    errors: dict[str, tuple[str, str]] | None = None,
) -> Path:
    """The savings workbook's input tables written by XlsxWriter, each at A1 of its sheet.

    Args:
        total_row: tables written with Excel's Total Row ("Sum" in the first column, a
            COUNTA or SUM in the last); XlsxWriter stores the totals' values too.
        header_off: tables written without a header row.
        errors: Data-sheet cell -> (formula, the error value XlsxWriter stores as its result).
    """
    wb = xlsxwriter.Workbook(str(path))
    for spec in INPUTS:
        headers, rows = tables[spec.name]
        ws = wb.add_worksheet(spec.sheet)
        total = spec.name in total_row
        columns: list[dict[str, object]] = [{"header": h} for h in headers]
        if total:
            columns[0]["total_string"] = "Sum"
            last = columns[-1]
            numbers = [r[-1] for r in rows if isinstance(r[-1], int | float)]
            if numbers:
                last.update(total_function="sum", total_value=sum(numbers))  # type: ignore[arg-type]
            else:
                last.update(total_function="count", total_value=len(rows))
        height = len(rows) + (spec.name not in header_off) + total
        ref = f"A1:{chr(64 + len(headers))}{height}"
        ws.add_table(
            ref,
            {
                "name": spec.name,
                "data": rows,
                "columns": columns,
                "total_row": total,
                "header_row": spec.name not in header_off,
            },
        )
        if spec.name == DATA.name:
            for cell, (formula, value) in (errors or {}).items():
                ws.write_formula(cell, formula, None, value)
    wb.close()
    return path


def edit_part(path: Path, part: str, edit: Callable[[str], str]) -> Path:
    """Rewrite one XML part of the package in place (the rest copied as it is)."""
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            if info.filename == part:
                new = edit(data.decode("utf-8"))
                assert new != data.decode("utf-8"), f"the edit of {part} changed nothing"
                data = new.encode("utf-8")
            zout.writestr(info, data)
    return path


def sheet_part(spec: TableSpec) -> str:
    """The sheet's part in the workbooks written here (sheets in the order of INPUTS)."""
    return f"xl/worksheets/sheet{INPUTS.index(spec) + 1}.xml"


def replace_cell(address: str, xml_cell: str) -> Callable[[str], str]:
    """An edit replacing the cell ``address`` (however it is written) by ``xml_cell``."""

    def edit(xml: str) -> str:
        return re.sub(rf'<c r="{address}"[^>]*?(?:/>|>.*?</c>)', xml_cell, xml, count=1)

    return edit


def add_merge(ref: str) -> Callable[[str], str]:
    """An edit merging ``ref``, where Excel puts ``<mergeCells>``: right after the cells."""

    def edit(xml: str) -> str:
        merge = f'<mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'
        return xml.replace("</sheetData>", "</sheetData>" + merge, 1)

    return edit


def read_both(path: Path, spec: TableSpec) -> tuple[RawTable, RawTable]:
    """The table as openpyxl's reader and calamine's reader give it."""
    return FileBook(path).read_table(spec), CalamineBook(path).read_table(spec)


def refusals(path: Path, spec: TableSpec) -> tuple[KommuneokonomiError, KommuneokonomiError]:
    """The error each reader raises for ``spec`` (fails if one of them reads the table)."""
    found = []
    for reader in (FileBook, CalamineBook):
        with pytest.raises(KommuneokonomiError) as exc:
            reader(path).read_table(spec)
        found.append(exc.value)
    return found[0], found[1]


def same_refusal(path: Path, spec: TableSpec) -> KommuneokonomiError:
    """Both readers refuse ``spec`` with the same type, code, location and message."""
    slow, fast = refusals(path, spec)
    assert (type(fast), fast.code, fast.location) == (type(slow), slow.code, slow.location)
    assert fast.describe() == slow.describe()
    return fast


def cell_problems(raw: RawTable, spec: TableSpec) -> list[str]:
    """The cell problems validation reports for the table, as the user reads them."""
    try:
        to_frame(raw, spec)
    except InputErrors as exc:
        return [e.describe() for e in exc]
    except InputError as exc:
        return [exc.describe()]
    return []


# --- Total rows -------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", INPUTS, ids=lambda s: s.name)
def test_total_row_is_not_read_as_data(
    example: Tables, built: Path, tmp_path: Path, spec: TableSpec
) -> None:
    path = write_xlsxwriter(tmp_path / "sum.xlsx", example, total_row=frozenset({spec.name}))
    headers, rows = example[spec.name]
    # the premise: the file has a total row below the data, and its table part says so
    ws = openpyxl.load_workbook(path)[spec.sheet]
    assert ws.tables[spec.name].totalsRowCount == 1
    assert ws.cell(row=len(rows) + 2, column=1).value == "Sum"
    slow, fast = read_both(path, spec)
    assert fast == slow
    assert (fast.sheet, fast.top, fast.left, fast.headers) == (spec.sheet, 1, 1, headers)
    assert fast.rows == rows  # every data row, and the total row not among them
    assert fast.rows[-1][0] != "Sum"
    # and the workbook computes what the example does, through either reader
    expected = recalculate(FileBook(built / SAVINGS_EXAMPLE)).sectors
    for reader in (FileBook, CalamineBook):
        got = recalculate(reader(path)).sectors
        assert got is not None and expected is not None
        pd.testing.assert_frame_equal(got, expected)


def test_total_row_switched_on_by_openpyxl(example: Tables, built: Path, tmp_path: Path) -> None:
    """openpyxl's own way: the table area grows by a row and ``totalsRowCount`` is set."""
    path = tmp_path / "sum.xlsx"
    wb = openpyxl.load_workbook(built / SAVINGS_EXAMPLE)
    ws = wb[KOMMUNER.sheet]
    table = ws.tables[KOMMUNER.name]
    n = len(example[KOMMUNER.name][1])
    table.ref = f"A1:C{n + 2}"
    table.totalsRowCount = 1
    ws.cell(row=n + 2, column=1, value="Antall")
    ws.cell(row=n + 2, column=3, value=f"=SUBTOTAL(103,C2:C{n + 1})")
    wb.save(path)
    slow, fast = read_both(path, KOMMUNER)
    assert fast == slow
    assert fast.rows == example[KOMMUNER.name][1]
    assert fast.rows[-1] == ["Drammen", "0602", "ASSS"]


def test_totals_row_shown_alone_is_no_total_row(example: Tables, tmp_path: Path) -> None:
    """``totalsRowShown`` says a total row was once switched on, not that it is there now:
    without ``totalsRowCount`` the last row is data."""
    path = write_xlsxwriter(tmp_path / "vist.xlsx", example)
    edit_part(
        path,
        "xl/tables/table2.xml",  # tblKommuner
        lambda xml: xml.replace('totalsRowShown="0"', 'totalsRowShown="1"'),
    )
    slow, fast = read_both(path, KOMMUNER)
    assert fast == slow
    assert fast.rows[-1] == ["Drammen", "0602", "ASSS"]
    assert len(fast.rows) == len(example[KOMMUNER.name][1])


def test_merged_cells_in_the_total_row_are_not_in_the_table(
    example: Tables, tmp_path: Path
) -> None:
    """A label spanning the total row (A:C) is no merged cell among the data."""
    path = write_xlsxwriter(tmp_path / "sum.xlsx", example, total_row=frozenset({DATA.name}))
    total = len(example[DATA.name][1]) + 2
    edit_part(path, sheet_part(DATA), add_merge(f"A{total}:C{total}"))
    slow, fast = read_both(path, DATA)
    assert fast == slow
    assert fast.rows == example[DATA.name][1]


# --- Header row -------------------------------------------------------------------------------


def test_table_without_header_row_is_refused(example: Tables, tmp_path: Path) -> None:
    path = write_xlsxwriter(tmp_path / "uten.xlsx", example, header_off=frozenset({KOMMUNER.name}))
    error = same_refusal(path, KOMMUNER)
    assert isinstance(error, LayoutError)
    assert error.code == "mangler_overskrift"
    assert error.location == Location(sheet="Kommuner", cell="A1")
    assert error.describe().startswith(
        "arket 'Kommuner', celle A1: tabellen tblKommuner har ingen overskriftsrad"
    )


# --- Merged cells -----------------------------------------------------------------------------


def test_merged_cells_made_by_openpyxl(built: Path, tmp_path: Path) -> None:
    path = tmp_path / "flettet.xlsx"
    wb = openpyxl.load_workbook(built / SAVINGS_EXAMPLE)
    wb[KOMMUNER.sheet].merge_cells("C3:C4")
    wb.save(path)
    error = same_refusal(path, KOMMUNER)
    assert error.code == "sammenslatte_celler"
    assert error.location == Location(sheet="Kommuner", cell="C3")
    assert error.describe() == (
        "arket 'Kommuner', celle C3: tabellen tblKommuner har sammenslåtte celler (C3:C4); "
        "del dem opp (Hjem > Slå sammen og midtstill > Del opp celler) og fyll ut hver celle"
    )
    # the other tables of the book still read
    slow, fast = read_both(path, DATA)
    assert fast == slow


def test_merged_cells_in_the_sheet_xml(example: Tables, tmp_path: Path) -> None:
    """Two merges in the sheet XML: the first in reading order is reported; a merge outside
    the table's area is no concern."""
    path = write_xlsxwriter(tmp_path / "flettet.xlsx", example)

    def merges(xml: str) -> str:
        cells = '<mergeCell ref="G1:H1"/><mergeCell ref="C9:D9"/><mergeCell ref="B3:C3"/>'
        return xml.replace(
            "</sheetData>", f'</sheetData><mergeCells count="3">{cells}</mergeCells>'
        )

    edit_part(path, sheet_part(DATA), merges)
    error = same_refusal(path, DATA)
    assert error.code == "sammenslatte_celler"
    assert error.location == Location(sheet="Data", cell="B3")
    assert "tabellen tblData har sammenslåtte celler (B3:C3)" in error.describe()
    slow, fast = read_both(path, KOMMUNER)  # merges on another sheet do not matter
    assert fast == slow


# --- Error values -----------------------------------------------------------------------------

#: The error cell D6 (tblData's fifth data row, column Verdi) in the forms writers use.
ERROR_FORMS = {
    "excel": ('<c r="D6" t="e"><f>1/0</f><v>#DIV/0!</v></c>', "#DIV/0!"),
    "libreoffice_aca": (
        '<c r="D6" s="0" t="e"><f aca="false">1/0</f><v>#DIV/0!</v></c>',
        "#DIV/0!",
    ),
    "array_formula": ('<c r="D6" t="e"><f t="array" ref="D6">1/0</f><v>#DIV/0!</v></c>', "#DIV/0!"),
    "attributes_reordered_single_quotes": (
        "<c t='e' s=\"0\" r='D6'><f>NA()</f><v>#N/A</v></c>",
        "#N/A",
    ),
    "value_with_whitespace": (
        '<c r="D6" t="e">\n  <f>1/0</f>\n  <v> #DIV/0! </v>\n</c>',
        " #DIV/0! ",
    ),
    "constant_without_formula": ('<c r="D6" t="e"><v>#REF!</v></c>', "#REF!"),
    "spill_calamine_does_not_know": (
        '<c r="D6" t="e"><f>SEQUENCE(2)</f><v>#SPILL!</v></c>',
        "#SPILL!",
    ),
    "calc_calamine_does_not_know": (
        '<c r="D6" t="e"><f>FILTER(A2:A3,B2:B3=0)</f><v>#CALC!</v></c>',
        "#CALC!",
    ),
    "entity_in_value": ('<c r="D6" t="e"><v>#N&#47;A</v></c>', "#N/A"),
}


@pytest.mark.parametrize("form", ERROR_FORMS.values(), ids=ERROR_FORMS.keys())
def test_error_cell_forms(example: Tables, tmp_path: Path, form: tuple[str, str]) -> None:
    xml_cell, value = form
    path = write_xlsxwriter(tmp_path / "feil.xlsx", example)
    edit_part(path, sheet_part(DATA), replace_cell("D6", xml_cell))
    slow, fast = read_both(path, DATA)
    assert fast == slow
    assert fast.rows[4][3] == value
    assert fast.location(4, 3) == Location(sheet="Data", cell="D6")
    # every other cell as in the example
    expected = [list(r) for r in example[DATA.name][1]]
    expected[4][3] = value
    assert fast.rows == expected
    assert (
        cell_problems(fast, DATA)
        == cell_problems(slow, DATA)
        == [f"arket 'Data', celle D6: kolonnen 'Verdi': cellen har Excel-feilen {value.strip()}"]
    )


def test_shared_formula_error_cells(example: Tables, tmp_path: Path) -> None:
    """A shared formula: the first cell holds it (``ref``), the others point at it and are
    written as a self-closing ``<f t="shared" si="0"/>``."""
    path = write_xlsxwriter(tmp_path / "delt.xlsx", example)
    edit_part(
        path,
        sheet_part(DATA),
        lambda xml: replace_cell("D7", '<c r="D7" t="e"><f t="shared" si="0"/><v>#DIV/0!</v></c>')(
            replace_cell(
                "D6", '<c r="D6" t="e"><f t="shared" ref="D6:D7" si="0">B6/0</f><v>#DIV/0!</v></c>'
            )(xml)
        ),
    )
    slow, fast = read_both(path, DATA)
    assert fast == slow
    assert [fast.rows[4][3], fast.rows[5][3]] == ["#DIV/0!", "#DIV/0!"]
    assert fast.rows[6][3] == example[DATA.name][1][6][3]
    assert (
        cell_problems(fast, DATA)
        == cell_problems(slow, DATA)
        == [
            "arket 'Data', celle D6: kolonnen 'Verdi': cellen har Excel-feilen #DIV/0!",
            "arket 'Data', celle D7: kolonnen 'Verdi': cellen har Excel-feilen #DIV/0!",
        ]
    )


def test_error_cells_written_by_xlsxwriter_and_recalculated(
    example: Tables, tmp_path: Path
) -> None:
    """Errors as XlsxWriter stores them, in a text and a number column, end to end."""
    path = write_xlsxwriter(
        tmp_path / "feil.xlsx",
        example,
        errors={"D9": ("=1/0", "#DIV/0!"), "A12": ("=NA()", "#N/A")},
    )
    slow, fast = read_both(path, DATA)
    assert fast == slow
    assert (fast.rows[7][3], fast.rows[10][0]) == ("#DIV/0!", "#N/A")
    messages = []
    for reader in (FileBook, CalamineBook):
        with pytest.raises(KommuneokonomiError) as exc:
            recalculate(reader(path))
        messages.append(exc.value.describe())
    assert messages[0] == messages[1]
    assert (
        "arket 'Data', celle A12: kolonnen 'Kommune': cellen har Excel-feilen #N/A" in messages[0]
    )
    assert (
        "arket 'Data', celle D9: kolonnen 'Verdi': cellen har Excel-feilen #DIV/0!" in messages[0]
    )


def test_prefixed_namespace(example: Tables, tmp_path: Path) -> None:
    """Every element of the sheet written with a prefix (``<x:c>``), as some .NET writers do."""
    path = write_xlsxwriter(tmp_path / "prefiks.xlsx", example)
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    def prefixed(xml: str) -> str:
        xml = re.sub(r"<(/?)([A-Za-z]\w*)(?=[\s/>])", r"<\1x:\2", xml)
        return xml.replace(f'xmlns="{main}"', f'xmlns:x="{main}"')

    edit_part(path, sheet_part(DATA), replace_cell("D6", ERROR_FORMS["libreoffice_aca"][0]))
    edit_part(path, sheet_part(DATA), add_merge("F1:G1"))
    edit_part(path, sheet_part(DATA), prefixed)
    with zipfile.ZipFile(path) as z:
        assert '<x:c r="D6" s="0" t="e"><x:f aca="false">' in z.read(sheet_part(DATA)).decode()
    slow, fast = read_both(path, DATA)
    assert fast == slow
    assert fast.rows[4][3] == "#DIV/0!"
    edit_part(path, sheet_part(DATA), lambda xml: xml.replace('ref="F1:G1"', 'ref="A6:B6"'))
    error = same_refusal(path, DATA)
    assert error.location == Location(sheet="Data", cell="A6")


def test_cells_without_address(example: Tables, tmp_path: Path) -> None:
    """``r`` is optional: a row's cells without it follow each other from column A, as the
    cells of row 6 here (the error in the fourth, D6)."""
    path = write_xlsxwriter(tmp_path / "uten-r.xlsx", example)
    edit_part(
        path, sheet_part(DATA), replace_cell("D6", '<c r="D6" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
    )

    def unaddressed(xml: str) -> str:
        row = re.search(r'<row r="6".*?</row>', xml)
        assert row is not None
        return xml.replace(row[0], re.sub(r'<c r="[A-Z]+6"', "<c", row[0]))

    edit_part(path, sheet_part(DATA), unaddressed)
    slow, fast = read_both(path, DATA)
    assert fast == slow
    assert fast.rows[4][3] == "#DIV/0!"
    assert fast.rows[4][:3] == example[DATA.name][1][4][:3]


def test_error_cells_outside_the_table_are_not_read(example: Tables, tmp_path: Path) -> None:
    path = write_xlsxwriter(tmp_path / "utenfor.xlsx", example)
    edit_part(
        path,
        sheet_part(DATA),
        lambda xml: xml.replace(
            "</row>", '<c r="H2" t="e"><f aca="false">1/0</f><v>#DIV/0!</v></c></row>', 1
        ),
    )
    slow, fast = read_both(path, DATA)
    assert fast == slow
    assert fast.rows == example[DATA.name][1]


# --- Saved by LibreOffice ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def soffice() -> str:
    path = soffice_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) mangler i CI; .ci/run skal installere det")
        pytest.skip("LibreOffice (soffice) er ikke installert")
    return path


def test_saved_by_libreoffice(soffice: str, example: Tables, tmp_path: Path) -> None:
    """LibreOffice's own file: error cells as ``<f aca="false">``, styles on every cell, its
    own table parts (a total row on tblKommuner, which it keeps)."""
    source = write_xlsxwriter(
        tmp_path / "kilde.xlsx",
        example,
        total_row=frozenset({KOMMUNER.name}),
        errors={"D6": ("=1/0", "#DIV/0!"), "D7": ("=D6*2", "#DIV/0!"), "A12": ("=NA()", "#N/A")},
    )
    path = tmp_path / "libreoffice.xlsx"
    with tempfile.TemporaryDirectory(prefix="kommuneokonomi-lo-") as work:
        shutil.copyfile(_convert(source, "xlsx", Path(work), timeout=120), path)
    with zipfile.ZipFile(path) as z:  # the premise: LibreOffice wrote the forms read here
        data = next(
            z.read(n).decode()
            for n in z.namelist()
            if n.startswith("xl/worksheets/sheet") and 'r="A221"' in z.read(n).decode()
        )
    assert '<c r="D6" s="0" t="e"><f aca="false">1/0</f><v>#DIV/0!</v></c>' in data
    for spec in INPUTS:
        slow, fast = read_both(path, spec)
        assert fast == slow, spec.name
    kommuner = CalamineBook(path).read_table(KOMMUNER)
    assert kommuner.rows == example[KOMMUNER.name][1]  # the total row left out
    rows = CalamineBook(path).read_table(DATA).rows
    assert (rows[4][3], rows[5][3], rows[10][0]) == ("#DIV/0!", "#DIV/0!", "#N/A")
    messages = []
    for reader in (FileBook, CalamineBook):
        with pytest.raises(KommuneokonomiError) as exc:
            recalculate(reader(path))
        messages.append(exc.value.describe())
    assert messages[0] == messages[1]
    for cell, column, error in (("D6", "Verdi", "#DIV/0!"), ("A12", "Kommune", "#N/A")):
        assert (
            f"arket 'Data', celle {cell}: kolonnen '{column}': cellen har Excel-feilen {error}"
            in (messages[0])
        )


# --- A large table ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def large(example: Tables, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tblData with 20 400 rows (the example's and more years of the same series)."""
    headers, rows = example[DATA.name]
    more = [list(r) for r in rows]
    year = 1990
    while len(more) < 20_400:
        more += [[r[0], year, *r[2:]] for r in rows]
        year -= 1
    tables = dict(example)
    tables[DATA.name] = (headers, more[:20_400])
    return write_xlsxwriter(tmp_path_factory.mktemp("stor") / "stor.xlsx", tables)


def test_large_table_merged_cell_far_down(large: Path, tmp_path: Path) -> None:
    path = tmp_path / "stor-flettet.xlsx"
    path.write_bytes(large.read_bytes())
    edit_part(path, sheet_part(DATA), add_merge("B19817:C19818"))
    error = same_refusal(path, DATA)
    assert error.code == "sammenslatte_celler"
    assert error.location == Location(sheet="Data", cell="B19817")
    assert "tabellen tblData har sammenslåtte celler (B19817:C19818)" in error.describe()


def test_large_table_aca_error_far_down(large: Path, tmp_path: Path) -> None:
    path = tmp_path / "stor-feil.xlsx"
    path.write_bytes(large.read_bytes())
    edit_part(
        path,
        sheet_part(DATA),
        replace_cell(
            "D20303", '<c r="D20303" s="0" t="e"><f aca="false">1/0</f><v>#DIV/0!</v></c>'
        ),
    )
    slow, fast = read_both(path, DATA)
    assert fast == slow
    assert len(fast.rows) == 20_400
    assert fast.rows[20_301][3] == "#DIV/0!"  # data row 20 302 sits on sheet row 20 303
    assert (
        cell_problems(fast, DATA)
        == cell_problems(slow, DATA)
        == ["arket 'Data', celle D20303: kolonnen 'Verdi': cellen har Excel-feilen #DIV/0!"]
    )


# --- Damaged and hostile sheets --------------------------------------------------------------


def test_entities_deep_in_a_sheet_are_refused_alike(example: Tables, tmp_path: Path) -> None:
    """A DTD behind a comment longer than check_package's look at the first bytes: openpyxl's
    defusedxml refuses it, and so does the calamine reader (calamine itself would only fail
    on the unknown entity)."""
    path = write_xlsxwriter(tmp_path / "dtd.xlsx", example)

    def with_entities(xml: str) -> str:
        body = xml.split("?>", 1)[1].replace("<v>0</v>", "<v>&lol;</v>", 1)
        dtd = '<!DOCTYPE worksheet [<!ENTITY lol "lol">]>'
        return f'<?xml version="1.0"?><!--{"x" * 70_000}-->{dtd}{body}'

    edit_part(path, sheet_part(DATA), with_entities)
    error = same_refusal(path, DATA)
    assert error.code == "farlig_xml"
    assert error.location == Location(file="dtd.xlsx")


DAMAGE = {
    "truncated_sheet": (sheet_part(DATA), lambda xml: xml[: len(xml) // 2]),
    # calamine reads on over these two; openpyxl does not
    "nul_byte_in_sheet": (sheet_part(DATA), lambda xml: xml.replace("</row>", "</row>\x00", 1)),
    "mismatched_end_tag": (sheet_part(DATA), lambda xml: xml.replace("</row>", "</rad>", 1)),
    "empty_document_properties": ("docProps/core.xml", lambda xml: ""),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_damaged_package_is_refused_alike(
    example: Tables, tmp_path: Path, damage: tuple[str, Callable[[str], str]]
) -> None:
    part, edit = damage
    path = write_xlsxwriter(tmp_path / "skadet.xlsx", example)
    edit_part(path, part, edit)
    slow, fast = refusals(path, KOMMUNER)  # a table on another sheet: the file is refused
    for error in (slow, fast):
        assert (error.code, error.location) == ("ugyldig_fil", Location(file="skadet.xlsx"))
        assert error.message.startswith("filen kan ikke leses som Excel-fil; den kan være skadet (")
    # the calamine reader names what is damaged
    assert ("(arket 'Data': " if part == sheet_part(DATA) else f"({part}: ") in fast.message


# --- Where a table sits ----------------------------------------------------------------------


def test_table_away_from_a1_with_cells_around(tmp_path: Path) -> None:
    """A table at C4 with text above, left and right of it and an empty last column: the
    readers cut out the same cells."""
    path = tmp_path / "c4.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Kommuner")
    ws.write("A1", "Kommunene i analysen")
    ws.write("B5", "utenfor")
    ws.write("G6", 99)
    rows = [["Oslo", "0301", "ASSS", None], ["Bergen", "4601", None, None]]
    ws.add_table(
        "C4:F6",
        {
            "name": "tblKommuner",
            "data": rows,
            "columns": [{"header": h} for h in ("Kommune", "Kommunenummer", "Gruppe", "Merknad")],
        },
    )
    wb.close()
    slow, fast = read_both(path, KOMMUNER)
    assert fast == slow
    assert (fast.top, fast.left) == (4, 3)
    assert fast.headers == ["Kommune", "Kommunenummer", "Gruppe", "Merknad"]
    assert fast.rows == rows
    assert fast.location(1, 2) == Location(sheet="Kommuner", cell="E6")


def test_table_claiming_the_whole_sheet(built: Path, example: Tables, tmp_path: Path) -> None:
    """A1:XFD1048576 reads as far as the sheet has cells (calamine's own table reading would
    try to hold 17 billion cells and abort the process)."""
    path = tmp_path / "hele.xlsx"
    wb = openpyxl.load_workbook(built / SAVINGS_EXAMPLE)
    table = wb[KOMMUNER.sheet].tables[KOMMUNER.name]
    table.ref = "A1:XFD1048576"
    table.autoFilter = None
    wb.save(path)
    slow, fast = read_both(path, KOMMUNER)
    assert fast == slow
    assert fast.headers == example[KOMMUNER.name][0]
    assert fast.rows == example[KOMMUNER.name][1]


# --- Where a table lives ----------------------------------------------------------------------


def test_table_sheet(built: Path, example: Tables, tmp_path: Path) -> None:
    book = CalamineBook(built / SAVINGS_EXAMPLE)
    assert book.table_sheet("tblData") == "Data"
    assert book.table_sheet("tblInnstillinger") == "Innstillinger"
    assert book.table_sheet("tblFinnesIkke") is None
    # a sheet renamed by the user, with characters XML escapes
    path = write_xlsxwriter(tmp_path / "omdoept.xlsx", example)
    edit_part(
        path,
        "xl/workbook.xml",
        lambda xml: xml.replace('name="Data"', 'name="Tall &amp; &lt;data&gt;"'),
    )
    renamed = CalamineBook(path)
    assert renamed.table_sheet("tblData") == "Tall & <data>"
    slow, fast = read_both(path, DATA)
    assert fast == slow
    assert fast.sheet == "Tall & <data>"


# --- The one answer both readers ask ----------------------------------------------------------


def test_table_body() -> None:
    body = {"name": "tblData", "sheet": "Data", "ref": "B3:E10", "merged": [(7, 1, 8, 12)]}
    assert table_body(**body, header_rows=None, total_rows=None) == (2, 3, 5, 10)
    assert table_body(**body, header_rows=1, total_rows=1) == (2, 3, 5, 9)
    with pytest.raises(LayoutError) as exc:
        table_body(**{**body, "ref": "B3:XYZ"}, header_rows=1, total_rows=0)
    assert exc.value.code == "ugyldig_tabell"
    assert "tabellen tblData har et ugyldig område ('B3:XYZ')" in exc.value.describe()
    with pytest.raises(LayoutError) as exc:
        table_body(**{**body, "merged": [(5, 10, 5, 10)]}, header_rows=1, total_rows=0)
    assert exc.value.location == Location(sheet="Data", cell="E10")
    assert "(E10)" in exc.value.describe()
    # a merge in the total row only is outside the cells read
    assert table_body(**{**body, "merged": [(2, 10, 3, 10)]}, header_rows=1, total_rows=1) == (
        2,
        3,
        5,
        9,
    )
