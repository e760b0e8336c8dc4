"""End to end through the real entry point, as `make demo` runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kommuneokonomi.cli import main


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kommuneokonomi.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def test_demo_builds_recalculates_and_prints_tabell_10_and_2019_checks(tmp_path: Path) -> None:
    result = _run("demo", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for name in (
        "innsparing_trondheim_2007.xlsx",
        "budsjett_trondheim_2019.xlsx",
        "plan_trondheim_2020.xlsx",
        "innsparing_trondheim_2007_notat.docx",
    ):
        assert (tmp_path / "demo" / name).exists()
        assert f"{tmp_path / 'demo' / name}" in out
    assert "Økonomiplanen per år" in out and "Valgte tiltak" in out
    tabell10 = out.split("Tabell 10: Innsparingsmuligheter")[1]
    sum_row = next(line for line in tabell10.splitlines() if line.startswith("Sum "))
    cells = sum_row.split()
    # the engine's mean column, then the report's printed figures for comparison
    assert cells[1] == "131,9"
    assert cells[3:5] == ["131,9", "275,9"]
    checks = out.split("Budsjettkontroll:")[1]
    assert "Resultat: alle kontroller OK." in checks
    assert "AVVIK" not in checks
    assert "REKONSTRUERT" in out
    for sector in (
        "Grunnskole",
        "Sosialhjelp",
        "Barnevern",
        "Pleie og omsorg",
        "Administrasjon",
        "Barnehage",
    ):
        assert any(line.startswith(sector) for line in tabell10.splitlines())


def test_new_creates_a_template_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "ny.xlsx"
    assert _run("new", "budsjett", str(target)).returncode == 0
    content = target.read_bytes()
    again = _run("new", "budsjett", str(target))
    assert again.returncode == 2
    assert "finnes allerede" in again.stderr
    assert target.read_bytes() == content
    # an empty template is no error, but "alle kontroller OK" after zero checks would mislead
    check = _run("check", str(target))
    assert check.returncode == 1, check.stderr
    assert "Resultat: ingenting er kontrollert." in check.stdout
    assert "ADVARSEL: ingenting å kontrollere: tabellene tblBudsjett" in check.stdout
    assert "alle kontroller OK" not in check.stdout


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["finnes-ikke"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Feil: argumentet KOMMANDO: ugyldig valg: 'finnes-ikke'")
    assert "\nbruk: kommuneokonomi " in err


def test_help_is_norwegian() -> None:
    result = _run("--help")
    assert result.returncode == 0
    assert "bruk: kommuneokonomi" in result.stdout
    assert "demo" in result.stdout


def test_hent_is_a_command_and_offline_without_cache_says_so(tmp_path: Path) -> None:
    assert _run("demo", str(tmp_path / "demo")).returncode == 0
    book = tmp_path / "demo" / "innsparing_trondheim_2007.xlsx"
    before = book.read_bytes()
    result = _run("hent", str(book), "--offline")
    assert result.returncode == 2
    assert result.stderr.startswith("Feil: ")
    assert "mellomlageret" in result.stderr
    assert book.read_bytes() == before
