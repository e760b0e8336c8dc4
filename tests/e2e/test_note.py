"""The analysis note (issue 16): ``kommuneokonomi notat`` on the recalculated 2007 example.

The golden rows are the 2008 report's (R) sentences and tables: for every savings line the
percentage gaps where R prints them and the savings in million kroner, each with R's sentence
as its source and a tolerance of half R's last printed digit; Tabell 10's sums come from the
same printed figures as tests/golden. The .docx is read back by python-docx and converted to
PDF and PNG by LibreOffice.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import docx
import openpyxl
import pytest

from kommuneokonomi import note as N
from kommuneokonomi.errors import KommuneokonomiError
from kommuneokonomi.office import soffice_path
from kommuneokonomi.service import recalculate
from kommuneokonomi.workbook.build import BUDGET_EXAMPLE, SAVINGS_EXAMPLE, build_all
from kommuneokonomi.workbook.fastread import CalamineBook
from kommuneokonomi.workbook.tables import RawTable

from ..golden.figures_savings import SECTORS, PrintedSectorSum
from ..trust.helpers import digest, run_cli


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _need(tool: str) -> None:
    found = soffice_path() if tool == "soffice" else shutil.which(tool)
    if found is None:
        message = f"{tool} is not installed (.ci/run installs LibreOffice and poppler-utils)"
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example recalculated, and its note as .docx (with PDF when LibreOffice is there)
    and as text."""
    folder = tmp_path_factory.mktemp("notat")
    build_all(folder)
    book = folder / SAVINGS_EXAMPLE
    assert run_cli("recalc", book).code == 0
    run = run_cli("notat", book)
    assert run.code == 0, run.err
    text = run_cli("notat", book, "--format", "txt")
    assert text.code == 0, text.err
    return {
        "folder": folder,
        "book": book,
        "docx": folder / "innsparing_trondheim_2007_notat.docx",
        "txt": folder / "innsparing_trondheim_2007_notat.txt",
        "budget": folder / BUDGET_EXAMPLE,
    }


def _paragraph(text: str, starts: str) -> str:
    found = [p for p in text.split("\n\n") if p.startswith(starts)]
    assert len(found) == 1, (starts, found)
    return found[0].replace("\n", " ")


def _number(text: str) -> float:
    return float(text.replace(" ", "").replace(",", "."))


def _gaps(sentence: str) -> list[float]:
    """The percentage gaps of a line's sentence, signed: higher +, lower -."""
    return [
        _number(v) * (1 if word == "høyere" else -1)
        for v, word in re.findall(r"([\d ]+,\d) prosent (høyere|lavere) enn", sentence)
    ]


def _savings(sentence: str) -> list[float]:
    both = re.search(r"henholdsvis ([\d ]+,\d) og ([\d ]+,\d) millioner", sentence)
    if both:
        return [_number(both.group(1)), _number(both.group(2))]
    one = re.search(r"reduseres med ([\d ]+,\d) millioner", sentence)
    return [_number(one.group(1))] if one else []


@dataclass(frozen=True)
class Printed:
    id: str
    line: str  # how the line's sentence starts (the indicator's name)
    what: str  # "gap" (percentage gaps, signed) or "saving" (million kroner)
    printed: tuple[float, ...]
    tolerance: float
    source: str  # R's sentence


SFO = "SFO, brutto driftsutgift per bruker"
ROWS = [
    Printed(
        "SFO enhetskostnad, gap",
        SFO,
        "gap",
        (3.5, 6.6),
        0.05,
        "Enhetskostnaden i Trondheim er 3,5 prosent høyere enn ASSS-gjennomsnittet og 6,6 prosent høyere enn 3. beste ASSS (Bergen).",
    ),
    Printed(
        "SFO enhetskostnad, saving",
        SFO,
        "saving",
        (4.5, 8.2),
        0.05,
        "Ved å bringe enhetskostnaden ned på disse nivåene kan SFO-utgiftene reduseres med henholdsvis 4,5 og 8,2 millioner kroner.",
    ),
    Printed(
        "SFO brukerbetaling, saving",
        "SFO, brukerbetaling",
        "saving",
        (15.8, 16.8),
        0.05,
        "Ved å øke brukerbetalingen til gjennomsnittlig ASSS eller 3. høyeste ASSS (Bergen), kan det spares henholdsvis 15,8 og 16,8 millioner kroner.",
    ),
    Printed(
        "kulturskole enhetskostnad, gap",
        "Kulturskole, brutto driftsutgift",
        "gap",
        (5.3, 6.5),
        0.05,
        "Innen musikk- og kulturskoler ligger enhetskostnaden (brutto driftsutgifter per bruker) 5,3 prosent over ASSS-gjennomsnittet og 6,5 prosent over 3. beste ASSS (Tromsø).",
    ),
    Printed(
        "kulturskole enhetskostnad, saving",
        "Kulturskole, brutto driftsutgift",
        "saving",
        (2.5, 3.0),
        0.05,
        "Ved å bringe enhetskostnaden ned til disse nivåene kan det spares henholdsvis 2,5 og 3,0 millioner kroner.",
    ),
    Printed(
        "kulturskole brukerbetaling, saving",
        "Kulturskole, brukerbetaling",
        "saving",
        (0.3, 1.4),
        0.05,
        "Dersom brukerbetalingen økes, kan det spares ytterligere 0,3 millioner kroner i forhold til gjennomsnittlig ASSS og 1,4 millioner kroner i forhold til 3. beste ASSS (Tromsø).",
    ),
    Printed(
        "kulturskole dekningsgrad, saving mot snitt",
        "Kulturskole, dekningsgrad",
        "saving",
        (6.6,),
        0.05,
        "Ved å bringe dekningsgraden ned til dette nivået kan det spares 6,6 millioner kroner.",
    ),
    Printed(
        "sosialhjelp per stønadsmåned, gap",
        "Sosialhjelp, utbetaling",
        "gap",
        (11.0,),
        0.05,
        "Her ligger Trondheim 11,0 prosent (vel 800 kroner) over gjennomsnittet for de øvrige ASSS-kommunene.",
    ),
    Printed(
        "sosialhjelp per stønadsmåned, saving",
        "Sosialhjelp, utbetaling",
        "saving",
        (18.2, 26.0),
        0.05,
        "... kan utgiftene reduseres med 18,2 millioner kroner. (Tabell 5: Bergen 26,0)",
    ),
    Printed(
        "sosialhjelp mottakere, saving",
        "Sosialhjelp, mottakere",
        "saving",
        (12.4,),
        0.05,
        "... ville det være mulig å redusere utgiftene til økonomisk sosialhjelp med ytterligere 12,4 millioner kroner.",
    ),
    Printed(
        "barnevern utenfor familien, gap",
        "Barnevern, brutto driftsutgift per barn utenfor",
        "gap",
        (13.0,),
        0.5,
        "... mens brutto driftsutgift per barn utenfor opprinnelig familie ligger 13 prosent over.",
    ),
    Printed(
        "barnevern i familien, saving",
        "Barnevern, brutto driftsutgift per barn i opprinnelig",
        "saving",
        (17.9, 9.9),
        0.05,
        "Tabell 6: Kostnad per barn i opprinnelig familie 17,9 (gjennomsnittlig ASSS) og 9,9 (Bergen).",
    ),
    Printed(
        "barnevern utenfor familien, saving",
        "Barnevern, brutto driftsutgift per barn utenfor",
        "saving",
        (17.3, 15.5),
        0.05,
        "... kan det spares henholdsvis 17,9 (tiltak i opprinnelig familie) og 17,3 (tiltak utenfor opprinnelig familie) millioner kroner. (Tabell 6: Bergen 15,5)",
    ),
    Printed(
        "pleie og omsorg, gap",
        "Pleie og omsorg, netto",
        "gap",
        (1.7, 5.7),
        0.05,
        "Utgiftsnivået i Trondheim ligger 1,7 prosent over gjennomsnittet for de øvrige ASSS-kommuner og 5,7 prosent over 3. laveste ASSS (Kristiansand)",
    ),
    Printed(
        "pleie og omsorg, saving",
        "Pleie og omsorg, netto",
        "saving",
        (26.6, 86.3),
        0.05,
        "... noe som gir et innsparingspotensial på henholdsvis 26,6 millioner kroner og 86,3 millioner kroner.",
    ),
    Printed(
        "politisk styring, gap mot snitt",
        "Politisk styring",
        "gap",
        (17.0,),
        0.5,
        "For politisk styring og kontrollorganer ligger utgiftene 17 prosent over, ...",
    ),
    Printed(
        "politisk styring, saving",
        "Politisk styring",
        "saving",
        (6.8, 10.7),
        0.05,
        "Tabell 8: Politisk styring og kontrollorganer (f 100) 6,8 og 10,7.",
    ),
    Printed(
        "administrasjon, gap mot snitt",
        "Administrasjon (f 120)",
        "gap",
        (1.0,),
        0.5,
        "... og for administrasjon knappe 1 prosent.",
    ),
    Printed(
        "administrasjon, saving",
        "Administrasjon (f 120)",
        "saving",
        (3.0, 18.2),
        0.05,
        "Tabell 8: Administrasjon (f 120) 3,0 og 18,2.",
    ),
    Printed(
        "barnehage, gap mot 3. laveste",
        "Barnehage, brutto",
        "gap",
        (-0.8, 5.0),
        0.5,
        "Enhetskostnadene ... ligger så vidt under ASSS-gjennomsnittet ... Enhetskostnaden er imidlertid 5 prosent høyere enn 3. laveste ASSS (Oslo).",
    ),
    Printed(
        "barnehage, saving",
        "Barnehage, brutto",
        "saving",
        (34.0,),
        0.05,
        "Utgiftene i kommunale barnehager kan reduseres med 34 millioner kroner dersom enhetskostnaden kommer ned på dette nivået.",
    ),
]


@pytest.mark.golden
@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_the_note_states_the_reports_figures(made: dict[str, Path], row: Printed) -> None:
    sentence = _paragraph(made["txt"].read_text("utf-8"), row.line)
    got = _gaps(sentence) if row.what == "gap" else _savings(sentence)
    assert len(got) >= len(row.printed), sentence
    for value, printed in zip(got, row.printed, strict=False):
        assert value == pytest.approx(printed, abs=row.tolerance), (row.source, sentence)


@pytest.mark.golden
def test_no_saving_is_said_in_words(made: dict[str, Path]) -> None:
    """R: «Sammenliknet med gjennomsnittlig ASSS foreligger det derfor ikke
    innsparingsmuligheter» (gruppestørrelse); «sammenliknet med Bergen vil det ikke være noen
    ytterligere innsparingsmulighet knyttet til reduksjon i antall sosialhjelpsmottakere»."""
    text = made["txt"].read_text("utf-8")
    assert "Mot ASSS-gjennomsnittet er det ingen innsparing." in _paragraph(
        text, "Gruppestørrelse, barnetrinnet"
    )
    assert "Mot Bergen er det ingen innsparing." in _paragraph(text, "Sosialhjelp, mottakere")


@pytest.mark.golden
def test_the_group_size_lines_add_up_to_tabell_4(made: dict[str, Path]) -> None:
    """R Tabell 4: «Økt gruppestørrelse - 28,4» (barnetrinn and ungdomstrinn together)."""
    text = made["txt"].read_text("utf-8")
    total = sum(
        _savings(_paragraph(text, f"Gruppestørrelse, {stage}"))[0]
        for stage in ("barnetrinnet", "ungdomstrinnet")
    )
    assert total == pytest.approx(28.4, abs=0.1)  # two lines, each rounded to 0,05


def _summary(made: dict[str, Path]) -> dict[str, list[str]]:
    table = docx.Document(str(made["docx"])).tables[0]
    return {row.cells[0].text: [c.text for c in row.cells[1:]] for row in table.rows[1:]}


@pytest.mark.golden
@pytest.mark.parametrize(
    "printed",
    [
        pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=p.xfail)) if p.xfail else p
        for p in SECTORS
    ],
    ids=[p.id for p in SECTORS],
)
def test_tabell_10_in_the_note(made: dict[str, Path], printed: PrintedSectorSum) -> None:
    """R Tabell 10 as printed (tests/golden/figures_savings.py), read from the note's first
    table; half the last printed digit."""
    shown = _summary(made)[printed.sector][printed.column - 1]
    if printed.printed is None:
        assert shown == "-"
    else:
        assert _number(shown) == pytest.approx(printed.printed, abs=0.05)


def test_the_document_has_its_parts_and_the_chart(made: dict[str, Path]) -> None:
    d = docx.Document(str(made["docx"]))
    headings = [p.text for p in d.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == "Innsparingsmuligheter i Trondheim 2007"
    for part in (
        "Sammendrag",
        "Økonomisk situasjon",
        "Innsparingsmuligheter per sektor",
        "Metode og kilder",
    ):
        assert part in headings
    for sektor in (
        "Grunnskole",
        "Sosialhjelp",
        "Barnevern",
        "Pleie og omsorg",
        "Administrasjon",
        "Barnehage",
    ):
        assert sektor in headings
    assert len(d.inline_shapes) == 1  # the bar chart of savings per sector
    assert len(d.tables) == 2 + 6  # Tabell 10, the key figures, one per sector
    first = d.tables[0]
    assert [c.text for c in first.rows[0].cells] == [
        "",
        "Gjennomsnittlig ASSS",
        "3. «beste» ASSS / Bergen",
    ]
    assert (
        "Laget " in d.paragraphs[2].text
        and "innsparing_trondheim_2007.xlsx" in d.paragraphs[2].text
    )
    assert d.core_properties.language == "nb-NO"


_FORBIDDEN = re.compile(r"\b(nan|NaN|None|True|False|inf|Error|Traceback|null)\b")


def test_the_note_never_shows_nan_none_or_library_english(made: dict[str, Path]) -> None:
    d = docx.Document(str(made["docx"]))
    words = [p.text for p in d.paragraphs] + [
        c.text for t in d.tables for row in t.rows for c in row.cells
    ]
    for text in [*words, made["txt"].read_text("utf-8")]:
        assert not _FORBIDDEN.search(text), text


def test_libreoffice_converts_the_note_and_its_pages_render(
    made: dict[str, Path], tmp_path: Path
) -> None:
    _need("soffice")
    _need("pdftoppm")
    pdf = made["docx"].with_suffix(".pdf")
    assert pdf.exists()  # made beside the .docx by the command
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    assert 4 <= pages <= 12
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "side")], check=True)
    images = sorted(tmp_path.glob("side-*.png"))
    assert len(images) == pages
    import matplotlib.image as mpimg

    for image in images[:2]:  # the title page and the chart's page are not blank
        pixels = mpimg.imread(str(image))
        assert (pixels[..., :3] < 0.5).mean() > 0.005
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Innsparingsmuligheter i Trondheim" in text and "Metode og kilder" in text


def test_a_note_from_a_workbook_changed_after_recalculation_is_refused(
    made: dict[str, Path], tmp_path: Path
) -> None:
    changed = tmp_path / "endret.xlsx"
    wb = openpyxl.load_workbook(made["book"])
    ws = wb["Data"]
    row = next(
        r
        for r in ws.iter_rows(min_row=2)
        if r[0].value == "Trondheim" and r[2].value == "sfo_enhetskostnad"
    )
    row[3].value = 25000
    wb.save(changed)
    before = digest(changed)
    run = run_cli("notat", changed, "-o", tmp_path / "n.docx")
    assert run.code == 2
    assert (
        "arket 'Innsparing'" in run.err
        and "eldre enn inndataene" in run.err
        and "Beregn" in run.err
    )
    assert not (tmp_path / "n.docx").exists() and digest(changed) == before


def test_a_workbook_never_recalculated_is_refused(made: dict[str, Path], tmp_path: Path) -> None:
    fresh = tmp_path / "ny.xlsx"
    build_all(tmp_path / "b")
    shutil.copyfile(tmp_path / "b" / SAVINGS_EXAMPLE, fresh)
    run = run_cli("notat", fresh)
    assert run.code == 2 and "ikke beregnet" in run.err
    assert not list(tmp_path.glob("*_notat*"))


def test_a_budget_workbook_gets_a_clear_message(made: dict[str, Path]) -> None:
    assert run_cli("recalc", made["budget"]).code == 0
    run = run_cli("notat", made["budget"])
    assert run.code == 2 and "lages fra en innsparingsanalyse" in run.err
    assert "arbeidsboken er en budsjettkontroll" in run.err


def test_markdown_for_e_mail(made: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "notat.md"
    assert run_cli("notat", made["book"], "--format", "md", "-o", target).code == 0
    text = target.read_text("utf-8")
    assert text.startswith("# Innsparingsmuligheter i Trondheim 2007\n")
    assert "## Sammendrag" in text and "### Sosialhjelp" in text
    assert "| Sum | 131,9 | 278,5 |" in text


def test_the_wording_lives_in_the_templates(made: dict[str, Path], tmp_path: Path) -> None:
    templates = N.load_templates()
    templates["linje"]["ingen"] = "Her er det ingenting å hente."
    templates["retning"]["hoyere"] = "over"
    result = recalculate(CalamineBook(made["book"]))
    text = N.to_text(N.build_note(result, source="x.xlsx", version="0", templates=templates))
    assert "3,5 prosent over enn ASSS-gjennomsnittet" in text
    # a template naming a word the note has not got: a clear message, not a KeyError
    bad = {**templates, "linje": {**templates["linje"], "sammenligning_to": "{sparing}."}}
    with pytest.raises(KommuneokonomiError) as info:
        N.build_note(result, source="x.xlsx", version="0", templates=bad)
    assert "[linje] sammenligning_to" in info.value.message and "{sparing}" in info.value.message
    edited = tmp_path / "setninger.toml"
    edited.write_text("[tittel\n", encoding="utf-8")
    with pytest.raises(KommuneokonomiError) as info:
        N.load_templates(edited)
    assert info.value.code == "ugyldig_fil"


class _FakeBook:
    """A reader whose tblData carries the Kilde column ``hent`` writes."""

    name = "hentet.xlsx"

    def __init__(self, kilder: list[object]) -> None:
        self.kilder = kilder

    def table_names(self) -> set[str]:
        return {"tblData"}

    def read_table(self, spec: object) -> RawTable:
        rows = [["Trondheim", 2024, "x", 1.0, None, k] for k in self.kilder]
        headers = ["Kommune", "År", "Indikator", "Verdi", "Merknad", "Kilde"]
        return RawTable("tblData", "Data", 1, 1, headers, rows)


def test_the_stamp_says_when_the_figures_were_fetched(made: dict[str, Path]) -> None:
    kilde = (
        "SSB tabell 12362 (KOSbelop0000), KOKkommuneregion0000=5001, hentet {} kl. 14:05 [svar ab]"
    )
    book = _FakeBook([kilde.format("03.12.2026"), kilde.format("01.12.2026"), None, 7])
    assert N.fetch_dates(book.read_table(None)) == "01.12.2026-03.12.2026"
    assert N.fetch_dates(_FakeBook([kilde.format("03.12.2026")]).read_table(None)) == "03.12.2026"
    assert N.fetch_dates(_FakeBook(["Fyllverdi (illustrativ)"]).read_table(None)) is None
    result = recalculate(CalamineBook(made["book"]))
    text = N.to_text(N.build_note(result, source="x.xlsx", version="0", fetched="03.12.2026"))
    assert "hentet fra SSBs statistikkbank 03.12.2026" in text
