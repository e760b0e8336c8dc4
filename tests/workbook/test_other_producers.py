"""Workbooks made by other programs keep every part of the user's content after ``recalc``
(issue 12, acceptance).

The savings example's input tables are written again by an independent producer, with what
real workbooks carry beside the tables: a chart, a comment, data validation (a dropdown), a
defined name, a pivot table over ``tblData``, a sheet of the user's own formulas pointing at
the output tables, and in one variant VBA macros (``.xlsm``). Producers:

* XlsxWriter (``.xlsx`` and ``.xlsm``, with our add-in's ``vbaProject.bin``);
* LibreOffice (headless), which opens the XlsxWriter file and saves it as its own package.

After ``recalc``: every part of the original package other than the few the tool must touch
(``workbook.xml``, its relationships, ``[Content_Types].xml``, ``styles.xml`` and
``docProps/app.xml``) is byte-identical; in those, the user's defined names, sheets, pivot
caches and cell formats are all still there; and LibreOffice, reopening the result and
recalculating, computes the user's formulas over the output tables to the engine's figures.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from kommuneokonomi.cli import SAVINGS_EXAMPLE, main
from kommuneokonomi.service import recalculate
from kommuneokonomi.workbook.build import build_all
from kommuneokonomi.workbook.fastread import CalamineBook

from ..support.libreoffice import _convert, recalculated_values
from .test_libreoffice import soffice  # noqa: F401  (the shared fixture: CI fails without LibreOffice)

ADDIN = Path(__file__).parents[2] / "src" / "kommuneokonomi" / "data" / "addin"
#: parts the tool rewrites by design; everything else must come back byte for byte
TOUCHED = {
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "[Content_Types].xml",
    "xl/styles.xml",
    "docProps/app.xml",
}


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bygget")
    build_all(folder)
    return folder / SAVINGS_EXAMPLE


def _vba_project() -> bytes:
    with zipfile.ZipFile(ADDIN / "kommuneokonomi.xlam") as zf:
        return zf.read("xl/vbaProject.bin")


def _xlsxwriter_book(example: Path, target: Path) -> Path:
    """The example's input sheets written by XlsxWriter, with a user's extras."""
    import xlsxwriter

    src = openpyxl.load_workbook(example)
    wb = xlsxwriter.Workbook(str(target))
    for ws_src in src.worksheets:
        ws = wb.add_worksheet(ws_src.title)
        for row in ws_src.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str):
                    ws.write_string(cell.row - 1, cell.column - 1, value)
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    ws.write_number(cell.row - 1, cell.column - 1, value)
        for table in ws_src.tables.values():
            header = [c.value for c in next(iter(ws_src[table.ref]))]
            ws.add_table(
                table.ref,
                {"name": table.name, "columns": [{"header": str(h)} for h in header]},
            )
        if ws_src.title == "Innstillinger":
            ws.write_comment("A2", "Kommunen vi analyserer (skrevet av brukeren)")
            ws.data_validation(
                "B7", {"validate": "list", "source": ["Ja", "Nei"], "input_title": "Ja/Nei"}
            )
        if ws_src.title == "Data":
            chart = wb.add_chart({"type": "column"})
            chart.add_series({"name": "Verdi", "values": "=Data!$D$2:$D$11"})
            ws.insert_chart("G2", chart)
    wb.define_name("EgenKommune", "=Innstillinger!$B$2")
    notes = wb.add_worksheet("Notater")
    notes.write_string("A1", "Sum innsparing 1")
    notes.write_formula("B1", "=SUM(tblInnsparing[Innsparing 1 (mill. kr)])")
    notes.write_string("A2", "Egen kommune")
    notes.write_formula("B2", "=EgenKommune")
    notes.write_string("A3", "Antall linjer")
    notes.write_formula("B3", "=ROWS(tblInnsparing[Sektor])")
    if target.suffix == ".xlsm":
        vba = target.with_name("vbaProject.bin")
        vba.write_bytes(_vba_project())
        wb.add_vba_project(str(vba))
    wb.close()
    _add_pivot(target)
    return target


# A pivot table over tblData (Kommune as rows, sum of Verdi), as Excel stores one: a cache
# definition (records not saved), the table part on its own sheet, and the workbook's
# <pivotCaches>. XlsxWriter cannot make pivot tables, so the parts are added to its package.
_CACHE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<pivotCacheDefinition xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" \
saveData="0" refreshOnLoad="1" recordCount="0">\
<cacheSource type="worksheet"><worksheetSource name="tblData"/></cacheSource>\
<cacheFields count="2"><cacheField name="Kommune" numFmtId="0"><sharedItems/></cacheField>\
<cacheField name="Verdi" numFmtId="0"><sharedItems containsNumber="1" containsString="0" \
containsSemiMixedTypes="0"/></cacheField></cacheFields></pivotCacheDefinition>"""
_PIVOT = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<pivotTableDefinition xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
name="Pivot1" cacheId="1" dataCaption="Verdier" updatedVersion="6" createdVersion="6">\
<location ref="A3:B4" firstHeaderRow="1" firstDataRow="1" firstDataCol="1"/>\
<pivotFields count="2"><pivotField axis="axisRow" showAll="0"><items count="1">\
<item t="default"/></items></pivotField><pivotField dataField="1" showAll="0"/></pivotFields>\
<rowFields count="1"><field x="0"/></rowFields><rowItems count="1"><i t="grand"><x/></i>\
</rowItems><colItems count="1"><i/></colItems><dataFields count="1">\
<dataField name="Sum av Verdi" fld="1" baseField="0" baseItem="0"/></dataFields>\
</pivotTableDefinition>"""
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _add_pivot(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    workbook = parts["xl/workbook.xml"].decode()
    sheet_no = workbook.count("<sheet ") + 1
    rid = "rIdPivot1"
    workbook = re.sub(
        r"(<sheet [^>]*/>)(?!.*<sheet )",
        rf'\1<sheet name="Pivot" sheetId="{sheet_no + 10}" r:id="rIdPivotSheet"/>',
        workbook,
        count=1,
        flags=re.S,
    )
    workbook = workbook.replace(
        "</workbook>",
        f'<pivotCaches><pivotCache cacheId="1" r:id="{rid}"/></pivotCaches></workbook>',
    )
    # <pivotCaches> goes after <definedNames> and <calcPr> (schema order)
    parts["xl/workbook.xml"] = workbook.encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="{rid}" Type="{_REL}/pivotCacheDefinition" '
        'Target="pivotCache/pivotCacheDefinition1.xml"/>'
        f'<Relationship Id="rIdPivotSheet" Type="{_REL}/worksheet" '
        'Target="worksheets/sheetPivot.xml"/></Relationships>',
    )
    parts["xl/_rels/workbook.xml.rels"] = rels.encode()
    parts["xl/pivotCache/pivotCacheDefinition1.xml"] = _CACHE.encode()
    parts["xl/pivotTables/pivotTable1.xml"] = _PIVOT.encode()
    parts["xl/pivotTables/_rels/pivotTable1.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/pivotCacheDefinition" '
        'Target="../pivotCache/pivotCacheDefinition1.xml"/></Relationships>'
    ).encode()
    parts["xl/worksheets/sheetPivot.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Pivot over tblData</t></is>'
        b"</c></row></sheetData></worksheet>"
    )
    parts["xl/worksheets/_rels/sheetPivot.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/pivotTable" '
        'Target="../pivotTables/pivotTable1.xml"/></Relationships>'
    ).encode()
    types = parts["[Content_Types].xml"].decode()
    types = types.replace(
        "</Types>",
        f'<Override PartName="/xl/pivotCache/pivotCacheDefinition1.xml" '
        f'ContentType="{_CT}.pivotCacheDefinition+xml"/>'
        f'<Override PartName="/xl/pivotTables/pivotTable1.xml" '
        f'ContentType="{_CT}.pivotTable+xml"/>'
        f'<Override PartName="/xl/worksheets/sheetPivot.xml" '
        f'ContentType="{_CT}.worksheet+xml"/></Types>',
    )
    parts["[Content_Types].xml"] = types.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def _libreoffice_book(example: Path, target: Path) -> Path:
    """The XlsxWriter workbook opened by LibreOffice and saved as its own .xlsx package."""
    made = _xlsxwriter_book(example, target.with_name("fra_xlsxwriter.xlsx"))
    with tempfile.TemporaryDirectory(prefix="ko-lo-") as tmp:
        shutil.copyfile(_convert(made, "xlsx", Path(tmp), timeout=180), target)
    return target


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


Producer = Callable[[Path, Path], Path]
PRODUCERS: dict[str, tuple[Producer, str]] = {
    "xlsxwriter": (_xlsxwriter_book, "bok.xlsx"),
    "xlsxwriter-makroer": (_xlsxwriter_book, "bok.xlsm"),
    "libreoffice": (_libreoffice_book, "bok.xlsx"),
}


@pytest.mark.usefixtures("soffice")
@pytest.mark.parametrize("producer", list(PRODUCERS))
def test_recalc_keeps_every_part_of_the_users_content(
    example: Path, tmp_path: Path, producer: str
) -> None:
    make, name = PRODUCERS[producer]
    path = make(example, tmp_path / name)
    before = _parts(path)
    out = tmp_path / f"beregnet{path.suffix}"
    assert main(["recalc", str(path), "-o", str(out)]) == 0
    after = _parts(out)

    # every part of the original is still there; those the tool has no business in unchanged
    assert set(before) <= set(after), set(before) - set(after)
    changed = [n for n in before if n not in TOUCHED and before[n] != after[n]]
    assert changed == []
    kinds = " ".join(before)
    assert "xl/pivotTables/" in kinds and "xl/charts/" in kinds
    assert any("comments" in n for n in before)
    if path.suffix == ".xlsm":
        assert after["xl/vbaProject.bin"] == _vba_project()

    # in the parts the tool rewrites, nothing of the user's is lost
    workbook = after["xl/workbook.xml"].decode()
    assert re.search(r'<(\w+:)?definedName [^>]*name="EgenKommune"', workbook)
    assert "<pivotCache " in workbook or ":pivotCache " in workbook
    wb = openpyxl.load_workbook(out)
    original = openpyxl.load_workbook(path)
    assert [s for s in wb.sheetnames if s in original.sheetnames] == original.sheetnames
    assert {"Innsparing"} <= set(wb.sheetnames)
    innst = wb["Innstillinger"]
    assert innst["A2"].comment is not None
    assert "Kommunen vi analyserer" in innst["A2"].comment.text
    assert [dv.sqref for dv in innst.data_validations.dataValidation] == [
        dv.sqref for dv in original["Innstillinger"].data_validations.dataValidation
    ]
    for sheet in original.sheetnames:  # every input cell and its number format
        for row in original[sheet].iter_rows():
            for cell in row:
                copy = wb[sheet][cell.coordinate]
                assert (copy.value, copy.number_format) == (cell.value, cell.number_format)

    # LibreOffice reopens the result and computes the user's formulas over the output tables
    engine = recalculate(CalamineBook(path))
    values = recalculated_values(out)
    notes = values["Notater"]
    assert notes[0][1] == pytest.approx(float(engine.lines["innsparing_1_mnok"].sum()))
    assert notes[1][1] == "Trondheim"
    assert notes[2][1] == len(engine.lines)


@pytest.mark.usefixtures("soffice")
def test_a_users_structured_reference_follows_the_table_when_it_moves(
    example: Path, tmp_path: Path
) -> None:
    """The README's way to refer to results: by table name. After a line is removed the
    sector table moves up a row; the user's formulas still find the Sum and a sector."""
    path = tmp_path / SAVINGS_EXAMPLE
    shutil.copyfile(example, path)
    assert main(["recalc", str(path)]) == 0
    wb = openpyxl.load_workbook(path)
    before = wb["Innsparing"].tables["tblInnsparingSektor"].ref
    notes = wb.create_sheet("Notater")
    notes["B1"] = (
        '=SUMIF(tblInnsparingSektor[Sektor],"Sum",tblInnsparingSektor[Innsparing 1 (mill. kr)])'
    )
    notes["B2"] = (
        '=SUMIF(tblInnsparingSektor[Sektor],"Barnevern",'
        "tblInnsparingSektor[Innsparing 2 (mill. kr)])"
    )
    ws = wb["Indikatorer"]
    table = ws.tables["tblIndikatorer"]
    last = int(table.ref.split(":")[1][1:])
    for cell in ws[last]:
        cell.value = None  # the last line (Barnehage) goes
    table.ref = f"A1:J{last - 1}"
    table.autoFilter.ref = table.ref
    wb.save(path)

    assert main(["recalc", str(path)]) == 0
    after = openpyxl.load_workbook(path)["Innsparing"].tables["tblInnsparingSektor"].ref
    assert after != before  # the table moved
    engine = recalculate(CalamineBook(path)).sectors.set_index("sektor")  # type: ignore[union-attr]
    notes_values = recalculated_values(path)["Notater"]
    assert notes_values[0][1] == pytest.approx(engine.loc["Sum", "innsparing_1_mnok"])
    assert notes_values[1][1] == pytest.approx(engine.loc["Barnevern", "innsparing_2_mnok"])
