"""Output that says what it did (issue 12, point 9). Measured before: on ``Kontroller`` a rule
"at least 1,75 %" against 1,2 % read ``Verdi 0,01 | Forventet 0,02 | Avvik -0,01``; the peer
chart was drawn smoothed with the axis title "verdi"; ``check`` printed ``nan`` in the
reference column for ``median``; ``Egen kommune`` Bergen against the reference ``Bergen``
compared Bergen with itself; an empty budget workbook gave "alle kontroller OK" after zero
checks; the sheet did not say whom the mean leaves out or how it is weighted."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from kommuneokonomi.cli import BUDGET_EXAMPLE, SAVINGS_EXAMPLE, main
from kommuneokonomi.service import recalculate
from kommuneokonomi.workbook.build import build_all
from kommuneokonomi.workbook.fastread import CalamineBook
from kommuneokonomi.workbook.layout import DECIMALS, PERCENT, WHOLE

from ..trust.helpers import run_cli


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bygget")
    build_all(folder)
    return folder


def _setting(path: Path, target: Path, key: str, value: object) -> Path:
    wb = openpyxl.load_workbook(path)
    ws = wb["Innstillinger"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == key:
            row[1].value = value
            break
    else:
        raise AssertionError(key)
    wb.save(target)
    return target


def test_shares_on_kontroller_are_percentages(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "ut.xlsx"
    assert main(["recalc", str(built / BUDGET_EXAMPLE), "-o", str(out)]) == 0
    ws = openpyxl.load_workbook(out)["Kontroller"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=5, max_col=5) if r[0].value}
    share = rows["Netto driftsresultat i % av driftsinntekter"]
    assert (share[2].value, share[3].value) == (0.02, 0.0175)  # S: 2 % against 1,75 %
    assert [c.number_format for c in share[2:5]] == [PERCENT] * 3
    whole = rows["Trondheim regnskapsresultat 2018"]  # 216 mill. kr: no bare decimal comma
    assert whole[2].value == 216 and whole[2].number_format == WHOLE
    tenths = rows["Klæbu regnskapsresultat 2018"]  # 26,4 mill. kr
    assert tenths[2].value == pytest.approx(26.4) and tenths[2].number_format == DECIMALS


def test_the_peer_chart_draws_straight_lines_with_the_unit_on_its_axis(
    built: Path, tmp_path: Path
) -> None:
    out = tmp_path / "ut.xlsx"
    assert main(["recalc", str(built / BUDGET_EXAMPLE), "-o", str(out)]) == 0
    with zipfile.ZipFile(out) as zf:
        (chart,) = (zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/charts/chart"))
    assert chart.count("<c:ser>") == 3
    assert chart.count('<c:smooth val="0"/>') == 3  # LibreOffice smooths a line left unsaid
    assert "<a:t>kr per bruker</a:t>" in chart  # Innstillinger: «Sammenligning: enhet»


def test_an_empty_budget_is_not_all_ok(built: Path, tmp_path: Path) -> None:
    path = tmp_path / "tom.xlsx"
    assert main(["new", "budsjett", str(path)]) == 0
    result = recalculate(CalamineBook(path))
    assert result.checks == []
    assert result.warnings[0].startswith("ingenting å kontrollere")
    run = run_cli("check", path)
    assert run.code == 1
    assert "Resultat: ingenting er kontrollert." in run.out


def test_median_reference_prints_no_nan(built: Path, tmp_path: Path) -> None:
    path = _setting(built / SAVINGS_EXAMPLE, tmp_path / "median.xlsx", "Referanse 2", "median")
    run = run_cli("check", path)
    assert run.code == 0, run.err
    assert "nan" not in run.out.lower()


@pytest.mark.parametrize("spelling", ["Trondheim", "trondheim "])
def test_the_own_municipality_is_no_reference(built: Path, tmp_path: Path, spelling: str) -> None:
    path = _setting(built / SAVINGS_EXAMPLE, tmp_path / "egen.xlsx", "Referanse 2", spelling)
    run = run_cli("check", path)
    assert run.code == 2
    assert "arket 'Innstillinger', celle B6: innstillingen 'Referanse 2'" in run.err
    assert "er egen kommune: en kommune kan ikke sammenlignes med seg selv" in run.err


def test_the_own_municipality_is_no_reference_per_line(built: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(built / SAVINGS_EXAMPLE)
    ws = wb["Indikatorer"]
    header = [c.value for c in ws[1]]
    cell = ws.cell(3, header.index("Referanse 1") + 1)
    cell.value = "TRONDHEIM"
    path = tmp_path / "linje.xlsx"
    wb.save(path)
    run = run_cli("check", path)
    assert run.code == 2
    assert f"arket 'Indikatorer', celle {cell.coordinate}" in run.err
    assert "referansen 'TRONDHEIM' er egen kommune" in run.err


def test_the_sheet_states_the_method(built: Path, tmp_path: Path) -> None:
    path = _setting(built / SAVINGS_EXAMPLE, tmp_path / "utelat.xlsx", "Snitt: utelat", "oslo")
    title = recalculate(CalamineBook(path)).sheets[0].title
    assert "Sammenlignet med 9 andre kommuner i gruppen ASSS." in title
    assert "snitt og median er uten Oslo" in title  # spelled as tblKommuner spells it
    assert "(uvektet)" in title and "Tall fra tblData for 2007." in title


def test_the_method_names_the_weight() -> None:
    from kommuneokonomi.engine.references import MeanOptions
    from kommuneokonomi.engine.savings import SavingsSettings
    from kommuneokonomi.service import _method_text

    config = SavingsSettings(
        egen_kommune="Trondheim",
        aar=2007,
        kommuner=("Trondheim", "Bergen", "Oslo"),
        snitt=MeanOptions(include_own=True, weighted=True),
        snitt_vekt="innbyggere",
    )
    text = _method_text("ASSS", config)
    assert "Sammenlignet med 2 andre kommuner i gruppen ASSS." in text
    assert "Snittet tar med egen kommune, vektet med innbyggere." in text


def _budget_edit(built: Path, target: Path, edit: object) -> Path:
    wb = openpyxl.load_workbook(built / BUDGET_EXAMPLE)
    edit(wb["Budsjett"])  # type: ignore[operator]
    wb.save(target)
    return target


def test_an_income_with_a_plus_sign_is_named(built: Path, tmp_path: Path) -> None:
    """A positive income line used to show only as an "udekket underskudd" of twice its size."""
    found: list[str] = []

    def flip(ws: openpyxl.worksheet.worksheet.Worksheet) -> None:
        header = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2):
            if row[header.index("Art")].value == "inntekt":
                amount = row[header.index("Beløp")]
                amount.value = -amount.value
                found.append(amount.coordinate)
                return

    path = _budget_edit(built, tmp_path / "fortegn.xlsx", flip)
    result = recalculate(CalamineBook(path))
    (sign,) = [c for c in result.checks if c.kontroll == "Fortegn i tblBudsjett"]
    assert sign.status == "ADVARSEL"
    assert f"arket 'Budsjett', celle {found[0]} (inntekt " in sign.forklaring
    assert "Utgifter føres med pluss og inntekter med minus" in sign.forklaring
    assert main(["check", str(path)]) == 1


def test_art_takes_utgift_or_inntekt(built: Path, tmp_path: Path) -> None:
    path = _budget_edit(built, tmp_path / "art.xlsx", lambda ws: ws.__setitem__("D3", "drift"))
    run = run_cli("check", path)
    assert run.code == 2
    assert "arket 'Budsjett', celle D3: 'drift' er ikke en gyldig art" in run.err


@pytest.mark.parametrize(
    ("book", "sheet", "column", "choices"),
    [
        (SAVINGS_EXAMPLE, "Indikatorer", "Beste", '"lav,høy"'),
        (SAVINGS_EXAMPLE, "Indikatorer", "Beregning", '"absolutt,relativ"'),
        ("mal_budsjett.xlsx", "Budsjett", "Art", '"utgift,inntekt"'),
        ("mal_budsjett.xlsx", "Tiltak", "Varighet", '"varig,engangs"'),
        ("mal_budsjett.xlsx", "Måltall", "Retning", '"minst,høyst"'),
    ],
)
def test_fixed_value_columns_have_a_dropdown(
    built: Path, book: str, sheet: str, column: str, choices: str
) -> None:
    ws = openpyxl.load_workbook(built / book)[sheet]
    header = [c.value for c in ws[1]]
    letter = openpyxl.utils.get_column_letter(header.index(column) + 1)
    (rule,) = [dv for dv in ws.data_validations.dataValidation if dv.formula1 == choices]
    assert rule.type == "list"
    assert str(rule.sqref).startswith(f"{letter}2")
