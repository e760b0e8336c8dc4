"""End to end through the real entry point, as `make demo` runs it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kommuneokonomi.cli import main


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kommuneokonomi.cli", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_demo_prints_tabell_10_and_2019_checks() -> None:
    result = _run("demo")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    sum_row = next(line for line in out.splitlines() if line.startswith("Sum "))
    cells = sum_row.split()
    # engine's mean column, then the report's printed figures for comparison
    assert cells[1] == "131,9"
    assert cells[3:5] == ["131,9", "275,9"]
    assert "Resultat: alle kontroller OK." in out
    assert "AVVIK" not in out.split("Kontroller fra budsjettprosessen")[1]
    assert "REKONSTRUERT" in out
    for sector in (
        "Grunnskole",
        "Sosialhjelp",
        "Barnevern",
        "Pleie og omsorg",
        "Administrasjon",
        "Barnehage",
    ):
        assert any(line.startswith(sector) for line in out.splitlines())


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["finnes-ikke"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "ugyldig valg: 'finnes-ikke'" in err and "Feil:" in err
    assert err.startswith("bruk: kommuneokonomi")


def test_help_is_norwegian() -> None:
    result = _run("--help")
    assert result.returncode == 0
    assert "bruk: kommuneokonomi" in result.stdout
    assert "demo" in result.stdout
