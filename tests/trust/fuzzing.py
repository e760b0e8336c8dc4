"""A mutation fuzzer over the example and template workbooks (hypothesis).

The invariant: whatever a workbook holds, a run gives **a clean result or a typed input error,
never an unhandled exception, and the input file unchanged**.

Two tiers, shared by ``tests/trust/test_fuzz.py`` (a bounded number of cases in CI) and
``scripts/fuzz.py`` (``make fuzz``, as many as asked for):

* ``files``: a built workbook is loaded with openpyxl and mutated as a user or another program
  could (values of any type in any table cell or header, rows appended or cleared, columns
  renamed, tables and sheets removed or renamed, table areas moved, cells merged), saved, and
  then possibly damaged at the byte level (garbage or a DTD in a zip member, a member dropped
  or truncated, the file truncated or bytes flipped). The command line runs in-process:
  ``check FIL`` and ``recalc FIL -o UT``; exit code 0, 1 or 2, stderr starting ``Feil:`` on 2,
  the input's bytes unchanged, an output file only on success and no temporary file left.
* ``memory``: the same kinds of changes applied to the raw tables (what an adapter hands the
  service, so also what a live Excel book can hand it: control characters, time zones, NaN and
  infinity), then :func:`kommuneokonomi.service.recalculate`, and for a result the output
  sheets are written into a workbook in memory. Much faster, so it carries most cases.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import hashlib
import io
import math
import os
import tempfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.workbook.workbook import Workbook

from kommuneokonomi.cli import main
from kommuneokonomi.errors import KommuneokonomiError
from kommuneokonomi.service import recalculate
from kommuneokonomi.workbook import files
from kommuneokonomi.workbook.build import (
    BUDGET_EXAMPLE,
    BUDGET_TEMPLATE,
    PLAN_EXAMPLE,
    PLAN_TEMPLATE,
    SAVINGS_EXAMPLE,
    SAVINGS_TEMPLATE,
)
from kommuneokonomi.workbook.layout import TableSpec
from kommuneokonomi.workbook.tables import EXCEL_ERRORS, RawTable

__all__ = ["BASES", "COUNTS", "fuzz_files", "fuzz_memory"]

#: Cases run per tier in this process (reported in the pytest summary and by scripts/fuzz.py).
COUNTS: Counter[str] = Counter()

BASES = (
    SAVINGS_EXAMPLE,
    BUDGET_EXAMPLE,
    PLAN_EXAMPLE,
    SAVINGS_TEMPLATE,
    BUDGET_TEMPLATE,
    PLAN_TEMPLATE,
)
#: The examples are drawn three times as often as the (empty) templates: a mutation of a full
#: workbook reaches deeper into validation and computation.
WEIGHTED = (
    *(SAVINGS_EXAMPLE, BUDGET_EXAMPLE, PLAN_EXAMPLE) * 3,
    SAVINGS_TEMPLATE,
    BUDGET_TEMPLATE,
    PLAN_TEMPLATE,
)

# --- values --------------------------------------------------------------------------------------

WORDS = (
    "Trondheim",
    "trondheim",
    "Oslo",
    "Bergen",
    "Narvik",
    "Norge",
    "ASSS",
    "snitt",
    "median",
    "3. beste",
    "1. beste",
    "0. beste",
    "99. beste",
    "3",
    "-",
    "ingen",
    "Ja",
    "Nei",
    "kanskje",
    "lav",
    "høy",
    "midt",
    "absolutt",
    "relativ",
    "varig",
    "engangs",
    "disposisjonsfond",
    "kraftfond",
    "ramme",
    "minst",
    "høyst",
    "Egen kommune",
    "År",
    "Toleranse",
    "Sammenligningsgruppe",
    "Referanse 1",
    "Referanse 2",
    "Snitt: vekt",
    "Snitt: utelat",
    "Snitt: ta med egen kommune",
    "Budsjettår",
    "Antall planår",
    "Enhet",
    "mill. kr",
    "tjeneste",
    "frie inntekter",
    "fond",
    "avdrag",
    "1-5 år",
    "90 år og over",
    "Netto driftsresultat i % av driftsinntekter",
    "Lånegjeld i %",
    "innbyggere",
    "sfo_brukere",
    "sfo_enhetskostnad",
    "frie_inntekter_vekst",
    "deflator",
    "investeringer_per_innbygger",
    "ndr_andel",
    "Grunnskole",
    "Sum",
    "2007",
    "2019",
    "2007,5",
    "1 234,5",
    "12,5",
    "-0,5",
    "1e400",
    ".",
    "..",
    "...",
    ":",
    "…",
    "",
    " ",
    "=1/0",
    "+1",
    "@A1",
    "-2+3",
    '=HYPERLINK("http://x","y")',
)
NUMBERS = (0, -0.0, 1, -1, -2, -0.99, 0.0175, 2007, 2019, 1e308, -1e308, 5e-324, 1e15, 123456.789)


def _text(*, control: bool) -> st.SearchStrategy[str]:
    excluded = ["Cs"] if control else ["Cs", "Cc"]
    return st.text(st.characters(exclude_categories=excluded), max_size=40)  # type: ignore[arg-type]


def values(*, live: bool = False) -> st.SearchStrategy[object]:
    """A cell value: anything Excel can store (``live``: anything xlwings can hand over)."""
    base: list[st.SearchStrategy[Any]] = [
        st.none(),
        st.booleans(),
        st.sampled_from(WORDS),
        st.sampled_from(sorted(EXCEL_ERRORS)),
        st.sampled_from(NUMBERS),
        st.integers(min_value=-(10**12), max_value=10**12),
        st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
        _text(control=live),
        st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2200, 1, 1)),
        st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2200, 1, 1)),
        st.times(),
    ]
    if live:
        base += [
            st.sampled_from([math.nan, math.inf, -math.inf]),
            st.timedeltas(max_value=dt.timedelta(days=10_000), min_value=dt.timedelta(0)),
            st.datetimes(timezones=st.just(dt.UTC)),
            st.integers(),
        ]
    return st.one_of(*base)


# --- workbook mutations (openpyxl) ---------------------------------------------------------------

Op = tuple[Any, ...]


def ops(*, live: bool) -> st.SearchStrategy[list[Op]]:
    """1-4 changes; table, row and column are drawn as integers and resolved modulo the
    workbook's current shape when applied, so every change applies to whatever is there."""
    i = st.integers(min_value=0, max_value=10_000)
    row = st.integers(min_value=-1, max_value=10_000)  # -1: the header
    op = st.one_of(
        st.tuples(st.just("set"), i, row, i, values(live=live)),
        st.tuples(st.just("set"), i, row, i, values(live=live)),
        st.tuples(st.just("set"), i, row, i, values(live=live)),
        st.tuples(st.just("append"), i, st.lists(values(live=live), max_size=12)),
        st.tuples(st.just("clear_row"), i, i),
        st.tuples(st.just("drop_row"), i, i),
        st.tuples(st.just("drop_column"), i, i),
        st.tuples(st.just("rename_header"), i, i, st.sampled_from(WORDS) | _text(control=False)),
        st.tuples(st.just("drop_table"), i),
        st.tuples(st.just("clear_table"), i),
        st.tuples(st.just("duplicate_row"), i, i),
    )
    file_only = st.one_of(
        st.tuples(st.just("drop_sheet"), i),
        st.tuples(
            st.just("rename_sheet"), i, st.sampled_from(["Data", "Tall", "Innstillinger", "x" * 31])
        ),
        st.tuples(st.just("merge"), i, i, i, st.integers(min_value=0, max_value=3)),
        st.tuples(
            st.just("move_ref"),
            i,
            st.integers(-3, 3),
            st.integers(-3, 3),
            st.integers(-50, 50),
            st.integers(-3, 3),
        ),
    )
    return st.lists(op if live else st.one_of(op, file_only), min_size=1, max_size=4)


def byte_ops() -> st.SearchStrategy[list[Op]]:
    """0-2 byte-level damages (most cases have none, so the workbook stays a workbook)."""
    i = st.integers(min_value=0, max_value=10_000)
    damage = st.one_of(
        st.tuples(st.just("garbage"), i, i, st.binary(min_size=1, max_size=64)),
        st.tuples(st.just("truncate_member"), i, st.floats(0, 1)),
        st.tuples(st.just("drop_member"), i),
        st.tuples(st.just("dtd"), i),
        st.tuples(st.just("truncate_file"), st.floats(0, 1)),
        st.tuples(st.just("flip"), st.lists(i, min_size=1, max_size=8)),
    )
    return st.one_of(
        st.just([]), st.just([]), st.just([]), st.lists(damage, min_size=1, max_size=2)
    )


def _tables(wb: Workbook) -> list[tuple[Any, Any]]:
    return [(ws, ws.tables[name]) for ws in wb.worksheets for name in sorted(ws.tables)]


def _bounds(table: Any) -> tuple[int, int, int, int]:
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    return int(min_col or 1), int(min_row or 1), int(max_col or 1), int(max_row or 1)


def _set_ref(table: Any, min_col: int, min_row: int, max_col: int, max_row: int) -> None:
    table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref


def _store(cell: Any, value: object) -> None:
    """Put a value in a cell; text beginning with '=' is a formula half the time. A merged
    cell (not its top-left one) cannot hold a value and is left alone."""
    try:
        cell.value = value
    except AttributeError:  # MergedCell
        return
    except (IllegalCharacterError, ValueError, TypeError):
        cell.value = None
        return
    if isinstance(value, str) and value.startswith("=") and len(value) % 2:
        cell.data_type = "s"


def apply_to_workbook(wb: Workbook, changes: list[Op]) -> None:
    """Apply changes to an openpyxl workbook (structure-breaking ones included)."""
    for change in changes:
        kind, *args = change
        tables = _tables(wb)
        if kind in {"drop_sheet", "rename_sheet"}:
            sheets = wb.worksheets
            if not sheets:
                continue
            ws = sheets[args[0] % len(sheets)]
            if kind == "drop_sheet":
                if len(sheets) > 1:
                    wb.remove(ws)
            elif args[1] not in wb.sheetnames:
                ws.title = args[1]
            continue
        if not tables:
            continue
        ws, table = tables[args[0] % len(tables)]
        min_col, min_row, max_col, max_row = _bounds(table)
        width, n_rows = max_col - min_col + 1, max_row - min_row
        if kind == "set":
            r = min_row if args[1] < 0 else min_row + 1 + args[1] % max(n_rows + 2, 1)
            _store(ws.cell(row=r, column=min_col + args[2] % width), args[3])
            if r > max_row:
                _set_ref(table, min_col, min_row, max_col, r)
        elif kind == "append":
            for j in range(width):
                _store(
                    ws.cell(row=max_row + 1, column=min_col + j),
                    args[1][j] if j < len(args[1]) else None,
                )
            _set_ref(table, min_col, min_row, max_col, max_row + 1)
        elif kind == "clear_row" and n_rows:
            r = min_row + 1 + args[1] % n_rows
            for j in range(width):
                _store(ws.cell(row=r, column=min_col + j), None)
        elif kind == "drop_row" and n_rows > 1:
            _set_ref(table, min_col, min_row, max_col, max_row - 1)
        elif kind == "drop_column" and width > 1:
            j = args[1] % width
            for r in range(min_row, max_row + 1):  # shift the cells left within the table
                for c in range(min_col + j, max_col):
                    _store(ws.cell(row=r, column=c), ws.cell(row=r, column=c + 1).value)
                _store(ws.cell(row=r, column=max_col), None)
            if j < len(table.tableColumns):  # a moved ref may span more columns than it names
                del table.tableColumns[j]
            _set_ref(table, min_col, min_row, max_col - 1, max_row)
        elif kind == "rename_header":
            j = args[1] % width
            _store(ws.cell(row=min_row, column=min_col + j), args[2])
        elif kind == "drop_table":
            del ws.tables[table.name]
        elif kind == "clear_table":
            for r in range(min_row + 1, max_row + 1):
                for j in range(width):
                    _store(ws.cell(row=r, column=min_col + j), None)
        elif kind == "duplicate_row" and n_rows:
            src = min_row + 1 + args[1] % n_rows
            for j in range(width):
                _store(
                    ws.cell(row=max_row + 1, column=min_col + j),
                    ws.cell(row=src, column=min_col + j).value,
                )
            _set_ref(table, min_col, min_row, max_col, max_row + 1)
        elif kind == "merge" and n_rows:
            r = min_row + args[1] % (n_rows + 1)
            c = min_col + args[2] % width
            ws.merge_cells(
                start_row=r, start_column=c, end_row=r + args[3], end_column=c + (args[3] % 2)
            )
        elif kind == "move_ref":
            a = max(1, min_col + args[1])
            b = max(1, min_row + args[2])
            ws_max_col = max(a, max_col + args[4])
            _set_ref(table, a, b, ws_max_col, max(b, max_row + args[3]))


def damage_bytes(data: bytes, damages: list[Op]) -> bytes:
    """Byte-level damage to a saved package."""
    for kind, *args in damages:
        if kind == "truncate_file":
            data = data[: int(len(data) * args[0])]
            continue
        if kind == "flip":
            buf = bytearray(data)
            for pos in args[0]:
                if buf:
                    buf[pos % len(buf)] ^= 0xFF
            data = bytes(buf)
            continue
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zin:
                infos = zin.infolist()
                parts = [(info, zin.read(info.filename)) for info in infos]
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
            continue  # already not a zip: nothing more to damage at this level
        if not parts:
            continue
        k = args[0] % len(parts)
        info, member = parts[k]
        if kind == "garbage":
            at = args[1] % (len(member) + 1)
            parts[k] = (info, member[:at] + args[2] + member[at + len(args[2]) :])
        elif kind == "truncate_member":
            parts[k] = (info, member[: int(len(member) * args[1])])
        elif kind == "drop_member":
            del parts[k]
        elif kind == "dtd":
            body = member.split(b"?>", 1)[-1] if member.startswith(b"<?xml") else member
            parts[k] = (info, b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + body)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info, member in parts:
                zout.writestr(copy.copy(info), member)
        data = out.getvalue()
    return data


# --- the file tier -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileCase:
    base: str
    changes: list[Op]
    damages: list[Op]
    recalc: bool
    suffix: str = ".xlsx"  # .xlsm: macros are kept, which takes another path when saving


def file_cases() -> st.SearchStrategy[FileCase]:
    return st.builds(
        FileCase,
        base=st.sampled_from(WEIGHTED),
        changes=ops(live=False),
        damages=byte_ops(),
        recalc=st.booleans(),
        suffix=st.sampled_from([".xlsx", ".xlsx", ".xlsx", ".xlsm"]),
    )


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def _check_run(code: int, err: str) -> None:
    assert code in (0, 1, 2), code
    if code == 2:
        assert err.startswith("Feil: "), err
    assert "Traceback" not in err


def run_file_case(case: FileCase, sources: dict[str, bytes], folder: Path) -> None:
    """One case of the file tier; an AssertionError or any exception is a finding."""
    COUNTS["filer"] += 1
    wb = openpyxl.load_workbook(io.BytesIO(sources[case.base]))
    apply_to_workbook(wb, case.changes)
    buf = io.BytesIO()
    try:
        wb.save(buf)
    except (IllegalCharacterError, ValueError, TypeError, KeyError, IndexError):
        return  # openpyxl cannot write this shape at all: no file a user could have
    data = damage_bytes(buf.getvalue(), case.damages)
    work = Path(tempfile.mkdtemp(dir=folder))
    path = work / ("bok" + case.suffix)
    path.write_bytes(data)
    before = hashlib.sha256(data).digest()

    code, _, err = _cli("check", str(path))
    _check_run(code, err)
    if case.recalc or code != 2:
        out = work / ("ut" + case.suffix)
        code_r, _, err_r = _cli("recalc", str(path), "-o", str(out))
        _check_run(code_r, err_r)
        assert code_r in (0, 2)
        assert out.exists() == (code_r == 0)
        if code_r == 0:
            openpyxl.load_workbook(out)  # the result opens
        if code == 2:
            assert code_r == 2 and err_r == err, (err, err_r)
    assert hashlib.sha256(path.read_bytes()).digest() == before, "the input file changed"
    assert [p.name for p in work.iterdir() if p.name.startswith(".")] == []
    for p in work.iterdir():
        p.unlink()
    work.rmdir()


# --- the memory tier -------------------------------------------------------------------------------


@dataclass
class RawBook:
    """A :class:`kommuneokonomi.service.BookReader` over raw tables held in memory."""

    tables: dict[str, RawTable] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return "minne.xlsx"

    def table_names(self) -> set[str]:
        return set(self.tables)

    def read_table(self, spec: TableSpec) -> RawTable:
        return self.tables[spec.name]


def raw_tables(path: Path) -> dict[str, RawTable]:
    """Every named table of a workbook file, as the file adapter reads it."""
    book = files.FileBook(path)
    out: dict[str, RawTable] = {}
    for ws in book._values.worksheets:
        for name in ws.tables:
            out[name] = files._raw(ws, name)
    return out


def apply_to_raw(tables: dict[str, RawTable], changes: list[Op]) -> dict[str, RawTable]:
    """The same kinds of change on raw tables (copies; the originals stay as they are)."""
    out = {
        n: RawTable(t.name, t.sheet, t.top, t.left, list(t.headers), [list(r) for r in t.rows])
        for n, t in tables.items()
    }
    for kind, *args in changes:
        if not out:
            break
        name = sorted(out)[args[0] % len(out)]
        t = out[name]
        width = max(len(t.headers), 1)
        if kind == "set":
            if args[1] < 0 and t.headers:
                t.headers[args[2] % width] = "" if args[3] is None else str(args[3])
            elif t.rows:
                t.rows[args[1] % len(t.rows)][args[2] % width] = args[3]
            else:
                t.rows.append([args[3] if j == args[2] % width else None for j in range(width)])
        elif kind == "append":
            t.rows.append([args[1][j] if j < len(args[1]) else None for j in range(width)])
        elif kind == "clear_row" and t.rows:
            t.rows[args[1] % len(t.rows)] = [None] * width
        elif kind == "drop_row" and t.rows:
            del t.rows[args[1] % len(t.rows)]
        elif kind == "drop_column" and len(t.headers) > 1:
            j = args[1] % len(t.headers)
            del t.headers[j]
            for r in t.rows:
                del r[j]
        elif kind == "rename_header" and t.headers:
            t.headers[args[1] % len(t.headers)] = str(args[2])
        elif kind == "drop_table":
            del out[name]
        elif kind == "clear_table":
            t.rows.clear()
        elif kind == "duplicate_row" and t.rows:
            t.rows.append(list(t.rows[args[1] % len(t.rows)]))
    return out


@dataclass(frozen=True)
class MemoryCase:
    base: str
    changes: list[Op]
    write: bool


def memory_cases() -> st.SearchStrategy[MemoryCase]:
    return st.builds(
        MemoryCase, base=st.sampled_from(WEIGHTED), changes=ops(live=True), write=st.booleans()
    )


def run_memory_case(case: MemoryCase, sources: dict[str, dict[str, RawTable]]) -> None:
    COUNTS["minne"] += 1
    book = RawBook(apply_to_raw(sources[case.base], case.changes))
    try:
        result = recalculate(book)
    except KommuneokonomiError as exc:
        assert exc.describe().strip(), "an error without a message"
        return
    if case.write:  # the output sheets can be rendered (and saved) whatever the data held
        files.render_outputs(result.sheets, io.BytesIO(), stamp="fuzz")


# --- running -----------------------------------------------------------------------------------------


def _settings(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


def _run(prop: Callable[[], None], seed: int | None) -> None:
    (hypothesis_seed(seed)(prop) if seed is not None else prop)()


def fuzz_files(max_examples: int, built: Path, work: Path, *, seed: int | None = None) -> int:
    """Run the file tier on the workbooks in ``built``; returns how many cases ran.

    Raises:
        whatever a case found (hypothesis shrinks it first and prints how to reproduce it).
    """
    sources = {name: (built / name).read_bytes() for name in BASES}
    before = COUNTS["filer"]

    @_settings(max_examples)
    @given(case=file_cases())
    def fuzz_files_case(case: FileCase) -> None:
        run_file_case(case, sources, work)

    _run(fuzz_files_case, seed)
    return COUNTS["filer"] - before


def fuzz_memory(max_examples: int, built: Path, *, seed: int | None = None) -> int:
    """Run the memory tier on the workbooks in ``built``; returns how many cases ran."""
    sources = {name: raw_tables(built / name) for name in BASES}
    before = COUNTS["minne"]

    @_settings(max_examples)
    @given(case=memory_cases())
    def fuzz_memory_case(case: MemoryCase) -> None:
        run_memory_case(case, sources)

    _run(fuzz_memory_case, seed)
    return COUNTS["minne"] - before


def env_cases(name: str, default: int) -> int:
    """A case count from the environment (``KO_FUZZ_FILES``, ``KO_FUZZ_MEMORY``)."""
    return int(os.environ.get(name, default))
