"""Nothing lost: the target is always the old file or the new complete file.

``recalc`` writes the whole workbook to a temporary file beside the target and renames it over
the target (``os.replace``, atomic on one file system) only when it is complete and flushed. Two
kinds of test:

* in-process failure injection at each step between writing and replacing (rendering the output
  sheets, writing the package, the flush, the rename; an exception, a Ctrl-C) -> the target's
  bytes are unchanged and the temporary file is removed;
* a real process recalculating a large workbook in place, killed with SIGKILL at several moments
  (before, during and after the temporary file is written) -> the target always opens in
  openpyxl and is either byte-identical to the old file or a complete recalculated workbook.
  After SIGKILL nothing can clean up, so the temporary file may stay behind; it is never the
  target, and it is named ``.<name>.<random>.xlsx`` (hidden) so the user does not mistake it.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from kommuneokonomi.workbook import files, package
from kommuneokonomi.workbook.build import BUDGET_EXAMPLE, SAVINGS_EXAMPLE

from .helpers import data_rows, digest, run_cli, temp_files


@pytest.fixture
def book(built: Path, tmp_path: Path) -> Path:
    path = tmp_path / SAVINGS_EXAMPLE
    shutil.copy(built / SAVINGS_EXAMPLE, path)
    return path


class Crash(Exception):
    """The injected failure."""


def _crash(*args: object, **kwargs: object) -> None:
    raise Crash("injisert feil")


@pytest.mark.parametrize(
    "where",
    ["render_outputs", "package._write", "os.replace", "os.fsync", "KeyboardInterrupt"],
)
@pytest.mark.parametrize("in_place", [True, False], ids=["på stedet", "med -o"])
def test_failure_between_writing_and_replacing(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, in_place: bool
) -> None:
    target = book if in_place else tmp_path / "resultat.xlsx"
    if not in_place:
        assert run_cli("recalc", book, "-o", target).code == 0  # an old result to keep
    old = digest(target)
    source = digest(book)
    if where == "render_outputs":
        monkeypatch.setattr(files, "render_outputs", _crash)
    elif where == "package._write":
        monkeypatch.setattr(package, "_write", _crash)
    elif where == "os.replace":
        monkeypatch.setattr(files.os, "replace", _crash)
    elif where == "os.fsync":
        monkeypatch.setattr(files.os, "fsync", _crash)
    else:

        def interrupt(*args: object, **kwargs: object) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr(package, "_write", interrupt)
    with pytest.raises((Crash, KeyboardInterrupt)):
        run_cli("recalc", book, *([] if in_place else ["-o", target]))
    assert digest(target) == old
    assert digest(book) == source
    assert temp_files(tmp_path) == []


def test_os_error_on_replace_is_reported(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An OS refusal at the rename (e.g. the file is held by another program on Windows)."""
    old = digest(book)

    def busy(*args: object, **kwargs: object) -> None:
        raise OSError(16, "Device or resource busy")

    monkeypatch.setattr(files.os, "replace", busy)
    run = run_cli("recalc", book)
    assert run.code == 2
    assert "filen kunne ikke skrives (filen er i bruk); den gamle filen er urørt" in run.err
    assert digest(book) == old
    assert temp_files(book.parent) == []


def test_budget_workbook_in_place_succeeds_atomically(built: Path, tmp_path: Path) -> None:
    path = tmp_path / BUDGET_EXAMPLE
    shutil.copy(built / BUDGET_EXAMPLE, path)
    mode = 0o640
    path.chmod(mode)
    assert run_cli("recalc", path).code == 0
    assert path.stat().st_mode & 0o777 == mode  # the replacement keeps the file's permissions
    assert temp_files(tmp_path) == []
    assert "Kontroller" in openpyxl.load_workbook(path).sheetnames


# --- SIGKILL at random moments ---------------------------------------------------------------

EXTRA_ROWS = 2000
RECALC = "import sys; from kommuneokonomi.cli import main; sys.exit(main(sys.argv[1:]))"


@pytest.fixture(scope="module")
def large_book(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The savings example with thousands of extra data rows (another year), so that writing
    the result takes long enough to be interrupted."""
    wb = openpyxl.load_workbook(built / SAVINGS_EXAMPLE)
    ws = wb["Data"]
    table = ws.tables["tblData"]
    min_col, min_row, max_col, max_row = (int(x or 1) for x in range_boundaries(table.ref))
    for i in range(EXTRA_ROWS):
        ws.cell(row=max_row + 1 + i, column=1, value=f"Kommune {i % 400}")
        ws.cell(row=max_row + 1 + i, column=2, value=1990 + (i // 400) % 10)
        ws.cell(row=max_row + 1 + i, column=3, value=f"indikator_{i % 37}")
        ws.cell(row=max_row + 1 + i, column=4, value=i * 1.25)
    table.ref = (
        f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row + EXTRA_ROWS}"
    )
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref
    path = tmp_path_factory.mktemp("stor") / "stor.xlsx"
    wb.save(path)
    return path


def _start(path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", RECALC, "recalc", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _temp_of(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f".{path.stem}.*{path.suffix}"))


def _wait_for_temp(proc: subprocess.Popen[bytes], path: Path) -> float | None:
    """Poll until the temporary file appears; the time it did, or None if the run ended."""
    while proc.poll() is None:
        if _temp_of(path):
            return time.monotonic()
        time.sleep(0.0005)
    return None


def _assert_old_or_new(path: Path, old: bytes, old_inputs: list[dict[str, object]]) -> str:
    """The file opens and is the old bytes or a complete new result; which one."""
    data = path.read_bytes()
    wb = openpyxl.load_workbook(path, data_only=True)  # raises on a broken file
    if data == old:
        return "gammel"
    assert "Innsparing" in wb.sheetnames
    lines = data_rows(wb, "tblInnsparing")
    sectors = data_rows(wb, "tblInnsparingSektor")
    assert len(lines) == 15 and sectors[-1]["Sektor"] == "Sum"
    assert data_rows(wb, "tblData") == old_inputs  # input tables untouched
    return "ny"


def test_kill_during_recalc_leaves_old_or_new(large_book: Path, tmp_path: Path) -> None:
    path = tmp_path / large_book.name
    shutil.copy(large_book, path)
    old = path.read_bytes()
    old_inputs = data_rows(openpyxl.load_workbook(path, data_only=True), "tblData")

    # one undisturbed run: how long the temporary file lives
    proc = _start(path)
    seen = _wait_for_temp(proc, path)
    assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    assert seen is not None
    window = time.monotonic() - seen
    assert _assert_old_or_new(path, old, old_inputs) == "ny"

    rng = random.Random(20240611)
    # before the temporary file exists, then spread over its life (and a little beyond)
    moments: list[float | None] = [None] + [
        f * window * 1.1 for f in (0.0, 0.15, 0.35, 0.55, 0.75, 0.95)
    ]
    outcomes = []
    for moment in moments:
        path.write_bytes(old)
        for stale in _temp_of(path):
            stale.unlink()
        proc = _start(path)
        if moment is None:
            time.sleep(rng.uniform(0.05, 0.3))  # while reading and computing
        else:
            started = _wait_for_temp(proc, path)
            if started is not None:
                time.sleep(max(0.0, moment + rng.uniform(-0.02, 0.02) * window))
        proc.send_signal(signal.SIGKILL) if proc.poll() is None else None
        proc.wait(timeout=120)
        outcomes.append(_assert_old_or_new(path, old, old_inputs))
    assert "gammel" in outcomes, outcomes  # the kills did interrupt writes
    # whatever the kill left behind is only ever a hidden temporary file, never the target
    for leftover in _temp_of(path):
        assert leftover.name.startswith(".") and leftover != path


def test_temp_file_is_beside_the_target_and_hidden(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same folder (so the rename is atomic, never a copy across file systems), hidden name."""
    seen: list[Path] = []
    real = os.replace

    def spy(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        seen.append(Path(src))  # the finished temporary file renamed over the target
        real(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    assert run_cli("recalc", book).code == 0
    assert seen and seen[0].parent == book.resolve().parent and seen[0].name.startswith(".")
    assert not seen[0].exists()
    assert os.path.exists(book)
