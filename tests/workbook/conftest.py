"""Fixtures shared by the workbook tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from kommuneokonomi.workbook.build import build_all


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the example workbooks and templates freshly built (once per module)."""
    folder = tmp_path_factory.mktemp("bygget")
    build_all(folder)
    return folder
