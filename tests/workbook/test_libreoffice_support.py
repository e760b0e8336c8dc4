"""tests/support/libreoffice.py: LibreOffice really recalculates, and the helpers work.

Locally these tests skip when LibreOffice is missing; in CI (``CI`` set) they fail instead, so
a CI machine without ``libreoffice-calc-nogui`` cannot pass by skipping.
"""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import openpyxl
import pytest

from kommuneokonomi.workbook.files import patch_cached_values
from tests.support import libreoffice
from tests.support.libreoffice import (
    LibreOfficeError,
    formula_cache_mismatches,
    recalculated_values,
    render_png,
    soffice_path,
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture
def soffice() -> str:
    found = soffice_path()
    if found is None:
        message = "LibreOffice (soffice) not installed: apt-get install libreoffice-calc-nogui"
        if _in_ci():
            pytest.fail(f"{message} (.ci/run installs it; CI must not skip this)")
        pytest.skip(message)
    return found


@pytest.fixture
def poppler() -> None:
    if shutil.which("pdftoppm") is None or shutil.which("pdfinfo") is None:
        message = "poppler-utils (pdftoppm, pdfinfo) not installed"
        if _in_ci():
            pytest.fail(f"{message} (.ci/run installs it; CI must not skip this)")
        pytest.skip(message)


def _product_book(path: Path, cached: str) -> Path:
    """A1=2, A2=3, A3 = A1*A2 whose stored (cached) value is ``cached``."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Ark"
    ws["A1"] = 2
    ws["A2"] = 3
    ws["A3"] = "=A1*A2"
    wb.save(path)
    # a forged cached value; openpyxl wrote <v/> or <v></v> (with lxml), the patch takes both
    patch_cached_values(path, {"Ark": {"A3": float(cached)}})
    cell = openpyxl.load_workbook(path, data_only=True)["Ark"]["A3"].value
    assert cell == float(cached)  # the forged value is what a non-recalculating reader sees
    return path


@pytest.fixture
def wrong_cache(tmp_path: Path) -> Path:
    return _product_book(tmp_path / "feil.xlsx", "99")


def test_forced_recalculation_replaces_a_wrong_cached_value(
    soffice: str, wrong_cache: Path
) -> None:
    before = wrong_cache.read_bytes()
    values = recalculated_values(wrong_cache)
    assert values == {"Ark": [[2], [3], [6]]}
    assert wrong_cache.read_bytes() == before  # only a copy was converted


def test_without_the_profile_setting_libreoffice_keeps_the_wrong_cached_value(
    soffice: str, wrong_cache: Path, tmp_path: Path
) -> None:
    """The control: a plain conversion keeps 99, so the recalc setting is what gives 6."""
    profile = tmp_path / "plain-profile"
    out = tmp_path / "out"
    code, output = libreoffice._run_bounded(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(wrong_cache),
        ],
        timeout=120,
        cwd=tmp_path,
    )
    assert code == 0, output
    wb = openpyxl.load_workbook(out / wrong_cache.name, data_only=True)
    assert wb["Ark"]["A3"].value == 99


def test_mismatches_name_the_forged_cell_and_accept_a_right_cache(
    soffice: str, wrong_cache: Path, tmp_path: Path
) -> None:
    [mismatch] = formula_cache_mismatches(wrong_cache)
    assert (mismatch.sheet, mismatch.cell, mismatch.formula) == ("Ark", "A3", "=A1*A2")
    assert (mismatch.cached, mismatch.recalculated) == (99, 6)

    assert formula_cache_mismatches(_product_book(tmp_path / "riktig.xlsx", "6.0")) == []


def test_values_of_every_sheet_across_sheets_with_text_and_errors(
    soffice: str, tmp_path: Path
) -> None:
    path = tmp_path / "flere.xlsx"
    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    first.title = "Første ark"
    first.append(["Kommune", "Beløp"])
    first.append(["Trondheim", 1.5])
    first.append(["Bergen", 2.25])
    second = wb.create_sheet("Sum & kontroll")
    second["A1"] = "=SUM('Første ark'!B2:B3)"
    second["A2"] = '=IF(A1>3,"over","under")'
    second["A3"] = "=1/0"
    wb.save(path)

    assert recalculated_values(path) == {
        "Første ark": [["Kommune", "Beløp"], ["Trondheim", 1.5], ["Bergen", 2.25]],
        "Sum & kontroll": [[3.75], ["over"], ["#DIV/0!"]],
    }


def test_unreadable_file_raises(soffice: str, tmp_path: Path) -> None:
    path = tmp_path / "skadet.xlsx"
    path.write_bytes(b"not a zip file at all")
    with pytest.raises(LibreOfficeError):
        recalculated_values(path)


def test_timeout_kills_libreoffice_and_raises(soffice: str, wrong_cache: Path) -> None:
    with pytest.raises(LibreOfficeError, match="did not finish"):
        recalculated_values(wrong_cache, timeout=0.01)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_render_png_renders_the_chosen_sheet(soffice: str, poppler: None, tmp_path: Path) -> None:
    path = tmp_path / "bilde.xlsx"
    wb = openpyxl.Workbook()
    small = wb.active
    assert small is not None
    small.title = "Liten"
    small["A1"] = "x"
    tall = wb.create_sheet("Høy")
    for row in range(1, 61):
        tall.cell(row, 1, f"rad {row}")
        tall.cell(row, 2, f"=ROW()*{row}")
    wb.save(path)

    small_png = render_png(path, tmp_path / "liten.png")
    tall_png = render_png(path, tmp_path / "png" / "hoy.png", sheet="Høy")

    small_size, tall_size = _png_size(small_png), _png_size(tall_png)
    assert tall_size[1] > 10 * small_size[1]  # 60 rows vs 1: the right page was taken
    with pytest.raises(ValueError, match="Finnes ikke"):
        render_png(path, tmp_path / "x.png", sheet="Finnes ikke")


def test_soffice_path_honours_the_soffice_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOFFICE", "/nonexistent/soffice")
    assert libreoffice.soffice_path() is None
