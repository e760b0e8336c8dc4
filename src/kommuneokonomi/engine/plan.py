"""The four-year plan (handlings- og økonomiplan, HØP): demography, capital costs, the yearly
gap and the measures that close it.

Pure: pandas and numpy in, pandas out; the solver is SciPy's ``milp`` (HiGHS). Amounts are in
the plan's one unit (``unit_kr`` kroner each: 1 000 000 for mill. kr), with the municipal sign
convention of the budget schema: expenses positive, income and other financing negative, so a
plan year that balances sums to 0 and a positive sum is an uncovered gap (ubalanse).

The plan years are fixed prices of the base year (the adopted budget, ``base_year``): a line of
the frame (tblRamme) continues unchanged into every plan year unless a change
(tblPlanendringer) alters it. On top come

* **demographic cost** (TBU's method as KS applies it: coverage and unit cost held constant):
  ``merutgift(t) = sum over age groups of rate x (N(t) - N(base))`` per sector, with a share
  of a year's change that falls in the same budget year (a kindergarten year starts in August:
  share 5/12, the rest in the next year);
* **capital costs** of the investment plan: the loan part of each project is a serial loan
  raised in the project's year, with the first repayment and a full year's interest on the
  opening balance the year after (the usual convention of a HØP; stated in docs/okonomiplan.md);
* the **minimum repayment** of kommuneloven (2018) § 14-18 first paragraph: the loan debt times
  this year's depreciation over the book value of the depreciable assets (the formula Molde
  kommune's 2020 accounts note 7 shows: 4 047 013 x 174 015 / 4 521 698 = 155 747 (1000 kr)).

The measures (tblTiltaksliste) are chosen by a mixed-integer programme in two steps: first the
least money missing over the plan years (zero when the measures suffice), then, with that
fixed, the measures of best priority (priority 1 = first choice) and, among equal choices,
the least money cut over the plan: a measure starts in the year it is needed. Lasting
measures count from the year they start onward; one-off measures in their year only, and
never towards the lasting part of the gap (S: "Engangspenger kan ikke finansiere varige
driftsutgifter").

Bad input raises :class:`InputError` with a stable ``code`` and a context naming the table,
row and column, which the workbook layer turns into a cell.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import pandas as pd

from kommuneokonomi.engine.balance import ADVARSEL, AVVIK, OK, CheckResult, financial_rule
from kommuneokonomi.engine.format import number, percent
from kommuneokonomi.engine.keyfigures import _number_error, _tall
from kommuneokonomi.engine.values import row_label
from kommuneokonomi.errors import Context, InputError, InputErrors

__all__ = [
    "CATEGORIES",
    "Choice",
    "GapSolution",
    "PlanResult",
    "PlanSettings",
    "capital_costs",
    "close_gap",
    "demographic_cost",
    "four_year_plan",
    "minimum_repayment",
    "serial_loan",
]

FRAME_TABLE = "tblRamme"
CHANGES_TABLE = "tblPlanendringer"
POPULATION_TABLE = "tblBefolkning"
RATES_TABLE = "tblSatser"
INVESTMENTS_TABLE = "tblInvesteringer"
INTEREST_TABLE = "tblRenter"
MEASURES_TABLE = "tblTiltaksliste"
RULES_TABLE = "tblMaltall"

#: Kategori of a frame line or change, and what it counts towards.
#: tjeneste: a service area's net frame; frie inntekter / andre driftsinntekter: operating
#: income (the denominator of the key figures); renter / avdrag: the finance lines of the
#: existing debt; finans: other finance (kraftfond returns, dividends); fond: allocations to
#: (+) and use of (-) disposisjonsfond, below the net operating result.
CATEGORIES: tuple[str, ...] = (
    "tjeneste",
    "frie inntekter",
    "andre driftsinntekter",
    "renter",
    "avdrag",
    "finans",
    "fond",
)
_T = TypeVar("_T")
_VARIG = "varig"
_ENGANGS = "engangs"
_DURATIONS = (_VARIG, _ENGANGS)


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return " ".join(str(value).split())


def _key(value: object) -> str:
    return _text(value).casefold()


def _ctx(table: str, rad: object, kolonne: str, **kw: object) -> Context:
    return Context(tabell=table, rad=row_label(rad), kolonne=kolonne, **kw)  # type: ignore[arg-type]


def _amount(value: object, *, what: str, ctx: Context, errors: list[InputError]) -> float | None:
    """A finite number, or None after appending the error (at ``ctx``'s cell)."""
    err = _number_error(value, what=what, context=ctx)
    if err is not None:
        errors.append(err)
        return None
    return float(value)  # type: ignore[arg-type]


def _year(value: object, *, what: str, ctx: Context, errors: list[InputError]) -> int | None:
    """A year from 1900 to 2200, or None after appending the error."""
    x = _amount(value, what=what, ctx=ctx, errors=errors)
    if x is None:
        return None
    if x != int(x) or not 1900 <= x <= 2200:
        errors.append(
            InputError(f"{what} {_tall(x)} er ikke et årstall.", code="ugyldig_aar", context=ctx)
        )
        return None
    return int(x)


def _one_of(
    value: object,
    allowed: Sequence[str],
    *,
    noun: str,
    owner: str,
    ctx: Context,
    code: str,
    errors: list[InputError],
    default: str = "",
) -> str | None:
    """``value`` as one of ``allowed`` (case and spaces ignored; empty = ``default``), or None
    after appending the error, which names the allowed values."""
    key = _key(value) or default
    if key in allowed:
        return key
    choices = " eller ".join(allowed) if len(allowed) == 2 else "en av " + ", ".join(allowed)
    errors.append(
        InputError(f"{owner}ukjent {noun} {value!r}; bruk {choices}", code=code, context=ctx)
    )
    return None


def _gathered(errors: list[InputError], run: Callable[[], _T]) -> _T | None:
    """``run()``, or None after adding its input errors to ``errors`` (all problems of the plan
    are reported together)."""
    try:
        return run()
    except InputErrors as many:
        errors += [e for e in many if isinstance(e, InputError)]
    except InputError as exc:
        errors.append(exc)
    return None


def _optional(value: object) -> bool:
    """Whether an optional cell is empty."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanSettings:
    """What the plan needs besides its tables.

    Attributes:
        base_year: the adopted budget year; the plan years are the ``years`` after it.
        years: how many plan years (4 in a HØP).
        unit_kr: kroner per amount unit of the plan (1 000 000 for mill. kr); the demographic
            rates are in kroner per inhabitant and are divided by it.
        unit: the unit's name, for explanations ("mill. kr").
        fund_start: disposisjonsfond at the start of the first plan year (None: not followed).
        debt_start: loan debt (netto lånegjeld) at the start of the first plan year.
        depreciation: depreciation (avskrivninger) in the base year, for § 14-18.
        assets: book value of depreciable fixed assets at the end of the base year.
        tolerance: largest gap still counted as balanced, in the plan's unit.
        alternative: the population alternative used (rows of tblBefolkning with another
            Alternativ are left out; rows without one are used for every alternative).
    """

    base_year: int
    years: int = 4
    unit_kr: float = 1_000_000.0
    unit: str = "mill. kr"
    fund_start: float | None = None
    debt_start: float | None = None
    depreciation: float | None = None
    assets: float | None = None
    tolerance: float | None = None
    alternative: str | None = None

    @property
    def plan_years(self) -> list[int]:
        return [self.base_year + k for k in range(1, self.years + 1)]


# --------------------------------------------------------------------------------------------
# Demographic cost
# --------------------------------------------------------------------------------------------


def demographic_cost(
    population: pd.DataFrame,
    rates: pd.DataFrame,
    *,
    base_year: int,
    years: Sequence[int],
    unit_kr: float = 1.0,
    alternative: str | None = None,
) -> pd.DataFrame:
    """The demographic cost per sector and plan year (TBU's method, as KS applies it).

    ``merutgift(t) = sum over age groups g of rate(g) x [w x (N_g(t) - N_g(base))
    + (1 - w) x (N_g(t-1) - N_g(base))]``, where ``w`` is the share of a year's change that
    falls in the same budget year (1: the whole change at once). Coverage and unit cost are
    held constant, as in TBU's calculation; the rate is the cost per inhabitant of the age
    group in the sector (the municipality's own from KOSTRA, or TBU's national rates).

    Args:
        population: columns ``aldersgruppe``, ``aar``, ``antall`` (persons at the start of the
            year, as SSB's projections count them), optional ``alternativ``.
        rates: columns ``sektor``, ``aldersgruppe``, ``sats`` (kr per inhabitant), optional
            ``andel`` (w, between 0 and 1; empty = 1).
        base_year: the year the changes are measured from.
        years: the plan years.
        unit_kr: kroner per unit of the result (1 for kroner, 1e6 for mill. kr).
        alternative: keep only population rows of this ``alternativ`` (and rows without one).

    Returns:
        Columns ``sektor``, ``aar``, ``merutgift`` (in the unit), ``forklaring``; one row per
        sector and plan year, sectors in the order of ``rates``.

    Raises:
        InputError (or InputErrors): a rate's age group has no population in a year needed
        (``mangler_verdi``), a number is missing or invalid, ``andel`` outside [0, 1].
    """
    errors: list[InputError] = []
    wanted = _key(alternative)
    counts: dict[tuple[str, int], float] = {}
    alternatives_of: dict[tuple[str, int], str] = {}
    shown: dict[str, str] = {}
    for rad, gruppe, aar_raw, antall_raw, alt in zip(
        population.index,
        population["aldersgruppe"],
        population["aar"],
        population["antall"],
        population["alternativ"] if "alternativ" in population else [None] * len(population),
        strict=True,
    ):
        if wanted and _key(alt) and _key(alt) != wanted:
            continue
        name = _text(gruppe)
        if not name:
            errors.append(
                InputError(
                    "aldersgruppen er tom; skriv f.eks. 1-5 år eller 90 år og over",
                    code="mangler_verdi",
                    context=_ctx(POPULATION_TABLE, rad, "aldersgruppe"),
                )
            )
            continue
        aar = _year(aar_raw, what="Året", ctx=_ctx(POPULATION_TABLE, rad, "aar"), errors=errors)
        antall = _amount(
            antall_raw,
            what=f"Antallet i aldersgruppen '{name}'",
            ctx=_ctx(POPULATION_TABLE, rad, "antall"),
            errors=errors,
        )
        if aar is None or antall is None:
            continue
        if antall < 0:
            errors.append(
                InputError(
                    f"antallet {_tall(antall)} i aldersgruppen '{name}' er negativt",
                    code="negativ_verdi",
                    context=_ctx(POPULATION_TABLE, rad, "antall"),
                )
            )
            continue
        k = (_key(name), aar)
        if k in counts:
            first_alt = alternatives_of.get(k, "")
            if not wanted and _key(alt) and first_alt and _key(alt) != _key(first_alt):
                # several alternatives (hoved, lav, høy) and none chosen
                errors.append(
                    InputError(
                        f"aldersgruppen '{name}' har tall for flere alternativer i {aar} "
                        f"({first_alt}, {_text(alt)}); velg ett i innstillingen "
                        "Befolkningsalternativ",
                        code="duplikat",
                        context=_ctx(POPULATION_TABLE, rad, "alternativ"),
                    )
                )
                continue
            errors.append(
                InputError(
                    f"aldersgruppen '{name}' har to tall for {aar}"
                    + (f" (alternativ {alternative})" if alternative else ""),
                    code="duplikat",
                    context=_ctx(POPULATION_TABLE, rad, "aldersgruppe"),
                )
            )
            continue
        counts[k] = antall
        alternatives_of[k] = _text(alt)
        shown[_key(name)] = name

    per_sector: dict[str, list[tuple[float, float, str, object]]] = {}
    sector_names: dict[str, str] = {}
    for rad, sektor, gruppe, sats_raw, andel_raw in zip(
        rates.index,
        rates["sektor"],
        rates["aldersgruppe"],
        rates["sats"],
        rates["andel"] if "andel" in rates else [None] * len(rates),
        strict=True,
    ):
        s, g = _text(sektor), _text(gruppe)
        if not s or not g:
            errors.append(
                InputError(
                    "sektor og aldersgruppe må fylles ut",
                    code="mangler_verdi",
                    context=_ctx(RATES_TABLE, rad, "sektor" if not s else "aldersgruppe"),
                )
            )
            continue
        sats = _amount(
            sats_raw, what=f"Satsen for {s}, {g}", ctx=_ctx(RATES_TABLE, rad, "sats"), errors=errors
        )
        andel = 1.0
        if not _optional(andel_raw):
            a = _amount(
                andel_raw,
                what=f"Andelen i budsjettåret for {s}, {g}",
                ctx=_ctx(RATES_TABLE, rad, "andel"),
                errors=errors,
            )
            if a is not None and not 0.0 <= a <= 1.0:
                errors.append(
                    InputError(
                        f"andelen i budsjettåret {_tall(a)} for {s}, {g} skal være mellom 0 og "
                        "1 (5/12 = 0,42 for et barnehageår som starter i august)",
                        code="ugyldig_tall",
                        context=_ctx(RATES_TABLE, rad, "andel"),
                    )
                )
                a = None
            andel = a if a is not None else andel
        if sats is None:
            continue
        sector_names.setdefault(_key(s), s)
        per_sector.setdefault(_key(s), []).append((sats, andel, g, rad))

    # t - 1 of a plan year is the base year or a plan year: these years are all that is read
    for rows in per_sector.values():
        for _, _, g, rad in rows:
            gap = next((y for y in (base_year, *years) if (_key(g), y) not in counts), None)
            if gap is not None:
                errors.append(
                    InputError(
                        f"tblBefolkning har ikke aldersgruppen '{g}' for {gap}"
                        + (f" (alternativ {alternative})" if alternative else "")
                        + "; skriv befolkningen for basisåret og hvert planår",
                        code="mangler_verdi",
                        context=_ctx(RATES_TABLE, rad, "aldersgruppe"),
                    )
                )
    InputErrors.raise_if_any(errors)

    def n(g: str, y: int) -> float:
        return counts[(_key(g), max(y, base_year))]

    out: list[dict[str, object]] = []
    for key, rows in per_sector.items():
        for t in years:
            parts: list[float] = []
            texts: list[str] = []
            for sats, andel, g, _ in rows:
                change_now = n(g, t) - n(g, base_year)
                change_before = n(g, t - 1) - n(g, base_year)
                effective = andel * change_now + (1.0 - andel) * change_before
                parts.append(sats * effective)
                if effective:
                    shown_change = number(effective, 0 if effective == int(effective) else 1)
                    texts.append(f"{g}: {shown_change} x {number(sats, 0)} kr")
            kr = math.fsum(parts)
            out.append(
                {
                    "sektor": sector_names[key],
                    "aar": t,
                    "merutgift": kr / unit_kr,
                    "forklaring": (
                        f"Endring fra {base_year}: " + "; ".join(texts) + f" = {number(kr, 0)} kr."
                        if texts
                        else f"Ingen endring i befolkningen fra {base_year}."
                    ),
                }
            )
    return pd.DataFrame(out, columns=["sektor", "aar", "merutgift", "forklaring"])


# --------------------------------------------------------------------------------------------
# Loans
# --------------------------------------------------------------------------------------------


def serial_loan(
    principal: float,
    *,
    year: int,
    repayment_years: int,
    rates: Mapping[int, float] | float,
    last_year: int,
) -> pd.DataFrame:
    """The yearly repayment, interest and remaining debt of a serial loan (serielån).

    The loan is raised in ``year``; it is repaid in ``repayment_years`` equal instalments
    from the year after, and each year's interest is that year's rate times the debt at the
    start of the year. So the repayments sum to the principal, and the interest of a year is
    hand-checkable: 100 over 10 years at 3 % costs 3,0 the first year and 2,7 the second.

    Args:
        principal: the amount borrowed (>= 0), in any unit.
        year: the year the loan is raised.
        repayment_years: the repayment period in years (> 0).
        rates: the interest rate per year as a fraction (0.025 for 2,5 %), or one rate.
        last_year: the last year of the schedule.

    Returns:
        Columns ``aar`` (year+1 .. last_year), ``avdrag``, ``renter``, ``restgjeld`` (after
        the year's repayment).

    Raises:
        InputError: a negative principal, a period that is not a positive whole number, a
            year without a rate.
    """
    if not math.isfinite(principal) or principal < 0:
        raise InputError(
            f"lånebeløpet {_tall(principal)} kan ikke være negativt", code="negativ_verdi"
        )
    if repayment_years != int(repayment_years) or repayment_years <= 0:
        raise InputError(
            f"avdragstiden {_tall(repayment_years)} må være et helt antall år over 0",
            code="ikke_positiv",
        )
    if last_year - year > 200:
        raise InputError(
            f"avdragsplanen fra {year} til {last_year} er over 200 år", code="ugyldig_aar"
        )
    n = int(repayment_years)
    rows = []
    balance = principal
    for t in range(year + 1, last_year + 1):
        rate = rates if isinstance(rates, int | float) else rates.get(t)
        if rate is None:
            raise InputError(
                f"mangler rente for {t}; skriv renten for hvert planår i tblRenter",
                code="mangler_verdi",
                context=Context(tabell=INTEREST_TABLE, aar=t),
            )
        instalment = principal / n if t - year <= n else 0.0
        interest = float(rate) * balance
        balance = max(0.0, balance - instalment) if t - year < n else 0.0
        rows.append({"aar": t, "avdrag": instalment, "renter": interest, "restgjeld": balance})
    return pd.DataFrame(rows, columns=["aar", "avdrag", "renter", "restgjeld"])


def minimum_repayment(debt: float, *, depreciation: float, assets: float) -> float:
    """The minimum repayment of kommuneloven (2018) § 14-18 first paragraph.

    ``debt x depreciation / assets``: the loan debt repaid at the pace the depreciable assets
    are written off. Molde kommune's accounts for 2020 (note 7, 1000 kr): 4 047 013 x
    174 015 / 4 521 698 = 155 747.

    Raises:
        InputError: ``assets`` is not above 0 (the formula has no answer; the ministry's
            letter of 31 January 2024 on § 14-18 says so).
    """
    if not assets > 0:
        raise InputError(
            f"avskrivbare anleggsmidler må være over 0 for å beregne minste avdrag etter "
            f"kommuneloven § 14-18 (er {_tall(assets)})",
            code="ikke_positiv",
        )
    return debt * depreciation / assets


# --------------------------------------------------------------------------------------------
# Capital costs of the investment plan
# --------------------------------------------------------------------------------------------

_FINANCING = ("lan", "tilskudd", "mva", "egne_midler", "salg")


def _interest_rates(rates: pd.DataFrame, errors: list[InputError]) -> dict[int, float]:
    out: dict[int, float] = {}
    for rad, aar_raw, rente_raw in zip(rates.index, rates["aar"], rates["rente"], strict=True):
        aar = _year(aar_raw, what="Året", ctx=_ctx(INTEREST_TABLE, rad, "aar"), errors=errors)
        rente = _amount(
            rente_raw, what="Renten", ctx=_ctx(INTEREST_TABLE, rad, "rente"), errors=errors
        )
        if aar is None or rente is None:
            continue
        if not -0.05 <= rente <= 0.5:
            errors.append(
                InputError(
                    f"renten {percent(rente, 2)} for {aar} er ikke rimelig; skriv den i "
                    "prosent, f.eks. 2,5 %",
                    code="ugyldig_tall",
                    context=_ctx(INTEREST_TABLE, rad, "rente"),
                )
            )
            continue
        if aar in out:
            errors.append(
                InputError(
                    f"året {aar} har to renter",
                    code="duplikat",
                    context=_ctx(INTEREST_TABLE, rad, "aar"),
                )
            )
            continue
        out[aar] = rente
    return out


#: What :func:`capital_costs` sums per plan year.
_CAPITAL = ("investeringer", "nye_lan", "avdrag", "renter", "egne_midler", "avskrivninger")


def capital_costs(
    investments: pd.DataFrame,
    interest: pd.DataFrame,
    *,
    years: Sequence[int],
    tolerance: float = 0.0,
) -> tuple[pd.DataFrame, list[CheckResult]]:
    """The capital costs of the investment plan per plan year, as a table (see
    :func:`_capital`)."""
    sums, checks = _capital(investments, interest, years=years, tolerance=tolerance)
    return pd.DataFrame([{"aar": t, **sums[t]} for t in years]), checks


def _capital(
    investments: pd.DataFrame,
    interest: pd.DataFrame,
    *,
    years: Sequence[int],
    tolerance: float = 0.0,
) -> tuple[dict[int, dict[str, float]], list[CheckResult]]:
    """The capital costs of the investment plan per plan year.

    Args:
        investments: columns ``prosjekt``, ``aar``, ``belop`` (the gross investment) and its
            financing ``lan``, ``tilskudd``, ``mva`` (VAT compensation), ``egne_midler``
            (from disposisjonsfond), ``salg``; ``avdragstid`` (years; also the assets' useful
            life, for their depreciation). Empty financing cells count as 0.
        interest: columns ``aar``, ``rente`` (fraction).
        years: the plan years.
        tolerance: how far financing may differ from the investment, in the plan's unit.

    Returns:
        (per year: ``investeringer``, ``nye_lan``, ``avdrag``, ``renter``, ``egne_midler``,
        ``avskrivninger``; one check per project whose financing does not add up to its amount
        (AVVIK)).
    """
    errors: list[InputError] = []
    rates = _interest_rates(interest, errors)
    first, last = min(years), max(years)
    sums = {t: dict.fromkeys(_CAPITAL, 0.0) for t in years}
    checks: list[CheckResult] = []
    loans: list[tuple[float, int, int]] = []
    for rec_index, rec in zip(investments.index, investments.to_dict("records"), strict=True):
        name = _text(rec.get("prosjekt")) or f"rad {row_label(rec_index)}"
        aar = _year(
            rec.get("aar"),
            what=f"Året for '{name}'",
            ctx=_ctx(INVESTMENTS_TABLE, rec_index, "aar"),
            errors=errors,
        )
        belop = _amount(
            rec.get("belop"),
            what=f"Beløpet for '{name}'",
            ctx=_ctx(INVESTMENTS_TABLE, rec_index, "belop"),
            errors=errors,
        )
        parts: dict[str, float] = {}
        for col in _FINANCING:
            v = rec.get(col)
            if _optional(v):
                parts[col] = 0.0
                continue
            x = _amount(
                v,
                what=f"Finansieringen ({col}) av '{name}'",
                ctx=_ctx(INVESTMENTS_TABLE, rec_index, col),
                errors=errors,
            )
            if x is not None and x < 0:
                errors.append(
                    InputError(
                        f"finansieringen av '{name}' skrives med positive beløp (er {_tall(x)})",
                        code="negativ_verdi",
                        context=_ctx(INVESTMENTS_TABLE, rec_index, col),
                    )
                )
                x = None
            parts[col] = x if x is not None else 0.0
        tid_raw = rec.get("avdragstid")
        tid = _amount(
            tid_raw,
            what=f"Avdragstiden for '{name}'",
            ctx=_ctx(INVESTMENTS_TABLE, rec_index, "avdragstid"),
            errors=errors,
        )
        if tid is not None and (tid != int(tid) or tid <= 0):
            errors.append(
                InputError(
                    f"avdragstiden for '{name}' må være et helt antall år over 0 (er {_tall(tid)})",
                    code="ikke_positiv",
                    context=_ctx(INVESTMENTS_TABLE, rec_index, "avdragstid"),
                )
            )
            tid = None
        if aar is None or belop is None or tid is None:
            continue
        if not first - 1 <= aar <= last:
            errors.append(
                InputError(
                    f"året {aar} for '{name}' er utenfor planperioden {first}-{last} (eller "
                    "basisåret rett før)",
                    code="ukjent_aar",
                    context=_ctx(INVESTMENTS_TABLE, rec_index, "aar"),
                )
            )
            continue
        financed = math.fsum(parts.values())
        if abs(financed - belop) > tolerance + 1e-9 * max(1.0, abs(belop)):
            checks.append(
                CheckResult(
                    kontroll=f"Finansiering av investering: {name}",
                    status=AVVIK,
                    verdi=financed,
                    forventet=belop,
                    avvik=financed - belop,
                    forklaring=(
                        f"'{name}' ({aar}) koster {number(belop)}, men lån, tilskudd, "
                        f"momskompensasjon, egne midler og salg summerer til {number(financed)}."
                        " Hele investeringen må være finansiert."
                    ),
                )
            )
        if aar in sums:
            sums[aar]["investeringer"] += belop
            sums[aar]["nye_lan"] += parts["lan"]
            sums[aar]["egne_midler"] += parts["egne_midler"]
        for t in years:
            if aar < t <= aar + int(tid):
                sums[t]["avskrivninger"] += belop / int(tid)
        loans.append((parts["lan"], aar, int(tid)))
    InputErrors.raise_if_any(errors)
    for principal, aar, tid in loans:
        try:
            schedule = serial_loan(
                principal, year=aar, repayment_years=tid, rates=rates, last_year=last
            )
        except InputError as exc:
            raise exc.with_context(tabell=INTEREST_TABLE, rad=None) from None
        for rec in schedule.to_dict("records"):
            t = int(rec["aar"])
            if t in sums:
                sums[t]["avdrag"] += float(rec["avdrag"])
                sums[t]["renter"] += float(rec["renter"])
    return sums, checks


# --------------------------------------------------------------------------------------------
# Closing the gap
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """A measure in a solution: which row, from which year, its yearly effect."""

    rad: int | None
    tiltak: str
    omrade: str
    varighet: str
    prioritet: int
    start: int
    belop: float
    konsekvens: str = ""

    def effect(self, year: int) -> float:
        """The measure's effect in ``year`` (lasting: from its start on; one-off: that year)."""
        if self.varighet == _VARIG:
            return self.belop if year >= self.start else 0.0
        return self.belop if year == self.start else 0.0


@dataclass(frozen=True)
class GapSolution:
    """The measures chosen and what they leave.

    Attributes:
        chosen: the best set.
        effect: the chosen measures' effect per year.
        missing: what is still not covered per year (0 when every year closes); of it,
            ``missing_lasting`` is the lasting part that one-off money may not cover.
        alternatives: the next best sets that also close every year (up to the number asked).
        priority: the best set's objective (sum of priorities; lower is better).
    """

    chosen: list[Choice]
    effect: dict[int, float]
    missing: dict[int, float]
    missing_lasting: dict[int, float]
    alternatives: list[list[Choice]] = field(default_factory=list)
    priority: float = 0.0

    @property
    def closes(self) -> bool:
        return not any(v > 0 for v in self.missing.values())


@dataclass(frozen=True)
class _Measure:
    rad: int | None
    tiltak: str
    omrade: str
    varighet: str
    prioritet: int
    fra: int
    belop: float
    konsekvens: str


def _measures(frame: pd.DataFrame, *, years: Sequence[int]) -> list[_Measure]:
    errors: list[InputError] = []
    out: list[_Measure] = []
    for rad, rec in zip(frame.index, frame.to_dict("records"), strict=True):
        name = _text(rec.get("tiltak")) or f"rad {row_label(rad)}"
        varighet = _one_of(
            rec.get("varighet"),
            _DURATIONS,
            noun="varighet",
            owner=f"tiltaket '{name}' har ",
            ctx=_ctx(MEASURES_TABLE, rad, "varighet"),
            code="ukjent_varighet",
            errors=errors,
        )
        belop = _amount(
            rec.get("belop"),
            what=f"Beløpet for tiltaket '{name}'",
            ctx=_ctx(MEASURES_TABLE, rad, "belop"),
            errors=errors,
        )
        if belop is not None and belop <= 0:
            errors.append(
                InputError(
                    f"beløpet for tiltaket '{name}' er {_tall(belop)}; skriv hva tiltaket "
                    "gir per år som et positivt tall (innsparing eller økt inntekt)",
                    code="ikke_positiv",
                    context=_ctx(MEASURES_TABLE, rad, "belop"),
                )
            )
            belop = None
        fra = years[0]
        if not _optional(rec.get("fra_aar")):
            f = _year(
                rec.get("fra_aar"),
                what=f"Fra år for tiltaket '{name}'",
                ctx=_ctx(MEASURES_TABLE, rad, "fra_aar"),
                errors=errors,
            )
            if f is not None and f > years[-1]:
                errors.append(
                    InputError(
                        f"tiltaket '{name}' kan tidligst starte {f}, etter planperioden "
                        f"{years[0]}-{years[-1]}",
                        code="ukjent_aar",
                        context=_ctx(MEASURES_TABLE, rad, "fra_aar"),
                    )
                )
                f = None
            fra = max(f, years[0]) if f is not None else fra
        prioritet = 1
        if not _optional(rec.get("prioritet")):
            p = _amount(
                rec.get("prioritet"),
                what=f"Prioriteten for tiltaket '{name}'",
                ctx=_ctx(MEASURES_TABLE, rad, "prioritet"),
                errors=errors,
            )
            if p is not None and (p != int(p) or p < 1):
                errors.append(
                    InputError(
                        f"prioriteten for tiltaket '{name}' skal være et helt tall fra 1 "
                        f"(tas først) og oppover (er {_tall(p)})",
                        code="ugyldig_tall",
                        context=_ctx(MEASURES_TABLE, rad, "prioritet"),
                    )
                )
                p = None
            prioritet = int(p) if p is not None else 1
        if belop is None or varighet is None:
            continue
        out.append(
            _Measure(
                rad=row_label(rad),
                tiltak=name,
                omrade=_text(rec.get("omrade")),
                varighet=varighet,
                prioritet=prioritet,
                fra=fra,
                belop=belop,
                konsekvens=_text(rec.get("konsekvens")),
            )
        )
    InputErrors.raise_if_any(errors)
    return out


def close_gap(
    measures: pd.DataFrame,
    *,
    years: Sequence[int],
    need: Mapping[int, float],
    lasting_need: Mapping[int, float] | None = None,
    alternatives: int = 2,
    tolerance: float = 1e-6,
) -> GapSolution:
    """Choose the measures that close every plan year (a mixed-integer programme).

    Each measure may start in any year from its ``fra_aar`` to the last plan year (at most
    once). Constraints per year t: the lasting measures in force cover ``lasting_need[t]``,
    and all measures of the year cover ``need[t]``; a slack per year takes what cannot be
    covered. Step 1 minimises the slack (what is missing); step 2 keeps that and minimises
    the sum of the chosen measures' priorities, then the money cut over the plan (so a measure
    starts in the year it is needed).

    Args:
        measures: columns ``tiltak``, ``omrade``, ``fra_aar`` (empty: the first plan year),
            ``belop`` (the yearly effect, > 0), ``varighet`` (varig/engangs), ``prioritet``
            (1 = first choice; empty = 1), ``konsekvens`` (text, shown).
        years: the plan years, ascending.
        need: what must be covered per year (the gap, or more to meet a rule); <= 0: nothing.
        lasting_need: the part of ``need`` from lasting costs, which one-off measures may not
            cover; default all of ``need``.
        alternatives: how many next-best sets (that also close every year) to find.
        tolerance: an uncovered amount up to this counts as covered.

    Returns:
        The :class:`GapSolution`.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp  # the solver, loaded when used

    years = list(years)
    lasting_need = need if lasting_need is None else lasting_need
    items = _measures(measures, years=years)
    G = np.array([max(0.0, float(need.get(t, 0.0))) for t in years])
    GL = np.array(
        [max(0.0, min(float(lasting_need.get(t, 0.0)), g)) for t, g in zip(years, G, strict=True)]
    )
    T = len(years)
    var: list[tuple[int, int]] = [(i, s) for i, m in enumerate(items) for s in years if s >= m.fra]
    nx = len(var)
    n = nx + 2 * T  # x, then u (total slack), then uL (lasting slack)
    rows_lasting = np.zeros((T, n))
    rows_total = np.zeros((T, n))
    for j, (i, s) in enumerate(var):
        m = items[i]
        for k, t in enumerate(years):
            if m.varighet == _VARIG and t >= s:
                rows_lasting[k, j] = m.belop
                rows_total[k, j] = m.belop
            elif m.varighet == _ENGANGS and t == s:
                rows_total[k, j] = m.belop
    for k in range(T):
        rows_lasting[k, nx + T + k] = 1.0
        rows_total[k, nx + k] = 1.0
        rows_total[k, nx + T + k] = 1.0
    once = np.zeros((len(items), n))
    for j, (i, _) in enumerate(var):
        once[i, j] = 1.0
    base = [
        LinearConstraint(rows_lasting, GL, np.inf),
        LinearConstraint(rows_total, G, np.inf),
    ]
    if len(items):
        base.append(LinearConstraint(once, 0, 1))
    integrality = np.r_[np.ones(nx), np.zeros(2 * T)]
    bounds = Bounds(np.zeros(n), np.r_[np.ones(nx), np.full(2 * T, np.inf)])
    options = {"time_limit": 20.0, "mip_rel_gap": 0.0}

    def solve(c: np.ndarray, extra: list[LinearConstraint]) -> np.ndarray | None:
        res = milp(
            c, integrality=integrality, bounds=bounds, constraints=[*base, *extra], options=options
        )
        return None if res.x is None else np.asarray(res.x)

    # step 1: the least missing money
    c1 = np.r_[np.zeros(nx), np.ones(2 * T)]
    x1 = solve(c1, [])
    if x1 is None:  # cannot happen: the slacks make every problem feasible
        raise InputError("fant ingen løsning for tiltakene", code="feil")
    least = float(c1 @ x1)
    keep = LinearConstraint(
        c1.reshape(1, -1), -np.inf, least + max(tolerance, 1e-9 * max(1.0, G.sum()))
    )
    # step 2: best priority; among equals the least money cut over the plan (a measure starts
    # when it is needed, not earlier: a council does not cut more than the plan requires)
    scale = max(1e-9, math.fsum(m.belop for m in items) * max(1, T))
    c2 = np.zeros(n)
    for j, (i, s) in enumerate(var):
        m = items[i]
        active = sum(1 for t in years if (t >= s if m.varighet == _VARIG else t == s))
        c2[j] = m.prioritet + 0.01 * m.belop * active / scale / max(1, len(items))
    x2 = solve(c2, [keep])
    x = x2 if x2 is not None else x1

    def chosen_of(sol: np.ndarray) -> list[Choice]:
        out = []
        for j, (i, s) in enumerate(var):
            if sol[j] > 0.5:
                m = items[i]
                out.append(
                    Choice(
                        m.rad, m.tiltak, m.omrade, m.varighet, m.prioritet, s, m.belop, m.konsekvens
                    )
                )
        return sorted(out, key=lambda c: (c.start, c.prioritet, c.rad if c.rad is not None else 0))

    chosen = chosen_of(x)
    effect = {t: math.fsum(c.effect(t) for c in chosen) for t in years}
    missing_lasting = {
        t: max(0.0, gl - math.fsum(c.effect(t) for c in chosen if c.varighet == _VARIG))
        for t, gl in zip(years, GL, strict=True)
    }
    missing = {
        t: max(0.0, g - effect[t], missing_lasting[t]) for t, g in zip(years, G, strict=True)
    }
    missing = {t: (v if v > tolerance else 0.0) for t, v in missing.items()}
    missing_lasting = {t: (v if v > tolerance else 0.0) for t, v in missing_lasting.items()}
    priority = float(sum(c.prioritet for c in chosen))

    def picked(sol: np.ndarray) -> set[int]:
        """The measures (their positions in the list) a solution takes, whatever the year."""
        return {i for j, (i, _) in enumerate(var) if sol[j] > 0.5}

    found: list[list[Choice]] = []
    if alternatives > 0 and not any(missing.values()) and picked(x):
        # each next-best set must differ from every set found before (a "no-good" cut per set)
        cuts: list[LinearConstraint] = []
        closed = LinearConstraint(c1.reshape(1, -1), -np.inf, max(tolerance, 1e-9))
        last = picked(x)
        for _ in range(alternatives):
            row = np.array([1.0 if i in last else -1.0 for i, _ in var] + [0.0] * (2 * T))
            cuts.append(LinearConstraint(row.reshape(1, -1), -np.inf, len(last) - 1))
            sol = solve(c2, [closed, *cuts])
            if sol is None:
                break
            found.append(chosen_of(sol))
            last = picked(sol)
    return GapSolution(
        chosen=chosen,
        effect=effect,
        missing=missing,
        missing_lasting=missing_lasting,
        alternatives=found,
        priority=priority,
    )


# --------------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanResult:
    """Everything the plan computed.

    Attributes:
        years: per plan year (``aar``, ``ramme``, ``endringer``, ``demografi``,
            ``kapitalkostnader``, ``ubalanse_for``, ``tiltak``, ``ubalanse_etter``,
            ``netto_driftsresultat``, ``ndr_andel``, ``disposisjonsfond``, ``lanegjeld``,
            ``gjeld_andel``, ``renter_avdrag_andel``).
        demography: per sector and year (:func:`demographic_cost`).
        capital: per year (``aar``, ``investeringer``, ``nye_lan``, ``avdrag``, ``renter``,
            ``avdrag_i_alt``, ``minste_avdrag``, ``lanegjeld``, ``status``).
        solution: the measures chosen.
        checks: the financial rules per year, the investments' financing, the minimum
            repayment and the balance.
        balance: each plan year's balance check (also in ``checks``), by year.
    """

    years: pd.DataFrame
    demography: pd.DataFrame
    capital: pd.DataFrame
    solution: GapSolution
    checks: list[CheckResult]
    balance: dict[int, CheckResult] = field(default_factory=dict)


#: What a rule in tblMaltall is about, by words in its name (first match wins).
_RULE_FIGURES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("netto driftsresultat",), "ndr_andel"),
    (("renter og avdrag", "rente- og avdrag", "renter", "avdrag"), "renter_avdrag_andel"),
    (("lånegjeld", "gjeld"), "gjeld_andel"),
    (("disposisjonsfond", "fond"), "fond_andel"),
)


#: The largest limit that can be meant for each figure (a share of operating income): beyond
#: it the user typed a percentage as a whole number.
_PLAUSIBLE_LIMIT = {
    "ndr_andel": 0.5,
    "renter_avdrag_andel": 0.5,
    "gjeld_andel": 5.0,
    "fond_andel": 2.0,
}


def _rule_figure(name: str) -> str | None:
    key = name.casefold()
    for words, figure in _RULE_FIGURES:
        if any(w in key for w in words):
            return figure
    return None


def four_year_plan(
    *,
    frame: pd.DataFrame,
    changes: pd.DataFrame,
    population: pd.DataFrame,
    rates: pd.DataFrame,
    investments: pd.DataFrame,
    interest: pd.DataFrame,
    measures: pd.DataFrame,
    rules: pd.DataFrame,
    settings: PlanSettings,
) -> PlanResult:
    """Project the plan years, price demography and investments, check the rules and close
    the gap (see the module text for the method).

    Args:
        frame: tblRamme: ``post``, ``omrade``, ``kategori`` (:data:`CATEGORIES`), ``belop``
            (the base year, municipal signs).
        changes: tblPlanendringer: ``endring``, ``omrade``, ``kategori`` (empty: tjeneste),
            ``fra_aar``, ``belop`` (the yearly change, municipal signs), ``varighet``
            (varig: from that year on; engangs: that year only).
        population, rates: see :func:`demographic_cost`.
        investments, interest: see :func:`capital_costs`.
        measures: see :func:`close_gap`.
        rules: tblMaltall: ``maltall``, ``grense``, ``retning`` (names recognised: netto
            driftsresultat, renter og avdrag, lånegjeld, disposisjonsfond; in % of
            driftsinntekter).
        settings: :class:`PlanSettings`.
    """
    years = settings.plan_years
    errors: list[InputError] = []
    tol = settings.tolerance if settings.tolerance is not None else 1e-6

    # the frame: base-year lines, continued into every plan year
    by_cat = dict.fromkeys(CATEGORIES, 0.0)
    for rad, rec in zip(frame.index, frame.to_dict("records"), strict=True):
        kat = _one_of(
            rec.get("kategori"),
            CATEGORIES,
            noun="kategori",
            owner="",
            ctx=_ctx(FRAME_TABLE, rad, "kategori"),
            code="ugyldig_valg",
            errors=errors,
        )
        if kat is None:
            continue
        x = _amount(
            rec.get("belop"),
            what=f"Beløpet for '{_text(rec.get('post'))}'",
            ctx=_ctx(FRAME_TABLE, rad, "belop"),
            errors=errors,
        )
        if x is not None:
            by_cat[kat] += x
    # the changes
    change_cat: dict[int, dict[str, float]] = {t: dict.fromkeys(CATEGORIES, 0.0) for t in years}
    one_off: dict[int, float] = dict.fromkeys(years, 0.0)
    for rad, rec in zip(changes.index, changes.to_dict("records"), strict=True):
        name = _text(rec.get("endring")) or f"rad {row_label(rad)}"
        kat = _one_of(
            rec.get("kategori"),
            CATEGORIES,
            noun="kategori",
            owner=f"endringen '{name}' har ",
            ctx=_ctx(CHANGES_TABLE, rad, "kategori"),
            code="ugyldig_valg",
            errors=errors,
            default="tjeneste",
        )
        varighet = _one_of(
            rec.get("varighet"),
            _DURATIONS,
            noun="varighet",
            owner=f"endringen '{name}' har ",
            ctx=_ctx(CHANGES_TABLE, rad, "varighet"),
            code="ukjent_varighet",
            errors=errors,
            default=_VARIG,
        )
        if kat is None or varighet is None:
            continue
        fra = _year(
            rec.get("fra_aar"),
            what=f"Fra år for '{name}'",
            ctx=_ctx(CHANGES_TABLE, rad, "fra_aar"),
            errors=errors,
        )
        x = _amount(
            rec.get("belop"),
            what=f"Beløpet for '{name}'",
            ctx=_ctx(CHANGES_TABLE, rad, "belop"),
            errors=errors,
        )
        if fra is None or x is None:
            continue
        if not years[0] <= fra <= years[-1]:
            errors.append(
                InputError(
                    f"endringen '{name}' gjelder fra {fra}, utenfor planperioden "
                    f"{years[0]}-{years[-1]}",
                    code="ukjent_aar",
                    context=_ctx(CHANGES_TABLE, rad, "fra_aar"),
                )
            )
            continue
        for t in years:
            if (varighet == _VARIG and t >= fra) or t == fra:
                change_cat[t][kat] += x
                if varighet == _ENGANGS and kat != "fond":
                    one_off[t] += x
    # the rules
    parsed_rules: list[tuple[str, float, str, str, object]] = []
    for rad, rec in zip(rules.index, rules.to_dict("records"), strict=True):
        name = _text(rec.get("maltall"))
        figure = _rule_figure(name)
        if figure is None:
            errors.append(
                InputError(
                    f"måltallet '{name}' er ukjent for økonomiplanen; navnet skal inneholde "
                    "netto driftsresultat, renter og avdrag, lånegjeld eller disposisjonsfond "
                    "(alle i % av driftsinntektene)",
                    code="ugyldig_valg",
                    context=_ctx(RULES_TABLE, rad, "maltall"),
                )
            )
            continue
        limit = _amount(
            rec.get("grense"),
            what=f"Grensen for '{name}'",
            ctx=_ctx(RULES_TABLE, rad, "grense"),
            errors=errors,
        )
        direction = _key(rec.get("retning")).replace("hoyst", "høyst")
        if direction not in ("minst", "høyst"):
            errors.append(
                InputError(
                    f"ukjent retning {rec.get('retning')!r} for '{name}'; bruk minst eller høyst",
                    code="ukjent_retning",
                    context=_ctx(RULES_TABLE, rad, "retning"),
                )
            )
            continue
        # a share typed as a whole number (1,75 for 1,75 %) would ask for 175 % of income
        most = _PLAUSIBLE_LIMIT[figure]
        if limit is not None and not -most <= limit <= most:
            errors.append(
                InputError(
                    f"grensen {percent(limit, 2)} for '{name}' er ikke rimelig (høyst "
                    f"{percent(most, 0)}); skriv grensen i prosent, f.eks. 1,75 %",
                    code="ugyldig_tall",
                    context=_ctx(RULES_TABLE, rad, "grense"),
                )
            )
            continue
        if limit is not None:
            parsed_rules.append((name, limit, direction, figure, rad))
    demography = pd.DataFrame(columns=["sektor", "aar", "merutgift", "forklaring"])
    if len(rates):
        computed = _gathered(
            errors,
            lambda: demographic_cost(
                population,
                rates,
                base_year=settings.base_year,
                years=years,
                unit_kr=settings.unit_kr,
                alternative=settings.alternative,
            ),
        )
        if computed is not None:
            demography = computed
    cap: dict[int, dict[str, float]] = {t: dict.fromkeys(_CAPITAL, 0.0) for t in years}
    invest_checks: list[CheckResult] = []
    if len(investments):
        found = _gathered(
            errors,
            lambda: _capital(
                investments, interest, years=years, tolerance=settings.tolerance or 0.0
            ),
        )
        if found is not None:
            cap, invest_checks = found
    InputErrors.raise_if_any(errors)

    demo_sum = {t: math.fsum(demography.loc[demography["aar"] == t, "merutgift"]) for t in years}
    frame_total = math.fsum(by_cat.values())
    rows: list[dict[str, float]] = []
    need: dict[int, float] = {}
    lasting: dict[int, float] = {}
    income: dict[int, float] = {}
    fund_net: dict[int, float] = {}
    ndr_before: dict[int, float] = {}
    for t in years:
        cat = {k: by_cat[k] + change_cat[t][k] for k in CATEGORIES}
        kapital = float(cap[t]["avdrag"] + cap[t]["renter"])
        endringer = math.fsum(change_cat[t].values())
        ubalanse = frame_total + endringer + demo_sum[t] + kapital
        income[t] = -(cat["frie inntekter"] + cat["andre driftsinntekter"])
        fund_net[t] = cat["fond"]
        ndr_before[t] = -(ubalanse - cat["fond"])
        need[t] = ubalanse
        lasting[t] = ubalanse - one_off[t]
        rows.append(
            {
                "aar": t,
                "ramme": frame_total,
                "endringer": endringer,
                "demografi": demo_sum[t],
                "kapitalkostnader": kapital,
                "ubalanse_for": ubalanse,
            }
        )
    # the rule on the net operating result raises what the measures must cover
    for _name, limit, direction, figure, _ in parsed_rules:
        if figure == "ndr_andel" and direction == "minst":
            for t in years:
                need[t] = max(need[t], limit * income[t] - ndr_before[t])
    solution = close_gap(measures, years=years, need=need, lasting_need=lasting, tolerance=tol)

    checks: list[CheckResult] = []
    fund = settings.fund_start
    debt = settings.debt_start
    depreciation = settings.depreciation
    assets = settings.assets
    cap_rows: list[dict[str, object]] = []
    for row in rows:
        t = int(row["aar"])
        tiltak = solution.effect[t]
        etter = row["ubalanse_for"] - tiltak
        ndr = ndr_before[t] + tiltak
        row["tiltak"] = tiltak
        row["ubalanse_etter"] = etter
        row["netto_driftsresultat"] = ndr
        di = income[t]

        def share(v: float, di: float = di) -> float:
            return v / di if di > 0 else math.nan

        row["ndr_andel"] = share(ndr)
        if fund is not None:
            fund = fund + fund_net[t] - cap[t]["egne_midler"] + max(0.0, -etter)
        row["disposisjonsfond"] = fund if fund is not None else math.nan
        existing_avdrag = by_cat["avdrag"] + change_cat[t]["avdrag"]
        new_avdrag = cap[t]["avdrag"]
        if debt is not None:
            debt = debt + cap[t]["nye_lan"] - existing_avdrag - new_avdrag
        row["lanegjeld"] = debt if debt is not None else math.nan
        row["gjeld_andel"] = share(debt) if debt is not None else math.nan
        row["fond_andel"] = share(fund) if fund is not None else math.nan
        renter_avdrag = (
            by_cat["renter"]
            + change_cat[t]["renter"]
            + existing_avdrag
            + cap[t]["renter"]
            + new_avdrag
        )
        row["renter_avdrag_andel"] = share(renter_avdrag)
        minste = math.nan
        status = ""
        if depreciation is not None and assets is not None and debt is not None:
            depreciation_t = depreciation + cap[t]["avskrivninger"]
            assets = assets + cap[t]["investeringer"] - depreciation_t
            minste = minimum_repayment(debt, depreciation=depreciation_t, assets=assets)
            paid = existing_avdrag + new_avdrag
            status = OK if paid >= minste - tol else AVVIK
            checks.append(
                CheckResult(
                    kontroll=f"Minste avdrag {t} (kommuneloven § 14-18)",
                    status=status,
                    verdi=paid,
                    forventet=minste,
                    avvik=paid - minste,
                    forklaring=(
                        f"Avdragene {t} er {number(paid)}; minste avdrag er lånegjelden "
                        f"{number(debt)} x avskrivningene {number(depreciation_t)} / avskrivbare "
                        f"anleggsmidler {number(assets)} = {number(minste)}"
                        + (
                            "."
                            if status == OK
                            else f": {number(minste - paid)} for lite. Øk avdragene."
                        )
                    ),
                )
            )
        cap_rows.append(
            {
                "aar": t,
                "investeringer": cap[t]["investeringer"],
                "nye_lan": cap[t]["nye_lan"],
                "avdrag": new_avdrag,
                "renter": cap[t]["renter"],
                "avdrag_i_alt": existing_avdrag + new_avdrag,
                "minste_avdrag": minste,
                "lanegjeld": debt if debt is not None else math.nan,
                "status": status,
            }
        )
    balance: dict[int, CheckResult] = {}
    for row in rows:
        t = int(row["aar"])
        before, effect = float(row["ubalanse_for"]), float(row["tiltak"])
        lasting_part = solution.missing_lasting[t]
        short = max(before - effect, lasting_part)
        short = short if short > tol else 0.0
        extra = effect - before if effect > before + tol else 0.0
        if short > 0:
            text = (
                f"Ubalansen {t} er {number(before)} {settings.unit} før tiltak; tiltakene "
                f"dekker {number(min(effect, before))}, og det mangler {number(short)} "
                f"{settings.unit}"
                + (
                    f", som må dekkes varig (engangsmidler kan ikke finansiere varige "
                    f"driftsutgifter: {number(lasting_part)} av ubalansen er varig og udekket)"
                    if lasting_part > 0
                    else ""
                )
                + ". Legg til tiltak eller endre planen."
            )
        elif before > tol:
            text = (
                f"Ubalansen {t} er {number(before)} {settings.unit} før tiltak; de valgte "
                f"tiltakene gir {number(effect)}, og året går i balanse"
                + (
                    f" ({number(extra)} ut over ubalansen trengs for måltallet for netto "
                    "driftsresultat og settes av til disposisjonsfond)."
                    if extra > 0
                    else "."
                )
            )
        else:
            text = f"Planen {t} går i balanse uten tiltak" + (
                f"; tiltakene ({number(effect)}) trengs for måltallet for netto driftsresultat."
                if effect > tol
                else "."
            )
        balance[t] = CheckResult(
            kontroll=f"Balanse {t}",
            status=AVVIK if short > 0 else OK,
            verdi=before - effect,
            forventet=0.0,
            avvik=before - effect,
            forklaring=text,
        )
        checks.append(balance[t])
    for name, limit, direction, figure, _ in parsed_rules:
        for row in rows:
            value = float(row[figure])
            t = int(row["aar"])
            if math.isnan(value):
                checks.append(
                    CheckResult(
                        kontroll=f"{name} {t}",
                        status=ADVARSEL,
                        verdi=math.nan,
                        forventet=limit,
                        avvik=math.nan,
                        forklaring=(
                            f"{name} {t} kan ikke beregnes: "
                            + (
                                "driftsinntektene (kategori frie inntekter og andre "
                                "driftsinntekter i tblRamme) er ikke over 0."
                                if income[t] <= 0
                                else "fyll inn startverdien i tblInnstillinger "
                                "(Disposisjonsfond ved start eller Lånegjeld ved start)."
                            )
                        ),
                        andel=True,
                    )
                )
                continue
            checks.append(
                financial_rule(value, limit=limit, direction=direction, name=f"{name} {t}")
            )
    if len(frame):
        balanced = abs(frame_total) <= tol
        checks.insert(
            0,
            CheckResult(
                kontroll=f"Balanse i budsjettåret {settings.base_year}",
                status=OK if balanced else ADVARSEL,
                verdi=frame_total,
                forventet=0.0,
                avvik=frame_total,
                forklaring=(
                    f"tblRamme summerer til {number(frame_total)} {settings.unit}: budsjettåret "
                    "går i balanse."
                    if balanced
                    else f"tblRamme summerer til {number(frame_total)} {settings.unit}, ikke 0: "
                    "budsjettåret går ikke i balanse, og det følger med i ubalansen hvert "
                    "planår (kolonnen Ramme på arket Plan). Sjekk at alle poster er med og har "
                    "riktig fortegn."
                ),
            ),
        )
    checks.extend(invest_checks)
    year_frame = pd.DataFrame(rows)
    return PlanResult(
        years=year_frame,
        demography=demography,
        capital=pd.DataFrame(cap_rows),
        solution=solution,
        checks=checks,
        balance=balance,
    )
