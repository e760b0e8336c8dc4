"""Unit tests of the savings engine with a small hand-computed example.

Trondheim is the own municipality among six; the peers are Oslo, Bergen, Stavanger, Bærum and
Kristiansand. Every expected figure below is worked out in the comment next to it.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import pytest

from kommuneokonomi.engine.references import MeanOptions
from kommuneokonomi.engine.savings import (
    SAVINGS_COLUMNS,
    SECTOR_COLUMNS,
    IndicatorSpec,
    SavingsSettings,
    parse_method,
    saving_kr,
    savings_table,
    sector_totals,
)
from kommuneokonomi.errors import InputError, InputErrors, KommuneokonomiError

OWN = "Trondheim"
YEAR = 2007
GROUP = ("Trondheim", "Oslo", "Bergen", "Stavanger", "Bærum", "Kristiansand")

#: indicator -> kommune -> value; volume indicators only need the own municipality.
VALUES: dict[str, dict[str, object]] = {
    # lav, absolutt. Peers 25 000 + 29 000 + 26 000 + 28 000 + 24 000 = 132 000, mean 26 400.
    # 3rd lowest: 24 000 Kristiansand, 25 000 Oslo, 26 000 Stavanger.
    "sfo_kost": {
        "Trondheim": 30000,
        "Oslo": 25000,
        "Bergen": 29000,
        "Stavanger": 26000,
        "Bærum": 28000,
        "Kristiansand": 24000,
    },
    # høy, absolutt, faktor 12. Peers sum 10 100, mean 2 020. 3rd highest: 2 400 Bærum,
    # 2 100 Oslo, 2 000 Bergen.
    "sfo_betaling": {
        "Trondheim": 1800,
        "Oslo": 2100,
        "Bergen": 2000,
        "Stavanger": 1900,
        "Bærum": 2400,
        "Kristiansand": 1700,
    },
    # høy, relativ, faktor 1000. Peers sum 72,5, mean 14,5; 3rd highest: 16 Stavanger,
    # 15 Oslo, 14,5 Bergen.
    "gruppestorrelse": {
        "Trondheim": 14.0,
        "Oslo": 15.0,
        "Bergen": 14.5,
        "Stavanger": 16.0,
        "Bærum": 13.0,
        "Kristiansand": 14.0,
    },
    # lav, absolutt, reference 2 = Bergen. Peers sum 39 800, mean 7 960.
    "sosialhjelp": {
        "Trondheim": 8000,
        "Oslo": 9000,
        "Bergen": 7000,
        "Stavanger": 7500,
        "Bærum": 8500,
        "Kristiansand": 7800,
    },
    # lav, absolutt: Trondheim is the best, so nothing to save. All peers tie at 3 500.
    "administrasjon": {
        "Trondheim": 3000,
        "Oslo": 3500,
        "Bergen": 3500,
        "Stavanger": 3500,
        "Bærum": 3500,
        "Kristiansand": 3500,
    },
    "sfo_brukere": {"Trondheim": 4000},
    "lonn": {"Trondheim": 700000},  # 1000 kr
    "stonadsmaaneder": {"Trondheim": 10000},
    # weights (for the weighted mean): peers 2 + 1 + 1 + 1 + 5 = 10 (in 100 000)
    "innbyggere": {
        "Trondheim": 300000,
        "Oslo": 200000,
        "Bergen": 100000,
        "Stavanger": 100000,
        "Bærum": 100000,
        "Kristiansand": 500000,
    },
}

SPECS = [
    IndicatorSpec(
        "sfo_kost", "SFO, kostnad per bruker", "Grunnskole", "lav", "absolutt", "sfo_brukere"
    ),
    IndicatorSpec(
        "sfo_betaling",
        "SFO, betaling per måned",
        "Grunnskole",
        "høy",
        "absolutt",
        "sfo_brukere",
        faktor=12,
    ),
    IndicatorSpec(
        "gruppestorrelse", "Gruppestørrelse", "Grunnskole", "høy", "relativ", "lonn", faktor=1000
    ),
    IndicatorSpec(
        "sosialhjelp",
        "Sosialhjelp per stønadsmåned",
        "Sosialhjelp",
        "lav",
        "absolutt",
        "stonadsmaaneder",
        referanse_2="Bergen",
    ),
    IndicatorSpec(
        "administrasjon", "Administrasjon", "Administrasjon", "lav", "absolutt", "innbyggere"
    ),
]
SPEC = {s.indikator: s for s in SPECS}

SETTINGS = SavingsSettings(egen_kommune=OWN, aar=YEAR, kommuner=GROUP)


def make_data(
    changes: dict[tuple[str, str], object] | None = None,
    *,
    drop: tuple[tuple[str, str], ...] = (),
    extra: list[tuple[str, int, str, object]] | None = None,
) -> pd.DataFrame:
    """The example data; ``changes`` replaces (kommune, indikator) values, ``drop`` leaves rows
    out, ``extra`` appends rows."""
    changes = changes or {}
    rows: list[tuple[str, int, str, object]] = []
    for indikator, by_kommune in VALUES.items():
        for kommune, value in by_kommune.items():
            if (kommune, indikator) in drop:
                continue
            rows.append((kommune, YEAR, indikator, changes.get((kommune, indikator), value)))
    rows += extra or []
    return pd.DataFrame(rows, columns=["kommune", "aar", "indikator", "verdi"]).astype(
        {"verdi": object}
    )


def table(
    data: pd.DataFrame | None = None,
    specs: list[IndicatorSpec] | None = None,
    settings: SavingsSettings = SETTINGS,
) -> pd.DataFrame:
    return savings_table(
        make_data() if data is None else data, SPECS if specs is None else specs, settings
    ).set_index("indikator")


def raised(
    data: pd.DataFrame | None = None,
    specs: list[IndicatorSpec] | None = None,
    settings: SavingsSettings = SETTINGS,
) -> KommuneokonomiError:
    with pytest.raises(KommuneokonomiError) as info:
        table(data, specs, settings)
    return info.value


def assert_names(err: KommuneokonomiError, kommune: str | None, indikator: str | None) -> None:
    """The error's context and its sentence name the kommune, indikator and year given."""
    text = str(err)
    if kommune is not None:
        assert err.context.kommune == kommune
        assert kommune in text
    if indikator is not None:
        assert err.context.indikator == indikator
        assert indikator in text
    assert err.context.aar == YEAR
    assert str(YEAR) in text


# --- saving_kr -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "own,reference,volume,better,method,factor,expected",
    [
        # absolutt, lav: (120 - 100) x 1000
        (120.0, 100.0, 1000.0, "lav", "absolutt", 1.0, 20_000.0),
        # factor 1000 (figures in 1000 kr)
        (120.0, 100.0, 1000.0, "lav", "absolutt", 1000.0, 20_000_000.0),
        # absolutt, høy: (120 - 100) x 10 x 12 (a monthly payment over a year)
        (100.0, 120.0, 10.0, "høy", "absolutt", 12.0, 2_400.0),
        # relativ, lav: (125 - 100) / 125 = 0,2 of 1 000 000
        (125.0, 100.0, 1_000_000.0, "lav", "relativ", 1.0, 200_000.0),
        # relativ, høy: (21 - 20) / 20 = 0,05 of 1000 x 1000
        (20.0, 21.0, 1000.0, "høy", "relativ", 1000.0, 50_000.0),
    ],
)
def test_saving_kr(
    own: float,
    reference: float,
    volume: float,
    better: str,
    method: str,
    factor: float,
    expected: float,
) -> None:
    got = saving_kr(
        own=own,
        reference=reference,
        volume=volume,
        better=better,  # type: ignore[arg-type]
        method=method,  # type: ignore[arg-type]
        factor=factor,
    )
    assert got == pytest.approx(expected)


@pytest.mark.parametrize("method", ["absolutt", "relativ"])
@pytest.mark.parametrize(
    "own,reference,better",
    [
        (100.0, 100.0, "lav"),  # at the reference
        (100.0, 100.0, "høy"),
        (90.0, 100.0, "lav"),  # better than the reference
        (110.0, 100.0, "høy"),
    ],
)
def test_saving_is_zero_at_or_better_than_the_reference(
    own: float, reference: float, better: str, method: str
) -> None:
    got = saving_kr(own=own, reference=reference, volume=1000.0, better=better, method=method)  # type: ignore[arg-type]
    assert got == 0.0
    assert not math.copysign(1.0, got) < 0  # not even -0.0


def test_saving_defaults_to_absolute_with_factor_one() -> None:
    assert saving_kr(own=3.0, reference=1.0, volume=5.0, better="lav") == 10.0


def test_relative_saving_with_own_value_zero_is_an_error() -> None:
    with pytest.raises(InputError) as info:
        saving_kr(own=0.0, reference=1.0, volume=5.0, better="høy", method="relativ")
    assert info.value.code == "null_egen_verdi"


@pytest.mark.parametrize(
    "text,expected", [("absolutt", "absolutt"), (" Relativ ", "relativ"), ("abs", "absolutt")]
)
def test_parse_method(text: str, expected: str) -> None:
    assert parse_method(text) == expected


def test_parse_method_rejects_other_text() -> None:
    with pytest.raises(InputError) as info:
        parse_method("prosent")
    assert info.value.code == "ugyldig_beregning"
    assert "prosent" in str(info.value)


# --- savings_table: the example ------------------------------------------------------------


def test_table_shape() -> None:
    result = savings_table(make_data(), SPECS, SETTINGS)
    assert list(result.columns) == list(SAVINGS_COLUMNS)
    assert list(result["indikator"]) == [s.indikator for s in SPECS]


@pytest.mark.parametrize(
    "indikator,ref_1,saving_1,ref_2,kommune_2,saving_2",
    [
        # (30 000 - 26 400) x 4 000 = 14,4 mill.; (30 000 - 26 000) x 4 000 = 16,0 mill.
        ("sfo_kost", 26400.0, 14.4, 26000.0, "Stavanger", 16.0),
        # (2 020 - 1 800) x 4 000 x 12 = 10,56 mill.; (2 000 - 1 800) x 48 000 = 9,6 mill.
        ("sfo_betaling", 2020.0, 10.56, 2000.0, "Bergen", 9.6),
        # (14,5 - 14) / 14 x 700 000 x 1 000 = 25,0 mill. against both
        ("gruppestorrelse", 14.5, 25.0, 14.5, "Bergen", 25.0),
        # (8 000 - 7 960) x 10 000 = 0,4 mill.; Bergen: (8 000 - 7 000) x 10 000 = 10,0 mill.
        ("sosialhjelp", 7960.0, 0.4, 7000.0, "Bergen", 10.0),
        # Trondheim is best: nothing; all peers tie at 3 500, 3rd by name is Kristiansand
        ("administrasjon", 3500.0, 0.0, 3500.0, "Kristiansand", 0.0),
    ],
)
def test_hand_computed_lines(
    indikator: str,
    ref_1: float,
    saving_1: float,
    ref_2: float,
    kommune_2: str,
    saving_2: float,
) -> None:
    row = table().loc[indikator]
    assert row["egen_verdi"] == VALUES[indikator][OWN]
    assert row["volum"] == VALUES[SPEC[indikator].volum][OWN]
    assert row["referanse_1"] == pytest.approx(ref_1)
    assert row["ref_1_kommune"] is None
    assert row["innsparing_1_mnok"] == pytest.approx(saving_1)
    assert row["referanse_2"] == pytest.approx(ref_2)
    assert row["ref_2_kommune"] == kommune_2
    assert row["innsparing_2_mnok"] == pytest.approx(saving_2)
    assert row["sektor"] == SPEC[indikator].sektor
    assert row["navn"] == SPEC[indikator].navn


def test_sector_totals() -> None:
    totals = sector_totals(table().reset_index())
    assert list(totals.columns) == list(SECTOR_COLUMNS)
    assert list(totals["sektor"]) == ["Grunnskole", "Sosialhjelp", "Administrasjon", "Sum"]
    # Grunnskole: 14,4 + 10,56 + 25,0 = 49,96 and 16,0 + 9,6 + 25,0 = 50,6
    assert totals["innsparing_1_mnok"].to_list() == pytest.approx([49.96, 0.4, 0.0, 50.36])
    assert totals["innsparing_2_mnok"].to_list() == pytest.approx([50.6, 10.0, 0.0, 60.6])


def test_sector_totals_of_no_lines() -> None:
    empty = savings_table(make_data(), [], SETTINGS)
    totals = sector_totals(empty)
    assert totals["sektor"].to_list() == ["Sum"]
    assert totals["innsparing_1_mnok"].to_list() == [0.0]


def test_mean_excluding_oslo() -> None:
    settings = replace(SETTINGS, snitt=MeanOptions(exclude=("Oslo",)))
    row = table(settings=settings).loc["sfo_kost"]
    # (29 000 + 26 000 + 28 000 + 24 000) / 4 = 26 750; 3 250 x 4 000 = 13,0 mill.
    assert row["referanse_1"] == 26750.0
    assert row["innsparing_1_mnok"] == pytest.approx(13.0)
    # the 3rd best is unaffected by the exclusion
    assert row["ref_2_kommune"] == "Stavanger"


def test_mean_including_own() -> None:
    settings = replace(SETTINGS, snitt=MeanOptions(include_own=True))
    row = table(settings=settings).loc["sfo_kost"]
    # (132 000 + 30 000) / 6 = 27 000; 3 000 x 4 000 = 12,0 mill.
    assert row["referanse_1"] == 27000.0
    assert row["innsparing_1_mnok"] == pytest.approx(12.0)


def test_weighted_mean() -> None:
    settings = replace(SETTINGS, snitt=MeanOptions(weighted=True), snitt_vekt="innbyggere")
    row = table(settings=settings).loc["sfo_kost"]
    # (25 000 x 2 + 29 000 + 26 000 + 28 000 + 24 000 x 5) / 10 = 25 300; 4 700 x 4 000 = 18,8
    assert row["referanse_1"] == pytest.approx(25300.0)
    assert row["innsparing_1_mnok"] == pytest.approx(18.8)


def test_weighted_mean_with_unknown_weight_indicator() -> None:
    settings = replace(SETTINGS, snitt=MeanOptions(weighted=True), snitt_vekt="folketall")
    err = raised(settings=settings)
    assert isinstance(err, InputError)
    assert err.code == "ukjent_indikator"
    assert_names(err, None, "folketall")


def test_reference_none() -> None:
    settings = replace(SETTINGS, referanse_2="-")
    result = table(settings=settings).drop(index="sosialhjelp")  # that line overrides with Bergen
    assert result["referanse_2"].isna().all()
    assert result["ref_2_kommune"].isna().all()
    assert (result["innsparing_2_mnok"] == 0.0).all()
    assert result["referanse_1"].notna().all()
    assert result.at["sfo_kost", "forklaring"].endswith(
        "Ingen referanse (-). Ikke behovskorrigert."
    )


def test_per_indicator_overrides_win_over_settings() -> None:
    specs = [replace(SPEC["sfo_kost"], referanse_1="median", referanse_2="1. beste")]
    row = table(specs=specs).loc["sfo_kost"]
    # median of 24 000, 25 000, 26 000, 28 000, 29 000; best is Kristiansand 24 000
    assert row["referanse_1"] == 26000.0
    assert (row["referanse_2"], row["ref_2_kommune"]) == (24000.0, "Kristiansand")
    assert row["innsparing_2_mnok"] == pytest.approx(24.0)  # 6 000 x 4 000


def test_own_value_at_the_reference_saves_nothing() -> None:
    data = make_data({("Trondheim", "sfo_kost"): 26400})
    row = table(data).loc["sfo_kost"]
    assert row["innsparing_1_mnok"] == 0.0
    assert row["innsparing_2_mnok"] == pytest.approx(1.6)  # (26 400 - 26 000) x 4 000


def test_other_years_and_municipalities_outside_the_group_are_ignored() -> None:
    data = make_data(
        extra=[
            ("Trondheim", 2006, "sfo_kost", 1),
            ("Oslo", 2006, "sfo_kost", 1),
            ("Bodø", YEAR, "sfo_kost", 1),
        ]
    )
    pd.testing.assert_frame_equal(table(data), table())


# --- explanations --------------------------------------------------------------------------


def test_explanation_names_the_reference_and_the_arithmetic() -> None:
    text = table().at["sfo_kost", "forklaring"]
    assert text == (
        "Mot snitt (26 400): (30 000 − 26 400) × 4 000 = 14,4 mill. kr. "
        "Mot 3. beste, Stavanger (26 000): (30 000 − 26 000) × 4 000 = 16,0 mill. kr. "
        "Ikke behovskorrigert."
    )


def test_explanation_of_a_relative_line_with_factor() -> None:
    text = table().at["gruppestorrelse", "forklaring"]
    assert "Mot 3. beste, Bergen (14,5):" in text
    assert "(14,5 − 14) / 14 × 700 000 × 1 000 = 25,0 mill. kr." in text


def test_explanation_of_a_named_reference() -> None:
    text = table().at["sosialhjelp", "forklaring"]
    assert "Mot Bergen (7 000): (8 000 − 7 000) × 10 000 = 10,0 mill. kr." in text


def test_explanation_when_nothing_to_save() -> None:
    text = table().at["administrasjon", "forklaring"]
    assert "Mot 3. beste, Kristiansand (3 500)" in text
    assert "egen verdi 3 000 er like god eller bedre; ingen innsparing." in text


def test_explanation_formats_numbers_the_norwegian_way() -> None:
    data = make_data({("Trondheim", "sosialhjelp"): 2000, ("Bergen", "sosialhjelp"): 1000})
    data.loc[(data["kommune"] == OWN) & (data["indikator"] == "stonadsmaaneder"), "verdi"] = 1234500
    row = table(data).loc["sosialhjelp"]
    # (2 000 - 1 000) x 1 234 500 = 1 234 500 000 kr = 1 234,5 mill.
    assert row["innsparing_2_mnok"] == pytest.approx(1234.5)
    assert (
        "Mot Bergen (1 000): (2 000 − 1 000) × 1 234 500 = 1 234,5 mill. kr." in row["forklaring"]
    )


# --- input validation ----------------------------------------------------------------------


def test_unknown_own_municipality() -> None:
    err = raised(settings=replace(SETTINGS, egen_kommune="Trondhjem"))
    assert isinstance(err, InputError)
    assert err.code == "ukjent_kommune"
    assert err.context.kommune == "Trondhjem"
    assert "Trondhjem" in str(err)


def test_group_member_without_data() -> None:
    err = raised(settings=replace(SETTINGS, kommuner=(*GROUP, "Bodø")))
    assert isinstance(err, InputError)
    assert err.code == "ukjent_kommune"
    assert err.context.kommune == "Bodø"
    assert "Bodø" in str(err)


def test_unknown_year() -> None:
    err = raised(settings=replace(SETTINGS, aar=2031))
    assert isinstance(err, InputError)
    assert err.code == "ukjent_aar"
    assert err.context.aar == 2031
    assert "2031" in str(err)


def test_unknown_indicator() -> None:
    err = raised(specs=[replace(SPEC["sfo_kost"], indikator="sfo_kostnad")])
    assert isinstance(err, InputError)
    assert err.code == "ukjent_indikator"
    assert_names(err, None, "sfo_kostnad")


def test_unknown_volume_indicator() -> None:
    err = raised(specs=[replace(SPEC["sfo_kost"], volum="sfo_brukarar")])
    assert isinstance(err, InputError)
    assert err.code == "ukjent_indikator"
    assert "sfo_brukarar" in str(err)
    assert "volumindikatoren" in str(err)
    assert err.context.aar == YEAR


def test_unknown_volume_indicator_names_the_line() -> None:
    err = raised(specs=[replace(SPEC["sfo_kost"], volum="sfo_brukarar")])
    assert "sfo_kost" in str(err)


@pytest.mark.parametrize("missing", [".", "..", ":", "...", "", None, math.nan, "row left out"])
def test_missing_own_value(missing: object) -> None:
    key = (OWN, "sfo_kost")
    data = make_data(drop=(key,)) if missing == "row left out" else make_data({key: missing})
    err = raised(data)
    assert isinstance(err, InputError)
    assert err.code == "mangler_verdi"
    assert_names(err, OWN, "sfo_kost")


@pytest.mark.parametrize("symbol", [".", "..", ":", "...", "-"])
def test_missing_symbol_for_a_peer_is_missing_never_zero(symbol: str) -> None:
    row = table(make_data({("Kristiansand", "sfo_kost"): symbol})).loc["sfo_kost"]
    # without Kristiansand: (25 000 + 29 000 + 26 000 + 28 000) / 4 = 27 000 (as 0: 21 600)
    assert row["referanse_1"] == 27000.0
    # 3rd lowest of 25 000 Oslo, 26 000 Stavanger, 28 000 Bærum (as 0: Stavanger)
    assert (row["referanse_2"], row["ref_2_kommune"]) == (28000.0, "Bærum")


@pytest.mark.parametrize("volume,shown", [(0, "er 0"), (-5, "er -5"), ("..", "mangler")])
def test_invalid_volume(volume: object, shown: str) -> None:
    err = raised(make_data({(OWN, "lonn"): volume}))
    assert isinstance(err, InputError)
    assert err.code == "ugyldig_volum"
    assert_names(err, OWN, "gruppestorrelse")
    assert shown in str(err)
    assert "lonn" in str(err)


def test_fewer_valued_peers_than_n() -> None:
    err = raised(specs=[replace(SPEC["sfo_kost"], referanse_2="6. beste")])
    assert isinstance(err, InputError)
    assert err.code == "for_faa_kommuner"
    assert_names(err, None, "sfo_kost")
    assert "6. beste" in str(err)
    assert "bare 5" in str(err)


def test_fewer_valued_peers_than_n_counts_only_valued_peers() -> None:
    data = make_data({("Oslo", "sfo_kost"): "..", ("Bergen", "sfo_kost"): ":"})
    err = raised(data, specs=[replace(SPEC["sfo_kost"], referanse_2="4. beste")])
    assert err.code == "for_faa_kommuner"
    assert "bare 3" in str(err)


def test_fewer_valued_peers_than_n_names_the_own_municipality() -> None:
    err = raised(specs=[replace(SPEC["sfo_kost"], referanse_2="6. beste")])
    assert_names(err, OWN, "sfo_kost")


def test_named_reference_outside_the_group() -> None:
    err = raised(specs=[replace(SPEC["sosialhjelp"], referanse_2="Bodø")])
    assert isinstance(err, InputError)
    assert err.code == "ukjent_kommune"
    assert_names(err, "Bodø", "sosialhjelp")


def test_named_reference_without_a_value() -> None:
    err = raised(make_data({("Bergen", "sosialhjelp"): ".."}))
    assert isinstance(err, InputError)
    assert err.code == "mangler_verdi"
    assert_names(err, "Bergen", "sosialhjelp")


def test_ambiguous_reference_text() -> None:
    err = raised(specs=[replace(SPEC["sfo_kost"], referanse_2="3")])
    assert err.code == "ugyldig_referanse"
    assert_names(err, None, "sfo_kost")


def test_relative_line_with_own_value_zero() -> None:
    err = raised(make_data({(OWN, "gruppestorrelse"): 0}))
    assert isinstance(err, InputError)
    assert err.code == "null_egen_verdi"
    assert_names(err, OWN, "gruppestorrelse")


@pytest.mark.parametrize(
    "bad,fragment",
    [("abc", "abc"), (True, "sannhetsverdi"), ("24.230", "24.230"), ("1,2,3", "1,2,3")],
)
def test_non_numeric_value(bad: object, fragment: str) -> None:
    err = raised(make_data({("Bergen", "sfo_kost"): bad}))
    assert isinstance(err, InputError)
    assert err.code == "ikke_tall"
    assert_names(err, "Bergen", "sfo_kost")
    assert fragment in str(err)


def test_numbers_as_norwegian_text() -> None:
    data = make_data(
        {
            (OWN, "sfo_kost"): "30 000",
            ("Bergen", "sfo_kost"): "29\u00a0000,0",
            (OWN, "gruppestorrelse"): "14,0",
            ("Bergen", "gruppestorrelse"): " 14,5 ",
            (OWN, "lonn"): "700 000",
        }
    )
    pd.testing.assert_frame_equal(table(data), table())


def test_duplicated_rows() -> None:
    data = make_data(extra=[("Bergen", YEAR, "sfo_kost", 29000)])
    err = raised(data)
    assert isinstance(err, InputError)
    assert err.code == "duplikat"
    assert_names(err, "Bergen", "sfo_kost")


def test_problems_in_several_lines_are_reported_together() -> None:
    data = make_data({(OWN, "sfo_kost"): "..", (OWN, "lonn"): 0})
    specs = [*SPECS, replace(SPEC["sfo_kost"], indikator="sfo_kostnad")]
    err = raised(data, specs)
    assert isinstance(err, InputErrors)
    assert sorted((e.code, e.context.indikator) for e in err) == [
        ("mangler_verdi", "sfo_kost"),
        ("ugyldig_volum", "gruppestorrelse"),
        ("ukjent_indikator", "sfo_kostnad"),
    ]
    assert len(err) == 3
    assert str(err).startswith("3 feil i inndata")
    for e in err:
        assert e.describe() in str(err)


def test_problems_in_one_line_are_reported_together() -> None:
    data = make_data({(OWN, "gruppestorrelse"): ":", (OWN, "lonn"): ".."})
    err = raised(data)
    assert isinstance(err, InputErrors)
    assert sorted(e.code for e in err) == ["mangler_verdi", "ugyldig_volum"]
    for e in err:
        assert_names(e, OWN, "gruppestorrelse")


def test_both_references_failing_are_reported_together() -> None:
    specs = [replace(SPEC["sfo_kost"], referanse_1="Bodø", referanse_2="9. beste")]
    err = raised(specs=specs)
    assert isinstance(err, InputErrors)
    assert sorted(e.code for e in err) == ["for_faa_kommuner", "ukjent_kommune"]


def test_data_problems_are_reported_together() -> None:
    data = make_data(
        {("Oslo", "sfo_kost"): "abc", ("Bergen", "sosialhjelp"): True},
        extra=[("Stavanger", YEAR, "sfo_kost", 1)],
    )
    err = raised(data)
    assert isinstance(err, InputErrors)
    assert sorted((e.code, e.context.kommune, e.context.indikator) for e in err) == [
        ("duplikat", "Stavanger", "sfo_kost"),
        ("ikke_tall", "Bergen", "sosialhjelp"),
        ("ikke_tall", "Oslo", "sfo_kost"),
    ]
    assert all(e.context.aar == YEAR for e in err)


def test_settings_problems_are_reported_together() -> None:
    settings = replace(
        SETTINGS,
        egen_kommune="Trondhjem",
        snitt=MeanOptions(exclude=("Oslo", "Bodø")),
    )
    err = raised(settings=settings)
    assert isinstance(err, InputErrors)
    assert sorted((e.code, e.context.kommune) for e in err) == [
        ("ukjent_kommune", "Bodø"),
        ("ukjent_kommune", "Trondhjem"),
    ]


def test_named_reference_with_surrounding_spaces() -> None:
    specs = [replace(SPEC["sosialhjelp"], referanse_2=" Bergen ")]
    assert table(specs=specs).at["sosialhjelp", "ref_2_kommune"] == "Bergen"


def test_named_reference_ignores_case() -> None:
    specs = [replace(SPEC["sosialhjelp"], referanse_2="bergen")]
    row = table(specs=specs).loc["sosialhjelp"]
    assert (row["ref_2_kommune"], row["referanse_2"]) == ("Bergen", 7000.0)
