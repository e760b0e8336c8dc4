"""The ``hent`` command as the lead will wire it (``add_parser`` + ``run``)."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from kommuneokonomi.ssb.cli import TextProgress, add_parser, main

from .books import ASSS4, data_records, henting_row, make_book
from .server import FakeSsb, problem

HENTING = [henting_row(12134, "KOSAGD230000", "ndr", "ASSS", "2017-2020")]


def test_hent_command_fetches_and_reports(
    ssb: FakeSsb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_book(tmp_path / "bok.xlsx", HENTING, kommuner=ASSS4)
    cache = tmp_path / "lager"
    assert main([str(path), "--api-url", ssb.url, "--cache", str(cache)]) == 0
    out = capsys.readouterr().out
    assert "Hentet 16 tall til tblData i bok.xlsx: 0 erstattet, 16 nye." in out
    assert "1 av dem mangler verdi hos SSB" in out
    assert "Nye kolonner i tblData: Merknad." in out
    assert f"svarene er lagret i {cache}" in out
    assert "kommuneokonomi recalc" in out
    assert len(list(cache.glob("*.meta.json"))) == 1
    first = data_records(path)

    assert main([str(path), "--offline", "--cache", str(cache)]) == 0
    out = capsys.readouterr().out
    assert "Hentet 16 tall til tblData i bok.xlsx: 16 erstattet, 0 nye." in out
    assert f"1 svar spilt av fra mellomlageret {cache}." in out
    assert data_records(path) == first


def test_api_url_from_environment(
    ssb: FakeSsb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOMMUNEOKONOMI_SSB_URL", ssb.url)
    path = make_book(tmp_path / "bok.xlsx", HENTING, kommuner=ASSS4)
    assert main([str(path)]) == 0
    assert len(ssb.requests) == 1


def test_failure_prints_feil_and_exits_2(
    ssb: FakeSsb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_book(tmp_path / "bok.xlsx", HENTING, kommuner=ASSS4)
    before = path.read_bytes()
    ssb.script.append(problem(500, "Internal Server Error"))
    assert main([str(path), "--api-url", ssb.url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Feil: SSB-tjenesten svarte med en feil (HTTP 500")
    assert "Traceback" not in err
    assert path.read_bytes() == before


def test_offline_without_cache_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_book(tmp_path / "bok.xlsx", HENTING, kommuner=ASSS4)
    assert main([str(path), "--offline"]) == 2
    assert "finnes ikke i mellomlageret" in capsys.readouterr().err


def test_add_parser_wires_into_a_main_parser() -> None:
    parser = argparse.ArgumentParser(prog="kommuneokonomi")
    sub = parser.add_subparsers(dest="kommando")
    add_parser(sub)
    args = parser.parse_args(
        ["hent", "f.xlsx", "--offline", "--cache", "c", "--api-url", "http://x/"]
    )
    assert (args.fil, args.offline, args.cache, args.api_url) == ("f.xlsx", True, "c", "http://x/")
    assert callable(args.func)


def test_text_progress_plain_lines_and_silence_for_one_request() -> None:
    stream = io.StringIO()
    progress = TextProgress(stream, width=10)
    progress(0, 1, "")
    progress(1, 1, "tabell 12134")
    assert stream.getvalue() == ""
    for done in range(3):
        progress(done, 2, "tabell 12134 (2 Tid)" if done else "")
    lines = stream.getvalue().splitlines()
    assert lines == [
        "Henter fra SSB [#####.....] 1/2 tabell 12134 (2 Tid)",
        "Henter fra SSB [##########] 2/2 tabell 12134 (2 Tid)",
    ]


def test_text_progress_redraws_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    progress = TextProgress(stream, width=4)
    for done in range(3):
        progress(done, 2, "")
    assert stream.getvalue() == (
        "\rHenter fra SSB [....] 0/2\rHenter fra SSB [##..] 1/2\rHenter fra SSB [####] 2/2\n"
    )
