"""``kommuneokonomi hent`` through the one command line, and its old alias."""

from __future__ import annotations

import functools
import io
from pathlib import Path

import pytest

from kommuneokonomi.cli import build_parser, main
from kommuneokonomi.progress import Progress
from kommuneokonomi.ssb import cli as ssb_cli
from kommuneokonomi.ssb import client
from kommuneokonomi.ssb.client import PxWebClient

from .books import ASSS4, data_records, henting_row, make_book
from .server import FakeSsb, problem

HENTING = [henting_row(12134, "KOSAGD230000", "ndr", "ASSS", "2017-2020")]


def test_hent_command_fetches_and_reports(
    ssb: FakeSsb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_book(tmp_path / "bok.xlsx", HENTING, kommuner=ASSS4)
    cache = tmp_path / "lager"
    assert main(["hent", str(path), "--api-url", ssb.url, "--cache", str(cache)]) == 0
    out = capsys.readouterr().out
    assert "Hentet 16 tall til tblData i bok.xlsx: 0 erstattet, 16 nye." in out
    assert "1 av dem mangler verdi hos SSB" in out
    assert "Nye kolonner i tblData: Merknad." in out
    assert f"svarene er lagret i {cache}" in out
    assert "kommuneokonomi recalc" in out
    assert len(list(cache.glob("*.meta.json"))) == 2  # the data and the table's metadata
    first = data_records(path)

    assert main(["hent", str(path), "--offline", "--cache", str(cache)]) == 0
    out = capsys.readouterr().out
    assert "Hentet 16 tall til tblData i bok.xlsx: 16 erstattet, 0 nye." in out
    assert f"1 svar spilt av fra mellomlageret {cache}." in out
    assert data_records(path) == first


def test_old_entry_point_is_an_alias_of_kommuneokonomi_hent(
    ssb: FakeSsb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python -m kommuneokonomi.ssb.cli ARGS`` == ``kommuneokonomi hent ARGS``."""
    outputs = []
    for name, run in (("alias", ssb_cli.main), ("en", lambda a: main(["hent", *a]))):
        folder = tmp_path / name
        folder.mkdir()
        path = make_book(folder / "bok.xlsx", HENTING, kommuner=ASSS4)
        assert run([str(path), "--api-url", ssb.url, "--cache", str(folder / "c")]) == 0
        outputs.append(capsys.readouterr().out.replace(str(folder), "MAPPE"))
        assert len(data_records(path)) == 16
    assert outputs[0] == outputs[1]
    assert ssb_cli.main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Feil: disse argumentene mangler: FIL\nbruk: kommuneokonomi hent ")


def test_api_url_from_environment(
    ssb: FakeSsb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOMMUNEOKONOMI_SSB_URL", ssb.url)
    path = make_book(tmp_path / "bok.xlsx", HENTING, kommuner=ASSS4)
    assert main(["hent", str(path)]) == 0
    assert len(ssb.requests) == 1


def test_failure_prints_feil_and_exits_2(
    ssb: FakeSsb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_book(tmp_path / "bok.xlsx", HENTING, kommuner=ASSS4)
    before = path.read_bytes()
    ssb.script.append(problem(500, "Internal Server Error"))
    assert main(["hent", str(path), "--api-url", ssb.url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Feil: SSB-tjenesten svarte med en feil (HTTP 500")
    assert "Traceback" not in err
    assert path.read_bytes() == before


def test_offline_without_cache_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_book(tmp_path / "bok.xlsx", HENTING, kommuner=ASSS4)
    assert main(["hent", str(path), "--offline"]) == 2
    assert "finnes ikke i mellomlageret" in capsys.readouterr().err


def test_hent_is_parsed_by_the_one_parser() -> None:
    args = build_parser().parse_args(
        ["hent", "f.xlsx", "--offline", "--cache", "c", "--api-url", "http://x/"]
    )
    assert (args.fil, args.offline, args.cache, args.api_url) == ("f.xlsx", True, "c", "http://x/")
    assert callable(args.func)


def test_progress_of_several_requests_is_one_plain_line_each_on_stderr(
    ssb: FakeSsb,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a small cell limit splits the one request into several
    monkeypatch.setattr(client, "PxWebClient", functools.partial(PxWebClient, max_cells=4))
    path = make_book(tmp_path / "bok.xlsx", HENTING, kommuner=ASSS4)
    assert main(["hent", str(path), "--api-url", ssb.url]) == 0
    captured = capsys.readouterr()
    n = len(ssb.requests)
    assert n > 1
    lines = captured.err.splitlines()
    assert [line.split("] ")[1].split()[0] for line in lines] == [
        f"{i}/{n}" for i in range(1, n + 1)
    ]
    assert all(line.startswith("Henter fra SSB [") for line in lines)
    assert lines[-1].startswith("Henter fra SSB [" + "#" * 30 + f"] {n}/{n} tabell 12134")
    assert "Henter" not in captured.out


def test_counter_plain_lines_and_silence_for_one_request() -> None:
    stream = io.StringIO()
    progress = Progress(stream, width=10).counter("Henter fra SSB")
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


def test_counter_redraws_on_a_terminal_and_is_erased_at_the_end() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    with Progress(stream, width=4) as display:
        progress = display.counter("Henter fra SSB")
        for done in range(3):
            progress(done, 2, "")
    assert stream.getvalue() == (
        "\rHenter fra SSB [....] 0/2\rHenter fra SSB [##..] 1/2\rHenter fra SSB [####] 2/2"
        "\r" + " " * 25 + "\r"
    )
