"""The bundled example data: the 2007 reconstruction of the 2008 Trondheim report.

The CSV files in ``data/asss2007`` are RECONSTRUCTED FROM THE REPORT, NOT OFFICIAL KOSTRA
FIGURES: each row's ``grunnlag`` column quotes the sentence the value rests on (see
``scripts/rekonstruer_asss_2007.py``). This module only reads them into engine inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import pandas as pd

from .engine.references import MeanOptions
from .engine.savings import IndicatorSpec, SavingsSettings, indicators_from_frame
from .errors import InputError

__all__ = ["SavingsExample", "load_asss_2007", "settings_from_pairs"]

_YES = {"ja", "j", "yes", "sann", "true", "1"}
_NO = {"nei", "n", "no", "usann", "false", "0", ""}


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


def settings_from_pairs(pairs: dict[str, str], kommuner: pd.DataFrame) -> SavingsSettings:
    """Build :class:`SavingsSettings` from the ``Innstilling``/``Verdi`` pairs of the
    ``Innstillinger`` table and the ``Kommuner`` table (kommune, gruppe)."""

    def get(key: str, default: str = "") -> str:
        return str(pairs.get(key, default)).strip()

    group = get("Sammenligningsgruppe")
    members = kommuner.loc[kommuner["gruppe"].astype(str).str.strip() == group, "kommune"]
    if members.empty:
        raise InputError(
            f"sammenligningsgruppen '{group}' har ingen kommuner", code="ukjent_gruppe"
        )
    year_text = get("År")
    if not year_text.isdigit():
        raise InputError(f"året '{year_text}' er ikke et helt årstall", code="ugyldig_aar")
    include = get("Snitt: ta med egen kommune", "Nei").lower()
    if include not in _YES | _NO:
        raise InputError(f"'{include}' er ikke Ja eller Nei", code="ugyldig_ja_nei")
    exclude = tuple(x.strip() for x in get("Snitt: utelat").split(",") if x.strip())
    weight = get("Snitt: vekt") or None
    return SavingsSettings(
        egen_kommune=get("Egen kommune"),
        aar=int(year_text),
        kommuner=tuple(str(k).strip() for k in members),
        referanse_1=get("Referanse 1", "snitt") or "snitt",
        referanse_2=get("Referanse 2", "3. beste") or "3. beste",
        snitt=MeanOptions(
            include_own=include in _YES, exclude=exclude, weighted=weight is not None
        ),
        snitt_vekt=weight,
    )


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
