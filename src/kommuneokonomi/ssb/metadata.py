"""A table's metadata from PxWebApi v2: its title, variables and codes.

``hent`` reads each table's metadata before any data (cached like the data, replayed with
``--offline``) and reports an unknown contents code, variable or selection value at its
tblHenting cell with the codes the table does have, instead of SSB's HTTP 400.
``kommuneokonomi tabell NUMMER`` prints the same, so a user can write a tblHenting row or
extend the catalogue.

The metadata comes as JSON-stat2 (``GET tables/{id}/metadata?outputFormat=json-stat2``):
``label`` is the title, ``id`` the variables in order, and ``dimension[v].category`` their
codes (``index``, as a list or as code -> position) and labels. Values are not read.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, KommuneokonomiError, Location
from .cache import CachedResponse, ResponseCache
from .client import PxWebClient, Query
from .errors import FetchError

__all__ = ["TableMeta", "Variable", "describe", "load", "parse_metadata", "problems_in"]

#: How many codes a message lists before saying how many more there are.
SHOWN_CODES = 12


@dataclass(frozen=True)
class Variable:
    """One variable (dimension) of a table: its id, label and codes with their labels."""

    id: str
    label: str
    codes: tuple[str, ...]
    labels: tuple[str, ...]

    def listed(self, limit: int | None = SHOWN_CODES) -> str:
        """``KOSbelop0000 (Beløp (1000 kr)), ...`` with at most ``limit`` codes."""
        shown = list(zip(self.codes, self.labels, strict=True))
        rest = 0 if limit is None else max(len(shown) - limit, 0)
        if limit is not None:
            shown = shown[:limit]
        text = ", ".join(f"{c} ({label})" if label and label != c else c for c, label in shown)
        return text + (f" og {rest} til" if rest else "")


@dataclass(frozen=True)
class TableMeta:
    """A table's title and variables, in the table's order."""

    table: str
    title: str
    variables: tuple[Variable, ...]

    def variable(self, var_id: str) -> Variable | None:
        return next((v for v in self.variables if v.id == var_id), None)


def parse_metadata(body: bytes, table: str) -> TableMeta:
    """Decode a JSON-stat2 metadata document.

    Raises:
        FetchError: code ``ssb_ugyldig_svar``: not JSON, or no variables in it.
    """
    try:
        doc: Any = json.loads(body)
        ids = [str(i) for i in doc["id"]]
        dims = doc["dimension"]
        variables = []
        for var_id in ids:
            dim = dims[var_id]
            category = dim.get("category", {})
            index = category.get("index")
            if isinstance(index, Mapping):
                codes = [str(c) for c, _ in sorted(index.items(), key=lambda kv: int(kv[1]))]
            elif isinstance(index, Sequence) and not isinstance(index, str):
                codes = [str(c) for c in index]
            else:  # a single category may have labels only
                codes = [str(c) for c in category.get("label", {})]
            labels = category.get("label", {})
            variables.append(
                Variable(
                    id=var_id,
                    label=str(dim.get("label", var_id)),
                    codes=tuple(codes),
                    labels=tuple(str(labels.get(c, c)) for c in codes),
                )
            )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise FetchError(
            f"metadataene for tabell {table} fra SSB kunne ikke leses ({type(exc).__name__}: "
            f"{exc})",
            code="ssb_ugyldig_svar",
        ) from exc
    if not variables:
        raise FetchError(
            f"metadataene for tabell {table} har ingen variabler", code="ssb_ugyldig_svar"
        )
    return TableMeta(table=table, title=str(doc.get("label", "")), variables=tuple(variables))


def load(
    table: str,
    *,
    client: PxWebClient | None,
    cache: ResponseCache | None,
    offline: bool = False,
    now: dt.datetime | None = None,
) -> TableMeta | None:
    """The table's metadata: fetched and cached, or offline from the cache.

    Returns None offline when the cache has none (a cache from before metadata was read):
    the data in the cache are then replayed unchecked, as before.

    Raises:
        FetchError: the request failed (HTTP 404 for a table SSB does not have).
    """
    query = Query.metadata_of(table)
    source: CachedResponse | None = None
    if offline or client is None:
        source = cache.get(query) if cache is not None else None
        return None if source is None else parse_metadata(source.body, table)
    response = client.get(query)
    meta = parse_metadata(response.body, table)  # validated before it is cached
    if cache is not None:
        when = now or dt.datetime.now().astimezone().replace(microsecond=0)
        cache.put(query, response, when)
    return meta


@dataclass(frozen=True)
class Asked:
    """What one tblHenting row asks of a table, with the cells to name."""

    table: str
    contents: str
    region_dim: str
    time_dim: str
    contents_dim: str
    selection: tuple[tuple[str, tuple[str, ...]], ...]
    years: tuple[int, ...]
    where: Callable[[str], Location | None]  # column name -> its cell


def problems_in(asked: Asked, meta: TableMeta) -> list[KommuneokonomiError]:
    """Every way ``asked`` does not fit the table, each at its tblHenting cell, in Norwegian
    with the codes the table does have."""
    problems: list[KommuneokonomiError] = []

    def fail(column: str, message: str) -> None:
        problems.append(InputError(message, code="ukjent_kode", location=asked.where(column)))

    names = ", ".join(v.id for v in meta.variables)
    fixed = {asked.region_dim, asked.contents_dim, asked.time_dim}
    for var_id, column in (
        (asked.region_dim, "regionvariabel"),
        (asked.contents_dim, "innhold"),
        (asked.time_dim, "aar"),
    ):
        if meta.variable(var_id) is not None:
            continue
        hint = ""
        if column == "regionvariabel":
            region = next((v for v in meta.variables if "region" in v.id.casefold()), None)
            if region is not None:  # the table's own region variable: not an unchosen one
                fixed.add(region.id)
                hint = f"; regionvariabelen heter {region.id} (skriv den i kolonnen Regionvariabel"
                hint += ", eller la cellen stå tom)" if region.id == "KOKkommuneregion0000" else ")"
        fail(
            column, f"tabell {asked.table} har ingen variabel {var_id}; variablene er {names}{hint}"
        )
    contents = meta.variable(asked.contents_dim)
    if contents is not None and asked.contents not in contents.codes:
        fail(
            "innhold",
            f"tabell {asked.table} har ikke innholdet '{asked.contents}'; den har "
            f"{contents.listed()}",
        )
    times = meta.variable(asked.time_dim)
    if times is not None:
        absent = [y for y in asked.years if str(y) not in times.codes]
        if absent and len(absent) == len(asked.years):
            span = f"{times.codes[0]}-{times.codes[-1]}" if times.codes else "ingen år"
            fail(
                "aar",
                f"tabell {asked.table} har ikke tall for {_years(absent)}; den har {span}",
            )
    chosen = dict(asked.selection)
    for var_id, codes in asked.selection:
        variable = meta.variable(var_id)
        if variable is None:
            fail(
                "utvalg", f"tabell {asked.table} har ingen variabel {var_id}; variablene er {names}"
            )
            continue
        unknown = [c for c in codes if c not in variable.codes]
        if unknown:
            fail(
                "utvalg",
                f"variabelen {var_id} ({variable.label}) i tabell {asked.table} har ikke "
                f"{'koden' if len(unknown) == 1 else 'kodene'} {', '.join(unknown[:SHOWN_CODES])}; "
                f"den har {variable.listed()}",
            )
    for variable in meta.variables:
        if variable.id in fixed or variable.id in chosen or len(variable.codes) <= 1:
            continue
        fail(
            "utvalg",
            f"tabell {asked.table} har variabelen {variable.id} ({variable.label}) med "
            f"{len(variable.codes)} verdier; velg én (eller flere som summeres) i Utvalg, "
            f"f.eks. {variable.id}={variable.codes[0]}. Verdiene er {variable.listed()}",
        )
    return problems


def _years(years: Sequence[int]) -> str:
    return ", ".join(str(y) for y in years)


def describe(meta: TableMeta, *, all_codes: bool = False) -> str:
    """The table as ``kommuneokonomi tabell`` prints it, in Norwegian."""
    lines = [f"Tabell {meta.table}: {meta.title}".rstrip(": "), ""]
    for variable in meta.variables:
        lines.append(f"{variable.id} ({variable.label}), {len(variable.codes)} verdier:")
        pairs = list(zip(variable.codes, variable.labels, strict=True))
        shown = pairs if all_codes else pairs[:SHOWN_CODES]
        for code, label in shown:
            lines.append(f"  {code:<16} {label}" if label and label != code else f"  {code}")
        if len(shown) < len(variable.codes):
            lines.append(f"  ... og {len(variable.codes) - len(shown)} til (--alle viser alle)")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
