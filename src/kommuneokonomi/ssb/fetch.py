"""Fetch KOSTRA figures from SSB into a savings workbook's ``tblData``.

The settings table ``tblHenting`` (sheet ``Henting``) says what to fetch, one indicator per
row: ``Tabell`` (SSB table number), ``Innhold`` (its ContentsCode), ``Indikator`` (our id in
tblData), ``Kommuner`` (a group in tblKommuner such as ``ASSS``, names or numbers, comma
separated) and ``År`` (``2015-2018`` or ``2015, 2016``); optionally ``Utvalg`` (one value for
each further dimension of the table, e.g. ``KOKfunksjon0000=202; KOKart0000=AGD2``) and
``Regionvariabel`` (default ``KOKkommuneregion0000``; ``Region`` for most non-KOSTRA tables).

Steps (:func:`hent`): read tblHenting and tblKommuner; resolve each municipality to a series of
numbers over the years (:mod:`.regions`); check every row against its table's metadata (a year
the table lacks in part of a row's range is not asked for and is written missing, Merknad
«ikke i tabellen»); group the rows by table into requests, split them
under the API's limits and send them paced (:mod:`.client`), or replay them from the cache
(:mod:`.cache`) with ``offline``; decode the JSON-stat2 responses (:mod:`.jsonstat`); build one
tblData row per municipality, year and indicator; then merge them into tblData: rows with the
same Kommune, År and Indikator are replaced, new ones appended, with the missing-value symbol
in ``Merknad`` (the value left empty, never 0) and the provenance in ``Kilde`` (table,
contents code, municipality number, fetch time and the cached response's key). Only tblData
changes, through a temporary file and an atomic rename; if anything fails, nothing is written.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import openpyxl
import pandas as pd
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.table import Table, TableColumn
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import InputError, InputErrors, KommuneokonomiError, LayoutError, Location
from ..workbook.files import FileBook, atomic_target, patch_cached_values
from ..workbook.layout import DATA, HENTING, KOMMUNER, TableSpec
from ..workbook.tables import RawTable, ReadTable, cell_address, column_letter, to_frame
from . import metadata
from .cache import CachedResponse, ResponseCache, default_cache_dir
from .client import PxWebClient, Query, client_for
from .errors import FetchError
from .jsonstat import Dataset, parse_dataset
from .regions import Municipality, Renumbering, load_renumbering, normalize_number

__all__ = [
    "CONTENTS_DIM",
    "DATA_HEADERS",
    "HENTING",
    "REGION_DIM",
    "TIME_DIM",
    "BookReader",
    "Collected",
    "FetchRow",
    "FileTable",
    "HentResult",
    "MergePlan",
    "Progress",
    "TableEdit",
    "Where",
    "collect",
    "editing_table",
    "fetch_rows",
    "hent",
    "parse_years",
    "plan_merge",
    "plan_table_edit",
]

REGION_DIM = "KOKkommuneregion0000"
CONTENTS_DIM = "ContentsCode"
TIME_DIM = "Tid"

#: tblData's headers as fetched rows carry them (Merknad and Kilde are extra columns).
DATA_HEADERS = ("Kommune", "År", "Indikator", "Verdi", "Merknad", "Kilde")
_FIELDS = ("kommune", "aar", "indikator", "verdi", "merknad", "kilde")

#: progress(done, total, what): called with 0 before the first request and after each one.
Progress = Callable[[int, int, str], None]

#: where(row index, column) -> the cell a problem with that column of that row is named at.
Where = Callable[[int, str], Location | None]

_CODE = re.compile(r"^[A-Za-z0-9_.\-]+$")
_GROUP_CODE = re.compile(r"^[A-Z][A-Z0-9]+$")  # KOSTRA group codes such as EKG12, EAKUO
_YEAR_RANGE = re.compile(r"^(\d{4})\s*(?:-|–|—|\.\.)\s*(\d{4})$")


# --------------------------------------------------------------------------------------------
# Reading tblHenting
# --------------------------------------------------------------------------------------------


def parse_years(text: object) -> list[int]:
    """``"2015-2018"`` -> [2015, 2016, 2017, 2018]; ``"2015, 2017"``; ``2023``.

    Raises:
        ValueError: with a Norwegian reason.
    """
    value = "" if text is None else str(text).strip()
    if not value:
        raise ValueError("cellen er tom; skriv år som 2015-2018 eller 2015, 2016")
    years: list[int] = []
    for part in re.split(r"[,;]", value):
        part = part.strip()
        if not part:
            continue
        m = _YEAR_RANGE.match(part)
        if m:
            first, last = int(m.group(1)), int(m.group(2))
            if first > last:
                raise ValueError(f"'{part}': første år er etter siste år")
            span = range(first, last + 1)
        elif re.fullmatch(r"\d{4}", part):
            span = range(int(part), int(part) + 1)
        elif re.fullmatch(r"\d{4}\.\d{1,4}", part):
            raise ValueError(
                f"'{part}' er et desimaltall (Excel leste trolig «{part.replace('.', ',')}» som "
                "et tall); skriv årene med bindestrek eller semikolon, f.eks. 2015-2016 eller "
                "2015; 2016"
            )
        else:
            raise ValueError(f"'{part}' er ikke et år; skriv f.eks. 2015-2018 eller 2015, 2016")
        for year in span:
            if not 1900 <= year <= 2100:
                raise ValueError(f"{year} er ikke et rimelig årstall")
            if year not in years:
                years.append(year)
    return sorted(years)


def _table_id(text: object) -> str:
    value = "" if text is None else str(text).strip()
    if not value:
        raise ValueError("cellen er tom; skriv SSB-tabellens nummer, f.eks. 12134")
    if not _CODE.match(value):
        raise ValueError(f"'{value}' er ikke et tabellnummer (f.eks. 12134)")
    return value.zfill(5) if value.isdigit() else value


def _code(text: object, what: str) -> str:
    value = "" if text is None else str(text).strip()
    if not value:
        raise ValueError(f"cellen er tom; skriv {what}")
    if not _CODE.match(value):
        raise ValueError(f"'{value}' er ikke én kode; skriv {what}")
    return value


#: A code in ``Utvalg``: as ``_CODE``, and ``+`` for an open age group such as ``105+``.
_SELECTION_CODE = re.compile(r"^[A-Za-z0-9_.\-+]+$")
_CODE_RANGE = re.compile(r"^(\d+)\s*(?:-|–|—|\.\.)\s*(\d+)$")


_YEAR_END = {"31.12", "31.12.", "31. desember", "31.des", "31. des", "utgangen av året"}
_YEAR_START = {"", "1.1", "1.1.", "01.01", "01.01.", "1. januar", "1.jan", "1. jan"}


def _offset(text: object) -> int:
    """Tidspunkt: empty or ``1.1.`` (the figure as SSB gives it for the year) -> 0;
    ``31.12.`` (the figure for 1 January of the year after, as KOSTRA's per-inhabitant
    figures use the population at the end of the year) -> 1."""
    value = " ".join(("" if text is None else str(text)).split()).casefold().replace("/", ".")
    if value in _YEAR_START:
        return 0
    if value in _YEAR_END:
        return 1
    raise ValueError(
        f"'{text}' er ikke et tidspunkt; skriv 1.1. (tallet slik SSB gir det for året, også "
        "tom celle) eller 31.12. (tallet for 1. januar året etter: befolkningen ved utgangen "
        "av året, som KOSTRA deler på)"
    )


def _selection(text: object) -> dict[str, tuple[str, ...]]:
    """``"KOKfunksjon0000=202; KOKart0000=AGD2"`` -> {dimension: its value codes}.

    One code per variable picks that value. Several codes (``Alder=006-015``, a range of
    numeric codes of the same width, or a list ``Kjonn=1,2`` or ``Alder=067-104,105+``) ask
    for each and the fetched value is their **sum**: one age group from single ages.
    """
    value = "" if text is None else str(text).strip()
    out: dict[str, tuple[str, ...]] = {}
    for part in re.split(r"[;\n]", value):
        part = part.strip()
        if not part:
            continue
        dim, sep, codes_text = part.partition("=")
        dim = dim.strip()
        codes: list[str] = []
        for item in codes_text.split(","):
            item = item.strip()
            span = _CODE_RANGE.match(item)
            if span is not None and len(span[1]) == len(span[2]):
                first, last = int(span[1]), int(span[2])
                if first > last:
                    raise ValueError(f"'{item}': første kode er etter siste kode")
                codes += [str(n).zfill(len(span[1])) for n in range(first, last + 1)]
            elif _SELECTION_CODE.match(item):
                codes.append(item)
            else:
                codes = []
                break
        if not sep or not _CODE.match(dim) or not codes:
            raise ValueError(
                f"'{part}' er ikke et utvalg; skriv VARIABEL=KODE, flere skilt med semikolon "
                "(f.eks. KOKfunksjon0000=202; KOKart0000=AGD2). Flere koder for én variabel "
                "summeres: Alder=006-015 (fra-til, like mange sifre) eller Kjonn=1,2"
            )
        if dim in out:
            raise ValueError(f"variabelen {dim} står to ganger i utvalget")
        out[dim] = tuple(dict.fromkeys(codes))
    return out


@dataclass(frozen=True)
class FetchRow:
    """One series to fetch: a validated tblHenting row, or a row another workbook builds
    (the plan's population, :mod:`.befolkning`). ``index`` is what its ``Where`` locates."""

    index: int
    table: str
    contents: str
    indicator: str
    members: tuple[Municipality, ...]
    years: tuple[int, ...]
    selection: tuple[tuple[str, tuple[str, ...]], ...]
    region_dim: str
    #: 1 for Tidspunkt 31.12.: year Y holds SSB's figure for 1 January of Y + 1
    offset: int = 0

    @property
    def fetched_years(self) -> tuple[int, ...]:
        """The years asked of SSB (the row's years, shifted by ``offset``)."""
        return tuple(y + self.offset for y in self.years)

    @property
    def group(self) -> tuple[str, str, tuple[tuple[str, tuple[str, ...]], ...]]:
        return (self.table, self.region_dim, self.selection)


class _Members:
    """Resolves the ``Kommuner`` cell through tblKommuner and the renumbering table."""

    def __init__(self, kommuner: pd.DataFrame | None, renumbering: Renumbering) -> None:
        self.renumbering = renumbering
        self.rows: list[dict[str, Any]] = (
            []
            if kommuner is None
            else [{str(k): v for k, v in r.items()} for r in kommuner.to_dict("records")]
        )

    def _numbers(self, row: dict[str, Any]) -> list[str]:
        raw = row.get("kommunenummer")
        text = "" if raw is None else str(raw)
        out = []
        for part in re.split(r"[,;/\s]+", text.strip()):
            if part:
                out.append(normalize_number(part) or part)
        return out

    def _from_row(self, row: dict[str, Any]) -> Municipality:
        name = str(row.get("kommune") or "").strip()
        codes = self._numbers(row)
        if not codes:
            found = self.renumbering.by_name(name)
            if len(found) == 1:
                return found[0].named(name)
            raise ValueError(
                f"kommunen '{name}' i tblKommuner har ikke noe kommunenummer; skriv det i "
                "kolonnen Kommunenummer"
            )
        series = {self.renumbering.by_number(c) for c in codes}
        if len(series) == 1 and None not in series:
            (known,) = series
            assert known is not None
            return known.named(name)
        return Municipality.of_numbers(name, codes)

    def _name_for(self, m: Municipality) -> Municipality:
        """The series named as tblKommuner names it, if one of its numbers is there."""
        codes = {p.code for p in m.periods}
        for row in self.rows:
            if codes & set(self._numbers(row)):
                return m.named(str(row.get("kommune") or m.name).strip())
        return m

    def resolve(self, text: object) -> list[Municipality]:
        value = "" if text is None else str(text)
        tokens = [t.strip() for t in re.split(r"[,;\n]", value) if t.strip()]
        if not tokens:
            raise ValueError("cellen er tom; skriv en gruppe (f.eks. ASSS) eller kommuner")
        out: dict[str, Municipality] = {}
        for token in tokens:
            for m in self._token(token):
                out.setdefault(m.key, m)
        return list(out.values())

    def _token(self, token: str) -> list[Municipality]:
        key = token.casefold()
        group = [r for r in self.rows if str(r.get("gruppe") or "").strip().casefold() == key]
        if group:
            return [self._from_row(r) for r in group]
        named = [r for r in self.rows if str(r.get("kommune") or "").strip().casefold() == key]
        if named:
            return [self._from_row(named[0])]
        builtin = self.renumbering.group(token)
        if builtin is not None:
            return [self._name_for(m) for m in builtin]
        number = normalize_number(token)
        if number is not None:
            for row in self.rows:
                if number in self._numbers(row):
                    return [self._from_row(row)]
            known = self.renumbering.by_number(number)
            if known is not None:
                return [self._name_for(known)]
            return [Municipality.of_numbers("", [number])]  # named from SSB's label
        found = self.renumbering.by_name(token)
        if len(found) == 1:
            return [self._name_for(found[0])]
        if _GROUP_CODE.match(token):
            return [Municipality.of_numbers(token, [token])]
        if re.fullmatch(r"\d+\.\d+", token):
            raise ValueError(
                f"'{token}' er et desimaltall (Excel leste trolig kommunenumrene som ett tall); "
                "skill kommunenumre med semikolon, f.eks. 0301; 4601"
            )
        raise ValueError(
            f"ukjent kommune eller gruppe '{token}': finnes ikke i tblKommuner (Kommune, "
            "Kommunenummer eller Gruppe) eller i pakkens kommunenummertabell; skriv "
            "kommunenummeret eller legg kommunen inn i tblKommuner"
        )


def _read_rows(henting: ReadTable, members: _Members) -> list[FetchRow]:
    problems: list[KommuneokonomiError] = []
    rows: list[FetchRow] = []
    frame = henting.frame
    if frame.empty:
        raise InputError(
            "tabellen tblHenting har ingen rader; skriv én rad per indikator som skal hentes",
            code="tom_tabell",
            location=henting.raw.location(None, 0),
        )
    for i, rec in enumerate(frame.to_dict("records")):
        parsed: dict[str, Any] = {}
        readers: list[tuple[str, str, Callable[[object], Any]]] = [
            ("tabell", "Tabell", _table_id),
            ("innhold", "Innhold", lambda v: _code(v, "innholdskoden (f.eks. KOSAGD230000)")),
            ("indikator", "Indikator", lambda v: _code(v, "indikatorens id i tblData")),
            ("kommuner", "Kommuner", members.resolve),
            ("aar", "År", parse_years),
            ("utvalg", "Utvalg", _selection),
            (
                "regionvariabel",
                "Regionvariabel",
                lambda v: _code(v or REGION_DIM, "navnet på regionvariabelen (f.eks. Region)"),
            ),
            ("tidspunkt", "Tidspunkt", _offset),
        ]
        for name, header, read in readers:
            try:
                parsed[name] = read(rec.get(name))
            except ValueError as exc:
                problems.append(
                    InputError(
                        f"kolonnen '{header}': {exc}",
                        code="ugyldig_henting",
                        location=henting.cells.get((i, name)) or henting.raw.location(i, 0),
                    )
                )
        if len(parsed) == len(readers):
            rows.append(
                FetchRow(
                    index=i,
                    table=parsed["tabell"],
                    contents=parsed["innhold"],
                    indicator=parsed["indikator"],
                    members=tuple(parsed["kommuner"]),
                    years=tuple(parsed["aar"]),
                    selection=tuple(sorted(parsed["utvalg"].items())),
                    region_dim=parsed["regionvariabel"],
                    offset=parsed["tidspunkt"],
                )
            )
    InputErrors.raise_if_any(problems)
    return rows


# --------------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------------


_Group = tuple[str, str, tuple[tuple[str, tuple[str, ...]], ...]]


def _queries(rows: Sequence[FetchRow]) -> list[tuple[Query, _Group]]:
    """One request per (table, region dimension, further selection), before splitting."""
    groups: dict[_Group, list[FetchRow]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(row)
    queries = []
    for group, members in groups.items():
        table, region_dim, selection = group
        regions: dict[str, None] = {}
        contents: dict[str, None] = {}
        years: set[int] = set()
        for row in members:
            contents[row.contents] = None
            years.update(row.fetched_years)
            for m in row.members:
                for code in m.codes_in(row.fetched_years):
                    regions[code] = None
        choice: dict[str, list[str]] = {
            region_dim: list(regions),
            CONTENTS_DIM: list(contents),
            TIME_DIM: [str(y) for y in sorted(years)],
        }
        for dim, codes in selection:
            choice[dim] = list(codes)
        queries.append((Query.of(table, choice), group))
    return queries


@dataclass(frozen=True)
class _Cell:
    value: float
    status: str | None
    label: str
    source: CachedResponse


@dataclass
class _Cells:
    """Decoded cells by (table, region dim, selection, region, contents, year)."""

    cells: dict[tuple[Any, ...], _Cell] = field(default_factory=dict)

    def add(self, query: Query, group: _Group, dataset: Dataset, src: CachedResponse) -> None:
        table, region_dim, selection = group
        asked = dict(query.selection)
        for dim in (region_dim, CONTENTS_DIM, TIME_DIM):
            if dim not in dataset.ids:
                raise FetchError(
                    f"svaret fra SSB for {query.describe()} mangler variabelen {dim} "
                    f"(variablene er {', '.join(dataset.ids)}); sjekk Regionvariabel i tblHenting",
                    code="ssb_ufullstendig_svar",
                )
        summed = {dim for dim, codes in selection if len(codes) > 1}
        for d in dataset.dimensions:
            if d.id not in (region_dim, CONTENTS_DIM, TIME_DIM, *summed) and len(d.codes) > 1:
                raise FetchError(
                    f"svaret fra SSB for {query.describe()} har {len(d.codes)} verdier for "
                    f"{d.id} ({d.label}); velg én i kolonnen Utvalg i tblHenting, "
                    f"f.eks. {d.id}={d.codes[0]}",
                    code="ssb_ufullstendig_svar",
                )
        frame = dataset.frame()
        regions_asked, contents_asked = set(asked[region_dim]), set(asked[CONTENTS_DIM])
        regions = dataset.dimension(region_dim)
        labels = dict(zip(regions.codes, regions.labels, strict=True))
        # the codes of the selection's variables, per cell (one each unless summed)
        parts = list(
            zip(
                *(
                    frame[dim] if dim in dataset.ids else [codes[0]] * len(frame)
                    for dim, codes in selection
                ),
                strict=True,
            )
        ) or [()] * len(frame)
        for region, contents, year, value, status, part in zip(
            frame[region_dim],
            frame[CONTENTS_DIM],
            frame[TIME_DIM],
            frame["value"],
            frame["status"],
            parts,
            strict=True,
        ):
            if region not in regions_asked or contents not in contents_asked:
                continue
            key = (table, region_dim, selection, region, contents, str(year), tuple(part))
            self.cells[key] = _Cell(float(value), status, labels[region], src)

    def get(self, row: FetchRow, region: str, year: int) -> _Cell | None:
        """The cell of ``row`` for a region and year: the sum of its parts where the
        selection sums several codes (missing if any part is missing, with that part's
        symbol; None if SSB's answer lacks a part)."""
        base = (row.table, row.region_dim, row.selection, region, row.contents, str(year))
        found = [
            self.cells.get((*base, part))
            for part in itertools.product(*(codes for _, codes in row.selection))
        ]
        if not found or any(cell is None for cell in found):
            return None
        cells = [cell for cell in found if cell is not None]
        if len(cells) == 1:
            return cells[0]
        gap = next((c for c in cells if math.isnan(c.value)), None)
        if gap is not None:
            return _Cell(math.nan, gap.status, gap.label, gap.source)
        return _Cell(math.fsum(c.value for c in cells), None, cells[0].label, cells[0].source)


def _label_name(label: str, code: str) -> str:
    """A name from SSB's region label: ``"5001 Trondheim"`` -> ``Trondheim``."""
    text = re.sub(rf"^{re.escape(code)}\s*[:\-]?\s*", "", label.strip())
    return text or code


def _codes_text(codes: tuple[str, ...]) -> str:
    """Codes as a user writes them: ``006-015`` for a run of numeric codes, else a list."""
    if len(codes) > 2 and all(c.isdigit() and len(c) == len(codes[0]) for c in codes):
        numbers = [int(c) for c in codes]
        if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return f"{codes[0]}-{codes[-1]} (sum)"
    return ",".join(codes) + (" (sum)" if len(codes) > 1 else "")


def _kilde(row: FetchRow, region: str, cell: _Cell) -> str:
    when = cell.source.fetched_at
    selection = "".join(f", {d}={_codes_text(c)}" for d, c in row.selection)
    return (
        f"SSB tabell {row.table} ({row.contents}{selection}), {row.region_dim}={region}, "
        f"hentet {when:%d.%m.%Y kl. %H:%M} [svar {cell.source.key[:12]}]"
    )


# --------------------------------------------------------------------------------------------
# Collecting the rows
# --------------------------------------------------------------------------------------------


@dataclass
class Collected:
    """What a fetch produced, before it is written anywhere.

    Attributes:
        rows: one row per municipality, year and indicator, columns ``kommune``, ``aar``,
            ``indikator``, ``verdi`` (float or None), ``merknad`` (the SSB symbol or None),
            ``kilde`` (provenance text).
        requests: requests made or replayed (after splitting).
        from_cache: of which replayed from the cache.
        http_calls: HTTP calls made (retries included).
    """

    rows: pd.DataFrame
    requests: int = 0
    from_cache: int = 0
    http_calls: int = 0

    @property
    def missing(self) -> int:
        """Rows without a value (a missing-value symbol in ``merknad``, or none)."""
        return int(self.rows["verdi"].isna().sum()) if len(self.rows) else 0


class BookReader(Protocol):
    """What :func:`collect` reads from a workbook: FileBook, or a live-workbook adapter."""

    @property
    def name(self) -> str: ...

    def table_names(self) -> set[str]: ...

    def read_table(self, spec: TableSpec) -> RawTable: ...


def _read_settings(book: BookReader) -> tuple[ReadTable, pd.DataFrame | None]:
    names = book.table_names()
    if HENTING.name not in names:
        raise LayoutError(
            f"fant ikke tabellen {HENTING.name}, som sier hva som skal hentes fra SSB; legg til "
            f"arket '{HENTING.sheet}' med en tabell {HENTING.name} med kolonnene "
            f"{', '.join(HENTING.headers[:5])} (valgfritt: Utvalg, Regionvariabel)",
            code="mangler_tabell",
            location=Location(file=book.name, sheet=HENTING.sheet),
        )
    henting = to_frame(book.read_table(HENTING), HENTING)
    kommuner = None
    if KOMMUNER.name in names:
        kommuner = to_frame(book.read_table(KOMMUNER), KOMMUNER).frame
    return henting, kommuner


def collect(
    book: BookReader,
    *,
    client: PxWebClient | None = None,
    api_url: str | None = None,
    cache: ResponseCache,
    offline: bool = False,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> Collected:
    """Read tblHenting, fetch (or replay) every request, and build the tblData rows.

    Args:
        book: the workbook: a FileBook, or a live-workbook adapter with the same
            ``name``, ``table_names`` and ``read_table`` (:class:`BookReader`).
        client: the HTTP client (its limits also decide how requests are split offline);
            None: a client of its own for ``api_url``, closed when done.
        api_url: the API's base address when ``client`` is None (None: the default).
        cache: where raw responses are stored and, offline, replayed from.
        offline: replay from ``cache`` only; a request not cached is an error.
        progress: called as ``progress(done, total, what)``.
        now: the fetch time to record (default: the clock, per response).

    Raises:
        LayoutError, InputError(s): tblHenting is missing or has bad cells.
        FetchError: a request failed or, offline, is not cached.
    """
    henting, kommuner = _read_settings(book)
    rows = _read_rows(henting, _Members(kommuner, load_renumbering()))

    def where(index: int, column: str) -> Location | None:
        return henting.cells.get((index, column)) or henting.raw.location(index, 0)

    with client_for(client, api_url) as http:
        return fetch_rows(
            rows, where=where, client=http, cache=cache, offline=offline, progress=progress, now=now
        )


def fetch_rows(
    rows: Sequence[FetchRow],
    *,
    where: Where,
    client: PxWebClient,
    cache: ResponseCache,
    offline: bool = False,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> Collected:
    """Check ``rows`` against each table's metadata, fetch (or replay) them and build one
    row per municipality, year and series (see :class:`Collected`).

    Raises:
        InputErrors: a code, variable, value or year a table does not have, at ``where``.
        FetchError: a request failed or, offline, is not cached.
    """
    spans = _check_codes(rows, where, client=client, cache=cache, offline=offline, now=now)
    # a year a table does not have (not yet published, or the table has ended) is not asked
    # for (SSB would refuse the whole request); it becomes a missing row that says why
    absent = {
        row.index: tuple(y for y in row.years if str(y + row.offset) not in spans[row.table])
        for row in rows
        if row.table in spans
    }
    asked = [
        replace(row, years=tuple(y for y in row.years if y not in absent.get(row.index, ())))
        for row in rows
    ]
    parts: list[tuple[Query, _Group]] = []
    for query, group in _queries(asked):
        parts.extend((part, group) for part in client.plan(query))
    cells = _Cells()
    total = len(parts)
    from_cache = 0
    if progress:
        progress(0, total, "")
    calls_before = client.calls
    for done, (part, group) in enumerate(parts, start=1):
        what = part.describe()
        if offline:
            source = cache.get(part)
            if source is None:
                raise FetchError(
                    f"--offline: svaret på {what} finnes ikke i mellomlageret {cache.folder} "
                    f"(nøkkel {part.key()[:12]}); hent uten --offline først",
                    code="mangler_i_cache",
                )
            from_cache += 1
            dataset = parse_dataset(source.body)
        else:
            response = client.get(part)
            dataset = parse_dataset(response.body)  # validate before caching
            fetched_at = now or dt.datetime.now().astimezone().replace(microsecond=0)
            source = cache.put(part, response, fetched_at)
        cells.add(part, group, dataset, source)
        if progress:
            progress(done, total, what)
    return Collected(
        rows=_build_rows(rows, cells, where, absent=absent, spans=spans),
        requests=total,
        from_cache=from_cache,
        http_calls=client.calls - calls_before,
    )


def _check_codes(
    rows: Sequence[FetchRow],
    where_of: Where,
    *,
    client: PxWebClient,
    cache: ResponseCache,
    offline: bool,
    now: dt.datetime | None,
) -> dict[str, tuple[str, ...]]:
    """Read each table's metadata (cached like the data) and report every row that asks for
    a table, contents code, variable or value the table does not have, at its cell, before
    any data is fetched. Offline without cached metadata the rows are not checked.

    Returns:
        The years each checked table has (by table number); a table offline without cached
        metadata is not among them.

    Raises:
        InputErrors: every such row, with the codes the table does have.
        FetchError: the metadata could not be fetched (other than an unknown table).
    """
    problems: list[KommuneokonomiError] = []
    spans: dict[str, tuple[str, ...]] = {}
    for table in dict.fromkeys(row.table for row in rows):
        at_table = [row for row in rows if row.table == table]
        try:
            meta = metadata.load(
                table,
                client=client,
                cache=cache,
                offline=offline,
                now=now,
            )
        except FetchError as exc:
            if exc.status != 404:
                raise
            problems += [
                InputError(
                    f"SSB har ingen tabell {table} (HTTP 404); sjekk tabellnummeret. "
                    "Tabellene finnes i Statistikkbanken (ssb.no/statbank), og "
                    "'kommuneokonomi tabell NUMMER' viser en tabells variabler og koder",
                    code="ukjent_kode",
                    location=where_of(row.index, "tabell"),
                )
                for row in at_table
            ]
            continue
        if meta is None:
            continue
        times = meta.variable(TIME_DIM)
        if times is not None:
            spans[table] = times.codes
        for row in at_table:

            def where(column: str, row: FetchRow = row) -> Location | None:
                return where_of(row.index, column)

            problems += metadata.problems_in(
                metadata.Asked(
                    table=row.table,
                    contents=row.contents,
                    region_dim=row.region_dim,
                    time_dim=TIME_DIM,
                    contents_dim=CONTENTS_DIM,
                    selection=row.selection,
                    years=row.fetched_years,
                    where=where,
                ),
                meta,
            )
    InputErrors.raise_if_any(problems)
    return spans


#: Merknad of a year the table does not have (no SSB symbol: SSB was not asked for it)
NOT_IN_TABLE = "ikke i tabellen"
#: Merknad of a year-end figure (Tidspunkt 31.12.) across a merger or split on 1 January
NEW_BOUNDARIES = "ny kommuneinndeling"


def _span(years: Sequence[str]) -> str:
    numbers = sorted(int(y) for y in years if y.isdigit())
    return f"{numbers[0]}-{numbers[-1]}" if numbers else "ingen år"


def _build_rows(
    rows: Sequence[FetchRow],
    cells: _Cells,
    where: Where,
    *,
    absent: dict[int, tuple[int, ...]] | None = None,
    spans: dict[str, tuple[str, ...]] | None = None,
) -> pd.DataFrame:
    out: list[dict[str, object]] = []
    seen: dict[tuple[str, int, str], int] = {}
    problems: list[KommuneokonomiError] = []
    absent, spans = absent or {}, spans or {}
    for row in rows:
        lacking = absent.get(row.index, ())
        # the years fetched first, so a year not fetched gets the name SSB's label gave
        years = [y for y in row.years if y not in lacking] + [y for y in row.years if y in lacking]
        for m in row.members:
            named = m.name
            for year in years:
                own = m.codes_for(year)  # the municipality existed that year
                fetched = year + row.offset
                codes = m.codes_for(fetched)
                shifted = f" (1.1.{fetched}, brukt som 31.12.{year})" if row.offset else ""
                # a year not fetched (the table lacks it, or 31.12. across a merger or split)
                # is a row without a value that says why; None: the year is fetched
                why: tuple[str, str] | None = None
                change = m.changed_in(fetched) if row.offset and own else None
                if year in lacking:
                    why = (
                        NOT_IN_TABLE,
                        f"SSB tabell {row.table} har ikke tall for {fetched}{shifted} "
                        f"(tabellen har {_span(spans.get(row.table, ()))}); ikke hentet",
                    )
                elif row.offset and own and (not codes or change is not None):
                    # 1 January after a merger or split counts another municipality
                    why = (
                        NEW_BOUNDARIES,
                        f"SSB tabell {row.table}: tallet per 31.12.{year} finnes ikke, fordi "
                        f"kommuneinndelingen ble endret 1.1.{fetched}"
                        + (f" ({change})" if change else "")
                        + f"; tallet for 1.1.{fetched} gjelder den nye kommunen. Legg inn "
                        "KOSTRAs eget tall om du har det",
                    )
                if why is not None:
                    if own:
                        out.append(
                            {
                                "kommune": named or m.name or own[0],
                                "aar": year,
                                "indikator": row.indicator,
                                "verdi": None,
                                "merknad": why[0],
                                "kilde": why[1],
                            }
                        )
                    continue
                found = [(c, cells.get(row, c, fetched)) for c in codes]
                present = [(c, cell) for c, cell in found if cell is not None]
                if not present:
                    if not codes:
                        continue  # the municipality did not exist that year (e.g. Lillestrøm 2019)
                    raise FetchError(
                        f"svaret fra SSB mangler tall for {m.name or codes[0]} "
                        f"({', '.join(codes)}), {row.contents}, {year} i tabell {row.table}",
                        code="ssb_ufullstendig_svar",
                    )
                code, cell = next(
                    ((c, x) for c, x in present if not math.isnan(x.value)), present[0]
                )
                name = m.name or _label_name(cell.label, code)
                named = named or name
                key = (name.casefold(), year, row.indicator.casefold())
                if key in seen:
                    problems.append(
                        InputError(
                            f"{name}, {year}, {row.indicator} hentes to ganger (også fra rad "
                            f"{seen[key] + 1} i tblHenting)",
                            code="duplikat",
                            location=where(row.index, "indikator"),
                        )
                    )
                    continue
                seen[key] = row.index
                missing = math.isnan(cell.value)
                value: float | int | None = None
                if not missing:
                    value = int(cell.value) if cell.value.is_integer() else cell.value
                out.append(
                    {
                        "kommune": name,
                        "aar": year,
                        "indikator": row.indicator,
                        "verdi": value,
                        "merknad": cell.status,
                        "kilde": _kilde(row, code, cell) + shifted,
                    }
                )
    InputErrors.raise_if_any(problems)
    return pd.DataFrame(out, columns=list(_FIELDS), dtype=object)


# --------------------------------------------------------------------------------------------
# Merging into tblData
# --------------------------------------------------------------------------------------------


def _key(kommune: object, aar: object, indikator: object) -> tuple[str, int, str] | None:
    if kommune is None or indikator is None or aar is None:
        return None
    try:
        year = int(float(str(aar).strip().replace(",", ".")))
    except ValueError:
        return None
    name, ind = str(kommune).strip().casefold(), str(indikator).strip().casefold()
    return (name, year, ind) if name and ind else None


@dataclass
class MergePlan:
    """How fetched rows go into an existing table (pure; any adapter can apply it).

    Attributes:
        updates: ``(data row index, {header: value})`` for existing rows that are replaced
            (only Verdi, Merknad and Kilde are written; the user's cells for Kommune, År,
            Indikator and any extra columns stay).
        clear: data rows to blank: further copies of a replaced key.
        append: new rows, ``{header: value}``, written from row ``first_free`` on.
        first_free: the first data row after the last non-blank one.
    """

    updates: list[tuple[int, dict[str, object]]]
    clear: list[int]
    append: list[dict[str, object]]
    first_free: int

    @property
    def replaced(self) -> int:
        return len(self.updates)

    @property
    def added(self) -> int:
        return len(self.append)


def plan_merge(
    keys: Sequence[tuple[object, object, object]],
    blank: Sequence[bool],
    rows: pd.DataFrame,
) -> MergePlan:
    """Plan replacing and appending ``rows`` (see :class:`Collected`) in a table.

    Args:
        keys: per existing data row, its (Kommune, År, Indikator) values.
        blank: per existing data row, whether all its cells are empty.
        rows: the fetched rows.
    """
    fetched: dict[tuple[str, int, str], dict[str, object]] = {}
    for raw_rec in rows.to_dict("records"):
        rec = {str(k): v for k, v in raw_rec.items()}
        k = _key(rec["kommune"], rec["aar"], rec["indikator"])
        assert k is not None
        fetched[k] = {h: rec[f] for h, f in zip(DATA_HEADERS, _FIELDS, strict=True)}
    updates: list[tuple[int, dict[str, object]]] = []
    clear: list[int] = []
    placed: set[tuple[str, int, str]] = set()
    for i, raw in enumerate(keys):
        k = _key(*raw)
        if k is None or k not in fetched:
            continue
        if k in placed:
            clear.append(i)
            continue
        placed.add(k)
        rec = fetched[k]
        updates.append((i, {h: rec[h] for h in ("Verdi", "Merknad", "Kilde")}))
    first_free = len(blank)
    while first_free > 0 and blank[first_free - 1]:
        first_free -= 1
    append = [rec for k, rec in fetched.items() if k not in placed]
    return MergePlan(updates=updates, clear=clear, append=append, first_free=first_free)


@dataclass
class HentResult:
    """What :func:`hent` did."""

    path: Path
    cache: Path
    collected: Collected
    replaced: int
    added: int
    columns_added: list[str]


def _cell_value(value: object) -> Any:
    """A value as a workbook stores it (numbers, text, None; never NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


@dataclass
class TableEdit:
    """The cell writes that merge fetched rows into tblData (pure; adapters apply them).

    Coordinates are Excel row and column numbers.

    Attributes:
        top, left: the table's header cell (unchanged).
        bottom, right: the table's new last row and column.
        writes: cells of existing rows and of the header row to set (None clears a cell).
        first_new: the first row of the appended block.
        block: the appended rows, ``left..right`` wide (None where nothing is written).
        formats: number format per column of the appended block.
        grown: headers that became table columns (taken from beside the table or new).
        added_columns: headers that did not exist before.
        plan: the row-level merge plan.
    """

    top: int
    left: int
    bottom: int
    right: int
    writes: dict[tuple[int, int], object]
    first_new: int
    block: list[list[object]]
    formats: dict[int, str]
    grown: list[str]
    added_columns: list[str]
    plan: MergePlan


def plan_table_edit(
    bounds: tuple[int, int, int, int],
    cell: Callable[[int, int], object],
    rows: pd.DataFrame,
    *,
    sheet: str,
    file: str | None = None,
) -> TableEdit:
    """Plan merging ``rows`` into the table at ``bounds`` (min_col, min_row, max_col, max_row).

    Args:
        cell: the value of any cell of the sheet (row, column); used for the headers, the key
            columns and to check that cells the table grows into are empty.
        sheet, file: for error locations.

    Raises:
        LayoutError: a required column is missing, or there is no room beside or below the
            table for new columns or rows.
    """
    min_col, min_row, max_col, max_row = bounds

    def where(col: int, row: int | None = None) -> Location:
        return Location(file=file, sheet=sheet, cell=cell_address(row or min_row, col))

    headers = [cell(min_row, c) for c in range(min_col, max_col + 1)]
    norm = [str(h).strip().casefold() if h is not None else "" for h in headers]
    positions: dict[str, int] = {}
    for header in DATA_HEADERS[:4]:
        if header.casefold() not in norm:
            raise LayoutError(
                f"tabellen {DATA.name} mangler kolonnen '{header}'",
                code="mangler_kolonne",
                location=where(max_col + 1),
            )
        positions[header] = min_col + norm.index(header.casefold())
    for header in ("Merknad", "Kilde"):
        if header.casefold() in norm:
            positions[header] = min_col + norm.index(header.casefold())
    writes: dict[tuple[int, int], object] = {}
    grown: list[str] = []
    added_columns: list[str] = []
    missing = [h for h in ("Merknad", "Kilde") if h not in positions]
    # a header right beside the table (like the templates' Kilde) is taken into it
    while missing:
        beside = str(cell(min_row, max_col + 1) or "").strip().casefold()
        match = [h for h in missing if beside == h.casefold()]
        if not match:
            break
        max_col += 1
        positions[match[0]] = max_col
        grown.append(match[0])
        missing.remove(match[0])
    for header in missing:
        col = max_col + 1
        for r in range(min_row, max_row + len(rows) + 1):
            if not _empty(cell(r, col)):
                raise LayoutError(
                    f"tabellen {DATA.name} trenger kolonnen '{header}', men kolonnen til høyre "
                    f"for tabellen er ikke tom (celle {cell_address(r, col)}); legg "
                    "kolonnene Merknad og Kilde til i tabellen, eller flytt det som står der",
                    code="ikke_plass",
                    location=where(col, r),
                )
        writes[(min_row, col)] = header
        max_col = col
        positions[header] = col
        grown.append(header)
        added_columns.append(header)

    body = range(min_row + 1, max_row + 1)
    keys = [
        (cell(r, positions["Kommune"]), cell(r, positions["År"]), cell(r, positions["Indikator"]))
        for r in body
    ]
    blank = [
        all(_empty(cell(r, c)) for c in range(min_col, max_col + 1) if (min_row, c) not in writes)
        for r in body
    ]
    plan = plan_merge(keys, blank, rows)
    for i, values in plan.updates:
        for header, value in values.items():
            writes[(min_row + 1 + i, positions[header])] = _cell_value(value)
    for i in plan.clear:
        for c in range(min_col, max_col + 1):
            writes[(min_row + 1 + i, c)] = None
    first = min_row + 1 + plan.first_free
    last = first + len(plan.append) - 1
    for r in range(max_row + 1, last + 1):
        for c in range(min_col, max_col + 1):
            if not _empty(cell(r, c)):
                raise LayoutError(
                    f"det er ikke plass til {len(plan.append)} nye rader under tabellen "
                    f"{DATA.name}: cellen {cell_address(r, c)} er ikke tom",
                    code="ikke_plass",
                    location=where(c, r),
                )
    block: list[list[object]] = [[None] * (max_col - min_col + 1) for _ in plan.append]
    for j, values in enumerate(plan.append):
        for header, value in values.items():
            block[j][positions[header] - min_col] = _cell_value(value)
    formats = {
        positions[c.header]: c.number_format for c in DATA.columns if c.number_format is not None
    }
    return TableEdit(
        top=min_row,
        left=min_col,
        bottom=max(max_row, last),
        right=max_col,
        writes=writes,
        first_new=first,
        block=block,
        formats=formats,
        grown=grown,
        added_columns=added_columns,
        plan=plan,
    )


def _table_sheet(wb: Any, name: str) -> tuple[Worksheet, Table]:
    for ws in wb.worksheets:
        if name in ws.tables:
            return ws, ws.tables[name]
    raise LayoutError(f"fant ikke tabellen {name}", code="mangler_tabell")


@dataclass
class FileTable:
    """A named table of a workbook file open for editing (see :func:`editing_table`).

    Attributes:
        ws, table: the openpyxl sheet and table (the formula workbook: what is saved).
        bounds: (min_col, min_row, max_col, max_row) of the table.
        cell: any cell's value on the sheet; a formula's last calculated value.
    """

    ws: Worksheet
    table: Table
    bounds: tuple[int, int, int, int]
    cell: Callable[[int, int], object]

    def resize(self, top: int, left: int, bottom: int, right: int) -> None:
        ref = f"{cell_address(top, left)}:{cell_address(bottom, right)}"
        self.table.ref = ref
        if self.table.autoFilter is not None:
            self.table.autoFilter.ref = ref


@contextmanager
def editing_table(target: Path, name: str, *, values: Any = None) -> Iterator[FileTable]:
    """Open ``target`` to edit its table ``name``; when the block ends without an exception,
    the workbook is saved through a temporary file and an atomic rename, with every formula's
    last calculated value kept (VBA kept in .xlsm). An exception leaves the file as it was.
    ``values``: the workbook already read with its calculated values (:attr:`FileBook.values`),
    so it is not read again."""
    keep_vba = target.suffix.lower() == ".xlsm"
    try:
        wb = openpyxl.load_workbook(target, data_only=False, keep_vba=keep_vba)
        values_wb = values if values is not None else openpyxl.load_workbook(target, data_only=True)
    except (KeyError, ValueError, OSError) as exc:  # pragma: no cover - FileBook read it
        raise LayoutError(
            f"filen kan ikke leses som Excel-fil ({type(exc).__name__})",
            code="ugyldig_fil",
            location=Location(file=target.name),
        ) from exc
    cached = _cached_formula_values(wb, values_wb)
    ws, table = _table_sheet(wb, name)
    vws = values_wb[ws.title]
    bounds = tuple(int(x) for x in range_boundaries(table.ref))  # type: ignore[arg-type]

    def cell(row: int, col: int) -> object:
        value = ws.cell(row, col).value
        if isinstance(value, str) and value.startswith("="):
            return vws.cell(row, col).value
        return value

    yield FileTable(ws, table, (bounds[0], bounds[1], bounds[2], bounds[3]), cell)
    with atomic_target(target) as tmp:
        wb.save(tmp)
        patch_cached_values(tmp, cached)


def _apply_file(edited: FileTable, rows: pd.DataFrame, file_name: str) -> TableEdit:
    """Merge ``rows`` into tblData of the workbook open for editing."""
    ws, table = edited.ws, edited.table
    edit = plan_table_edit(edited.bounds, edited.cell, rows, sheet=ws.title, file=file_name)
    for (r, c), value in edit.writes.items():
        written = ws.cell(r, c)
        written.value = _cell_value(value)
        if isinstance(value, str) and value.startswith("="):
            written.data_type = "s"  # text from SSB is never a formula
    for j, values in enumerate(edit.block):
        for k, value in enumerate(values):
            if value is None:
                continue
            target = ws.cell(edit.first_new + j, edit.left + k)
            target.value = _cell_value(value)
            if isinstance(value, str) and value.startswith("="):
                target.data_type = "s"  # text from SSB is never a formula
            number_format = edit.formats.get(edit.left + k)
            if number_format:
                target.number_format = number_format
    edited.resize(edit.top, edit.left, edit.bottom, edit.right)
    if edit.grown and table.tableColumns:
        next_id = max(int(c.id) for c in table.tableColumns) + 1
        for header in edit.grown:
            table.tableColumns.append(TableColumn(id=next_id, name=header))
            next_id += 1
    for header in edit.added_columns:
        col = edit.left + [
            str(ws.cell(edit.top, c).value) for c in range(edit.left, edit.right + 1)
        ].index(header)
        ws.column_dimensions[column_letter(col)].width = 16 if header == "Merknad" else 70
    return edit


def _cached_formula_values(wb: Any, values_wb: Any) -> dict[str, dict[str, float | str | None]]:
    """The last calculated values of every formula cell, to put back after saving."""
    cached: dict[str, dict[str, float | str | None]] = {}
    for ws in wb.worksheets:
        vws = values_wb[ws.title]
        values: dict[str, float | str | None] = {}
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    v = vws[cell.coordinate].value
                    if isinstance(v, bool) or not isinstance(v, int | float | str):
                        continue
                    values[cell.coordinate] = v
        if values:
            cached[ws.title] = values
    return cached


def hent(
    path: str | os.PathLike[str],
    *,
    api_url: str | None = None,
    offline: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
    client: PxWebClient | None = None,
    book: FileBook | None = None,
) -> HentResult:
    """Fetch the figures tblHenting asks for and write them into tblData of ``path``.

    Args:
        path: the savings workbook (.xlsx/.xlsm); updated in place, atomically.
        api_url: the API base URL (default: ``$KOMMUNEOKONOMI_SSB_URL`` or SSB's).
        offline: replay every response from the cache; never touch the network.
        cache_dir: the cache folder (default ``<stem>.ssb-cache`` beside the workbook).
        progress: ``progress(done, total, what)`` after each request.
        now: the fetch time to record (tests); default the clock.
        client: a ready client (tests: small limits, a fake clock); ``api_url`` is then unused.
        book: ``path`` already opened (the command line opens it once to tell its kind).

    Raises:
        KommuneokonomiError: LayoutError/InputError(s) for the workbook, FetchError for the
            fetch. The workbook is then unchanged.
    """
    target = Path(path)
    book = book if book is not None else FileBook(target)
    book.read_table(DATA)  # tblData must be there before anything is fetched
    cache = ResponseCache(cache_dir if cache_dir is not None else default_cache_dir(target))
    collected = collect(
        book,
        client=client,
        api_url=api_url,
        cache=cache,
        offline=offline,
        progress=progress,
        now=now,
    )
    with editing_table(target, DATA.name, values=book.values) as edited:
        edit = _apply_file(edited, collected.rows, target.name)
    return HentResult(
        path=target,
        cache=cache.folder,
        collected=collected,
        replaced=edit.plan.replaced,
        added=edit.plan.added,
        columns_added=edit.added_columns,
    )
