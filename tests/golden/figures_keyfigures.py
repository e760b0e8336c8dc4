"""Figures printed in the source documents, as data for the golden tests.

R = "Den økonomiske situasjonen i Trondheim kommune" (2008 report).
S = Trondheim kommune, slides on the economic plan HØP 2020-2023 (2019).

Every expected value below is a figure printed in R or S (or, where noted, counted or added
by hand from a printed table); none is produced by the engine. Inputs and expectations are
kept in the unit printed (percent, kr, MNOK); the tests convert percent to fractions at the
boundary, since the engine works in fractions.

Tolerance is half a unit of the last significant printed digit: "26,5 prosent" -> 0.05,
"6 prosent" -> 0.5, a whole figure in prose with a trailing zero that is not significant
("50 prosent", "200 prosent") -> 5. Sums and differences of printed figures are exact
(1e-9 only absorbs binary floating point). Words are turned into intervals written as
centre +- tolerance: "knappe 3" (just under 3) is (2.5, 3.0) = 2.75 +- 0.25; "vel 2"
(just over 2) is (2.0, 2.5).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

EXACT = 1e-9  # a sum or difference of printed figures: exact up to binary floating point


@dataclass(frozen=True)
class Printed:
    """One printed figure.

    Attributes:
        value: the figure in the unit printed (sign gives the direction of a change).
        tolerance: accepted absolute difference, same unit.
        source: document and table or page, e.g. "R Tabell 2".
        text: the words as printed, for the failure message.
    """

    value: float
    tolerance: float
    source: str
    text: str


# ---------------------------------------------------------------------------------------------
# R Tabell 2 (percent, as printed): annual rates 2004, 2005, 2006, 2007
# ---------------------------------------------------------------------------------------------

TRONDHEIM_FRIE_INNTEKTER = (2.1, 5.7, 12.4, 4.3)
TRONDHEIM_NETTO_UTGIFTER = (-2.8, 6.5, 13.6, 9.5)
TRONDHEIM_RENTER_AVDRAG = (0.8, 0.4, 0.7, 1.9)  # % of income
ASSS_FRIE_INNTEKTER = (0.2, 8.5, 11.4, 4.1)
ASSS_NETTO_UTGIFTER = (-2.9, 2.1, 10.2, 9.8)
ASSS_RENTER_AVDRAG = (1.6, 2.2, 1.6, 2.3)  # % of income
KOMMUNAL_DEFLATOR = (3.0, 2.8, 3.8, 4.2)

# (measure, rates %, deflators % or None, printed). measure: "total" = compound growth over
# the period, "annual" = geometric mean, "real_annual" = annual real growth.
GROWTH_FROM_RATES = [
    pytest.param(
        "total",
        TRONDHEIM_FRIE_INNTEKTER,
        None,
        Printed(26.5, 0.05, "R Tabell 2 (tekst)", "nominelle inntektsveksten 26,5 prosent"),
        id="R-tab2-trondheim-inntektsvekst-periode-26,5",
    ),
    pytest.param(
        "annual",
        TRONDHEIM_FRIE_INNTEKTER,
        None,
        Printed(6.0, 0.5, "R Tabell 2 (tekst)", "6 prosent i årlig gjennomsnitt"),
        id="R-tab2-trondheim-inntektsvekst-aarlig-6",
    ),
    pytest.param(
        "real_annual",
        TRONDHEIM_FRIE_INNTEKTER,
        KOMMUNAL_DEFLATOR,
        Printed(2.5, 0.05, "R Tabell 2 (tekst)", "Realinntektsveksten var i gjennomsnitt 2,5"),
        id="R-tab2-trondheim-realinntektsvekst-2,5",
    ),
    pytest.param(
        "annual",
        TRONDHEIM_NETTO_UTGIFTER,
        None,
        Printed(6.5, 0.05, "R Tabell 2 (tekst)", "utgiftsveksten ... 6,5 prosent i årlig snitt"),
        id="R-tab2-trondheim-utgiftsvekst-aarlig-6,5",
    ),
    pytest.param(
        "real_annual",
        TRONDHEIM_NETTO_UTGIFTER,
        KOMMUNAL_DEFLATOR,
        # "knappe 3": just under 3, i.e. in (2.5, 3.0)
        Printed(2.75, 0.25, "R Tabell 2 (tekst)", "realvekst på knappe 3 prosent"),
        id="R-tab2-trondheim-real-utgiftsvekst-knappe-3",
    ),
    pytest.param(
        "annual",
        ASSS_NETTO_UTGIFTER,
        None,
        Printed(4.7, 0.05, "R Tabell 2 (tekst)", "vekst på 4,7 prosent per år"),
        id="R-tab2-asss-utgiftsvekst-aarlig-4,7",
    ),
    pytest.param(
        "real_annual",
        ASSS_NETTO_UTGIFTER,
        KOMMUNAL_DEFLATOR,
        Printed(1.2, 0.05, "R Tabell 2 (tekst)", "realvekst på 1,2 prosent"),
        id="R-tab2-asss-real-utgiftsvekst-1,2",
    ),
]

# R Tabell 2 text: the gap in interest and repayment (% of income) between ASSS and Trondheim
# was "halvert" from 2004 to 2007: 1.6 - 0.8 = 0.8 points, 2.3 - 1.9 = 0.4 points.
RENTER_AVDRAG_GAP = [
    pytest.param(
        (TRONDHEIM_RENTER_AVDRAG[0], ASSS_RENTER_AVDRAG[0]),
        Printed(0.8, EXACT, "R Tabell 2", "0,8 og 1,6 (2004)"),
        id="R-tab2-gap-renter-avdrag-2004-0,8",
    ),
    pytest.param(
        (TRONDHEIM_RENTER_AVDRAG[3], ASSS_RENTER_AVDRAG[3]),
        Printed(0.4, EXACT, "R Tabell 2", "1,9 og 2,3 prosent (2007)"),
        id="R-tab2-gap-renter-avdrag-2007-0,4",
    ),
]
HALVERT = Printed(0.5, 0.05, "R Tabell 2 (tekst)", "forskjellen ... halvert fra 2004 til 2007")

# The printed annual average (6.5) is not the arithmetic mean of the rates (6.7): R compounds.
ARITHMETIC_MEAN_TRONDHEIM_UTGIFTER = 6.7

# ---------------------------------------------------------------------------------------------
# R Tabell 3: investeringsutgifter in kr per innbygger 2004-2007, langsiktig gjeld % of income
# ---------------------------------------------------------------------------------------------

TRONDHEIM_INVESTERINGER = (6305.0, 6162.0, 8480.0, 10355.0)
ASSS_INVESTERINGER = (4734.0, 4661.0, 4853.0, 6871.0)
TRONDHEIM_GJELD_2007 = 199.5  # % of driftsinntekter
ASSS_GJELD_2007 = 150.9
DEFLATOR_2005_2007 = KOMMUNAL_DEFLATOR[1:]  # the years after the first level (2004)

# (measure, levels, deflators % or None, printed). measure: "annual" or "real_annual".
GROWTH_FROM_LEVELS = [
    pytest.param(
        "annual",
        TRONDHEIM_INVESTERINGER,
        None,
        Printed(18.0, 0.5, "R Tabell 3 (tekst)", "årlig vekst ... på 18 prosent"),
        id="R-tab3-trondheim-investeringsvekst-18",
    ),
    pytest.param(
        "real_annual",
        TRONDHEIM_INVESTERINGER,
        DEFLATOR_2005_2007,
        Printed(14.0, 0.5, "R Tabell 3 (tekst)", "realvekst på 14 prosent"),
        id="R-tab3-trondheim-real-investeringsvekst-14",
    ),
    pytest.param(
        "annual",
        ASSS_INVESTERINGER,
        None,
        Printed(13.0, 0.5, "R Tabell 3 (tekst)", "ASSS-kommuner 13 prosent"),
        id="R-tab3-asss-investeringsvekst-13",
    ),
    pytest.param(
        "real_annual",
        ASSS_INVESTERINGER,
        DEFLATOR_2005_2007,
        Printed(9.0, 0.5, "R Tabell 3 (tekst)", "realvekst på 9 prosent"),
        id="R-tab3-asss-real-investeringsvekst-9",
    ),
]

INVESTMENT_LEVEL_2007 = pytest.param(
    TRONDHEIM_INVESTERINGER[3],
    ASSS_INVESTERINGER[3],
    # "50 prosent": the trailing zero is not significant, so +- 5 points
    Printed(50.0, 5.0, "R Tabell 3 (tekst)", "investeringsnivået ... 50 prosent høyere"),
    id="R-tab3-investeringsnivaa-2007-50-prosent-hoyere",
)

# (gjeld % of driftsinntekter in the table, printed prose figure)
DEBT_2007 = [
    pytest.param(
        TRONDHEIM_GJELD_2007,
        Printed(200.0, 5.0, "R Tabell 3 (tekst)", "200 prosent av driftsinntektene"),
        id="R-tab3-trondheim-gjeld-200-prosent",
    ),
    pytest.param(
        ASSS_GJELD_2007,
        Printed(150.0, 5.0, "R Tabell 3 (tekst)", "tilsvarende ... 150 prosent"),
        id="R-tab3-asss-gjeld-150-prosent",
    ),
]

# ---------------------------------------------------------------------------------------------
# R Tabell 1: netto driftsresultat in % of driftsinntekter, 2004-2007
# ---------------------------------------------------------------------------------------------

TRONDHEIM_NDR_BOOKED = (4.7, 4.7, 7.1, 1.6)
ASSS_NDR_BOOKED = (1.9, 5.4, 5.6, 3.7)
TRONDHEIM_NDR_CORRECTED = (2.8, 2.8, 0.7, -2.8)
ASSS_NDR_CORRECTED_2006_2007 = (3.5, 1.7)

# (before %, after %, printed change in points; negative = a fall)
NDR_CHANGES = [
    pytest.param(
        TRONDHEIM_NDR_BOOKED[2],
        TRONDHEIM_NDR_BOOKED[3],
        Printed(-5.5, 0.05, "R Tabell 1 (tekst)", "redusert med 5,5 prosentpoeng"),
        id="R-tab1-trondheim-regnskapsfoert-2006-2007-minus-5,5",
    ),
    pytest.param(
        ASSS_NDR_BOOKED[2],
        ASSS_NDR_BOOKED[3],
        Printed(-2.0, 0.5, "R Tabell 1 (tekst)", 'reduksjonen "bare" var 2 prosentpoeng'),
        id="R-tab1-asss-regnskapsfoert-2006-2007-minus-2",
    ),
    pytest.param(
        TRONDHEIM_NDR_BOOKED[1],
        TRONDHEIM_NDR_BOOKED[2],
        Printed(2.4, 0.05, "R Tabell 1 (tekst)", "økte med 2,4 prosentpoeng fra 2005 til 2006"),
        id="R-tab1-trondheim-regnskapsfoert-2005-2006-pluss-2,4",
    ),
    pytest.param(
        TRONDHEIM_NDR_CORRECTED[1],
        TRONDHEIM_NDR_CORRECTED[2],
        # "vel 2": a fall of just over 2 points, i.e. in (-2.5, -2.0)
        Printed(-2.25, 0.25, "R Tabell 1 (tekst)", "en svekkelse på vel 2 prosentpoeng"),
        id="R-tab1-trondheim-korrigert-2005-2006-vel-2",
    ),
    pytest.param(
        TRONDHEIM_NDR_CORRECTED[2],
        TRONDHEIM_NDR_CORRECTED[3],
        Printed(-3.5, 0.05, "R Tabell 1 (tekst)", "en svekkelse ... på hele 3,5 prosentpoeng"),
        id="R-tab1-trondheim-korrigert-2006-2007-minus-3,5",
    ),
]

# ---------------------------------------------------------------------------------------------
# S: balance tables (MNOK)
# ---------------------------------------------------------------------------------------------

KLAEBU_2018 = (6.6, 2.6, -0.5, -1.2, 8.5, 10.4)
TRONDHEIM_AVVIK_2018 = (214.0, 31.0, -101.0, 101.0, -13.0, -16.0)
OKONOMIRAPPORT_OKNINGER = (63.0, 17.0, 10.0)
OKONOMIRAPPORT_INNDEKNING = (-42.0, -11.0, -37.0)

# (name, lines, printed sum)
SUMS = [
    pytest.param(
        "Klæbu regnskapsresultat 2018",
        KLAEBU_2018,
        Printed(26.4, EXACT, "S Klæbu regnskap, regnskapsresultat 2018", "SUM 26,4"),
        id="S-klaebu-regnskapsresultat-2018-26,4",
    ),
    pytest.param(
        "Trondheim regnskapsresultat 2018, avvik",
        TRONDHEIM_AVVIK_2018,
        Printed(216.0, EXACT, "S Trondheim kommune regnskap 2018, avvik", "SUM 216"),
        id="S-trondheim-avvik-2018-216",
    ),
    pytest.param(
        "1. økonomirapport 2019, økte driftsrammer",
        OKONOMIRAPPORT_OKNINGER,
        Printed(90.0, EXACT, "S 1. økonomirapport 2019", "Sum 90"),
        id="S-okonomirapport-2019-okte-driftsrammer-90",
    ),
    pytest.param(
        "1. økonomirapport 2019, økte inntekter/reduserte driftsrammer",
        OKONOMIRAPPORT_INNDEKNING,
        Printed(-90.0, EXACT, "S 1. økonomirapport 2019", "Sum −90"),
        id="S-okonomirapport-2019-inndekning-minus-90",
    ),
]

# The revision as a whole nets to zero: "Sum 90 −90".
REVISION = pytest.param(
    "1. økonomirapport 2019",
    OKONOMIRAPPORT_OKNINGER + OKONOMIRAPPORT_INNDEKNING,
    Printed(0.0, EXACT, "S 1. økonomirapport 2019", "Sum 90 −90"),
    id="S-okonomirapport-2019-netto-0",
)

# ---------------------------------------------------------------------------------------------
# S: "Trondheim og andre store kommuner ASSS", 2015-2018 (kr)
# ---------------------------------------------------------------------------------------------

ASSS_YEARS = (2015, 2016, 2017, 2018)
ASSS_TABLE: dict[str, tuple[int, int, int, int]] = {
    "Fredrikstad": (899_133, 921_470, 934_218, 1_157_082),
    "Bærum": (1_155_985, 1_114_248, 1_126_095, 1_147_771),
    "Oslo": (937_416, 950_097, 1_042_206, 1_085_702),
    "Drammen": (690_568, 664_360, 730_689, 615_585),
    "Kristiansand": (612_459, 654_839, 684_200, 671_380),
    "Sandnes": (836_721, 924_216, 633_332, 711_728),
    "Stavanger": (890_028, 825_530, 998_892, 1_113_666),
    "Bergen": (943_232, 864_877, 989_423, 1_024_584),
    "Trondheim": (618_378, 642_864, 911_035, 938_759),
    "Tromsø": (742_044, 776_799, 793_923, 773_329),
}
OWN = "Trondheim"

# "Snitt ASSS" as printed: the mean of all ten, Trondheim included, in whole kroner.
SNITT_ASSS = [
    pytest.param(
        aar,
        Printed(value, 0.5, "S ASSS-tabell, raden Snitt ASSS", text),
        id=f"S-asss-snitt-{aar}-{text.replace(' ', '')}",
    )
    for aar, value, text in (
        (2015, 832_596.0, "832 596"),
        (2016, 833_930.0, "833 930"),
        (2017, 884_401.0, "884 401"),
        (2018, 923_959.0, "923 959"),
    )
]

# The mean of the other nine in 2015, added by hand from the printed rows:
# (8 325 964 - 618 378) / 9 = 856 398.4.
SNITT_UTEN_EGEN_2015 = pytest.param(
    2015,
    Printed(856_398.0, 0.5, "S ASSS-tabell (snitt av de ni andre, regnet for hånd)", "856 398"),
    id="S-asss-snitt-uten-trondheim-2015-856398",
)

# Trondheim's place counted by hand from the printed rows (1 = highest value).
TRONDHEIM_RANG = [
    pytest.param(
        aar,
        Printed(rang, 0.0, "S ASSS-tabell (plass talt for hånd)", f"nr. {rang} av 10"),
        id=f"S-asss-trondheim-rang-{aar}-{rang}",
    )
    for aar, rang in ((2015, 9), (2016, 10), (2017, 6), (2018, 6))
]

ALL_ROWS = [
    *GROWTH_FROM_RATES,
    *RENTER_AVDRAG_GAP,
    *GROWTH_FROM_LEVELS,
    INVESTMENT_LEVEL_2007,
    *DEBT_2007,
    *NDR_CHANGES,
    *SUMS,
    REVISION,
    *SNITT_ASSS,
    SNITT_UTEN_EGEN_2015,
    *TRONDHEIM_RANG,
]
