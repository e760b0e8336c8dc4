"""One question, one answer in every mode.

Hypothesis draws savings workbooks (as the tables an adapter reads): a comparison group with an
outsider, indicators of every kind, references (snitt, median, N. beste, a named member, none),
mean options (own included or not, an exclusion, a weight) and missing values. Then, for every
member of the group:

* the national run (``Egen kommune`` = ``Alle``, same group) gives per sector exactly what the
  per-municipality run gives for that municipality, and
* the worksheet function ``KO_INNSPARINGSTABELL`` gives exactly the per-municipality lines,
  with 'Alle' the national table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kommuneokonomi.errors import KommuneokonomiError
from kommuneokonomi.service import Recalculation, recalculate
from kommuneokonomi.udfs import KO_INNSPARINGSTABELL
from kommuneokonomi.workbook import layout as L
from kommuneokonomi.workbook.tables import RawTable

NAMES = ["Asker", "Bærum", "Ålesund", "Bodø", "Tromsø", "Øygarden", "Moss", "Hamar"]
YEAR = 2020


@dataclass
class Book:
    """The tables of one savings workbook, header row first (as a range hands them over)."""

    grids: dict[str, list[list[object]]]

    @property
    def name(self) -> str:
        return "trukket.xlsx"

    def table_names(self) -> set[str]:
        return set(self.grids)

    def read_table(self, spec: L.TableSpec) -> RawTable:
        grid = self.grids[spec.name]
        return RawTable(
            name=spec.name, sheet=spec.sheet, top=1, left=1, headers=grid[0], rows=grid[1:]
        )

    def with_own(self, own: str) -> Book:
        grids = dict(self.grids)
        grids[L.INNSTILLINGER.name] = [
            [k, own if k == "Egen kommune" else v] for k, v in self.grids[L.INNSTILLINGER.name]
        ]
        return Book(grids)


@st.composite
def books(draw: st.DrawFn) -> tuple[Book, list[str]]:
    n = draw(st.integers(min_value=3, max_value=6))
    members = draw(st.permutations(NAMES)).copy()[: n + 1]
    outsider, members = members[-1], members[:n]
    indicators = []
    data: list[list[object]] = []
    for j in range(draw(st.integers(min_value=1, max_value=3))):
        ind = f"ind{j}"
        refs = [
            draw(
                st.sampled_from(
                    [
                        "",
                        "snitt",
                        "median",
                        "-",
                        f"{draw(st.integers(1, n - 1))}. beste",
                        draw(st.sampled_from(members)),
                    ]
                )
            )
            for _ in range(2)
        ]
        indicators.append(
            [
                ind,
                f"Indikator {j}",
                draw(st.sampled_from(["Skole", "Omsorg"])),
                "kr",
                draw(st.sampled_from(["lav", "høy"])),
                draw(st.sampled_from(["absolutt", "relativ"])),
                "volum",
                draw(st.sampled_from([1, 1000])),
                *refs,
            ]
        )
        for k in [*members, outsider]:
            for year in (YEAR - 1, YEAR):
                value = draw(
                    st.one_of(
                        st.none(),
                        st.just(".."),
                        st.floats(min_value=1, max_value=1000, allow_nan=False).map(
                            lambda x: round(x, 2)
                        ),
                    )
                    if draw(st.integers(0, 5)) == 0
                    else st.floats(min_value=1, max_value=1000).map(lambda x: round(x, 2))
                )
                data.append([k, year, ind, value])
    for k in [*members, outsider]:
        for year in (YEAR - 1, YEAR):
            data.append([k, year, "volum", float(draw(st.integers(10, 5000)))])
    exclude = draw(st.sampled_from(["", *members]))
    settings_rows = [
        ["Egen kommune", "Alle"],
        ["År", YEAR],
        ["Sammenligningsgruppe", "G"],
        ["Referanse 1", draw(st.sampled_from(["snitt", "median", "2. beste", members[0]]))],
        ["Referanse 2", draw(st.sampled_from(["snitt", "median", "1. beste", "-"]))],
        ["Snitt: ta med egen kommune", draw(st.sampled_from(["Ja", "Nei"]))],
        ["Snitt: utelat", exclude],
        ["Snitt: vekt", draw(st.sampled_from(["", "volum"]))],
    ]
    grids = {
        L.INNSTILLINGER.name: [L.INNSTILLINGER.headers, *settings_rows],
        L.KOMMUNER.name: [
            L.KOMMUNER.headers,
            *[[k, None, "G"] for k in members],
            [outsider, None, "H"],
        ],
        L.INDIKATORER.name: [L.INDIKATORER.headers, *indicators],
        L.DATA.name: [L.DATA.headers, *data],
    }
    return Book(grids), members


def _per_sector(result: Recalculation) -> dict[str, tuple[float, float]]:
    assert result.sectors is not None
    return {
        str(r["sektor"]): (float(r["innsparing_1_mnok"]), float(r["innsparing_2_mnok"]))
        for r in result.sectors.to_dict("records")
        if r["sektor"] != "Sum"
    }


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=books())
def test_national_per_municipality_and_udf_agree(drawn: tuple[Book, list[str]]) -> None:
    book, members = drawn
    try:
        national = recalculate(book)
    except KommuneokonomiError:
        assume(False)  # settings the per-municipality run would refuse alike (checked below)
        return
    assert national.national is not None and national.lines is None
    summary = national.national
    assert set(summary["kommune"]) <= set(members)  # the outsider is not compared
    assert set(summary["aar"]) <= {YEAR}

    grids = book.grids
    udf_all = KO_INNSPARINGSTABELL(
        grids["tblData"], grids["tblIndikatorer"], grids["tblInnstillinger"], grids["tblKommuner"]
    )
    assert udf_all[0] == L.INNSPARING_KOMMUNER.headers
    assert len(udf_all) - 1 == len(summary)

    compared = 0
    for own in members:
        one = book.with_own(own)
        try:
            result = recalculate(one)
        except KommuneokonomiError:
            continue  # e.g. the own value is missing: the national line is then empty
        compared += 1
        rows = summary[summary["kommune"] == own]
        national_sectors = {
            str(r["sektor"]): (float(r["innsparing_1_mnok"]), float(r["innsparing_2_mnok"]))
            for r in rows.to_dict("records")
        }
        for sector, (s1, s2) in _per_sector(result).items():
            n1, n2 = national_sectors.get(sector, (0.0, 0.0))
            assert _close(s1, n1) and _close(s2, n2), (own, sector, (s1, s2), (n1, n2))

        udf = KO_INNSPARINGSTABELL(
            one.grids["tblData"],
            one.grids["tblIndikatorer"],
            one.grids["tblInnstillinger"],
            one.grids["tblKommuner"],
        )
        assert result.lines is not None
        assert udf[0] == L.INNSPARING.headers
        columns = [c.name for c in L.INNSPARING.columns]
        for got, want in zip(udf[1:], result.lines[columns].itertuples(index=False), strict=True):
            for g, w in zip(got, want, strict=True):
                if isinstance(w, float) and math.isnan(w):
                    assert g == ""
                elif isinstance(w, float):
                    assert isinstance(g, float) and _close(g, w)
                else:
                    assert g == ("" if w is None else w)
    assume(compared > 0)


def test_bogus_settings_are_refused_in_both_modes() -> None:
    """The settings national mode used to ignore are read and checked the same in both."""
    base = {
        L.INNSTILLINGER.name: [
            L.INNSTILLINGER.headers,
            ["Egen kommune", "Asker"],
            ["År", YEAR],
            ["Sammenligningsgruppe", "G"],
            ["Referanse 2", "1. beste"],
            ["Snitt: utelat", "Narvik"],
            ["Snitt: vekt", "finnes_ikke"],
        ],
        L.KOMMUNER.name: [L.KOMMUNER.headers, ["Asker", None, "G"], ["Bærum", None, "G"]],
        L.INDIKATORER.name: [
            L.INDIKATORER.headers,
            ["a", "A", "S", "", "lav", "absolutt", "v", 1, "", ""],
        ],
        L.DATA.name: [
            L.DATA.headers,
            *[[k, YEAR, i, 10.0] for k in ("Asker", "Bærum") for i in ("a", "v")],
        ],
    }
    for own in ("Asker", "Alle"):
        with pytest.raises(KommuneokonomiError) as exc:
            recalculate(Book(base).with_own(own))
        assert "'Narvik' er ikke en kommune i gruppen 'G'" in str(exc.value)
        assert "arket 'Innstillinger', celle B6" in str(exc.value)  # Snitt: utelat
    # with the exclusion mended, the unknown weight indicator stops both modes
    base[L.INNSTILLINGER.name][5] = ["Snitt: utelat", "Bærum"]
    for own in ("Asker", "Alle"):
        with pytest.raises(KommuneokonomiError) as exc:
            recalculate(Book(base).with_own(own))
        assert "vektindikatoren 'finnes_ikke' finnes ikke" in str(exc.value), own

    unknown_group = Book(base).with_own("Alle")
    unknown_group.grids[L.INNSTILLINGER.name] = [
        r if r[0] != "Sammenligningsgruppe" else ["Sammenligningsgruppe", "Finnes ikke"]
        for r in unknown_group.grids[L.INNSTILLINGER.name]
        if r[0] not in ("Snitt: utelat", "Snitt: vekt")
    ]
    with pytest.raises(KommuneokonomiError, match="gruppen 'Finnes ikke' har ingen kommuner"):
        recalculate(unknown_group)


def test_exclusion_changes_the_national_output() -> None:
    """'Snitt: utelat' is honoured with 'Alle': leaving out the dearest peer lowers the mean."""

    def run(exclude: str) -> float:
        grids = {
            L.INNSTILLINGER.name: [
                L.INNSTILLINGER.headers,
                ["Egen kommune", "Alle"],
                ["År", YEAR],
                ["Sammenligningsgruppe", "G"],
                ["Referanse 2", "1. beste"],
                ["Snitt: utelat", exclude],
            ],
            L.KOMMUNER.name: [
                L.KOMMUNER.headers,
                *[[k, None, "G"] for k in ("Asker", "Bærum", "Moss")],
            ],
            L.INDIKATORER.name: [
                L.INDIKATORER.headers,
                ["a", "A", "S", "", "lav", "absolutt", "v", 1, "snitt", "-"],
            ],
            L.DATA.name: [
                L.DATA.headers,
                ["Asker", YEAR, "a", 100.0],
                ["Bærum", YEAR, "a", 10.0],
                ["Moss", YEAR, "a", 50.0],
                *[[k, YEAR, "v", 1e6] for k in ("Asker", "Bærum", "Moss")],
            ],
        }
        summary = recalculate(Book(grids)).national
        assert summary is not None
        return float(summary.loc[summary["kommune"] == "Asker", "innsparing_1_mnok"].sum())

    # Asker 100 against the mean of Bærum 10 and Moss 50 (30): 70 x 1e6 kr = 70 mill. kr;
    # without Moss, against Bærum alone: 90 mill. kr
    assert run("") == pytest.approx(70.0)
    assert run("Moss") == pytest.approx(90.0)
