"""Realistic slips give a message, not confidently wrong millions (issue 12). Measured before:
a peer value of 1e300 wrote a saving of about 7·10^297 mill. kr, a negative peer cost raised
SFO's saving from 4,5 to 32,2, an unknown spelling of a peer dropped its row silently, and a
peer without a value was not named. All exited 0."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kommuneokonomi.cli import main
from kommuneokonomi.engine.savings import PLAUSIBLE_FACTOR, plausibility
from kommuneokonomi.service import recalculate
from kommuneokonomi.workbook.fastread import CalamineBook
from kommuneokonomi.workbook.layout import MERKNADER

EXAMPLE = Path(__file__).parents[2] / "workbooks" / "innsparing_trondheim_2007.xlsx"
PEERS = ("Bergen", "Oslo", "Stavanger", "Kristiansand", "Tromsø", "Sandnes")


def _edited(folder: Path, edit: Callable[[openpyxl.Workbook], None]) -> Path:
    wb = openpyxl.load_workbook(EXAMPLE)
    edit(wb)
    path = folder / "endret.xlsx"
    wb.save(path)
    return path


def _set(kommune: str, indikator: str, value: object, column: str = "Verdi"):  # type: ignore[no-untyped-def]
    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb["Data"]
        header = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2):
            if row[0].value == kommune and row[header.index("Indikator")].value == indikator:
                row[header.index(column)].value = value
                return
        raise AssertionError(f"fant ikke {kommune}/{indikator}")

    return edit


def _line(result, indikator: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    lines = result.lines.set_index("indikator")
    return lines.loc[indikator].to_dict()


def test_an_absurd_peer_value_is_an_advarsel_and_check_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = _edited(tmp_path, _set("Bergen", "sfo_enhetskostnad", 1e300))
    line = _line(recalculate(CalamineBook(book)), "sfo_enhetskostnad")
    assert line["forklaring"].startswith("ADVARSEL: verdien for Bergen (")
    assert "ganger større eller mindre enn medianen i gruppen" in line["forklaring"]
    assert main(["check", str(book)]) == 1
    out = capsys.readouterr().out
    assert "ADVARSEL: SFO, brutto driftsutgift per bruker: verdien for Bergen" in out


def test_a_negative_peer_cost_is_an_advarsel(tmp_path: Path) -> None:
    book = _edited(tmp_path, _set("Bergen", "sfo_enhetskostnad", -22736))
    line = _line(recalculate(CalamineBook(book)), "sfo_enhetskostnad")
    assert line["advarsel"].startswith("negativ verdi for Bergen (-22 736).")


def test_the_example_has_nothing_to_warn_about(capsys: pytest.CaptureFixture[str]) -> None:
    result = recalculate(CalamineBook(EXAMPLE))
    assert result.warnings == []
    assert not any(result.lines["advarsel"])
    assert main(["check", str(EXAMPLE)]) == 0
    assert "ADVARSEL" not in capsys.readouterr().out


def test_an_unknown_municipality_is_named_with_a_suggestion(tmp_path: Path) -> None:
    book = _edited(tmp_path, _set("Bergen", "sfo_enhetskostnad", "Bergn", column="Kommune"))
    result = recalculate(CalamineBook(book))
    assert any(
        w.startswith("arket 'Data', celle A")
        and w.endswith(
            "kommunen 'Bergn' er verken i tblKommuner eller en norsk kommune; mente du Bergen?"
        )
        for w in result.warnings
    ), result.warnings
    # and the peer whose row went astray is named on its line
    assert "Mangler verdi: Bergen." in _line(result, "sfo_enhetskostnad")["forklaring"]


def test_an_unused_indicator_is_named(tmp_path: Path) -> None:
    book = _edited(
        tmp_path, _set("Bergen", "sfo_enhetskostnad", "sfo_enhetskostnd", column="Indikator")
    )
    warnings = recalculate(CalamineBook(book)).warnings
    assert any(
        "indikatoren 'sfo_enhetskostnd' brukes ikke av noen linje i tblIndikatorer; "
        "mente du sfo_enhetskostnad?" in w
        for w in warnings
    ), warnings


def test_warnings_are_written_to_the_sheet(tmp_path: Path) -> None:
    book = _edited(tmp_path, _set("Bergen", "sfo_enhetskostnad", 1e300))
    out = tmp_path / "ut.xlsx"
    assert main(["recalc", str(book), "-o", str(out)]) == 0
    rows = CalamineBook(out).read_table(MERKNADER).rows
    assert rows and str(rows[0][0]).startswith("SFO, brutto driftsutgift per bruker: verdien")


def test_the_rule_is_symmetric_and_needs_a_group() -> None:
    group = {"A": 100.0, "B": 110.0, "C": 90.0}
    assert plausibility(group, volume=1, savings=[0, 0]) == []
    assert plausibility({**group, "D": 110 * PLAUSIBLE_FACTOR * 1.5}, volume=1, savings=[0, 0])
    assert plausibility({**group, "D": 90 / PLAUSIBLE_FACTOR / 1.5}, volume=1, savings=[0, 0])
    assert plausibility({"A": 1.0, "B": 1000.0}, volume=1, savings=[0, 0]) == []  # too few
    assert plausibility(group, volume=-5, savings=[0, 0]) == ["volumet er negativt (-5)."]


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(peer=st.sampled_from(PEERS), scale=st.sampled_from([1000.0, 1e-3, 1e12, -1.0]))
def test_any_absurd_peer_value_gives_advarsel(
    tmp_path_factory: pytest.TempPathFactory, peer: str, scale: float
) -> None:
    """A peer's SFO cost typed in kroner instead of 1000 kr (or the other way, or with the
    wrong sign) gives ADVARSEL on that line, whichever peer it is."""
    wb = openpyxl.load_workbook(EXAMPLE)
    ws = wb["Data"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == peer and row[2].value == "sfo_enhetskostnad":
            row[3].value = float(row[3].value) * scale
    path = tmp_path_factory.mktemp("absurd") / "bok.xlsx"
    wb.save(path)
    line = _line(recalculate(CalamineBook(path)), "sfo_enhetskostnad")
    assert line["forklaring"].startswith("ADVARSEL: ")
    assert peer in line["advarsel"]


UNCALCULATED = (
    "cellen har en formel uten beregnet verdi (filen er lagret av et program som ikke regner "
    "ut formler); åpne arbeidsboken i Excel eller LibreOffice, lagre den og prøv igjen"
)


def _cell_of(kommune: str, indikator: str) -> str:
    ws = openpyxl.load_workbook(EXAMPLE)["Data"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == kommune and row[2].value == indikator:
            return str(row[3].coordinate)
    raise AssertionError


def test_an_uncalculated_formula_is_an_error_at_its_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """openpyxl (like other writers that do not calculate) saves a formula without its
    result; it used to be read as missing (a peer silently dropped) or as 0."""
    book = _edited(tmp_path, _set("Bergen", "sfo_enhetskostnad", "=22736*1"))
    out = tmp_path / "ut.xlsx"
    assert main(["recalc", str(book), "-o", str(out)]) == 2
    cell = _cell_of("Bergen", "sfo_enhetskostnad")
    err = capsys.readouterr().err
    assert err == f"Feil: arket 'Data', celle {cell}: kolonnen 'Verdi': {UNCALCULATED}\n"
    assert not out.exists()


def test_a_text_number_with_an_ambiguous_dot_is_an_error_at_its_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's «24.230» (a thousands dot or a decimal point?) was read as 24,23."""
    book = _edited(tmp_path, _set("Trondheim", "sfo_enhetskostnad", "24.230"))
    assert main(["check", str(book)]) == 2
    cell = _cell_of("Trondheim", "sfo_enhetskostnad")
    assert capsys.readouterr().err == (
        f"Feil: arket 'Data', celle {cell}: kolonnen 'Verdi': '24.230' er tvetydig: punktum "
        "kan være tusenskille (24230) eller desimaltegn (24,23); skriv 24230 eller 24,23\n"
    )


def test_a_calculated_formula_reads_its_value(tmp_path: Path) -> None:
    """The same formula once LibreOffice has calculated and saved it reads as its result."""
    from ..support.libreoffice import soffice_path

    if soffice_path() is None:
        pytest.skip("LibreOffice mangler")
    import subprocess

    book = _edited(tmp_path, _set("Bergen", "sfo_enhetskostnad", "=22736*1"))
    folder = tmp_path / "lo"
    subprocess.run(
        [
            str(soffice_path()),
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(folder),
            str(book),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    line = _line(recalculate(CalamineBook(folder / book.name)), "sfo_enhetskostnad")
    assert line["ref_2_kommune"] == "Bergen" and line["referanse_2"] == 22736


def test_national_mode_names_unknown_rows_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``Egen kommune`` = Alle goes another way through the engine; a misspelt peer is
    reported there as well, on the sheet and in ``check``'s exit code."""

    def edit(wb: openpyxl.Workbook) -> None:
        _set("Bergen", "sfo_enhetskostnad", "Bergn", column="Kommune")(wb)
        for row in wb["Innstillinger"].iter_rows(min_row=2):
            if row[0].value == "Egen kommune":
                row[1].value = "Alle"

    book = _edited(tmp_path, edit)
    result = recalculate(CalamineBook(book))
    assert result.national is not None
    (warning,) = result.warnings
    assert "kommunen 'Bergn' er verken i tblKommuner eller en norsk kommune; mente du Bergen?" in (
        warning
    )
    assert main(["check", str(book)]) == 1
    assert "ADVARSEL: arket 'Data', celle A" in capsys.readouterr().out
    out = tmp_path / "ut.xlsx"
    assert main(["recalc", str(book), "-o", str(out)]) == 0
    ws = openpyxl.load_workbook(out)["Innsparing"]
    assert MERKNADER.name in ws.tables


def test_many_unused_series_are_a_note_not_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A fetched dataset holds more series than the analysis prices: one line, no stop."""

    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb["Data"]
        table = ws.tables["tblData"]
        last = int(table.ref.split(":")[1][1:])
        for i in range(6):
            ws.append(["Trondheim", 2007, f"hentet_serie_{i}", 1.0])
        table.ref = f"A1:D{last + 6}"
        table.autoFilter.ref = table.ref

    book = _edited(tmp_path, edit)
    result = recalculate(CalamineBook(book))
    assert result.warnings == []
    (note,) = result.notes
    assert note.startswith("6 indikatorer i tblData brukes ikke av noen linje i tblIndikatorer")
    assert main(["check", str(book)]) == 0
    assert "Merknad: 6 indikatorer i tblData" in capsys.readouterr().out
