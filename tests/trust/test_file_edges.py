"""File system edges (issue 12): measured before, a read-only workbook was replaced in place
(exit 0), files written with -o or new got mode 0600 whatever the umask, -o link.xlsx where
the link points at a text file overwrote that file with a workbook, a dangling link said
"mappen . finnes ikke", a killed run's 0-byte temporary file stayed beside the workbook, and
a file open in LibreOffice was not detected."""

from __future__ import annotations

import os
import shutil
import stat
import time
import warnings
from pathlib import Path

import pytest

from kommuneokonomi import cli
from kommuneokonomi.cli import main
from kommuneokonomi.workbook import layout as L

EXAMPLE = Path(__file__).parents[2] / "workbooks" / "innsparing_trondheim_2007.xlsx"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "analyse.xlsx"
    shutil.copy(EXAMPLE, path)
    return path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_read_only_workbook_is_refused_not_replaced(
    book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book.chmod(0o444)
    before = book.read_bytes()
    assert main(["recalc", str(book)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Feil: fil ") and "filen er skrivebeskyttet og blir ikke endret" in err
    assert book.read_bytes() == before and _mode(book) == 0o444


def test_a_replaced_file_keeps_its_mode(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "ut.xlsx"
    shutil.copy(EXAMPLE, out)
    out.chmod(0o640)
    assert main(["recalc", str(book), "-o", str(out)]) == 0
    assert _mode(out) == 0o640
    book.chmod(0o664)
    assert main(["recalc", str(book)]) == 0
    assert _mode(book) == 0o664


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_follows_the_umask(book: Path, tmp_path: Path, mask: int, expected: int) -> None:
    old = os.umask(mask)
    try:
        assert main(["recalc", str(book), "-o", str(tmp_path / "ut.xlsx")]) == 0
        assert main(["new", "innsparing", str(tmp_path / "ny.xlsx")]) == 0
    finally:
        os.umask(old)
    assert _mode(tmp_path / "ut.xlsx") == expected
    assert _mode(tmp_path / "ny.xlsx") == expected


def test_a_link_to_a_text_file_is_refused(
    book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "notater.txt"
    text.write_text("viktige notater\n", encoding="utf-8")
    link = tmp_path / "lenke.xlsx"
    link.symlink_to(text)
    assert main(["recalc", str(book), "-o", str(link)]) == 2
    err = capsys.readouterr().err
    assert "er en snarvei (lenke) til" in err and "ikke er en Excel-arbeidsbok" in err
    assert text.read_text(encoding="utf-8") == "viktige notater\n" and link.is_symlink()


def test_an_existing_file_that_is_not_a_workbook_is_not_overwritten(
    book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "rapport.xlsx"
    other.write_text("ikke en arbeidsbok", encoding="utf-8")
    assert main(["recalc", str(book), "-o", str(other)]) == 2
    assert "finnes og ikke er en Excel-arbeidsbok; den blir ikke overskrevet" in (
        capsys.readouterr().err
    )
    assert other.read_text(encoding="utf-8") == "ikke en arbeidsbok"


def test_a_link_to_a_workbook_is_written_through(book: Path, tmp_path: Path) -> None:
    real = tmp_path / "ekte.xlsx"
    shutil.copy(EXAMPLE, real)
    link = tmp_path / "lenke.xlsx"
    link.symlink_to(real)
    assert main(["recalc", str(book), "-o", str(link)]) == 0
    assert link.is_symlink() and real.read_bytes() != EXAMPLE.read_bytes()


def test_a_dangling_link_says_so(
    book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "lenke.xlsx"
    link.symlink_to(tmp_path / "borte.xlsx")
    assert main(["recalc", str(book), "-o", str(link)]) == 2
    err = capsys.readouterr().err
    assert "er en snarvei (lenke) til" in err and "som ikke finnes" in err
    assert not (tmp_path / "borte.xlsx").exists()


def test_a_killed_runs_leftovers_are_removed_on_the_next_run(book: Path) -> None:
    old_empty = book.with_name(".analyse.k3j_9x2a.xlsx")
    old_empty.write_bytes(b"")
    fresh = book.with_name(".analyse.abcd1234.xlsx")  # a run writing right now
    fresh.write_bytes(b"")
    someone_elses = book.with_name(".analyse.notes.xlsx")
    someone_elses.write_bytes(b"")
    long_ago = time.time() - 3 * 3600
    for path in (old_empty, someone_elses):
        os.utime(path, (long_ago, long_ago))
    assert main(["recalc", str(book)]) == 0
    assert not old_empty.exists()
    assert fresh.exists() and someone_elses.exists()


def test_a_file_open_in_libreoffice_is_detected(
    book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book.with_name(f".~lock.{book.name}#").write_text(",bruker,maskin,03.12.2026 10:00,\n")
    before = book.read_bytes()
    assert main(["recalc", str(book)]) == 2
    assert "åpen i LibreOffice (låsefilen .~lock.analyse.xlsx# finnes)" in capsys.readouterr().err
    assert book.read_bytes() == before


def test_no_english_library_warning_reaches_the_user(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], book: Path
) -> None:
    def check_with_a_library_warning(args: object) -> int:
        warnings.warn_explicit(
            "Data Validation extension is not supported and will be removed",
            UserWarning,
            filename="openpyxl/worksheet/_reader.py",
            lineno=1,
            module="openpyxl.worksheet._reader",
        )
        return 0

    monkeypatch.setattr(cli, "_cmd_check", check_with_a_library_warning)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        assert main(["check", str(book)]) == 0
    captured = capsys.readouterr()
    assert "will be removed" not in captured.err + captured.out


def test_a_full_temp_folder_does_not_stop_a_recalculation(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Measured before: a full temp folder was reported as the target's disk being full. The
    output sheets are now rendered in memory; only the target's own folder is written."""
    import tempfile

    full = tmp_path / "full_tmp"
    full.mkdir()
    real_mkstemp = tempfile.mkstemp

    def no_room(*args: object, **kwargs: object) -> tuple[int, str]:
        where = kwargs.get("dir")
        if where is None or Path(str(where)) == full:
            raise OSError(28, "No space left on device")
        return real_mkstemp(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tempfile, "tempdir", str(full))
    monkeypatch.setattr(tempfile, "mkstemp", no_room)

    def no_folder(*args: object, **kwargs: object) -> object:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", no_folder)
    assert main(["recalc", str(book), "-o", str(tmp_path / "ut.xlsx")]) == 0
    assert (tmp_path / "ut.xlsx").stat().st_size > 0


def test_plain_ranges_instead_of_tables_say_how_to_make_tables(
    book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same sheets and headers as plain ranges, as pandas' to_excel or a Google Sheets
    export write them: no named Excel tables. The message names the sheets and says how to
    make each a table with the right name; the file is left as it was."""
    import pandas as pd

    from kommuneokonomi.workbook.fastread import CalamineBook

    plain = book.with_name("fra_pandas.xlsx")
    reader = CalamineBook(book)
    with pd.ExcelWriter(plain, engine="openpyxl") as writer:
        for sheet, table in (("Data", "tblData"), ("Indikatorer", "tblIndikatorer")):
            spec = next(s for s in (*L.SAVINGS,) if s.name == table)
            raw = reader.read_table(spec)
            pd.DataFrame(raw.rows, columns=raw.headers).to_excel(
                writer, sheet_name=sheet, index=False
            )
    before = plain.read_bytes()
    assert main(["recalc", str(plain)]) == 2
    err = capsys.readouterr().err
    assert "Arkene 'Indikatorer' (tblIndikatorer), 'Data' (tblData) finnes" in err
    assert "Sett inn > Tabell (Ctrl+T)" in err
    assert plain.read_bytes() == before
