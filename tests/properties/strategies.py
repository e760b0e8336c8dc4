"""Hypothesis strategies that build valid inputs for the savings engine.

A :class:`SavingsCase` holds everything :func:`savings_table` needs, kept as plain numbers so a
test can change one thing (scale the volumes, shuffle the rows) and rebuild the long-format
data. Every case is valid by construction:

* a comparison group of 3-12 municipalities, one of them the own municipality, plus one
  outsider with extreme values that is in the data but not in the group;
* 1-4 indicators with ``beste`` lav/høy and ``beregning`` absolutt/relativ, positive values and
  a positive volume for the own municipality; peers may miss values (row left out, empty cell,
  or a KOSTRA symbol such as ``..``), but every indicator keeps at least one valued peer;
* references among ``snitt``, ``median``, ``N. beste`` with N no larger than the number of
  valued peers, and a named peer only if it has a value for every indicator;
* an ``innbyggere`` row for every municipality (positive), so the weighted mean is always
  possible and no municipality is without data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from kommuneokonomi.engine.references import MeanOptions
from kommuneokonomi.engine.savings import IndicatorSpec, SavingsSettings

YEAR = 2007
OTHER_YEAR = 2006
WEIGHT = "innbyggere"

#: What a missing value looks like in the data: the row is left out (OMIT), an empty cell, or
#: one of SSB's symbols.
OMIT = "<omit>"
MISSING_CELLS: tuple[object, ...] = (OMIT, None, math.nan, "", ".", "..", "...", ":", "-")

NAME_POOL = (
    "Oslo",
    "Bergen",
    "Trondheim",
    "Stavanger",
    "Bærum",
    "Kristiansand",
    "Fredrikstad",
    "Tromsø",
    "Drammen",
    "Sandnes",
    "Ålesund",
    "Bodø",
)
_RESERVED = {"snitt", "gjennomsnitt", "mean", "median", "ingen"}
SECTORS = ("Grunnskole", "Barnevern", "Pleie og omsorg", "Sosialhjelp")
FACTORS = (1.0, 12.0, 1000.0, 0.5, 857.142857)

Cell = float | str | None

names = st.one_of(
    st.sampled_from(NAME_POOL),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøå", min_size=1, max_size=8)
    .map(str.capitalize)
    .filter(lambda s: s.lower() not in _RESERVED),
)

#: Positive indicator values: small integers make ties likely, floats cover the rest.
positive_values = st.one_of(
    st.integers(min_value=1, max_value=20).map(float),
    st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False),
)
volumes = st.one_of(
    st.integers(min_value=1, max_value=100_000).map(float),
    st.floats(min_value=0.5, max_value=1e7, allow_nan=False, allow_infinity=False),
)


def norwegian_text(x: float) -> str:
    """``x`` as a Norwegian types it (``1 234,5``); parses back to exactly ``x``."""
    whole, _, frac = np.format_float_positional(x, unique=True, trim="-").partition(".")
    grouped = f"{int(whole):,}".replace(",", " ")
    return f"{grouped},{frac}" if frac else grouped


@dataclass(frozen=True)
class SavingsCase:
    """A valid savings problem, kept as numbers so it can be varied and rebuilt.

    Attributes:
        kommuner: the comparison group (own municipality included), in settings order.
        own: the own municipality.
        outsider: a municipality in the data but outside the group.
        indicators: the lines.
        cells: (kommune, indikator) -> a positive number, or a missing marker from
            :data:`MISSING_CELLS`.
        noise: (kommune, indikator, value) rows for :data:`OTHER_YEAR`, never used.
        settings: the analysis settings.
        as_text: write numbers as Norwegian text ("1 234,5") instead of floats.
    """

    kommuner: tuple[str, ...]
    own: str
    outsider: str
    indicators: tuple[IndicatorSpec, ...]
    cells: tuple[tuple[tuple[str, str], Cell], ...]
    noise: tuple[tuple[str, str, float], ...]
    settings: SavingsSettings
    as_text: bool

    @property
    def peers(self) -> tuple[str, ...]:
        return tuple(k for k in self.kommuner if k != self.own)

    @property
    def volume_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(spec.volum for spec in self.indicators))

    @property
    def indicator_ids(self) -> tuple[str, ...]:
        return tuple(spec.indikator for spec in self.indicators)

    def number(self, kommune: str, indikator: str) -> float:
        """The numeric value (NaN where missing)."""
        cell = dict(self.cells).get((kommune, indikator), OMIT)
        return cell if isinstance(cell, float) and not math.isnan(cell) else math.nan

    def values(self, indikator: str) -> pd.Series:
        """The group's values of one indicator, indexed by kommune (NaN where missing)."""
        return pd.Series(
            [self.number(k, indikator) for k in self.kommuner],
            index=list(self.kommuner),
            dtype="float64",
        )

    def scaled(self, indikatorer: Iterable[str], k: float) -> SavingsCase:
        """The same case with every numeric value of ``indikatorer`` multiplied by ``k``."""
        ids = set(indikatorer)
        cells = tuple(
            (key, cell * k if key[1] in ids and isinstance(cell, float) else cell)
            for key, cell in self.cells
        )
        return replace(self, cells=cells)

    @property
    def data(self) -> pd.DataFrame:
        """The long-format data frame."""
        rows: list[tuple[str, int, str, object]] = []
        for (kommune, indikator), cell in self.cells:
            if isinstance(cell, str) and cell == OMIT:
                continue
            shown: object = cell
            if self.as_text and isinstance(cell, float) and not math.isnan(cell):
                shown = norwegian_text(cell)
            rows.append((kommune, YEAR, indikator, shown))
        rows += [(k, OTHER_YEAR, i, v) for k, i, v in self.noise]
        return pd.DataFrame(rows, columns=["kommune", "aar", "indikator", "verdi"])


def _nth_text(n: int, style: int) -> str:
    return (f"{n}. beste", f"{n} beste", f"{n}.beste", f" {n}. Beste ")[style]


@st.composite
def reference_texts(draw: st.DrawFn, *, max_n: int, named: list[str]) -> str:
    """A reference cell valid for every indicator of a case."""
    kinds = ["snitt", "median", "nth"] + (["named"] if named else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "snitt":
        return draw(st.sampled_from(["snitt", "Snitt ", "gjennomsnitt"]))
    if kind == "median":
        return draw(st.sampled_from(["median", "Median"]))
    if kind == "nth":
        n = draw(st.integers(min_value=1, max_value=max_n))
        return _nth_text(n, draw(st.integers(min_value=0, max_value=3)))
    return draw(st.sampled_from(named))


@st.composite
def savings_cases(
    draw: st.DrawFn,
    *,
    min_kommuner: int = 3,
    max_kommuner: int = 12,
    max_indicators: int = 4,
    overrides: bool = True,
) -> SavingsCase:
    """A valid :class:`SavingsCase` (see the module docstring)."""
    everyone = draw(
        st.lists(names, min_size=min_kommuner + 1, max_size=max_kommuner + 1, unique=True)
    )
    outsider, kommuner = everyone[-1], everyone[:-1]
    own = draw(st.sampled_from(kommuner))
    peers = [k for k in kommuner if k != own]

    n_ind = draw(st.integers(min_value=1, max_value=max_indicators))
    specs: list[IndicatorSpec] = []
    cells: dict[tuple[str, str], Cell] = {}
    valued: dict[str, list[str]] = {}
    for i in range(n_ind):
        ind = f"ind_{i}"
        vol = f"vol_{draw(st.integers(min_value=0, max_value=i))}"
        specs.append(
            IndicatorSpec(
                indikator=ind,
                navn=f"Indikator {i}",
                sektor=draw(st.sampled_from(SECTORS)),
                beste=draw(st.sampled_from(["lav", "høy"])),
                beregning=draw(st.sampled_from(["absolutt", "relativ"])),
                volum=vol,
                faktor=draw(st.sampled_from(FACTORS)),
            )
        )
        has = draw(st.lists(st.booleans(), min_size=len(peers), max_size=len(peers)))
        if not any(has):
            has[draw(st.integers(min_value=0, max_value=len(peers) - 1))] = True
        valued[ind] = [p for p, h in zip(peers, has, strict=True) if h]
        cells[(own, ind)] = draw(positive_values)
        for peer, h in zip(peers, has, strict=True):
            cells[(peer, ind)] = (
                draw(positive_values) if h else draw(st.sampled_from(MISSING_CELLS))
            )
        # The outsider would be the best of all if it were (wrongly) counted.
        cells[(outsider, ind)] = draw(st.sampled_from([1e-3, 1e9]))
    for vol in dict.fromkeys(s.volum for s in specs):
        cells[(own, vol)] = draw(volumes)
        for peer in peers:
            cells[(peer, vol)] = draw(st.one_of(volumes, st.sampled_from(MISSING_CELLS)))
    for kommune in [*kommuner, outsider]:
        cells[(kommune, WEIGHT)] = draw(volumes)

    max_n = min(len(v) for v in valued.values())
    named = [p for p in peers if all(p in v for v in valued.values())]

    include_own = draw(st.booleans())
    # Leave out at most one peer from the mean, and only if every indicator keeps a value.
    can_exclude = [
        p for p in peers if include_own or all(any(q != p for q in v) for v in valued.values())
    ]
    exclude = tuple(draw(st.lists(st.sampled_from(can_exclude), max_size=1))) if can_exclude else ()
    weighted = draw(st.booleans())

    if overrides:
        specs = [
            replace(
                spec,
                referanse_1=draw(
                    st.none() | reference_texts(max_n=len(valued[spec.indikator]), named=named)
                ),
                referanse_2=draw(
                    st.none()
                    | st.just("-")
                    | reference_texts(max_n=len(valued[spec.indikator]), named=named)
                ),
            )
            for spec in specs
        ]

    noise = tuple(
        draw(
            st.lists(
                st.tuples(
                    st.sampled_from([*kommuner, outsider]),
                    st.sampled_from([s.indikator for s in specs]),
                    positive_values,
                ),
                max_size=3,
                unique_by=lambda t: (t[0], t[1]),
            )
        )
    )
    settings = SavingsSettings(
        egen_kommune=own,
        aar=YEAR,
        kommuner=tuple(kommuner),
        referanse_1=draw(reference_texts(max_n=max_n, named=named)),
        referanse_2=draw(reference_texts(max_n=max_n, named=named)),
        snitt=MeanOptions(include_own=include_own, exclude=exclude, weighted=weighted),
        snitt_vekt=WEIGHT if weighted else None,
    )
    order = draw(st.permutations(list(cells)))
    return SavingsCase(
        kommuner=tuple(kommuner),
        own=own,
        outsider=outsider,
        indicators=tuple(specs),
        cells=tuple((key, cells[key]) for key in order),
        noise=noise,
        settings=settings,
        as_text=draw(st.booleans()),
    )


@dataclass(frozen=True)
class PeerValues:
    """One indicator's values for a group, for testing the reference functions directly."""

    values: pd.Series
    own: str

    @property
    def peers(self) -> pd.Series:
        """The valued peers (own municipality left out)."""
        return self.values.drop(self.own).dropna()


@st.composite
def peer_values(
    draw: st.DrawFn,
    *,
    min_valued_peers: int = 1,
    own_best: str | None = None,
    values: st.SearchStrategy[float] = positive_values,
) -> PeerValues:
    """A Series of one indicator's values for 2-12 municipalities, the own one valued.

    Args:
        min_valued_peers: at least this many peers have a value (the rest may be NaN).
        own_best: ``lav`` or ``høy`` makes the own value strictly the best of all.
        values: the strategy the numbers come from.
    """
    group = draw(st.lists(names, min_size=max(2, min_valued_peers + 1), max_size=12, unique=True))
    own = draw(st.sampled_from(group))
    peers = [k for k in group if k != own]
    has = draw(st.lists(st.booleans(), min_size=len(peers), max_size=len(peers)))
    for i in draw(st.permutations(range(len(peers))))[:min_valued_peers]:
        has[i] = True
    numbers = {p: draw(values) if h else math.nan for p, h in zip(peers, has, strict=True)}
    valued = [v for v in numbers.values() if not math.isnan(v)]
    if own_best == "lav":
        own_value = min(valued) - 1.0 if valued else draw(values)
    elif own_best == "høy":
        own_value = max(valued) + 1.0 if valued else draw(values)
    else:
        own_value = draw(values)
    numbers[own] = own_value
    series = pd.Series([numbers[k] for k in group], index=group, dtype="float64")
    return PeerValues(values=series, own=own)
