"""``hent`` end to end against the local server: tblHenting -> SSB -> tblData."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from kommuneokonomi.errors import InputError, KommuneokonomiError, LayoutError
from kommuneokonomi.service import recalculate
from kommuneokonomi.ssb.cache import default_cache_dir
from kommuneokonomi.ssb.client import PxWebClient
from kommuneokonomi.ssb.errors import FetchError
from kommuneokonomi.ssb.fetch import hent, parse_years, plan_merge
from kommuneokonomi.workbook.build import build_savings_workbook
from kommuneokonomi.workbook.files import FileBook, write_table
from kommuneokonomi.workbook.layout import DATA, Column, TableSpec
from kommuneokonomi.workbook.tables import to_frame

from ..trust.helpers import run_cli
from .books import ASSS4, data_records, henting_row, make_book, read_data
from .server import Cell, FakeClock, FakeSsb, FakeTable, Reply, closed_port_url, problem

NOW = dt.datetime(2025, 6, 20, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
ND, BD = "netto_driftsresultat", "brutto_driftsresultat"

HENTING = [
    henting_row(12134, "KOSAGD230000", ND, "ASSS", "2017-2020"),
    henting_row("12134", "KOSAGD100000", BD, "Trondheim, Tromsø, Oslo", "2018 - 2024"),
]


def book(tmp_path: Path, **kw: object) -> Path:
    return make_book(tmp_path / "analyse.xlsx", HENTING, kommuner=ASSS4, **kw)  # type: ignore[arg-type]


def _cached(path: Path, kind: str) -> list[str]:
    """The cache keys of the workbook's cached responses of one kind (data or metadata)."""
    folder = default_cache_dir(path)
    metas = [json.loads(m.read_text(encoding="utf-8")) for m in folder.glob("*.meta.json")]
    return [m["nokkel"] for m in metas if m["slag"] == kind]


def by_key(path: Path) -> dict[tuple[object, object, object], dict[str, object]]:
    return {(r["Kommune"], r["År"], r["Indikator"]): r for r in data_records(path)}


def test_hent_fills_tbldata(ssb: FakeSsb, tmp_path: Path) -> None:
    path = book(tmp_path)
    result = hent(path, api_url=ssb.url, now=NOW)

    headers, rows = read_data(path)
    # the template's Kilde column beside tblData is taken into the table; Merknad is added
    assert headers == ["Kommune", "År", "Indikator", "Verdi", "Kilde", "Merknad"]
    assert result.columns_added == ["Merknad"]
    assert len(rows) == 4 * 4 + 3 * 7 == result.added
    assert result.replaced == 0
    assert result.collected.requests == 1 and len(ssb.requests) == 1  # one table, one request
    data = by_key(path)
    assert len(data) == len(rows)  # one row per municipality, year and indicator
    assert {k[0] for k in data} == {"Oslo", "Bergen", "Trondheim", "Stavanger", "Tromsø"}

    # Trondheim across the 2018 renumbering: 1601 in 2017, 5001 from 2018, one name
    t2017, t2018 = data[("Trondheim", 2017, ND)], data[("Trondheim", 2018, ND)]
    assert (t2017["Verdi"], t2018["Verdi"]) == (2.8, 2.7)
    assert "KOKkommuneregion0000=1601" in str(t2017["Kilde"])
    assert "KOKkommuneregion0000=5001" in str(t2018["Kilde"])
    # Bergen across 2020 (1201 -> 4601), Tromsø across 2020 and 2024 (1902 -> 5401 -> 5501)
    assert data[("Bergen", 2019, ND)]["Verdi"] == 1.4
    assert data[("Bergen", 2020, ND)]["Verdi"] == 1.5
    assert [data[("Tromsø", y, BD)]["Verdi"] for y in (2019, 2020, 2023, 2024)] == [
        2.7,
        3.0,
        3.9,
        4.2,
    ]
    assert "=5501" in str(data[("Tromsø", 2024, BD)]["Kilde"])
    assert "=5401" in str(data[("Tromsø", 2023, BD)]["Kilde"])

    # missing values: empty Verdi, SSB's symbol in Merknad, never 0
    assert data[("Stavanger", 2019, ND)]["Verdi"] is None
    assert data[("Stavanger", 2019, ND)]["Merknad"] == ":"
    assert data[("Oslo", 2018, BD)]["Verdi"] is None
    assert data[("Oslo", 2018, BD)]["Merknad"] == ".."
    missing = [r for r in data.values() if r["Verdi"] is None]
    assert len(missing) == result.collected.missing == 2
    assert all(r["Merknad"] is None for r in data.values() if r["Verdi"] is not None)

    # provenance on every row
    kilde = str(data[("Oslo", 2020, ND)]["Kilde"])
    assert kilde.startswith("SSB tabell 12134 (KOSAGD230000), KOKkommuneregion0000=0301, ")
    assert "hentet 20.06.2025 kl. 09:30 [svar " in kilde

    # the engine reads the result: missing stays missing
    table = to_frame(FileBook(path).read_table(DATA), DATA).frame
    assert table["verdi"].isna().sum() == 2


def test_cache_holds_every_raw_response_with_provenance(ssb: FakeSsb, tmp_path: Path) -> None:
    path = book(tmp_path)
    result = hent(path, api_url=ssb.url, now=NOW)
    folder = default_cache_dir(path)
    assert result.cache == folder == tmp_path / "analyse.ssb-cache"
    entries = [json.loads(m.read_text(encoding="utf-8")) for m in folder.glob("*.meta.json")]
    # the table's data, and its metadata (read first, to check the codes asked for)
    assert sorted(e["slag"] for e in entries) == ["data", "metadata"]
    (meta,) = [e for e in entries if e["slag"] == "data"]
    (about,) = [e for e in entries if e["slag"] == "metadata"]
    assert about["adresse"] == ssb.url + "tables/12134/metadata?lang=no&outputFormat=json-stat2"
    assert meta["tabell"] == "12134"
    assert meta["hentet"] == NOW.isoformat()
    assert meta["adresse"].startswith(ssb.url + "tables/12134/data?")
    assert meta["utvalg"]["ContentsCode"] == ["KOSAGD230000", "KOSAGD100000"]
    assert "CC BY 4.0" in meta["lisens"]
    body = (folder / f"{meta['nokkel']}.json").read_bytes()
    assert json.loads(body)["label"].startswith("12134:")
    assert meta["nokkel"][:12] in str(data_records(path)[0]["Kilde"])


def test_offline_replays_identical_rows(ssb: FakeSsb, tmp_path: Path) -> None:
    path = book(tmp_path)
    hent(path, api_url=ssb.url, now=NOW)
    first = read_data(path)
    asked = len(ssb.requests)

    result = hent(path, api_url=closed_port_url(), offline=True)
    assert read_data(path) == first
    assert len(ssb.requests) == asked  # nothing sent
    assert result.collected.from_cache == result.collected.requests == 1
    assert result.replaced == len(first[1]) and result.added == 0


def test_refetch_replaces_instead_of_duplicating(ssb: FakeSsb, tmp_path: Path) -> None:
    path = book(tmp_path)
    hent(path, api_url=ssb.url, now=NOW)
    later = NOW + dt.timedelta(days=1)
    result = hent(path, api_url=ssb.url, now=later)
    headers, rows = read_data(path)
    assert len(rows) == 37 and result.replaced == 37 and result.added == 0
    assert all("hentet 21.06.2025" in str(r[headers.index("Kilde")]) for r in rows)


def test_split_requests_with_progress_give_the_same_rows(
    ssb: FakeSsb, tmp_path: Path, make_client: Callable[..., PxWebClient], clock: FakeClock
) -> None:
    whole = book(tmp_path)
    hent(whole, api_url=ssb.url, now=NOW)
    split_dir = tmp_path / "delt"
    split_dir.mkdir()
    split = book(split_dir)
    calls: list[tuple[int, int, str]] = []
    client = make_client(ssb.url, max_cells=20, max_calls=3, window=60.0)
    result = hent(split, client=client, now=NOW, progress=lambda d, t, w: calls.append((d, t, w)))
    n = result.collected.requests
    assert n > 3
    assert calls[0] == (0, n, "")
    assert [c[0] for c in calls] == list(range(n + 1))
    assert calls[-1][0] == calls[-1][1] == n
    assert calls[1][2].startswith("tabell 12134 (")
    assert len(clock.sleeps) == (n - 1) // 3  # paced: 3 requests per 60 s

    def strip(path: Path) -> list[tuple[object, ...]]:
        return sorted(
            (r["Kommune"], r["År"], r["Indikator"], r["Verdi"], r["Merknad"])
            for r in data_records(path)
        )

    assert strip(split) == strip(whole)
    # and the split fetch replays offline with the same split
    offline = hent(split, offline=True, client=make_client(ssb.url, max_cells=20))
    assert offline.collected.from_cache == n


def test_429_then_success_during_hent(
    ssb: FakeSsb, tmp_path: Path, make_client: Callable[..., PxWebClient], clock: FakeClock
) -> None:
    ssb.script.append(Reply(429, b"Too many requests", {"Retry-After": "3"}))
    path = book(tmp_path)
    result = hent(path, client=make_client(ssb.url), now=NOW)
    assert clock.sleeps == [3.0]
    assert result.collected.http_calls == 2
    assert len(data_records(path)) == 37


def test_existing_rows_replaced_kept_and_user_columns_left_alone(
    ssb: FakeSsb, tmp_path: Path
) -> None:
    spec = TableSpec("tblData", "Data", (*DATA.columns, Column("Notat", "notat")))
    data: list[list[object]] = [
        ["Trondheim", 2018, ND, 99, "min merknad"],
        ["Bergen", 2007, ND, "..", "gammel"],
        ["trondheim", 2018, ND, 98, "dobbel"],  # a second copy of a fetched key
        ["Trondheim", 2018, "annet", 5, None],
        [None, None, None, None, None],
    ]
    path = make_book(tmp_path / "analyse.xlsx", HENTING, kommuner=ASSS4, data=data, data_spec=spec)
    result = hent(path, api_url=ssb.url, now=NOW)
    headers, rows = read_data(path)
    assert headers == ["Kommune", "År", "Indikator", "Verdi", "Notat", "Merknad", "Kilde"]
    assert result.replaced == 1
    assert result.added == 36
    assert rows[0][:5] == ["Trondheim", 2018, ND, 2.7, "min merknad"]
    assert str(rows[0][6]).startswith("SSB tabell 12134")
    assert rows[1] == ["Bergen", 2007, ND, "..", "gammel", None, None]
    assert rows[2] == ["Trondheim", 2018, "annet", 5, None, None, None]
    assert len(rows) == 3 + 36
    # the blank row at the end of the table is reused, the duplicate is blanked
    raw = FileBook(path).read_table(DATA)
    assert raw.rows[2] == [None] * 7
    assert raw.rows[4][0] is not None


def test_plan_merge_is_pure_and_reuses_trailing_blank_rows() -> None:
    import pandas as pd

    fetched = pd.DataFrame(
        [
            {
                "kommune": "Oslo",
                "aar": 2020,
                "indikator": "x",
                "verdi": 1.0,
                "merknad": None,
                "kilde": "k1",
            },
            {
                "kommune": "Bergen",
                "aar": 2020,
                "indikator": "x",
                "verdi": None,
                "merknad": "..",
                "kilde": "k2",
            },
        ],
        dtype=object,
    )
    plan = plan_merge(
        [("OSLO ", "2020", "X"), (None, None, None), (None, None, None)],
        [False, True, True],
        fetched,
    )
    assert plan.updates == [(0, {"Verdi": 1.0, "Merknad": None, "Kilde": "k1"})]
    assert plan.first_free == 1
    assert plan.append[0]["Kommune"] == "Bergen" and plan.append[0]["Merknad"] == ".."


def test_kostra_group_codes_and_unlisted_numbers(ssb: FakeSsb, tmp_path: Path) -> None:
    path = make_book(
        tmp_path / "analyse.xlsx",
        [henting_row(12134, "KOSAGD230000", ND, "4601, EKG12, EAKUO", "2023-2025")],
    )
    hent(path, api_url=ssb.url, now=NOW)
    data = by_key(path)
    # SSB's published figures (table 12134)
    assert [data[("Bergen", y, ND)]["Verdi"] for y in (2023, 2024, 2025)] == [0.7, -2.4, 1.0]
    assert [data[("EKG12", y, ND)]["Verdi"] for y in (2023, 2024, 2025)] == [1.6, 0.1, 3.2]
    assert [data[("EAKUO", y, ND)]["Verdi"] for y in (2023, 2024, 2025)] == [1.0, -0.3, 2.1]


def test_hent_into_the_example_workbook_keeps_output_values(ssb: FakeSsb, tmp_path: Path) -> None:
    wb = build_savings_workbook(example=True)
    del wb["Henting"]  # the example's own tblHenting is replaced by the test's
    ws = wb.create_sheet("Henting")
    from kommuneokonomi.ssb.fetch import HENTING as SPEC

    kommuner = "Oslo, Bergen, Trondheim, Stavanger"
    write_table(ws, SPEC, [henting_row(12134, "KOSAGD230000", ND, kommuner, "2018")], top=1)
    path = tmp_path / "eksempel.xlsx"
    wb.save(path)
    filebook = FileBook(path)
    filebook.save_outputs(recalculate(filebook).sheets, path, stamp="test")
    before = openpyxl.load_workbook(path, data_only=True)
    before_values = [[c.value for c in row] for row in before["Innsparing"].iter_rows()]
    n_before = len(data_records(path))

    hent(path, api_url=ssb.url, now=NOW)

    after = openpyxl.load_workbook(path, data_only=True)
    assert [[c.value for c in row] for row in after["Innsparing"].iter_rows()] == before_values
    records = data_records(path)
    assert len(records) == n_before + 4  # Oslo, Bergen, Trondheim, Stavanger (in the fake)
    new = {r["Kommune"]: r for r in records if r["År"] == 2018}
    assert new["Trondheim"]["Verdi"] == 2.7  # tblKommuner says 1601; 2018 is 5001
    assert recalculate(FileBook(path)).lines is not None  # still a valid savings workbook


# --- failures leave the workbook unchanged --------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "code", "fragment"),
    [
        (lambda s: s.script.append(problem(500, "Internal Server Error")), "ssb_http", "HTTP 500"),
        (
            lambda s: s.script.append(Reply(200, b'{"version": "2.0", "class": "dat')),
            "ssb_ugyldig_svar",
            "ikke gyldig JSON",
        ),
        (
            lambda s: s.script.append(Reply(200, b'{"class": "dataset", "id": ["A"]}')),
            "ssb_ugyldig_svar",
            "ikke et gyldig JSON-stat2-datasett",
        ),
    ],
    ids=["http500", "malformed-json", "not-jsonstat"],
)
def test_failed_fetch_leaves_workbook_unchanged(
    ssb: FakeSsb, tmp_path: Path, setup: Callable[[FakeSsb], None], code: str, fragment: str
) -> None:
    path = book(tmp_path)
    before = path.read_bytes()
    setup(ssb)
    with pytest.raises(FetchError) as info:
        hent(path, api_url=ssb.url, now=NOW)
    assert info.value.code == code
    assert fragment in info.value.describe()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["analyse.xlsx"]
    assert not _cached(path, "data")  # a bad response is not cached (the metadata was good)


def test_server_down_leaves_workbook_unchanged(
    tmp_path: Path, make_client: Callable[..., PxWebClient]
) -> None:
    path = book(tmp_path)
    before = path.read_bytes()
    with pytest.raises(FetchError) as info:
        hent(path, client=make_client(closed_port_url()))
    assert info.value.code == "ssb_utilgjengelig"
    assert "fikk ikke kontakt med SSB" in str(info.value)
    assert path.read_bytes() == before


def test_offline_without_cache_is_a_clear_error(tmp_path: Path) -> None:
    path = book(tmp_path)
    before = path.read_bytes()
    with pytest.raises(FetchError) as info:
        hent(path, offline=True)
    assert info.value.code == "mangler_i_cache"
    assert "--offline: svaret på tabell 12134" in info.value.message
    assert "hent uten --offline først" in info.value.message
    assert path.read_bytes() == before


def test_tampered_cache_is_detected(ssb: FakeSsb, tmp_path: Path) -> None:
    path = book(tmp_path)
    hent(path, api_url=ssb.url, now=NOW)
    (key,) = _cached(path, "data")
    body = default_cache_dir(path) / f"{key}.json"
    body.write_bytes(body.read_bytes().replace(b"2.8", b"9.9"))
    with pytest.raises(FetchError, match="sjekksummen stemmer ikke"):
        hent(path, offline=True)


def test_bad_henting_cells_are_reported_with_their_cells(tmp_path: Path) -> None:
    path = make_book(
        tmp_path / "analyse.xlsx",
        [
            henting_row("12134", "KOSAGD230000", ND, "Trondhjem", "2018-2017"),
            henting_row(None, "KOS AGD", ND, "ASSS", "i fjor", utvalg="KOKart0000"),
        ],
        kommuner=ASSS4,
    )
    before = path.read_bytes()
    with pytest.raises(KommuneokonomiError) as info:
        hent(path)
    text = info.value.describe()
    assert "6 feil i inndata" in text
    assert (
        "arket 'Henting', celle D2: kolonnen 'Kommuner': ukjent kommune eller gruppe 'Trondhjem'"
        in text
    )
    assert "celle E2: kolonnen 'År': '2018-2017': første år er etter siste år" in text
    assert "celle A3: kolonnen 'Tabell': cellen er tom" in text
    assert "celle B3: kolonnen 'Innhold': 'KOS AGD' er ikke én kode" in text
    assert "celle E3: kolonnen 'År': 'i fjor' er ikke et år" in text
    assert "celle F3: kolonnen 'Utvalg': 'KOKart0000' er ikke et utvalg" in text
    assert path.read_bytes() == before


def test_missing_henting_table_says_what_to_add(tmp_path: Path) -> None:
    path = tmp_path / "mal.xlsx"
    wb = build_savings_workbook(example=False)
    del wb["Henting"]  # an older workbook, made before the template had the sheet
    wb.save(path)
    with pytest.raises(LayoutError, match="fant ikke tabellen tblHenting"):
        hent(path, offline=True)


def test_empty_henting_table_says_what_to_write(tmp_path: Path) -> None:
    path = tmp_path / "mal.xlsx"
    build_savings_workbook(example=False).save(path)
    with pytest.raises(KommuneokonomiError, match="har ingen rader"):
        hent(path, offline=True)


def test_duplicate_fetch_rows_are_an_input_error(ssb: FakeSsb, tmp_path: Path) -> None:
    path = make_book(
        tmp_path / "analyse.xlsx",
        [
            henting_row(12134, "KOSAGD230000", ND, "Bergen", "2020"),
            henting_row(12134, "KOSAGD100000", ND, "4601", "2020"),
        ],
    )
    with pytest.raises(InputError, match="Bergen, 2020, netto_driftsresultat hentes to ganger"):
        hent(path, api_url=ssb.url, now=NOW)


def test_region_dimension_missing_from_response(ssb: FakeSsb, tmp_path: Path) -> None:
    path = make_book(
        tmp_path / "analyse.xlsx",
        [henting_row(12134, "KOSAGD230000", ND, "Bergen", "2020", regionvariabel="Region")],
    )
    # the table's metadata shows it before any data is asked for, at the cell to correct
    with pytest.raises(InputError) as info:
        hent(path, api_url=ssb.url, now=NOW)
    assert "tabell 12134 har ingen variabel Region" in info.value.message
    assert "variablene er KOKkommuneregion0000, ContentsCode, Tid" in info.value.message
    assert info.value.location is not None and info.value.location.cell == "G2"
    assert ssb.requests == []  # no data request was sent


def test_parse_years() -> None:
    assert parse_years("2015-2018") == [2015, 2016, 2017, 2018]
    assert parse_years("2015–2016, 2020") == [2015, 2016, 2020]
    assert parse_years(2023) == [2023]
    assert parse_years("2016; 2015") == [2015, 2016]
    for bad in ("", "15-18", "2018-2015", "1850", "2020-"):
        with pytest.raises(ValueError):
            parse_years(bad)
    # Norwegian Excel reads "2015,2016" as the number 2015.2016
    with pytest.raises(ValueError, match=r"desimaltall.*2015; 2016"):
        parse_years(2015.2016)


def kostra_12362() -> FakeTable:
    """Table 12362 (Utgifter til tjenesteområdene, etter funksjon og art) in SSB's structure:
    region x KOKfunksjon0000 x KOKart0000 x ContentsCode x Tid. Illustrative figures, a
    different one for every function and art, so a wrong selection shows."""
    funksjoner = {"FGK7": "Barnehage", "FGK8b": "Grunnskole", "FGK13": "Barnevern"}
    arter = {"AGD10": "Brutto driftsutgifter", "AGD2": "Netto driftsutgifter"}
    regions = {"0301": "Oslo", "4601": "Bergen", "1201": "Bergen (-2019)", "5001": "Trondheim"}
    years = ["2019", "2020", "2021"]
    values: dict[tuple[str, ...], Cell] = {}
    for f_i, f in enumerate(funksjoner):
        for a_i, a in enumerate(arter):
            for r_i, region in enumerate(regions):
                for y_i, y in enumerate(years):
                    if (region == "1201" and y != "2019") or (region == "4601" and y == "2019"):
                        continue  # Bergen has one number a year
                    value = 1000 * (f_i + 1) + 100 * a_i + 10 * r_i + y_i
                    values[(region, "KOSbelop0000", y, f, a)] = value
    values[("0301", "KOSbelop0000", "2021", "FGK13", "AGD2")] = ".."
    return FakeTable(
        id="12362",
        title="Utgifter til tjenesteområdene, kommunekonsern, etter funksjon og art (K)",
        regions=regions,
        contents={"KOSbelop0000": "Beløp (1000 kr)"},
        years=years,
        values=values,
        extra={"KOKfunksjon0000": funksjoner, "KOKart0000": arter},
    )


def test_hent_selects_function_and_art_in_12362(tmp_path: Path) -> None:
    """The table the docs point to for net operating expenditure per service area: each
    tblHenting row's Utvalg picks one function and one art, and the rows say which."""
    kommuner = [("Oslo", "0301", "ASSS"), ("Bergen", "1201", "ASSS"), ("Trondheim", "1601", "ASSS")]
    henting = [
        henting_row(
            12362,
            "KOSbelop0000",
            "grunnskole_netto",
            "ASSS",
            "2019-2021",
            utvalg="KOKfunksjon0000=FGK8b; KOKart0000=AGD2",
        ),
        henting_row(
            12362,
            "KOSbelop0000",
            "barnevern_netto",
            "ASSS",
            "2019-2021",
            utvalg="KOKfunksjon0000=FGK13; KOKart0000=AGD2",
        ),
        henting_row(
            12362,
            "KOSbelop0000",
            "barnevern_brutto",
            "Oslo",
            "2021",
            utvalg="KOKart0000=AGD10; KOKfunksjon0000=FGK13",
        ),
    ]
    path = make_book(tmp_path / "analyse.xlsx", henting, kommuner=kommuner)
    with FakeSsb(kostra_12362()) as server:
        hent(path, api_url=server.url, now=NOW)
        requests = list(server.requests)
    data = by_key(path)
    # value = 1000 x (function) + 100 x (art: 0 brutto, 1 netto) + 10 x (region) + year
    assert data[("Oslo", 2019, "grunnskole_netto")]["Verdi"] == 2100
    assert data[("Trondheim", 2021, "grunnskole_netto")]["Verdi"] == 2132
    assert data[("Bergen", 2019, "grunnskole_netto")]["Verdi"] == 2120  # under 1201
    assert data[("Bergen", 2020, "grunnskole_netto")]["Verdi"] == 2111  # under 4601
    assert data[("Oslo", 2020, "barnevern_netto")]["Verdi"] == 3101
    assert data[("Oslo", 2021, "barnevern_netto")]["Verdi"] is None
    assert data[("Oslo", 2021, "barnevern_netto")]["Merknad"] == ".."
    assert data[("Oslo", 2021, "barnevern_brutto")]["Verdi"] == 3002
    assert len([k for k in data if k[2] == "grunnskole_netto"]) == 9
    kilde = str(data[("Oslo", 2019, "grunnskole_netto")]["Kilde"])
    assert kilde.startswith("SSB tabell 12362 (KOSbelop0000")
    assert "KOKfunksjon0000=FGK8b" in kilde and "KOKart0000=AGD2" in kilde
    # every request names one function and one art: SSB would refuse an unselected dimension
    assert requests and all(
        "valueCodes[KOKfunksjon0000]" in params and "valueCodes[KOKart0000]" in params
        for _, params in requests
    )


def test_years_a_table_does_not_have_are_not_asked_for_and_say_why(
    ssb: FakeSsb, tmp_path: Path
) -> None:
    """12134 here ends in 2025. Asking 2024-2027 (the figures of 2026 are not published yet)
    must not make SSB refuse the whole request: 2024-2025 are fetched, 2026-2027 written as
    missing with the table's years in Kilde, never as 0."""
    henting = [henting_row("12134", "KOSAGD230000", ND, "Bergen; 0301", "2024-2027")]
    path = make_book(tmp_path / "nye_aar.xlsx", henting)
    run = run_cli("hent", path, "--api-url", ssb.url)
    assert run.code == 0, run.err
    assert "4 av dem gjelder år en tabell ikke har" in run.out
    data = by_key(path)
    assert data[("Bergen", 2025, ND)]["Verdi"] == 1.0
    for kommune, year in itertools.product(("Bergen", "Oslo"), (2026, 2027)):
        row = data[(kommune, year, ND)]
        assert row["Verdi"] is None and row["Merknad"] == "ikke i tabellen"
        assert row["Kilde"] == (
            f"SSB tabell 12134 har ikke tall for {year} (tabellen har 2015-2025); ikke hentet"
        )
    # the request held only the years the table has
    ((_, params),) = ssb.requests
    assert params["valueCodes[Tid]"] == "2024,2025"


def test_a_year_before_a_table_begins_is_named_by_the_table_too(
    ssb: FakeSsb, tmp_path: Path
) -> None:
    henting = [henting_row("12134", "KOSAGD230000", ND, "Bergen", "2013-2016")]
    path = make_book(tmp_path / "gamle_aar.xlsx", henting)
    hent(path, api_url=ssb.url, now=NOW)
    data = by_key(path)
    assert [data[("Bergen", y, ND)]["Merknad"] for y in (2013, 2014)] == ["ikke i tabellen"] * 2
    assert data[("Bergen", 2015, ND)]["Verdi"] == 1.0
