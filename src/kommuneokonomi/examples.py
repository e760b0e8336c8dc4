"""The bundled example data: the 2007 reconstruction of the 2008 Trondheim report.

The CSV files in ``data/asss2007`` are RECONSTRUCTED FROM THE REPORT, NOT OFFICIAL KOSTRA
FIGURES: each row's ``grunnlag`` column quotes the sentence the value rests on (see
``scripts/rekonstruer_asss_2007.py``). This module only reads them into engine inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import pandas as pd

from .engine.savings import IndicatorSpec, SavingsSettings, indicators_from_frame
from .errors import InputError
from .request import parse_request
from .workbook import layout as L
from .workbook.tables import RawTable, ReadTable, to_frame

__all__ = ["SavingsExample", "load_asss_2007", "settings_from_pairs"]


@dataclass(frozen=True)
class SavingsExample:
    """Everything a savings analysis needs, as engine inputs."""

    data: pd.DataFrame
    indicators: list[IndicatorSpec]
    settings: SavingsSettings
    kommuner: pd.DataFrame


def _read(name: str) -> pd.DataFrame:
    ref = resources.files("kommuneokonomi") / "data" / "asss2007" / name
    with resources.as_file(ref) as path:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def _table(spec: L.TableSpec, rows: list[list[object]]) -> ReadTable:
    """Rows from a CSV file read as the workbook's table ``spec``."""
    raw = RawTable(name=spec.name, sheet=spec.sheet, top=1, left=1, headers=spec.headers, rows=rows)
    return to_frame(raw, spec)


def settings_from_pairs(pairs: dict[str, str], kommuner: pd.DataFrame) -> SavingsSettings:
    """:class:`SavingsSettings` from the ``Innstilling``/``Verdi`` pairs and the ``Kommuner``
    table (kommune, kommunenummer, gruppe), read by the same parser as a workbook's
    ``tblInnstillinger`` (:func:`kommuneokonomi.request.parse_request`)."""
    settings = _table(L.INNSTILLINGER, [[k, v] for k, v in pairs.items()])
    columns = [c.name for c in L.KOMMUNER.columns]
    groups = _table(L.KOMMUNER, kommuner.reindex(columns=columns).values.tolist())
    request = parse_request(settings, groups)
    if request.egen_kommune is None:
        raise InputError("eksempelet gjelder én kommune, ikke 'Alle'", code="ugyldig_eksempel")
    return request.for_kommune(request.egen_kommune)


def load_asss_2007() -> SavingsExample:
    """Load the bundled 2007 reconstruction (R, Tabell 4-10) as engine inputs."""
    kommuner = _read("kommuner.csv")
    table = _read("innstillinger.csv")
    pairs = {str(k): str(v) for k, v in zip(table["innstilling"], table["verdi"], strict=True)}
    return SavingsExample(
        data=_read("data.csv"),
        indicators=indicators_from_frame(_read("indikatorer.csv")),
        settings=settings_from_pairs(pairs, kommuner),
        kommuner=kommuner,
    )
