"""Savings potentials (innsparingspotensial) per indicator and per sector.

The method of the 2008 Trondheim report (R, Tabell 4-10): compare the own municipality's value
of an indicator with a reference (the ASSS mean, the 3rd best ASSS municipality, or Bergen) and
turn the gap into kroner with a volume:

* ``absolutt``: max(0, gap) x volume x factor, e.g. (own unit cost - reference unit cost) x
  number of users ("Ved å bringe enhetskostnaden ned på disse nivåene ...");
* ``relativ``: max(0, gap / own) x volume x factor, e.g. 3.5 % larger groups applied to the
  wage costs of the school.

gap = own - reference when a lower value is better, reference - own when higher is better.
value x volume x factor is in kroner; tables show million kroner. A municipality already at or
better than the reference saves nothing: R prints "-", never a negative saving.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import Context, InputError, InputErrors, KommuneokonomiError
from .cube import savings_cube
from .format import number
from .references import (
    Better,
    MeanOptions,
    Reference,
    ReferenceSpec,
    check_n,
    name_key,
    parse_better,
    reference_kommune_without_value,
    require_peers,
    shown_name,
    unknown_reference_kommune,
)
from .trend import trend_table
from .values import DATA_TABLE, clean_data, parse_number, row_label

__all__ = [
    "INDICATOR_COLUMNS",
    "INDICATOR_TABLE",
    "SAVINGS_COLUMNS",
    "SECTOR_COLUMNS",
    "IndicatorSpec",
    "Method",
    "SavingsSettings",
    "indicators_and_problems",
    "indicators_from_frame",
    "line_reference",
    "listed_series",
    "parse_method",
    "saving_kr",
    "savings_table",
    "sector_totals",
    "series_read",
]

Method = Literal["absolutt", "relativ"]

#: Column names of :func:`savings_table`'s result (the workbook layer maps them to headers).
SAVINGS_COLUMNS = (
    "sektor",
    "indikator",
    "navn",
    "egen_verdi",
    "volum",
    "referanse_1",
    "ref_1_kommune",
    "innsparing_1_mnok",
    "referanse_2",
    "ref_2_kommune",
    "innsparing_2_mnok",
    "forklaring",
    "advarsel",
)
SECTOR_COLUMNS = ("sektor", "innsparing_1_mnok", "innsparing_2_mnok")
#: The input table indicator lines come from; errors about one of its rows name it.
INDICATOR_TABLE = "tblIndikatorer"
#: Column names :func:`indicators_from_frame` reads.
INDICATOR_COLUMNS = (
    "indikator",
    "navn",
    "sektor",
    "enhet",
    "beste",
    "beregning",
    "volum",
    "faktor",
    "referanse_1",
    "referanse_2",
    "behov",
    "kvalitet",
)


def parse_method(text: object) -> Method:
    """Read ``Beregning`` as typed by a user: absolutt or relativ."""
    key = str(text).strip().lower()
    if key in {"absolutt", "absolute", "abs"}:
        return "absolutt"
    if key in {"relativ", "relative", "rel"}:
        return "relativ"
    raise InputError(
        f"'{text}' er ikke en gyldig beregning (bruk absolutt eller relativ)",
        code="ugyldig_beregning",
    )


def saving_kr(
    *,
    own: float,
    reference: float,
    volume: float,
    better: Better,
    method: Method = "absolutt",
    factor: float = 1.0,
) -> float:
    """The saving in kroner from bringing ``own`` to ``reference``; never negative.

    Args:
        own: the own municipality's value of the indicator.
        reference: the reference value, same unit.
        volume: the own municipality's value of the volume indicator (users, hours, kroner).
        better: ``lav`` if a lower indicator value is better, ``høy`` if higher is better.
        method: ``absolutt`` (gap x volume) or ``relativ`` (gap / own x volume).
        factor: converts value x volume into kroner (1000 for figures in 1000 kr; 12 for a
            monthly payment saved over a year).

    Returns:
        Kroner (not million kroner), >= 0.
    """
    gap = own - reference if better == "lav" else reference - own
    if method == "relativ":
        if own == 0:
            raise InputError(
                "egen verdi er 0, så et relativt avvik kan ikke beregnes", code="null_egen_verdi"
            )
        gap = gap / own
    return max(0.0, gap) * volume * factor


@dataclass(frozen=True)
class IndicatorSpec:
    """One line of the savings table: what to compare and how to price the gap.

    Attributes:
        indikator: the indicator id in the data (e.g. ``sfo_enhetskostnad``).
        navn: Norwegian name shown to the user.
        sektor: the sector the saving is summed into (Grunnskole, Barnevern, ...).
        beste: ``lav`` or ``høy``.
        beregning: ``absolutt`` or ``relativ``.
        volum: id of the volume indicator (own municipality's value is used).
        faktor: kroner per unit of value x volume.
        enhet: the indicator's unit, for display.
        referanse_1, referanse_2: per-indicator overrides of the settings' references
            (``Bergen``, ``3. beste``, ``-``); None = use the settings.
        behov: id of the need index series (the income system's utgiftsbehov index for the
            sector, 1 = national average) in the data; None = not need-corrected. With an
            index the references are taken on value / index and brought back to the own
            municipality's need (x its index) before the saving is priced.
        rad: the line's row label in the indicator table it was read from (None: not read
            from a table), so an error about the line can name its cell.
    """

    indikator: str
    navn: str
    sektor: str
    beste: Better
    beregning: Method
    volum: str
    faktor: float = 1.0
    enhet: str = ""
    referanse_1: str | None = None
    referanse_2: str | None = None
    behov: str | None = None
    rad: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # A typo such as "Lav" must not silently count as "høy".
        if self.beste not in ("lav", "høy"):
            raise InputError(
                f"'{self.beste}' er ikke en gyldig verdi for beste (bruk lav eller høy)",
                code="ugyldig_beste",
                context=self.at("beste"),
            )
        if self.beregning not in ("absolutt", "relativ"):
            raise InputError(
                f"'{self.beregning}' er ikke en gyldig beregning (bruk absolutt eller relativ)",
                code="ugyldig_beregning",
                context=self.at("beregning"),
            )

    def at(self, kolonne: str) -> Context:
        """The context of a problem with this line's ``kolonne`` (its cell, when the line was
        read from a table)."""
        return Context(
            indikator=self.indikator,
            kolonne=kolonne,
            rad=self.rad,
            tabell=None if self.rad is None else INDICATOR_TABLE,
        )


@dataclass(frozen=True)
class SavingsSettings:
    """The analysis as a whole (the ``Innstillinger`` sheet).

    Attributes:
        egen_kommune: the own municipality.
        aar: the year compared.
        kommuner: the comparison group, own municipality included (e.g. the ten ASSS).
        referanse_1, referanse_2: default references (R: ``snitt`` and ``3. beste``).
        snitt: how the mean is taken.
        snitt_vekt: indicator id whose values weight the mean (e.g. ``innbyggere``); only
            used when ``snitt.weighted``.
    """

    egen_kommune: str
    aar: int
    kommuner: tuple[str, ...]
    referanse_1: str = "snitt"
    referanse_2: str = "3. beste"
    snitt: MeanOptions = field(default_factory=MeanOptions)
    snitt_vekt: str | None = None


def line_reference(spec: IndicatorSpec, i: int, settings: SavingsSettings) -> ReferenceSpec:
    """Reference ``i`` (1 or 2) of a line: its own in tblIndikatorer if it sets one, else the
    setting ``Referanse i``. The one place that decides it (the note's wording uses it too)."""
    override = spec.referanse_1 if i == 1 else spec.referanse_2
    default = settings.referanse_1 if i == 1 else settings.referanse_2
    return ReferenceSpec.parse(override if override is not None else default)


def indicators_from_frame(frame: pd.DataFrame) -> list[IndicatorSpec]:
    """Build :class:`IndicatorSpec` rows from a table with :data:`INDICATOR_COLUMNS`.

    All problems are reported at once, each naming the indicator and column.
    """
    specs, problems = indicators_and_problems(frame)
    InputErrors.raise_if_any(problems)
    return specs


def indicators_and_problems(
    frame: pd.DataFrame,
) -> tuple[list[IndicatorSpec], list[KommuneokonomiError]]:
    """The rows of :func:`indicators_from_frame` that are valid, and the problems of the
    others: a caller can go on with the valid lines and report every problem in one pass.

    Raises:
        InputError: a required column is missing (nothing can be read).
    """
    missing = [
        c for c in ("indikator", "navn", "sektor", "beste", "beregning", "volum") if c not in frame
    ]
    if missing:
        raise InputError(
            "indikatortabellen mangler kolonnene " + ", ".join(f"'{c}'" for c in missing),
            code="mangler_kolonne",
        )
    specs: list[IndicatorSpec] = []
    problems: list[KommuneokonomiError] = []
    seen: set[str] = set()
    # one sector however it is spelled (case, spaces): as first written, as SUMIF groups it
    sectors: dict[str, str] = {}
    for label, row in zip(frame.index, frame.to_dict("records"), strict=True):
        rad = row_label(label)
        ind = _text(row.get("indikator"))
        if not ind:
            problems.append(
                InputError(
                    "indikator-id mangler (kolonnen Indikator er tom)",
                    code="mangler_indikator",
                    context=Context(kolonne="indikator", rad=rad, tabell=INDICATOR_TABLE),
                )
            )
            continue
        if name_key(ind) in seen:
            problems.append(
                InputError(
                    "indikatoren står mer enn én gang",
                    code="duplikat",
                    context=Context(
                        indikator=ind, kolonne="indikator", rad=rad, tabell=INDICATOR_TABLE
                    ),
                )
            )
            continue
        seen.add(name_key(ind))
        if _listed_only(row):
            continue  # a series named for its unit (a volume, a weight): no line, no pricing
        row_problems: list[KommuneokonomiError] = []
        for column, parse in (
            ("beste", parse_better),
            ("beregning", parse_method),
            ("faktor", _factor),
        ):
            try:
                parse(row.get(column))
            except KommuneokonomiError as exc:
                row_problems.append(
                    exc.with_context(indikator=ind, kolonne=column, rad=rad, tabell=INDICATOR_TABLE)
                )
        volum = _text(row.get("volum"))
        if not volum:
            row_problems.append(
                InputError(
                    "volumindikator mangler",
                    code="mangler_volum",
                    context=Context(
                        indikator=ind, kolonne="volum", rad=rad, tabell=INDICATOR_TABLE
                    ),
                )
            )
        if row_problems:
            problems += row_problems
            continue
        beste = parse_better(row.get("beste"))
        beregning = parse_method(row.get("beregning"))
        faktor = _factor(row.get("faktor"))
        specs.append(
            IndicatorSpec(
                indikator=ind,
                navn=_text(row.get("navn")) or ind,
                sektor=sectors.setdefault(
                    name_key(row.get("sektor")) or "uten sektor",
                    shown_name(row.get("sektor")) or "Uten sektor",
                ),
                enhet=_text(row.get("enhet")),
                beste=beste,
                beregning=beregning,
                volum=volum,
                faktor=faktor,
                referanse_1=_text(row.get("referanse_1")) or None,
                referanse_2=_text(row.get("referanse_2")) or None,
                behov=_text(row.get("behov")) or None,
                rad=rad,
            )
        )
    return specs, problems


def _listed_only(row: Mapping[Hashable, Any]) -> bool:
    """Both references explicitly ``-`` (or ``ingen``): the row lists a series (a volume, a
    weight) for its name and unit only. It is no savings line, so it needs no volume,
    factor, direction or method."""
    return all(
        _text(row.get(column)).casefold() in {"-", "ingen"}
        for column in ("referanse_1", "referanse_2")
    )


def series_read(indicators: Sequence[IndicatorSpec], weight: str | None = None) -> list[str]:
    """Every series the lines read from the data: their values, volumes and need indices,
    and the mean's weight."""
    return [
        *(s.indikator for s in indicators),
        *(s.volum for s in indicators),
        *(s.behov for s in indicators if s.behov),
        *([weight] if weight else []),
    ]


def listed_series(frame: pd.DataFrame) -> list[str]:
    """The indicator ids of rows that only list a series (both references ``-``)."""
    return [
        _text(row.get("indikator"))
        for row in frame.to_dict("records")
        if _text(row.get("indikator")) and _listed_only(row)
    ]


def savings_table(
    data: pd.DataFrame,
    indicators: Sequence[IndicatorSpec],
    settings: SavingsSettings,
    *,
    trend: list[pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Savings against two references for every indicator: the shape of R's Tabell 4-9.

    The numbers are :func:`~kommuneokonomi.engine.cube.savings_cube`'s for the comparison
    group as one group, the year asked for, read for the own municipality; this function adds
    the validation (every problem raised, with kommune, indikator and år) and the Norwegian
    explanation of each line.

    Args:
        data: long format, columns ``kommune``, ``aar``, ``indikator``, ``verdi``.
        indicators: the lines to compute, in display order.
        settings: own municipality, year, comparison group and default references.
        trend: if given, receives :func:`~kommuneokonomi.engine.trend.trend_table` for the
            lines (every year in the data), computed from the same validated data.

    Returns:
        One row per indicator with :data:`SAVINGS_COLUMNS`. ``innsparing_*_mnok`` are
        million kroner, unrounded, 0.0 where there is no saving; ``referanse_*`` is NaN and
        the saving 0.0 where the reference is ``-``.

    Raises:
        InputErrors: every problem found, each naming kommune, indikator and år.
    """
    group = tuple(dict.fromkeys(settings.kommuner))
    clean = clean_data(
        data,
        kommuner=[settings.egen_kommune, *group],
        indikatorer=series_read(indicators, settings.snitt_vekt),
    )
    InputErrors.raise_if_any(_check_settings(clean, settings, group))

    year = clean[(clean["aar"] == settings.aar) & clean["kommune"].isin(group)]
    # only what the comparison group has counts: an indicator that only an outsider has
    # cannot be compared
    known = set(year["indikator"].unique())
    data_rows = _DataRows(year)
    problems: list[KommuneokonomiError] = []
    if settings.snitt.weighted:
        if settings.snitt_vekt is None or settings.snitt_vekt not in known:
            problems.append(
                InputError(
                    f"vektindikatoren '{settings.snitt_vekt}' finnes ikke i dataene for år "
                    f"{settings.aar} for kommunene i sammenligningsgruppen",
                    code="ukjent_indikator",
                    context=Context(indikator=settings.snitt_vekt, aar=settings.aar),
                )
            )
        else:
            rows = year[year["indikator"] == settings.snitt_vekt]
            weights = pd.Series(rows["verdi"].to_numpy(), index=rows["kommune"].to_numpy())
            problems += _check_weights(weights, indicators, settings, group, rows=data_rows)

    own = year[year["kommune"] == settings.egen_kommune]
    own_values = dict(zip(own["indikator"], own["verdi"].astype(float), strict=True))
    lines = [
        _Line.check(spec, own_values=own_values, known=known, settings=settings, rows=data_rows)
        for spec in indicators
    ]
    # without usable weights no mean is computed, but each line's own checks (values,
    # volumes) are reported with them: every problem in one pass, not in rounds
    InputErrors.raise_if_any([*problems, *(p for line in lines for p in line.problems)])
    ready = [line for line in lines if line.ready]
    if ready:
        cube = savings_cube(
            year,
            [line.cube_spec for line in ready],
            pd.Series("sammenligningsgruppe", index=list(group)),
            mean=settings.snitt,
            weight=settings.snitt_vekt if settings.snitt.weighted else None,
            years=[settings.aar],
        )
        # the cube's rows come in the order of the lines given, one per line with an own value
        mine = cube[cube["kommune"] == settings.egen_kommune].to_dict("records")
        assert len(mine) == len(ready)
        for line, row in zip(ready, mine, strict=True):
            line.finish(row, group=group, rows=data_rows)
    InputErrors.raise_if_any(p for line in lines for p in line.problems)
    table = pd.DataFrame([line.row for line in lines], columns=list(SAVINGS_COLUMNS))
    if trend is not None:  # the lines over every year in the data, from the same clean data
        trend.append(
            trend_table(
                clean,
                [(s.indikator, s.navn) for s in indicators],
                settings.egen_kommune,
                group,
            )
        )
    return table


def sector_totals(table: pd.DataFrame) -> pd.DataFrame:
    """Sum the savings per sector, in order of first appearance, with a final ``Sum`` row
    (the shape of R's Tabell 10). Million kroner, unrounded."""
    cols = ["innsparing_1_mnok", "innsparing_2_mnok"]
    sums = table.groupby("sektor", sort=False)[cols].sum().reset_index()
    total = pd.DataFrame([{"sektor": "Sum", **{c: float(table[c].sum()) for c in cols}}])
    return pd.concat([sums, total], ignore_index=True)[list(SECTOR_COLUMNS)]


def _check_weights(
    weights: pd.Series,
    indicators: Sequence[IndicatorSpec],
    settings: SavingsSettings,
    group: tuple[str, ...],
    *,
    rows: _DataRows,
) -> list[KommuneokonomiError]:
    """Every municipality in a weighted mean needs a positive weight: one error per
    municipality, not one per indicator, naming the weight's data row where there is one."""
    uses_mean = False
    for spec in indicators:
        for i in (1, 2):
            try:
                kind = line_reference(spec, i, settings).kind
            except KommuneokonomiError:
                continue  # reported by the line itself
            uses_mean = uses_mean or kind == "snitt"
    if not uses_mean:
        return []
    counted = [
        k
        for k in group
        if k not in settings.snitt.exclude
        and (settings.snitt.include_own or k != settings.egen_kommune)
    ]
    problems: list[KommuneokonomiError] = []
    for kommune in counted:
        w = float(weights.get(kommune, math.nan))
        if not w > 0:
            shown = "mangler" if math.isnan(w) else f"er {number(w)}"
            problems.append(
                InputError(
                    f"vekten ('{settings.snitt_vekt}') for {kommune} {shown}; et vektet snitt "
                    "trenger en positiv vekt for hver kommune i snittet",
                    code="ugyldig_vekt",
                    context=rows.at(
                        Context(kommune=kommune, indikator=settings.snitt_vekt, aar=settings.aar),
                        kommune,
                        settings.snitt_vekt,
                    ),
                )
            )
    return problems


class _DataRows:
    """The input row behind each (kommune, indikator) value of the year compared: the frame
    given to :func:`savings_table` keeps its index labels through ``clean_data``, so an error
    about a value names the row it came from (the workbook layer turns it into a cell).

    Built lazily: the row of a value is only needed for an error, and a line's peer values
    are read a column at a time (a national tblData holds 70 000 values a year)."""

    def __init__(self, year: pd.DataFrame) -> None:
        self._year = year
        self._by_key: dict[tuple[str, str], tuple[int | None, float]] | None = None
        self._wide: tuple[dict[str, int], dict[str, int], np.ndarray] | None = None

    def _rows(self) -> dict[tuple[str, str], tuple[int | None, float]]:
        if self._by_key is None:
            year = self._year
            self._by_key = {
                (str(k), str(i)): (row_label(label), float(v))
                for label, k, i, v in zip(
                    year.index, year["kommune"], year["indikator"], year["verdi"], strict=True
                )
            }
        return self._by_key

    def at(self, ctx: Context, kommune: str | None, indikator: str | None) -> Context:
        """``ctx`` with the data row of ``kommune``'s value of ``indikator``, if it has one."""
        hit = self._rows().get((str(kommune), str(indikator)))
        if hit is None or hit[0] is None:
            return ctx
        return replace(ctx, tabell=DATA_TABLE, rad=hit[0], kolonne=None)

    def has(self, kommune: str | None, indikator: str | None) -> bool:
        hit = self._rows().get((str(kommune), str(indikator)))
        return hit is not None and hit[0] is not None

    def values(self, indikator: str, kommuner: Sequence[str]) -> list[float]:
        """The values of ``indikator`` for ``kommuner``, in their order (NaN: missing or no
        row). (kommune, indikator) is unique within a year: clean_data refuses duplicates."""
        if self._wide is None:
            k_code, k_names = pd.factorize(self._year["kommune"].to_numpy(dtype=object))
            i_code, i_names = pd.factorize(self._year["indikator"].to_numpy(dtype=object))
            grid = np.full((len(i_names), len(k_names)), np.nan)
            grid[i_code, k_code] = self._year["verdi"].to_numpy(dtype="float64")
            self._wide = (
                {str(k): n for n, k in enumerate(k_names)},
                {str(i): n for n, i in enumerate(i_names)},
                grid,
            )
        columns, lines, grid = self._wide
        line = lines.get(indikator)
        if line is None:
            return [math.nan] * len(kommuner)
        at = np.array([columns.get(k, -1) for k in kommuner], dtype=np.intp)
        found = grid[line, np.where(at < 0, 0, at)]
        out: list[float] = np.where(at < 0, np.nan, found).tolist()
        return out

    def value(self, kommune: str, indikator: str) -> float:
        """The value (NaN: missing or no row)."""
        return self.values(indikator, [kommune])[0]


def _check_settings(
    clean: pd.DataFrame, settings: SavingsSettings, group: tuple[str, ...]
) -> list[KommuneokonomiError]:
    problems: list[KommuneokonomiError] = []
    known_kommuner = set(clean["kommune"].unique())
    if settings.egen_kommune not in group:
        problems.append(
            InputError(
                f"egen kommune '{settings.egen_kommune}' er ikke med i sammenligningsgruppen",
                code="ukjent_kommune",
                context=Context(kommune=settings.egen_kommune),
            )
        )
    for kommune in group:
        if kommune not in known_kommuner:
            problems.append(
                InputError(
                    f"kommunen '{kommune}' har ingen data",
                    code="ukjent_kommune",
                    context=Context(kommune=kommune),
                )
            )
    for kommune in settings.snitt.exclude:
        if kommune not in group:
            problems.append(
                InputError(
                    f"kommunen '{kommune}' som skal utelates fra snittet, er ikke i "
                    "sammenligningsgruppen",
                    code="ukjent_kommune",
                    context=Context(kommune=kommune),
                )
            )
    if not (clean["aar"] == settings.aar).any():
        problems.append(
            InputError(
                f"dataene har ingen verdier for år {settings.aar}",
                code="ukjent_aar",
                context=Context(aar=settings.aar),
            )
        )
    return problems


class _Line:
    """One line of the table: its validation before the cube, its numbers and explanation
    from the cube's row for the own municipality."""

    def __init__(self, spec: IndicatorSpec, settings: SavingsSettings) -> None:
        self.spec = spec
        self.settings = settings
        self.ctx = Context(
            kommune=settings.egen_kommune, indikator=spec.indikator, aar=settings.aar
        )
        self.problems: list[KommuneokonomiError] = []
        self.group: tuple[str, ...] = ()
        # per reference: the parsed setting, or why it cannot be used
        self.refs: list[ReferenceSpec | KommuneokonomiError] = []
        self.ready = False
        self.row: dict[str, object] = {}

    @classmethod
    def check(
        cls,
        spec: IndicatorSpec,
        *,
        own_values: dict[str, float],
        known: set[str],
        settings: SavingsSettings,
        rows: _DataRows,
    ) -> _Line:
        """Validate what the line needs before any reference is computed; a problem with a
        value names its data row, or the line's cell where the value has no row."""
        line = cls(spec, settings)
        egen = settings.egen_kommune
        for ind, what, column in (
            (spec.indikator, "indikatoren", "indikator"),
            (spec.volum, "volumindikatoren", "volum"),
            *([(spec.behov, "behovsindeksen", "behov")] if spec.behov else []),
        ):
            if ind not in known:
                line.problems.append(
                    InputError(
                        f"{what} '{ind}' finnes ikke i dataene for år {settings.aar} for "
                        "kommunene i sammenligningsgruppen",
                        code="ukjent_indikator",
                        context=replace(spec.at(column), aar=settings.aar),
                    )
                )
        if line.problems:
            return line
        own_value = own_values.get(spec.indikator, math.nan)
        volume = own_values.get(spec.volum, math.nan)
        if math.isnan(own_value):
            line.problems.append(
                InputError(
                    "egen kommune mangler verdi",
                    code="mangler_verdi",
                    context=line.where(rows, spec.indikator, "indikator"),
                )
            )
        if math.isnan(volume) or volume <= 0:
            shown = "mangler" if math.isnan(volume) else f"er {number(volume)}"
            line.problems.append(
                InputError(
                    f"volumet ('{spec.volum}') {shown}; det må være et positivt tall",
                    code="ugyldig_volum",
                    context=line.where(rows, spec.volum, "volum"),
                )
            )
        if spec.behov:
            need = own_values.get(spec.behov, math.nan)
            if math.isnan(need) or need <= 0:
                shown = "mangler" if math.isnan(need) else f"er {number(need)}"
                line.problems.append(
                    InputError(
                        f"behovsindeksen ('{spec.behov}') {shown} for egen kommune; den må være "
                        "et positivt tall (1 = landsgjennomsnittet)",
                        code="ugyldig_behov",
                        context=line.where(rows, spec.behov, "behov"),
                    )
                )
        if spec.beregning == "relativ" and own_value == 0:
            line.problems.append(
                InputError(
                    "egen verdi er 0, så et relativt avvik kan ikke beregnes",
                    code="null_egen_verdi",
                    context=rows.at(line.ctx, egen, spec.indikator),
                )
            )
        if line.problems:
            return line
        for i in (1, 2):
            try:
                ref_spec = line_reference(spec, i, settings)
                if ref_spec.kind == "nte_beste":
                    check_n(ref_spec.n)
                if ref_spec.kind == "kommune" and name_key(ref_spec.kommune) == name_key(egen):
                    line.problems.append(
                        InputError(
                            f"referansen '{ref_spec.kommune}' er egen kommune: en kommune kan "
                            "ikke sammenlignes med seg selv. Velg en annen kommune, snitt, "
                            "median eller N. beste",
                            code="ugyldig_referanse",
                            context=replace(
                                line.ctx,
                                tabell=INDICATOR_TABLE,
                                rad=spec.rad,
                                kolonne=f"referanse_{i}",
                            )
                            if (spec.referanse_1, spec.referanse_2)[i - 1] is not None
                            else replace(line.ctx, kolonne=f"referanse_{i}"),
                        )
                    )
                    continue
                line.refs.append(ref_spec)
            except KommuneokonomiError as exc:
                line.refs.append(exc)
        if line.problems:
            return line
        line.ready = True
        return line

    def where(self, rows: _DataRows, indikator: str, kolonne: str) -> Context:
        """The line's context at the own municipality's data row of ``indikator``; without
        one, at the line's ``kolonne`` (where the indicator is named)."""
        if rows.has(self.settings.egen_kommune, indikator) or self.spec.rad is None:
            return rows.at(self.ctx, self.settings.egen_kommune, indikator)
        return replace(self.ctx, tabell=INDICATOR_TABLE, rad=self.spec.rad, kolonne=kolonne)

    def largest_input(self, row: Mapping[Hashable, Any], i: int, rows: _DataRows) -> Context:
        """The line's context at the input that makes a saving implausibly large: the
        largest in magnitude of the own value, the reference's value(s), the volume and the
        factor."""
        spec, egen = self.spec, self.settings.egen_kommune
        supplier = row.get(f"ref_{i}_kommune")
        # a named or n-th best reference has one supplier; a mean or median its members
        left_out = {name_key(k) for k in self.settings.snitt.exclude}
        suppliers = (
            [supplier]
            if isinstance(supplier, str)
            else [k for k in self.group if name_key(k) not in left_out]
        )
        candidates: list[tuple[float, Context]] = [
            (abs(rows.value(egen, spec.indikator)), rows.at(self.ctx, egen, spec.indikator)),
            *(
                (abs(rows.value(k, spec.indikator)), rows.at(self.ctx, k, spec.indikator))
                for k in suppliers
            ),
            (abs(rows.value(egen, spec.volum)), rows.at(self.ctx, egen, spec.volum)),
        ]
        if spec.rad is not None:
            at_factor = replace(self.ctx, tabell=INDICATOR_TABLE, rad=spec.rad, kolonne="faktor")
            candidates.append((abs(spec.faktor), at_factor))
        located = [(size, ctx) for size, ctx in candidates if ctx.tabell is not None]
        if not located:
            return self.ctx
        # max keeps the first of equals: the own value before a peer's, before the volume
        return max(located, key=lambda c: -1.0 if math.isnan(c[0]) else c[0])[1]

    @property
    def cube_spec(self) -> IndicatorSpec:
        """The line as the cube computes it: both references explicit, ``-`` for one that
        cannot be used (its error is reported instead)."""
        # a spec's label parses back to the spec (a name as written: the cube matches it)
        first, second = (r.label if isinstance(r, ReferenceSpec) else "-" for r in self.refs)
        return replace(self.spec, referanse_1=first, referanse_2=second)

    def finish(
        self, row: Mapping[Hashable, Any], *, group: tuple[str, ...], rows: _DataRows
    ) -> None:
        """Take the numbers from the cube's row for the own municipality; explain them, or
        report why a reference could not be computed."""
        spec, settings = self.spec, self.settings
        own_value, volume = float(row["egen_verdi"]), float(row["volum"])
        line: dict[str, object] = {
            "sektor": spec.sektor,
            "indikator": spec.indikator,
            "navn": spec.navn,
            "egen_verdi": own_value,
            "volum": volume,
        }
        self.group = group
        texts: list[str] = []
        for i, ref_spec in enumerate(self.refs, start=1):
            try:
                if isinstance(ref_spec, KommuneokonomiError):
                    raise ref_spec
                ref = _reference(ref_spec, row, i, group=group)
            except KommuneokonomiError as exc:
                # the line's own reference if it has one, else the setting (no table row)
                own_ref = (spec.referanse_1, spec.referanse_2)[i - 1] is not None
                at_line = own_ref and spec.rad is not None
                self.problems.append(
                    exc.with_context(
                        kommune=exc.context.kommune or settings.egen_kommune,
                        indikator=spec.indikator,
                        aar=settings.aar,
                        kolonne=f"referanse_{i}",
                        rad=spec.rad if at_line else None,
                        tabell=INDICATOR_TABLE if at_line else None,
                    )
                )
                continue
            saving_mnok = 0.0 if ref is None else float(row[f"innsparing_{i}_mnok"])
            if not math.isfinite(saving_mnok) or (ref is not None and not math.isfinite(ref.value)):
                if not any(p.code == "for_stort_tall" for p in self.problems):
                    self.problems.append(
                        InputError(
                            "innsparingen blir et uendelig stort tall; sjekk egen verdi, "
                            f"referansen, volumet ('{spec.volum}') og faktoren",
                            code="for_stort_tall",
                            context=self.largest_input(row, i, rows),
                        )
                    )
                continue
            line[f"referanse_{i}"] = math.nan if ref is None else ref.value
            line[f"ref_{i}_kommune"] = None if ref is None else ref.kommune
            line[f"innsparing_{i}_mnok"] = saving_mnok
            texts.append(
                _explain(
                    spec,
                    own_value=own_value,
                    volume=volume,
                    ref=ref,
                    ref_spec=ref_spec,
                    saving_mnok=saving_mnok,
                )
            )
        peers = dict(zip(group, rows.values(spec.indikator, group), strict=True))
        missing = [k for k, v in peers.items() if k != settings.egen_kommune and math.isnan(v)]
        if spec.behov:  # a peer without an index has no need-corrected value either
            indices = dict(zip(group, rows.values(spec.behov, group), strict=True))
            missing += [
                k
                for k, v in indices.items()
                if k != settings.egen_kommune
                and k not in missing
                and not (v > 0)  # NaN or not positive
            ]
            texts.insert(0, _need_text(spec, float(row["behovsindeks"])))
        else:
            texts.append("Ikke behovskorrigert.")
        if missing:
            texts.append(f"Mangler verdi: {_listed(missing)}.")
        warnings = plausibility(
            peers,
            volume=volume,
            savings=[float(str(line.get(f"innsparing_{i}_mnok", 0.0))) for i in (1, 2)],
        )
        line["advarsel"] = " ".join(warnings)
        line["forklaring"] = " ".join(
            ([f"ADVARSEL: {line['advarsel']}"] if warnings else []) + texts
        )
        self.row = line


#: The plausibility rule (docs/feilmeldinger.md, «Rimelighetskontroll»): a value more than
#: this many times the group's median, or less than its reciprocal, is implausible.
PLAUSIBLE_FACTOR = 10.0
#: A saving above this (million kroner) from one line is beyond any Norwegian municipality's
#: whole budget (Oslo's gross operating expenses are about 80 000 mill. kr).
PLAUSIBLE_SAVING_MNOK = 100_000.0


def plausibility(
    values: Mapping[str, float], *, volume: float, savings: Sequence[float]
) -> list[str]:
    """Why a line's figures look implausible, in Norwegian (empty if they do not).

    The rule, the same for every indicator: a value (own or a peer's) that is negative, or
    more than :data:`PLAUSIBLE_FACTOR` times the median of the group's positive values or less
    than a tenth of it; a negative volume; a saving above :data:`PLAUSIBLE_SAVING_MNOK`. A
    typing slip (24230 for 24,23, a value in kroner among values in 1000 kr) lands there; a
    real difference between municipalities rarely does.
    """
    found = {k: v for k, v in values.items() if not math.isnan(v)}
    reasons: list[str] = []
    negative = [k for k, v in found.items() if v < 0]
    if negative:
        reasons.append(
            f"negativ verdi for {_listed(negative)} "
            f"({', '.join(number(found[k]) for k in negative)})."
        )
    positive = sorted(v for v in found.values() if v > 0)
    if len(positive) >= 3:
        median = float(statistics.median(positive))
        far = [
            k
            for k, v in found.items()
            if v > 0 and (v > PLAUSIBLE_FACTOR * median or v * PLAUSIBLE_FACTOR < median)
        ]
        if far:
            reasons.append(
                f"verdien for {_listed(far)} "
                f"({', '.join(number(found[k]) for k in far)}) er mer enn "
                f"{number(PLAUSIBLE_FACTOR)} ganger større eller mindre enn medianen i gruppen "
                f"({number(median)}); sjekk enhet og tastefeil."
            )
    if volume < 0:
        reasons.append(f"volumet er negativt ({number(volume)}).")
    if any(abs(x) > PLAUSIBLE_SAVING_MNOK for x in savings if math.isfinite(x)):
        reasons.append(
            f"innsparingen er over {number(PLAUSIBLE_SAVING_MNOK)} mill. kr, mer enn noen "
            "kommunes hele budsjett."
        )
    return reasons


def _listed(names: Sequence[str]) -> str:
    """«Bergen», «Bergen og Oslo», «Bergen, Oslo og Stavanger»."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]


def _reference(
    spec: ReferenceSpec, row: Mapping[Hashable, Any], i: int, *, group: tuple[str, ...]
) -> Reference | None:
    """Reference ``i`` of the cube's row, or the error ``compute_reference`` raises where the
    cube left it empty; None for ``-``.

    A reference that is NaN although enough peers had values overflowed: it is returned as it
    is, and the caller reports the infinite number.
    """
    if spec.kind == "ingen":
        return None
    value = float(row[f"referanse_{i}"])
    n_peers = int(row[f"n_peers_{i}"])
    if math.isnan(value):
        if spec.kind == "kommune":
            assert spec.kommune is not None
            wanted = name_key(spec.kommune)
            found = next((k for k in group if name_key(k) == wanted), None)
            if found is None:
                raise unknown_reference_kommune(spec.kommune)
            raise reference_kommune_without_value(found)
        require_peers(spec, n_peers)
    supplier = row[f"ref_{i}_kommune"]
    return Reference(
        value=value,
        kommune=supplier if isinstance(supplier, str) else None,
        label=str(row[f"ref_{i}_label"]),
        n_peers=n_peers,
    )


def _explain(
    spec: IndicatorSpec,
    *,
    own_value: float,
    volume: float,
    ref: Reference | None,
    ref_spec: ReferenceSpec,
    saving_mnok: float,
) -> str:
    """One Norwegian sentence with the arithmetic of one saving (``saving_mnok`` in million
    kroner)."""
    if ref is None:
        return f"Ingen referanse ({ref_spec.label})."
    who = f"{ref.label}, {ref.kommune}" if ref.kommune and ref.kommune != ref.label else ref.label
    head = f"Mot {who} ({number(ref.value)}):"
    if saving_mnok <= 0:
        return f"{head} egen verdi {number(own_value)} er like god eller bedre; ingen innsparing."
    a, b = (own_value, ref.value) if spec.beste == "lav" else (ref.value, own_value)
    gap = f"({number(a)} − {number(b)})"
    if spec.beregning == "relativ":
        gap = f"{gap} / {number(own_value)}"
    factor = "" if spec.faktor == 1 else f" × {number(spec.faktor)}"
    return f"{head} {gap} × {number(volume)}{factor} = {number(saving_mnok, 1)} mill. kr."


def _need_text(spec: IndicatorSpec, index: float) -> str:
    """How a need-corrected line was computed, in Norwegian."""
    return (
        f"Behovskorrigert med '{spec.behov}' (egen indeks {number(index, 3)}): referansene "
        "er tatt på verdi / indeks for hver kommune og ganget med egen indeks: nivået "
        "egen kommune ville hatt med referansens ressursbruk og eget behov."
    )


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _factor(value: object) -> float:
    text = _text(value)
    if not text:
        return 1.0
    try:
        factor, _ = parse_number(value)
    except ValueError as exc:
        raise InputError(
            str(exc), code="ugyldig_faktor", context=Context(kolonne="faktor")
        ) from exc
    if math.isnan(factor) or factor <= 0:
        raise InputError(
            f"faktoren må være et positivt tall, ikke {number(factor)}",
            code="ugyldig_faktor",
            context=Context(kolonne="faktor"),
        )
    return factor
