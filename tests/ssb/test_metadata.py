"""Codes checked before fetching (issue 13, point 6): ``hent`` reads each table's metadata
first (cached like the data) and names an unknown table, contents code, variable or value at
its tblHenting cell with the codes the table has, before any data request is sent;
``kommuneokonomi tabell NUMMER`` prints a table's title, variables and codes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kommuneokonomi.cli import main
from kommuneokonomi.errors import InputError, InputErrors, KommuneokonomiError
from kommuneokonomi.ssb.fetch import hent

from .books import ASSS4, henting_row, make_book
from .server import FakeSsb, closed_port_url, kostra_12134
from .test_fetch import kostra_12362

NOW = dt.datetime(2025, 6, 20, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))


def _problems(exc: KommuneokonomiError) -> list[KommuneokonomiError]:
    return list(exc) if isinstance(exc, InputErrors) else [exc]


def _refused(tmp_path: Path, row: list[object]) -> tuple[list[str], FakeSsb]:
    """The messages ``hent`` refuses ``row`` with (sheet, cell and text), and the server."""
    path = make_book(tmp_path / "bok.xlsx", [row], kommuner=ASSS4)
    before = path.read_bytes()
    with (
        FakeSsb(kostra_12134(), kostra_12362()) as server,
        pytest.raises(KommuneokonomiError) as info,
    ):
        hent(path, api_url=server.url, now=NOW)
    assert path.read_bytes() == before
    return [p.describe() for p in _problems(info.value)], server


def test_an_unknown_contents_code_is_named_with_the_codes_the_table_has(tmp_path: Path) -> None:
    (message,), server = _refused(
        tmp_path, henting_row(12134, "KOSAGD23000", "ndr", "ASSS", "2020")
    )
    assert "arket 'Henting', celle B2" in message
    assert "tabell 12134 har ikke innholdet 'KOSAGD23000'" in message
    assert "KOSAGD230000 (" in message  # the code meant, with its label
    assert server.requests == []  # refused before any data was asked for


def test_an_unknown_value_in_utvalg_lists_the_variables_values(tmp_path: Path) -> None:
    row = henting_row(
        12362, "KOSbelop0000", "x", "ASSS", "2020", utvalg="KOKfunksjon0000=999; KOKart0000=AGD2"
    )
    (message,), server = _refused(tmp_path, row)
    assert "celle F2" in message
    assert "variabelen KOKfunksjon0000" in message and "har ikke koden 999" in message
    assert "FGK8b" in message
    assert server.requests == []


def test_a_variable_left_unchosen_is_named(tmp_path: Path) -> None:
    row = henting_row(12362, "KOSbelop0000", "x", "ASSS", "2020", utvalg="KOKart0000=AGD2")
    (message,), _ = _refused(tmp_path, row)
    assert "har variabelen KOKfunksjon0000" in message
    assert "velg én (eller flere som summeres) i Utvalg" in message


def test_an_unknown_table_is_named_at_its_cell(tmp_path: Path) -> None:
    (message,), _ = _refused(tmp_path, henting_row(99999, "KOSAGD230000", "ndr", "ASSS", "2020"))
    assert "celle A2" in message and "SSB har ingen tabell 99999" in message


def test_years_the_table_does_not_have(tmp_path: Path) -> None:
    (message,), _ = _refused(tmp_path, henting_row(12134, "KOSAGD230000", "ndr", "ASSS", "1990"))
    assert "celle E2" in message and "har ikke tall for 1990" in message


def test_every_bad_row_at_once(tmp_path: Path) -> None:
    path = make_book(
        tmp_path / "bok.xlsx",
        [
            henting_row(12134, "FEIL1", "a", "ASSS", "2020"),
            henting_row(12134, "KOSAGD230000", "b", "ASSS", "2020"),
            henting_row(
                12362, "FEIL2", "c", "ASSS", "2020", utvalg="KOKfunksjon0000=FGK8b; KOKart0000=AGD2"
            ),
        ],
        kommuner=ASSS4,
    )
    with FakeSsb(kostra_12134(), kostra_12362()) as server, pytest.raises(InputErrors) as info:
        hent(path, api_url=server.url, now=NOW)
    texts = [p.describe() for p in info.value]
    assert len(texts) == 2
    assert "celle B2" in texts[0] and "FEIL1" in texts[0]
    assert "celle B4" in texts[1] and "FEIL2" in texts[1]


def test_offline_replays_the_metadata_and_checks_without_the_network(tmp_path: Path) -> None:
    path = make_book(
        tmp_path / "bok.xlsx",
        [henting_row(12134, "KOSAGD230000", "ndr", "ASSS", "2020")],
        kommuner=ASSS4,
    )
    with FakeSsb(kostra_12134()) as server:
        hent(path, api_url=server.url, now=NOW)
        assert len(server.metadata_requests) == 1
    hent(path, api_url=closed_port_url(), offline=True)  # metadata and data from the cache
    bad = make_book(
        tmp_path / "feil.xlsx",
        [henting_row(12134, "KOSAGD23000", "ndr", "ASSS", "2020")],
        kommuner=ASSS4,
    )
    with pytest.raises(InputError, match="har ikke innholdet 'KOSAGD23000'"):
        hent(bad, api_url=closed_port_url(), offline=True, cache_dir=tmp_path / "bok.ssb-cache")


def test_tabell_prints_the_title_variables_and_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with FakeSsb(kostra_12362()) as server:
        assert main(["tabell", "12362", "--api-url", server.url]) == 0
        out = capsys.readouterr().out
        assert out.startswith("Tabell 12362: 12362: Utgifter til tjenesteområdene")
        assert "KOKfunksjon0000 (kokfunksjon0000)" in out
        assert "  FGK8b" in out
        assert "ContentsCode (statistikkvariabel), 1 verdier:" in out
        assert main(["tabell", "99999", "--api-url", server.url]) == 2
        assert "Feil: SSB fant ikke tabellen 99999" in capsys.readouterr().err
