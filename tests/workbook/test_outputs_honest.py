"""Outputs always reflect the inputs, and a user's own sheet is never replaced (issue 12).

Measured before: after the key-figure series were deleted from tblData, ``recalc`` exited 0 and
``Nøkkeltall`` kept its 40 old rows and its old stamp; a user's own sheet called
``nøkkeltall`` was replaced without a word; a row of tblIndikatorer listing a series only for
its name and unit (both references ``-``) was refused for want of a volume; an empty ``Faktor``
cell was refused although the documentation says it means 1; a retyped ``Verdi`` header was
reported at ``E1`` (the ``Kilde`` column beside the table).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from kommuneokonomi import macros
from kommuneokonomi.cli import SAVINGS_EXAMPLE, main
from kommuneokonomi.engine.keytable import KEY_INDICATORS
from kommuneokonomi.errors import LayoutError
from kommuneokonomi.service import recalculate
from kommuneokonomi.workbook.build import build_all
from kommuneokonomi.workbook.fastread import CalamineBook
from kommuneokonomi.workbook.files import FileBook, save_outputs

from ..trust.helpers import digest, run_cli

STAMP = "Beregnet i en test"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bygget")
    build_all(folder)
    assert main(["recalc", str(folder / SAVINGS_EXAMPLE)]) == 0  # as a user has it
    return folder


def _saved(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def _rewrite_data(wb: openpyxl.Workbook, keep: object) -> None:
    """Keep only the tblData rows for which ``keep(row)`` holds; the table shrinks."""
    ws = wb["Data"]
    table = ws.tables["tblData"]
    rows = [r for r in ws.iter_rows(min_row=2, max_col=4, values_only=True) if keep(r)]  # type: ignore[operator]
    for r in range(2, ws.max_row + 1):
        for c in range(1, 5):
            ws.cell(r, c).value = None
    for i, row in enumerate(rows, start=2):
        for j, value in enumerate(row, start=1):
            ws.cell(i, j).value = value
    table.ref = f"A1:D{len(rows) + 1}"
    table.autoFilter.ref = table.ref


# --- stale output ----------------------------------------------------------------------------


def test_key_figures_gone_empty_the_sheet_with_a_line_saying_why(
    built: Path, tmp_path: Path
) -> None:
    wb = openpyxl.load_workbook(built / SAVINGS_EXAMPLE)
    assert wb["Nøkkeltall"].max_row > 40  # the old figures are there
    _rewrite_data(wb, lambda r: r[2] not in KEY_INDICATORS)
    path = _saved(wb, tmp_path / "uten_nokkeltall.xlsx")

    assert main(["recalc", str(path)]) == 0
    ws = openpyxl.load_workbook(path)["Nøkkeltall"]
    assert ws["A1"].value.startswith("Beregnet ") and "uten_nokkeltall.xlsx" in ws["A1"].value
    assert ws["A2"].value.startswith("Nøkkeltall: ingen å vise. tblData har ikke lenger noen")
    assert "frie_inntekter_vekst" in ws["A2"].value
    (table,) = ws.tables.values()
    assert table.ref == "A4:F5"  # header and one empty row: the table Excel needs, nothing old
    assert all(cell.value is None for cell in ws[5])


def test_a_workbook_that_never_had_key_figures_gets_no_empty_sheet(
    built: Path, tmp_path: Path
) -> None:
    wb = openpyxl.load_workbook(built / SAVINGS_EXAMPLE)
    del wb["Nøkkeltall"]
    _rewrite_data(wb, lambda r: r[2] not in KEY_INDICATORS)
    path = _saved(wb, tmp_path / "aldri.xlsx")
    assert [s.name for s in recalculate(CalamineBook(path)).sheets] == ["Innsparing"]


# --- a user's own sheet of an output sheet's name ------------------------------------------


@pytest.mark.parametrize("title", ["nøkkeltall", "INNSPARING"])
def test_a_users_own_sheet_is_never_replaced(built: Path, tmp_path: Path, title: str) -> None:
    wb = openpyxl.load_workbook(built / SAVINGS_EXAMPLE)
    for name in ("Nøkkeltall", "Innsparing"):
        if name.casefold() == title.casefold():
            del wb[name]
    ws = wb.create_sheet(title)
    ws["A1"] = "Mine egne notater til formannskapet"
    path = _saved(wb, tmp_path / "egne.xlsx")
    before = digest(path)

    run = run_cli("recalc", path)
    assert run.code == 2
    assert run.err.startswith(f"Feil: fil egne.xlsx, arket '{title}': arket '{title}' er ikke ")
    assert "laget av kommuneokonomi" in run.err and "gi arket ditt et annet navn" in run.err
    assert digest(path) == before
    out = tmp_path / "ut.xlsx"
    assert run_cli("recalc", path, "-o", out).code == 2
    assert not out.exists()


def test_every_file_writer_refuses_the_same_way(built: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(built / SAVINGS_EXAMPLE)
    del wb["Nøkkeltall"]
    wb.create_sheet("Nøkkeltall")["B2"] = 42
    path = _saved(wb, tmp_path / "egne.xlsx")
    sheets = recalculate(CalamineBook(path)).sheets
    with pytest.raises(LayoutError) as fast:
        save_outputs(path, sheets, tmp_path / "a.xlsx", stamp=STAMP)
    with pytest.raises(LayoutError) as book:
        FileBook(path).save_outputs(sheets, tmp_path / "b.xlsx", stamp=STAMP)
    assert fast.value.code == book.value.code == "eget_ark"
    assert fast.value.describe() == book.value.describe()


def test_an_output_sheet_of_an_earlier_run_is_replaced(built: Path, tmp_path: Path) -> None:
    """The marker is the tool's own table on the sheet: a recalculated workbook goes on."""
    path = tmp_path / SAVINGS_EXAMPLE
    path.write_bytes((built / SAVINGS_EXAMPLE).read_bytes())
    assert main(["recalc", str(path)]) == 0
    assert main(["recalc", str(path)]) == 0


@pytest.fixture
def remote(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    pytest.importorskip("xlwings")
    from ..live.remote import LICENSE_ENV

    monkeypatch.setenv(LICENSE_ENV, "noncommercial")
    yield


def test_the_button_refuses_the_same_way(built: Path, tmp_path: Path, remote: None) -> None:
    from ..live.remote import NON_WRITING, actions_of, apply_actions, open_remote, payload

    wb = openpyxl.load_workbook(built / SAVINGS_EXAMPLE)
    del wb["Innsparing"]
    wb.create_sheet("Innsparing")["A1"] = "mitt eget ark"
    path = _saved(wb, tmp_path / "egne.xlsx")
    book = open_remote(payload(path))
    assert macros.beregn(book) is None
    actions = actions_of(book)
    assert {a["func"] for a in actions} <= NON_WRITING  # nothing written
    ((prompt, *_),) = apply_actions(actions, tmp_path / "ut.xlsx", source=path).alerts
    assert "arket 'Innsparing' er ikke laget av kommuneokonomi" in prompt


# --- tblIndikatorer as users fill it -------------------------------------------------------


def _add_indicator(wb: openpyxl.Workbook, values: dict[str, object]) -> str:
    ws = wb["Indikatorer"]
    table = ws.tables["tblIndikatorer"]
    header = [c.value for c in ws[1]]
    row = int(table.ref.split(":")[1][1:]) + 1
    for key, value in values.items():
        ws.cell(row, header.index(key) + 1).value = value
    table.ref = f"A1:J{row}"
    table.autoFilter.ref = table.ref
    return f"{openpyxl.utils.get_column_letter(header.index('Volum') + 1)}{row}"


def test_a_row_listing_a_series_needs_no_volume(built: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(built / SAVINGS_EXAMPLE)
    base = recalculate(CalamineBook(built / SAVINGS_EXAMPLE))
    _add_indicator(
        wb,
        {
            "Indikator": "sfo_brukere",
            "Navn": "Brukere av SFO",
            "Sektor": "Grunnskole",
            "Enhet": "personer",
            "Referanse 1": "-",
            "Referanse 2": "-",
        },
    )
    result = recalculate(CalamineBook(_saved(wb, tmp_path / "liste.xlsx")))
    # no line of its own, nothing else moves, and it is not reported as unused
    assert list(result.lines["indikator"]) == list(base.lines["indikator"])
    assert result.sectors.equals(base.sectors)  # type: ignore[union-attr]
    assert result.warnings == []


def test_a_line_with_a_reference_still_needs_its_volume(built: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(built / SAVINGS_EXAMPLE)
    cell = _add_indicator(
        wb,
        {
            "Indikator": "ny_linje",
            "Navn": "Ny linje",
            "Sektor": "Grunnskole",
            "Beste": "lav",
            "Beregning": "absolutt",
            "Referanse 1": "snitt",
        },
    )
    run = run_cli("check", _saved(wb, tmp_path / "uten_volum.xlsx"))
    assert run.code == 2
    assert f"arket 'Indikatorer', celle {cell}; indikator ny_linje: volumindikator mangler" in (
        run.err
    )


def test_an_empty_factor_means_one(built: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(built / SAVINGS_EXAMPLE)
    ws = wb["Indikatorer"]
    header = [c.value for c in ws[1]]
    col = header.index("Faktor") + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col).value == 1)
    ind = ws.cell(row, 1).value
    ws.cell(row, col).value = None
    result = recalculate(CalamineBook(_saved(wb, tmp_path / "tom_faktor.xlsx")))
    base = recalculate(CalamineBook(built / SAVINGS_EXAMPLE))
    got = result.lines.set_index("indikator").loc[ind]
    want = base.lines.set_index("indikator").loc[ind]
    assert got["innsparing_1_mnok"] == want["innsparing_1_mnok"]
    assert got["innsparing_2_mnok"] == want["innsparing_2_mnok"]


# --- tables as Excel makes them ------------------------------------------------------------


def test_hidden_and_filtered_rows_count(built: Path, tmp_path: Path) -> None:
    """A user who filters tblData to look at one municipality and presses Beregn gets the
    analysis of the whole table (as SUMIF counts hidden rows), not of what the filter shows."""
    wb = openpyxl.load_workbook(built / SAVINGS_EXAMPLE)
    ws = wb["Data"]
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value != "Trondheim":
            ws.row_dimensions[r].hidden = True
    ws.tables["tblData"].autoFilter.add_filter_column(0, ["Trondheim"])
    wb["Indikatorer"].row_dimensions[3].hidden = True
    result = recalculate(CalamineBook(_saved(wb, tmp_path / "filtrert.xlsx")))
    base = recalculate(CalamineBook(built / SAVINGS_EXAMPLE))
    assert result.sectors.equals(base.sectors)  # type: ignore[union-attr]


def test_every_input_problem_in_one_pass(built: Path, tmp_path: Path) -> None:
    """Measured before: a bad factor hid the weights' problems, and those hid the volumes'
    (the user fixed them in rounds). Now one message names them all."""
    wb = openpyxl.load_workbook(built / SAVINGS_EXAMPLE)
    for row in wb["Innstillinger"].iter_rows(min_row=2):
        if row[0].value == "Snitt: vekt":
            row[1].value = "innbyggere"  # only Trondheim has it
    data = wb["Data"]
    header = [c.value for c in data[1]]
    volume = next(
        r[header.index("Verdi")]
        for r in data.iter_rows(min_row=2)
        if r[0].value == "Trondheim" and r[header.index("Indikator")].value == "sfo_brukere"
    )
    volume.value = -5
    wb["Indikatorer"]["H2"] = -3
    path = _saved(wb, tmp_path / "runder.xlsx")
    run = run_cli("check", path)
    assert run.code == 2
    assert "arket 'Indikatorer', celle H2; indikator gruppestorrelse_barnetrinn: faktoren" in (
        run.err
    )
    assert "vekten ('innbyggere') for Bergen mangler" in run.err
    assert f"arket 'Data', celle {volume.coordinate}; kommune Trondheim" in run.err
    assert "volumet ('sfo_brukere') er -5" in run.err
