"""The standard analysis catalogue (issue 13, point 4): shipped as data, every sector an
adviser compares, no function in two lines, every code with how it was verified, and every
row listed in docs/kostra.md."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from kommuneokonomi.catalogue import _check, load_catalogue, rows_for
from kommuneokonomi.workbook import layout as L

DOCS = Path(__file__).parents[2] / "docs" / "kostra.md"
SECTORS = {
    "barnehage": "Barnehage",
    "grunnskole": "grunnskole_per_innbygger_6_15",
    "sfo": "sfo_per_innbygger_6_9",
    "kulturskole": "kulturskole_per_innbygger_6_15",
    "sosialhjelp": "Sosialhjelp",
    "barnevern": "Barnevern",
    "pleie og omsorg": "Pleie og omsorg",
    "kommunehelse": "Kommunehelse",
    "administrasjon": "Administrasjon",
}


def test_every_sector_the_issue_names_is_there() -> None:
    cat = load_catalogue()
    names = {line.sektor for line in cat.lines} | {line.indikator for line in cat.lines}
    for sector, shown in SECTORS.items():
        assert shown in names, sector


def test_no_function_is_in_two_lines_and_grunnskole_is_without_sfo() -> None:
    functions = [f for line in load_catalogue().lines for f in line.funksjoner]
    assert len(functions) == len(set(functions))
    school = next(x for x in load_catalogue().lines if x.indikator.startswith("grunnskole"))
    assert "215" not in school.funksjoner and "213" not in school.funksjoner
    # the loader refuses a catalogue that would count a function twice
    cat = load_catalogue()
    twice = replace(cat, lines=(*cat.lines, replace(cat.lines[0], indikator="kopi")))
    with pytest.raises(ValueError, match="funksjon 201 er med i både"):
        _check(twice)


def test_every_code_says_how_it_was_verified() -> None:
    cat = load_catalogue()
    assert cat.spending_verified and cat.population_verified
    for line in cat.lines:
        for quality in line.kvalitet:
            assert quality.verifisert, quality.indikator


def test_docs_list_every_catalogue_row() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    cat = load_catalogue()
    for line in cat.lines:
        row = next((r for r in docs.splitlines() if f"`{line.indikator}`" in r), None)
        assert row is not None, line.indikator
        assert ", ".join(line.funksjoner) in row
        assert f"`{line.malgruppe}`" in row
        for quality in line.kvalitet:
            assert f"`{quality.indikator}`" in row and quality.innhold in row
    for group in cat.groups:
        if any(line.malgruppe == group.id for line in cat.lines):
            assert f"Alder={group.alder}" in docs


def test_rows_fit_the_layout_and_use_each_target_group_once() -> None:
    rows = rows_for("ASSS", "2015-2024")
    assert all(len(r) == len(L.HENTING.columns) for r in rows.henting)
    assert all(len(r) == len(L.AVLEDET.columns) for r in rows.avledet)
    assert all(len(r) == len(L.INDIKATORER.columns) for r in rows.indikatorer)
    population = [r for r in rows.henting if r[0] == "07459"]
    assert len(population) == len({r[2] for r in population})
    for r in population:
        assert re.fullmatch(r"Kjonn=1,2; Alder=[0-9,+\-]+", str(r[5])), r
    # every line's unit cost is derived from its fetched amount and its target group
    lines = [r for r in rows.indikatorer if r[8] != "-"]
    derived = {r[0]: (r[1], r[2], r[3]) for r in rows.avledet}
    for r in lines:
        assert derived[r[0]] == (f"{r[0]}_netto", r[6], 1000)
