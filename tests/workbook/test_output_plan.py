"""The output sheets: described once as data (``workbook/output.py``), rendered by XlsxWriter.

* Every formula cell on Innsparing and Kontroller carries the engine's value as its cached
  result, whether lxml is installed or not and whether the part transplant or the openpyxl
  fallback writes the file; read back by two independent readers (python-calamine and
  openpyxl ``data_only``). openpyxl serialises an empty value as ``<v/>`` without lxml and as
  ``<v></v>`` with it; the old regex patch matched only the first, so every sum was saved
  empty when lxml was installed.
* The file holds what the plan says (tables, formats, status colours, charts, widths, frozen
  rows, stamp and title).
* The description types import no writer, and ``files`` still exports them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kommuneokonomi.cli import BUDGET_EXAMPLE, SAVINGS_EXAMPLE
from kommuneokonomi.service import recalculate
from kommuneokonomi.workbook import files, output
from kommuneokonomi.workbook import layout as L
from kommuneokonomi.workbook.build import build_all
from kommuneokonomi.workbook.files import FileBook, patch_cached_values, render_outputs
from kommuneokonomi.workbook.output import (
    Formula,
    OutputSheet,
    OutputTable,
    Placement,
    plan_sheet,
)
from kommuneokonomi.workbook.package import PackageError, replace_output_sheets, workbook_names
from kommuneokonomi.workbook.tables import column_letter

TRANSITIONAL = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
OUTPUT = {"innsparing": (SAVINGS_EXAMPLE, "Innsparing"), "budsjett": (BUDGET_EXAMPLE, "Kontroller")}

#: ``kommuneokonomi recalc`` in a fresh interpreter; ``uten`` makes lxml unimportable before
#: openpyxl is loaded, so openpyxl falls back to the standard library's serialiser.
RECALC = """
import sys
if sys.argv[1] == "uten":
    sys.modules["lxml"] = None
import openpyxl.xml
from kommuneokonomi.cli import main
code = main(sys.argv[2:])
print("LXML=" + str(openpyxl.xml.LXML))
sys.exit(code)
"""


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bygget")
    build_all(folder)
    return folder


def _strict(source: Path, target: Path) -> Path:
    """``source`` with workbook.xml in the Strict OOXML namespace: openpyxl reads it, the part
    transplant refuses it, so writing takes the openpyxl fallback."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/workbook.xml":
                data = data.replace(TRANSITIONAL, STRICT)
            zout.writestr(info, data)
    return target


def _recalc_in_subprocess(lxml: str, source: Path, target: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", RECALC, lxml, "recalc", str(source), "-o", str(target)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert f"LXML={lxml == 'med'}" in done.stdout, done.stdout


def _formula_cells(path: Path, sheet: str) -> dict[str, str]:
    ws = openpyxl.load_workbook(path)[sheet]
    return {
        c.coordinate: c.value
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=")
    }


def _calamine_grid(path: Path, sheet: str) -> list[list[object]]:
    import python_calamine

    found = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet)
    assert getattr(found, "start", (0, 0)) == (0, 0)  # A1 holds the stamp
    return list(found.to_python())


@pytest.mark.parametrize("writer", ["transplant", "openpyxl"])
@pytest.mark.parametrize("lxml", ["uten", "med"], ids=["uten lxml", "med lxml"])
@pytest.mark.parametrize("kind", ["innsparing", "budsjett"])
def test_every_formula_has_the_engine_value_cached(
    built: Path, tmp_path: Path, kind: str, lxml: str, writer: str
) -> None:
    if lxml == "med":
        try:
            import lxml as _lxml  # noqa: F401
        except ImportError:
            if _in_ci():
                pytest.fail("lxml mangler i CI; den står i dev-ekstraen i pyproject.toml")
            pytest.skip("lxml er ikke installert")
    name, sheet = OUTPUT[kind]
    source = built / name
    if writer == "openpyxl":
        source = _strict(source, tmp_path / name)
        with pytest.raises(PackageError):
            workbook_names(source)
    target = tmp_path / f"ut-{name}"
    _recalc_in_subprocess(lxml, source, target)

    plan = plan_sheet(
        next(s for s in recalculate(FileBook(built / name)).sheets if s.name == sheet), stamp="x"
    )
    expected = plan.formulas()
    assert len(expected) >= 5
    assert _formula_cells(target, sheet) == {a: "=" + f.text for a, f in expected.items()}
    values = openpyxl.load_workbook(target, data_only=True)[sheet]
    grid = _calamine_grid(target, sheet)
    for address, formula in expected.items():
        assert isinstance(formula.value, float | int), address
        cell = values[address]
        assert cell.value == pytest.approx(formula.value, abs=1e-9), (address, "openpyxl")
        calamine = grid[cell.row - 1][cell.column - 1]
        assert calamine == pytest.approx(formula.value, abs=1e-9), (address, "calamine")


def test_the_file_holds_what_the_plan_says(built: Path, tmp_path: Path) -> None:
    for name, sheet_name in OUTPUT.values():
        target = tmp_path / name
        result = recalculate(FileBook(built / name))
        files.save_outputs(built / name, result.sheets, target, stamp="Beregnet i en test")
        wb = openpyxl.load_workbook(target)
        for sheet in result.sheets:
            plan = plan_sheet(sheet, stamp="Beregnet i en test")
            ws = wb[sheet.name]
            assert ws["A1"].value == "Beregnet i en test" and ws["A1"].font.i
            assert ws["A1"].font.color.rgb.endswith("666666")
            assert ws["A2"].value == sheet.title and ws["A2"].font.b and ws["A2"].font.sz == 14
            assert ws.freeze_panes == "A5"
            for t in plan.tables:
                assert ws.tables[t.spec.name].ref == t.address
                assert ws.tables[t.spec.name].tableStyleInfo.name == output.TABLE_STYLE
                for j, column in enumerate(t.spec.columns):
                    header = ws.cell(row=t.placement.top, column=t.placement.left + j)
                    assert header.value == column.header and header.font.b
                    for i in range(t.placement.n_rows):
                        cell = ws.cell(row=t.placement.top + 1 + i, column=t.placement.left + j)
                        own = t.cell_formats.get((i, j), column.number_format)
                        assert cell.number_format == (own or "General")
                        assert cell.alignment.vertical == "top"
                        assert bool(cell.alignment.wrap_text) == output.wraps(column)
            status = {
                (str(cf.sqref), rule.formula[0], rule.dxf.fill.fgColor.rgb[-6:])
                for cf in ws.conditional_formatting
                for rule in cf.rules
            }
            assert status == {
                (
                    f"{letter}{t.placement.top + 1}:{letter}{t.bottom}",
                    f'"{text}"',
                    color[1:],
                )
                for t in plan.tables
                if t.status_column is not None
                for letter in [column_letter(t.status_column)]
                for text, color in output.STATUS_COLORS.items()
            }
            charts = [(c.anchor._from.row + 1, c.anchor._from.col + 1) for c in ws._charts]
            assert charts == [(c.anchor_row, c.anchor_column) for c in plan.charts]
            widths = {
                openpyxl.utils.column_index_from_string(letter) + k: dim.width
                for letter, dim in ws.column_dimensions.items()
                if dim.customWidth
                for k in range(dim.max - dim.min + 1)
            }
            assert widths == pytest.approx(dict(plan.widths))
        if sheet_name == "Kontroller":  # the comparison above covered status colours
            assert len(wb[sheet_name].conditional_formatting) == 2


def test_a_formula_without_an_engine_value_has_no_cached_value(tmp_path: Path) -> None:
    """Never a false 0: a formula whose value the engine does not have is left uncached."""
    frame = pd.DataFrame([{c.name: None for c in L.BALANSE.columns}])
    frame["utgifter"], frame["inntekter"], frame["netto"] = 5.0, -2.0, float("nan")

    def netto(placed: dict[str, Placement]) -> dict[tuple[int, str], str]:
        me = placed["tblBalanse"]
        return {(0, "netto"): f"{me.cell(0, 'utgifter')}+{me.cell(0, 'inntekter')}"}

    sheet = OutputSheet("Ark", "t", [OutputTable(L.BALANSE, frame, netto)])
    (formula,) = plan_sheet(sheet, stamp="x").formulas().items()
    assert formula[1] == Formula(formula[1].text, None)
    path = tmp_path / "ut.xlsx"
    render_outputs([sheet], path, stamp="x")
    address = formula[0]
    assert openpyxl.load_workbook(path)["Ark"][address].value.startswith("=")
    assert openpyxl.load_workbook(path, data_only=True)["Ark"][address].value is None
    cell = openpyxl.load_workbook(path)["Ark"][address]
    assert _calamine_grid(path, "Ark")[cell.row - 1][cell.column - 1] in ("", None)


def test_rendered_sheets_go_into_the_package_by_construction(built: Path, tmp_path: Path) -> None:
    """XlsxWriter's parts (shared strings, styles, tables, drawings, charts) transplant whole."""
    source = built / SAVINGS_EXAMPLE
    result = recalculate(FileBook(source))
    rendered = tmp_path / "rendered.xlsx"
    render_outputs(result.sheets, rendered, stamp="x")
    with zipfile.ZipFile(rendered) as z:
        names = set(z.namelist())
    assert {"xl/sharedStrings.xml", "xl/charts/chart1.xml", "xl/tables/table1.xml"} <= names
    target = tmp_path / "ut.xlsx"
    replace_output_sheets(source, rendered, [s.name for s in result.sheets], target)
    with zipfile.ZipFile(source) as z:
        strings = {n: z.read(n) for n in z.namelist() if n == "xl/sharedStrings.xml"}
    with zipfile.ZipFile(target) as z:
        # the rendered shared strings became inline strings: the user's part is untouched
        assert {n: z.read(n) for n in z.namelist() if n == "xl/sharedStrings.xml"} == strings
    want = openpyxl.load_workbook(rendered, data_only=True)
    got = openpyxl.load_workbook(target, data_only=True)
    for sheet in result.sheets:
        w, g = want[sheet.name], got[sheet.name]
        assert [[c.value for c in r] for r in w.iter_rows()] == [
            [c.value for c in r] for r in g.iter_rows()
        ]
        assert len(g._charts) == len(w._charts)


# --- patching a workbook openpyxl saved (the SSB fetch) ----------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="B2"><f>SUM(A1:A2)</f><v/></c>',
        '<c r="B2"><f>SUM(A1:A2)</f><v /></c>',
        '<c r="B2"><f>SUM(A1:A2)</f><v></v></c>',
        '<c r="B2"><f>SUM(A1:A2)</f></c>',
        "<c s='0' r='B2' t=\"n\"><f>SUM(A1:A2)</f><v>0</v></c>",
    ],
    ids=["etree", "etree med mellomrom", "lxml", "uten v", "andre attributter"],
)
def test_patch_cached_values_takes_every_spelling(tmp_path: Path, cell: str) -> None:
    path = tmp_path / "bok.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Ark"
    ws["A1"], ws["A2"], ws["B2"], ws["C1"] = 1, 2, "=SUM(A1:A2)", "=A1&A2"
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    start = xml.index('<c r="B2"')
    parts["xl/worksheets/sheet1.xml"] = (
        xml[:start] + cell + xml[xml.index("</c>", start) + 4 :]
    ).encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    patch_cached_values(path, {"Ark": {"B2": 3.0, "C1": "12", "D9": 1.0}})
    values = openpyxl.load_workbook(path, data_only=True)["Ark"]
    assert (values["B2"].value, values["C1"].value) == (3, "12")
    assert openpyxl.load_workbook(path)["Ark"]["B2"].value == "=SUM(A1:A2)"


# --- the description imports no writer ---------------------------------------------------------


def test_the_description_and_the_service_import_no_writer() -> None:
    code = (
        "import sys\n"
        "import kommuneokonomi.workbook.output, kommuneokonomi.service, kommuneokonomi.national\n"
        "print([m for m in ('openpyxl', 'xlsxwriter', 'xlwings') if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


def test_files_still_exports_the_description() -> None:
    for name in ("ChartSpec", "Formula", "OutputSheet", "OutputTable", "Placement"):
        assert getattr(files, name) is getattr(output, name)
    assert files.place_tables is output.place_tables
    assert files.TABLE_STYLE == output.TABLE_STYLE
