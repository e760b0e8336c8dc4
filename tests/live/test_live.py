"""The Excel buttons and the live adapter, through xlwings' remote engine.

A workbook file becomes the JSON an xlwings client sends (``xw.Book(json=...)``), the macros
run on it, and the actions the engine returns are replayed on a copy of the file
(``remote.apply_actions``). The result must hold the same tables, at the same cells, with the
same values, formulas and number formats as ``kommuneokonomi recalc`` writes headless.

``XLWINGS_LICENSE_KEY=noncommercial`` is set by the ``remote`` fixture only, around the tests
that use the remote engine; the package itself never sets it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from kommuneokonomi import macros
from kommuneokonomi.cli import main
from kommuneokonomi.service import recalculate
from kommuneokonomi.workbook import layout as L
from kommuneokonomi.workbook.build import (
    BUDGET_EXAMPLE,
    PLAN_EXAMPLE,
    SAVINGS_EXAMPLE,
    build_all,
    template,
)
from kommuneokonomi.workbook.files import FileBook, OutputSheet, OutputTable
from kommuneokonomi.workbook.live import (
    Capabilities,
    LiveBook,
    excel_value,
    place_tables,
    plan_sheet,
)

from .remote import (
    LICENSE_ENV,
    NON_WRITING,
    Applied,
    actions_of,
    apply_actions,
    blank_payload,
    open_remote,
    payload,
    vba_callbacks,
)

SAVINGS_TABLES = ("tblInnsparing", "tblInnsparingSektor")
BUDGET_TABLES = ("tblKontroller", "tblBalanse", "tblSammenligningSnitt")
PLAN_TABLES = ("tblPlan", "tblDemografi", "tblKapital", "tblTiltaksvalg", "tblKontroller")


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example workbooks and their headless recalculation (``kommuneokonomi recalc``)."""
    folder = tmp_path_factory.mktemp("books")
    build_all(folder)
    paths = {
        "innsparing": folder / SAVINGS_EXAMPLE,
        "budsjett": folder / BUDGET_EXAMPLE,
        "plan": folder / PLAN_EXAMPLE,
    }
    for kind, path in list(paths.items()):
        out = folder / f"headless_{path.name}"
        assert main(["recalc", str(path), "-o", str(out)]) == 0
        paths[f"{kind}_headless"] = out
    return paths


@pytest.fixture
def remote(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The remote engine's license key, set for this test only."""
    monkeypatch.setenv(LICENSE_ENV, "noncommercial")
    yield


def _run(
    macro: Any, source: Path, target: Path, *, client: str = "Office.js"
) -> tuple[Any, list[dict[str, Any]], Applied]:
    """Run ``macro`` on ``source`` through the remote engine and apply its actions to a copy."""
    book = open_remote(payload(source, client=client))
    result = macro(book)
    actions = actions_of(book)
    applied = apply_actions(actions, target, source=source)
    return result, actions, applied


def _find(wb: openpyxl.Workbook, name: str) -> tuple[Worksheet, str]:
    for ws in wb.worksheets:
        if name in ws.tables:
            return ws, ws.tables[name].ref
    raise AssertionError(f"no table {name}")


def _assert_same_tables(headless: Path, live: Path, names: tuple[str, ...]) -> None:
    """Same cells for each table: formula text where headless wrote a formula, else value."""
    formulas = openpyxl.load_workbook(headless)
    values = openpyxl.load_workbook(headless, data_only=True)
    got = openpyxl.load_workbook(live)
    assert got.sheetnames == formulas.sheetnames
    for name in names:
        ws, ref = _find(formulas, name)
        live_ws, live_ref = _find(got, name)
        assert (live_ws.title, live_ref) == (ws.title, ref), name
        for row in ws[ref]:
            for cell in row:
                mine = live_ws[cell.coordinate]
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    assert mine.value == cell.value, (name, cell.coordinate)
                    continue
                expected = values[ws.title][cell.coordinate].value
                assert mine.value == expected, (name, cell.coordinate, mine.value, expected)
                assert type(mine.value) is type(expected), (name, cell.coordinate)
                assert mine.number_format == cell.number_format, (name, cell.coordinate)


def _charts(path: Path) -> dict[str, list[tuple[str, int, int]]]:
    wb = openpyxl.load_workbook(path)
    return {
        ws.title: [(type(c).__name__, c.anchor._from.col, c.anchor._from.row) for c in ws._charts]
        for ws in wb.worksheets
        if ws._charts
    }


def _status_rules(path: Path, sheet: str) -> set[tuple[str, str, str]]:
    ws = openpyxl.load_workbook(path)[sheet]
    return {
        (str(cf.sqref), rule.formula[0], rule.dxf.fill.fgColor.rgb[-6:].upper())
        for cf in ws.conditional_formatting
        for rule in cf.rules
    }


# --- the acceptance criteria ------------------------------------------------------------------


def test_beregn_through_the_remote_engine_equals_kommuneokonomi_recalc(
    books: dict[str, Path], tmp_path: Path, remote: None
) -> None:
    result, _, applied = _run(macros.beregn, books["innsparing"], tmp_path / "live.xlsx")
    assert result is not None and result.kind == "innsparing"
    assert not applied.alerts
    _assert_same_tables(books["innsparing_headless"], tmp_path / "live.xlsx", SAVINGS_TABLES)
    # the Sum row and the sector rows are formulas the user can trace, as headless
    ws = openpyxl.load_workbook(tmp_path / "live.xlsx")["Innsparing"]
    sums = [c.value for c in ws["B"] if isinstance(c.value, str) and c.value.startswith("=")]
    assert sums and sums[-1].startswith("=SUM(") and sums[0].startswith("=SUMIF(")
    # stamp and title as the file adapter writes them
    headless = openpyxl.load_workbook(books["innsparing_headless"])["Innsparing"]
    assert ws["A2"].value == headless["A2"].value
    assert str(ws["A1"].value).startswith("Beregnet ")
    assert SAVINGS_EXAMPLE in str(ws["A1"].value)
    assert ws["A2"].font.b and ws["A1"].font.i
    assert ws.freeze_panes == headless.freeze_panes == "A5"
    assert _charts(tmp_path / "live.xlsx") == _charts(books["innsparing_headless"])


def test_currency_cells_arrive_as_decimal_and_give_the_same_table(
    books: dict[str, Path], tmp_path: Path, remote: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: on Windows, xlwings reads a cell formatted as kroner or accounting through
    Range.Value, which pywin32 hands over as a Decimal (Excel's Currency type). Every number
    of tblData arriving so gives the same savings table; text numbers pasted from reports
    (the minus sign U+2212, a space as thousands separator) too."""
    from decimal import Decimal

    original = LiveBook.read_table
    changed = {"decimal": 0, "text": 0}

    def as_excel_hands_them(self: LiveBook, spec: Any) -> Any:
        raw = original(self, spec)
        if spec.name != L.DATA.name:
            return raw
        j = [h.casefold() for h in raw.headers].index("verdi")
        for i, row in enumerate(raw.rows):
            value = row[j]
            if isinstance(value, float) and i % 3 == 0:
                row[j] = Decimal(repr(value))
                changed["decimal"] += 1
            elif isinstance(value, float) and i % 3 == 1 and value == round(value, 1):
                text = f"{abs(value):,.1f}".replace(",", "\u00a0").replace(".", ",")
                row[j] = ("\u2212" if value < 0 else "") + text
                changed["text"] += 1
        return raw

    monkeypatch.setattr(LiveBook, "read_table", as_excel_hands_them)
    result, _, applied = _run(macros.beregn, books["innsparing"], tmp_path / "live.xlsx")
    assert result is not None and not applied.alerts
    assert changed["decimal"] >= 20 and changed["text"] >= 10
    _assert_same_tables(books["innsparing_headless"], tmp_path / "live.xlsx", SAVINGS_TABLES)


def test_beregn_on_the_budget_book_equals_kommuneokonomi_recalc(
    books: dict[str, Path], tmp_path: Path, remote: None
) -> None:
    result, _, applied = _run(macros.beregn, books["budsjett"], tmp_path / "live.xlsx")
    assert result is not None and result.kind == "budsjett" and result.checks
    assert not applied.alerts
    _assert_same_tables(books["budsjett_headless"], tmp_path / "live.xlsx", BUDGET_TABLES)
    assert _status_rules(tmp_path / "live.xlsx", "Kontroller") == _status_rules(
        books["budsjett_headless"], "Kontroller"
    )
    assert _charts(tmp_path / "live.xlsx") == _charts(books["budsjett_headless"])


def test_kontroller_on_the_plan_book_equals_kommuneokonomi_recalc(
    books: dict[str, Path], tmp_path: Path, remote: None
) -> None:
    """The plan workbook (issue 15) through the button: the same five output tables, the gap
    chart, and a message box summing up the checks on the sheet Kontroller."""
    result, _, applied = _run(macros.kontroller, books["plan"], tmp_path / "plan.xlsx")
    assert result is not None and result.kind == "plan" and result.checks
    _assert_same_tables(books["plan_headless"], tmp_path / "plan.xlsx", PLAN_TABLES)
    assert _charts(tmp_path / "plan.xlsx") == _charts(books["plan_headless"])
    (alert,) = applied.alerts
    assert alert[0].startswith(f"Kontrollene er kjørt: {len(result.checks)} OK, 0 AVVIK")
    assert "Se arket 'Kontroller'." in alert[0]


def test_bad_input_in_the_plan_book_is_shown_with_sheet_and_cell(
    books: dict[str, Path], tmp_path: Path, remote: None
) -> None:
    source = tmp_path / "feil.xlsx"
    wb = openpyxl.load_workbook(books["plan"])
    wb["Ramme"]["C2"] = "skole"
    wb.save(source)
    result, actions, applied = _run(macros.beregn, source, tmp_path / "out.xlsx")
    assert result is None
    assert {a["func"] for a in actions} <= NON_WRITING
    (alert,) = applied.alerts
    assert "arket 'Ramme', celle C2" in alert[0] and "ukjent kategori 'skole'" in alert[0]


def test_lag_notat_writes_the_note_of_the_recalculated_book(
    books: dict[str, Path], tmp_path: Path, remote: None
) -> None:
    """«Lag notat» (issue 16) on a recalculated book: the .docx the command line writes, and a
    message box saying where; on a book not recalculated, a message and no file."""
    import docx

    book = open_remote(payload(books["innsparing_headless"]))
    written = macros.lag_notat(book, folder=tmp_path)
    assert written == tmp_path / f"{books['innsparing_headless'].stem}_notat.docx"
    assert written.exists()
    text = "\n".join(p.text for p in docx.Document(str(written)).paragraphs)
    assert "6,6 prosent høyere enn 3. beste ASSS (Bergen)" in text
    applied = apply_actions(
        actions_of(book), tmp_path / "etter.xlsx", source=books["innsparing_headless"]
    )
    (alert,) = applied.alerts
    assert alert[0].startswith("Notatet er laget:") and alert[3] == "info"

    stale = open_remote(payload(books["innsparing"]))
    assert macros.lag_notat(stale, folder=tmp_path / "ingen") is None
    (alert,) = apply_actions(
        actions_of(stale), tmp_path / "x.xlsx", source=books["innsparing"]
    ).alerts
    assert "ikke beregnet" in alert[0] and alert[3] == "critical"
    assert not (tmp_path / "ingen").exists()


def test_every_output_sheet_matches_headless(
    books: dict[str, Path], tmp_path: Path, remote: None
) -> None:
    """Not only the tables the issue names: every output table the service writes."""
    for kind in ("innsparing", "budsjett", "plan"):
        result, _, _ = _run(macros.beregn, books[kind], tmp_path / f"{kind}.xlsx")
        assert result is not None
        names = tuple(t.spec.name for s in result.sheets for t in s.tables)
        _assert_same_tables(books[f"{kind}_headless"], tmp_path / f"{kind}.xlsx", names)


def test_a_second_run_replaces_the_output_sheets_in_place(
    books: dict[str, Path], tmp_path: Path, remote: None
) -> None:
    """On a book that already has its output sheets they are replaced at the same position."""
    headless = books["innsparing_headless"]
    result, actions, _ = _run(macros.beregn, headless, tmp_path / "again.xlsx")
    assert result is not None
    funcs = [a["func"] for a in actions]
    assert funcs.count("sheetDelete") == len(result.sheets)
    _assert_same_tables(headless, tmp_path / "again.xlsx", SAVINGS_TABLES)


def test_kontroller_writes_and_sums_up_the_checks_in_a_message_box(
    books: dict[str, Path], tmp_path: Path, remote: None
) -> None:
    result, _, applied = _run(macros.kontroller, books["budsjett"], tmp_path / "k.xlsx")
    assert result is not None
    _assert_same_tables(books["budsjett_headless"], tmp_path / "k.xlsx", BUDGET_TABLES)
    (alert,) = applied.alerts
    prompt, title, buttons, mode, _ = alert
    n = len(result.checks)
    assert title == "Kommuneøkonomi" and buttons == "ok" and mode == "info"
    assert prompt.startswith(f"Kontrollene er kjørt: {n} OK, 0 AVVIK, 0 ADVARSEL.")
    assert "Alle kontroller er OK." in prompt and "'Kontroller'" in prompt


def test_kontroller_on_a_savings_book_is_beregn(
    books: dict[str, Path], tmp_path: Path, remote: None
) -> None:
    result, _, applied = _run(macros.kontroller, books["innsparing"], tmp_path / "k.xlsx")
    assert result is not None and not applied.alerts
    _assert_same_tables(books["innsparing_headless"], tmp_path / "k.xlsx", SAVINGS_TABLES)


def test_a_deviation_is_reported_as_critical(
    books: dict[str, Path], tmp_path: Path, remote: None
) -> None:
    source = tmp_path / "avvik.xlsx"
    wb = openpyxl.load_workbook(books["budsjett"])
    ws, ref = _find(wb, "tblOppgittSum")
    first_sum = ws[ref][1][1]
    first_sum.value = float(first_sum.value) + 5
    wb.save(source)
    result, _, applied = _run(macros.kontroller, source, tmp_path / "out.xlsx")
    assert result is not None and result.has_deviation
    ((prompt, _, _, mode, _),) = applied.alerts
    assert mode == "critical" and "1 AVVIK" in prompt and "har AVVIK" in prompt


# --- bad input ----------------------------------------------------------------------------------


def _with_bad_cells(source: Path, target: Path, cells: Mapping[str, object]) -> Path:
    wb = openpyxl.load_workbook(source)
    for address, value in cells.items():
        sheet, cell = address.split("!")
        wb[sheet][cell] = value
    wb.save(target)
    return target


def test_bad_input_shows_a_norwegian_message_and_writes_nothing(
    books: dict[str, Path], tmp_path: Path, remote: None
) -> None:
    ws, ref = _find(openpyxl.load_workbook(books["innsparing"]), "tblData")
    assert ref.startswith("A1:D")  # Kommune, År, Indikator, Verdi
    source = _with_bad_cells(books["innsparing"], tmp_path / "bad.xlsx", {"Data!D2": "x1"})
    result, actions, applied = _run(macros.beregn, source, tmp_path / "out.xlsx")
    assert result is None
    assert [a["func"] for a in actions] == ["alert"]
    ((prompt, title, buttons, mode, _),) = applied.alerts
    assert title == "Kommuneøkonomi" and buttons == "ok" and mode == "critical"
    assert prompt.startswith("Beregningen ble stoppet: 1 feil i inndata. Ingenting er endret")
    assert "arket 'Data', celle D2" in prompt and "'x1' er ikke et tall" in prompt
    assert openpyxl.load_workbook(tmp_path / "out.xlsx").sheetnames == ws.parent.sheetnames


def test_every_problem_is_listed_with_sheet_and_cell(
    books: dict[str, Path], tmp_path: Path, remote: None
) -> None:
    source = _with_bad_cells(
        books["budsjett"],
        tmp_path / "bad.xlsx",
        {"Budsjett!E2": "mye", "Endringer!C2": "tja"},
    )
    result, actions, applied = _run(macros.kontroller, source, tmp_path / "out.xlsx")
    assert result is None
    assert {a["func"] for a in actions} <= NON_WRITING
    ((prompt, *_),) = applied.alerts
    assert "2 feil i inndata" in prompt
    assert "arket 'Budsjett', celle E2" in prompt and "'mye' er ikke et tall" in prompt
    assert "arket 'Endringer', celle C2" in prompt and "'tja' er ikke et tall" in prompt


def test_a_long_list_of_problems_is_cut_to_fit_a_message_box(
    books: dict[str, Path], tmp_path: Path, remote: None
) -> None:
    cells = {f"Data!D{r}": f"x{r}" for r in range(2, 22)}
    source = _with_bad_cells(books["innsparing"], tmp_path / "bad.xlsx", cells)
    _, actions, applied = _run(macros.beregn, source, tmp_path / "out.xlsx")
    assert [a["func"] for a in actions] == ["alert"]
    ((prompt, *_),) = applied.alerts
    assert "20 feil i inndata" in prompt
    assert f"... og {20 - macros.MAX_LISTED} feil til." in prompt
    assert len(prompt) < 1024  # a VBA MsgBox shows at most 1024 characters


def test_an_excel_error_in_an_input_cell_is_named(
    books: dict[str, Path], tmp_path: Path, remote: None
) -> None:
    """Excel sends error values as text; the adapter keeps them so the user sees which."""
    source = _with_bad_cells(books["innsparing"], tmp_path / "bad.xlsx", {"Data!D3": "#DIV/0!"})
    assert payload(source)["sheets"][4]["values"][2][3] == "#DIV/0!"
    result, actions, applied = _run(macros.beregn, source, tmp_path / "out.xlsx")
    assert result is None and [a["func"] for a in actions] == ["alert"]
    ((prompt, *_),) = applied.alerts
    assert "arket 'Data', celle D3" in prompt and "Excel-feilen #DIV/0!" in prompt


def test_a_book_that_is_neither_kind_is_refused(tmp_path: Path, remote: None) -> None:
    book = open_remote(blank_payload())
    assert macros.beregn(book) is None
    ((prompt, *_),) = [a["args"] for a in actions_of(book)]
    assert "verken tabellene for innsparingsanalyse" in prompt


def test_an_unexpected_error_is_shown_and_raised(
    books: dict[str, Path], monkeypatch: pytest.MonkeyPatch, remote: None
) -> None:
    book = open_remote(payload(books["innsparing"]))

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(macros, "recalculate", broken)
    with pytest.raises(ZeroDivisionError):
        macros.beregn(book)
    (action,) = actions_of(book)
    assert action["func"] == "alert"
    assert action["args"][0].startswith("Det oppstod en uventet feil (ZeroDivisionError).")
    assert "Ingenting er endret" in action["args"][0]


# --- how the adapter reads and writes ---------------------------------------------------------


def test_the_adapter_reads_whole_tables_never_cells(
    books: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, remote: None
) -> None:
    from xlwings.pro import _xlremote

    reads: list[str] = []
    original = _xlremote.Range.raw_value

    def spy(self: Any) -> Any:
        reads.append(self.address)
        return original.fget(self)

    monkeypatch.setattr(_xlremote.Range, "raw_value", property(spy, original.fset))
    source = books["innsparing"]
    result, actions, _ = _run(macros.beregn, source, tmp_path / "live.xlsx")
    assert result is not None
    wb = openpyxl.load_workbook(source)
    absolute = {_absolute(t.ref) for ws in wb.worksheets for t in ws.tables.values()}
    inputs = [s.name for s in L.SAVINGS if not s.output]
    assert len(reads) == len(set(reads)) >= len(inputs)  # each table once
    assert set(reads) <= absolute  # only whole tables
    # writing: one setValues for stamp and title, one per table
    expected = sum(1 + len(s.tables) for s in result.sheets)
    assert [a["func"] for a in actions].count("setValues") == expected


def _absolute(ref: str) -> str:
    return re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", ref)


class _RecordingApp:
    """An xlwings App whose status bar records what it is set to (as classic Excel shows)."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self.status: list[object] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)

    @property
    def status_bar(self) -> object:
        return self.status[-1] if self.status else False

    @status_bar.setter
    def status_bar(self, value: object) -> None:
        self.status.append(value)


class _BookWithStatusBar:
    def __init__(self, book: Any) -> None:
        self._book = book
        self.app = _RecordingApp(book.app)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._book, name)


def test_progress_is_shown_in_the_status_bar_and_given_back(
    books: dict[str, Path], remote: None
) -> None:
    book = _BookWithStatusBar(open_remote(payload(books["innsparing"])))
    assert macros.beregn(book) is not None
    shown = book.app.status
    assert "Kommuneøkonomi: leser tabellen tblData ..." in shown
    assert "Kommuneøkonomi: skriver arket 'Innsparing' ..." in shown
    assert shown[-1] is False  # Excel has the status bar back
    # also after bad input
    book = _BookWithStatusBar(open_remote(blank_payload()))
    assert macros.beregn(book) is None
    assert book.app.status in ([], [False])


def test_a_vba_client_gets_only_actions_it_can_run(
    books: dict[str, Path], tmp_path: Path, remote: None
) -> None:
    """xlwings Server with the VBA client: core actions only, same table values."""
    known = vba_callbacks()
    assert {"setValues", "addTable", "setNumberFormat", "alert"} <= known
    for kind, names in (
        ("innsparing", SAVINGS_TABLES),
        ("budsjett", BUDGET_TABLES),
        ("plan", PLAN_TABLES),
    ):
        target = tmp_path / f"{kind}.xlsx"
        result, actions, applied = _run(macros.kontroller, books[kind], target, client="VBA")
        assert result is not None
        assert {a["func"] for a in actions} <= known
        assert "columns" in applied.autofit  # widths by autofit instead
        _assert_same_tables(books[f"{kind}_headless"], target, names)


def test_the_runpython_entry_points_use_the_calling_book(
    books: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, remote: None
) -> None:
    import xlwings as xw

    book = open_remote(payload(books["budsjett"]))
    monkeypatch.setattr(xw.Book, "_mock_caller", book, raising=False)
    macros.kontroller_knapp()
    actions = actions_of(book)
    apply_actions(actions, tmp_path / "out.xlsx", source=books["budsjett"])
    _assert_same_tables(books["budsjett_headless"], tmp_path / "out.xlsx", BUDGET_TABLES)
    assert actions[-1]["func"] == "alert"

    book = open_remote(payload(books["innsparing"]))
    monkeypatch.setattr(xw.Book, "_mock_caller", book, raising=False)
    macros.beregn_knapp()
    apply_actions(actions_of(book), tmp_path / "s.xlsx", source=books["innsparing"])
    _assert_same_tables(books["innsparing_headless"], tmp_path / "s.xlsx", SAVINGS_TABLES)


def test_ny_analyse_makes_a_plan_book_that_works(tmp_path: Path, remote: None) -> None:
    book = open_remote(blank_payload())
    assert macros.ny_analyse(book, "plan")
    target = tmp_path / "plan.xlsx"
    applied = apply_actions(actions_of(book), target)
    assert not applied.alerts
    got = openpyxl.load_workbook(target)
    expected = template("plan")
    assert got.sheetnames == ["Ark1", *expected.sheetnames]
    mine, _ = _find(got, "tblMaltall")
    assert [c.value for c in mine[1]][:3] == ["Måltall", "Grense", "Retning"]
    assert mine["B1"].value == "Grense"
    rente, _ = _find(got, "tblRenter")
    assert rente.title == "Investeringer"


def test_ny_analyse_copies_the_template_into_an_empty_book(tmp_path: Path, remote: None) -> None:
    book = open_remote(blank_payload())
    assert macros.ny_analyse(book, "budsjett")
    target = tmp_path / "ny.xlsx"
    applied = apply_actions(actions_of(book), target)
    assert not applied.alerts
    expected = template("budsjett")
    got = openpyxl.load_workbook(target)
    assert got.sheetnames == ["Ark1", *expected.sheetnames]
    for ws in expected.worksheets:
        for name, table_ref in ws.tables.items():
            mine, ref = _find(got, name)
            assert (mine.title, ref) == (ws.title, table_ref)
            for row in ws[table_ref]:
                for cell in row:
                    assert mine[cell.coordinate].value == cell.value
    percent = _find(got, "tblMaltall")
    assert percent[0]["B2"].number_format == L.MALTALL.column("grense").number_format
    # the new book works: the (empty) checks run headless and in Excel
    assert recalculate(FileBook(target)).kind == "budsjett"
    again = open_remote(payload(target))
    assert macros.kontroller(again) is not None


def test_ny_analyse_innsparing_has_tblhenting_so_the_book_can_fetch(
    tmp_path: Path, remote: None
) -> None:
    """The button's savings book is the template with every table, tblHenting among them
    (it was written as plain cells, so «Hent KOSTRA-tall» found no table)."""
    book = open_remote(blank_payload())
    assert macros.ny_analyse(book, "innsparing")
    target = tmp_path / "ny.xlsx"
    assert not apply_actions(actions_of(book), target).alerts
    got = openpyxl.load_workbook(target)
    for ws in template("innsparing").worksheets:
        for name, ref in ws.tables.items():
            assert _find(got, name) == (got[ws.title], ref)
    assert "tblHenting" in FileBook(target).table_names()


def test_the_standard_analysis_button_equals_the_command(tmp_path: Path, remote: None) -> None:
    book = open_remote(blank_payload())
    assert macros.ny_standardanalyse(book, "Trondheim", 2024, "ASSS")
    target = tmp_path / "standard.xlsx"
    assert not apply_actions(actions_of(book), target).alerts
    made = tmp_path / "kommando.xlsx"
    assert (
        main(
            [
                "new",
                "innsparing",
                str(made),
                "--kommune",
                "Trondheim",
                "--år",
                "2024",
                "--gruppe",
                "ASSS",
            ]
        )
        == 0
    )
    live, headless = FileBook(target), FileBook(made)
    for spec in (L.INNSTILLINGER, L.KOMMUNER, L.INDIKATORER, L.HENTING, L.AVLEDET):
        assert live.read_table(spec).rows == headless.read_table(spec).rows, spec.name
    # a municipality that does not exist: a Norwegian message and nothing written
    book = open_remote(blank_payload())
    assert not macros.ny_standardanalyse(book, "Trondhjem", 2024, "ASSS")
    ((prompt, *_),) = [a["args"] for a in actions_of(book)]
    assert "kommunen 'Trondhjem' finnes ikke" in prompt


def test_ny_analyse_refuses_a_book_that_already_has_tables(
    books: dict[str, Path], remote: None
) -> None:
    book = open_remote(payload(books["innsparing"]))
    assert not macros.ny_analyse(book, "budsjett")
    ((prompt, *_),) = [a["args"] for a in actions_of(book)]
    assert "har allerede tabellene" in prompt
    book = open_remote(blank_payload())
    assert not macros.ny_analyse(book, "regnskap")
    ((prompt, *_),) = [a["args"] for a in actions_of(book)]
    assert "ukjent type arbeidsbok 'regnskap'" in prompt


# --- the license key stays out of the package -------------------------------------------------


def test_the_package_never_sets_the_license_key(
    books: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(LICENSE_ENV, raising=False)
    with monkeypatch.context() as m:  # only to open the book with the remote engine
        m.setenv(LICENSE_ENV, "noncommercial")
        book = open_remote(payload(books["innsparing"]))
    before = dict(os.environ)
    assert LICENSE_ENV not in before
    assert macros.beregn(book) is not None
    assert macros.kontroller(book) is not None
    assert dict(os.environ) == before


def test_importing_the_macros_neither_sets_the_key_nor_imports_xlwings() -> None:
    env = {k: v for k, v in os.environ.items() if k != LICENSE_ENV}
    code = (
        "import os, sys\n"
        "import kommuneokonomi.macros, kommuneokonomi.workbook.live\n"
        f"print('{LICENSE_ENV}' in os.environ, 'xlwings' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "False"]


# --- pure parts ---------------------------------------------------------------------------------


def test_text_from_data_is_never_a_formula_or_a_number() -> None:
    assert excel_value("=SUM(A1)") == "'=SUM(A1)"
    assert excel_value("-") == "'-"
    assert excel_value("2004-2007") == "'2004-2007"
    assert excel_value("1,5") == "'1,5"
    assert excel_value("SANN") == "'SANN"
    assert excel_value("#N/A") == "'#N/A"
    assert excel_value("3. beste") == "3. beste"
    assert excel_value("Trondheim") == "Trondheim"
    assert excel_value(float("nan")) is None
    assert excel_value(2.5) == 2.5


def test_placement_is_the_file_adapters(books: dict[str, Path]) -> None:
    """The tables' cells in the headless file are where the live plan puts them."""
    for kind in ("innsparing", "budsjett"):
        result = recalculate(FileBook(books[kind]))
        wb = openpyxl.load_workbook(books[f"{kind}_headless"])
        for sheet in result.sheets:
            plan = plan_sheet(sheet, stamp="x")
            for table in plan.tables:
                assert _find(wb, table.spec.name)[1] == table.address


def test_beside_tables_and_empty_tables_are_placed_like_files() -> None:
    import pandas as pd

    frames = {
        spec.name: pd.DataFrame([{c.name: 1 for c in spec.columns}] * n)
        for spec, n in ((L.KONTROLLER, 3), (L.BALANSE, 0), (L.SAMMENLIGNING_SNITT, 2))
    }
    sheet = OutputSheet(
        name="Kontroller",
        title="t",
        tables=[
            OutputTable(L.KONTROLLER, frames["tblKontroller"]),
            OutputTable(L.BALANSE, frames["tblBalanse"], beside=True),
            OutputTable(L.SAMMENLIGNING_SNITT, frames["tblSammenligningSnitt"], beside=True),
        ],
    )
    tops = [(p.top, p.left, p.n_rows) for p in place_tables(sheet)]
    assert tops == [(4, 1, 3), (4, 8, 0), (8, 8, 2)]
    plan = plan_sheet(sheet, stamp="x")
    assert plan.tables[1].address == "H4:L5"  # an empty table keeps one empty row
    assert plan.tables[1].values[1] == [None] * 5


def test_capabilities_of_the_clients(books: dict[str, Path], remote: None) -> None:
    from kommuneokonomi.workbook.live import capabilities

    office = capabilities(open_remote(payload(books["innsparing"])))
    vba = capabilities(open_remote(payload(books["innsparing"], client="VBA")))
    assert office == Capabilities(formatting=True, freeze_panes=True, width_in_points=True)
    assert vba == Capabilities(formatting=False, freeze_panes=False, width_in_points=True)
    live = LiveBook(open_remote(payload(books["innsparing"])))
    assert {s.name for s in L.SAVINGS if not s.output} <= live.table_names()


def test_widths_arrive_in_characters(books: dict[str, Path], tmp_path: Path, remote: None) -> None:
    _run(macros.beregn, books["innsparing"], tmp_path / "live.xlsx")
    live = openpyxl.load_workbook(tmp_path / "live.xlsx")["Innsparing"]
    headless = openpyxl.load_workbook(books["innsparing_headless"])["Innsparing"]
    for letter in "ABCK":
        assert live.column_dimensions[letter].width == pytest.approx(
            headless.column_dimensions[letter].width, abs=0.01
        )


def test_a_copy_of_the_file_is_left_alone(books: dict[str, Path], tmp_path: Path) -> None:
    """The test harness itself: the applier writes to the target only."""
    source = tmp_path / "src.xlsx"
    shutil.copy(books["innsparing"], source)
    content = source.read_bytes()
    apply_actions([], tmp_path / "t.xlsx", source=source)
    assert source.read_bytes() == content
