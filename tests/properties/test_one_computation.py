"""One savings computation: the per-municipality table is the cube's result for one
municipality, and every reference of the cube is what the readable reference functions
(``compute_reference``) give on the same values.

Hypothesis draws a comparison group of 2-8 municipalities (Norwegian names, æøå included) and
one or two outsiders in another group, 1-3 indicators (lav/høy, absolutt/relativ, a factor),
references (snitt, median, N. beste, a named member, ``-``) as defaults and per-indicator
overrides, mean options (own included or not, one member excluded, weighted by a positive
``innbyggere``), and missing values anywhere (own values and volumes included), plus values
for another year that must not count. For every member of the group:

* each reference in the cube equals ``compute_reference`` (value, supplier, label, number of
  peers), or is NaN where ``compute_reference`` raises, with the same error recoverable from
  the cube's peer count;
* ``savings_table`` for that municipality, when it does not raise, equals the cube's rows for
  it (reference values, suppliers, savings to 1e-9 relative); where it raises for too few
  peers, the cube's reference is NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kommuneokonomi.engine.cube import CUBE_COLUMNS, savings_cube
from kommuneokonomi.engine.references import (
    MeanOptions,
    ReferenceSpec,
    compute_reference,
    require_peers,
)
from kommuneokonomi.engine.savings import IndicatorSpec, SavingsSettings, savings_table
from kommuneokonomi.errors import InputError, InputErrors, KommuneokonomiError

YEAR = 2020
OTHER_YEAR = 2019
WEIGHT = "innbyggere"
GROUP = "G"

_POOL = ("Oslo", "Bergen", "Trondheim", "Bærum", "Ålesund", "Tromsø", "Bodø", "Førde", "Årdal")
_RESERVED = {"snitt", "gjennomsnitt", "mean", "median", "ingen"}
names = st.one_of(
    st.sampled_from(_POOL),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøå", min_size=1, max_size=8)
    .map(str.capitalize)
    .filter(lambda s: s.lower() not in _RESERVED),
)
#: small integers make ties likely (n-th best by name, medians of equal values)
values = st.one_of(
    st.integers(min_value=1, max_value=12).map(float),
    st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False),
)
maybe_value = st.one_of(st.none(), *[values] * 7)  # None (1 in 8): the row is left out
volumes = st.one_of(
    st.none(),  # missing (1 in 10)
    *[st.integers(min_value=1, max_value=10_000).map(float)] * 4,
    *[st.floats(min_value=0.5, max_value=1e7, allow_nan=False, allow_infinity=False)] * 5,
)


@dataclass(frozen=True)
class Case:
    group: tuple[str, ...]
    outsiders: tuple[str, ...]
    specs: tuple[IndicatorSpec, ...]
    rows: tuple[tuple[str, int, str, float], ...]
    referanse_1: str
    referanse_2: str
    mean: MeanOptions

    @property
    def data(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.rows), columns=["kommune", "aar", "indikator", "verdi"])

    @property
    def weight(self) -> str | None:
        return WEIGHT if self.mean.weighted else None

    def series(self, indikator: str) -> pd.Series:
        """The group's values of one indicator in YEAR, in group order (NaN: missing)."""
        found = {(k, i): v for k, y, i, v in self.rows if y == YEAR}
        return pd.Series(
            [found.get((k, indikator), math.nan) for k in self.group],
            index=list(self.group),
            dtype="float64",
        )


@st.composite
def reference_texts(draw: st.DrawFn, group: tuple[str, ...]) -> str:
    kind = draw(st.sampled_from(["snitt", "median", "nth", "named", "ingen"]))
    if kind == "snitt":
        return draw(st.sampled_from(["snitt", "Gjennomsnitt"]))
    if kind == "median":
        return "median"
    if kind == "nth":
        # mostly small n (the usual 3. beste); any n up to the number of peers
        top = len(group) - 1
        n = draw(st.integers(min_value=1, max_value=min(3, top)) | st.integers(1, top))
        return f"{n}. beste"
    if kind == "named":
        name = draw(st.sampled_from(group))
        return draw(st.sampled_from([name, name.lower(), f" {name} "]))
    return "-"


@st.composite
def cases(draw: st.DrawFn) -> Case:
    everyone = draw(
        st.lists(names, min_size=3, max_size=10, unique_by=lambda s: s.casefold()).filter(
            lambda xs: len(xs) >= 3
        )
    )
    n_out = draw(st.integers(min_value=1, max_value=min(2, len(everyone) - 2)))
    outsiders, group = tuple(everyone[:n_out]), tuple(everyone[n_out : n_out + 8])
    refs = reference_texts(group)
    specs = tuple(
        IndicatorSpec(
            indikator=f"ind_{i}",
            navn=f"Indikator {i}",
            sektor=draw(st.sampled_from(["Grunnskole", "Barnevern"])),
            beste=draw(st.sampled_from(["lav", "høy"])),
            beregning=draw(st.sampled_from(["absolutt", "relativ"])),
            volum=f"vol_{draw(st.integers(min_value=0, max_value=i))}",
            faktor=draw(st.sampled_from([1.0, 12.0, 1000.0, 0.5])),
            referanse_1=draw(st.none() | refs),
            referanse_2=draw(st.none() | refs),
        )
        for i in range(draw(st.integers(min_value=1, max_value=3)))
    )
    rows: list[tuple[str, int, str, float]] = []
    for kommune in [*group, *outsiders]:
        for aar in (YEAR, OTHER_YEAR):
            rows.append((kommune, aar, WEIGHT, draw(values)))
            for spec in specs:
                value = draw(maybe_value)
                if value is not None:
                    rows.append((kommune, aar, spec.indikator, value))
            for vol in sorted({s.volum for s in specs}):
                volume = draw(volumes)
                if volume is not None:
                    rows.append((kommune, aar, vol, volume))
    mean = MeanOptions(
        include_own=draw(st.booleans()),
        exclude=tuple(draw(st.lists(st.sampled_from(group), max_size=1))),
        weighted=draw(st.booleans()),
    )
    return Case(
        group=group,
        outsiders=outsiders,
        specs=specs,
        rows=tuple(draw(st.permutations(rows))),
        referanse_1=draw(refs),
        referanse_2=draw(refs),
        mean=mean,
    )


def _cube(case: Case, *, years: list[int] | None = None) -> pd.DataFrame:
    groups = pd.Series({**dict.fromkeys(case.group, GROUP), **dict.fromkeys(case.outsiders, "H")})
    return savings_cube(
        case.data,
        case.specs,
        groups,
        referanse_1=case.referanse_1,
        referanse_2=case.referanse_2,
        mean=case.mean,
        weight=case.weight,
        years=years,
    )


def _supplier(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)


def _errors(exc: KommuneokonomiError) -> list[KommuneokonomiError]:
    return list(exc) if isinstance(exc, InputErrors) else [exc]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_the_table_is_the_cube_for_one_municipality(case: Case) -> None:
    cube = _cube(case, years=[YEAR])
    assert list(cube.columns) == list(CUBE_COLUMNS)
    # restricting the years changes nothing for the year kept
    everything = _cube(case)
    pd.testing.assert_frame_equal(
        everything[everything["aar"] == YEAR].reset_index(drop=True), cube
    )
    assert set(cube["kommune"]) <= {*case.group, *case.outsiders}
    weights = case.series(WEIGHT)
    for own in case.group:
        mine = cube[cube["kommune"] == own].set_index("indikator")
        assert (mine["gruppe"] == GROUP).all()
        for spec in case.specs:
            own_value = case.series(spec.indikator)[own]
            if math.isnan(own_value):
                assert spec.indikator not in mine.index
                continue
            row = mine.loc[spec.indikator]
            assert row["egen_verdi"] == own_value
            for i, override, default in (
                (1, spec.referanse_1, case.referanse_1),
                (2, spec.referanse_2, case.referanse_2),
            ):
                _check_reference(
                    row,
                    i,
                    ReferenceSpec.parse(override if override is not None else default),
                    values=case.series(spec.indikator),
                    own=own,
                    spec=spec,
                    case=case,
                    weights=weights,
                )
        _check_table(case, own, mine)


def _check_reference(
    row: pd.Series,
    i: int,
    ref_spec: ReferenceSpec,
    *,
    values: pd.Series,
    own: str,
    spec: IndicatorSpec,
    case: Case,
    weights: pd.Series,
) -> None:
    got = float(row[f"referanse_{i}"])
    n_peers = int(row[f"n_peers_{i}"])
    try:
        ref = compute_reference(
            values,
            ref_spec,
            own=own,
            better=spec.beste,
            mean=case.mean,
            weights=weights if case.mean.weighted else None,
        )
    except InputError as exc:
        event(f"reference raises {exc.code}")
        assert math.isnan(got), (ref_spec, exc)
        assert row[f"innsparing_{i}_mnok"] == 0.0
        if exc.code == "for_faa_kommuner":
            # the cube's peer count gives back the very same error
            with pytest.raises(InputError) as again:
                require_peers(ref_spec, n_peers)
            assert again.value.message == exc.message
        return
    if ref is None:
        assert math.isnan(got) and n_peers == 0
        assert row[f"ref_{i}_label"] == "-"
        assert row[f"innsparing_{i}_mnok"] == 0.0
        return
    event(f"reference compared: {ref_spec.kind}")
    assert _close(got, ref.value), (ref_spec, got, ref)
    assert _supplier(row[f"ref_{i}_kommune"]) == ref.kommune
    assert row[f"ref_{i}_label"] == ref.label
    assert n_peers == ref.n_peers


def _check_table(case: Case, own: str, mine: pd.DataFrame) -> None:
    settings_ = SavingsSettings(
        egen_kommune=own,
        aar=YEAR,
        kommuner=case.group,
        referanse_1=case.referanse_1,
        referanse_2=case.referanse_2,
        snitt=case.mean,
        snitt_vekt=case.weight,
    )
    try:
        table = savings_table(case.data, case.specs, settings_)
    except KommuneokonomiError as exc:
        event("table raises")
        for err in _errors(exc):
            if err.code == "for_faa_kommuner":
                column = err.context.kolonne
                assert column is not None and err.context.indikator is not None
                assert math.isnan(mine.at[err.context.indikator, column])
            elif err.code == "ugyldig_referanse":
                # one's own municipality as its reference: a slip in a one-municipality
                # analysis (the cube, comparing every municipality with it, gives 0 there)
                column = err.context.kolonne
                assert column is not None and err.context.indikator is not None
                assert own.casefold() in err.message.casefold()
                assert mine.at[err.context.indikator, f"innsparing_{column[-1]}_mnok"] == 0
            else:
                assert err.code in {"mangler_verdi", "ugyldig_volum", "ukjent_indikator"}, err
        return
    event("table compared")
    table = table.set_index("indikator")
    assert list(table.index) == [s.indikator for s in case.specs]
    for ind, line in table.iterrows():
        row = mine.loc[ind]
        assert line["egen_verdi"] == row["egen_verdi"]
        assert line["volum"] == row["volum"]
        for i in (1, 2):
            assert _close(line[f"referanse_{i}"], row[f"referanse_{i}"])
            assert _supplier(line[f"ref_{i}_kommune"]) == _supplier(row[f"ref_{i}_kommune"])
            assert _close(line[f"innsparing_{i}_mnok"], row[f"innsparing_{i}_mnok"])
            assert line[f"innsparing_{i}_mnok"] >= 0.0
        assert line["forklaring"]
