"""Printed savings figures of the 2008 Trondheim report (R), Tabell 4-10.

Copied from the report (see also shared/reference/SEED_FIGURES.md section 5); the tests must not
read shared/ at run time. Million kroner. ``None`` is the report's "-" (no saving).
Tolerance: half the last printed digit (0.05 for one decimal).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PrintedSaving:
    id: str
    source: str
    indicators: tuple[str, ...]  # the engine lines that make up the printed line
    column: int  # 1 = against the ASSS mean, 2 = against 3rd best / Bergen
    printed: float | None  # None = "-"
    tolerance: float = 0.05
    xfail: str | None = None


# The kulturskole coverage pair cannot both follow from one linear rule on the printed
# percentages (11.3 vs 9.3 gives 6.6; 11.3 vs 5.2 would then give 20.1, not 17.5; with
# rounding, the gap ratio lies in 2.86-3.26 while 17.5/6.6 is 2.62-2.68). The reconstruction
# honours the mean figure; everything that sums the 3rd-best coverage line inherits the gap.
COVERAGE = (
    "R Tabell 4: the kulturskole coverage pair 6,6 / 17,5 follows no single linear rule from the "
    "printed coverages 11,3 / 9,3 / 5,2 %; our documented method (relative cut of net cost) gives "
    "20,1 against Oslo"
)

GS = ("gruppestorrelse_barnetrinn", "gruppestorrelse_ungdomstrinn")

LINES: list[PrintedSaving] = [
    PrintedSaving("T4 økt gruppestørrelse, snitt", "R Tabell 4", GS, 1, None),
    PrintedSaving("T4 økt gruppestørrelse, 3. beste", "R Tabell 4", GS, 2, 28.4),
    PrintedSaving("T4 SFO enhetskostnad, snitt", "R Tabell 4", ("sfo_enhetskostnad",), 1, 4.5),
    PrintedSaving("T4 SFO enhetskostnad, 3. beste", "R Tabell 4", ("sfo_enhetskostnad",), 2, 8.2),
    PrintedSaving("T4 SFO brukerbetaling, snitt", "R Tabell 4", ("sfo_brukerbetaling",), 1, 15.8),
    PrintedSaving(
        "T4 SFO brukerbetaling, 3. beste", "R Tabell 4", ("sfo_brukerbetaling",), 2, 16.8
    ),
    PrintedSaving(
        "T4 kulturskole enhetskostnad, snitt", "R Tabell 4", ("kulturskole_enhetskostnad",), 1, 2.5
    ),
    PrintedSaving(
        "T4 kulturskole enhetskostnad, 3. beste",
        "R Tabell 4",
        ("kulturskole_enhetskostnad",),
        2,
        3.0,
    ),
    PrintedSaving(
        "T4 kulturskole brukerbetaling, snitt",
        "R Tabell 4",
        ("kulturskole_brukerbetaling",),
        1,
        0.3,
    ),
    PrintedSaving(
        "T4 kulturskole brukerbetaling, 3. beste",
        "R Tabell 4",
        ("kulturskole_brukerbetaling",),
        2,
        1.4,
    ),
    PrintedSaving(
        "T4 kulturskole dekningsgrad, snitt", "R Tabell 4", ("kulturskole_dekningsgrad",), 1, 6.6
    ),
    PrintedSaving(
        "T4 kulturskole dekningsgrad, 3. beste",
        "R Tabell 4",
        ("kulturskole_dekningsgrad",),
        2,
        17.5,
        xfail=COVERAGE,
    ),
    PrintedSaving(
        "T5 utbetaling per stønadsmåned, snitt",
        "R Tabell 5",
        ("sosialhjelp_per_stonadsmaned",),
        1,
        18.2,
    ),
    PrintedSaving(
        "T5 utbetaling per stønadsmåned, Bergen",
        "R Tabell 5",
        ("sosialhjelp_per_stonadsmaned",),
        2,
        26.0,
    ),
    PrintedSaving("T5 antall mottakere, snitt", "R Tabell 5", ("sosialhjelp_mottakere",), 1, 12.4),
    PrintedSaving("T5 antall mottakere, Bergen", "R Tabell 5", ("sosialhjelp_mottakere",), 2, None),
    PrintedSaving("T6 barn i familien, snitt", "R Tabell 6", ("barnevern_i_familien",), 1, 17.9),
    PrintedSaving("T6 barn i familien, Bergen", "R Tabell 6", ("barnevern_i_familien",), 2, 9.9),
    PrintedSaving(
        "T6 barn utenfor familien, snitt", "R Tabell 6", ("barnevern_utenfor_familien",), 1, 17.3
    ),
    PrintedSaving(
        "T6 barn utenfor familien, Bergen", "R Tabell 6", ("barnevern_utenfor_familien",), 2, 15.5
    ),
    PrintedSaving(
        "T7 pleie og omsorg, snitt", "R Tabell 7", ("pleie_netto_per_innbygger_67",), 1, 26.6
    ),
    PrintedSaving(
        "T7 pleie og omsorg, 3. laveste", "R Tabell 7", ("pleie_netto_per_innbygger_67",), 2, 86.3
    ),
    PrintedSaving(
        "T8 politisk styring f100, snitt", "R Tabell 8", ("adm_politisk_styring",), 1, 6.8
    ),
    PrintedSaving(
        "T8 politisk styring f100, 3. laveste", "R Tabell 8", ("adm_politisk_styring",), 2, 10.7
    ),
    PrintedSaving("T8 administrasjon f120, snitt", "R Tabell 8", ("adm_administrasjon",), 1, 3.0),
    PrintedSaving(
        "T8 administrasjon f120, 3. laveste", "R Tabell 8", ("adm_administrasjon",), 2, 18.2
    ),
    PrintedSaving(
        "T9 barnehage per time, snitt", "R Tabell 9", ("barnehage_per_oppholdstime",), 1, None
    ),
    PrintedSaving(
        "T9 barnehage per time, 3. laveste", "R Tabell 9", ("barnehage_per_oppholdstime",), 2, 34.0
    ),
]


@dataclass(frozen=True)
class PrintedSectorSum:
    id: str
    source: str
    sector: str  # "Sum" = the table total
    column: int
    printed: float | None
    xfail: str | None = None


SECTORS: list[PrintedSectorSum] = [
    PrintedSectorSum("T10 Grunnskole, snitt", "R Tabell 10", "Grunnskole", 1, 29.7),
    PrintedSectorSum(
        "T10 Grunnskole, 3. beste", "R Tabell 10", "Grunnskole", 2, 75.3, xfail=COVERAGE
    ),
    PrintedSectorSum("T10 Sosialhjelp, snitt", "R Tabell 10", "Sosialhjelp", 1, 30.6),
    PrintedSectorSum("T10 Sosialhjelp, Bergen", "R Tabell 10", "Sosialhjelp", 2, 26.0),
    PrintedSectorSum("T10 Barnevern, snitt", "R Tabell 10", "Barnevern", 1, 35.2),
    PrintedSectorSum("T10 Barnevern, Bergen", "R Tabell 10", "Barnevern", 2, 25.4),
    PrintedSectorSum("T10 Pleie og omsorg, snitt", "R Tabell 10", "Pleie og omsorg", 1, 26.6),
    PrintedSectorSum("T10 Pleie og omsorg, 3. laveste", "R Tabell 10", "Pleie og omsorg", 2, 86.3),
    PrintedSectorSum("T10 Administrasjon, snitt", "R Tabell 10", "Administrasjon", 1, 9.8),
    PrintedSectorSum("T10 Administrasjon, 3. laveste", "R Tabell 10", "Administrasjon", 2, 28.9),
    PrintedSectorSum("T10 Barnehage, snitt", "R Tabell 10", "Barnehage", 1, None),
    PrintedSectorSum("T10 Barnehage, 3. laveste", "R Tabell 10", "Barnehage", 2, 34.0),
    PrintedSectorSum("T10 Sum, snitt", "R Tabell 10", "Sum", 1, 131.9),
    PrintedSectorSum("T10 Sum, 3. beste/Bergen", "R Tabell 10", "Sum", 2, 275.9, xfail=COVERAGE),
]

#: R section 3: "om lag 275 millioner kroner (242 millioner for IS-tjenestene)", IS = all but
#: barnehage; 275.9 - 34.0 = 241.9.
IS_SERVICES_3RD_BEST = 241.9

#: The municipality R names as the 3rd best (or Bergen) per engine line.
NAMED_REFERENCE = {
    "gruppestorrelse_barnetrinn": "Kristiansand",  # "15,3 på barnetrinnet (Kristiansand)"
    "gruppestorrelse_ungdomstrinn": "Oslo",  # "17,2 på ungdomstrinnet (Oslo)"
    "sfo_enhetskostnad": "Bergen",  # "3. beste ASSS (Bergen)"
    "sfo_brukerbetaling": "Bergen",  # "3. høyeste ASSS (Bergen)"
    "kulturskole_enhetskostnad": "Tromsø",  # "3. beste ASSS (Tromsø)"
    "kulturskole_brukerbetaling": "Tromsø",  # "3. beste ASSS (Tromsø)"
    "kulturskole_dekningsgrad": "Oslo",  # "den 3. laveste dekningsgrad (Oslo)"
    "sosialhjelp_per_stonadsmaned": "Bergen",
    "sosialhjelp_mottakere": "Bergen",
    "barnevern_i_familien": "Bergen",
    "barnevern_utenfor_familien": "Bergen",
    "pleie_netto_per_innbygger_67": "Kristiansand",  # "3. laveste ASSS (Kristiansand)"
    "adm_politisk_styring": "Sandnes",  # "3. laveste ASSS-kommune (Sandnes)"
    "adm_administrasjon": "Sandnes",
    "barnehage_per_oppholdstime": "Oslo",  # "3. laveste ASSS (Oslo)"
}


@dataclass(frozen=True)
class PrintedGap:
    """A printed percentage gap between Trondheim and a reference: own/ref - 1 in percent."""

    id: str
    source: str
    indicator: str
    column: int
    printed_pct: float
    tolerance: float


GAPS: list[PrintedGap] = [
    PrintedGap("SFO 3,5 % over snitt", "R s. 2 SFO", "sfo_enhetskostnad", 1, 3.5, 0.05),
    PrintedGap("SFO 6,6 % over Bergen", "R s. 2 SFO", "sfo_enhetskostnad", 2, 6.6, 0.05),
    PrintedGap(
        "Kulturskole 5,3 % over snitt", "R kulturskole", "kulturskole_enhetskostnad", 1, 5.3, 0.05
    ),
    PrintedGap(
        "Kulturskole 6,5 % over Tromsø", "R kulturskole", "kulturskole_enhetskostnad", 2, 6.5, 0.05
    ),
    PrintedGap(
        "Sosialhjelp 11,0 % over snitt", "R Tabell 5", "sosialhjelp_per_stonadsmaned", 1, 11.0, 0.05
    ),
    PrintedGap(
        "Barnevern utenfor 13 % over snitt",
        "R Tabell 6",
        "barnevern_utenfor_familien",
        1,
        13.0,
        0.5,
    ),
    PrintedGap(
        "Pleie 1,7 % over snitt", "R Tabell 7", "pleie_netto_per_innbygger_67", 1, 1.7, 0.05
    ),
    PrintedGap(
        "Pleie 5,7 % over Kristiansand", "R Tabell 7", "pleie_netto_per_innbygger_67", 2, 5.7, 0.05
    ),
    PrintedGap(
        "Politisk styring 17 % over snitt", "R Tabell 8", "adm_politisk_styring", 1, 17.0, 0.5
    ),
    PrintedGap("Barnehage 5 % over Oslo", "R Tabell 9", "barnehage_per_oppholdstime", 2, 5.0, 0.5),
]
