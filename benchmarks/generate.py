"""Generate realistic national savings workbooks for the benchmarks.

356 municipalities in 16 KOSTRA-like groups, 200 indicators of the engine's types (unit costs
where lower is better, payments and group sizes where higher is better, absolute and relative
pricing) with 10 volume indicators, over 10 years: about 712 000 value rows in tblData at full
scale, with KOSTRA-like gaps (about 3 % missing, written as SSB's symbols). ``scale`` shrinks the
number of indicators (1/10: 20 indicators, 71 200 rows) so groups keep their real size.

The data are synthetic (seeded, reproducible); nothing here is KOSTRA.

Usage: ``python benchmarks/generate.py OUT.xlsx [--scale 0.1] [--seed 1]``
"""

from __future__ import annotations

import argparse
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kommuneokonomi.workbook.layout import TableSpec

N_KOMMUNER = 356
N_GROUPS = 16
N_INDICATORS = 200
N_VOLUMES = 10
YEARS = tuple(range(2015, 2025))
SECTORS = (
    "Grunnskole",
    "Barnehage",
    "Pleie og omsorg",
    "Sosialhjelp",
    "Barnevern",
    "Administrasjon",
    "Kultur",
    "Tekniske tjenester",
)
MISSING_SYMBOLS = ("..", ":", ".", "...")


@dataclass(frozen=True)
class National:
    """A generated national dataset in the workbook contract's shape (engine column names)."""

    kommuner: pd.DataFrame  # kommune, kommunenummer, gruppe
    indikatorer: pd.DataFrame  # indikator, navn, sektor, enhet, beste, beregning, volum, faktor
    data: pd.DataFrame  # kommune, aar, indikator, verdi (float or a missing symbol)
    own: str
    year: int


def generate(*, scale: float = 1.0, seed: int = 1) -> National:
    """Build the dataset in memory. ``scale`` multiplies the number of indicators."""
    rng = np.random.default_rng(seed)
    n_ind = max(2, round(N_INDICATORS * scale))
    names = [f"Kommune {i:03d}" for i in range(1, N_KOMMUNER + 1)]
    group_of = [f"EKG{(i % N_GROUPS) + 1:02d}" for i in range(N_KOMMUNER)]
    kommuner = pd.DataFrame(
        {
            "kommune": names,
            "kommunenummer": [f"{5000 + i}" for i in range(N_KOMMUNER)],
            "gruppe": group_of,
        }
    )
    size = rng.lognormal(mean=9.0, sigma=1.1, size=N_KOMMUNER)  # inhabitants-like
    volumes = [f"volum_{j:02d}" for j in range(N_VOLUMES)]
    ind_ids = [f"ind_{j:03d}" for j in range(n_ind)]
    beste = rng.choice(["lav", "høy"], size=n_ind, p=[0.8, 0.2])
    beregning = rng.choice(["absolutt", "relativ"], size=n_ind, p=[0.85, 0.15])
    indikatorer = pd.DataFrame(
        {
            "indikator": ind_ids,
            "navn": [f"Indikator {j:03d}" for j in range(n_ind)],
            "sektor": [SECTORS[j % len(SECTORS)] for j in range(n_ind)],
            "enhet": ["kr per bruker"] * n_ind,
            "beste": beste,
            "beregning": beregning,
            "volum": [volumes[j % N_VOLUMES] for j in range(n_ind)],
            "faktor": np.where(beregning == "relativ", 1000.0, 1.0),
        }
    )
    n_years = len(YEARS)
    # values: an indicator level, a municipality effect and noise, drifting 2-4 % a year
    level = rng.uniform(50, 50_000, size=n_ind)
    effect = rng.normal(0, 0.12, size=N_KOMMUNER)
    growth = rng.uniform(0.02, 0.04, size=n_ind)
    k_idx, y_idx, i_idx = np.meshgrid(
        np.arange(N_KOMMUNER), np.arange(n_years), np.arange(n_ind), indexing="ij"
    )
    k_idx, y_idx, i_idx = k_idx.ravel(), y_idx.ravel(), i_idx.ravel()
    noise = rng.normal(0, 0.05, size=k_idx.size)
    values = level[i_idx] * (1 + growth[i_idx]) ** y_idx * np.exp(effect[k_idx] + noise)
    values = np.round(values, 1)
    data = pd.DataFrame(
        {
            "kommune": np.asarray(names, dtype=object)[k_idx],
            "aar": np.asarray(YEARS)[y_idx],
            "indikator": np.asarray(ind_ids, dtype=object)[i_idx],
            "verdi": values.astype(object),
        }
    )
    gaps = rng.random(len(data)) < 0.03
    symbols = rng.choice(MISSING_SYMBOLS, size=int(gaps.sum()))
    # the own municipality has all its figures for the analysis year (the last), as an
    # adviser's own data do; its earlier years and every other municipality keep their gaps
    own_year = (k_idx == 0) & (y_idx == n_years - 1)
    data.loc[gaps & ~own_year, "verdi"] = symbols[~own_year[gaps]]
    kv, yv, vv = np.meshgrid(
        np.arange(N_KOMMUNER), np.arange(n_years), np.arange(N_VOLUMES), indexing="ij"
    )
    kv, yv, vv = kv.ravel(), yv.ravel(), vv.ravel()
    vol_values = np.round(size[kv] * rng.uniform(0.05, 1.0, size=N_VOLUMES)[vv] * (1.01**yv))
    vol = pd.DataFrame(
        {
            "kommune": np.asarray(names, dtype=object)[kv],
            "aar": np.asarray(YEARS)[yv],
            "indikator": np.asarray(volumes, dtype=object)[vv],
            "verdi": np.maximum(vol_values, 1).astype(object),
        }
    )
    return National(
        kommuner=kommuner,
        indikatorer=indikatorer,
        data=pd.concat([data, vol], ignore_index=True),
        own=names[0],
        year=YEARS[-1],
    )


def write_workbook(
    national: National,
    path: Path,
    *,
    own: str | None = None,
    one_group: str | None = None,
    writer: str = "xlsxwriter",
) -> Path:
    """Write the dataset as a savings workbook (the contract's named tables).

    ``writer`` is ``xlsxwriter`` (shared strings, as Excel stores text) or ``openpyxl``
    (inline strings per cell, as a user's script would save it).

    By default ``Egen kommune`` is ``Alle`` with a blank ``Sammenligningsgruppe``: every
    municipality against its own (KOSTRA-like) group. ``own`` sets one municipality instead;
    ``one_group`` puts every municipality in that one group and chooses it as the
    ``Sammenligningsgruppe`` (one municipality against all 356, the common real use).
    """
    import xlsxwriter  # a benchmark tool, not a runtime dependency

    from kommuneokonomi.workbook import layout as L

    kommuner = national.kommuner
    if one_group is not None:
        kommuner = kommuner.assign(gruppe=one_group)
    settings = [
        ("Egen kommune", own or "Alle"),
        ("År", national.year),
        ("Sammenligningsgruppe", one_group or ""),
        ("Referanse 1", "snitt"),
        ("Referanse 2", "3. beste"),
        ("Snitt: ta med egen kommune", "Nei"),
        ("Snitt: utelat", ""),
        ("Snitt: vekt", ""),
    ]
    tables = [
        (L.INNSTILLINGER, [list(r) for r in settings]),
        (L.KOMMUNER, kommuner[["kommune", "kommunenummer", "gruppe"]].values.tolist()),
        (
            L.INDIKATORER,
            national.indikatorer.assign(referanse_1="", referanse_2="", behov="", kvalitet="")[
                [c.name for c in L.INDIKATORER.columns]
            ].values.tolist(),
        ),
        (L.DATA, national.data[["kommune", "aar", "indikator", "verdi"]].values.tolist()),
    ]
    if writer == "openpyxl":
        return _write_openpyxl(tables, path)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": False, "strings_to_numbers": False})
    for spec, rows in tables:
        ws = wb.add_worksheet(spec.sheet)
        last_row = max(len(rows), 1)
        ws.add_table(
            0,
            0,
            last_row,
            len(spec.columns) - 1,
            {
                "name": spec.name,
                "data": rows,
                "columns": [{"header": c.header} for c in spec.columns],
                "style": "Table Style Medium 2",
            },
        )
    wb.close()
    return path


def _write_openpyxl(tables: list[tuple[TableSpec, list[list[object]]]], path: Path) -> Path:
    """The same tables saved by openpyxl in write-only mode (a table per sheet)."""
    import openpyxl
    from openpyxl.worksheet.table import Table, TableStyleInfo

    from kommuneokonomi.workbook.tables import cell_address

    wb = openpyxl.Workbook(write_only=True)
    for spec, rows in tables:
        ws = wb.create_sheet(spec.sheet)
        table = Table(
            displayName=spec.name,
            ref=f"A1:{cell_address(max(len(rows), 1) + 1, len(spec.columns))}",
        )
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        table._initialise_columns()
        for column, c in zip(table.tableColumns, spec.columns, strict=True):
            column.name = c.header
        with warnings.catch_warnings():  # the columns are named above, as write-only needs
            warnings.simplefilter("ignore", UserWarning)
            ws.add_table(table)
        ws.append(spec.headers)
        for row in rows:
            ws.append([None if v == "" else v for v in row])
        if not rows:
            ws.append([None] * len(spec.columns))
    wb.save(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--writer", choices=("xlsxwriter", "openpyxl"), default="xlsxwriter")
    parser.add_argument("--egen", help="one municipality instead of Alle")
    parser.add_argument("--en-gruppe", help="every municipality in this one group")
    args = parser.parse_args()
    national = generate(scale=args.scale, seed=args.seed)
    write_workbook(national, args.out, own=args.egen, one_group=args.en_gruppe, writer=args.writer)
    print(f"{args.out}: {len(national.data)} rader i tblData")


if __name__ == "__main__":
    main()
