"""Unit tests of the peer references, with small hand-computed data.

The group below has Trondheim as the own municipality and Tromsø without a value:

    Oslo 80, Bergen 100, Bærum 100, Stavanger 110, Kristiansand 130, Trondheim 120, Tromsø NaN

so the peers with a value are 80, 100, 100, 110, 130 (sum 520, five of them).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kommuneokonomi.engine.references import (
    MeanOptions,
    Reference,
    ReferenceSpec,
    compute_reference,
    mean_reference,
    median_reference,
    named_reference,
    nth_best,
    parse_better,
)
from kommuneokonomi.errors import InputError

OWN = "Trondheim"


@pytest.fixture
def values() -> pd.Series:
    return pd.Series(
        {
            "Oslo": 80.0,
            "Bergen": 100.0,
            "Trondheim": 120.0,
            "Bærum": 100.0,
            "Stavanger": 110.0,
            "Kristiansand": 130.0,
            "Tromsø": math.nan,
        }
    )


@pytest.fixture
def weights() -> pd.Series:
    # Oslo 4, Bergen 2, Stavanger 1, Bærum 1, Kristiansand 2 (peers: 10 in all)
    return pd.Series(
        {
            "Oslo": 4.0,
            "Bergen": 2.0,
            "Trondheim": 1.0,
            "Bærum": 1.0,
            "Stavanger": 1.0,
            "Kristiansand": 2.0,
            "Tromsø": 3.0,
        }
    )


# --- mean ----------------------------------------------------------------------------------


def test_mean_excludes_own_and_missing(values: pd.Series) -> None:
    ref = mean_reference(values, own=OWN)
    assert ref == Reference(value=104.0, kommune=None, label="snitt", n_peers=5)  # 520 / 5


def test_mean_including_own(values: pd.Series) -> None:
    ref = mean_reference(values, own=OWN, include_own=True)
    assert ref.value == pytest.approx(640 / 6)  # (520 + 120) / 6
    assert ref.label == "snitt med egen"
    assert ref.n_peers == 6


def test_mean_excluding_oslo(values: pd.Series) -> None:
    ref = mean_reference(values, own=OWN, exclude=["Oslo"])
    assert ref.value == 110.0  # (100 + 100 + 110 + 130) / 4
    assert ref.n_peers == 4


def test_mean_excluding_oslo_and_including_own(values: pd.Series) -> None:
    ref = mean_reference(values, own=OWN, include_own=True, exclude=("Oslo",))
    assert ref.value == 112.0  # (440 + 120) / 5


def test_weighted_mean(values: pd.Series, weights: pd.Series) -> None:
    ref = mean_reference(values, own=OWN, weights=weights)
    # (80*4 + 100*2 + 110*1 + 100*1 + 130*2) / 10 = 990 / 10; Tromsø has a weight but no value
    assert ref.value == pytest.approx(99.0)
    assert ref.label == "vektet snitt"
    assert ref.kommune is None
    assert ref.n_peers == 5


def test_weighted_mean_including_own(values: pd.Series, weights: pd.Series) -> None:
    ref = mean_reference(values, own=OWN, include_own=True, weights=weights)
    assert ref.value == pytest.approx((990 + 120) / 11)
    assert ref.label == "vektet snitt med egen"


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan])
def test_weighted_mean_needs_a_positive_weight_for_every_peer(
    values: pd.Series, weights: pd.Series, bad: float
) -> None:
    weights["Stavanger"] = bad
    with pytest.raises(InputError) as info:
        mean_reference(values, own=OWN, weights=weights)
    assert info.value.code == "ugyldig_vekt"
    assert info.value.context.kommune == "Stavanger"
    assert "Stavanger" in str(info.value)


def test_weight_of_an_excluded_peer_does_not_matter(values: pd.Series, weights: pd.Series) -> None:
    weights["Oslo"] = math.nan
    ref = mean_reference(values, own=OWN, exclude=["Oslo"], weights=weights)
    assert ref.value == pytest.approx((200 + 110 + 100 + 260) / 6)


def test_mean_without_any_valued_peer_is_an_error() -> None:
    values = pd.Series({"Trondheim": 5.0, "Bergen": math.nan, "Oslo": math.nan})
    with pytest.raises(InputError) as info:
        mean_reference(values, own=OWN)
    assert info.value.code == "for_faa_kommuner"


# --- median --------------------------------------------------------------------------------


def test_median(values: pd.Series) -> None:
    ref = median_reference(values, own=OWN)
    assert ref == Reference(value=100.0, kommune=None, label="median", n_peers=5)


def test_median_of_an_even_count_is_the_middle_mean(values: pd.Series) -> None:
    assert median_reference(values, own=OWN, exclude=["Oslo"]).value == 105.0  # 100,100,110,130
    assert median_reference(values, own=OWN, include_own=True).value == 105.0  # +120


# --- n-th best -----------------------------------------------------------------------------


def test_third_best_low(values: pd.Series) -> None:
    # 80 Oslo, 100 Bergen, 100 Bærum, ...: the tie at 100 goes by name, Bergen before Bærum
    ref = nth_best(values, own=OWN, n=3, better="lav")
    assert ref == Reference(value=100.0, kommune="Bærum", label="3. beste", n_peers=5)
    assert nth_best(values, own=OWN, n=2, better="lav").kommune == "Bergen"
    assert nth_best(values, own=OWN, n=1, better="lav").kommune == "Oslo"


def test_third_best_high(values: pd.Series) -> None:
    # 130 Kristiansand, 110 Stavanger, 100 Bergen, 100 Bærum, 80 Oslo
    ref = nth_best(values, own=OWN, n=3, better="høy")
    assert ref == Reference(value=100.0, kommune="Bergen", label="3. beste", n_peers=5)
    assert nth_best(values, own=OWN, n=4, better="høy").kommune == "Bærum"
    assert nth_best(values, own=OWN, n=5, better="høy").kommune == "Oslo"


def test_default_is_third_best_low(values: pd.Series) -> None:
    assert nth_best(values, own=OWN) == nth_best(values, own=OWN, n=3, better="lav")


def test_own_municipality_is_never_the_nth_best(values: pd.Series) -> None:
    values[OWN] = 1.0  # would be the best of all
    ref = nth_best(values, own=OWN, n=1, better="lav")
    assert (ref.kommune, ref.value) == ("Oslo", 80.0)
    values[OWN] = 1000.0
    ref = nth_best(values, own=OWN, n=1, better="høy")
    assert (ref.kommune, ref.value) == ("Kristiansand", 130.0)


def test_ties_broken_by_name_whatever_the_order() -> None:
    forward = pd.Series({"Asker": 5.0, "Bodø": 5.0, "Drammen": 5.0, "Egen": 1.0, "Cx": 5.0})
    backward = forward[forward.index[::-1]]
    for series in (forward, backward):
        picked = [nth_best(series, own="Egen", n=n, better="lav").kommune for n in (1, 2, 3, 4)]
        assert picked == ["Asker", "Bodø", "Cx", "Drammen"]
        picked = [nth_best(series, own="Egen", n=n, better="høy").kommune for n in (1, 2, 3, 4)]
        assert picked == ["Asker", "Bodø", "Cx", "Drammen"]


def test_nth_best_skips_missing_values(values: pd.Series) -> None:
    values["Oslo"] = math.nan
    assert nth_best(values, own=OWN, n=1, better="lav").kommune == "Bergen"
    assert nth_best(values, own=OWN, n=4, better="lav").n_peers == 4


def test_fewer_valued_peers_than_n(values: pd.Series) -> None:
    with pytest.raises(InputError) as info:
        nth_best(values, own=OWN, n=6)  # five peers have a value (Tromsø has none)
    assert info.value.code == "for_faa_kommuner"
    assert "6. beste" in str(info.value)
    assert "5" in str(info.value)


@pytest.mark.parametrize("n", [0, -1])
def test_n_must_be_at_least_one(values: pd.Series, n: int) -> None:
    with pytest.raises(InputError) as info:
        nth_best(values, own=OWN, n=n)
    assert info.value.code == "ugyldig_n"


# --- named peer ----------------------------------------------------------------------------


def test_named_reference(values: pd.Series) -> None:
    assert named_reference(values, kommune="Bergen") == Reference(
        value=100.0, kommune="Bergen", label="Bergen", n_peers=1
    )


def test_named_reference_without_a_value(values: pd.Series) -> None:
    with pytest.raises(InputError) as info:
        named_reference(values, kommune="Tromsø")
    assert info.value.code == "mangler_verdi"
    assert info.value.context.kommune == "Tromsø"
    assert "Tromsø" in str(info.value)


def test_named_reference_outside_the_group(values: pd.Series) -> None:
    with pytest.raises(InputError) as info:
        named_reference(values, kommune="Bodø")
    assert info.value.code == "ukjent_kommune"
    assert info.value.context.kommune == "Bodø"
    assert "Bodø" in str(info.value)


# --- ReferenceSpec -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected,label",
    [
        ("snitt", ReferenceSpec("snitt"), "snitt"),
        ("Snitt ", ReferenceSpec("snitt"), "snitt"),
        ("Gjennomsnitt", ReferenceSpec("snitt"), "snitt"),
        ("median", ReferenceSpec("median"), "median"),
        ("3. beste", ReferenceSpec("nte_beste", n=3), "3. beste"),
        ("3 beste", ReferenceSpec("nte_beste", n=3), "3. beste"),
        ("3.beste", ReferenceSpec("nte_beste", n=3), "3. beste"),
        (" 3. Beste ", ReferenceSpec("nte_beste", n=3), "3. beste"),
        ("3.", ReferenceSpec("nte_beste", n=3), "3. beste"),
        ("12. beste", ReferenceSpec("nte_beste", n=12), "12. beste"),
        ("Bergen", ReferenceSpec("kommune", kommune="Bergen"), "Bergen"),
        ("  Bergen ", ReferenceSpec("kommune", kommune="Bergen"), "Bergen"),
        ("-", ReferenceSpec("ingen"), "-"),
        ("", ReferenceSpec("ingen"), "-"),
        ("  ", ReferenceSpec("ingen"), "-"),
        ("ingen", ReferenceSpec("ingen"), "-"),
        (None, ReferenceSpec("ingen"), "-"),
    ],
)
def test_reference_spec_parse(text: object, expected: ReferenceSpec, label: str) -> None:
    spec = ReferenceSpec.parse(text)
    assert spec == expected
    assert spec.label == label


@pytest.mark.parametrize("text", ["3", " 3 ", "12"])
def test_a_bare_number_is_ambiguous(text: str) -> None:
    with pytest.raises(InputError) as info:
        ReferenceSpec.parse(text)
    assert info.value.code == "ugyldig_referanse"
    assert text.strip() in str(info.value)
    assert "3. beste" in str(info.value)  # tells the user what to write


# --- compute_reference ---------------------------------------------------------------------


def _compute(values: pd.Series, text: str, *, better: str = "lav", **kw: object) -> Reference:
    ref = compute_reference(values, ReferenceSpec.parse(text), own=OWN, better=better, **kw)  # type: ignore[arg-type]
    assert ref is not None
    return ref


def test_compute_reference_none_for_dash(values: pd.Series) -> None:
    assert compute_reference(values, ReferenceSpec.parse("-"), own=OWN, better="lav") is None


def test_compute_reference_dispatches(values: pd.Series, weights: pd.Series) -> None:
    no_oslo = MeanOptions(exclude=("Oslo",))
    assert _compute(values, "snitt").value == 104.0
    assert _compute(values, "snitt", mean=no_oslo).value == 110.0
    assert _compute(values, "snitt", mean=MeanOptions(include_own=True)).label == "snitt med egen"
    assert _compute(values, "median", mean=no_oslo).value == 105.0
    assert _compute(values, "3. beste").kommune == "Bærum"
    assert _compute(values, "3. beste", better="høy").kommune == "Bergen"
    assert _compute(values, "Stavanger").value == 110.0


def test_compute_reference_uses_weights_only_when_asked(
    values: pd.Series, weights: pd.Series
) -> None:
    assert _compute(values, "snitt", weights=weights).value == 104.0
    weighted = _compute(values, "snitt", mean=MeanOptions(weighted=True), weights=weights)
    assert weighted.value == pytest.approx(99.0)


def test_exclusions_apply_to_mean_and_median_only(values: pd.Series) -> None:
    no_oslo = MeanOptions(exclude=("Oslo",))
    assert _compute(values, "1. beste", mean=no_oslo).kommune == "Oslo"
    assert _compute(values, "Oslo", mean=no_oslo).value == 80.0


# --- parse_better --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [("lav", "lav"), (" Lavest ", "lav"), ("lower", "lav"), ("høy", "høy"), ("Hoy", "høy")],
)
def test_parse_better(text: str, expected: str) -> None:
    assert parse_better(text) == expected


def test_parse_better_rejects_other_text() -> None:
    with pytest.raises(InputError) as info:
        parse_better("middels")
    assert info.value.code == "ugyldig_beste"
    assert "middels" in str(info.value)


def test_ties_follow_norwegian_alphabetical_order() -> None:
    """Æ, Ø, Å come after Z in Norwegian (code points put Å first)."""
    from kommuneokonomi.engine.references import norwegian_sort_key

    names = ["Ålesund", "Ørland", "Ærø", "Zeta", "Asker"]
    assert sorted(names, key=norwegian_sort_key) == ["Asker", "Zeta", "Ærø", "Ørland", "Ålesund"]
    values = pd.Series({"Egen": 1.0, "Ålesund": 5.0, "Ørland": 5.0, "Ærø": 5.0, "Asker": 9.0})
    picks = [nth_best(values, own="Egen", n=n, better="lav").kommune for n in (1, 2, 3)]
    assert picks == ["Ærø", "Ørland", "Ålesund"]
