"""The vectorised cube equals the per-municipality engine path (issue 7, 1/100 scale)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd
import pytest

from kommuneokonomi.engine.cube import cube_sector_summary, savings_cube
from kommuneokonomi.engine.savings import SavingsSettings, indicators_from_frame, savings_table

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.generate import generate


@pytest.fixture(scope="module")
def national():  # type: ignore[no-untyped-def]
    return generate(scale=0.01, seed=7)


@pytest.fixture(scope="module")
def cube(national) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    specs = indicators_from_frame(national.indikatorer)
    data = national.data.assign(verdi=pd.to_numeric(national.data["verdi"], errors="coerce"))
    groups = national.kommuner.set_index("kommune")["gruppe"]
    return savings_cube(data, specs, groups)


@pytest.mark.parametrize("kommune", ["Kommune 001", "Kommune 017", "Kommune 200", "Kommune 356"])
@pytest.mark.parametrize("year", [2015, 2024])
def test_cube_equals_per_municipality_path(
    national, cube: pd.DataFrame, kommune: str, year: int
) -> None:  # type: ignore[no-untyped-def]
    specs = indicators_from_frame(national.indikatorer)
    group = national.kommuner.set_index("kommune").at[kommune, "gruppe"]
    members = tuple(national.kommuner.loc[national.kommuner["gruppe"] == group, "kommune"])
    data = national.data
    own_rows = data[(data["kommune"] == kommune) & (data["aar"] == year)]
    # lines whose own value is missing are errors in the per-municipality path: compare the rest
    valued = set(
        own_rows.loc[pd.to_numeric(own_rows["verdi"], errors="coerce").notna(), "indikator"]
    )
    usable = [s for s in specs if s.indikator in valued]
    assert usable, "the test needs lines with values"
    expected = savings_table(
        data, usable, SavingsSettings(egen_kommune=kommune, aar=year, kommuner=members)
    ).set_index("indikator")
    got = cube[(cube["kommune"] == kommune) & (cube["aar"] == year)].set_index("indikator")
    assert set(got.index) == set(expected.index)
    for ind in expected.index:
        for col in (
            "egen_verdi",
            "volum",
            "referanse_1",
            "referanse_2",
            "innsparing_1_mnok",
            "innsparing_2_mnok",
        ):
            assert math.isclose(
                got.at[ind, col], expected.at[ind, col], rel_tol=1e-9, abs_tol=1e-9
            ), (ind, col)
        assert got.at[ind, "ref_2_kommune"] == expected.at[ind, "ref_2_kommune"]


def test_sector_summary_sums_the_lines(cube: pd.DataFrame) -> None:
    summary = cube_sector_summary(cube)
    assert summary["innsparing_2_mnok"].sum() == pytest.approx(cube["innsparing_2_mnok"].sum())
    assert (summary[["innsparing_1_mnok", "innsparing_2_mnok"]] >= 0).all().all()
    assert len(summary) == summary[["kommune", "aar", "sektor"]].drop_duplicates().shape[0]


def test_a_named_reference_and_own_included_mean() -> None:
    data = pd.DataFrame(
        [(k, 2020, "kost", v) for k, v in {"A": 10.0, "B": 8.0, "C": 12.0, "D": 9.0}.items()]
        + [(k, 2020, "n", 100.0) for k in "ABCD"],
        columns=["kommune", "aar", "indikator", "verdi"],
    )
    specs = indicators_from_frame(
        pd.DataFrame(
            [
                {
                    "indikator": "kost",
                    "navn": "K",
                    "sektor": "S",
                    "beste": "lav",
                    "beregning": "absolutt",
                    "volum": "n",
                    "referanse_2": "D",
                }
            ]
        )
    )
    groups = pd.Series({k: "G" for k in "ABCD"})
    cube = savings_cube(data, specs, groups, include_own=True).set_index("kommune")
    assert cube.at["A", "referanse_1"] == pytest.approx(39 / 4)
    assert cube.at["A", "referanse_2"] == 9.0 and cube.at["A", "ref_2_kommune"] == "D"
    assert cube.at["A", "innsparing_2_mnok"] == pytest.approx(100 / 1e6)
