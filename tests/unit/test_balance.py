"""Unit tests for kommuneokonomi.engine.balance, with hand-computed expectations."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from kommuneokonomi.engine.balance import (
    ADVARSEL,
    AVVIK,
    ENGANGSMIDLER,
    OK,
    CheckResult,
    financial_rule,
    one_off_financing,
    peer_table_summary,
    plan_balance,
    plan_balance_table,
    revision_balance,
    sum_check,
)
from kommuneokonomi.errors import InputError, InputErrors

# --------------------------------------------------------------------------------------------
# CheckResult
# --------------------------------------------------------------------------------------------


def test_check_result_is_frozen_and_has_ok() -> None:
    result = CheckResult("k", OK, 1.0, 1.0, 0.0, "f")
    assert result.ok
    assert not dataclasses.replace(result, status=AVVIK).ok
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.status = AVVIK  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# sum_check
# --------------------------------------------------------------------------------------------


def test_sum_check_ok() -> None:
    result = sum_check([1, 2, 3], stated_total=6, name="Tabell")
    assert result == CheckResult(
        kontroll="Tabell",
        status=OK,
        verdi=6.0,
        forventet=6.0,
        avvik=0.0,
        forklaring="Tabell: linjene summerer til 6, som stemmer med oppgitt sum 6.",
    )


def test_sum_check_decimal_lines() -> None:
    # 0.1 + 0.2 is 0.30000000000000004 in binary; fsum and the relative tolerance accept it.
    assert sum_check([0.1, 0.2], stated_total=0.3, name="x").status == OK


def test_sum_check_avvik() -> None:
    result = sum_check([1, 2, 3], stated_total=7, name="Tabell")
    assert result.status == AVVIK
    assert result.verdi == 6.0
    assert result.forventet == 7.0
    assert result.avvik == -1.0
    assert "summerer til 6" in result.forklaring
    assert "oppgitt sum er 7" in result.forklaring
    assert "avvik -1" in result.forklaring


def test_sum_check_tolerance() -> None:
    # 1.04 + 2.04 = 3.08 against a printed 3.1: off by 0.02
    assert sum_check([1.04, 2.04], stated_total=3.1, name="x").status == AVVIK
    result = sum_check([1.04, 2.04], stated_total=3.1, name="x", tolerance=0.05)
    assert result.status == OK
    assert result.avvik == pytest.approx(-0.02)


def test_sum_check_tolerance_boundary_is_inclusive() -> None:
    # 26.35 vs 26.4: exactly 0.05 in decimals, a hair more in binary
    assert sum_check([26.35], stated_total=26.4, name="x", tolerance=0.05).status == OK
    assert sum_check([26.34], stated_total=26.4, name="x", tolerance=0.05).status == AVVIK


def test_sum_check_negative_tolerance() -> None:
    with pytest.raises(InputError) as exc:
        sum_check([1], stated_total=1, name="x", tolerance=-0.1)
    assert exc.value.code == "negativ_verdi"
    assert "-0,1" in exc.value.message


def test_sum_check_empty() -> None:
    with pytest.raises(InputError) as exc:
        sum_check([], stated_total=0, name="Tabell")
    assert exc.value.code == "tom_serie"
    assert "Tabell" in exc.value.message


def test_sum_check_nan_line() -> None:
    with pytest.raises(InputError) as exc:
        sum_check([1.0, math.nan], stated_total=1, name="Tabell")
    assert exc.value.code == "mangler_verdi"
    assert "nr. 2" in exc.value.message


def test_sum_check_nan_total() -> None:
    with pytest.raises(InputError) as exc:
        sum_check([1.0], stated_total=math.nan, name="Tabell")
    assert exc.value.code == "mangler_verdi"


# --------------------------------------------------------------------------------------------
# revision_balance
# --------------------------------------------------------------------------------------------


def test_revision_balance_ok() -> None:
    result = revision_balance([5, 3, -8], name="Revisjon")
    assert result.status == OK
    assert (result.verdi, result.forventet, result.avvik) == (0.0, 0.0, 0.0)
    assert "økninger 8" in result.forklaring
    assert "-8" in result.forklaring
    assert "går i balanse" in result.forklaring


def test_revision_balance_uncovered() -> None:
    result = revision_balance([5, -3], name="Revisjon")
    assert result.status == AVVIK
    assert result.avvik == 2.0
    assert "mangler inndekning for 2" in result.forklaring


def test_revision_balance_surplus() -> None:
    result = revision_balance([3, -5], name="Revisjon")
    assert result.status == AVVIK
    assert result.avvik == -2.0
    assert "2 er ikke disponert" in result.forklaring


def test_revision_balance_tolerance() -> None:
    assert revision_balance([5.02, -5], name="r", tolerance=0.05).status == OK


# --------------------------------------------------------------------------------------------
# plan_balance
# --------------------------------------------------------------------------------------------


def budget_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "aar": [2021, 2020, 2020, 2021, 2022, 2022],
            "belop": [100.0, 100.0, -100.0, -87.5, 50.0, -60.0],
            "tjeneste": ["skole", "skole", "skatt", "skatt", "skole", "skatt"],
        }
    )


def test_plan_balance_per_year() -> None:
    results = plan_balance(budget_frame())
    assert [r.kontroll for r in results] == ["Balanse 2020", "Balanse 2021", "Balanse 2022"]
    assert [r.status for r in results] == [OK, AVVIK, AVVIK]
    assert [r.avvik for r in results] == [0.0, 12.5, -10.0]
    assert all(r.forventet == 0.0 for r in results)


def test_plan_balance_explains_deficit_and_surplus() -> None:
    _, deficit, surplus = plan_balance(budget_frame())
    assert "2021" in deficit.forklaring
    assert "udekket underskudd på 12,5" in deficit.forklaring
    assert "2022" in surplus.forklaring
    assert "udisponert/ikke fordelt overskudd på 10" in surplus.forklaring


def test_plan_balance_prefix_and_year_types() -> None:
    frame = pd.DataFrame({"aar": [2020.0, "2020"], "belop": [1.0, -1.0]})
    [result] = plan_balance(frame, name_prefix="Økonomiplan")
    assert result.kontroll == "Økonomiplan 2020"
    assert result.status == OK


def test_plan_balance_tolerance() -> None:
    frame = pd.DataFrame({"aar": [2020, 2020], "belop": [1.04, -1.0]})
    assert plan_balance(frame)[0].status == AVVIK
    assert plan_balance(frame, tolerance=0.05)[0].status == OK


def test_plan_balance_bad_year() -> None:
    frame = pd.DataFrame({"aar": ["tjue"], "belop": [1.0]})
    with pytest.raises(InputError) as exc:
        plan_balance(frame)
    assert exc.value.code == "ugyldig_aar"
    assert "'tjue'" in exc.value.message


def test_plan_balance_missing_amount_names_year() -> None:
    frame = pd.DataFrame({"aar": [2020, 2021], "belop": [1.0, math.nan]})
    with pytest.raises(InputError) as exc:
        plan_balance(frame)
    assert exc.value.code == "mangler_verdi"
    assert exc.value.context.aar == 2021


def test_plan_balance_missing_column() -> None:
    with pytest.raises(InputError) as exc:
        plan_balance(pd.DataFrame({"aar": [2020], "beløp": [1.0]}))
    assert exc.value.code == "mangler_kolonne"
    assert exc.value.context.kolonne == "belop"
    assert "'belop'" in exc.value.message


def test_plan_balance_empty() -> None:
    with pytest.raises(InputError) as exc:
        plan_balance(pd.DataFrame({"aar": [], "belop": []}))
    assert exc.value.code == "tom_tabell"


def test_plan_balance_not_a_frame() -> None:
    with pytest.raises(InputError) as exc:
        plan_balance([1, 2])  # type: ignore[arg-type]
    assert exc.value.code == "ikke_tabell"
    assert "list" in exc.value.message


def test_plan_balance_table() -> None:
    table = plan_balance_table(budget_frame())
    assert list(table.columns) == ["aar", "utgifter", "inntekter", "netto", "status"]
    assert table["aar"].tolist() == [2020, 2021, 2022]
    assert table["utgifter"].tolist() == [100.0, 100.0, 50.0]
    assert table["inntekter"].tolist() == [-100.0, -87.5, -60.0]
    assert table["netto"].tolist() == [0.0, 12.5, -10.0]
    assert table["status"].tolist() == [OK, AVVIK, AVVIK]


# --------------------------------------------------------------------------------------------
# one_off_financing
# --------------------------------------------------------------------------------------------


def measures(*rows: tuple[str, str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["tiltak", "varighet", "finansiering", "belop"])


def test_one_off_financing_all_ok() -> None:
    results = one_off_financing(
        measures(
            ("Flere lærere", "varig", "ramme", 10.0),
            ("Ny stilling", "varig", "omprioritering", 2.0),
            ("Engangskjøp PC", "engangs", "disposisjonsfond", 3.0),
            ("Jubileum", "engangs", "kraftfond", 1.0),
        )
    )
    assert len(results) == 1
    [summary] = results
    assert summary.status == OK
    assert summary.verdi == 0.0
    assert "4 tiltak kontrollert" in summary.forklaring


def test_one_off_financing_avvik_and_advarsel() -> None:
    results = one_off_financing(
        measures(
            ("Bo- og aktivitetstilbud", " Varig ", "Bruk av disposisjonsfond", 37.0),
            ("Skole", "varig", "ramme", 5.0),
            ("Kultur", "VARIG", "Avkastning kraftfondet", 4.0),
            ("Salg", "varig", "salgsinntekter", 3.0),
        )
    )
    summary, *rows = results
    assert summary.kontroll == "Engangsmidler til varig drift"
    assert summary.status == AVVIK
    assert summary.verdi == summary.avvik == 40.0  # 37 + 3; the kraftfond measure is a warning
    assert "2 varige tiltak på til sammen 40" in summary.forklaring
    assert "1 varig tiltak på til sammen 4" in summary.forklaring
    assert [(r.kontroll, r.status, r.verdi) for r in rows] == [
        ("Finansiering: Bo- og aktivitetstilbud", AVVIK, 37.0),
        ("Finansiering: Kultur", ADVARSEL, 4.0),
        ("Finansiering: Salg", AVVIK, 3.0),
    ]
    assert "Engangspenger kan ikke finansiere varige driftsutgifter" in rows[0].forklaring
    assert "børsen" in rows[1].forklaring


def test_one_off_financing_only_advarsel() -> None:
    summary, row = one_off_financing(measures(("Kultur", "varig", "kraftfond", 4.0)))
    assert summary.status == ADVARSEL
    assert summary.verdi == 0.0
    assert row.status == ADVARSEL


@pytest.mark.parametrize(
    "text",
    [*ENGANGSMIDLER, "Engangstilskudd", "bruk av  DISPOSISJONSFOND", "mindreforbruk 2018"],
)
def test_one_off_financing_recognises_one_off_money(text: str) -> None:
    summary, row = one_off_financing(measures(("T", "varig", text, 1.0)))
    assert summary.status == AVVIK
    assert row.status == AVVIK


def test_one_off_financing_unknown_duration_names_measure() -> None:
    with pytest.raises(InputError) as exc:
        one_off_financing(measures(("Nytt sykehjem", "permanent", "ramme", 1.0)))
    assert exc.value.code == "ukjent_varighet"
    assert "Nytt sykehjem" in exc.value.message
    assert "'permanent'" in exc.value.message


def test_one_off_financing_collects_problems() -> None:
    with pytest.raises(InputErrors) as exc:
        one_off_financing(
            measures(
                ("A", "", "ramme", 1.0),
                ("B", "varig", "", 1.0),
                ("C", "varig", "ramme", math.nan),
            )
        )
    assert [e.code for e in exc.value] == [
        "ukjent_varighet",
        "mangler_finansiering",
        "mangler_verdi",
    ]
    assert "'C'" in exc.value.errors[2].message


def test_one_off_financing_missing_column() -> None:
    frame = measures(("A", "varig", "ramme", 1.0)).drop(columns="varighet")
    with pytest.raises(InputError) as exc:
        one_off_financing(frame)
    assert exc.value.code == "mangler_kolonne"
    assert exc.value.context.kolonne == "varighet"


# --------------------------------------------------------------------------------------------
# financial_rule
# --------------------------------------------------------------------------------------------


def test_financial_rule_minst() -> None:
    low = financial_rule(0.016, limit=0.0175, direction="minst", name="Netto driftsresultat")
    assert low.status == AVVIK
    assert low.avvik == pytest.approx(-0.0015)
    assert low.forklaring == (
        "Netto driftsresultat er 1,6 %, men skal være minst 1,75 %: 0,15 prosentpoeng under "
        "grensen."
    )
    high = financial_rule(0.02, limit=0.0175, direction="minst", name="Netto driftsresultat")
    assert high.status == OK
    assert "0,25 prosentpoeng over grensen" in high.forklaring


def test_financial_rule_at_limit_passes() -> None:
    for direction in ("minst", "høyst"):
        result = financial_rule(0.0175, limit=0.0175, direction=direction, name="x")
        assert result.status == OK
        assert "regelen er oppfylt." in result.forklaring


@pytest.mark.parametrize("direction", ["høyst", "hoyst", " HØYST ", "Hoyst"])
def test_financial_rule_hoyst(direction: str) -> None:
    over = financial_rule(2.0, limit=1.5, direction=direction, name="Gjeldsgrad")
    assert over.status == AVVIK
    assert "skal være høyst 150 %" in over.forklaring
    assert financial_rule(1.2, limit=1.5, direction=direction, name="Gjeldsgrad").ok


def test_financial_rule_amounts() -> None:
    result = financial_rule(
        1200.0, limit=1500.0, direction="minst", name="Fondsbeholdning", as_percent=False
    )
    assert result.status == AVVIK
    assert result.forklaring == (
        "Fondsbeholdning er 1 200, men skal være minst 1 500: 300 under grensen."
    )


def test_financial_rule_unknown_direction() -> None:
    with pytest.raises(InputError) as exc:
        financial_rule(0.02, limit=0.0175, direction="over", name="Netto driftsresultat")
    assert exc.value.code == "ukjent_retning"
    assert "'over'" in exc.value.message


def test_financial_rule_nan_value() -> None:
    with pytest.raises(InputError) as exc:
        financial_rule(math.nan, limit=0.0175, direction="minst", name="Netto driftsresultat")
    assert exc.value.code == "mangler_verdi"


# --------------------------------------------------------------------------------------------
# peer_table_summary
# --------------------------------------------------------------------------------------------


def peers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kommune": ["A", "B", "C", "A", "B", "C"],
            "aar": [2021, 2021, 2021, 2020, 2020, 2020],
            "verdi": [10.0, 40.0, 10.0, 10.0, 20.0, 30.0],
        }
    )


def test_peer_table_summary_by_hand() -> None:
    table = peer_table_summary(peers(), own="B")
    assert list(table.columns) == [
        "aar",
        "egen_verdi",
        "snitt_med_egen",
        "snitt_uten_egen",
        "rang",
        "avvik_fra_snitt_med_egen",
        "avvik_fra_snitt_uten_egen",
        "antall",
    ]
    rows = table.to_dict(orient="records")
    # 2020: 10, 20, 30 -> mean 20 with B, 20 without; B is 2nd highest
    assert rows[0] == {
        "aar": 2020,
        "egen_verdi": 20.0,
        "snitt_med_egen": 20.0,
        "snitt_uten_egen": 20.0,
        "rang": 2,
        "avvik_fra_snitt_med_egen": 0.0,
        "avvik_fra_snitt_uten_egen": 0.0,
        "antall": 3,
    }
    # 2021: 10, 40, 10 -> mean 20 with B, 10 without; B is highest
    assert rows[1] == {
        "aar": 2021,
        "egen_verdi": 40.0,
        "snitt_med_egen": 20.0,
        "snitt_uten_egen": 10.0,
        "rang": 1,
        "avvik_fra_snitt_med_egen": 20.0,
        "avvik_fra_snitt_uten_egen": 30.0,
        "antall": 3,
    }
    assert str(table["aar"].dtype) == "int64"
    assert str(table["rang"].dtype) == "int64"


def test_peer_table_summary_ties_share_best_rank() -> None:
    frame = pd.DataFrame({"kommune": ["A", "B", "C"], "aar": [2020] * 3, "verdi": [5, 5, 1]})
    assert peer_table_summary(frame, own="B")["rang"].tolist() == [1]


def test_peer_table_summary_own_is_case_insensitive() -> None:
    assert peer_table_summary(peers(), own=" b ")["egen_verdi"].tolist() == [20.0, 40.0]


def test_peer_table_summary_only_own() -> None:
    frame = pd.DataFrame({"kommune": ["A"], "aar": [2020], "verdi": [5.0]})
    row = peer_table_summary(frame, own="A").iloc[0]
    assert row["snitt_med_egen"] == 5.0
    assert math.isnan(row["snitt_uten_egen"])
    assert row["rang"] == 1
    assert row["antall"] == 1


def test_peer_table_summary_unknown_own() -> None:
    with pytest.raises(InputError) as exc:
        peer_table_summary(peers(), own="Trondheim")
    assert exc.value.code == "ukjent_kommune"
    assert "'Trondheim'" in exc.value.message
    assert "A, B, C" in exc.value.message


def test_peer_table_summary_duplicate() -> None:
    frame = pd.concat([peers(), peers().iloc[[0]]])
    with pytest.raises(InputError) as exc:
        peer_table_summary(frame, own="B")
    assert exc.value.code == "duplikat"
    assert exc.value.context.kommune == "A"
    assert exc.value.context.aar == 2021


def test_peer_table_summary_own_missing_a_year() -> None:
    frame = peers().iloc[1:]  # drops A 2021
    with pytest.raises(InputError) as exc:
        peer_table_summary(frame, own="A")
    assert exc.value.code == "mangler_verdi"
    assert exc.value.context.aar == 2021


def test_peer_table_summary_nan_value() -> None:
    frame = peers()
    frame.loc[2, "verdi"] = math.nan
    with pytest.raises(InputError) as exc:
        peer_table_summary(frame, own="B")
    assert exc.value.code == "mangler_verdi"
    assert exc.value.context.kommune == "C"
    assert exc.value.context.aar == 2021


def test_peer_table_summary_missing_column() -> None:
    with pytest.raises(InputError) as exc:
        peer_table_summary(peers().drop(columns="aar"), own="B")
    assert exc.value.code == "mangler_kolonne"
