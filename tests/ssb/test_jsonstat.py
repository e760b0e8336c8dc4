"""The JSON-stat2 decoder: the real SSB response for table 07221 and hand-built datasets."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from kommuneokonomi.ssb.errors import FetchError
from kommuneokonomi.ssb.jsonstat import parse_dataset

from .server import kostra_12134

FIXTURES = Path(__file__).parent / "fixtures"
REAL = FIXTURES / "table07221_response.json"


@pytest.fixture(scope="module")
def real() -> Any:
    return parse_dataset(REAL.read_bytes())


def test_real_response_dimensions_and_labels(real: Any) -> None:
    assert real.ids == ("Region", "Boligtype", "ContentsCode", "Tid")
    assert real.size == (12, 3, 1, 8)
    assert real.label.startswith("07221: Prisindeks for brukte boliger")
    assert real.source == "Statistisk sentralbyrå"
    assert real.updated == "2024-01-12T07:00:00Z"
    region = real.dimension("Region")
    assert region.codes[:3] == ("TOTAL", "001", "002")
    assert region.label_of("004") == "Trondheim"
    assert real.dimension("Boligtype").labels == ("Eneboliger", "Småhus", "Blokkleiligheter")
    assert real.dimension("Tid").codes[0] == "2022K1"
    assert real.dimension("Tid").codes[-1] == "2023K4"
    assert any(".." in note for note in real.notes)


# (Region, Boligtype, Tid) -> value, read off the file by position ((r*3 + b)*8 + t)
SPOT = [
    ("TOTAL", "01", "2022K1", 136.2),  # position 0
    ("TOTAL", "03", "2023K4", 145.4),  # 23
    ("003", "02", "2023K1", 126.6),  # 84: Bergen, småhus
    ("004", "01", "2022K4", 133.7),  # 99: Trondheim, eneboliger
    ("009", "01", "2022K1", 119.1),  # 216
    ("010", "03", "2023K2", 139.0),  # 261
    ("011", "03", "2023K4", 134.6),  # 287: the last cell
]


@pytest.mark.parametrize(("region", "type_", "quarter", "expected"), SPOT)
def test_real_response_values(
    real: Any, region: str, type_: str, quarter: str, expected: float
) -> None:
    value, status = real.cell(
        Region=region, Boligtype=type_, ContentsCode="Boligindeks", Tid=quarter
    )
    assert value == expected
    assert status is None


def test_real_response_missing_value_has_status_and_no_number(real: Any) -> None:
    # position 176: Innlandet (007), småhus (02), 2022K1 is null with status ".."
    value, status = real.cell(
        Region="007", Boligtype="02", ContentsCode="Boligindeks", Tid="2022K1"
    )
    assert math.isnan(value)
    assert status == ".."


def test_real_response_as_long_frame(real: Any) -> None:
    frame = real.frame()
    assert len(frame) == 12 * 3 * 8
    assert list(frame.columns) == [
        "Region",
        "Region_label",
        "Boligtype",
        "Boligtype_label",
        "ContentsCode",
        "ContentsCode_label",
        "Tid",
        "Tid_label",
        "value",
        "status",
    ]
    # row-major: the last dimension (Tid) varies fastest
    assert list(frame["Tid"][:8]) == [f"{y}K{q}" for y in (2022, 2023) for q in (1, 2, 3, 4)]
    assert frame.loc[8, "Boligtype"] == "02"
    row = frame.loc[99]
    assert (row["Region"], row["Region_label"], row["Boligtype"], row["Tid"]) == (
        "004",
        "Trondheim",
        "01",
        "2022K4",
    )
    assert row["value"] == 133.7
    missing = frame[frame["status"].notna()]
    assert len(missing) == 24
    assert set(missing["status"]) == {".."}
    assert missing["value"].isna().all()
    # every null value is one of those with a status, and no status sits on a number
    assert frame["value"].isna().sum() == 24
    raw = json.loads(REAL.read_text(encoding="utf-8"))
    assert [None if math.isnan(x) else x for x in frame["value"]] == raw["value"]


def test_kostra_shaped_dataset_with_status_symbols() -> None:
    table = kostra_12134()
    chosen = {
        "KOKkommuneregion0000": ["4601", "EKG12", "1103", "0301"],
        "ContentsCode": ["KOSAGD230000", "KOSAGD100000"],
        "Tid": ["2018", "2019", "2023", "2024"],
    }
    ds = parse_dataset(json.dumps(table.dataset(chosen)))
    assert ds.ids == ("KOKkommuneregion0000", "ContentsCode", "Tid")
    # the table's order, not the query's
    assert ds.dimension("KOKkommuneregion0000").codes == ("EKG12", "0301", "1103", "4601")
    nd = "KOSAGD230000"
    assert ds.cell(KOKkommuneregion0000="4601", ContentsCode=nd, Tid="2024") == (-2.4, None)
    assert ds.cell(KOKkommuneregion0000="EKG12", ContentsCode=nd, Tid="2023") == (1.6, None)
    value, status = ds.cell(KOKkommuneregion0000="1103", ContentsCode=nd, Tid="2019")
    assert math.isnan(value) and status == ":"
    value, status = ds.cell(KOKkommuneregion0000="0301", ContentsCode="KOSAGD100000", Tid="2018")
    assert math.isnan(value) and status == ".."
    # Bergen's new number did not exist in 2018: "." (cannot occur)
    value, status = ds.cell(KOKkommuneregion0000="4601", ContentsCode=nd, Tid="2018")
    assert math.isnan(value) and status == "."
    frame = ds.frame()
    assert frame["KOKkommuneregion0000_label"].iloc[0] == "Kostragruppe 12"
    assert frame["status"].iloc[0] is None


def _minimal(**changes: Any) -> dict[str, Any]:
    ds: dict[str, Any] = {
        "version": "2.0",
        "class": "dataset",
        "id": ["A", "Tid"],
        "size": [2, 2],
        "dimension": {
            "A": {"label": "a", "category": {"index": ["x", "y"], "label": {"x": "X", "y": "Y"}}},
            "Tid": {"category": {"index": {"2020": 0, "2021": 1}}},
        },
        "value": [1, 2.5, None, 4],
        "status": ["", None, "..", None],
    }
    ds.update(changes)
    return ds


def test_index_as_list_status_as_list_and_labels_default_to_codes() -> None:
    ds = parse_dataset(_minimal())
    assert ds.dimension("A").codes == ("x", "y")
    assert ds.dimension("Tid").labels == ("2020", "2021")
    assert ds.values[1] == 2.5
    assert math.isnan(ds.values[2])
    assert ds.status[2] == ".."


def test_sparse_values_and_single_status_string() -> None:
    ds = parse_dataset(_minimal(value={"0": 1, "3": 4}, status="e"))
    assert ds.values[0] == 1.0 and math.isnan(ds.values[1]) and ds.values[3] == 4.0
    assert set(ds.status) == {"e"}


def test_single_category_given_by_label_only() -> None:
    ds = parse_dataset(
        _minimal(
            id=["A"],
            size=[1],
            dimension={"A": {"category": {"label": {"only": "Eneste"}}}},
            value=[7],
            status=None,
        )
    )
    assert ds.dimension("A").codes == ("only",)
    assert ds.frame()["A_label"].tolist() == ["Eneste"]


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        (b"{not json", "ikke gyldig JSON"),
        (b"<html>Service Unavailable</html>", "ikke gyldig JSON"),
        (b"[1, 2]", "ikke et JSON-objekt"),
        (json.dumps(_minimal(**{"class": "collection"})), "klassen"),
        (json.dumps(_minimal(id=None)), "mangler 'id'"),
        (json.dumps(_minimal(size=[2])), "'size' har 1"),
        (json.dumps(_minimal(size=[3, 2])), "har 2 kategorier, men 'size' sier 3"),
        (json.dumps(_minimal(value=[1, 2, 3])), "'value' har 3 verdier"),
        (json.dumps(_minimal(value=[1, "x", 3, 4])), "ikke et tall"),
        (json.dumps(_minimal(status={"9": ".."})), "cellenummer 9"),
        (
            json.dumps(_minimal(dimension={"A": {"category": {"index": ["x", "y"]}}})),
            "'Tid' mangler",
        ),
    ],
)
def test_malformed_datasets_are_rejected_in_norwegian(source: Any, fragment: str) -> None:
    with pytest.raises(FetchError) as info:
        parse_dataset(source)
    assert info.value.code == "ssb_ugyldig_svar"
    assert fragment in info.value.message
