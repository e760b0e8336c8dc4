"""The key-figure table (Nøkkeltall): growth, net operating result, investments and debt.

Built from long-format data (kommune, aar, indikator, verdi) when it holds any of the reserved
indicator ids below. Each municipality (or group average such as ``ASSS``) with data gets its
rows, so the own municipality and its peers can be read side by side, as in R Tabell 1-3.

Reserved indicators (rates and shares as fractions, the engine's convention):

========================== ==================================================================
``frie_inntekter_vekst``   annual growth of free income (R Tabell 2)
``netto_utgifter_vekst``   annual growth of net expenditure (R Tabell 2)
``renter_avdrag_andel``    net interest and repayment, share of income (R Tabell 2)
``deflator``               the municipal deflator (kommune ``Norge``; R Tabell 2)
``investeringer_per_innbygger``  investment expenditure, kr per inhabitant (R Tabell 3)
``langsiktig_gjeld_andel`` long-term debt, share of operating income (R Tabell 3)
``ndr_andel``              net operating result as booked, share of operating income (R T1)
``ndr_korrigert_andel``    the same corrected (investeringsmoms, premieavvik; R Tabell 1)
========================== ==================================================================

Values in the table are shown in percent (or kr) with the unit in ``enhet``; the
explanations say how each figure was computed (compounded, geometric mean, deflated).
"""

from __future__ import annotations

import math

import pandas as pd

from ..errors import Context, InputError, InputErrors, KommuneokonomiError
from .format import number
from .keyfigures import (
    annual_growth,
    compound_growth,
    growth_from_levels,
    real_growth,
    real_growth_from_levels,
)
from .values import DATA_TABLE, clean_data, has_indicator, row_label

__all__ = ["DEFLATOR_KOMMUNE", "KEYTABLE_COLUMNS", "KEY_INDICATORS", "key_figure_table"]

KEYTABLE_COLUMNS = ("nokkeltall", "kommune", "periode", "verdi", "enhet", "forklaring")
DEFLATOR_KOMMUNE = "Norge"
KEY_INDICATORS = (
    "frie_inntekter_vekst",
    "netto_utgifter_vekst",
    "renter_avdrag_andel",
    "deflator",
    "investeringer_per_innbygger",
    "langsiktig_gjeld_andel",
    "ndr_andel",
    "ndr_korrigert_andel",
)


def key_figure_table(data: pd.DataFrame) -> pd.DataFrame:
    """Key figures for every municipality that has the reserved indicators.

    Args:
        data: long format (``kommune``, ``aar``, ``indikator``, ``verdi``); other indicators
            are ignored. A series needs consecutive years without gaps to be used.

    Returns:
        Rows with :data:`KEYTABLE_COLUMNS`; ``verdi`` in the unit of ``enhet`` (``%``,
        ``prosentpoeng`` or ``kr``). Empty when the data hold none of the reserved ids.
    """
    if "indikator" in data.columns:  # only the reserved series are read (and checked)
        data = data[has_indicator(data, KEY_INDICATORS)]
    clean = clean_data(data)
    clean = clean.dropna(subset=["verdi"])
    rows: list[dict[str, object]] = []
    if clean.empty:
        return pd.DataFrame(rows, columns=list(KEYTABLE_COLUMNS))
    series = {
        (str(k), str(i)): g.set_index("aar")["verdi"].sort_index()
        for (k, i), g in clean.groupby(["kommune", "indikator"], sort=False)
    }
    # each value's input row, so a problem names its cell
    data_rows = {
        (str(k), str(i), int(y)): row_label(label)
        for label, k, i, y in zip(
            clean.index, clean["kommune"], clean["indikator"], clean["aar"], strict=True
        )
    }
    InputErrors.raise_if_any(_check_series(series, data_rows))
    deflator = series.get((DEFLATOR_KOMMUNE, "deflator"))
    kommuner = [k for k in dict.fromkeys(str(k) for k in clean["kommune"]) if k != DEFLATOR_KOMMUNE]

    def add(
        nokkeltall: str, kommune: str, periode: str, verdi: float, enhet: str, text: str
    ) -> None:
        rows.append(
            {
                "nokkeltall": nokkeltall,
                "kommune": kommune,
                "periode": periode,
                "verdi": verdi,
                "enhet": enhet,
                "forklaring": text,
            }
        )

    for kommune in kommuner:
        for ind, label in (
            ("frie_inntekter_vekst", "Vekst i frie inntekter"),
            ("netto_utgifter_vekst", "Vekst i netto driftsutgifter"),
        ):
            s = _consecutive(series.get((kommune, ind)))
            if s is None:
                continue
            period = f"{s.index[0]}-{s.index[-1]}"
            rates = [float(v) for v in s]
            shown = ", ".join(f"{number(r * 100, 1)} %" for r in rates)
            add(
                f"{label}, hele perioden",
                kommune,
                period,
                compound_growth(rates) * 100,
                "%",
                f"Sammensatt vekst: produktet av (1 + årlig vekst) for {shown}, minus 1.",
            )
            add(
                f"{label}, årlig snitt",
                kommune,
                period,
                annual_growth(rates) * 100,
                "%",
                f"Geometrisk snitt av de {len(rates)} årlige vekstratene.",
            )
            d = _aligned(deflator, s.index)
            if d is not None:
                add(
                    f"{label}, årlig realvekst",
                    kommune,
                    period,
                    real_growth(rates, d) * 100,
                    "%",
                    "Nominell vekstfaktor delt på kommunal deflator for de samme årene, "
                    "geometrisk snitt per år.",
                )
        inv = _consecutive(series.get((kommune, "investeringer_per_innbygger")))
        if inv is not None and len(inv) >= 2:
            period = f"{inv.index[0]}-{inv.index[-1]}"
            levels = [float(v) for v in inv]
            add(
                "Investeringer per innbygger, årlig vekst",
                kommune,
                period,
                growth_from_levels(levels) * 100,
                "%",
                f"({number(levels[-1], 0)} / {number(levels[0], 0)})^(1/{len(levels) - 1}) − 1.",
            )
            d = _aligned(deflator, inv.index[1:])
            if d is not None:
                add(
                    "Investeringer per innbygger, årlig realvekst",
                    kommune,
                    period,
                    real_growth_from_levels(levels, d) * 100,
                    "%",
                    "Vekst i nivå deflatert med kommunal deflator for årene etter første år.",
                )
            add(
                "Investeringer per innbygger",
                kommune,
                str(inv.index[-1]),
                levels[-1],
                "kr",
                "Investeringsutgifter per innbygger siste år.",
            )
        for ind, label in (
            ("langsiktig_gjeld_andel", "Langsiktig gjeld i % av driftsinntekter"),
            ("renter_avdrag_andel", "Renter og avdrag i % av inntektene"),
        ):
            s = series.get((kommune, ind))
            if s is None or s.empty:
                continue
            add(label, kommune, str(s.index[-1]), float(s.iloc[-1]) * 100, "%", "Siste år.")
        for ind, label in (
            ("ndr_andel", "Netto driftsresultat i % av driftsinntekter"),
            ("ndr_korrigert_andel", "Korrigert netto driftsresultat i % av driftsinntekter"),
        ):
            s = series.get((kommune, ind))
            if s is None or s.empty:
                continue
            for year, value in s.items():
                add(label, kommune, str(year), float(value) * 100, "%", "Regnskapstall.")
            if len(s) >= 2:
                before, after = float(s.iloc[-2]), float(s.iloc[-1])
                add(
                    f"{label}, endring",
                    kommune,
                    f"{s.index[-2]}-{s.index[-1]}",
                    (after - before) * 100,
                    "prosentpoeng",
                    f"{number(after * 100, 1)} − {number(before * 100, 1)}.",
                )
    return pd.DataFrame(rows, columns=list(KEYTABLE_COLUMNS))


_RATES = ("frie_inntekter_vekst", "netto_utgifter_vekst", "deflator")
_LEVELS = ("investeringer_per_innbygger",)


def _check_series(
    series: dict[tuple[str, str], pd.Series], rows: dict[tuple[str, str, int], int | None]
) -> list[KommuneokonomiError]:
    """Rates above -100 % and positive levels, each problem naming kommune, indikator, år and
    the value's input row (``rows``: by kommune, indikator and year)."""
    problems: list[KommuneokonomiError] = []
    for (kommune, ind), s in series.items():
        for year, value in s.items():
            aar = int(str(year))
            rad = rows.get((kommune, ind, aar))
            ctx = Context(
                kommune=kommune,
                indikator=ind,
                aar=aar,
                kolonne="verdi",
                rad=rad,
                tabell=None if rad is None else DATA_TABLE,
            )
            if ind in _RATES and value <= -1:
                problems.append(
                    InputError(
                        f"{number(value, 3)} er ikke en mulig årlig rate (må være større enn -1, "
                        "altså -100 %); rater oppgis som andel: 2,1 % skrives 0,021",
                        code="ugyldig_rate",
                        context=ctx,
                    )
                )
            elif ind in _LEVELS and value <= 0:
                problems.append(
                    InputError(
                        f"{number(value)} kr: investeringer per innbygger må være større enn 0 "
                        "for å beregne vekst",
                        code="ikke_positiv",
                        context=ctx,
                    )
                )
    return problems


def _consecutive(s: pd.Series | None) -> pd.Series | None:
    """The series if its years are consecutive (a gap would compound the wrong years)."""
    if s is None or s.empty:
        return None
    years = [int(y) for y in s.index]
    if years != list(range(years[0], years[0] + len(years))):
        return None
    return s


def _aligned(deflator: pd.Series | None, years: pd.Index) -> list[float] | None:
    """The deflator rates for exactly these years, or None if any is missing."""
    if deflator is None:
        return None
    values = [deflator.get(y) for y in years]
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values):
        return None
    return [float(v) for v in values if v is not None]
