"""The trend per savings line (issue 13, point 5): the own value year by year next to the plain
mean of the others in the group; missing stays missing."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kommuneokonomi.engine.trend import trend_table


def _data(rows: list[tuple[str, int, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["kommune", "aar", "indikator", "verdi"])


def test_the_mean_of_the_others_by_hand() -> None:
    data = _data(
        [
            ("Trondheim", 2023, "kost", 120.0),
            ("Bergen", 2023, "kost", 100.0),
            ("Oslo", 2023, "kost", 80.0),
            ("Utenfor", 2023, "kost", 1.0),  # not in the group: never in the mean
            ("Trondheim", 2024, "kost", math.nan),  # missing own value
            ("Bergen", 2024, "kost", 110.0),
            ("Oslo", 2024, "kost", math.nan),
            ("Trondheim", 2024, "annen", 5.0),  # not a line
        ]
    )
    trend = trend_table(data, [("kost", "Kostnad")], "Trondheim", ["Trondheim", "Bergen", "Oslo"])
    assert list(trend["aar"]) == [2023, 2024]
    first, second = trend.to_dict("records")
    assert first["egen_verdi"] == 120.0 and first["snitt_andre"] == pytest.approx(90.0)
    assert first["antall"] == 2 and first["navn"] == "Kostnad"
    assert math.isnan(second["egen_verdi"])
    assert second["snitt_andre"] == 110.0 and second["antall"] == 1


def test_names_are_identities_and_no_peer_gives_no_mean() -> None:
    data = _data([("trondheim ", 2024, "KOST", 1.0), ("Trondheim", 2023, "kost", 2.0)])
    trend = trend_table(data, [("kost", "K")], "Trondheim", ["Trondheim", "Bergen"])
    assert list(trend["egen_verdi"]) == [2.0, 1.0]
    assert trend["snitt_andre"].isna().all() and list(trend["antall"]) == [0, 0]
