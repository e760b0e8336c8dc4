"""The catalogue of bad input: what a user can do wrong in a workbook, and what they are told.

Every case mutates a freshly built example workbook the way a user (or another program) would,
runs the command line in-process and checks:

* the exit code (2 for bad input; 0 or 1 where the input is fine by design, e.g. a decimal
  comma in a number column, which is read correctly);
* the Norwegian message, starting ``Feil: ``, naming every problem with its sheet and cell;
* the input file's bytes are unchanged, no output file was created and no temporary file is
  left behind, both with ``-o`` and when recalculating in place.

File-level cases (not a workbook, hostile packages) live in ``test_files.py``; writing problems
(locked file, read-only folder) in ``test_writing.py``. ``docs/feilmeldinger.md`` lists the
messages for users.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook

from kommuneokonomi.workbook.build import BUDGET_EXAMPLE, SAVINGS_EXAMPLE

from .helpers import (
    Mutation,
    Where,
    append_row,
    blank_row,
    cell_of,
    clear_rows,
    combine,
    data_rows,
    digest,
    header_cell,
    merge,
    remove_sheet,
    remove_table,
    rename_column,
    rename_sheet,
    rename_table,
    row_index,
    run_cli,
    set_cell,
    set_setting,
    setting_cell,
    temp_files,
)

S, B = SAVINGS_EXAMPLE, BUDGET_EXAMPLE
OWN = {"Kommune": "Trondheim", "År": 2007}


@dataclass(frozen=True)
class Case:
    """One bad (or surprising but valid) input.

    Attributes:
        category: the group in docs/feilmeldinger.md.
        book: which built workbook is mutated.
        mutate: the change; returns the cells the message must name.
        expect: text every run's stderr must contain (exit 2), or stdout (exit 0/1).
        code: exit code of ``check``; ``recalc`` gives 2 for bad input, else 0.
        verify: for valid input, a check on the recalculated output workbook.
    """

    category: str
    book: str
    mutate: Mutation
    expect: tuple[str, ...]
    code: int = 2
    verify: Callable[[Workbook], None] | None = None


def located(mutation: Mutation, where: Callable[[Workbook], list[Where]]) -> Mutation:
    """The mutation, but the message must name ``where`` (found before the change)."""

    def mutate(wb: Workbook) -> list[Where]:
        cells = where(wb)
        mutation(wb)
        return cells

    return mutate


def nowhere(mutation: Mutation) -> Mutation:
    """The mutation, for valid input (no cell to name)."""

    def mutate(wb: Workbook) -> list[Where]:
        mutation(wb)
        return []

    return mutate


def text_cell(table: str, header: str, text: str, **match: object) -> Mutation:
    """Put text (even text that starts with '=') into a cell as text, never as a formula."""

    def mutate(wb: Workbook) -> list[Where]:
        sheet, address = cell_of(wb, table, header, row_index(wb, table, **match))
        cell = wb[sheet][address]
        cell.value = text
        cell.data_type = "s"
        return [(sheet, address)]

    return mutate


# --- checks on the output of valid input ---------------------------------------------------


def output_value(
    table: str, key: str, key_value: object, column: str
) -> Callable[[Workbook], object]:
    def get(wb: Workbook) -> object:
        for rec in data_rows(wb, table):
            if rec[key] == key_value:
                return rec[column]
        raise AssertionError(f"{key_value} not in {table}")

    return get


def own_value_is(indicator: str, expected: float) -> Callable[[Workbook], None]:
    def verify(wb: Workbook) -> None:
        value = output_value("tblInnsparing", "Indikator", indicator, "Egen verdi")(wb)
        assert value == pytest.approx(expected)

    return verify


def total_is(expected: float) -> Callable[[Workbook], None]:
    """The savings total against reference 1 (R Tabell 10: 131,9 for the example)."""

    def verify(wb: Workbook) -> None:
        value = output_value("tblInnsparingSektor", "Sektor", "Sum", "Innsparing 1 (mill. kr)")(wb)
        assert round(float(str(value)), 1) == expected

    return verify


def checks_ok(wb: Workbook) -> None:
    statuses = {str(r["Status"]) for r in data_rows(wb, "tblKontroller")}
    assert statuses <= {"OK", "ADVARSEL"}, statuses


# --- the catalogue ---------------------------------------------------------------------------

TABLES = "tabeller og kolonner"
CELLS = "celler"
SETTINGS = "innstillinger"
DATA = "data og beregning"

CASES: dict[str, Case] = {
    # tabeller og kolonner --------------------------------------------------------------------
    "mangler tabell tblIndikatorer": Case(
        TABLES, S, remove_table("tblIndikatorer"), ("fant ikke tabellen tblIndikatorer",)
    ),
    "mangler arket Indikatorer": Case(
        TABLES,
        S,
        remove_sheet("Indikatorer"),
        ("fant ikke tabellen tblIndikatorer; den skal ligge på arket 'Indikatorer'",),
    ),
    "omdøpt tabell tblData": Case(
        TABLES, S, rename_table("tblData", "tblTall"), ("fant ikke tabellen tblData",)
    ),
    "omdøpt kolonne Verdi": Case(
        TABLES,
        S,
        rename_column("tblData", "Verdi", "Tall"),
        (
            "tabellen tblData mangler kolonnen 'Verdi'",
            "overskriftene er: Kommune, År, Indikator, Tall",
        ),
    ),
    "omdøpt kolonne Gruppe": Case(
        TABLES,
        S,
        rename_column("tblKommuner", "Gruppe", "Grupper"),
        ("tabellen tblKommuner mangler kolonnen 'Gruppe'",),
    ),
    "budsjett: mangler tabell tblTiltak": Case(
        TABLES, B, remove_table("tblTiltak"), ("fant ikke tabellen tblTiltak",)
    ),
    "budsjett: mangler arket Summer (to tabeller)": Case(
        TABLES,
        B,
        remove_sheet("Summer"),
        ("2 feil i inndata", "fant ikke tabellen tblSummer", "fant ikke tabellen tblOppgittSum"),
    ),
    "budsjett: omdøpt kolonne Beløp": Case(
        TABLES,
        B,
        rename_column("tblBudsjett", "Beløp", "Sum"),
        ("tabellen tblBudsjett mangler kolonnen 'Beløp'",),
    ),
    "sammenslåtte celler i tblData": Case(
        TABLES,
        S,
        merge("tblData", "Kommune", 0, 1),
        ("tabellen tblData har sammenslåtte celler (A2:A3)", "Del opp celler"),
    ),
    "sammenslåtte celler i tblKommuner": Case(
        TABLES,
        S,
        merge("tblKommuner", "Gruppe", 0, 9),
        ("tabellen tblKommuner har sammenslåtte celler",),
    ),
    "budsjett: sammenslåtte celler i tblBudsjett": Case(
        TABLES,
        B,
        merge("tblBudsjett", "År", 0, 3),
        ("tabellen tblBudsjett har sammenslåtte celler",),
    ),
    "tom tblData": Case(
        TABLES,
        S,
        located(clear_rows("tblData"), lambda wb: [header_cell(wb, "tblData")]),
        ("tabellen tblData har ingen rader",),
    ),
    "tom tblIndikatorer": Case(
        TABLES,
        S,
        located(clear_rows("tblIndikatorer"), lambda wb: [header_cell(wb, "tblIndikatorer")]),
        ("tabellen tblIndikatorer har ingen rader; legg inn minst én indikator",),
    ),
    "tom tblKommuner": Case(
        TABLES,
        S,
        located(clear_rows("tblKommuner"), lambda wb: [setting_cell(wb, "Sammenligningsgruppe")]),
        ("gruppen 'ASSS' har ingen kommuner i tabellen tblKommuner",),
    ),
    "innstillingsrad mangler": Case(
        TABLES,
        S,
        located(
            set_cell("tblInnstillinger", "Innstilling", "Årstall", Innstilling="År"),
            lambda wb: [header_cell(wb, "tblInnstillinger")],
        ),
        ("innstillingen 'År' mangler i tabellen tblInnstillinger; legg til en rad",),
    ),
    "omdøpt ark finnes likevel (gyldig)": Case(
        TABLES, S, rename_sheet("Data", "Tall"), ("Sum",), code=0, verify=total_is(131.9)
    ),
    "overskrift med store bokstaver og mellomrom (gyldig)": Case(
        TABLES,
        S,
        nowhere(rename_column("tblData", "Verdi", "  VERDI ")),
        ("Sum",),
        code=0,
        verify=total_is(131.9),
    ),
    "tom rad inne i tblData (gyldig)": Case(
        TABLES, S, blank_row("tblData", 5), ("Sum",), code=0, verify=total_is(131.9)
    ),
    "budsjett: tom rad inne i tblBudsjett (gyldig)": Case(
        TABLES, B, blank_row("tblBudsjett", 2), ("Resultat: alle kontroller OK",), 0, checks_ok
    ),
    # celler ------------------------------------------------------------------------------------
    "tekst i Verdi": Case(
        CELLS,
        S,
        set_cell("tblData", "Verdi", "mye", row=3),
        ("kolonnen 'Verdi': 'mye' er ikke et tall",),
    ),
    "dato i Verdi": Case(
        CELLS,
        S,
        set_cell("tblData", "Verdi", dt.datetime(2020, 1, 2), row=3),
        ("'02.01.2020' er en dato eller et klokkeslett, ikke et tall",),
    ),
    "klokkeslett i Verdi": Case(
        CELLS,
        S,
        set_cell("tblData", "Verdi", dt.time(13, 45), row=3),
        ("'13:45' er en dato eller et klokkeslett",),
    ),
    "sannhetsverdi i Verdi": Case(
        CELLS,
        S,
        set_cell("tblData", "Verdi", True, row=3),
        ("'SANN' er en sannhetsverdi, ikke et tall",),
    ),
    "#DIV/0! i Verdi": Case(
        CELLS,
        S,
        set_cell("tblData", "Verdi", "#DIV/0!", row=5),
        ("cellen har Excel-feilen #DIV/0!",),
    ),
    "#N/A i År": Case(
        CELLS,
        S,
        set_cell("tblData", "År", "#N/A", row=5),
        ("kolonnen 'År': cellen har Excel-feilen #N/A",),
    ),
    "#VALUE! i Faktor": Case(
        CELLS,
        S,
        set_cell("tblIndikatorer", "Faktor", "#VALUE!", row=2),
        ("kolonnen 'Faktor': cellen har Excel-feilen #VALUE!",),
    ),
    "tekst i Faktor": Case(
        CELLS,
        S,
        set_cell("tblIndikatorer", "Faktor", "mye", row=2),
        ("kolonnen 'Faktor': 'mye' er ikke et tall",),
    ),
    "år med desimaler i tblData": Case(
        CELLS, S, set_cell("tblData", "År", 2007.5, row=0), ("'2007.5' er ikke et helt tall",)
    ),
    "tekst i År": Case(
        CELLS, S, set_cell("tblData", "År", "i fjor", row=0), ("'i fjor' er ikke et tall",)
    ),
    "desimalkomma i Verdi (gyldig)": Case(
        CELLS,
        S,
        nowhere(set_cell("tblData", "Verdi", "24230,5", Indikator="sfo_enhetskostnad", **OWN)),
        ("SFO",),
        code=0,
        verify=own_value_is("sfo_enhetskostnad", 24230.5),
    ),
    "tusenskille med mellomrom i Verdi (gyldig)": Case(
        CELLS,
        S,
        nowhere(set_cell("tblData", "Verdi", "24 230", Indikator="sfo_enhetskostnad", **OWN)),
        ("SFO",),
        code=0,
        verify=own_value_is("sfo_enhetskostnad", 24230),
    ),
    "hardt mellomrom og desimalkomma i Verdi (gyldig)": Case(
        CELLS,
        S,
        nowhere(
            set_cell("tblData", "Verdi", "24\u00a0230,75", Indikator="sfo_enhetskostnad", **OWN)
        ),
        ("SFO",),
        code=0,
        verify=own_value_is("sfo_enhetskostnad", 24230.75),
    ),
    "årstall som tekst (gyldig)": Case(
        CELLS,
        S,
        nowhere(set_cell("tblData", "År", "2007", Indikator="sfo_enhetskostnad", **OWN)),
        ("Sum",),
        code=0,
        verify=own_value_is("sfo_enhetskostnad", 24230),
    ),
    "KOSTRA-symbol for manglende verdi hos en annen kommune (gyldig)": Case(
        CELLS,
        S,
        nowhere(set_cell("tblData", "Verdi", "..", Indikator="sfo_enhetskostnad", Kommune="Oslo")),
        ("SFO",),
        code=0,
        verify=own_value_is("sfo_enhetskostnad", 24230),
    ),
    "budsjett: tekst i Beløp": Case(
        CELLS,
        B,
        set_cell("tblBudsjett", "Beløp", "mange", row=0),
        ("kolonnen 'Beløp': 'mange' er ikke et tall",),
    ),
    "budsjett: dato i Beløp": Case(
        CELLS,
        B,
        set_cell("tblBudsjett", "Beløp", dt.date(2020, 1, 1), row=0),
        ("'01.01.2020' er en dato eller et klokkeslett",),
    ),
    "budsjett: sannhetsverdi i Beløp": Case(
        CELLS,
        B,
        set_cell("tblBudsjett", "Beløp", False, row=0),
        ("'USANN' er en sannhetsverdi, ikke et tall",),
    ),
    "budsjett: #N/A i Oppgitt sum": Case(
        CELLS,
        B,
        set_cell("tblOppgittSum", "Oppgitt sum", "#N/A", row=0),
        ("kolonnen 'Oppgitt sum': cellen har Excel-feilen #N/A",),
    ),
    "budsjett: tom Grense": Case(
        CELLS,
        B,
        set_cell("tblMaltall", "Grense", None, row=0),
        ("kolonnen 'Grense': cellen er tom, men må ha et tall",),
    ),
    "budsjett: tekst i År": Case(
        CELLS, B, set_cell("tblBudsjett", "År", "neste år", row=0), ("'neste år' er ikke et tall",)
    ),
    "budsjett: desimalkomma og tusenskille i Beløp (gyldig)": Case(
        CELLS,
        B,
        nowhere(set_cell("tblBudsjett", "Beløp", "2 480,0", row=0)),
        ("Resultat: alle kontroller OK",),
        code=0,
        verify=checks_ok,
    ),
    # innstillinger ---------------------------------------------------------------------------
    "ukjent egen kommune": Case(
        SETTINGS,
        S,
        set_setting("Egen kommune", "Trondhjem"),
        ("innstillingen 'Egen kommune': 'Trondhjem' er ikke med i sammenligningsgruppen 'ASSS'",),
    ),
    "tom egen kommune": Case(
        SETTINGS,
        S,
        set_setting("Egen kommune", None),
        ("innstillingen 'Egen kommune': mangler verdi",),
    ),
    "egen kommune med små bokstaver (gyldig)": Case(
        SETTINGS,
        S,
        nowhere(set_setting("Egen kommune", "trondheim")),
        ("Sum",),
        code=0,
        verify=total_is(131.9),
    ),
    "år utenfor gyldig område": Case(
        SETTINGS,
        S,
        set_setting("År", 1800),
        ("innstillingen 'År': '1800' er ikke et gyldig årstall",),
    ),
    "år med desimalkomma": Case(
        SETTINGS, S, set_setting("År", "2007,5"), ("'2007,5' er ikke et gyldig årstall",)
    ),
    "år uten data": Case(
        SETTINGS, S, set_setting("År", 2030), ("dataene har ingen verdier for år 2030",)
    ),
    "tomt år": Case(SETTINGS, S, set_setting("År", None), ("innstillingen 'År': mangler verdi",)),
    "ukjent sammenligningsgruppe": Case(
        SETTINGS,
        S,
        set_setting("Sammenligningsgruppe", "KOSTRA-gruppe 13"),
        ("gruppen 'KOSTRA-gruppe 13' har ingen kommuner i tabellen tblKommuner",),
    ),
    "n større enn sammenligningsgruppen": Case(
        SETTINGS,
        S,
        set_setting("Referanse 2", "12. beste"),
        ("'12. beste': gruppen 'ASSS' har bare 9 andre kommuner",),
    ),
    "0. beste": Case(
        SETTINGS,
        S,
        set_setting("Referanse 2", "0. beste"),
        ("'0. beste': nummeret må være minst 1",),
    ),
    "uklar referanse": Case(
        SETTINGS,
        S,
        set_setting("Referanse 1", "3"),
        ("referansen '3' er uklar: skriv for eksempel '3. beste'",),
    ),
    "ukjent referansekommune": Case(
        SETTINGS,
        S,
        set_setting("Referanse 2", "Narvik"),
        ("innstillingen 'Referanse 2': 'Narvik' er ikke en kommune i gruppen 'ASSS'",),
    ),
    "ugyldig Ja/Nei": Case(
        SETTINGS,
        S,
        set_setting("Snitt: ta med egen kommune", "Kanskje"),
        ("'Kanskje' er ikke Ja eller Nei",),
    ),
    "ukjent kommune i Snitt: utelat": Case(
        SETTINGS,
        S,
        set_setting("Snitt: utelat", "Oslo, Narvik"),
        ("innstillingen 'Snitt: utelat': 'Narvik' er ikke en kommune i gruppen 'ASSS'",),
    ),
    "ukjent vektindikator": Case(
        SETTINGS,
        S,
        set_setting("Snitt: vekt", "ukjent"),
        ("vektindikatoren 'ukjent' finnes ikke i dataene",),
    ),
    "vekt mangler for kommunene i snittet": Case(
        SETTINGS,
        S,
        set_setting("Snitt: vekt", "innbyggere"),
        ("9 feil i inndata", "vekten ('innbyggere') for Oslo mangler"),
    ),
    "budsjett: negativ toleranse": Case(
        SETTINGS,
        B,
        set_setting("Toleranse", -1),
        ("innstillingen 'Toleranse': '-1' er ikke et tall >= 0",),
    ),
    "budsjett: toleranse som tekst": Case(
        SETTINGS, B, set_setting("Toleranse", "abc"), ("'abc' er ikke et tall >= 0",)
    ),
    "budsjett: tom egen kommune med sammenligningstabell": Case(
        SETTINGS,
        B,
        set_setting("Egen kommune", None),
        ("innstillingen 'Egen kommune': må fylles ut når tblSammenligning har data",),
    ),
    "budsjett: ukjent egen kommune": Case(
        SETTINGS,
        B,
        set_setting("Egen kommune", "Gotham"),
        ("Kommunen 'Gotham' finnes ikke i tabellen",),
    ),
    # data og beregning -----------------------------------------------------------------------
    "duplisert (kommune, år, indikator)": Case(
        DATA,
        S,
        located(
            append_row(
                "tblData",
                {"Kommune": "Trondheim", "År": 2007, "Indikator": "sfo_enhetskostnad", "Verdi": 1},
            ),
            lambda wb: [cell_of(wb, "tblData", "Verdi", len(data_rows(wb, "tblData")))],
        ),
        ("kommune Trondheim, indikator sfo_enhetskostnad, år 2007: verdien står mer enn én gang",),
    ),
    "negativt volum": Case(
        DATA,
        S,
        set_cell("tblData", "Verdi", -5, Indikator="sfo_brukere", **OWN),
        ("volumet ('sfo_brukere') er -5; det må være et positivt tall",),
    ),
    "volum null": Case(
        DATA,
        S,
        set_cell("tblData", "Verdi", 0, Indikator="sfo_brukere", **OWN),
        ("volumet ('sfo_brukere') er 0; det må være et positivt tall",),
    ),
    "volum mangler (KOSTRA-symbol)": Case(
        DATA,
        S,
        set_cell("tblData", "Verdi", "..", Indikator="sfo_brukere", **OWN),
        ("volumet ('sfo_brukere') mangler",),
    ),
    "egen verdi mangler": Case(
        DATA,
        S,
        set_cell("tblData", "Verdi", None, Indikator="sfo_enhetskostnad", **OWN),
        ("indikator sfo_enhetskostnad, år 2007: egen kommune mangler verdi",),
    ),
    "egen verdi 0 ved relativ beregning": Case(
        DATA,
        S,
        set_cell("tblData", "Verdi", 0, Indikator="gruppestorrelse_barnetrinn", **OWN),
        ("egen verdi er 0, så et relativt avvik kan ikke beregnes",),
    ),
    "urimelig stort tall": Case(
        DATA,
        S,
        set_cell("tblData", "Verdi", 1e308, Indikator="sfo_brukere", **OWN),
        ("innsparingen blir et uendelig stort tall",),
    ),
    "ukjent indikator": Case(
        DATA,
        S,
        set_cell("tblIndikatorer", "Indikator", "ukjent_indikator", row=2),
        ("indikatoren 'ukjent_indikator' finnes ikke i dataene for år 2007",),
    ),
    "ukjent volumindikator": Case(
        DATA,
        S,
        set_cell("tblIndikatorer", "Volum", "ukjent_volum", row=2),
        ("volumindikatoren 'ukjent_volum' finnes ikke i dataene for år 2007",),
    ),
    "kommune i gruppen uten data": Case(
        DATA,
        S,
        located(
            append_row(
                "tblKommuner", {"Kommune": "Narvik", "Kommunenummer": "1806", "Gruppe": "ASSS"}
            ),
            lambda wb: [cell_of(wb, "tblKommuner", "Kommune", len(data_rows(wb, "tblKommuner")))],
        ),
        ("kommunen 'Narvik' har ingen data",),
    ),
    "rad uten kommunenavn": Case(
        DATA, S, set_cell("tblData", "Kommune", None, row=4), ("kommunenavn mangler",)
    ),
    "indikator to ganger": Case(
        DATA,
        S,
        set_cell("tblIndikatorer", "Indikator", "sfo_enhetskostnad", row=3),
        ("indikator sfo_enhetskostnad: indikatoren står mer enn én gang",),
    ),
    "indikator-id mangler": Case(
        DATA, S, set_cell("tblIndikatorer", "Indikator", None, row=3), ("indikator-id mangler",)
    ),
    "volum mangler i tblIndikatorer": Case(
        DATA, S, set_cell("tblIndikatorer", "Volum", None, row=3), ("volumindikator mangler",)
    ),
    "ugyldig Beste": Case(
        DATA,
        S,
        set_cell("tblIndikatorer", "Beste", "midt", row=0),
        ("'midt' er ikke en gyldig verdi for beste (bruk lav eller høy)",),
    ),
    "ugyldig Beregning": Case(
        DATA,
        S,
        set_cell("tblIndikatorer", "Beregning", "prosent", row=3),
        ("'prosent' er ikke en gyldig beregning (bruk absolutt eller relativ)",),
    ),
    "negativ Faktor": Case(
        DATA,
        S,
        set_cell("tblIndikatorer", "Faktor", -1, row=2),
        ("faktoren må være et positivt tall, ikke -1",),
    ),
    "ukjent referansekommune for én indikator": Case(
        DATA,
        S,
        set_cell("tblIndikatorer", "Referanse 1", "Narvik", row=2),
        ("referansekommunen 'Narvik' finnes ikke i sammenligningsgruppen",),
    ),
    "n større enn kommunene med verdi for én indikator": Case(
        DATA,
        S,
        set_cell("tblIndikatorer", "Referanse 1", "11. beste", row=2),
        ("11. beste trenger minst 11 sammenligningskommuner med verdi, men bare 9 har verdi",),
    ),
    "nøkkeltall: vekstrate under -100 %": Case(
        DATA,
        S,
        set_cell(
            "tblData", "Verdi", -2, Kommune="Trondheim", Indikator="frie_inntekter_vekst", År=2005
        ),
        ("indikator frie_inntekter_vekst, år 2005", "ikke en mulig årlig rate"),
    ),
    "nøkkeltall: investeringer 0": Case(
        DATA,
        S,
        set_cell(
            "tblData",
            "Verdi",
            0,
            Kommune="Trondheim",
            Indikator="investeringer_per_innbygger",
            År=2004,
        ),
        ("investeringer per innbygger må være større enn 0",),
    ),
    "budsjett: ukjent varighet": Case(
        DATA,
        B,
        set_cell("tblTiltak", "Varighet", "kanskje", row=0),
        ("har ukjent varighet 'kanskje'; bruk 'varig' eller 'engangs'",),
    ),
    "budsjett: finansiering mangler": Case(
        DATA,
        B,
        set_cell("tblTiltak", "Finansiering", None, row=0),
        ("mangler finansiering",),
    ),
    "budsjett: ukjent retning": Case(
        DATA,
        B,
        set_cell("tblMaltall", "Retning", "over", row=0),
        ("Ukjent retning 'over'", "bruk 'minst' eller 'høyst'"),
    ),
    "budsjett: kommune og år to ganger i tblSammenligning": Case(
        DATA,
        B,
        set_cell("tblSammenligning", "Kommune", "Oslo", row=0),
        ("Oslo har 2 verdier for 2015; tabellen skal ha én verdi per kommune og år",),
    ),
    "budsjett: egen kommune mangler verdi i sammenligningen": Case(
        DATA,
        B,
        set_cell("tblSammenligning", "Verdi", None, Kommune="Trondheim", År=2016),
        ("Trondheim mangler verdi for 2016, så året kan ikke sammenlignes",),
    ),
    "budsjett: oppgitt sum uten linjer": Case(
        DATA,
        B,
        set_cell("tblOppgittSum", "Tabell", "Ukjent tabell", row=0),
        (
            "tabellen 'Ukjent tabell' har en oppgitt sum i tblOppgittSum, men ingen linjer",
            "har linjer i tblSummer, men ingen oppgitt sum",
        ),
    ),
    "budsjett: linjer uten oppgitt sum": Case(
        DATA,
        B,
        set_cell("tblSummer", "Tabell", "Ny tabell", row=0),
        ("tabellen 'Ny tabell' har linjer i tblSummer, men ingen oppgitt sum i tblOppgittSum",),
    ),
    "budsjett: revisjon som ikke går i null (gyldig, AVVIK)": Case(
        DATA,
        B,
        nowhere(set_cell("tblEndringer", "Beløp", 1000, row=0)),
        ("AVVIK",),
        code=1,
    ),
}

# Several problems at once: all are reported in one run, each with its sheet and cell.
TOGETHER: dict[str, Case] = {
    "sammen: data, innstillinger og indikatorer": Case(
        "alle sammen",
        S,
        combine(
            set_cell("tblData", "Verdi", "x1", row=2),
            set_cell("tblData", "År", dt.date(2007, 1, 1), row=7),
            set_setting("År", "i fjor"),
            set_cell("tblIndikatorer", "Beste", "midt", row=1),
            set_cell("tblKommuner", "Kommunenummer", "#REF!", row=4),
        ),
        ("5 feil i inndata", "'i fjor' er ikke et gyldig årstall", "Excel-feilen #REF!"),
    ),
    "sammen: manglende tabell og feil i en annen tabell": Case(
        "alle sammen",
        S,
        combine(remove_table("tblIndikatorer"), set_setting("År", "i fjor")),
        ("2 feil i inndata", "fant ikke tabellen tblIndikatorer", "'i fjor'"),
    ),
    "sammen: budsjett": Case(
        "alle sammen",
        B,
        combine(
            set_cell("tblBudsjett", "Beløp", "mange", row=1),
            set_cell("tblTiltak", "Beløp", "#DIV/0!", row=0),
            set_cell("tblMaltall", "Grense", True, row=1),
            set_cell("tblSammenligning", "År", "i fjor", row=3),
        ),
        ("4 feil i inndata",),
    ),
}

ALL = {**CASES, **TOGETHER}


def test_catalogue_is_large_enough() -> None:
    """The issue asks for at least 40 cases; ``test_files``/``test_writing`` add more."""
    assert len(ALL) >= 40
    categories = {c.category for c in ALL.values()}
    assert {TABLES, CELLS, SETTINGS, DATA, "alle sammen"} <= categories


def _prepare(built: Path, tmp_path: Path, case: Case) -> tuple[Path, list[Where]]:
    path = tmp_path / case.book
    shutil.copy(built / case.book, path)
    wb = openpyxl.load_workbook(path)
    where = case.mutate(wb)
    wb.save(path)
    return path, where


@pytest.mark.parametrize("case", [pytest.param(c, id=k) for k, c in ALL.items()])
def test_catalogue(built: Path, tmp_path: Path, case: Case) -> None:
    path, where = _prepare(built, tmp_path, case)
    before = digest(path)
    out = tmp_path / ("ut" + path.suffix)

    run = run_cli("recalc", path, "-o", out)
    assert "Traceback" not in run.err
    if case.code == 2:
        assert run.code == 2, run.out
        assert run.err.startswith("Feil: ")
        for text in case.expect:
            assert text in run.err, run.err
        for sheet, cell in where:
            named = f"arket '{sheet}', celle {cell}" if cell else f"arket '{sheet}'"
            assert named in run.err, run.err
        lines = run.err.splitlines()
        for line in lines[1:] if "feil i inndata" in lines[0] else lines:
            assert "arket '" in line, line  # every problem says where it is
        assert not out.exists()
        in_place = run_cli("recalc", path)
        assert in_place.code == 2 and in_place.err == run.err
    else:
        assert run.code == 0, run.err
        assert out.exists()
        if case.verify is not None:
            case.verify(openpyxl.load_workbook(out, data_only=True))
        checked = run_cli("check", path)
        assert checked.code == case.code, checked.err
        for text in case.expect:
            assert text in checked.out
    assert digest(path) == before, "the input file was modified"
    assert temp_files(tmp_path) == []
