"""Key figures (nøkkeltall) for municipal finance: growth, real growth, shares and gaps.

The functions reproduce the way the 2008 report on Trondheim ("R") reads its tables:

* growth over a period compounds the annual rates (R Tabell 2: 26.5 % over 2004-2007 is
  the product of the four factors, not their sum), and the annual average is the geometric
  mean (6 %, not the arithmetic 5.9 %);
* real growth divides the nominal factor by the compounded municipal deflator;
* growth between levels (R Tabell 3, investments per innbygger 2004 -> 2007) has one step
  fewer than there are levels, and is deflated by the deflators of the years after the first;
* the net operating result can be corrected for items that hold the booked figure up
  (R Tabell 1: investeringsmoms and premieavvik; the footnote on the kraftfond).

Units: rates and shares are fractions (2.1 % is 0.021), amounts are in whatever single unit
the caller uses (kr, 1 000 kr, MNOK). Bad input raises :class:`InputError` with a Norwegian
message quoting the value and a stable ``code``:

``tom_serie`` (no values), ``ikke_tall`` (not a number), ``mangler_verdi`` (NaN/missing),
``ugyldig_tall`` (infinite), ``ugyldig_rate`` (rate <= -1, i.e. -100 % or below),
``ulik_lengde`` (sequences that must pair up do not), ``for_faa_verdier`` (too few levels),
``ikke_positiv`` (a divisor or level that must be > 0), ``negativ_verdi`` (an amount that
cannot be negative), ``duplikat`` (a label used twice in a pandas index).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from numbers import Real
from typing import overload

import pandas as pd

from kommuneokonomi.engine.format import number, percent
from kommuneokonomi.errors import Context, InputError, InputErrors

__all__ = [
    "CorrectedResult",
    "annual_growth",
    "change_points",
    "compound_growth",
    "corrected_net_operating_result",
    "debt_share",
    "growth_from_levels",
    "investments_per_inhabitant",
    "need_corrected",
    "net_operating_result_share",
    "real_growth",
    "real_growth_from_levels",
    "relative_difference",
    "spending_capacity_gap",
]


# --------------------------------------------------------------------------------------------
# Norwegian number formatting for messages and explanations
# --------------------------------------------------------------------------------------------


def _tall(value: object) -> str:
    """A number as a Norwegian reads it: decimal comma, space between thousands.

    Up to ten significant digits, so a value is quoted as the user gave it (0.021 stays
    ``0,021``) rather than rounded away.
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        return repr(value)
    x = float(value)
    if math.isnan(x):
        return "NaN (mangler)"
    if math.isinf(x):
        return "uendelig" if x > 0 else "minus uendelig"
    if x == 0:
        x = 0.0  # avoid printing "-0"
    text = format(x, ",.10g")
    return text.replace(",", "\u00a0").replace(".", ",").replace("\u00a0", " ")


# --------------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------------


def _number_error(value: object, *, what: str, context: Context) -> InputError | None:
    """The InputError for one value that is not a usable finite number, else None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return InputError(f"{what} mangler (tom verdi).", code="mangler_verdi", context=context)
    if isinstance(value, bool) or not isinstance(value, Real):
        return InputError(f"{what} er ikke et tall: {value!r}.", code="ikke_tall", context=context)
    x = float(value)
    if math.isnan(x):
        return InputError(
            f"{what} mangler (verdien er NaN).", code="mangler_verdi", context=context
        )
    if math.isinf(x):
        return InputError(
            f"{what} er {_tall(x)}; bare endelige tall kan brukes.",
            code="ugyldig_tall",
            context=context,
        )
    return None


def _number(value: object, *, what: str, indikator: str | None = None) -> float:
    """Check one scalar and return it as float (raises InputError)."""
    error = _number_error(value, what=what, context=Context(indikator=indikator))
    if error is not None:
        raise error
    return float(value)  # type: ignore[arg-type]  # checked to be Real above


def _positive(value: object, *, what: str, indikator: str | None = None) -> float:
    """Check one scalar that is used as a divisor or base and must be > 0."""
    x = _number(value, what=what, indikator=indikator)
    if x <= 0:
        raise InputError(
            f"{what} må være større enn 0, men er {_tall(x)}.",
            code="ikke_positiv",
            context=Context(indikator=indikator),
        )
    return x


def _non_negative(value: object, *, what: str, indikator: str | None = None) -> float:
    """Check one scalar amount that cannot be negative (debt, inhabitants, investments)."""
    x = _number(value, what=what, indikator=indikator)
    if x < 0:
        raise InputError(
            f"{what} kan ikke være negativ, men er {_tall(x)}.",
            code="negativ_verdi",
            context=Context(indikator=indikator),
        )
    return x


def _numbers(values: Iterable[float], *, what: str) -> list[float]:
    """Check a non-empty sequence of finite numbers; all problems are reported together."""
    if isinstance(values, str | bytes):
        raise InputError(
            f"{what} må være en liste med tall, ikke teksten {values!r}.", code="ikke_tall"
        )
    try:
        items = list(values)
    except TypeError:
        raise InputError(
            f"{what} må være en liste med tall, men er {values!r}.", code="ikke_tall"
        ) from None
    if not items:
        raise InputError(f"{what}: ingen verdier er oppgitt.", code="tom_serie")
    errors = [
        e
        for i, v in enumerate(items, start=1)
        if (e := _number_error(v, what=f"{what} nr. {i}", context=Context())) is not None
    ]
    InputErrors.raise_if_any(errors)
    return [float(v) for v in items]


def _rates(values: Iterable[float], *, what: str) -> list[float]:
    """Check annual rates (fractions): finite and above -1, i.e. above -100 %."""
    rates = _numbers(values, what=what)
    errors = [
        InputError(
            f"{what} nr. {i} er {_tall(r)} ({percent(r)}); en årlig rate må være større enn "
            "-1 (-100 %). Rater oppgis som andel: 2,1 % skrives 0,021.",
            code="ugyldig_rate",
        )
        for i, r in enumerate(rates, start=1)
        if r <= -1
    ]
    InputErrors.raise_if_any(errors)
    return rates


def _levels(values: Iterable[float], *, what: str) -> list[float]:
    """Check levels ordered in time: at least two, all > 0 (growth needs a positive base)."""
    levels = _numbers(values, what=what)
    if len(levels) < 2:
        raise InputError(
            f"{what}: vekst krever minst to nivåer, men bare {len(levels)} er oppgitt "
            f"({_tall(levels[0])}).",
            code="for_faa_verdier",
        )
    errors = [
        InputError(
            f"{what} nr. {i} er {_tall(x)}; nivåer må være større enn 0 for å beregne vekst.",
            code="ikke_positiv",
        )
        for i, x in enumerate(levels, start=1)
        if x <= 0
    ]
    InputErrors.raise_if_any(errors)
    return levels


def _factor(rates: list[float]) -> float:
    """Compounded growth factor prod(1 + r)."""
    return math.prod(1.0 + r for r in rates)


# --------------------------------------------------------------------------------------------
# Growth
# --------------------------------------------------------------------------------------------


def compound_growth(rates: Iterable[float]) -> float:
    """Total growth over a period from its annual rates: prod(1 + r) - 1.

    Args:
        rates: annual growth rates as fractions (2.1 % is 0.021), one per year, each > -1.

    Returns:
        The total growth over all the years, as a fraction.
    """
    # R Tabell 2: "26,5 prosent" over 2004-2007 is the four annual rates compounded.
    return _factor(_rates(rates, what="Vekstrate")) - 1.0


def annual_growth(rates: Iterable[float]) -> float:
    """Average annual growth as the geometric mean: (prod(1 + r))^(1/n) - 1.

    Args:
        rates: annual growth rates as fractions, one per year, each > -1.

    Returns:
        The average annual growth rate, as a fraction.
    """
    # R Tabell 2: the printed annual averages (6 %, 6.5 %, 4.7 %) are geometric means; the
    # arithmetic mean of the rates (5.9 %, 6.7 %) does not give the printed figures.
    r = _rates(rates, what="Vekstrate")
    return float(_factor(r) ** (1.0 / len(r))) - 1.0


def real_growth(
    rates: Iterable[float], deflators: Iterable[float], *, annual: bool = True
) -> float:
    """Real growth: nominal growth factor divided by the compounded deflator.

    Args:
        rates: nominal annual growth rates as fractions, one per year.
        deflators: the price growth (e.g. the kommunal deflator) for the same years, as
            fractions; must have the same length as ``rates``.
        annual: True for the average annual real growth ((prod(1+r)/prod(1+d))^(1/n) - 1),
            False for the total real growth over the period (prod(1+r)/prod(1+d) - 1).

    Returns:
        Real growth as a fraction.
    """
    r = _rates(rates, what="Vekstrate")
    d = _rates(deflators, what="Deflator")
    if len(r) != len(d):
        raise InputError(
            f"Det er {len(r)} vekstrater, men {len(d)} deflatorer; det må være én deflator "
            "for hvert år med vekstrate.",
            code="ulik_lengde",
        )
    # R Tabell 2: real growth divides by the compounded deflator, not subtracting rates.
    ratio = _factor(r) / _factor(d)
    return float(ratio ** (1.0 / len(r))) - 1.0 if annual else ratio - 1.0


def growth_from_levels(levels: Iterable[float], *, annual: bool = True) -> float:
    """Growth between levels ordered in time (first to last).

    Args:
        levels: at least two levels (kr, kr per innbygger, ...), all > 0, earliest first,
            one per year with no gaps.
        annual: True for the average annual growth (last/first)^(1/(n-1)) - 1, False for the
            total growth last/first - 1.

    Returns:
        Growth as a fraction.
    """
    x = _levels(levels, what="Nivå")
    ratio = x[-1] / x[0]
    # R Tabell 3: four levels 2004-2007 are three steps of growth, so the root is 1/3.
    return float(ratio ** (1.0 / (len(x) - 1))) - 1.0 if annual else ratio - 1.0


def real_growth_from_levels(
    levels: Iterable[float], deflators: Iterable[float], *, annual: bool = True
) -> float:
    """Real growth between levels, deflated by the price growth of the years after the first.

    Args:
        levels: at least two levels, all > 0, earliest first, one per year.
        deflators: price growth rates as fractions for the years after the first level,
            i.e. ``len(levels) - 1`` of them (levels 2004..2007 take the 2005, 2006 and 2007
            deflators).
        annual: True for the average annual real growth, False for the total.

    Returns:
        Real growth as a fraction.
    """
    x = _levels(levels, what="Nivå")
    d = _rates(deflators, what="Deflator")
    if len(d) != len(x) - 1:
        raise InputError(
            f"Det er {len(x)} nivåer og {len(d)} deflatorer; det trengs {len(x) - 1} "
            "deflatorer, én for hvert år etter det første nivået.",
            code="ulik_lengde",
        )
    # R Tabell 3: investments 2004 -> 2007 (18 % nominal, 14 % real per year) are deflated
    # with the 2005-2007 deflators; the 2004 deflator lies before the first level.
    ratio = (x[-1] / x[0]) / _factor(d)
    return float(ratio ** (1.0 / len(d))) - 1.0 if annual else ratio - 1.0


# --------------------------------------------------------------------------------------------
# Comparisons
# --------------------------------------------------------------------------------------------


def relative_difference(own: float, reference: float) -> float:
    """How much higher (or lower) the own figure is than the reference: own/reference - 1.

    Args:
        own: the municipality's figure, e.g. investeringsutgifter in kr per innbygger.
        reference: the comparison figure in the same unit (e.g. the ASSS mean); must be > 0,
            since a relative difference to a zero or negative base has no meaning. Use
            :func:`change_points` for figures that can be negative (results, shares).

    Returns:
        The relative difference as a fraction (R: Trondheim's investments in 2007 were 10 355
        against 6 871 kr per innbygger, 0.507, "50 prosent høyere").
    """
    o = _number(own, what="Egen verdi")
    ref = _positive(reference, what="Sammenligningsverdien")
    return o / ref - 1.0


def change_points(before: float, after: float) -> float:
    """Change between two shares in percentage points: after - before.

    Args:
        before: the earlier share, as a percentage or a fraction.
        after: the later share, in the same unit as ``before``.

    Returns:
        ``after - before`` in the unit of the inputs (percentage points if the inputs were
        percentages, fraction points if they were fractions). R Tabell 1: Trondheim's booked
        net operating result fell from 7.1 to 1.6, i.e. -5.5 points.
    """
    b = _number(before, what="Verdien før")
    a = _number(after, what="Verdien etter")
    return a - b


# --------------------------------------------------------------------------------------------
# Net operating result, debt, investments
# --------------------------------------------------------------------------------------------


def net_operating_result_share(netto_driftsresultat: float, driftsinntekter: float) -> float:
    """Netto driftsresultat as a share of driftsinntekter.

    Args:
        netto_driftsresultat: the net operating result (any amount unit, e.g. MNOK).
        driftsinntekter: operating income in the same unit; must be > 0.

    Returns:
        The share as a fraction (0.016 for 1.6 %).
    """
    ndr = _number(netto_driftsresultat, what="Netto driftsresultat")
    di = _positive(driftsinntekter, what="Driftsinntektene")
    return ndr / di


@dataclass(frozen=True)
class CorrectedResult:
    """The booked and the corrected net operating result.

    Attributes:
        booked_share: booked netto driftsresultat / driftsinntekter, as a fraction.
        corrected_share: corrected amount / driftsinntekter, as a fraction.
        corrected_amount: the corrected netto driftsresultat, in the unit of the inputs.
        forklaring: Norwegian explanation listing each correction.
    """

    booked_share: float
    corrected_share: float
    corrected_amount: float
    forklaring: str


# Label and reason for each correction, in the order they are listed in the explanation.
_CORRECTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "investeringsmoms",
        "Momskompensasjon fra investeringer",
        "Den er ført som driftsinntekt, men finansierer investeringer (R Tabell 1).",
    ),
    (
        "premieavvik",
        "Premieavvik",
        "Det er en periodisering av pensjonskostnaden som skal tilbakeføres senere, ikke en "
        "varig forbedring (R Tabell 1).",
    ),
    (
        "netto_avsetning_bundne_fond",
        "Netto avsetning til bundne driftsfond",
        "Øremerkede midler som settes av, kan ikke brukes fritt.",
    ),
    (
        "kraftfond_avkastning_over_real",
        "Kraftfondavkastning utover realavkastningen",
        "Bare realavkastningen er inntekt; resten må bli i fondet for å bevare realverdien "
        "(R, fotnote til Tabell 1).",
    ),
)


def corrected_net_operating_result(
    *,
    netto_driftsresultat: float,
    driftsinntekter: float,
    investeringsmoms: float = 0.0,
    premieavvik: float = 0.0,
    netto_avsetning_bundne_fond: float = 0.0,
    kraftfond_avkastning_over_real: float = 0.0,
) -> CorrectedResult:
    """Net operating result corrected for items that hold the booked figure up.

    R Tabell 1 shows Trondheim's booked result (1.6 % in 2007) "held up" by VAT refunds on
    investments (investeringsmoms, booked as operating income before 2014) and by premieavvik
    (pension cost booked below the premium paid); corrected, the 2007 result was -2.8 %. The
    footnote adds the kraftfond: only the real return is income, the rest of the return must
    be set aside to keep the fund's real value (-4.7 % in 2007). Today's TBU practice also
    deducts the net transfer to tied operating funds (bundne driftsfond), which is income the
    municipality cannot spend freely.

    corrected amount = netto_driftsresultat - investeringsmoms - premieavvik
    - netto_avsetning_bundne_fond - kraftfond_avkastning_over_real.

    Args:
        netto_driftsresultat: the booked net operating result.
        driftsinntekter: operating income; must be > 0.
        investeringsmoms: VAT compensation on investments booked as operating income.
        premieavvik: the premieavvik booked this year (positive when it reduces the pension
            cost, i.e. lifts the result; negative when it lowers the result).
        netto_avsetning_bundne_fond: transfers to tied operating funds minus use of them.
        kraftfond_avkastning_over_real: the part of the kraftfond return above the real
            return (the inflation compensation that should stay in the fund).

    All amounts are in one unit of the caller's choice (e.g. MNOK).

    Returns:
        A :class:`CorrectedResult` with booked and corrected shares (fractions), the
        corrected amount (input unit) and a Norwegian explanation.
    """
    amounts = {
        "netto_driftsresultat": netto_driftsresultat,
        "driftsinntekter": driftsinntekter,
        "investeringsmoms": investeringsmoms,
        "premieavvik": premieavvik,
        "netto_avsetning_bundne_fond": netto_avsetning_bundne_fond,
        "kraftfond_avkastning_over_real": kraftfond_avkastning_over_real,
    }
    errors = [
        e
        for key, value in amounts.items()
        if (e := _number_error(value, what=key, context=Context(kolonne=key))) is not None
    ]
    InputErrors.raise_if_any(errors)
    ndr = float(netto_driftsresultat)
    di = _positive(driftsinntekter, what="Driftsinntektene")
    corrections = [(label, reason, float(amounts[key])) for key, label, reason in _CORRECTIONS]
    # math.fsum so that e.g. 129.7 - 100.0 - 60.0 is as exact as the decimals allow.
    corrected = math.fsum([ndr, *(-amount for _, _, amount in corrections)])

    lines = [
        f"Regnskapsført netto driftsresultat er {number(ndr)}, {percent(ndr / di)} av "
        f"driftsinntektene ({number(di)})."
    ]
    listed = [(label, reason, amount) for label, reason, amount in corrections if amount != 0]
    if not listed:
        lines.append("Ingen korreksjoner er oppgitt, så korrigert resultat er det regnskapsførte.")
    for label, reason, amount in listed:
        if amount > 0:
            effect = f"{number(amount)} trekkes fra"
        else:
            effect = f"{number(amount)} trekkes fra, dvs. {number(-amount)} legges til"
        lines.append(f"- {label}: {effect}. {reason}")
    lines.append(
        f"Korrigert netto driftsresultat er {number(corrected)}, {percent(corrected / di)} av "
        "driftsinntektene."
    )
    return CorrectedResult(
        booked_share=ndr / di,
        corrected_share=corrected / di,
        corrected_amount=corrected,
        forklaring="\n".join(lines),
    )


def debt_share(langsiktig_gjeld: float, driftsinntekter: float) -> float:
    """Long-term debt as a share of operating income.

    Args:
        langsiktig_gjeld: long-term debt (>= 0), any amount unit.
        driftsinntekter: operating income in the same unit; must be > 0.

    Returns:
        The share as a fraction (R Tabell 3: 199.5 % in 2007 is 1.995).
    """
    gjeld = _non_negative(langsiktig_gjeld, what="Langsiktig gjeld")
    di = _positive(driftsinntekter, what="Driftsinntektene")
    return gjeld / di


def investments_per_inhabitant(investeringsutgifter_kr: float, innbyggere: float) -> float:
    """Investment expenditure in kr per innbygger.

    Args:
        investeringsutgifter_kr: gross investment expenditure in kr (>= 0).
        innbyggere: number of inhabitants; must be > 0.

    Returns:
        kr per innbygger (R Tabell 3 prints e.g. 10 355 for Trondheim 2007).
    """
    kr = _non_negative(investeringsutgifter_kr, what="Investeringsutgiftene")
    n = _positive(innbyggere, what="Antall innbyggere")
    return kr / n


def spending_capacity_gap(
    *,
    netto_driftsutgifter_per_innbygger: float,
    utgiftskapasitet_per_innbygger: float,
    innbyggere: float,
) -> tuple[float, float]:
    """How far net spending on the equalised services exceeds the spending capacity.

    R Figur 1: in 2007 Trondheim's netto driftsutgifter to the IS services exceeded the
    beregnet utgiftskapasitet by about 1 500 kr per innbygger, about 240 MNOK in total.
    Utgiftskapasitet (not utgiftsbehov) is the relevant yardstick, since it also reflects the
    municipality's income level.

    Args:
        netto_driftsutgifter_per_innbygger: net operating expenditure, kr per innbygger.
        utgiftskapasitet_per_innbygger: calculated spending capacity, kr per innbygger.
        innbyggere: number of inhabitants; must be > 0.

    Returns:
        (gap in kr per innbygger, gap in kr in total); positive when spending exceeds the
        capacity.
    """
    spend = _number(netto_driftsutgifter_per_innbygger, what="Netto driftsutgifter per innbygger")
    cap = _number(utgiftskapasitet_per_innbygger, what="Utgiftskapasitet per innbygger")
    n = _positive(innbyggere, what="Antall innbyggere")
    gap = spend - cap
    return gap, gap * n


# --------------------------------------------------------------------------------------------
# Need-corrected unit costs
# --------------------------------------------------------------------------------------------


@overload
def need_corrected(cost_per_inhabitant: float, utgiftsbehov_indeks: float) -> float: ...


@overload
def need_corrected(
    cost_per_inhabitant: pd.Series[float], utgiftsbehov_indeks: pd.Series[float] | float
) -> pd.Series[float]: ...


@overload
def need_corrected(
    cost_per_inhabitant: float, utgiftsbehov_indeks: pd.Series[float]
) -> pd.Series[float]: ...


def need_corrected(
    cost_per_inhabitant: pd.Series[float] | float,
    utgiftsbehov_indeks: pd.Series[float] | float,
) -> pd.Series[float] | float:
    """Cost per innbygger corrected for the expenditure need: cost / utgiftsbehov index.

    The index is 1.0 for the national average need (KOSTRA/ASSS "behovskorrigert"
    comparison): a municipality with index 1.10 is expected to spend 10 % more than the
    average, so its cost is divided by 1.10 before comparison.

    Args:
        cost_per_inhabitant: kr per innbygger; a float or a Series indexed by kommune.
        utgiftsbehov_indeks: the need index (1.0 = national average, must be > 0); a float
            or a Series indexed by kommune. Two Series are aligned by index: every kommune in
            the cost Series needs an index value; extra index entries are ignored.

    Returns:
        Need-corrected cost in kr per innbygger, a float for two floats, otherwise a Series
        on the cost's index (or the index Series' index when the cost is a float).
    """
    if not isinstance(cost_per_inhabitant, pd.Series) and not isinstance(
        utgiftsbehov_indeks, pd.Series
    ):
        cost = _number(cost_per_inhabitant, what="Kostnad per innbygger")
        indeks = _positive(utgiftsbehov_indeks, what="Utgiftsbehovsindeksen")
        return cost / indeks
    return _need_corrected_series(cost_per_inhabitant, utgiftsbehov_indeks)


def _need_corrected_series(
    cost: pd.Series[float] | float, indeks: pd.Series[float] | float
) -> pd.Series[float]:
    """Series branch of :func:`need_corrected` (validates per kommune)."""
    for series_label, series in (("kostnadsserien", cost), ("indeksserien", indeks)):
        if isinstance(series, pd.Series) and series.index.has_duplicates:
            dup = sorted({str(k) for k in series.index[series.index.duplicated()]})
            raise InputError(
                f"Samme kommune står flere ganger i {series_label}: {', '.join(dup)}.",
                code="duplikat",
                context=Context(kommune=dup[0]),
            )
    if isinstance(cost, pd.Series):
        labels: list[Hashable] = list(cost.index)
        name = cost.name
        costs: list[object] = list(cost.to_numpy(dtype=object))
    else:
        assert isinstance(indeks, pd.Series)  # the caller sends at least one Series
        labels = list(indeks.index)
        name = indeks.name
        costs = [cost] * len(labels)
    if isinstance(indeks, pd.Series):
        aligned = indeks.reindex(pd.Index(labels))
        indices: list[object] = list(aligned.to_numpy(dtype=object))
    else:
        indices = [indeks] * len(labels)

    errors: list[InputError] = []
    out: list[float] = []
    for label, c, i in zip(labels, costs, indices, strict=True):
        ctx = Context(kommune=str(label))
        c_err = _number_error(c, what="Kostnad per innbygger", context=ctx)
        i_err = _number_error(i, what="Utgiftsbehovsindeksen", context=ctx)
        if c_err is not None:
            errors.append(c_err)
        if i_err is not None:
            errors.append(i_err)
        elif float(i) <= 0:  # type: ignore[arg-type]  # checked to be Real above
            errors.append(
                InputError(
                    f"Utgiftsbehovsindeksen må være større enn 0, men er {_tall(i)}.",
                    code="ikke_positiv",
                    context=ctx,
                )
            )
        if c_err is None and i_err is None and float(i) > 0:  # type: ignore[arg-type]
            out.append(float(c) / float(i))  # type: ignore[arg-type]
    InputErrors.raise_if_any(errors)
    return pd.Series(out, index=pd.Index(labels), name=name, dtype=float)
