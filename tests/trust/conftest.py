"""Fixtures of the trust tests: the example and template workbooks, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from kommuneokonomi.workbook.build import build_all

from . import fuzzing


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the two examples and the two templates, as ``build_all`` makes them."""
    folder = tmp_path_factory.mktemp("bygget")
    build_all(folder)
    return folder


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many fuzz cases ran (the acceptance criterion is at least 2 000 in CI)."""
    if fuzzing.COUNTS:
        total = sum(fuzzing.COUNTS.values())
        parts = ", ".join(f"{name}: {n}" for name, n in sorted(fuzzing.COUNTS.items()))
        terminalreporter.write_line(f"fuzz: {total} tilfeller kjørt ({parts})")
