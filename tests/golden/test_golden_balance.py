"""Golden tests: the balance checks reproduce the sums and the ASSS table printed in S (2019)."""

from __future__ import annotations

import pandas as pd
import pytest

from kommuneokonomi.engine.balance import (
    OK,
    peer_table_summary,
    plan_balance,
    revision_balance,
    sum_check,
)

from .figures_keyfigures import (
    ASSS_TABLE,
    ASSS_YEARS,
    OKONOMIRAPPORT_INNDEKNING,
    OKONOMIRAPPORT_OKNINGER,
    OWN,
    REVISION,
    SNITT_ASSS,
    SNITT_UTEN_EGEN_2015,
    SUMS,
    TRONDHEIM_RANG,
    Printed,
)

pytestmark = pytest.mark.golden


def assert_printed(computed: float, printed: Printed) -> None:
    """The computed figure lies within the printed figure's tolerance."""
    assert abs(computed - printed.value) <= printed.tolerance, (
        f"{printed.source}: printed «{printed.text}» = {printed.value} ± {printed.tolerance}, "
        f"computed {computed}"
    )


@pytest.mark.parametrize(("name", "lines", "printed"), SUMS)
def test_printed_sums(name: str, lines: tuple[float, ...], printed: Printed) -> None:
    result = sum_check(lines, stated_total=printed.value, name=name)
    assert result.status == OK, result.forklaring
    assert_printed(result.verdi, printed)
    assert result.kontroll == name


@pytest.mark.parametrize(("name", "changes", "printed"), [REVISION])
def test_revision_nets_to_zero(name: str, changes: tuple[float, ...], printed: Printed) -> None:
    result = revision_balance(changes, name=name)
    assert result.status == OK, result.forklaring
    assert_printed(result.verdi, printed)


def test_revision_as_one_year_plan_balances() -> None:
    # S: "Sum 90 −90" -> as a 2019 budget frame the revision balances.
    lines = OKONOMIRAPPORT_OKNINGER + OKONOMIRAPPORT_INNDEKNING
    budget = pd.DataFrame({"aar": [2019] * len(lines), "belop": list(lines)})
    [result] = plan_balance(budget)
    assert result.status == OK
    assert result.kontroll == "Balanse 2019"


def asss_long() -> pd.DataFrame:
    """S's ASSS table in long format (kommune, aar, verdi)."""
    return pd.DataFrame(
        [
            {"kommune": kommune, "aar": aar, "verdi": float(value)}
            for kommune, values in ASSS_TABLE.items()
            for aar, value in zip(ASSS_YEARS, values, strict=True)
        ]
    )


def summary_row(aar: int) -> pd.Series:
    summary = peer_table_summary(asss_long(), own=OWN)
    [row] = [r for _, r in summary.iterrows() if r["aar"] == aar]
    return row


@pytest.mark.parametrize(("aar", "printed"), SNITT_ASSS)
def test_snitt_asss_includes_own(aar: int, printed: Printed) -> None:
    row = summary_row(aar)
    assert_printed(row["snitt_med_egen"], printed)
    # S prints whole kroner: rounding the mean gives exactly the printed figure.
    assert round(row["snitt_med_egen"]) == printed.value
    assert row["antall"] == 10
    assert row["egen_verdi"] == ASSS_TABLE[OWN][ASSS_YEARS.index(aar)]


@pytest.mark.parametrize(("aar", "printed"), [SNITT_UTEN_EGEN_2015])
def test_snitt_without_own(aar: int, printed: Printed) -> None:
    assert_printed(summary_row(aar)["snitt_uten_egen"], printed)


@pytest.mark.parametrize(("aar", "printed"), TRONDHEIM_RANG)
def test_trondheim_rank(aar: int, printed: Printed) -> None:
    assert summary_row(aar)["rang"] == printed.value
