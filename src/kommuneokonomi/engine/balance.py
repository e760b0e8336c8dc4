"""Balance and rule checks for budgets, accounts and peer tables.

Each check returns a :class:`CheckResult` (or a list of them) with a status ``OK``, ``AVVIK``
(a rule is broken or figures do not add up) or ``ADVARSEL`` (allowed, but risky), the value
checked, the value expected, the difference, and a Norwegian explanation the adviser can paste
into a note.

Sign convention (the municipal budget schema): expenses are positive, income and other
financing negative, so a budget that balances sums to 0 and a positive sum is an uncovered
deficit. Amounts are in one unit of the caller's choice (kr, 1 000 kr or MNOK).

The rules come from the 2019 slides on Trondheim's economic plan ("S"): the 2018 accounts
tables add up to their printed sums, the 1st economic report 2019 nets to zero (+90 / -90),
"Engangspenger kan ikke finansiere varige driftsutgifter", and kraftfond returns may fund
operations "men man blir sårbar for svingninger på børsen". The peer summary reproduces the
"Snitt ASSS" row of S's ASSS table (mean of all ten, own municipality included).

Bad input raises :class:`InputError` with a stable ``code``: besides those of
:mod:`kommuneokonomi.engine.keyfigures`, ``ikke_tabell``, ``tom_tabell``, ``mangler_kolonne``,
``ugyldig_aar``, ``mangler_kommune``, ``ukjent_varighet``, ``mangler_finansiering``,
``ukjent_retning``, ``ukjent_kommune`` and ``duplikat``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from numbers import Integral, Real

import pandas as pd

from kommuneokonomi.engine.format import number

# The number validation of keyfigures is shared so both modules word errors the same way.
from kommuneokonomi.engine.keyfigures import _number, _number_error, _numbers, _tall
from kommuneokonomi.engine.values import row_label
from kommuneokonomi.errors import Context, InputError, InputErrors

__all__ = [
    "ADVARSEL",
    "AVVIK",
    "ENGANGSMIDLER",
    "FONDSAVKASTNING",
    "OK",
    "CheckResult",
    "financial_rule",
    "one_off_financing",
    "peer_table_summary",
    "plan_balance",
    "plan_balance_table",
    "revision_balance",
    "sum_check",
]

#: The input tables the checks read, so an error about one of their rows names its cell.
BUDGET_TABLE = "tblBudsjett"
MEASURES_TABLE = "tblTiltak"
PEER_TABLE = "tblSammenligning"

OK = "OK"
AVVIK = "AVVIK"
ADVARSEL = "ADVARSEL"

#: Words in ``finansiering`` that mark one-off money (engangsmidler), matched as parts of the
#: lower-cased text so "Bruk av disposisjonsfond" and "engangstilskudd" are recognised.
#: S: "Engangspenger kan ikke finansiere varige driftsutgifter". A fund (disposisjonsfond or
#: any other ``fond``), sales income (``salg``) and last year's surplus (``mindreforbruk``)
#: are there once: when spent they are gone, while a lasting cost comes back every year.
ENGANGSMIDLER: tuple[str, ...] = ("engangs", "disposisjonsfond", "fond", "salg", "mindreforbruk")

#: Words that mark a return on financial assets, chiefly the kraftfond. Checked before
#: :data:`ENGANGSMIDLER` (``kraftfond`` contains ``fond``). S: may the kraftfond return fund
#: operations? "Ja, men man blir sårbar for svingninger på børsen" -> ADVARSEL, not AVVIK.
FONDSAVKASTNING: tuple[str, ...] = ("kraftfond", "avkastning")

_VARIG = "varig"
_ENGANGS = "engangs"

# Relative slack added to a caller's tolerance so that a difference printed exactly at the
# tolerance (0.05 computed as 0.0500000000001 in binary) is not flagged.
_SLACK = 1e-12


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.

    Attributes:
        kontroll: what was checked (Norwegian, shown to the user).
        status: :data:`OK`, :data:`AVVIK` or :data:`ADVARSEL`.
        verdi: the value found (a sum, a net, a key figure).
        forventet: the value the rule expects (a stated total, 0, a limit).
        avvik: ``verdi - forventet``.
        forklaring: Norwegian explanation.
        andel: the values are shares (0,0175 = 1,75 %), shown as percentages; otherwise
            amounts.
    """

    kontroll: str
    status: str
    verdi: float
    forventet: float
    avvik: float
    forklaring: str
    andel: bool = False

    @property
    def ok(self) -> bool:
        """True when the status is OK."""
        return self.status == OK


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _tolerance(tolerance: float | None, *, scale: float) -> float:
    """The absolute tolerance: the caller's, or 1e-9 relative to ``scale`` by default."""
    scale = max(1.0, abs(scale))
    if tolerance is None:
        return 1e-9 * scale
    tol = _number(tolerance, what="Toleransen")
    if tol < 0:
        raise InputError(
            f"Toleransen kan ikke være negativ, men er {_tall(tol)}.", code="negativ_verdi"
        )
    return tol + _SLACK * scale


def _require_frame(frame: object, *, columns: Iterable[str], what: str) -> pd.DataFrame:
    """Check that ``frame`` is a non-empty DataFrame with the given columns."""
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"{what} må være en tabell (pandas DataFrame), men er {type(frame).__name__}.",
            code="ikke_tabell",
        )
    missing = [c for c in columns if c not in frame.columns]
    errors = [
        InputError(
            f"{what} mangler kolonnen '{c}' (kolonnene er: "
            f"{', '.join(str(k) for k in frame.columns) or 'ingen'}).",
            code="mangler_kolonne",
            context=Context(kolonne=c),
        )
        for c in missing
    ]
    InputErrors.raise_if_any(errors)
    if frame.empty:
        raise InputError(f"{what} har ingen rader.", code="tom_tabell")
    return frame


def _year(value: object, *, context: Context) -> int | InputError:
    """A year from an int, an integer-valued float or digits in text; else an InputError."""
    year: int | None = None
    if isinstance(value, Integral) and not isinstance(value, bool):
        year = int(value)
    elif isinstance(value, Real) and not isinstance(value, bool):
        x = float(value)
        if math.isfinite(x) and x == int(x):
            year = int(x)
    elif isinstance(value, str) and value.strip().isdigit():
        year = int(value.strip())
    if year is not None and abs(year) < 2**53:  # beyond that no year column can hold it
        return year
    return InputError(
        f"Året {value!r} er ikke et helt årstall.", code="ugyldig_aar", context=context
    )


def _text(value: object) -> str:
    """Lower-cased text with whitespace collapsed; "" for None/NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return " ".join(str(value).lower().split())


def _label(index_label: object) -> int | None:
    """A row's index label as an int (the workbook layer maps it to a cell), else None."""
    return row_label(index_label)


def _missing(value: object) -> bool:
    """An empty value: None, pandas' missing markers or a float NaN."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _budget_rows(budget: pd.DataFrame) -> list[tuple[int, float]]:
    """Validated (aar, belop) pairs from a budget frame; all problems reported together."""
    frame = _require_frame(budget, columns=("aar", "belop"), what="Budsjettet")
    errors: list[InputError] = []
    rows: list[tuple[int, float]] = []
    labels: list[int | None] = []
    for rad, aar_raw, belop_raw in zip(frame.index, frame["aar"], frame["belop"], strict=True):
        aar = _year(aar_raw, context=Context(kolonne="aar", rad=_label(rad), tabell=BUDGET_TABLE))
        if isinstance(aar, InputError):
            errors.append(aar)
            continue
        err = _number_error(
            belop_raw,
            what="Beløpet",
            context=Context(aar=aar, kolonne="belop", rad=_label(rad), tabell=BUDGET_TABLE),
        )
        if err is not None:
            errors.append(err)
            continue
        rows.append((aar, float(belop_raw)))
        labels.append(_label(rad))
    InputErrors.raise_if_any(errors)
    # a year whose amounts add up beyond a float: name its largest amount
    gross: dict[int, float] = {}
    for aar, belop in rows:
        gross[aar] = gross.get(aar, 0.0) + abs(belop)
    for aar in sorted(a for a, total in gross.items() if not math.isfinite(total)):
        k = max((k for k, (a, _) in enumerate(rows) if a == aar), key=lambda k: abs(rows[k][1]))
        errors.append(
            InputError(
                f"Beløpene for {aar} summerer til et uendelig stort tall; det største er "
                f"{_tall(rows[k][1])}. Sjekk beløpet.",
                code="for_stort_tall",
                context=Context(aar=aar, kolonne="belop", rad=labels[k], tabell=BUDGET_TABLE),
            )
        )
    InputErrors.raise_if_any(errors)
    return rows


# --------------------------------------------------------------------------------------------
# Sums and balances
# --------------------------------------------------------------------------------------------


def sum_check(
    amounts: Iterable[float],
    *,
    stated_total: float,
    name: str,
    tolerance: float | None = None,
) -> CheckResult:
    """Check that the lines of a table add up to its stated total.

    Args:
        amounts: the lines, in one amount unit (e.g. MNOK), with their printed signs.
        stated_total: the total printed under the lines, same unit.
        name: what the table is (used as ``kontroll``), e.g. "Klæbu regnskapsresultat 2018".
        tolerance: the absolute difference accepted, same unit. The rounding of printed
            figures cannot be recovered from floats, so the default is strict: 1e-9 relative
            to the size of the figures. Pass e.g. 0.05 when lines printed with one decimal
            were rounded separately from their sum.

    Returns:
        A CheckResult with verdi = the sum, forventet = stated_total, avvik = sum - stated.
        The sum uses math.fsum, so 6.6 + 2.6 - 0.5 - 1.2 + 8.5 + 10.4 is 26.4 (S, Klæbu).
    """
    values = _numbers(amounts, what=f"Linjene i {name}")
    stated = _number(stated_total, what=f"Oppgitt sum for {name}")
    total = math.fsum(values)
    # fsum over the lines and the negated total gives the difference without cancellation.
    avvik = math.fsum([*values, -stated])
    tol = _tolerance(tolerance, scale=max(abs(stated), math.fsum(abs(v) for v in values)))
    if abs(avvik) <= tol:
        status = OK
        forklaring = (
            f"{name}: linjene summerer til {number(total)}, som stemmer med oppgitt sum "
            f"{number(stated)}."
        )
    else:
        status = AVVIK
        forklaring = (
            f"{name}: linjene summerer til {number(total)}, men oppgitt sum er "
            f"{number(stated)} (avvik {number(avvik)}). Sjekk om en linje mangler, er ført to "
            "ganger eller har feil fortegn."
        )
    return CheckResult(
        kontroll=name,
        status=status,
        verdi=total,
        forventet=stated,
        avvik=avvik,
        forklaring=forklaring,
    )


def revision_balance(
    changes: Iterable[float], *, name: str, tolerance: float | None = None
) -> CheckResult:
    """Check that a budget revision nets to zero.

    S, 1. økonomirapport 2019: increased frames 63 + 17 + 10 = 90 are covered by increased
    income and reduced frames -42 - 11 - 37 = -90; the revision balances.

    Args:
        changes: the changes, increased expenses positive and increased income, reduced
            frames or use of funds negative, in one amount unit.
        name: what the revision is (``kontroll``).
        tolerance: absolute difference accepted; default 1e-9 relative (see
            :func:`sum_check`).

    Returns:
        A CheckResult with verdi = avvik = the net sum and forventet = 0.
    """
    values = _numbers(changes, what=f"Endringene i {name}")
    net = math.fsum(values)
    up = math.fsum(v for v in values if v > 0)
    down = math.fsum(v for v in values if v < 0)
    tol = _tolerance(tolerance, scale=math.fsum(abs(v) for v in values))
    head = f"{name}: økninger {number(up)} og reduksjoner/økte inntekter {number(down)}"
    if abs(net) <= tol:
        status = OK
        forklaring = f"{head} går i balanse (netto {number(0.0 if net == 0 else net)})."
    elif net > 0:
        status = AVVIK
        forklaring = (
            f"{head} går ikke i balanse: netto {number(net)}. Økningene er ikke fullt "
            f"finansiert; det mangler inndekning for {number(net)}."
        )
    else:
        status = AVVIK
        forklaring = (
            f"{head} går ikke i balanse: netto {number(net)}. Det er funnet mer inndekning "
            f"enn økninger; {number(-net)} er ikke disponert."
        )
    return CheckResult(
        kontroll=name, status=status, verdi=net, forventet=0.0, avvik=net, forklaring=forklaring
    )


def plan_balance(
    budget: pd.DataFrame, *, name_prefix: str = "Balanse", tolerance: float | None = None
) -> list[CheckResult]:
    """Check that a budget or economic plan balances in every year.

    The plan must balance exactly (kommuneloven § 14-4: årsbudsjettet og økonomiplanen skal
    være i balanse; S: "Behov og ønsker er større enn kommunerammen - UBALANSE i 2020"). A
    positive sum is an uncovered deficit; a negative sum is income not yet allocated
    ("udisponert"), which is also an AVVIK, since the plan must say what it is used for.

    Args:
        budget: one row per budget line with columns ``aar`` (year) and ``belop`` (amount,
            expenses positive, income negative); other columns are ignored.
        name_prefix: start of ``kontroll``; the year is appended ("Balanse 2020").
        tolerance: absolute difference accepted per year; default 1e-9 relative to the
            year's gross amounts.

    Returns:
        One CheckResult per year, in year order: verdi = avvik = the year's sum, forventet 0.
    """
    by_year: dict[int, list[float]] = {}
    for aar, belop in _budget_rows(budget):
        by_year.setdefault(aar, []).append(belop)
    results: list[CheckResult] = []
    for aar in sorted(by_year):
        amounts = by_year[aar]
        net = math.fsum(amounts)
        tol = _tolerance(tolerance, scale=math.fsum(abs(a) for a in amounts))
        if abs(net) <= tol:
            status = OK
            forklaring = f"{aar}: utgifter og inntekter går i balanse."
        elif net > 0:
            status = AVVIK
            forklaring = (
                f"{aar}: udekket underskudd på {number(net)}. Utgiftene er {number(net)} "
                "høyere enn inntektene; planen må gå i balanse, så det trengs inndekning."
            )
        else:
            status = AVVIK
            forklaring = (
                f"{aar}: udisponert/ikke fordelt overskudd på {number(-net)}. Inntektene er "
                f"{number(-net)} høyere enn utgiftene; planen skal gå nøyaktig i balanse, så "
                "beløpet må fordeles eller avsettes."
            )
        results.append(
            CheckResult(
                kontroll=f"{name_prefix} {aar}",
                status=status,
                verdi=net,
                forventet=0.0,
                avvik=net,
                forklaring=forklaring,
            )
        )
    return results


def plan_balance_table(budget: pd.DataFrame, *, tolerance: float | None = None) -> pd.DataFrame:
    """The per-year balance of a budget as a table for display.

    Args:
        budget: columns ``aar`` and ``belop`` as for :func:`plan_balance`.
        tolerance: as for :func:`plan_balance`.

    Returns:
        One row per year with columns ``aar``, ``utgifter`` (sum of positive lines),
        ``inntekter`` (sum of negative lines, kept negative), ``netto`` (their sum) and
        ``status`` (OK/AVVIK as in :func:`plan_balance`).
    """
    rows = _budget_rows(budget)
    checks = {r.kontroll: r for r in plan_balance(budget, name_prefix="", tolerance=tolerance)}
    years = sorted({aar for aar, _ in rows})
    utgifter = [math.fsum(b for a, b in rows if a == aar and b > 0) for aar in years]
    inntekter = [math.fsum(b for a, b in rows if a == aar and b < 0) for aar in years]
    return pd.DataFrame(
        {
            "aar": pd.Series(years, dtype="int64"),
            "utgifter": pd.Series(utgifter, dtype=float),
            "inntekter": pd.Series(inntekter, dtype=float),
            "netto": pd.Series([checks[f" {aar}"].verdi for aar in years], dtype=float),
            "status": [checks[f" {aar}"].status for aar in years],
        }
    )


# --------------------------------------------------------------------------------------------
# Financing rules
# --------------------------------------------------------------------------------------------


def _financing_kind(text: str) -> str:
    """AVVIK/ADVARSEL/OK for a varig measure financed by ``text`` (normalised)."""
    if any(word in text for word in FONDSAVKASTNING):
        return ADVARSEL
    if any(word in text for word in ENGANGSMIDLER):
        return AVVIK
    return OK


def _count_tiltak(n: int) -> str:
    """Norwegian count of lasting measures: ``1 varig tiltak``, ``2 varige tiltak``."""
    return f"{n} varig tiltak" if n == 1 else f"{n} varige tiltak"


def one_off_financing(measures: pd.DataFrame) -> list[CheckResult]:
    """Check that lasting measures are not financed by one-off money.

    S ("Ofte stilte spørsmål"): "Engangspenger kan ikke finansiere varige driftsutgifter" ->
    a ``varig`` measure financed by one-off money (:data:`ENGANGSMIDLER`) is an AVVIK; "Kan vi
    bruke avkastningen fra kraftfondet til å finansiere drift? Ja, men man blir sårbar for
    svingninger på børsen" -> a ``varig`` measure financed by a fund return
    (:data:`FONDSAVKASTNING`) is an ADVARSEL. One-off (``engangs``) measures may use any
    money, and lasting measures financed by frames, income or reprioritising are OK.

    Args:
        measures: columns ``tiltak`` (name), ``varighet`` ("varig" or "engangs"; case and
            spaces ignored), ``finansiering`` (free text: "ramme", "omprioritering",
            "disposisjonsfond", "kraftfond", ...) and ``belop`` (the yearly cost, positive,
            in one amount unit).

    Returns:
        First a summary CheckResult (kontroll "Engangsmidler til varig drift", status the
        worst found, verdi = avvik = the total of the AVVIK measures, forventet 0), then one
        CheckResult per AVVIK or ADVARSEL measure, in input order (verdi = avvik = the
        measure's amount, forventet 0). Measures that are OK get no row of their own.
    """
    frame = _require_frame(
        measures, columns=("tiltak", "varighet", "finansiering", "belop"), what="Tiltakslisten"
    )
    errors: list[InputError] = []
    parsed: list[tuple[str, str, str, float]] = []
    for n, (rad, tiltak_raw, varighet_raw, fin_raw, belop_raw) in enumerate(
        zip(
            frame.index,
            frame["tiltak"],
            frame["varighet"],
            frame["finansiering"],
            frame["belop"],
            strict=True,
        ),
        start=1,
    ):
        # Keep the user's spelling of the name for messages; an empty name becomes "rad n".
        tiltak = " ".join(str(tiltak_raw).split()) if _text(tiltak_raw) else f"rad {n}"
        varighet = _text(varighet_raw)
        fin = _text(fin_raw)
        if varighet not in (_VARIG, _ENGANGS):
            errors.append(
                InputError(
                    f"Tiltaket '{tiltak}' har ukjent varighet {varighet_raw!r}; bruk "
                    "'varig' eller 'engangs'.",
                    code="ukjent_varighet",
                    context=Context(kolonne="varighet", rad=_label(rad), tabell=MEASURES_TABLE),
                )
            )
        if not fin:
            errors.append(
                InputError(
                    f"Tiltaket '{tiltak}' mangler finansiering (f.eks. 'ramme', "
                    "'omprioritering', 'disposisjonsfond', 'kraftfond').",
                    code="mangler_finansiering",
                    context=Context(kolonne="finansiering", rad=_label(rad), tabell=MEASURES_TABLE),
                )
            )
        err = _number_error(
            belop_raw,
            what=f"Beløpet for tiltaket '{tiltak}'",
            context=Context(kolonne="belop", rad=_label(rad), tabell=MEASURES_TABLE),
        )
        if err is not None:
            errors.append(err)
        else:
            parsed.append((tiltak, varighet, fin, float(belop_raw)))
    InputErrors.raise_if_any(errors)

    flagged: list[CheckResult] = []
    for tiltak, varighet, fin, belop in parsed:
        if varighet != _VARIG:
            continue
        status = _financing_kind(fin)
        if status == AVVIK:
            forklaring = (
                f"Det varige tiltaket '{tiltak}' ({number(belop)} per år) er finansiert med "
                f"engangsmidler ({fin}). Engangspenger kan ikke finansiere varige "
                "driftsutgifter; finn varig inndekning (ramme, økte inntekter eller "
                "omprioritering)."
            )
        elif status == ADVARSEL:
            forklaring = (
                f"Det varige tiltaket '{tiltak}' ({number(belop)} per år) er finansiert med "
                f"avkastning ({fin}). Det er tillatt, men budsjettet blir sårbart for "
                "svingninger på børsen."
            )
        else:
            continue
        flagged.append(
            CheckResult(
                kontroll=f"Finansiering: {tiltak}",
                status=status,
                verdi=belop,
                forventet=0.0,
                avvik=belop,
                forklaring=forklaring,
            )
        )

    avvik_rows = [r for r in flagged if r.status == AVVIK]
    advarsel_rows = [r for r in flagged if r.status == ADVARSEL]
    total_avvik = math.fsum(r.verdi for r in avvik_rows)
    parts: list[str] = []
    if avvik_rows:
        parts.append(
            f"{_count_tiltak(len(avvik_rows))} på til sammen {number(total_avvik)} er "
            "finansiert med engangsmidler. Engangspenger kan ikke finansiere varige "
            "driftsutgifter."
        )
    if advarsel_rows:
        parts.append(
            f"{_count_tiltak(len(advarsel_rows))} på til sammen "
            f"{number(math.fsum(r.verdi for r in advarsel_rows))} er finansiert med avkastning "
            "fra kraftfondet eller andre fond; det gjør driften sårbar for svingninger på børsen."
        )
    if not parts:
        parts.append(
            f"Ingen varige tiltak er finansiert med engangsmidler ({len(parsed)} tiltak "
            "kontrollert)."
        )
    summary = CheckResult(
        kontroll="Engangsmidler til varig drift",
        status=AVVIK if avvik_rows else ADVARSEL if advarsel_rows else OK,
        verdi=total_avvik,
        forventet=0.0,
        avvik=total_avvik,
        forklaring=" ".join(parts),
    )
    return [summary, *flagged]


def financial_rule(
    value: float, *, limit: float, direction: str, name: str, as_percent: bool = True
) -> CheckResult:
    """Check a key figure against a financial rule (handlingsregel).

    Example: netto driftsresultat at least 1.75 % of driftsinntekter (TBU's recommended norm
    for the sector since 2014): ``financial_rule(0.016, limit=0.0175, direction="minst",
    name="Netto driftsresultat")`` is an AVVIK.

    Args:
        value: the figure; a fraction when ``as_percent`` (0.016 for 1.6 %), else an amount.
        limit: the limit, same unit as ``value``.
        direction: "minst" (value must be at least the limit) or "høyst" (at most; "hoyst"
            is accepted too). Case and spaces are ignored.
        name: what the figure is (``kontroll``).
        as_percent: show value and limit as percentages and the gap in percentage points in
            the explanation.

    Returns:
        A CheckResult with verdi = value, forventet = limit, avvik = value - limit; a value
        exactly at the limit passes.
    """
    kind = _text(direction)
    if kind == "hoyst":
        kind = "høyst"
    if kind not in ("minst", "høyst"):
        raise InputError(
            f"Ukjent retning {direction!r} for regelen '{name}'; bruk 'minst' eller 'høyst'.",
            code="ukjent_retning",
            context=Context(indikator=name, kolonne="retning"),
        )
    v = _number(value, what=name, indikator=name)
    lim = _number(limit, what=f"Grensen for {name}", indikator=name)
    avvik = v - lim
    slack = _SLACK * max(1.0, abs(lim))
    ok = avvik >= -slack if kind == "minst" else avvik <= slack

    def show(x: float) -> str:
        return f"{number(x * 100)} %" if as_percent else number(x)

    gap = f"{number(abs(avvik) * 100)} prosentpoeng" if as_percent else number(abs(avvik))
    side = "over" if avvik > 0 else "under"
    if ok:
        forklaring = f"{name} er {show(v)} og skal være {kind} {show(lim)}: regelen er oppfylt"
        forklaring += "." if abs(avvik) <= slack else f" ({gap} {side} grensen)."
    else:
        forklaring = f"{name} er {show(v)}, men skal være {kind} {show(lim)}: {gap} {side} grensen."
    return CheckResult(
        kontroll=name,
        status=OK if ok else AVVIK,
        verdi=v,
        forventet=lim,
        avvik=avvik,
        forklaring=forklaring,
        andel=as_percent,
    )


# --------------------------------------------------------------------------------------------
# Peer comparison
# --------------------------------------------------------------------------------------------


def peer_table_summary(
    table: pd.DataFrame, *, own: str, skip_missing: bool = False
) -> pd.DataFrame:
    """Summarise a peer table (e.g. the ASSS municipalities) year by year against one's own.

    S ("Trondheim og andre store kommuner ASSS") prints "Snitt ASSS" as the unweighted mean of
    all ten municipalities with Trondheim included; compared with the others only, the mean
    of the other nine is the fairer yardstick (856 398 rather than 832 596 kr in 2015), so
    both are returned.

    Args:
        table: long format with columns ``kommune``, ``aar`` and ``verdi``, exactly one value
            per kommune and year (other columns are ignored).
        skip_missing: leave out rows without a value (empty or NaN ``verdi``) instead of
            reporting them; a year where the own municipality's row is such a row is still
            reported, naming that row.
        own: the own municipality's name as written in ``kommune`` (case and surrounding
            spaces are ignored).

    Returns:
        One row per year (sorted) with columns ``aar``, ``egen_verdi``, ``snitt_med_egen``
        (unweighted mean of all), ``snitt_uten_egen`` (mean of the others; NaN if there are
        none), ``rang`` (the own rank, 1 = highest value, ties share the best rank: for a
        cost indicator rank 1 is the most expensive), ``avvik_fra_snitt_med_egen`` and
        ``avvik_fra_snitt_uten_egen`` (own value minus the mean, in the unit of ``verdi``),
        and ``antall`` (number of municipalities that year, own included).
    """
    frame = _require_frame(table, columns=("kommune", "aar", "verdi"), what="Tabellen")
    errors: list[InputError] = []
    rows: list[tuple[str, int, float]] = []
    labels: list[int | None] = []
    blank: dict[tuple[str, int], int | None] = {}  # rows left out: no value
    for rad, kommune_raw, aar_raw, verdi_raw in zip(
        frame.index, frame["kommune"], frame["aar"], frame["verdi"], strict=True
    ):
        kommune = " ".join(str(kommune_raw).split()) if _text(kommune_raw) else ""
        if skip_missing and _missing(verdi_raw):
            blank_year = _year(aar_raw, context=Context())
            if kommune and not isinstance(blank_year, InputError):
                blank.setdefault((kommune.casefold(), blank_year), _label(rad))
            continue
        aar = _year(
            aar_raw,
            context=Context(
                kommune=kommune or None, kolonne="aar", rad=_label(rad), tabell=PEER_TABLE
            ),
        )
        if not kommune:
            year = None if isinstance(aar, InputError) else aar
            errors.append(
                InputError(
                    "En rad mangler kommunenavn.",
                    code="mangler_kommune",
                    context=Context(
                        aar=year, kolonne="kommune", rad=_label(rad), tabell=PEER_TABLE
                    ),
                )
            )
            continue
        if isinstance(aar, InputError):
            errors.append(aar)
            continue
        err = _number_error(
            verdi_raw,
            what="Verdien",
            context=Context(
                kommune=kommune, aar=aar, kolonne="verdi", rad=_label(rad), tabell=PEER_TABLE
            ),
        )
        if err is not None:
            errors.append(err)
            continue
        rows.append((kommune, aar, float(verdi_raw)))
        labels.append(_label(rad))
    InputErrors.raise_if_any(errors)
    if not rows:
        raise InputError("Tabellen har ingen rader med verdi.", code="tom_tabell")

    # per (kommune, year): its rows, so a duplicate names where the pair first appears
    seen: dict[tuple[str, int], list[int | None]] = {}
    for (kommune, aar, _), label in zip(rows, labels, strict=True):
        seen.setdefault((kommune, aar), []).append(label)
    InputErrors.raise_if_any(
        InputError(
            f"{kommune} har {len(at)} verdier for {aar}; tabellen skal ha én verdi per kommune "
            "og år.",
            code="duplikat",
            context=Context(
                kommune=kommune,
                aar=aar,
                kolonne="kommune",
                rad=at[0],
                tabell=None if at[0] is None else PEER_TABLE,
            ),
        )
        for (kommune, aar), at in seen.items()
        if len(at) > 1
    )

    names = sorted({k for k, _, _ in rows})
    matches = [k for k in names if k.casefold() == " ".join(str(own).split()).casefold()]
    if not matches:
        raise InputError(
            f"Kommunen '{own}' finnes ikke i tabellen; kommunene er: {', '.join(names)}.",
            code="ukjent_kommune",
            context=Context(kommune=str(own)),
        )
    own_name = matches[0]

    by_year: dict[int, dict[str, float]] = {}
    for kommune, aar, verdi in rows:
        by_year.setdefault(aar, {})[kommune] = verdi
    InputErrors.raise_if_any(
        InputError(
            f"{own_name} mangler verdi for {aar}, så året kan ikke sammenlignes.",
            code="mangler_verdi",
            context=Context(
                kommune=own_name,
                aar=aar,
                kolonne="verdi",
                rad=blank.get((own_name.casefold(), aar)),
                tabell=PEER_TABLE if blank.get((own_name.casefold(), aar)) is not None else None,
            ),
        )
        for aar in sorted(by_year)
        if own_name not in by_year[aar]
    )

    out: list[dict[str, float | int]] = []
    for aar in sorted(by_year):
        values = by_year[aar]
        egen = values[own_name]
        others = [v for k, v in values.items() if k != own_name]
        mean_all = math.fsum(values.values()) / len(values)
        mean_others = math.fsum(others) / len(others) if others else math.nan
        out.append(
            {
                "aar": aar,
                "egen_verdi": egen,
                "snitt_med_egen": mean_all,
                "snitt_uten_egen": mean_others,
                "rang": 1 + sum(1 for v in others if v > egen),
                "avvik_fra_snitt_med_egen": egen - mean_all,
                "avvik_fra_snitt_uten_egen": egen - mean_others,
                "antall": len(values),
            }
        )
    result = pd.DataFrame(out)
    return result.astype({"aar": "int64", "rang": "int64", "antall": "int64"})
