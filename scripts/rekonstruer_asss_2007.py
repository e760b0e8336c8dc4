"""Build the 2007 reconstruction dataset for the 2008 Trondheim report (R), section 2.

THIS IS A RECONSTRUCTION FROM THE REPORT, NOT OFFICIAL KOSTRA DATA. The report prints, per
savings line, Trondheim's gap to the mean of the other ASSS municipalities and to the 3rd best
(or Bergen), as percentages, kroner and million kroner, but not the underlying KOSTRA values.
This script chooses, for every line, Trondheim's value, a volume and one value for each of the
nine other ASSS municipalities such that the printed statements hold:

* the mean of the other nine gives the printed saving (and printed percentage gap);
* the municipality the report names as 3rd best is 3rd best, with the value that gives the
  printed saving; Bergen's value gives the printed saving where Bergen is the reference;
* side statements hold (only Tromsø has higher kulturskole coverage; Bergen has more social
  assistance recipients; barnevern unit cost > 50 % above the mean after adding 170 children).

Peer values not pinned by the report are illustrative fillers; one filler per line (the
"balancer") is solved so the mean comes out right. The script checks its own arithmetic with
plain formulas (not the engine) and writes readable CSV into the package:

    src/kommuneokonomi/data/asss2007/{kommuner,indikatorer,data,innstillinger}.csv

Run: ``python scripts/rekonstruer_asss_2007.py`` (the output is committed; rerunning it
rebuilds the same bytes).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "kommuneokonomi" / "data" / "asss2007"
OWN = "Trondheim"
YEAR = 2007
NOTE = "Rekonstruert fra rapporten (R), ikke offisielle KOSTRA-tall."

# 2007 municipality numbers (before the 2018-2020 renumbering).
KOMMUNER = {
    "Oslo": "0301",
    "Bergen": "1201",
    "Trondheim": "1601",
    "Stavanger": "1103",
    "Bærum": "0219",
    "Kristiansand": "1001",
    "Fredrikstad": "0106",
    "Tromsø": "1902",
    "Sandnes": "1102",
    "Drammen": "0602",
}
PEERS = [k for k in KOMMUNER if k != OWN]


@dataclass
class Line:
    """One savings line of R Tabell 4-9 and how its numbers were chosen."""

    indikator: str
    navn: str
    sektor: str
    enhet: str
    beste: str  # lav / høy
    beregning: str  # absolutt / relativ
    volum: str
    faktor: float
    own: float
    volume: float
    decimals: int  # how many decimals the peer values carry
    peers: dict[str, float]  # every peer but the balancer
    balancer: str
    mean_target: float  # the mean of the nine the report implies
    quote: str  # the sentence(s) of R the line rests on
    volume_quote: str
    referanse_2: str = ""
    tabell: str = ""
    printed: tuple[str, str] = ("", "")  # printed (mean, 3rd best/Bergen) in MNOK, "-" = none
    checks: list[str] = field(default_factory=list)


def solve_balancer(line: Line) -> float:
    """The balancer's value so the mean of the nine rounds to the target."""
    total = round(line.mean_target * len(PEERS), line.decimals)
    rest = sum(line.peers.values())
    return round(total - rest, line.decimals)


def saving(line: Line, reference: float) -> float:
    """Plain-arithmetic check of the saving in MNOK (independent of the engine)."""
    gap = line.own - reference if line.beste == "lav" else reference - line.own
    if line.beregning == "relativ":
        gap /= line.own
    return max(0.0, gap) * line.volume * line.faktor / 1e6


# Elasticity in R Tabell 4: "Ved å legge til grunn at Trondheim kan redusere lønnskostnadene i
# grunnskolen med 3 prosent som følge av at gruppestørrelsen øker med 3,5 prosent".
ELASTICITY = 3.0 / 3.5

LINES: list[Line] = [
    Line(
        indikator="gruppestorrelse_barnetrinn",
        navn="Gruppestørrelse, barnetrinnet",
        sektor="Grunnskole",
        enhet="elever per gruppe",
        beste="høy",
        beregning="relativ",
        volum="lonn_barnetrinn",
        faktor=round(1000 * ELASTICITY, 6),
        own=14.8,
        volume=464_000,
        decimals=1,
        peers={
            "Bærum": 15.6,
            "Sandnes": 15.4,
            "Kristiansand": 15.3,
            "Oslo": 15.0,
            "Bergen": 14.2,
            "Stavanger": 14.6,
            "Fredrikstad": 13.9,
            "Tromsø": 14.0,
        },
        balancer="Drammen",
        mean_target=14.7,
        quote="«gjennomsnittlig gruppestørrelse på barnetrinnet ble redusert fra 16,2 i 2004 til 14,8 i "
        "2007»; «De 3. høyeste gruppestørrelsene i ASSS er 15,3 på barnetrinnet (Kristiansand)»; "
        "«Gruppestørrelsen er etter dette på linje med gjennomsnittet»",
        volume_quote="Lønnskostnader barnetrinnet (1000 kr). R: 3 % av lønnskostnadene = 28,4 mill. kr, "
        "altså om lag 947 mill. kr i alt; delt på trinnene slik at økningen sett under ett blir 3,5 %.",
        tabell="R Tabell 4",
        printed=("-", "28,4"),
    ),
    Line(
        indikator="gruppestorrelse_ungdomstrinn",
        navn="Gruppestørrelse, ungdomstrinnet",
        sektor="Grunnskole",
        enhet="elever per gruppe",
        beste="høy",
        beregning="relativ",
        volum="lonn_ungdomstrinn",
        faktor=round(1000 * ELASTICITY, 6),
        own=16.6,
        volume=483_000,
        decimals=1,
        peers={
            "Kristiansand": 17.6,
            "Bærum": 17.4,
            "Oslo": 17.2,
            "Bergen": 16.4,
            "Stavanger": 16.0,
            "Fredrikstad": 15.8,
            "Tromsø": 15.6,
            "Sandnes": 16.2,
        },
        balancer="Drammen",
        mean_target=16.5,
        quote="«På ungdomstrinnet var reduksjonen i gruppestørrelse mer moderat, fra 16,9 til 16,6»; "
        "«17,2 på ungdomstrinnet (Oslo)»",
        volume_quote="Lønnskostnader ungdomstrinnet (1000 kr), se barnetrinnet.",
        tabell="R Tabell 4",
        printed=("-", "28,4"),
    ),
    Line(
        indikator="sfo_enhetskostnad",
        navn="SFO, brutto driftsutgift per bruker",
        sektor="Grunnskole",
        enhet="kr per bruker",
        beste="lav",
        beregning="absolutt",
        volum="sfo_brukere",
        faktor=1,
        own=24_230,
        volume=5_490,
        decimals=0,
        peers={
            "Sandnes": 21_950,
            "Fredrikstad": 22_480,
            "Bergen": 22_736,
            "Oslo": 25_100,
            "Bærum": 24_800,
            "Stavanger": 23_500,
            "Kristiansand": 23_050,
            "Tromsø": 23_300,
        },
        balancer="Drammen",
        mean_target=24_230 - 4.5e6 / 5_490,
        quote="«Enhetskostnaden i Trondheim er 3,5 prosent høyere enn ASSS-gjennomsnittet og 6,6 prosent "
        "høyere enn 3. beste ASSS (Bergen). Ved å bringe enhetskostnaden ned på disse nivåene kan "
        "SFO-utgiftene reduseres med henholdsvis 4,5 og 8,2 millioner kroner.»",
        volume_quote="Antall SFO-brukere. Valgt slik at økt brukerbetaling på 240-255 kr per måned gir "
        "15,8 og 16,8 mill. kr (R); brutto SFO-utgift blir da om lag 133 mill. kr.",
        tabell="R Tabell 4",
        printed=("4,5", "8,2"),
    ),
    Line(
        indikator="sfo_brukerbetaling",
        navn="SFO, brukerbetaling per bruker og måned",
        sektor="Grunnskole",
        enhet="kr per måned",
        beste="høy",
        beregning="absolutt",
        volum="sfo_brukere",
        faktor=12,
        own=1_400,
        volume=5_490,
        decimals=0,
        peers={
            "Bærum": 1_980,
            "Oslo": 1_760,
            "Bergen": 1_655,
            "Stavanger": 1_610,
            "Kristiansand": 1_540,
            "Fredrikstad": 1_500,
            "Tromsø": 1_520,
            "Sandnes": 1_590,
        },
        balancer="Drammen",
        mean_target=1_640,
        quote="«Ved å øke brukerbetalingen til gjennomsnittlig ASSS eller 3. høyeste ASSS (Bergen), kan det "
        "spares henholdsvis 15,8 og 16,8 millioner kroner. Dette tilsvarer en økning i brukerbetalingen "
        "på 240-255 kroner per måned.»",
        volume_quote="Antall SFO-brukere; faktor 12 gjør månedsbetaling om til årsbeløp.",
        tabell="R Tabell 4",
        printed=("15,8", "16,8"),
    ),
    Line(
        indikator="kulturskole_enhetskostnad",
        navn="Kulturskole, brutto driftsutgift per elev",
        sektor="Grunnskole",
        enhet="kr per elev",
        beste="lav",
        beregning="absolutt",
        volum="kulturskole_elever",
        faktor=1,
        own=14_850,
        volume=3_334,
        decimals=0,
        peers={
            "Bergen": 13_200,
            "Sandnes": 13_610,
            "Tromsø": 13_950,
            "Oslo": 14_900,
            "Bærum": 14_700,
            "Stavanger": 14_050,
            "Kristiansand": 14_120,
            "Fredrikstad": 13_980,
        },
        balancer="Drammen",
        mean_target=14_850 - 2.5e6 / 3_334,
        quote="«Innen musikk- og kulturskoler ligger enhetskostnaden (brutto driftsutgifter per bruker) 5,3 "
        "prosent over ASSS-gjennomsnittet og 6,5 prosent over 3. beste ASSS (Tromsø). Ved å bringe "
        "enhetskostnaden ned til disse nivåene kan det spares henholdsvis 2,5 og 3,0 millioner kroner.»",
        volume_quote="Antall elever i kulturskolen: dekningsgrad 11,3 % av om lag 29 500 innbyggere 6-20 år "
        "(R); brutto utgift blir da om lag 49,5 mill. kr.",
        tabell="R Tabell 4",
        printed=("2,5", "3,0"),
    ),
    Line(
        indikator="kulturskole_brukerbetaling",
        navn="Kulturskole, brukerbetaling per elev",
        sektor="Grunnskole",
        enhet="kr per elev og år",
        beste="høy",
        beregning="absolutt",
        volum="kulturskole_elever",
        faktor=1,
        own=3_665,
        volume=3_334,
        decimals=0,
        peers={
            "Bærum": 4_450,
            "Stavanger": 4_200,
            "Tromsø": 4_085,
            "Oslo": 3_300,
            "Bergen": 3_700,
            "Kristiansand": 3_560,
            "Fredrikstad": 3_350,
            "Sandnes": 3_520,
        },
        balancer="Drammen",
        mean_target=3_755,
        quote="«Dersom brukerbetalingen økes, kan det spares ytterligere 0,3 millioner kroner i forhold til "
        "gjennomsnittlig ASSS og 1,4 millioner kroner i forhold til 3. beste ASSS (Tromsø).»",
        volume_quote="Antall elever i kulturskolen.",
        tabell="R Tabell 4",
        printed=("0,3", "1,4"),
    ),
    Line(
        indikator="kulturskole_dekningsgrad",
        navn="Kulturskole, dekningsgrad (elever i % av innbyggere 6-20 år)",
        sektor="Grunnskole",
        enhet="prosent",
        beste="lav",
        beregning="relativ",
        volum="kulturskole_netto",
        faktor=1000,
        own=11.3,
        volume=round(3_334 * (14_850 - 3_665) / 1000),
        decimals=1,
        peers={
            "Drammen": 4.4,
            "Sandnes": 4.9,
            "Oslo": 5.2,
            "Bergen": 6.8,
            "Stavanger": 11.2,
            "Bærum": 11.0,
            "Kristiansand": 10.9,
            "Fredrikstad": 10.7,
        },
        balancer="Tromsø",
        mean_target=9.3,
        quote="«Trondheim har innen musikk- og kulturskoler en dekningsgrad ... på 11,3 prosent, mens "
        "gjennomsnittet for de øvrige ASSS-kommunene er 9,3 prosent. Ved å bringe dekningsgraden ned "
        "til dette nivået kan det spares 6,6 millioner kroner. ... Kommunen med den 3. laveste "
        "dekningsgrad (Oslo) har en dekningsgrad 5,2 prosent. Ved å reduseres dekningsgraden til dette "
        "nivået kan det spares 17,5 millioner kroner.» «Blant ASSS-kommunene er det kun Tromsø som har "
        "høyere dekningsgrad.»",
        volume_quote="Netto driftsutgift kulturskole (1000 kr) = elever × (brutto enhetskostnad − "
        "brukerbetaling) = 3 334 × (14 850 − 3 665). Metode: færre elever i samme forhold som "
        "dekningsgraden senkes, til netto kostnad per elev. Gir 6,6 mot snittet; mot Oslo gir metoden "
        "20,1, ikke rapportens 17,5 (paret følger ingen felles lineær regel).",
        tabell="R Tabell 4",
        printed=("6,6", "17,5"),
    ),
    Line(
        indikator="sosialhjelp_per_stonadsmaned",
        navn="Sosialhjelp, utbetaling per stønadsmåned",
        sektor="Sosialhjelp",
        enhet="kr per stønadsmåned",
        beste="lav",
        beregning="absolutt",
        volum="stonadsmaneder",
        faktor=1,
        own=8_080,
        volume=22_750,
        decimals=0,
        peers={
            "Bergen": 6_937,
            "Oslo": 7_900,
            "Stavanger": 7_450,
            "Bærum": 7_600,
            "Kristiansand": 6_800,
            "Fredrikstad": 6_650,
            "Tromsø": 7_350,
            "Sandnes": 7_050,
        },
        balancer="Drammen",
        mean_target=8_080 - 801,  # "vel 800 kroner": a little over 800
        referanse_2="Bergen",
        quote="«Her ligger Trondheim 11,0 prosent (vel 800 kroner) over gjennomsnittet for de øvrige "
        "ASSS-kommunene. Ved å reduseres de månedlige utbetalinger til disse nivåene kan utgiftene "
        "reduseres med 18,2 millioner kroner.» «I Bergen er gjennomsnittlig utbetaling per stønadsmåned "
        "om lag 1150 kroner lavere enn i Trondheim, og utgiftene kan reduseres med 26 millioner kroner»",
        volume_quote="Antall stønadsmåneder: 18,2 mill. kr / vel 800 kr.",
        tabell="R Tabell 5",
        printed=("18,2", "26,0"),
    ),
    Line(
        indikator="sosialhjelp_mottakere",
        navn="Sosialhjelp, mottakere i % av innbyggere 20-66 år",
        sektor="Sosialhjelp",
        enhet="prosent",
        beste="lav",
        beregning="relativ",
        volum="sosialhjelp_utbetalt_ved_snitt",
        faktor=1000,
        own=3.60,
        volume=round(22_750 * (8_080 - 801) / 1000),
        decimals=2,
        peers={
            "Bergen": 3.85,
            "Oslo": 3.70,
            "Drammen": 3.55,
            "Bærum": 2.10,
            "Stavanger": 2.90,
            "Kristiansand": 3.40,
            "Fredrikstad": 4.05,
            "Sandnes": 2.75,
        },
        balancer="Tromsø",
        mean_target=29.98 / 9,  # 7.5 % fewer recipients: "en reduksjon på 7-8 prosent"
        referanse_2="Bergen",
        quote="«Dersom antall sosialhjelpsklienter kom ned på gjennomsnittlig ASSS-nivå (en reduksjon på 7-8 "
        "prosent), ville det være mulig å redusere utgiftene til økonomisk sosialhjelp med ytterligere "
        "12,4 millioner kroner.» «Bergen har relativt flere sosialhjelpsmottakere enn Trondheim»",
        volume_quote="Utbetalt sosialhjelp (1000 kr) etter at utbetaling per stønadsmåned er redusert til "
        "ASSS-snittet («ytterligere»): stønadsmåneder × snittutbetaling.",
        tabell="R Tabell 5",
        printed=("12,4", "-"),
    ),
    Line(
        indikator="barnevern_i_familien",
        navn="Barnevern, brutto driftsutgift per barn i opprinnelig familie",
        sektor="Barnevern",
        enhet="kr per barn",
        beste="lav",
        beregning="absolutt",
        volum="barn_tiltak_i_familien",
        faktor=1,
        own=54_351,
        volume=925,
        decimals=0,
        peers={
            "Bergen": 43_648,
            "Oslo": 41_000,
            "Stavanger": 33_500,
            "Bærum": 36_800,
            "Kristiansand": 29_400,
            "Fredrikstad": 27_900,
            "Tromsø": 31_200,
            "Sandnes": 30_100,
        },
        balancer="Drammen",
        mean_target=35_000,
        referanse_2="Bergen",
        quote="«Brutto driftsutgift per i barn i opprinnelig familie ligger 90 prosent over "
        "ASSS-gjennomsnittet» «selv om antall barn under tiltak oppjusteres med 170, er "
        "enhetskostnaden fortsatt mer enn 50 prosent over gjennomsnittet ... Det er dette "
        "kostnadsnivået som er lagt til grunn» Tabell 6: 17,9 og 9,9.",
        volume_quote="Barn med tiltak i opprinnelig familie, oppjustert med 170 (755 + 170); egen verdi er "
        "enhetskostnaden etter oppjusteringen (66 589 kr før, 90 % over snittet).",
        tabell="R Tabell 6",
        printed=("17,9", "9,9"),
    ),
    Line(
        indikator="barnevern_utenfor_familien",
        navn="Barnevern, brutto driftsutgift per barn utenfor opprinnelig familie",
        sektor="Barnevern",
        enhet="kr per barn",
        beste="lav",
        beregning="absolutt",
        volum="barn_plassert_utenfor",
        faktor=1,
        own=358_050,
        volume=420,
        decimals=0,
        peers={
            "Bergen": 321_145,
            "Oslo": 352_000,
            "Stavanger": 305_000,
            "Bærum": 338_000,
            "Kristiansand": 289_000,
            "Fredrikstad": 276_000,
            "Tromsø": 299_000,
            "Sandnes": 310_000,
        },
        balancer="Drammen",
        mean_target=358_050 - 17.3e6 / 420,
        referanse_2="Bergen",
        quote="«brutto driftsutgift per barn utenfor opprinnelig familie ligger 13 prosent over» «Bergen har "
        "enhetskostnader noe over ASSS-gjennomsnittet, så sammenlikningen med Bergen innebærer at den "
        "beregnede utgiftsreduksjonen reduseres fra 35,2 til 25,4 millioner kroner.»",
        volume_quote="Barn med tiltak utenfor opprinnelig familie (illustrativt antall).",
        tabell="R Tabell 6",
        printed=("17,3", "15,5"),
    ),
    Line(
        indikator="pleie_netto_per_innbygger_67",
        navn="Pleie og omsorg, netto driftsutgift per innbygger 67 år og over",
        sektor="Pleie og omsorg",
        enhet="kr per innbygger 67+",
        beste="lav",
        beregning="absolutt",
        volum="innbyggere_67",
        faktor=1,
        own=86_270,
        volume=18_500,
        decimals=0,
        peers={
            "Bærum": 78_900,
            "Sandnes": 80_300,
            "Kristiansand": 81_605,
            "Oslo": 92_400,
            "Bergen": 84_100,
            "Stavanger": 88_700,
            "Fredrikstad": 82_900,
            "Tromsø": 89_300,
        },
        balancer="Drammen",
        mean_target=86_270 - 26.6e6 / 18_500,
        quote="«Utgiftsnivået i Trondheim ligger 1,7 prosent over gjennomsnittet for de øvrige "
        "ASSS-kommuner og 5,7 prosent over 3. laveste ASSS (Kristiansand), noe som gir et "
        "innsparingspotensial på henholdsvis 26,6 millioner kroner og 86,3 millioner kroner.»",
        volume_quote="Innbyggere 67 år og over (illustrativt); netto utgift blir om lag 1,6 mrd. kr.",
        tabell="R Tabell 7",
        printed=("26,6", "86,3"),
    ),
    Line(
        indikator="adm_politisk_styring",
        navn="Politisk styring og kontrollorganer (f 100), brutto driftsutgift per innbygger",
        sektor="Administrasjon",
        enhet="kr per innbygger",
        beste="lav",
        beregning="absolutt",
        volum="innbyggere",
        faktor=1,
        own=292,
        volume=159_800,
        decimals=0,
        peers={
            "Bærum": 205,
            "Kristiansand": 218,
            "Sandnes": 225,
            "Oslo": 310,
            "Bergen": 262,
            "Stavanger": 251,
            "Fredrikstad": 246,
            "Tromsø": 288,
        },
        balancer="Drammen",
        mean_target=292 - 6.8e6 / 159_800,
        quote="«For politisk styring og kontrollorganer ligger utgiftene 17 prosent over» «Dersom det i "
        "stedet sammenliknes med 3. laveste ASSS-kommune (Sandnes), øker innsparingspotensialet til "
        "28,9 millioner kroner.» Tabell 8: 6,8 og 10,7.",
        volume_quote="Innbyggere, om lag 160 000: 240 mill. kr / 1 500 kr per innbygger (R, figur 1-teksten).",
        tabell="R Tabell 8",
        printed=("6,8", "10,7"),
    ),
    Line(
        indikator="adm_administrasjon",
        navn="Administrasjon (f 120), brutto driftsutgift per innbygger",
        sektor="Administrasjon",
        enhet="kr per innbygger",
        beste="lav",
        beregning="absolutt",
        volum="innbyggere",
        faktor=1,
        own=2_014,
        volume=159_800,
        decimals=0,
        peers={
            "Bærum": 1_780,
            "Kristiansand": 1_860,
            "Sandnes": 1_900,
            "Oslo": 2_250,
            "Bergen": 2_010,
            "Stavanger": 2_090,
            "Fredrikstad": 1_960,
            "Tromsø": 2_120,
        },
        balancer="Drammen",
        mean_target=2_014 - 3.0e6 / 159_800,
        quote="«og for administrasjon knappe 1 prosent. Dersom utgiftene på disse områdene bringes ned til "
        "ASSS-gjennomsnittet, kan utgiftene reduseres med nærmere 10 millioner kroner.» Tabell 8: 3,0 "
        "og 18,2.",
        volume_quote="Innbyggere, som for f 100.",
        tabell="R Tabell 8",
        printed=("3,0", "18,2"),
    ),
    Line(
        indikator="barnehage_per_oppholdstime",
        navn="Barnehage, brutto driftsutgift per korrigert oppholdstime (kommunale)",
        sektor="Barnehage",
        enhet="kr per time",
        beste="lav",
        beregning="absolutt",
        volum="oppholdstimer",
        faktor=1,
        own=50.00,
        volume=14_280_000,
        decimals=2,
        peers={
            "Fredrikstad": 45.80,
            "Sandnes": 46.90,
            "Oslo": 47.62,
            "Bergen": 51.30,
            "Stavanger": 53.90,
            "Bærum": 54.20,
            "Kristiansand": 49.10,
            "Tromsø": 52.40,
        },
        balancer="Drammen",
        mean_target=50.40,
        quote="«Enhetskostnadene i kommunale barnehager ... ligger så vidt under ASSS-gjennomsnittet ... "
        "Enhetskostnaden er imidlertid 5 prosent høyere enn 3. laveste ASSS (Oslo). Utgiftene i "
        "kommunale barnehager kan reduseres med 34 millioner kroner dersom enhetskostnaden kommer ned "
        "på dette nivået.»",
        volume_quote="Korrigerte oppholdstimer i kommunale barnehager: 34 mill. kr / (5 % av enhetskostnaden).",
        tabell="R Tabell 9",
        printed=("-", "34,0"),
    ),
]


def build() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    data_rows: list[dict[str, object]] = []
    ind_rows: list[dict[str, object]] = []
    volumes: dict[str, tuple[float, str]] = {}
    for line in LINES:
        values = dict(line.peers)
        values[line.balancer] = solve_balancer(line)
        assert set(values) == set(PEERS), line.indikator
        mean = sum(values.values()) / len(values)
        ordered = sorted(values.items(), key=lambda kv: (kv[1], kv[0]), reverse=line.beste == "høy")
        third_name, third = ordered[2]
        ref2 = values["Bergen"] if line.referanse_2 == "Bergen" else third
        s1, s2 = saving(line, mean), saving(line, ref2)
        print(
            f"{line.indikator:32s} snitt {mean:12.3f} -> {s1:7.3f} | "
            f"{line.referanse_2 or '3. beste ' + third_name:22s} {ref2:10.2f} -> {s2:7.3f}  "
            f"(trykt {line.printed[0]} / {line.printed[1]})"
        )
        for kommune in PEERS:
            data_rows.append(
                {
                    "kommune": kommune,
                    "aar": YEAR,
                    "indikator": line.indikator,
                    "verdi": _fmt(values[kommune], line.decimals),
                    "grunnlag": (
                        "Balanseverdi: valgt slik at snittet av de ni stemmer. "
                        if kommune == line.balancer
                        else "Navngitt referanse i R. "
                        if kommune in {third_name, "Bergen"}
                        and (kommune == third_name or line.referanse_2 == "Bergen")
                        else "Fyllverdi (illustrativ). "
                    )
                    + line.quote
                    + " "
                    + NOTE,
                }
            )
        data_rows.append(
            {
                "kommune": OWN,
                "aar": YEAR,
                "indikator": line.indikator,
                "verdi": _fmt(line.own, line.decimals),
                "grunnlag": line.quote + " " + NOTE,
            }
        )
        volumes.setdefault(line.volum, (line.volume, line.volume_quote))
        ind_rows.append(
            {
                "indikator": line.indikator,
                "navn": line.navn,
                "sektor": line.sektor,
                "enhet": line.enhet,
                "beste": line.beste,
                "beregning": line.beregning,
                "volum": line.volum,
                "faktor": _fmt(line.faktor, 6),
                "referanse_1": "",
                "referanse_2": line.referanse_2,
                "kilde": line.tabell,
            }
        )
    for volum, (value, quote) in volumes.items():
        data_rows.append(
            {
                "kommune": OWN,
                "aar": YEAR,
                "indikator": volum,
                "verdi": _fmt(value, 0),
                "grunnlag": quote + " " + NOTE,
            }
        )
    _write(OUT / "data.csv", data_rows)
    _write(OUT / "indikatorer.csv", ind_rows)
    _write(
        OUT / "kommuner.csv",
        [{"kommune": k, "kommunenummer": n, "gruppe": "ASSS"} for k, n in KOMMUNER.items()],
    )
    _write(
        OUT / "innstillinger.csv",
        [
            {"innstilling": "Egen kommune", "verdi": OWN},
            {"innstilling": "År", "verdi": str(YEAR)},
            {"innstilling": "Sammenligningsgruppe", "verdi": "ASSS"},
            {"innstilling": "Referanse 1", "verdi": "snitt"},
            {"innstilling": "Referanse 2", "verdi": "3. beste"},
            {"innstilling": "Snitt: ta med egen kommune", "verdi": "Nei"},
            {"innstilling": "Snitt: utelat", "verdi": ""},
            {"innstilling": "Snitt: vekt", "verdi": ""},
        ],
    )


def _fmt(value: float, decimals: int) -> str:
    if decimals == 0 or float(value).is_integer():
        return str(round(value))
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    assert not math.isnan(float(text))
    return text


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    build()
