"""An output table's name already used on another sheet (issue: a user keeps a snapshot).

A user renames the output sheet ``Innsparing`` to ``Innsparing (2)`` to keep it; its tables
(``tblInnsparing``, ...) move with it. Excel requires table names to be unique, so the next
recalculation cannot create them again. Every writer (the part transplant, the openpyxl
fallback, the live book) asks :func:`kommuneokonomi.workbook.output.check_table_names` before
anything is written and gives the same Norwegian ``LayoutError``: the file (or book) is left
as it was, and the message names the sheet and says what to do.
"""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kommuneokonomi import macros
from kommuneokonomi.cli import BUDGET_EXAMPLE, SAVINGS_EXAMPLE, main
from kommuneokonomi.errors import LayoutError
from kommuneokonomi.service import recalculate
from kommuneokonomi.workbook import layout as L
from kommuneokonomi.workbook.build import build_all
from kommuneokonomi.workbook.fastread import CalamineBook
from kommuneokonomi.workbook.files import FileBook, save_outputs, save_through_openpyxl
from kommuneokonomi.workbook.output import OutputSheet, OutputTable, check_table_names

from ..trust.helpers import digest, run_cli, temp_files

STAMP = "Beregnet i en test"
HOW = "Tabellutforming > Tabellnavn"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bygget")
    build_all(folder)
    for name in (SAVINGS_EXAMPLE, BUDGET_EXAMPLE):
        # the examples as a user has them: recalculated once, output sheets present
        assert main(["recalc", str(folder / name)]) == 0
    return folder


def _renamed(source: Path, target: Path, sheet: str, new: str) -> Path:
    """``source`` with the sheet ``sheet`` renamed to ``new`` (its tables move with it)."""
    wb = openpyxl.load_workbook(source)
    wb[sheet].title = new
    wb.save(target)
    return target


def _strict(source: Path, target: Path) -> Path:
    """Strict OOXML workbook.xml: the transplant refuses it, the openpyxl fallback writes."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/workbook.xml":
                data = data.replace(
                    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                    b"http://purl.oclc.org/ooxml/spreadsheetml/main",
                )
            zout.writestr(info, data)
    return target


def _assert_refused(err: str, *, sheet: str, tables: tuple[str, ...]) -> None:
    assert err.startswith("Feil: "), err
    assert "Traceback" not in err
    assert f"arket '{sheet}'" in err
    for table in tables:
        assert table in err
    assert HOW in err and "eller slett arket, og beregn på nytt" in err


# --- the command line ----------------------------------------------------------------------


@pytest.mark.parametrize("in_place", [True, False], ids=["på stedet", "med -o"])
def test_cli_savings_snapshot_sheet(built: Path, tmp_path: Path, in_place: bool) -> None:
    path = _renamed(
        built / SAVINGS_EXAMPLE, tmp_path / SAVINGS_EXAMPLE, "Innsparing", "Innsparing (2)"
    )
    before = digest(path)
    target = path if in_place else tmp_path / "resultat.xlsx"
    run = run_cli("recalc", path, *([] if in_place else ["-o", target]))
    assert run.code == 2
    _assert_refused(
        run.err, sheet="Innsparing (2)", tables=("tblInnsparing", "tblInnsparingSektor")
    )
    assert f"fil {path.name}" in run.err
    assert digest(path) == before
    assert in_place or not target.exists()
    assert temp_files(tmp_path) == []


def test_cli_budget_snapshot_sheet(built: Path, tmp_path: Path) -> None:
    path = _renamed(
        built / BUDGET_EXAMPLE, tmp_path / BUDGET_EXAMPLE, "Kontroller", "Kontroller (2)"
    )
    before = digest(path)
    run = run_cli("recalc", path)
    assert run.code == 2
    _assert_refused(
        run.err,
        sheet="Kontroller (2)",
        tables=("tblKontroller", "tblBalanse", "tblSammenligningSnitt"),
    )
    assert "tabellnavnene tblKontroller, tblBalanse og tblSammenligningSnitt er" in run.err
    assert digest(path) == before


def test_cli_national_snapshot_sheet(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from benchmarks.generate import generate, write_workbook

    path = write_workbook(generate(scale=0.01, seed=1), tmp_path / "nasjonal.xlsx")
    assert run_cli("recalc", path).code == 0  # the national output sheet exists
    assert "tblInnsparingKommuner" in {
        t for ws in openpyxl.load_workbook(path).worksheets for t in ws.tables
    }
    path = _renamed(path, tmp_path / "nasjonal-kopi.xlsx", "Innsparing", "Alle kommuner 2024")
    before = digest(path)
    run = run_cli("recalc", path)
    assert run.code == 2
    _assert_refused(run.err, sheet="Alle kommuner 2024", tables=("tblInnsparingKommuner",))
    # the synthetic data have series no line uses, so tblMerknader is on the sheet as well
    assert "tabellnavnene tblInnsparingKommuner og tblMerknader er allerede brukt" in run.err
    assert digest(path) == before


def test_the_openpyxl_fallback_refuses_the_same_way(built: Path, tmp_path: Path) -> None:
    renamed = _renamed(
        built / SAVINGS_EXAMPLE, tmp_path / "kopi.xlsx", "Innsparing", "Innsparing (2)"
    )
    path = _strict(renamed, tmp_path / SAVINGS_EXAMPLE)
    before = digest(path)
    run = run_cli("recalc", path)
    assert run.code == 2
    _assert_refused(
        run.err, sheet="Innsparing (2)", tables=("tblInnsparing", "tblInnsparingSektor")
    )
    assert digest(path) == before
    # the same message as the transplant gives for the same workbook
    fast = run_cli("recalc", renamed)
    assert fast.err.replace("kopi.xlsx", SAVINGS_EXAMPLE) == run.err


def test_the_fallback_checks_before_it_loads_and_saves(built: Path, tmp_path: Path) -> None:
    path = _renamed(
        built / SAVINGS_EXAMPLE, tmp_path / SAVINGS_EXAMPLE, "Innsparing", "Innsparing (2)"
    )
    sheets = recalculate(CalamineBook(path)).sheets
    target = tmp_path / "ut.xlsx"
    with pytest.raises(LayoutError) as direct:
        save_through_openpyxl(path, sheets, target, stamp=STAMP)
    with pytest.raises(LayoutError) as fast:
        save_outputs(path, sheets, target, stamp=STAMP)
    with pytest.raises(LayoutError) as book:
        FileBook(path).save_outputs(sheets, target, stamp=STAMP)
    assert direct.value.code == fast.value.code == book.value.code == "tabellnavn_i_bruk"
    assert direct.value.describe() == fast.value.describe() == book.value.describe()
    assert not target.exists()


def test_a_copy_without_its_tables_is_fine(built: Path, tmp_path: Path) -> None:
    """The snapshot is kept when its tables were renamed (what the message asks for)."""
    path = tmp_path / SAVINGS_EXAMPLE
    wb = openpyxl.load_workbook(built / SAVINGS_EXAMPLE)
    ws = wb["Innsparing"]
    ws.title = "Innsparing (2)"
    for old in list(ws.tables):
        table = ws.tables.pop(old)
        table.name = table.displayName = old + "_2019"
        ws.add_table(table)
    wb.save(path)
    assert run_cli("recalc", path).code == 0
    wb = openpyxl.load_workbook(path)
    assert {"Innsparing", "Innsparing (2)"} <= set(wb.sheetnames)
    assert "tblInnsparing" in wb["Innsparing"].tables
    assert "tblInnsparing_2019" in wb["Innsparing (2)"].tables


# --- the one function ------------------------------------------------------------------------


def _sheets() -> list[OutputSheet]:
    import pandas as pd

    frame = pd.DataFrame(columns=[c.name for c in L.INNSPARING.columns])
    sector = pd.DataFrame(columns=[c.name for c in L.INNSPARING_SEKTOR.columns])
    return [
        OutputSheet(
            "Innsparing",
            "t",
            [OutputTable(L.INNSPARING, frame), OutputTable(L.INNSPARING_SEKTOR, sector)],
        )
    ]


def test_tables_on_the_replaced_sheet_do_not_clash() -> None:
    check_table_names(_sheets(), {"tblInnsparing": "INNSPARING", "tblData": "Data"})
    check_table_names(_sheets(), {"tblDataKopi": "Innsparing (2)"})


def test_names_compare_without_case() -> None:
    with pytest.raises(LayoutError) as found:
        check_table_names(_sheets(), {"TBLINNSPARING": "Kopi"}, file="bok.xlsx")
    assert found.value.location is not None and found.value.location.sheet == "Kopi"
    assert "tabellnavnet tblInnsparing er allerede brukt på arket 'Kopi'" in str(found.value)
    assert "gi tabellen på det arket nytt navn" in str(found.value)


def test_every_clash_is_named_at_once() -> None:
    with pytest.raises(LayoutError) as found:
        check_table_names(
            _sheets(),
            {"tblInnsparing": "Kopi 1", "tblInnsparingSektor": "Kopi 2", "TblInnsparing": None},
        )
    text = str(found.value)
    assert "arket 'Kopi 1'" in text and "arket 'Kopi 2'" in text
    assert "definert navn" in text and "Navnebehandling" in text


# --- the live book (xlwings remote engine) ---------------------------------------------------


@pytest.fixture
def remote(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The remote engine's license key, set for this test only."""
    pytest.importorskip("xlwings")
    from ..live.remote import LICENSE_ENV

    monkeypatch.setenv(LICENSE_ENV, "noncommercial")
    yield


@pytest.mark.parametrize(
    ("name", "sheet", "macro"),
    [
        (SAVINGS_EXAMPLE, "Innsparing", macros.beregn),
        (BUDGET_EXAMPLE, "Kontroller", macros.kontroller),
    ],
    ids=["innsparing", "budsjett"],
)
def test_the_live_book_refuses_the_same_way(
    built: Path, tmp_path: Path, remote: None, name: str, sheet: str, macro: Any
) -> None:
    from ..live.remote import NON_WRITING, actions_of, apply_actions, open_remote, payload

    path = _renamed(built / name, tmp_path / name, sheet, f"{sheet} (2)")
    book = open_remote(payload(path))
    assert macro(book) is None
    actions = actions_of(book)
    assert {a["func"] for a in actions} <= NON_WRITING  # nothing written
    applied = apply_actions(actions, tmp_path / "ut.xlsx", source=path)
    ((prompt, *_),) = applied.alerts
    # the file writer's error for the same workbook, from the same function, shown as such
    with pytest.raises(LayoutError) as from_file:
        save_outputs(
            path, recalculate(CalamineBook(path)).sheets, tmp_path / "ut2.xlsx", stamp=STAMP
        )
    assert prompt == macros.feilmelding(from_file.value)
    assert f"arket '{sheet} (2)'" in prompt
    assert "Tabellutforming" in prompt  # what to do is shown, not cut off
    assert len(prompt) < 1024  # a VBA MsgBox shows at most 1024 characters
