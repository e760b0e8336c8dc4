"""``Hent KOSTRA-tall`` on an open workbook, through xlwings' remote engine.

The workbook file becomes the JSON an xlwings client sends, :func:`hent_workbook` runs on it,
and the actions the engine returns are replayed on a copy of the file (``tests/live/remote``).
The result must hold the same tblData as ``kommuneokonomi hent`` writes headless.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl.workbook.workbook import Workbook

from kommuneokonomi.ssb.errors import FetchError
from kommuneokonomi.ssb.fetch import hent
from kommuneokonomi.ssb.live import hent_workbook, live_cache_dir

from ..live import remote
from .books import ASSS4, henting_row, make_book, read_data
from .server import FakeSsb, problem

NOW = dt.datetime(2025, 6, 20, 9, 30)
HENTING = [
    henting_row(12134, "KOSAGD230000", "ndr", "ASSS", "2017-2020"),
    henting_row(12134, "KOSAGD100000", "bdr", "Tromsø", "2019-2024"),
]


def _resize(wb: Workbook, action: dict[str, Any], out: remote.Applied) -> None:
    """The ``resizeTable`` action as Excel applies it (the shared applier lacks it)."""
    ws = wb.worksheets[action["sheet_position"]]
    index, address = action["args"]
    table = list(ws.tables.values())[index]
    table.ref = address.replace("$", "")
    table.tableColumns = []  # openpyxl names the columns from the header cells on save
    table.autoFilter = None


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    pytest.importorskip("xlwings")
    monkeypatch.setenv(remote.LICENSE_ENV, "noncommercial")
    monkeypatch.setitem(remote._HANDLERS, "resizeTable", _resize)
    yield


def test_button_writes_the_same_tbldata_as_the_command(
    engine: None, ssb: FakeSsb, tmp_path: Path
) -> None:
    source = make_book(tmp_path / "bok.xlsx", HENTING, kommuner=ASSS4)
    headless = tmp_path / "headless.xlsx"
    shutil.copy(source, headless)
    hent(headless, api_url=ssb.url, now=NOW, cache_dir=tmp_path / "c1")

    book = remote.open_remote(remote.payload(source))
    result = hent_workbook(book, api_url=ssb.url, now=NOW, cache_dir=tmp_path / "c2")
    actions = remote.actions_of(book)
    live = tmp_path / "live.xlsx"
    applied = remote.apply_actions(actions, live, source=source)

    assert read_data(live) == read_data(headless)
    assert result.added == 16 + 6 and result.columns_added == ["Merknad"]
    assert applied.funcs["resizeTable"] == 1
    # the appended rows are written in one block
    blocks = [a for a in actions if a["func"] == "setValues" and a["row_count"] > 1]
    assert len(blocks) == 1 and blocks[0]["row_count"] == 22
    assert {a["func"] for a in actions} <= {"setValues", "setNumberFormat", "resizeTable"}


def test_button_replaces_rows_on_a_second_run(engine: None, ssb: FakeSsb, tmp_path: Path) -> None:
    source = make_book(tmp_path / "bok.xlsx", HENTING, kommuner=ASSS4)
    hent(source, api_url=ssb.url, now=NOW, cache_dir=tmp_path / "c")
    before = read_data(source)
    book = remote.open_remote(remote.payload(source))
    result = hent_workbook(book, offline=True, cache_dir=tmp_path / "c")
    after = tmp_path / "igjen.xlsx"
    remote.apply_actions(remote.actions_of(book), after, source=source)
    assert result.replaced == 22 and result.added == 0
    assert read_data(after) == before


def test_button_writes_nothing_when_the_fetch_fails(
    engine: None, ssb: FakeSsb, tmp_path: Path
) -> None:
    source = make_book(tmp_path / "bok.xlsx", HENTING, kommuner=ASSS4)
    ssb.script.append(problem(500, "Internal Server Error"))
    book = remote.open_remote(remote.payload(source))
    with pytest.raises(FetchError, match="HTTP 500"):
        hent_workbook(book, api_url=ssb.url, cache_dir=tmp_path / "c")
    assert remote.actions_of(book) == []


def test_live_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Book:
        fullname = str(tmp_path / "analyse.xlsx")

    assert live_cache_dir(Book()) == tmp_path / "analyse.ssb-cache"
    Book.fullname = "analyse.xlsx"  # the remote engine knows no path
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "lokal"))
    assert live_cache_dir(Book()) == tmp_path / "lokal" / "kommuneokonomi" / "ssb-cache"


def test_hent_kostra_button_fetches_and_reports(engine: None, ssb: FakeSsb, tmp_path: Path) -> None:
    from kommuneokonomi import macros

    source = make_book(tmp_path / "bok.xlsx", HENTING, kommuner=ASSS4)
    book = remote.open_remote(remote.payload(source))
    result = macros.hent_kostra(book, api_url=ssb.url, now=NOW, cache_dir=tmp_path / "c")
    assert result is not None and result.added == 22
    actions = remote.actions_of(book)
    alerts = [a for a in actions if a["func"] == "alert"]
    assert len(alerts) == 1 and "Hentet 22 tall" in str(alerts[0]["args"])
    assert any(a["func"] == "setValues" for a in actions)


def test_hent_kostra_button_on_failure_changes_nothing(engine: None, tmp_path: Path) -> None:
    from kommuneokonomi import macros

    source = make_book(tmp_path / "bok.xlsx", HENTING, kommuner=ASSS4)
    book = remote.open_remote(remote.payload(source))
    # nothing listens on port 9 of the loopback address: the fetch fails at once
    assert (
        macros.hent_kostra(
            book, api_url="http://127.0.0.1:9/api/v2/", now=NOW, cache_dir=tmp_path / "c"
        )
        is None
    )
    actions = remote.actions_of(book)
    assert [a["func"] for a in actions] == ["alert"]
    assert "Hentingen ble stoppet. Ingenting er endret" in str(actions[0]["args"])


def test_the_plan_button_fetches_the_same_population_as_the_command(
    engine: None, tmp_path: Path
) -> None:
    """«Hent KOSTRA-tall» in a plan workbook fills tblBefolkning as ``kommuneokonomi hent``."""
    from kommuneokonomi import macros
    from kommuneokonomi.ssb.befolkning import hent_befolkning
    from kommuneokonomi.workbook.build import build_plan_workbook

    from .test_plan_population import _befolkning, _projection, _registered

    source = tmp_path / "plan.xlsx"
    build_plan_workbook(example=True).save(source)
    headless = tmp_path / "headless.xlsx"
    shutil.copy(source, headless)
    with FakeSsb(_registered(), _projection()) as ssb:
        hent_befolkning(headless, api_url=ssb.url, now=NOW, cache_dir=tmp_path / "c")
        book = remote.open_remote(remote.payload(source))
        assert macros.hent_kostra(book, api_url=ssb.url, now=NOW, cache_dir=tmp_path / "c2") is None
    actions = remote.actions_of(book)
    live = tmp_path / "live.xlsx"
    remote.apply_actions(actions, live, source=source)
    assert _befolkning(live) == _befolkning(headless)
    alerts = [a for a in actions if a["func"] == "alert"]
    assert len(alerts) == 1 and "Hentet befolkningen for Trondheim" in str(alerts[0]["args"])
