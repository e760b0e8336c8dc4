"""Need correction in a savings workbook (issue 13, point 3): tblIndikatorer's optional column
``Behovsindeks`` names a series in tblData; the line is then need-corrected, says so in
Forklaring, and the index series is known (not reported as unused)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from kommuneokonomi.cli import SAVINGS_EXAMPLE
from kommuneokonomi.service import recalculate
from kommuneokonomi.workbook.fastread import CalamineBook
from kommuneokonomi.workbook.tables import cell_address

from ..trust.helpers import run_cli

#: Illustrative need indices (not the ministry's figures): only their arithmetic is tested.
INDICES = {
    "Trondheim": 1.02,
    "Oslo": 0.95,
    "Bergen": 1.04,
    "Stavanger": 1.01,
    "Bærum": 0.97,
    "Kristiansand": 1.03,
    "Fredrikstad": 1.05,
    "Tromsø": 1.0,
    "Sandnes": 1.08,
    "Drammen": 0.99,
}


def _with_index(
    examples: Path,
    target: Path,
    indices: dict[str, float | None],
    *,
    line: str = "sfo_enhetskostnad",
) -> Path:
    """The example with a series 'behov_sfo' and the column Behovsindeks naming it on
    ``line`` (the column added at the table's right edge, as a user would)."""
    wb = openpyxl.load_workbook(examples / SAVINGS_EXAMPLE)
    data = wb["Data"]
    table = data.tables["tblData"]
    last = int(table.ref.split(":")[1][1:])
    for i, (kommune, value) in enumerate(indices.items(), start=1):
        data.cell(last + i, 1, kommune)
        data.cell(last + i, 2, 2007)
        data.cell(last + i, 3, "behov_sfo")
        data.cell(last + i, 4, value)
    table.ref = f"A1:D{last + len(indices)}"
    table.autoFilter.ref = table.ref
    ind = wb["Indikatorer"]
    tbl = ind.tables["tblIndikatorer"]
    header = [c.value for c in ind[1]]
    if "Behovsindeks" not in header:
        col = len([h for h in header if h is not None]) + 1
        ind.cell(1, col, "Behovsindeks")
        end = int(tbl.ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        tbl.ref = f"A1:{cell_address(end, col)}"
        tbl.autoFilter.ref = tbl.ref
        tbl.tableColumns = []
        tbl._initialise_columns()
        for column, name in zip(tbl.tableColumns, [c.value for c in ind[1]], strict=False):
            column.name = name
    else:
        col = header.index("Behovsindeks") + 1
    row = next(r[0].row for r in ind.iter_rows(min_row=2) if r[0].value == line)
    ind.cell(row, col, "behov_sfo")
    wb.save(target)
    return target


def test_every_index_1_gives_the_plain_line(examples: Path, tmp_path: Path) -> None:
    plain = recalculate(CalamineBook(examples / SAVINGS_EXAMPLE)).lines.set_index("indikator")  # type: ignore[union-attr]
    path = _with_index(examples, tmp_path / "en.xlsx", dict.fromkeys(INDICES, 1.0))
    result = recalculate(CalamineBook(path))
    need = result.lines.set_index("indikator")  # type: ignore[union-attr]
    for column in ("referanse_1", "referanse_2", "innsparing_1_mnok", "innsparing_2_mnok"):
        assert need.at["sfo_enhetskostnad", column] == pytest.approx(
            plain.at["sfo_enhetskostnad", column], rel=1e-12
        )
    assert "Behovskorrigert med 'behov_sfo'" in need.at["sfo_enhetskostnad", "forklaring"]
    assert "Ikke behovskorrigert" in need.at["kulturskole_enhetskostnad", "forklaring"]
    assert not any("behov_sfo" in w for w in result.warnings)  # the index is used


def test_the_corrected_mean_is_priced_on_own_need(examples: Path, tmp_path: Path) -> None:
    path = _with_index(examples, tmp_path / "behov.xlsx", dict(INDICES))
    book = CalamineBook(path)
    lines = recalculate(book).lines.set_index("indikator")  # type: ignore[union-attr]
    data = openpyxl.load_workbook(path, read_only=True)["Data"]
    cost = {
        r[0]: float(r[3])
        for r in data.iter_rows(min_row=2, values_only=True)
        if r[2] == "sfo_enhetskostnad" and r[1] == 2007 and r[3] is not None
    }
    peers = [cost[k] / INDICES[k] for k in INDICES if k != "Trondheim" and k in cost]
    reference = sum(peers) / len(peers) * INDICES["Trondheim"]
    assert lines.at["sfo_enhetskostnad", "referanse_1"] == pytest.approx(reference, rel=1e-12)


def test_a_missing_own_index_names_its_cell(examples: Path, tmp_path: Path) -> None:
    path = _with_index(examples, tmp_path / "mangler.xlsx", {**INDICES, "Trondheim": None})
    run = run_cli("check", path)
    assert run.code == 2
    assert "behovsindeksen ('behov_sfo') mangler for egen kommune" in run.err
    assert "arket 'Data', celle D" in run.err
