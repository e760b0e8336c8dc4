"""The workbook contract: which sheets and named tables hold what, with which columns.

Pure data, no I/O. Every input and output is a named Excel table (ListObject) on its own sheet,
so users can add rows freely and code finds data by table name, never by cell address. Headers
are Norwegian; each column maps to the engine's ASCII name. Extra columns and sheets that users
add are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..engine.plan import CATEGORIES as PLAN_CATEGORIES

__all__ = [
    "BUDGET",
    "HENTING",
    "KINDS",
    "PLAN_BOOK",
    "SAVINGS",
    "BookKind",
    "Column",
    "ColumnType",
    "TableSpec",
    "kind_of_tables",
]

ColumnType = Literal["tekst", "heltall", "tall", "verdi", "janei"]
# tekst: free text; heltall: a whole number (a year); tall: a number (decimal comma accepted);
# verdi: a KOSTRA value (a number, empty or a missing-value symbol such as ".."); janei: Ja/Nei.


@dataclass(frozen=True)
class Column:
    """One column of a named table.

    Attributes:
        header: the Norwegian header the user sees.
        name: the engine's name for it.
        type: how its cells are read.
        required: whether the table must have this column (optional ones may be absent).
        number_format: Excel number format used when we write the column.
        width: column width in characters when we write it.
    """

    header: str
    name: str
    type: ColumnType = "tekst"
    required: bool = True
    number_format: str | None = None
    width: float | None = None
    #: the fixed set of values the column takes, offered as a dropdown in the templates
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    """A named table on its own sheet."""

    name: str
    sheet: str
    columns: tuple[Column, ...]
    output: bool = False
    description: str = ""

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def column(self, name: str) -> Column:
        """The column with engine name ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


MNOK = '#,##0.0;-#,##0.0;"-"'  # one decimal, "-" for zero (R prints "-" for no saving)
NUMBER = "#,##0.##"  # input columns; output cells get WHOLE or DECIMALS by their value
DECIMALS = "#,##0.0#"  # one or two decimals, never a bare decimal comma
WHOLE = "#,##0"
PERCENT = "0.00 %"


def _c(header: str, name: str, type_: ColumnType = "tekst", **kw: object) -> Column:
    return Column(header, name, type_, **kw)  # type: ignore[arg-type]


# --- The savings workbook (innsparingsanalyse) --------------------------------------------------

INNSTILLINGER = TableSpec(
    "tblInnstillinger",
    "Innstillinger",
    (_c("Innstilling", "innstilling", width=34), _c("Verdi", "verdi", width=30)),
    description="Innstillinger for analysen: egen kommune, år, sammenligningsgruppe, referanser.",
)
KOMMUNER = TableSpec(
    "tblKommuner",
    "Kommuner",
    (
        _c("Kommune", "kommune", width=18),
        _c("Kommunenummer", "kommunenummer", width=16),
        _c("Gruppe", "gruppe", width=14),
    ),
    description="Kommunene i analysen og hvilken sammenligningsgruppe de hører til.",
)
INDIKATORER = TableSpec(
    "tblIndikatorer",
    "Indikatorer",
    (
        _c("Indikator", "indikator", width=30),
        _c("Navn", "navn", width=50),
        _c("Sektor", "sektor", width=16),
        _c("Enhet", "enhet", required=False, width=20),
        _c("Beste", "beste", width=8, choices=("lav", "høy")),
        _c("Beregning", "beregning", width=11, choices=("absolutt", "relativ")),
        _c("Volum", "volum", width=28),
        _c("Faktor", "faktor", "tall", required=False, number_format=NUMBER, width=10),
        _c("Referanse 1", "referanse_1", required=False, width=12),
        _c("Referanse 2", "referanse_2", required=False, width=12),
        _c("Behovsindeks", "behov", required=False, width=22),
        _c("Kvalitet", "kvalitet", required=False, width=30),
    ),
    description=(
        "Hva som sammenlignes, hva som er best (lav/høy), og hvordan avviket prises. "
        "Behovsindeks (valgfri): serien i tblData med utgiftsbehovsindeksen for sektoren "
        "(1 = landsgjennomsnittet); da sammenlignes behovskorrigerte verdier. Kvalitet "
        "(valgfri): serier i tblData, skilt med semikolon, som vises ved siden av kostnaden."
    ),
)
DATA = TableSpec(
    "tblData",
    "Data",
    (
        _c("Kommune", "kommune", width=16),
        _c("År", "aar", "heltall", number_format="0", width=8),
        _c("Indikator", "indikator", width=30),
        _c("Verdi", "verdi", "verdi", number_format=NUMBER, width=14),
    ),
    description="Tallene, ett tall per rad (kommune, år, indikator, verdi).",
)
INNSPARING = TableSpec(
    "tblInnsparing",
    "Innsparing",
    (
        _c("Sektor", "sektor", width=16),
        _c("Indikator", "indikator", width=28),
        _c("Navn", "navn", width=44),
        _c("Egen verdi", "egen_verdi", "tall", number_format=NUMBER, width=12),
        _c("Referanse 1", "referanse_1", "tall", number_format=NUMBER, width=12),
        _c("Ref. 1 kommune", "ref_1_kommune", width=14),
        _c("Innsparing 1 (mill. kr)", "innsparing_1_mnok", "tall", number_format=MNOK, width=14),
        _c("Referanse 2", "referanse_2", "tall", number_format=NUMBER, width=12),
        _c("Ref. 2 kommune", "ref_2_kommune", width=14),
        _c("Innsparing 2 (mill. kr)", "innsparing_2_mnok", "tall", number_format=MNOK, width=14),
        _c("Forklaring", "forklaring", width=90),
    ),
    output=True,
    description="Innsparingspotensial per indikator mot to referanser.",
)
INNSPARING_SEKTOR = TableSpec(
    "tblInnsparingSektor",
    "Innsparing",
    (
        _c("Sektor", "sektor", width=16),
        _c("Innsparing 1 (mill. kr)", "innsparing_1_mnok", "tall", number_format=MNOK, width=14),
        _c("Innsparing 2 (mill. kr)", "innsparing_2_mnok", "tall", number_format=MNOK, width=14),
    ),
    output=True,
    description="Innsparing summert per sektor, med sum.",
)

MERKNADER = TableSpec(
    "tblMerknader",
    "Innsparing",
    (_c("Merknad", "merknad", width=120),),
    output=True,
    description=(
        "Det beregningen advarer om: urimelige verdier, navn i tblData som ikke er kjent, "
        "indikatorer som ikke brukes. Står bare når det er noe å si."
    ),
)

UTVIKLING = TableSpec(
    "tblUtvikling",
    "Utvikling",
    (
        _c("Indikator", "indikator", width=30),
        _c("Navn", "navn", width=50),
        _c("År", "aar", "heltall", number_format="0", width=8),
        _c("Egen verdi", "egen_verdi", "tall", number_format=NUMBER, width=14),
        _c("Snitt av de andre", "snitt_andre", "tall", number_format=NUMBER, width=16),
        _c("Antall med verdi", "antall", "heltall", number_format="0", width=10),
    ),
    output=True,
    description=(
        "Utviklingen per linje: egen kommunes verdi år for år og snittet av de andre i "
        "sammenligningsgruppen. Står når tblData har flere år."
    ),
)

INNSPARING_KOMMUNER = TableSpec(
    "tblInnsparingKommuner",
    "Innsparing",
    (
        _c("Kommune", "kommune", width=18),
        _c("Gruppe", "gruppe", width=10),
        _c("År", "aar", "heltall", number_format="0", width=8),
        _c("Sektor", "sektor", width=20),
        _c("Innsparing 1 (mill. kr)", "innsparing_1_mnok", "tall", number_format=MNOK, width=14),
        _c("Innsparing 2 (mill. kr)", "innsparing_2_mnok", "tall", number_format=MNOK, width=14),
    ),
    output=True,
    description="Alle kommuner mot egen gruppe: innsparing per kommune, år og sektor.",
)

#: Derived series (optional, on a sheet of its own): ``Indikator`` = ``Teller`` / ``Nevner`` x
#: ``Faktor`` per kommune and år, computed from tblData before the comparison.
AVLEDET = TableSpec(
    "tblAvledet",
    "Avledet",
    (
        _c("Indikator", "indikator", width=30),
        _c("Teller", "teller", width=30),
        _c("Nevner", "nevner", width=30),
        _c("Faktor", "faktor", "tall", required=False, number_format=NUMBER, width=10),
    ),
    description=(
        "Avledede serier: Indikator = Teller / Nevner × Faktor, per kommune og år, regnet ut "
        "fra tblData før sammenligningen (f.eks. netto driftsutgifter i 1000 kr per bruker)."
    ),
)

#: What «Hent KOSTRA-tall» / ``kommuneokonomi hent`` fetches from SSB into tblData. Optional:
#: the recalculation does not read it.
HENTING = TableSpec(
    "tblHenting",
    "Henting",
    (
        _c("Tabell", "tabell", width=10),
        _c("Innhold", "innhold", width=18),
        _c("Indikator", "indikator", width=30),
        _c("Kommuner", "kommuner", width=30),
        _c("År", "aar", width=14),
        _c("Utvalg", "utvalg", required=False, width=34),
        _c("Regionvariabel", "regionvariabel", required=False, width=22),
        _c("Tidspunkt", "tidspunkt", required=False, width=12),
    ),
    description=(
        "Hva som hentes fra SSB: tabellnummer, innholdskode (ContentsCode), indikatoren i "
        "tblData, kommuner (en gruppe i tblKommuner eller en liste) og år (f.eks. 2015-2018). "
        "Tidspunkt 31.12. tar tallet for 1. januar året etter (befolkningen KOSTRA deler på)."
    ),
)

NOKKELTALL = TableSpec(
    "tblNokkeltall",
    "Nøkkeltall",
    (
        _c("Nøkkeltall", "nokkeltall", width=52),
        _c("Kommune", "kommune", width=14),
        _c("Periode", "periode", width=11),
        _c("Verdi", "verdi", "tall", number_format="#,##0.0", width=10),
        _c("Enhet", "enhet", width=13),
        _c("Forklaring", "forklaring", width=80),
    ),
    output=True,
    description="Vekst, netto driftsresultat, investeringer og gjeld, der dataene har dem.",
)

# --- The budget workbook (budsjettkontroll) ------------------------------------------------------

B_INNSTILLINGER = TableSpec(
    "tblInnstillinger",
    "Innstillinger",
    INNSTILLINGER.columns,
    description="Innstillinger for kontrollene: egen kommune (for sammenligningen) og toleranse.",
)
BUDSJETT = TableSpec(
    "tblBudsjett",
    "Budsjett",
    (
        _c("År", "aar", "heltall", number_format="0", width=8),
        _c("Område", "omrade", width=26),
        _c("Post", "post", width=36),
        _c("Art", "art", width=14, choices=("utgift", "inntekt")),
        _c("Beløp", "belop", "tall", number_format=NUMBER, width=12),
    ),
    description="Budsjettlinjer: utgifter positive, inntekter negative (kommunal fortegnsregel).",
)
TILTAK = TableSpec(
    "tblTiltak",
    "Tiltak",
    (
        _c("Tiltak", "tiltak", width=36),
        _c("Område", "omrade", width=24),
        _c("År", "aar", "heltall", number_format="0", width=8),
        _c("Beløp", "belop", "tall", number_format=NUMBER, width=12),
        _c("Varighet", "varighet", width=10, choices=("varig", "engangs")),
        _c("Finansiering", "finansiering", width=22),
    ),
    description="Tiltak med varighet (varig/engangs) og finansiering.",
)
ENDRINGER = TableSpec(
    "tblEndringer",
    "Endringer",
    (
        _c("Revisjon", "revisjon", width=26),
        _c("Post", "post", width=60),
        _c("Beløp", "belop", "tall", number_format=NUMBER, width=12),
    ),
    description="Budsjettendringer per revisjon; hver revisjon skal gå i null.",
)
SUMMER = TableSpec(
    "tblSummer",
    "Summer",
    (
        _c("Tabell", "tabell", width=48),
        _c("Post", "post", width=60),
        _c("Beløp", "belop", "tall", number_format=NUMBER, width=12),
    ),
    description="Linjer i tabeller som skal summere til en oppgitt sum.",
)
OPPGITT_SUM = TableSpec(
    "tblOppgittSum",
    "Summer",
    (
        _c("Tabell", "tabell", width=48),
        _c("Oppgitt sum", "oppgitt_sum", "tall", number_format=NUMBER, width=12),
    ),
    description="Den oppgitte summen for hver tabell i tblSummer.",
)
MALTALL = TableSpec(
    "tblMaltall",
    "Måltall",
    (
        _c("Måltall", "maltall", width=44),
        _c("Grense", "grense", "tall", number_format=PERCENT, width=10),
        _c("Retning", "retning", width=10, choices=("minst", "høyst")),
        _c("Verdi", "verdi", "tall", required=False, number_format=PERCENT, width=10),
    ),
    description=(
        "Finansielle måltall i prosent (skriv 1,75 %): verdien skal være minst/høyst grensen."
    ),
)
SAMMENLIGNING = TableSpec(
    "tblSammenligning",
    "Sammenligning",
    (
        _c("Kommune", "kommune", width=16),
        _c("År", "aar", "heltall", number_format="0", width=8),
        _c("Verdi", "verdi", "verdi", number_format=WHOLE, width=14),
    ),
    description="En sammenligningstabell (f.eks. ASSS), én verdi per kommune og år.",
)
KONTROLLER = TableSpec(
    "tblKontroller",
    "Kontroller",
    (
        _c("Kontroll", "kontroll", width=50),
        _c("Status", "status", width=11),
        _c("Verdi", "verdi", "tall", number_format=NUMBER, width=12),
        _c("Forventet", "forventet", "tall", number_format=NUMBER, width=12),
        _c("Avvik", "avvik", "tall", number_format=NUMBER, width=12),
        _c("Forklaring", "forklaring", width=100),
    ),
    output=True,
    description="Resultatet av kontrollene: OK, AVVIK eller ADVARSEL.",
)
BALANSE = TableSpec(
    "tblBalanse",
    "Kontroller",
    (
        _c("År", "aar", "heltall", number_format="0", width=8),
        _c("Utgifter", "utgifter", "tall", number_format=NUMBER, width=12),
        _c("Inntekter", "inntekter", "tall", number_format=NUMBER, width=12),
        _c("Netto", "netto", "tall", number_format=NUMBER, width=12),
        _c("Status", "status", width=11),
    ),
    output=True,
    description="Balanse per år i økonomiplanen.",
)
SAMMENLIGNING_SNITT = TableSpec(
    "tblSammenligningSnitt",
    "Kontroller",
    (
        _c("År", "aar", "heltall", number_format="0", width=8),
        _c("Egen verdi", "egen_verdi", "tall", number_format=WHOLE, width=12),
        _c("Snitt med egen", "snitt_med_egen", "tall", number_format=WHOLE, width=14),
        _c("Snitt uten egen", "snitt_uten_egen", "tall", number_format=WHOLE, width=14),
        _c("Rang", "rang", "heltall", number_format="0", width=8),
        _c("Antall", "antall", "heltall", number_format="0", width=8),
        _c(
            "Avvik fra snitt med egen",
            "avvik_fra_snitt_med_egen",
            "tall",
            number_format=WHOLE,
            width=14,
        ),
        _c(
            "Avvik fra snitt uten egen",
            "avvik_fra_snitt_uten_egen",
            "tall",
            number_format=WHOLE,
            width=14,
        ),
    ),
    output=True,
    description="Sammenligningstabellens snitt med og uten egen kommune, rang og avvik per år.",
)


# --- The plan workbook (økonomiplan, HØP) --------------------------------------------------------

P_INNSTILLINGER = TableSpec(
    "tblInnstillinger",
    "Innstillinger",
    INNSTILLINGER.columns,
    description=(
        "Innstillinger for planen: budsjettår, antall planår, enhet, startverdier for "
        "disposisjonsfond, lånegjeld og anleggsmidler, toleranse og befolkningsalternativ."
    ),
)
RAMME = TableSpec(
    "tblRamme",
    "Ramme",
    (
        _c("Post", "post", width=40),
        _c("Område", "omrade", width=26),
        _c(
            "Kategori",
            "kategori",
            width=22,
            choices=PLAN_CATEGORIES,
        ),
        _c("Beløp", "belop", "tall", number_format=NUMBER, width=12),
    ),
    description=(
        "Vedtatt budsjett for budsjettåret per tjenesteområde og de sentrale postene (frie "
        "inntekter, renter, avdrag, finans, fond): utgifter positive, inntekter negative. "
        "Videreføres i faste priser i hvert planår."
    ),
)
PLANENDRINGER = TableSpec(
    "tblPlanendringer",
    "Endringer",
    (
        _c("Endring", "endring", width=44),
        _c("Område", "omrade", width=26),
        _c("Kategori", "kategori", required=False, width=22),
        _c("Fra år", "fra_aar", "heltall", number_format="0", width=8),
        _c("Beløp", "belop", "tall", number_format=NUMBER, width=12),
        _c("Varighet", "varighet", width=10, choices=("varig", "engangs")),
    ),
    description=(
        "Vedtatte eller kjente endringer i planperioden (beløp per år, samme fortegn som "
        "tblRamme): varig gjelder fra året og ut perioden, engangs bare det året."
    ),
)
BEFOLKNING = TableSpec(
    "tblBefolkning",
    "Befolkning",
    (
        _c("Aldersgruppe", "aldersgruppe", width=18),
        _c("År", "aar", "heltall", number_format="0", width=8),
        _c("Antall", "antall", "tall", number_format=WHOLE, width=12),
        _c("Alternativ", "alternativ", required=False, width=12),
    ),
    description=(
        "Innbyggere per aldersgruppe 1. januar i budsjettåret og hvert planår: registrert og "
        "framskrevet (hovedalternativet) fra SSB med Hent KOSTRA-tall, eller skrevet inn. "
        "Alternativ (valgfri): hoved, lav, høy."
    ),
)
SATSER = TableSpec(
    "tblSatser",
    "Satser",
    (
        _c("Sektor", "sektor", width=26),
        _c("Aldersgruppe", "aldersgruppe", width=18),
        _c("Kr per innbygger", "sats", "tall", number_format=WHOLE, width=16),
        _c(
            "Andel i budsjettåret",
            "andel",
            "tall",
            required=False,
            number_format=DECIMALS,
            width=12,
        ),
    ),
    description=(
        "Kostnad per innbygger i aldersgruppen for hver sektor (egne KOSTRA-tall eller TBUs "
        "satser). Andel i budsjettåret (valgfri, 1 om tom): hvor mye av årets endring som "
        "slår inn samme år, f.eks. 5/12 for barnehage (barnehageåret starter i august)."
    ),
)
INVESTERINGER = TableSpec(
    "tblInvesteringer",
    "Investeringer",
    (
        _c("Prosjekt", "prosjekt", width=36),
        _c("År", "aar", "heltall", number_format="0", width=8),
        _c("Beløp", "belop", "tall", number_format=NUMBER, width=12),
        _c("Lån", "lan", "tall", required=False, number_format=NUMBER, width=10),
        _c("Tilskudd", "tilskudd", "tall", required=False, number_format=NUMBER, width=10),
        _c("Mva-kompensasjon", "mva", "tall", required=False, number_format=NUMBER, width=12),
        _c("Egne midler", "egne_midler", "tall", required=False, number_format=NUMBER, width=12),
        _c("Salg", "salg", "tall", required=False, number_format=NUMBER, width=10),
        _c("Avdragstid", "avdragstid", "heltall", number_format="0", width=11),
    ),
    description=(
        "Investeringsplanen per prosjekt og år med finansiering (lån, tilskudd, "
        "momskompensasjon, egne midler fra disposisjonsfond, salg) og avdragstid i år "
        "(også levetiden for avskrivningene)."
    ),
)
RENTER = TableSpec(
    "tblRenter",
    "Investeringer",
    (
        _c("År", "aar", "heltall", number_format="0", width=8),
        _c("Rente", "rente", "tall", number_format=PERCENT, width=10),
    ),
    description="Lånerenten per planår (skriv 2,5 %).",
)
TILTAKSLISTE = TableSpec(
    "tblTiltaksliste",
    "Tiltak",
    (
        _c("Tiltak", "tiltak", width=40),
        _c("Område", "omrade", width=24),
        _c("Fra år", "fra_aar", "heltall", required=False, number_format="0", width=8),
        _c("Beløp", "belop", "tall", number_format=NUMBER, width=12),
        _c("Varighet", "varighet", width=10, choices=("varig", "engangs")),
        _c("Prioritet", "prioritet", "heltall", required=False, number_format="0", width=10),
        _c("Konsekvens", "konsekvens", required=False, width=50),
    ),
    description=(
        "Mulige tiltak for å lukke gapet: hva tiltaket gir per år (positivt), tidligste år, "
        "varig eller engangs, og prioritet (1 tas først)."
    ),
)
P_MALTALL = TableSpec(
    "tblMaltall",
    "Måltall",
    (
        _c("Måltall", "maltall", width=44),
        _c("Grense", "grense", "tall", number_format=PERCENT, width=10),
        _c("Retning", "retning", width=10, choices=("minst", "høyst")),
    ),
    description=(
        "Finansielle måltall i % av driftsinntektene (netto driftsresultat, disposisjonsfond, "
        "lånegjeld, renter og avdrag), kontrollert for hvert planår."
    ),
)
PLAN = TableSpec(
    "tblPlan",
    "Plan",
    (
        _c("År", "aar", "heltall", number_format="0", width=8),
        _c("Ramme", "ramme", "tall", number_format=DECIMALS, width=11),
        _c("Endringer", "endringer", "tall", number_format=DECIMALS, width=11),
        _c("Demografi", "demografi", "tall", number_format=DECIMALS, width=11),
        _c("Kapitalkostnader", "kapitalkostnader", "tall", number_format=DECIMALS, width=15),
        _c("Ubalanse før tiltak", "ubalanse_for", "tall", number_format=DECIMALS, width=14),
        _c("Tiltak", "tiltak", "tall", number_format=DECIMALS, width=11),
        _c("Ubalanse etter tiltak", "ubalanse_etter", "tall", number_format=DECIMALS, width=14),
        _c(
            "Netto driftsresultat", "netto_driftsresultat", "tall", number_format=DECIMALS, width=14
        ),
        _c("Netto driftsresultat i %", "ndr_andel", "tall", number_format=PERCENT, width=14),
        _c("Disposisjonsfond", "disposisjonsfond", "tall", number_format=DECIMALS, width=15),
        _c("Lånegjeld", "lanegjeld", "tall", number_format=DECIMALS, width=12),
        _c("Lånegjeld i %", "gjeld_andel", "tall", number_format=PERCENT, width=12),
        _c("Renter og avdrag i %", "renter_avdrag_andel", "tall", number_format=PERCENT, width=14),
    ),
    output=True,
    description=(
        "Hvert planår: ubalansen før og etter tiltak, netto driftsresultat, disposisjonsfond og "
        "lånegjeld, og nøkkeltallene i % av driftsinntektene."
    ),
)
DEMOGRAFI = TableSpec(
    "tblDemografi",
    "Demografi",
    (
        _c("Sektor", "sektor", width=26),
        _c("År", "aar", "heltall", number_format="0", width=8),
        _c("Merutgift", "merutgift", "tall", number_format=DECIMALS, width=12),
        _c("Forklaring", "forklaring", width=90),
    ),
    output=True,
    description="Demografikostnaden per sektor og planår (TBUs metode), med utregningen.",
)
KAPITAL = TableSpec(
    "tblKapital",
    "Kapital",
    (
        _c("År", "aar", "heltall", number_format="0", width=8),
        _c("Investeringer", "investeringer", "tall", number_format=DECIMALS, width=13),
        _c("Nye lån", "nye_lan", "tall", number_format=DECIMALS, width=11),
        _c("Avdrag nye lån", "avdrag", "tall", number_format=DECIMALS, width=13),
        _c("Renter nye lån", "renter", "tall", number_format=DECIMALS, width=13),
        _c("Avdrag i alt", "avdrag_i_alt", "tall", number_format=DECIMALS, width=12),
        _c("Minste avdrag", "minste_avdrag", "tall", number_format=DECIMALS, width=13),
        _c("Lånegjeld", "lanegjeld", "tall", number_format=DECIMALS, width=12),
        _c("Status", "status", width=10),
    ),
    output=True,
    description=(
        "Investeringer, nye lån, renter og avdrag per planår, og avdragene mot minste avdrag "
        "etter kommuneloven § 14-18."
    ),
)
TILTAKSVALG = TableSpec(
    "tblTiltaksvalg",
    "Tiltaksvalg",
    (
        _c("Løsning", "losning", width=14),
        _c("Tiltak", "tiltak", width=40),
        _c("Område", "omrade", width=24),
        _c("Varighet", "varighet", width=10),
        _c("Prioritet", "prioritet", "heltall", number_format="0", width=10),
        _c("Fra år", "fra_aar", "heltall", number_format="0", width=8),
        _c("Beløp", "belop", "tall", number_format=DECIMALS, width=12),
        _c("Konsekvens", "konsekvens", width=50),
    ),
    output=True,
    description=(
        "Tiltakene som lukker gapet (Valgt), og de nærmeste alternativene som også gjør det."
    ),
)
P_KONTROLLER = TableSpec(
    "tblKontroller",
    "Kontroller",
    KONTROLLER.columns,
    output=True,
    description=(
        "Balanse og måltall for hvert planår, finansieringen av investeringene og minste "
        "avdrag: OK, AVVIK eller ADVARSEL."
    ),
)


BookKind = Literal["innsparing", "budsjett", "plan"]

SAVINGS: tuple[TableSpec, ...] = (
    INNSTILLINGER,
    KOMMUNER,
    INDIKATORER,
    DATA,
    INNSPARING,
    INNSPARING_SEKTOR,
    NOKKELTALL,
)
BUDGET: tuple[TableSpec, ...] = (
    B_INNSTILLINGER,
    BUDSJETT,
    TILTAK,
    ENDRINGER,
    SUMMER,
    OPPGITT_SUM,
    MALTALL,
    SAMMENLIGNING,
    KONTROLLER,
    BALANSE,
    SAMMENLIGNING_SNITT,
)
PLAN_BOOK: tuple[TableSpec, ...] = (
    P_INNSTILLINGER,
    RAMME,
    PLANENDRINGER,
    BEFOLKNING,
    SATSER,
    INVESTERINGER,
    RENTER,
    TILTAKSLISTE,
    P_MALTALL,
    PLAN,
    DEMOGRAFI,
    KAPITAL,
    TILTAKSVALG,
    P_KONTROLLER,
)
KINDS: dict[BookKind, tuple[TableSpec, ...]] = {
    "innsparing": SAVINGS,
    "budsjett": BUDGET,
    "plan": PLAN_BOOK,
}

#: The tables only the tool writes: an existing sheet holding one of them is an output sheet
#: the tool made (the marker by which a user's own sheet of the same name is told apart).
OUTPUT_TABLE_NAMES: frozenset[str] = frozenset(
    spec.name.casefold()
    for spec in (
        *(INNSPARING, INNSPARING_SEKTOR, MERKNADER, INNSPARING_KOMMUNER, NOKKELTALL, UTVIKLING),
        *(KONTROLLER, BALANSE, SAMMENLIGNING_SNITT),
        *(PLAN, DEMOGRAFI, KAPITAL, TILTAKSVALG),
    )
)


def kind_of_tables(table_names: set[str]) -> BookKind | None:
    """Tell a savings, budget or plan workbook by the tables it holds."""
    if "tblData" in table_names or "tblIndikatorer" in table_names:
        return "innsparing"
    if "tblRamme" in table_names or "tblTiltaksliste" in table_names:
        return "plan"
    budget_inputs = {t.name for t in BUDGET if not t.output} - {"tblInnstillinger"}
    if budget_inputs & table_names:
        return "budsjett"
    return None
