"""A derived series in a savings workbook (issue 13, point 1): tblAvledet defines
``Indikator = Teller / Nevner x Faktor``; the line priced on it equals the line priced on the
same figures directly, a missing part names the municipality, and bad rows name their cell."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.table import Table

from kommuneokonomi.cli import SAVINGS_EXAMPLE
from kommuneokonomi.service import recalculate
from kommuneokonomi.workbook.fastread import CalamineBook

from ..trust.helpers import run_cli

GROUP = (
    "Trondheim",
    "Oslo",
    "Bergen",
    "Stavanger",
    "Bærum",
    "Kristiansand",
    "Fredrikstad",
    "Tromsø",
    "Sandnes",
    "Drammen",
)


def _with_derived(
    examples: Path, target: Path, rows: list[tuple[object, ...]], *, missing: str | None = None
) -> Path:
    """The example with tblAvledet (rows), a series 'en' = 1 for every municipality (blank
    for ``missing``), and a line 'sfo_kopi' priced like 'sfo_enhetskostnad'."""
    wb = openpyxl.load_workbook(examples / SAVINGS_EXAMPLE)
    data = wb["Data"]
    table = data.tables["tblData"]
    last = int(table.ref.split(":")[1][1:])
    for i, kommune in enumerate(GROUP, start=1):
        data.cell(last + i, 1, kommune)
        data.cell(last + i, 2, 2007)
        data.cell(last + i, 3, "en")
        data.cell(last + i, 4, None if kommune == missing else 1)
    table.ref = f"A1:D{last + len(GROUP)}"
    table.autoFilter.ref = table.ref
    ind = wb["Indikatorer"]
    header = [c.value for c in ind[1]]
    source = next(r for r in ind.iter_rows(min_row=2) if r[0].value == "sfo_enhetskostnad")
    row = ind.max_row + 1
    for j, cell in enumerate(source[: len(header)], start=1):
        ind.cell(row, j, cell.value)
    ind.cell(row, 1, "sfo_kopi")
    ind.cell(row, header.index("Navn") + 1, "SFO, kopi via tblAvledet")
    ind.tables["tblIndikatorer"].ref = f"A1:J{row}"
    ind.tables["tblIndikatorer"].autoFilter.ref = f"A1:J{row}"
    ws = wb.create_sheet("Avledet")
    ws.append(["Indikator", "Teller", "Nevner", "Faktor"])
    for r in rows:
        ws.append(list(r))
    ws.add_table(Table(displayName="tblAvledet", ref=f"A1:D{len(rows) + 1}"))
    wb.save(target)
    return target


def test_a_derived_line_equals_the_line_on_the_same_figures(examples: Path, tmp_path: Path) -> None:
    path = _with_derived(
        examples, tmp_path / "avledet.xlsx", [("sfo_kopi", "sfo_enhetskostnad", "en", None)]
    )
    result = recalculate(CalamineBook(path))
    lines = result.lines.set_index("indikator")  # type: ignore[union-attr]
    for column in (
        "egen_verdi",
        "referanse_1",
        "referanse_2",
        "innsparing_1_mnok",
        "innsparing_2_mnok",
    ):
        assert lines.at["sfo_kopi", column] == lines.at["sfo_enhetskostnad", column]
    assert "sfo_kopi er beregnet: sfo_enhetskostnad / en" in lines.at["sfo_kopi", "forklaring"]
    assert result.warnings == []  # 'en' is used (by tblAvledet), not unknown


def test_a_missing_part_is_a_missing_value(examples: Path, tmp_path: Path) -> None:
    path = _with_derived(
        examples,
        tmp_path / "mangler.xlsx",
        [("sfo_kopi", "sfo_enhetskostnad", "en", 1)],
        missing="Bergen",
    )
    lines = recalculate(CalamineBook(path)).lines.set_index("indikator")  # type: ignore[union-attr]
    assert "Mangler verdi: Bergen" in lines.at["sfo_kopi", "forklaring"]
    assert "Mangler verdi" not in lines.at["sfo_enhetskostnad", "forklaring"]


@pytest.mark.parametrize(
    ("row", "cell", "text"),
    [
        (("sfo_kopi", "", "en", 1), "B2", "kolonnen 'Teller' er tom"),
        (("sfo_kopi", "sfo_enhetskostnad", "en", -1), "D2", "faktoren må være et positivt tall"),
        (
            ("sfo_brukere", "sfo_enhetskostnad", "en", 1),
            "A2",
            "'sfo_brukere' finnes allerede i tblData",
        ),
    ],
)
def test_a_bad_row_names_its_cell(
    examples: Path, tmp_path: Path, row: tuple[object, ...], cell: str, text: str
) -> None:
    path = _with_derived(examples, tmp_path / "feil.xlsx", [row])
    run = run_cli("check", path)
    assert run.code == 2
    assert f"arket 'Avledet', celle {cell}" in run.err and text in run.err
