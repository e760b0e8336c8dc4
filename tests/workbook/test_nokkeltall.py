"""Nøkkeltall: R Tabell 1-3 read back from the recalculated example workbook."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kommuneokonomi.cli import SAVINGS_EXAMPLE, main
from kommuneokonomi.engine.keytable import key_figure_table
from kommuneokonomi.workbook.build import build_all

from .test_recalc import table_rows


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, str], float]:
    folder = tmp_path_factory.mktemp("n")
    build_all(folder)
    out = folder / "ut.xlsx"
    assert main(["recalc", str(folder / SAVINGS_EXAMPLE), "-o", str(out)]) == 0
    return {
        (str(r["Nøkkeltall"]), str(r["Kommune"]), str(r["Periode"])): float(r["Verdi"])  # type: ignore[arg-type]
        for r in table_rows(out, "tblNokkeltall")
    }


# (key figure, kommune, period, printed, tolerance, source) - R's printed figures
PRINTED = [
    (
        "Vekst i frie inntekter, hele perioden",
        "Trondheim",
        "2004-2007",
        26.5,
        0.05,
        "R s. 1: 26,5 prosent",
    ),
    (
        "Vekst i frie inntekter, årlig snitt",
        "Trondheim",
        "2004-2007",
        6.0,
        0.5,
        "R s. 1: 6 prosent",
    ),
    (
        "Vekst i frie inntekter, årlig realvekst",
        "Trondheim",
        "2004-2007",
        2.5,
        0.05,
        "R s. 1: 2,5 prosent",
    ),
    (
        "Vekst i netto driftsutgifter, årlig snitt",
        "Trondheim",
        "2004-2007",
        6.5,
        0.05,
        "R s. 1: 6,5 prosent",
    ),
    (
        "Vekst i netto driftsutgifter, årlig realvekst",
        "Trondheim",
        "2004-2007",
        2.75,
        0.25,
        "R s. 1: knappe 3",
    ),
    (
        "Vekst i netto driftsutgifter, årlig snitt",
        "ASSS",
        "2004-2007",
        4.7,
        0.05,
        "R s. 1: 4,7 prosent",
    ),
    (
        "Vekst i netto driftsutgifter, årlig realvekst",
        "ASSS",
        "2004-2007",
        1.2,
        0.05,
        "R s. 1: 1,2 prosent",
    ),
    (
        "Investeringer per innbygger, årlig vekst",
        "Trondheim",
        "2004-2007",
        18,
        0.5,
        "R Tabell 3: 18 prosent",
    ),
    (
        "Investeringer per innbygger, årlig realvekst",
        "Trondheim",
        "2004-2007",
        14,
        0.5,
        "R Tabell 3: 14 prosent",
    ),
    (
        "Investeringer per innbygger, årlig vekst",
        "ASSS",
        "2004-2007",
        13,
        0.5,
        "R Tabell 3: 13 prosent",
    ),
    (
        "Investeringer per innbygger, årlig realvekst",
        "ASSS",
        "2004-2007",
        9,
        0.5,
        "R Tabell 3: 9 prosent",
    ),
    ("Langsiktig gjeld i % av driftsinntekter", "Trondheim", "2007", 200, 5, "R: 200 prosent"),
    ("Langsiktig gjeld i % av driftsinntekter", "ASSS", "2007", 150, 5, "R: 150 prosent"),
    (
        "Netto driftsresultat i % av driftsinntekter, endring",
        "Trondheim",
        "2006-2007",
        -5.5,
        0.05,
        "R: 5,5 prosentpoeng",
    ),
    (
        "Netto driftsresultat i % av driftsinntekter, endring",
        "ASSS",
        "2006-2007",
        -2,
        0.5,
        "R: «bare» 2 prosentpoeng",
    ),
    (
        "Korrigert netto driftsresultat i % av driftsinntekter, endring",
        "Trondheim",
        "2006-2007",
        -3.5,
        0.05,
        "R: hele 3,5 prosentpoeng",
    ),
]


@pytest.mark.golden
@pytest.mark.parametrize(
    ("name", "kommune", "period", "printed", "tolerance", "source"),
    [pytest.param(*row, id=row[5]) for row in PRINTED],
)
def test_key_figure(
    figures: dict[tuple[str, str, str], float],
    name: str,
    kommune: str,
    period: str,
    printed: float,
    tolerance: float,
    source: str,
) -> None:
    assert abs(figures[(name, kommune, period)] - printed) <= tolerance + 1e-9, source


def test_investment_level_half_again_the_asss_level(
    figures: dict[tuple[str, str, str], float],
) -> None:
    """R: «I 2007 var investeringsnivået i Trondheim 50 prosent høyere»."""
    own = figures[("Investeringer per innbygger", "Trondheim", "2007")]
    asss = figures[("Investeringer per innbygger", "ASSS", "2007")]
    assert abs((own / asss - 1) * 100 - 50) <= 5


def _rows(kommune: str, indikator: str, values: dict[int, float]) -> list[dict[str, object]]:
    return [
        {"kommune": kommune, "aar": y, "indikator": indikator, "verdi": v}
        for y, v in values.items()
    ]


def test_no_reserved_indicators_no_rows() -> None:
    data = pd.DataFrame(_rows("A", "sfo", {2007: 1.0}))
    assert key_figure_table(data).empty


def test_a_gap_in_the_years_is_not_compounded() -> None:
    data = pd.DataFrame(_rows("A", "frie_inntekter_vekst", {2004: 0.1, 2006: 0.1}))
    assert key_figure_table(data).empty


def test_real_growth_needs_the_deflator_for_every_year() -> None:
    rates = {2005: 0.1, 2006: 0.1}
    with_deflator = pd.DataFrame(
        _rows("A", "frie_inntekter_vekst", rates)
        + _rows("Norge", "deflator", {2005: 0.05, 2006: 0.05})
    )
    table = key_figure_table(with_deflator).set_index("nokkeltall")
    # (1.1 / 1.05) - 1 per year
    assert table.at["Vekst i frie inntekter, årlig realvekst", "verdi"] == pytest.approx(
        (1.1 / 1.05 - 1) * 100
    )
    assert table.at["Vekst i frie inntekter, hele perioden", "verdi"] == pytest.approx(21.0)
    partial = pd.DataFrame(
        _rows("A", "frie_inntekter_vekst", rates) + _rows("Norge", "deflator", {2005: 0.05})
    )
    assert "Vekst i frie inntekter, årlig realvekst" not in set(
        key_figure_table(partial)["nokkeltall"]
    )


def test_templates_get_no_nokkeltall_sheet(tmp_path: Path) -> None:
    build_all(tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "mal_innsparing.xlsx")
    assert "Nøkkeltall" not in wb.sheetnames
