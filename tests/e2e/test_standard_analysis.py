"""From "my municipality, this year" to a savings table in three commands (issue 13):
``new innsparing FIL --kommune --år --gruppe`` fills the workbook from the catalogue, ``hent``
fetches every catalogue row from a local server that answers as SSB does (metadata first;
regions under the number valid each year; ``.``, ``..`` and ``:``), and ``recalc`` gives a line
for every sector with its quality indicators beside the cost and no function counted twice."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import ClassVar

import openpyxl
import pytest

from kommuneokonomi.catalogue import load_catalogue
from kommuneokonomi.service import recalculate
from kommuneokonomi.ssb.regions import load_renumbering
from kommuneokonomi.workbook.fastread import CalamineBook
from kommuneokonomi.workbook.files import FileBook
from kommuneokonomi.workbook.layout import HENTING
from kommuneokonomi.workbook.tables import to_frame

from ..ssb.server import Cell, FakeSsb, FakeTable
from ..trust.helpers import run_cli

YEARS = ["2015", "2016", "2017"]
# the population on 1 January, one year more: the catalogue divides by the population at
# 31 December of each year (Tidspunkt 31.12.), i.e. 1 January of the year after
POPULATION_YEARS = [*YEARS, "2018"]
AGES = [f"{a:03d}" for a in range(105)] + ["105+"]
ASSS = ("Oslo", "Bergen", "Trondheim", "Stavanger", "Bærum")  # a slice of the ten, for speed
GAP = ("Bærum", "2017")  # Bærum's kulturskole spending is ".." that year


def _regions() -> dict[str, tuple[str, str]]:
    """Every number the ASSS municipalities had in 2015-2017, -> (series key, label), as SSB
    lists them: a number only has figures in the years it was valid (Trondheim 1601 -> 5001
    in 2018 is outside; Bærum and Bergen keep theirs until 2020)."""
    out: dict[str, tuple[str, str]] = {}
    for m in load_renumbering().group("ASSS") or []:
        for period in m.periods:
            out[period.code] = (m.key, f"{period.code} {m.name}")
    return out


def _valid(code: str, year: str) -> bool:
    m = load_renumbering().by_number(code)
    return m is not None and code in m.codes_for(int(year))


def _spending(key: str, function: str, year: str) -> int:
    dear = 80 if key == "5001" else 0  # Trondheim spends more: there are savings to find
    return (int(key) % 89 + dear) * 100 + int(function) * 7 + int(year) % 10 * 11


def _people(key: str, sex: str, age: str, year: str) -> int:
    a = 105 if age == "105+" else int(age)
    return 40 + int(key) % 37 + int(sex) * 3 + (a % 11) + int(year) % 10


def _doctors(key: str, function: str, year: str) -> float:
    """Legeårsverk per function: a made-up but distinct figure per cell."""
    return round(2 + int(key) % 7 * 0.5 + int(function) % 10 * 0.3 + int(year) % 10 * 0.1, 1)


def _tables() -> list[FakeTable]:
    regions = _regions()
    labels = {code: label for code, (_, label) in regions.items()}
    bærum = next(m.key for m in load_renumbering().by_name("Bærum"))
    functions = sorted({f for line in load_catalogue().lines for f in line.funksjoner})
    spending: dict[tuple[str, ...], Cell] = {}
    for (code, (key, _)), year, function in itertools.product(regions.items(), YEARS, functions):
        if not _valid(code, year):
            continue  # "." as SSB shows a number outside its years
        gap = key == bærum and year == GAP[1] and function == "383"
        spending[(code, "KOSbelop0000", year, function, "AGD2")] = (
            ".." if gap else _spending(key, function, year)
        )
    population: dict[tuple[str, ...], Cell] = {}
    for (code, (key, _)), year, sex, age in itertools.product(
        regions.items(), POPULATION_YEARS, ("1", "2"), AGES
    ):
        if _valid(code, year):
            population[(code, "Personer1", year, sex, age)] = _people(key, sex, age, year)

    doctors: dict[tuple[str, ...], Cell] = {}
    for (code, (key, _)), year, function in itertools.product(
        regions.items(), YEARS, ("232", "233", "241", "253")
    ):
        if _valid(code, year):
            doctors[(code, "KOSlegeaarsverk0000", year, "sum", function)] = _doctors(
                key, function, year
            )

    def quality(table: str, codes: list[str], years: list[str] = YEARS) -> FakeTable:
        values: dict[tuple[str, ...], Cell] = {}
        for (code, (key, _)), year, contents in itertools.product(regions.items(), years, codes):
            if _valid(code, year):
                # one value SSB does not show (":"): Oslo's first quality figure in 2015
                hidden = key == "0301" and year == "2015"
                values[(code, contents, year)] = ":" if hidden else 10 + int(key) % 13
        return FakeTable(
            id=table,
            title=f"Kvalitet {table}",
            regions=labels,
            contents={c: c for c in codes},
            years=years,
            values=values,
        )

    return [
        FakeTable(
            id="12362",
            title="Utgifter til tjenesteområdene, kommunekonsern, etter funksjon og art (K)",
            regions=labels,
            contents={"KOSbelop0000": "Beløp (1000 kr)"},
            years=YEARS,
            values=spending,
            extra={
                "KOKfunksjon0000": {f: f"Funksjon {f}" for f in functions},
                "KOKart0000": {"AGD2": "Netto driftsutgifter", "AGD10": "Brutto driftsutgifter"},
            },
        ),
        FakeTable(
            id="07459",
            title="Befolkning, etter region, kjønn, alder, statistikkvariabel og år",
            regions=labels,
            contents={"Personer1": "Personer"},
            years=POPULATION_YEARS,
            values=population,
            region_dim="Region",
            extra={"Kjonn": {"1": "Menn", "2": "Kvinner"}, "Alder": {a: a for a in AGES}},
        ),
        quality("13502", ["KOSandel150000", "KOSbarnaav0000"]),
        quality("12255", ["KOSgrunnskolepoe0000", "KOSgrstr20000"]),
        quality("12293", ["KOSlangtid80aaro0001", "KOSlegetimperbeb0000"]),
        # a table that begins after the first year of the series, as 13995 does (2022)
        quality("13995", ["KOSsosantkliente0000"], years=YEARS[1:]),
        FakeTable(
            id="11996",
            title="Legeårsverk i kommunehelsetjenesten (K)",
            regions=labels,
            contents={"KOSlegeaarsverk0000": "Legeårsverk"},
            years=YEARS,
            values=doctors,
            extra={
                "KOKavtaleform0000": {"sum": "I alt", "fast": "Fastlønn"},
                "KOKfunksjon0000": {f: f"Funksjon {f}" for f in ("232", "233", "241", "253")},
            },
        ),
    ]


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("standard") / "trondheim.xlsx"
    made = run_cli(
        "new",
        "innsparing",
        path,
        "--kommune",
        "Trondheim",
        "--år",
        "2017",
        "--gruppe",
        "; ".join(ASSS),
    )
    assert made.code == 0, made.err
    assert "Neste steg: «kommuneokonomi hent" in made.out
    with FakeSsb(*_tables()) as server:
        fetched = run_cli("hent", path, "--api-url", server.url)
        assert fetched.code == 0, fetched.err
        assert {p.split("/")[-2] for p, _ in server.metadata_requests} == {
            "12362",
            "07459",
            "13502",
            "12255",
            "12293",
            "11996",
            "13995",
        }
    done = run_cli("recalc", path)
    assert done.code in (0, 1), done.err  # 1: warnings (the gap) are allowed
    return path


def test_every_sector_has_a_line(analysed: Path) -> None:
    lines = recalculate(CalamineBook(analysed)).lines
    assert lines is not None
    assert set(lines["sektor"]) == {line.sektor for line in load_catalogue().lines}
    assert len(lines) == len(load_catalogue().lines)


def test_the_savings_add_up_per_sector(analysed: Path) -> None:
    result = recalculate(CalamineBook(analysed))
    lines, sectors = result.lines, result.sectors
    assert lines is not None and sectors is not None
    assert (lines["innsparing_1_mnok"] > 0).all()  # Trondheim is the dearest on every line
    total = sectors.set_index("sektor").at["Sum", "innsparing_1_mnok"]
    assert total == pytest.approx(lines["innsparing_1_mnok"].sum(), rel=1e-12)


def test_the_unit_cost_is_the_fetched_amount_per_inhabitant_as_by_hand(analysed: Path) -> None:
    lines = recalculate(CalamineBook(analysed)).lines.set_index("indikator")  # type: ignore[union-attr]
    key = next(m.key for m in load_renumbering().by_name("Trondheim"))
    code = "1601"  # Trondheim's number in 2017
    assert _valid(code, "2017")
    amount = sum(_spending(key, f, "2017") for f in ("202", "222", "223"))
    # pupils at 31.12.2017: SSB's 1 January 2018 (Trondheim's number then 5001, the same area)
    pupils = sum(_people(key, sex, f"{a:03d}", "2018") for sex in ("1", "2") for a in range(6, 16))
    assert lines.at["grunnskole_per_innbygger_6_15", "egen_verdi"] == pytest.approx(
        amount / pupils * 1000, rel=1e-12
    )


def test_quality_beside_the_cost_and_a_gap_named(analysed: Path) -> None:
    lines = recalculate(CalamineBook(analysed)).lines.set_index("indikator")  # type: ignore[union-attr]
    school = lines.at["grunnskole_per_innbygger_6_15", "forklaring"]
    assert "Kvalitet ved siden av kostnaden: Grunnskolepoeng:" in school
    assert "høyere er bedre" in school and "Gruppestørrelse 2" in school
    assert "Mangler verdi: Bærum." in lines.at["kulturskole_per_innbygger_6_15", "forklaring"]


def test_the_trend_sheet_shows_every_line_over_the_years(analysed: Path) -> None:
    result = recalculate(CalamineBook(analysed))
    sheet = next(s for s in result.sheets if s.name == "Utvikling")
    (table,) = sheet.tables
    trend = table.frame
    lines = load_catalogue().lines
    assert len(trend) == len(lines) * len(YEARS)
    assert sorted(set(trend["aar"])) == [int(y) for y in YEARS]
    row = trend[
        (trend["indikator"] == "grunnskole_per_innbygger_6_15") & (trend["aar"] == 2016)
    ].iloc[0]
    key = next(m.key for m in load_renumbering().by_name("Trondheim"))
    amount = sum(_spending(key, f, "2016") for f in ("202", "222", "223"))
    # pupils at 31.12.2016: SSB's 1 January 2017
    pupils = sum(_people(key, sex, f"{a:03d}", "2017") for sex in ("1", "2") for a in range(6, 16))
    assert row["egen_verdi"] == pytest.approx(amount / pupils * 1000, rel=1e-12)
    assert row["antall"] == len(ASSS) - 1
    gap = trend[
        (trend["indikator"] == "kulturskole_per_innbygger_6_15") & (trend["aar"] == 2017)
    ].iloc[0]
    assert gap["antall"] == len(ASSS) - 2  # Bærum's ".." is left out, not counted as 0


def test_no_function_is_counted_twice(analysed: Path) -> None:
    henting = to_frame(FileBook(analysed).read_table(HENTING), HENTING).frame
    seen: list[str] = []
    for table, utvalg in zip(henting["tabell"], henting["utvalg"], strict=True):
        if str(table) != "12362":
            continue
        found = re.search(r"KOKfunksjon0000=([^;]+)", str(utvalg))
        assert found is not None
        seen += [f.strip() for f in found[1].split(",")]
    assert len(seen) == len(set(seen))
    assert "215" in seen and "202" in seen  # SFO and grunnskole, each once


class _FakeKlass:
    """A local KLASS that answers ``correspondsAt`` (131 -> 112) in KLASS's JSON shape (as
    SSB's ssb-fagfunksjoner reads it). The membership is CONSTRUCTED for the test, not SSB's:
    Drammen under its number before 2024 (3005) and Longyearbyen (2111, no municipality of the
    renumbering table) are there on purpose."""

    ITEMS: ClassVar[list[tuple[str, str, str, str]]] = [
        ("0301", "Oslo", "EKG13", "KOSTRA-gruppe 13"),
        ("4601", "Bergen", "EKG12", "KOSTRA-gruppe 12"),
        ("1103", "Stavanger", "EKG12", "KOSTRA-gruppe 12"),
        ("4204", "Kristiansand", "EKG12", "KOSTRA-gruppe 12"),
        ("3005", "Drammen", "EKG12", "KOSTRA-gruppe 12"),
        ("2111", "Longyearbyen", "EKG12", "KOSTRA-gruppe 12"),
        ("3401", "Kongsvinger", "EKG07", "KOSTRA-gruppe 7"),
    ]

    def __init__(self) -> None:
        import http.server
        import json
        import threading

        self.requests: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append(self.path)
                body = json.dumps(
                    {
                        "correspondenceItems": [
                            {
                                "sourceCode": a,
                                "sourceName": b,
                                "sourceShortName": "",
                                "targetCode": c,
                                "targetName": d,
                                "targetShortName": "",
                                "validFrom": "2024-01-01",
                                "validTo": None,
                            }
                            for a, b, c, d in outer.ITEMS
                        ]
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/klass/v1/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _new(tmp_path: Path, gruppe: str, kommune: str = "Trondheim") -> tuple[int, str, Path]:
    target = tmp_path / "ny.xlsx"
    run = run_cli(
        "new", "innsparing", target, "--kommune", kommune, "--år", "2024", "--gruppe", gruppe
    )
    return run.code, run.err, target


def test_a_kostra_group_gets_its_members_from_klass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    klass = _FakeKlass()
    try:
        monkeypatch.setenv("KOMMUNEOKONOMI_KLASS_URL", klass.url)
        code, err, target = _new(tmp_path, "ekg 12")
    finally:
        klass.close()
    assert code == 0, err
    assert klass.requests == [
        "/api/klass/v1/classifications/131/correspondsAt?targetClassificationId=112&date=2024-01-01"
    ]
    wb = openpyxl.load_workbook(target)
    rows = [[c.value for c in r] for r in wb["Kommuner"].iter_rows(min_row=2)]
    # the own municipality first (not a member here), then the members; Drammen under today's
    # number, Longyearbyen (no municipality in the renumbering table) left out
    assert rows == [
        ["Trondheim", "5001", "EKG12"],
        ["Bergen", "4601", "EKG12"],
        ["Stavanger", "1103", "EKG12"],
        ["Drammen", "3301", "EKG12"],
        ["Kristiansand", "4204", "EKG12"],
    ] or sorted(rows[1:]) == sorted(
        [
            ["Bergen", "4601", "EKG12"],
            ["Stavanger", "1103", "EKG12"],
            ["Drammen", "3301", "EKG12"],
            ["Kristiansand", "4204", "EKG12"],
        ]
    )
    settings = {r[0].value: r[1].value for r in wb["Innstillinger"].iter_rows(min_row=2)}
    assert settings["Sammenligningsgruppe"] == "EKG12"


def test_a_kostra_group_without_members_that_year_names_the_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    klass = _FakeKlass()
    try:
        monkeypatch.setenv("KOMMUNEOKONOMI_KLASS_URL", klass.url)
        code, err, target = _new(tmp_path, "EKG16")
    finally:
        klass.close()
    assert code == 2 and not target.exists()
    assert "EKG16 har ingen kommuner" in err and "EKG07, EKG12, EKG13" in err


def test_a_kostra_group_without_klass_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("KOMMUNEOKONOMI_KLASS_URL", f"http://127.0.0.1:{port}/")
    code, err, target = _new(tmp_path, "EKG13")
    assert code == 2 and not target.exists()
    assert "fikk ikke kontakt med SSBs KLASS" in err and "semikolon" in err


def test_the_note_of_a_fetched_standard_analysis(analysed: Path, tmp_path: Path) -> None:
    """The note (issue 16) from the catalogue's lines as fetched: every sector has its
    section, the fetch date from tblData's Kilde is in the stamp, the gap in the data is
    named, and no 'nan' or 'None' slips through."""
    target = tmp_path / "notat.txt"
    run = run_cli("notat", analysed, "--format", "txt", "-o", target)
    assert run.code == 0, run.err
    text = target.read_text("utf-8")
    for line in load_catalogue().lines:
        assert f"\n{line.sektor}\n" in text
    assert "hentet fra SSBs statistikkbank" in text
    # the quality beside the cost, as on the Innsparing sheet (issue 13)
    assert "ved siden av kostnaden:" in text
    assert "Ingen linjer er behovskorrigert" in text or "Behovskorrigert" in text
    assert not re.search(r"\b(nan|NaN|None|inf)\b", text)


def test_every_municipality_against_its_own_kostra_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--kommune Alle --gruppe EKG``: the national analysis, each municipality against its
    own KOSTRA group that year, all groups fetched from KLASS in one request."""
    klass = _FakeKlass()
    try:
        monkeypatch.setenv("KOMMUNEOKONOMI_KLASS_URL", klass.url)
        code, err, target = _new(tmp_path, "EKG", kommune="Alle")
    finally:
        klass.close()
    assert code == 0, err
    assert len(klass.requests) == 1
    wb = openpyxl.load_workbook(target)
    rows = [[c.value for c in r] for r in wb["Kommuner"].iter_rows(min_row=2)]
    assert rows == [
        ["Kongsvinger", "3401", "EKG07"],
        ["Stavanger", "1103", "EKG12"],
        ["Drammen", "3301", "EKG12"],
        ["Kristiansand", "4204", "EKG12"],
        ["Bergen", "4601", "EKG12"],
        ["Oslo", "0301", "EKG13"],
    ]
    settings = {r[0].value: r[1].value for r in wb["Innstillinger"].iter_rows(min_row=2)}
    assert settings["Egen kommune"] == "Alle" and settings["Sammenligningsgruppe"] is None
    henting = [[c.value for c in r] for r in wb["Henting"].iter_rows(min_row=2)]
    assert {r[3] for r in henting} == {"EKG07; EKG12; EKG13"}


def test_alle_needs_the_kostra_groups(tmp_path: Path) -> None:
    code, err, target = _new(tmp_path, "ASSS", kommune="Alle")
    assert code == 2 and not target.exists()
    assert "sin egen KOSTRA-gruppe" in err and "--gruppe EKG" in err


def test_a_derived_quality_indicator_beside_the_cost_as_by_hand(analysed: Path) -> None:
    """Kommunehelse: legeårsverk (11996, functions 232, 233 and 241 summed) per 10 000
    inhabitants, for Trondheim in the year compared, computed here from the served figures."""
    lines = recalculate(CalamineBook(analysed)).lines.set_index("indikator")  # type: ignore[union-attr]
    text = str(lines.at["kommunehelse_per_innbygger", "forklaring"])
    found = re.search(r"per 10 000 innbyggere: ([\d ,]+) \(snitt", text)
    assert found is not None, text
    doctors = sum(_doctors("5001", f, "2017") for f in ("232", "233", "241"))
    people = sum(_people("5001", sex, age, "2018") for sex in ("1", "2") for age in AGES)
    shown = float(found[1].replace(" ", "").replace(",", "."))
    assert shown == pytest.approx(doctors / people * 10_000, abs=0.05)
    assert "høyere er bedre" in text
    # the count is fetched as its own series and the per-10 000 figure derived from it
    from ..ssb.books import data_records

    records = data_records(analysed)
    assert "legeaarsverk_per_10000_antall" in {r["Indikator"] for r in records}
    # 13995 begins after the series' first year: that year is written missing, saying why
    early = [
        r for r in records if r["Indikator"] == "sosialhjelpsmottakere_per_1000" and r["År"] == 2015
    ]
    assert early and all(r["Verdi"] is None and r["Merknad"] == "ikke i tabellen" for r in early)
