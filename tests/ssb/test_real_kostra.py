"""Genuine SSB responses for KOSTRA tables (issue 13): the parser, ``hent`` and the catalogue's
codes against what SSB really sends.

The fixtures (see fixtures/README.md) are JSON-stat2 responses from SSB's statbank API for
table 12367 (detailed operating accounts: region, regnskapsomfang, funksjon, art, KOSbelop0000,
år), 12191 (kommunehelse, several contents codes, nine municipalities) and 07459 (population by
single age), published unchanged in KS's KSAnalyse/ks-json-stat.java. Expected figures are read
off the files by position, or taken from KS's own tests of those files (JsonStatTest.java):
never from this project's output.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pytest

from kommuneokonomi.catalogue import load_catalogue, rows_for
from kommuneokonomi.errors import KommuneokonomiError
from kommuneokonomi.ssb.fetch import _selection, hent
from kommuneokonomi.ssb.jsonstat import Dataset, parse_dataset

from .books import data_records, henting_row, make_book
from .server import FakeSsb, RecordedTable

FIXTURES = Path(__file__).parent / "fixtures"
T12367 = FIXTURES / "table12367_response.json"
T12191 = FIXTURES / "table12191_response.json"
T07459 = FIXTURES / "table07459_response.json"
NOW = dt.datetime(2025, 6, 20, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))


@pytest.fixture(scope="module")
def accounts() -> Dataset:
    return parse_dataset(T12367.read_bytes())


def _coordinates(ds: Dataset, position: int) -> dict[str, str]:
    """The category codes of a cell number (row-major: the last dimension varies fastest)."""
    out: dict[str, str] = {}
    for d in reversed(ds.dimensions):
        position, j = divmod(position, len(d.codes))
        out[d.id] = d.codes[j]
    return out


# --------------------------------------------------------------------------------------------
# 12367: the parser
# --------------------------------------------------------------------------------------------


def test_12367_structure(accounts: Dataset) -> None:
    assert accounts.label.startswith("12367: Detaljerte regnskapstall driftsregnskapet")
    assert accounts.source == "Statistisk sentralbyrå"
    assert accounts.updated == "2021-06-13T22:00:00Z"
    assert accounts.ids == (
        "KOKkommuneregion0000",
        "KOKregnskapsomfa0000",
        "KOKfunksjon0000",
        "KOKart0000",
        "ContentsCode",
        "Tid",
    )
    assert accounts.size == (5, 2, 5, 5, 1, 5)
    region = accounts.dimension("KOKkommuneregion0000")
    assert region.codes == ("EAK", "EAKUO", "3001", "EKG16", "EKG17")
    assert region.label_of("EKG16") == "KOSTRA-gruppe 16"
    # the function groups as SSB names them: FGK9 is "Helse- og omsorg" (it holds kommunehelse
    # too), not "pleie og omsorg", which is why the catalogue lists functions instead
    funksjon = accounts.dimension("KOKfunksjon0000")
    assert funksjon.label_of("FGK8b") == "Grunnskole"
    assert funksjon.label_of("FGK9") == "Helse- og omsorg"
    assert accounts.dimension("Tid").codes == ("2015", "2016", "2017", "2019", "2020")


# Cell number -> value, as KS's own JsonStatTest asserts them for this file
KS_VALUES = [
    (0, 1943974.0),
    (9, 1944078.0),
    (29, 429745.0),
    (39, 516230.0),
    (49, 8333.0),
    (59, 22380510.0),
    (79, 84317072.0),
    (89, 78044855.0),
    (99, 553097.0),
]
# Cell number -> SSB's symbol, ditto (19 and 69 are among the nulls KS asserts)
KS_STATUS = [(15, ":"), (44, ":"), (94, ":"), (269, ":"), (319, ":"), (369, ":")]
KS_STATUS += [(511, "."), (522, "."), (535, "."), (575, ".")]


@pytest.mark.parametrize(("position", "expected"), KS_VALUES)
def test_12367_values_as_ks_reads_them(accounts: Dataset, position: int, expected: float) -> None:
    value, status = accounts.cell(**_coordinates(accounts, position))
    assert value == expected
    assert status is None


@pytest.mark.parametrize(("position", "symbol"), [*KS_STATUS, (19, ":"), (69, ":")])
def test_12367_symbols_are_missing_never_zero(
    accounts: Dataset, position: int, symbol: str
) -> None:
    value, status = accounts.cell(**_coordinates(accounts, position))
    assert math.isnan(value)
    assert status == symbol


def test_12367_frame_keeps_every_cell_and_symbol(accounts: Dataset) -> None:
    frame = accounts.frame()
    raw = json.loads(T12367.read_bytes())
    assert len(frame) == len(raw["value"]) == 1250
    assert frame["status"].notna().sum() == len(raw["status"])
    assert frame["value"].isna().sum() == sum(v is None for v in raw["value"])
    assert set(frame["status"].dropna()) == {".", ":"}


def test_a_number_shows_dot_in_the_years_it_did_not_exist(accounts: Dataset) -> None:
    """Halden has had 3001 since 2020 (0101 before): SSB gives 3001 "." and no value in the
    earlier years. This is why hent asks for the number valid in each year."""

    def halden_admin(year: str) -> tuple[float, str | None]:
        return accounts.cell(
            KOKkommuneregion0000="3001",
            KOKregnskapsomfa0000="A",
            KOKfunksjon0000="120",
            KOKart0000="AGD2",
            ContentsCode="KOSbelop0000",
            Tid=year,
        )

    for year in ("2015", "2016", "2017", "2019"):
        value, status = halden_admin(year)
        assert math.isnan(value) and status == "."
    assert halden_admin("2020") == (73247.0, None)


# --------------------------------------------------------------------------------------------
# 12367: the catalogue's spending series, fetched with hent
# --------------------------------------------------------------------------------------------


def test_catalogue_spending_codes_exist_in_the_genuine_table(accounts: Dataset) -> None:
    cat = load_catalogue()
    raw = json.loads(T12367.read_bytes())
    contents = raw["dimension"]["ContentsCode"]["category"]
    assert cat.spending_contents in contents["index"]
    # the derived indicators turn 1000 kr into kr: the factor is what SSB's unit says
    assert contents["unit"][cat.spending_contents]["base"] == "1000 kr"
    spending = [row for row in rows_for("ASSS", "2020").avledet if str(row[1]).endswith("_netto")]
    assert len(spending) == len(cat.lines) and all(row[3] == 1000 for row in spending)
    art = _selection(cat.spending_art)
    assert set(art) == {"KOKart0000"}
    assert (
        accounts.dimension("KOKart0000")
        .label_of(art["KOKart0000"][0])
        .startswith("Netto driftsutgifter")
    )
    # the administration line's functions that this excerpt of the table holds
    admin = next(line for line in cat.lines if line.sektor == "Administrasjon")
    assert {"100", "110", "120"} <= set(admin.funksjoner)


def _accounts_book(tmp_path: Path) -> Path:
    cat = load_catalogue()
    spending = f"KOKfunksjon0000=100,110,120; {cat.spending_art}; KOKregnskapsomfa0000=A"
    henting = [
        henting_row("12367", cat.spending_contents, "adm_netto", "Halden; EKG16", "2020", spending),
        henting_row(
            "12367",
            cat.spending_contents,
            "grunnskole_netto",
            "EKG16",
            "2015-2017, 2019-2020",
            f"KOKfunksjon0000=FGK8b; {cat.spending_art}; KOKregnskapsomfa0000=A",
        ),
        henting_row(
            "12367",
            cat.spending_contents,
            "overforinger",
            "EAK",
            "2019-2020",
            "KOKfunksjon0000=100; KOKart0000=AGD56; KOKregnskapsomfa0000=A",
        ),
    ]
    return make_book(tmp_path / "regnskap.xlsx", henting)


def test_hent_sums_functions_from_the_genuine_response(tmp_path: Path) -> None:
    path = _accounts_book(tmp_path)
    with FakeSsb(RecordedTable(T12367.read_bytes())) as ssb:
        result = hent(path, api_url=ssb.url, now=NOW)
        assert ssb.metadata_requests  # the codes were checked against the table first
    data = {(r["Kommune"], r["År"], r["Indikator"]): r for r in data_records(path)}
    # 100 + 110 + 120, netto (AGD2), kommunekonsern (A), 1000 kr: read off the file
    halden = data[("Halden", 2020, "adm_netto")]
    assert halden["Verdi"] == 6959 + 1344 + 73247
    assert "KOKkommuneregion0000=3001" in str(halden["Kilde"])
    assert data[("EKG16", 2020, "adm_netto")]["Verdi"] == 12785 + 3700 + 66631
    assert [data[("EKG16", y, "grunnskole_netto")]["Verdi"] for y in (2015, 2016, 2017)] == [
        372317,
        375224,
        385666,
    ]
    assert data[("EKG16", 2020, "grunnskole_netto")]["Verdi"] == 83411
    # ":" (not shown, confidentiality) is missing with its symbol, never 0
    for year in (2019, 2020):
        row = data[("EAK", year, "overforinger")]
        assert row["Verdi"] is None and row["Merknad"] == ":"
    assert result.collected.missing == 2
    assert len(data) == 2 + 5 + 2


def test_hent_reports_a_code_the_genuine_table_lacks(tmp_path: Path) -> None:
    cat = load_catalogue()
    admin = next(line for line in cat.lines if line.sektor == "Administrasjon")
    henting = [
        henting_row(
            "12367",
            cat.spending_contents,
            "adm_netto",
            "EKG16",
            "2020",
            f"KOKfunksjon0000={','.join(admin.funksjoner)}; {cat.spending_art}; "
            "KOKregnskapsomfa0000=A",
        )
    ]
    path = make_book(tmp_path / "regnskap.xlsx", henting)
    before = path.read_bytes()
    with (
        FakeSsb(RecordedTable(T12367.read_bytes())) as ssb,
        pytest.raises(KommuneokonomiError) as caught,
    ):
        hent(path, api_url=ssb.url, now=NOW)
    text = str(caught.value)
    # this excerpt of 12367 holds 100, 110, 120, FGK8b and FGK9 only: 121 is named, with the
    # codes the table has, before any data is asked for
    assert "121" in text and "KOKfunksjon0000" in text
    assert "FGK8b" in text
    assert not ssb.requests
    assert path.read_bytes() == before


# --------------------------------------------------------------------------------------------
# 12191: several contents codes, zeros, "..", ":" and "." in one genuine answer
# --------------------------------------------------------------------------------------------


def test_12191_quality_style_series(tmp_path: Path) -> None:
    henting = [
        henting_row("12191", "KOSergoaarsverk0000", "ergo", "Moss; Drammen; Flå", "2020"),
        henting_row("12191", "KOShjemmebesokjo0000", "jordmor", "Flå; Hole", "2020"),
        henting_row("12191", "KOSavtalehjemler0001", "fysio", "Hurdal", "2020"),
    ]
    path = make_book(tmp_path / "helse.xlsx", henting)
    with FakeSsb(RecordedTable(T12191.read_bytes())) as ssb:
        hent(path, api_url=ssb.url, now=NOW)
    data = {(r["Kommune"], r["Indikator"]): r for r in data_records(path)}
    assert data[("Moss", "ergo")]["Verdi"] == 13.5
    assert data[("Drammen", "ergo")]["Verdi"] == 27.8
    assert (data[("Flå", "ergo")]["Verdi"], data[("Flå", "ergo")]["Merknad"]) == (None, "..")
    assert (data[("Flå", "jordmor")]["Verdi"], data[("Flå", "jordmor")]["Merknad"]) == (None, ":")
    assert data[("Hole", "jordmor")]["Verdi"] == 68
    # a real zero stays a zero, with no symbol
    assert (data[("Hurdal", "fysio")]["Verdi"], data[("Hurdal", "fysio")]["Merknad"]) == (0, None)


def test_recorded_table_serves_the_file_unchanged_when_asked_for_everything() -> None:
    table = RecordedTable(T12191.read_bytes())
    everything = {d: list(cats) for d, _, cats in table.dims()}
    assert table.body(everything) == T12191.read_bytes()
    # a slice keeps SSB's values and symbols for the cells asked for
    part = dict(everything, KOKkommuneregion0000=["3039"], Tid=["2020"])
    ds = parse_dataset(table.body(part))
    assert (
        ds.cell(KOKkommuneregion0000="3039", ContentsCode="KOSergoaarsverk0000", Tid="2020")[1]
        == ".."
    )


# --------------------------------------------------------------------------------------------
# 07459: population by single age, as the catalogue's target groups read it
# --------------------------------------------------------------------------------------------


def _people(
    ds: Dataset, region: str, sexes: tuple[str, ...], ages: tuple[str, ...], year: str
) -> float:
    return sum(
        ds.cell(Region=region, Kjonn=k, Alder=a, ContentsCode="Personer1", Tid=year)[0]
        for k in sexes
        for a in ages
    )


def test_07459_codes_are_the_catalogues() -> None:
    cat = load_catalogue()
    ds = parse_dataset(T07459.read_bytes())
    assert ds.ids == (cat.population_region, "Kjonn", "Alder", "ContentsCode", "Tid")
    assert ds.dimension("ContentsCode").codes == (cat.population_contents,)
    sexes = _selection(cat.population_sex)["Kjonn"]
    assert sexes == ds.dimension("Kjonn").codes == ("1", "2")
    # every single age SSB sends, 000-104 and 105+, falls in "Innbyggere i alt" once
    everyone = _selection(f"Alder={cat.group('innbyggere').alder}")["Alder"]
    assert set(ds.dimension("Alder").codes) <= set(everyone)
    assert len(everyone) == len(set(everyone)) == 106
    assert ds.dimension("Alder").label_of("105+") == "105 år eller eldre"


def test_07459_age_group_by_hand() -> None:
    ds = parse_dataset(T07459.read_bytes())
    # Hele landet, 2021, both sexes, 0-2 years: read off the file (men 27129, 28422, 28947;
    # women 26005, 26803, 27195)
    assert _people(ds, "0", ("1", "2"), ("000", "001", "002"), "2021") == 164501
    # 104 and 105+ (men 4 and 23, women 47 and 75)
    assert _people(ds, "0", ("1", "2"), ("104", "105+"), "2021") == 149
    # an unknown-municipality row is counted, not dropped: zeros are zeros
    assert _people(ds, "9999", ("1",), ("000",), "1986") == 0


def test_the_parser_ignores_what_it_does_not_use() -> None:
    """SSB's v1 answers carry ``extension.px`` and ``link.describedby`` (KLASS URNs); v2
    answers may not. Neither changes a value."""
    raw: dict[str, Any] = json.loads(T07459.read_bytes())
    stripped = json.loads(T07459.read_bytes())
    stripped.pop("extension", None)
    for dim in stripped["dimension"].values():
        dim.pop("link", None)
    assert parse_dataset(raw).values == parse_dataset(stripped).values
