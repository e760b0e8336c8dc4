"""Problems when the result is written: a file open in Excel, a read-only folder, a missing
folder, a full disk. Each gives exit code 2 and a Norwegian message, and leaves the input and any
existing target exactly as they were, with no temporary file behind.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import BinaryIO

import pytest

from kommuneokonomi.workbook import package
from kommuneokonomi.workbook.build import SAVINGS_EXAMPLE

from .helpers import digest, run_cli, temp_files


@pytest.fixture
def book(built: Path, tmp_path: Path) -> Path:
    path = tmp_path / SAVINGS_EXAMPLE
    shutil.copy(built / SAVINGS_EXAMPLE, path)
    return path


def test_open_in_excel_in_place(book: Path) -> None:
    """Excel keeps an owner file ``~$name`` beside an open workbook: do not replace it."""
    lock = book.with_name("~$" + book.name)
    lock.write_bytes(b"\x0bBruker")
    before = digest(book)
    run = run_cli("recalc", book)
    assert run.code == 2
    assert run.err.startswith(f"Feil: fil {book.name}: filen ser ut til å være åpen i Excel")
    assert f"låsefilen {lock.name} finnes" in run.err and "skriv til en annen fil med -o" in run.err
    assert digest(book) == before
    assert lock.exists()
    assert temp_files(book.parent) == []
    # reading is fine while Excel has it open, and so is writing elsewhere
    assert run_cli("check", book).code == 0
    assert run_cli("recalc", book, "-o", book.parent / "kopi.xlsx").code == 0


def test_open_in_excel_target(book: Path) -> None:
    target = book.parent / "resultat.xlsx"
    target.write_bytes(b"gammel")
    (book.parent / "~$resultat.xlsx").write_bytes(b"x")
    run = run_cli("recalc", book, "-o", target)
    assert run.code == 2 and "filen ser ut til å være åpen i Excel" in run.err
    assert target.read_bytes() == b"gammel"


def test_read_only_folder(book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder is made read-only (0o555). CI runs as root, and root ignores file permissions:
    there the refusal the kernel would give a normal user is simulated by making
    ``tempfile.mkstemp`` and ``os.replace`` raise PermissionError, which is what they raise for
    a user without write access."""
    folder = tmp_path / "skrivebeskyttet"
    folder.mkdir()
    inside = folder / book.name
    shutil.copy(book, inside)
    before = digest(inside)
    if os.geteuid() == 0:

        def refuse(*args: object, **kwargs: object) -> object:
            raise PermissionError(errno.EACCES, "Permission denied", str(folder))

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
        monkeypatch.setattr(os, "replace", refuse)
    folder.chmod(
        stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
    )
    try:
        for args in (("recalc", inside), ("recalc", book, "-o", folder / "ut.xlsx")):
            run = run_cli(*args)
            assert run.code == 2, run
            assert f"kan ikke skrive til mappen {folder}: ingen skrivetilgang" in run.err
            assert "Velg en annen mappe med -o" in run.err
        assert digest(inside) == before
        assert sorted(p.name for p in folder.iterdir()) == [book.name]
        assert run_cli("check", inside).code == 0  # reading needs no write access
    finally:
        folder.chmod(0o755)


def test_output_folder_missing(book: Path, tmp_path: Path) -> None:
    run = run_cli("recalc", book, "-o", tmp_path / "finnes_ikke" / "ut.xlsx")
    assert run.code == 2
    assert f"mappen {tmp_path / 'finnes_ikke'} finnes ikke; opprett den" in run.err


def test_output_is_a_folder(book: Path, tmp_path: Path) -> None:
    (tmp_path / "ut.xlsx").mkdir()
    run = run_cli("recalc", book, "-o", tmp_path / "ut.xlsx")
    assert run.code == 2 and "utfilen er en mappe; oppgi et filnavn" in run.err
    assert temp_files(tmp_path) == []


@pytest.mark.parametrize("name", ["ut.csv", "ut.xlsm", "ut"])
def test_output_with_another_file_type(book: Path, tmp_path: Path, name: str) -> None:
    run = run_cli("recalc", book, "-o", tmp_path / name)
    assert run.code == 2 and "utfilen må ha samme filtype som arbeidsboken (.xlsx)" in run.err
    assert not (tmp_path / name).exists()


def test_disk_full(book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up half way through writing: the old result stays, no half file."""
    target = tmp_path / "resultat.xlsx"
    assert run_cli("recalc", book, "-o", target).code == 0
    old = digest(target)
    real_write = package._write

    # the package writer writes the whole result (inputs copied, outputs transplanted)
    def write_half(out: BinaryIO, *args: object) -> None:
        real_write(out, *args)  # type: ignore[arg-type]
        out.flush()
        out.truncate(out.tell() // 2)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(package, "_write", write_half)
    run = run_cli("recalc", book, "-o", target)
    assert run.code == 2
    assert "filen kunne ikke skrives (disken er full); den gamle filen er urørt" in run.err
    assert digest(target) == old
    assert temp_files(tmp_path) == []


def test_new_does_not_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "ny.xlsx"
    target.write_bytes(b"min fil")
    run = run_cli("new", "innsparing", target)
    assert run.code == 2 and "filen finnes allerede; bruk --overskriv" in run.err
    assert target.read_bytes() == b"min fil"
    run = run_cli("new", "budsjett", tmp_path / "mangler" / "ny.xlsx")
    assert run.code == 2 and "finnes ikke" in run.err
    run = run_cli("new", "budsjett", tmp_path / "ny.csv")
    assert run.code == 2 and "en ny arbeidsbok må ha filtypen .xlsx" in run.err


def test_xlsx_result_has_no_dangling_macro_relationship(book: Path, tmp_path: Path) -> None:
    """openpyxl's keep_vba adds a relationship to ``vbaProject.bin`` even when there is none;
    Excel then offers to repair the file. Macros are kept only for .xlsm."""
    out = tmp_path / "ut.xlsx"
    assert run_cli("recalc", book, "-o", out).code == 0
    with zipfile.ZipFile(out) as z:
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        targets = set(re.findall(r'Target="([^"]+)"', rels))
        names = set(z.namelist())
    assert "vbaProject" not in rels
    for target in targets:  # every relationship points at a part that exists
        assert target.lstrip("/") in names or f"xl/{target}" in names, target
