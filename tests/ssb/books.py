"""Test workbooks: the blank savings template with a Henting sheet (tblHenting) added."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl.workbook.workbook import Workbook

from kommuneokonomi.ssb.fetch import HENTING
from kommuneokonomi.workbook.build import build_savings_workbook
from kommuneokonomi.workbook.files import FileBook, write_table
from kommuneokonomi.workbook.layout import DATA, KOMMUNER, TableSpec

ASSS4 = [
    ("Oslo", "0301", "ASSS"),
    ("Bergen", "1201", "ASSS"),
    ("Trondheim", "1601", "ASSS"),
    ("Stavanger", "1103", "ASSS"),
]


def _replace_sheet(wb: Workbook, name: str) -> object:
    index = wb.sheetnames.index(name)
    wb.remove(wb[name])
    return wb.create_sheet(name, index)


def henting_row(
    tabell: object,
    innhold: str,
    indikator: str,
    kommuner: str,
    aar: object,
    utvalg: str | None = None,
    regionvariabel: str | None = None,
    tidspunkt: str | None = None,
) -> list[object]:
    return [tabell, innhold, indikator, kommuner, aar, utvalg, regionvariabel, tidspunkt]


def make_book(
    path: Path,
    henting: Sequence[Sequence[object]],
    *,
    kommuner: Sequence[Sequence[object]] | None = None,
    data: Sequence[Sequence[object]] | None = None,
    data_spec: TableSpec = DATA,
) -> Path:
    """The savings template (Kilde column beside tblData as built), with tblHenting filled.

    ``kommuner`` and ``data`` replace the template's empty tblKommuner and tblData.
    """
    wb = build_savings_workbook(example=False)
    if kommuner is not None:
        ws = _replace_sheet(wb, "Kommuner")
        write_table(ws, KOMMUNER, kommuner, top=1)  # type: ignore[arg-type]
    if data is not None:
        ws = _replace_sheet(wb, "Data")
        write_table(ws, data_spec, data, top=1)  # type: ignore[arg-type]
    ws = _replace_sheet(wb, "Henting")  # the template's own tblHenting is empty
    write_table(ws, HENTING, henting, top=1)
    wb.save(path)
    return path


def read_data(path: Path) -> tuple[list[str], list[list[object]]]:
    """tblData's headers and non-blank rows as the file holds them."""
    raw = FileBook(path).read_table(DATA)
    rows = [r for r in raw.rows if any(v not in (None, "") for v in r)]
    return raw.headers, rows


def data_records(path: Path) -> list[dict[str, object]]:
    headers, rows = read_data(path)
    return [dict(zip(headers, r, strict=True)) for r in rows]
