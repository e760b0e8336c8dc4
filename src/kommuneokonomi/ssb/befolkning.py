"""Population for the four-year plan's ``tblBefolkning`` from SSB.

``kommuneokonomi hent plan.xlsx`` fills tblBefolkning with the municipality's inhabitants per
age group (the groups ``tblSatser`` prices, and those already in tblBefolkning) for the budget
year and every plan year:

- **registered** population on 1 January from table 07459 (``Region``, ``Kjonn``, ``Alder``
  ``000``-``104`` and ``105+``, ``Personer1``) for every year SSB has published, with an
  empty ``Alternativ`` (the same figure for every alternative);
- for later years SSB's **municipal population projection**, by default table 14288 (the 2024
  projection: the same variables, current municipality numbers only), contents code of the
  main alternative (the code whose label says MMMM, else ``Personer``), ``Alternativ`` ``hoved``.

Single ages and both sexes are summed into each group (``6-15 år`` = ``006``-``015``, ``80 år og
over`` = ``080``-``104`` and ``105+``), through the same fetch as tblHenting
(:func:`.fetch.fetch_rows`: codes checked against the tables' metadata first, responses cached,
``--offline``). :func:`collect_population` reads and fetches through any
:class:`.fetch.BookReader`; :func:`plan_population_edit` plans the cell writes (pure);
:func:`hent_befolkning` applies them to a file, :func:`.live.hent_befolkning_workbook` to an
open workbook.

With ``alternatives`` (``--alternativer``) the projection's low and high alternatives are
fetched too (contents codes by SSB's labels LLML and HHMH), as rows with ``Alternativ`` ``lav``
and ``høy``. A row of the same group, year and alternative is replaced (empty and ``hoved`` are
the main series); rows of an alternative not fetched and other groups are left as they are; new
rows are appended. ``Kilde`` beside the table says where each figure comes from. Nothing is written
if anything fails, or if SSB has no figure for a group and year.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, InputErrors, KommuneokonomiError, LayoutError, Location
from ..request import SettingsTable, name_key
from ..workbook import layout as L
from ..workbook.files import FileBook
from ..workbook.tables import ReadTable, cell_address, to_frame
from . import metadata
from .cache import ResponseCache, default_cache_dir
from .client import PxWebClient, client_for
from .errors import FetchError
from .fetch import (
    TIME_DIM,
    BookReader,
    Collected,
    FetchRow,
    Progress,
    _cell_value,
    _Members,
    editing_table,
    fetch_rows,
)
from .regions import Municipality, load_renumbering

__all__ = [
    "PROJECTION_TABLE",
    "REGISTERED_TABLE",
    "BefolkningResult",
    "Population",
    "PopulationEdit",
    "age_codes",
    "collect_population",
    "hent_befolkning",
    "plan_population_edit",
    "summary",
]

REGISTERED_TABLE = "07459"
REGISTERED_CONTENTS = "Personer1"
PROJECTION_TABLE = "14288"
PROJECTION_CONTENTS = "Personer"  # the main alternative (MMMM) in public code calling 14288
MAIN = "hoved"
REGION = "Region"
SEXES = ("1", "2")
OLDEST = 105  # SSB's last age code is "105+"

_DASH = re.compile(r"\s*[-–—]\s*")
_RANGE = re.compile(r"^(\d{1,3})-(\d{1,3})(?: ?år)?$")
_AND_OVER = re.compile(
    r"^(\d{1,3})(?: ?år)? ?(?:\+|og over|og eldre|eller eldre|eller mer)(?: ?år)?$"
)
_ONE = re.compile(r"^(\d{1,3}) ?år$")
_EVERYONE = {"alle", "alle aldre", "i alt", "alle innbyggere", "innbyggere", "totalt"}


def _code(age: int) -> str:
    return f"{OLDEST}+" if age >= OLDEST else f"{age:03d}"


def age_codes(text: object) -> tuple[str, ...]:
    """SSB's single-age codes of an age group as the plan names it.

    ``1-5 år`` -> ``001``..``005``; ``80 år og over`` (or ``80+``, ``80 år og eldre``) ->
    ``080``..``104``, ``105+``; ``0 år`` -> ``000``; ``alle`` -> every age.

    Raises:
        ValueError: (Norwegian) the text is no age group these forms describe.
    """
    raw = " ".join(str(text or "").split())
    key = _DASH.sub("-", raw.casefold())
    if key in _EVERYONE:
        return tuple(_code(a) for a in range(OLDEST + 1))
    if m := _RANGE.match(key):
        first, last = int(m[1]), int(m[2])
    elif m := _AND_OVER.match(key):
        first, last = int(m[1]), OLDEST
    elif m := _ONE.match(key):
        first = last = int(m[1])
    else:
        raise ValueError(
            f"'{raw}' er ikke en aldersgruppe som kan hentes; skriv den som «6-15 år», "
            "«80 år og over» eller «0 år»"
        )
    if first > last:
        raise ValueError(f"'{raw}': første alder er høyere enn siste")
    if last > OLDEST:
        raise ValueError(
            f"'{raw}': SSB teller alder til og med {OLDEST} år («{OLDEST} år og over»)"
        )
    return tuple(_code(a) for a in range(first, last + 1))


@dataclass
class Population:
    """The fetched population, before it is written anywhere.

    Attributes:
        collected: one row per age group (``indikator``) and year (see
            :class:`.fetch.Collected`); every value present.
        municipality: the municipality's name.
        groups: the age groups, in the order fetched.
        registered, projected: the years from 07459 and from the projection.
        projection: the projection table.
    """

    collected: Collected
    municipality: str
    groups: list[str]
    registered: list[int]
    projected: list[int]
    projection: str
    #: each fetched series (``indikator`` in ``collected``) -> (age group, its Alternativ in
    #: the projected years; a registered year's row has none)
    series: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: the projection's alternatives fetched (hoved, or hoved, lav and høy)
    alternatives: tuple[str, ...] = (MAIN,)


@dataclass
class BefolkningResult:
    """What :func:`hent_befolkning` (or the live button) did."""

    path: Path
    cache: Path
    population: Population
    replaced: int
    added: int
    kept_alternatives: int = 0

    @property
    def collected(self) -> Collected:
        return self.population.collected


@dataclass(frozen=True)
class _Group:
    name: str
    codes: tuple[str, ...]
    where: Location


def _groups(satser: ReadTable, befolkning: ReadTable) -> list[_Group]:
    """Every age group tblSatser prices and tblBefolkning holds, once each, in that order;
    one that is no age group is reported at its first cell."""
    found: dict[str, _Group] = {}
    problems: list[KommuneokonomiError] = []
    for table in (satser, befolkning):
        for i, name in enumerate(table.frame["aldersgruppe"]):
            text = " ".join(str(name or "").split())
            if not text or name_key(text) in found:
                continue
            where = table.cell(i, "aldersgruppe")
            try:
                found[name_key(text)] = _Group(text, age_codes(text), where)
            except ValueError as exc:
                problems.append(InputError(str(exc), code="ugyldig_aldersgruppe", location=where))
                found[name_key(text)] = _Group(text, (), where)
    InputErrors.raise_if_any(problems)
    if not found:
        raise InputError(
            "tblSatser har ingen aldersgrupper; skriv sektorene med aldersgruppe og sats først, "
            "så hentes befolkningen i de gruppene",
            code="tom_tabell",
            location=satser.raw.location(None, 0),
        )
    return list(found.values())


def _municipality(settings: SettingsTable) -> Municipality:
    text = settings.get("Egen kommune")
    if not text:
        raise settings.error(
            "Egen kommune", "må fylles ut for å hente befolkningen fra SSB", "mangler_innstilling"
        )
    renumbering = load_renumbering()
    try:
        found = _Members(None, renumbering).resolve(text)
    except ValueError as exc:
        names = {m.name.casefold(): m.name for m in renumbering.municipalities.values()}
        close = difflib.get_close_matches(text.casefold(), list(names), n=1, cutoff=0.75)
        hint = f"; mente du {names[close[0]]}?" if close else ""
        raise settings.error(
            "Egen kommune",
            f"'{text}' er ikke en norsk kommune (navn eller nummer){hint}",
            "ukjent_kommune",
        ) from exc
    if len(found) != 1 or not any(p.code.isdigit() for p in found[0].periods):
        raise settings.error(
            "Egen kommune",
            f"'{text}' er ikke én kommune; skriv kommunens navn eller nummer",
            "ukjent_kommune",
        )
    return found[0]


#: the projection's alternatives as SSB labels them (national growth: low, main, high)
ALTERNATIVES = {"lav": "LLML", "høy": "HHMH"}


def _alternative_contents(meta: metadata.TableMeta, alternative: str) -> str:
    """The projection's contents code of ``alternative`` (``lav``: LLML, ``høy``: HHMH), by
    SSB's label for it."""
    contents = meta.variable("ContentsCode")
    mark = ALTERNATIVES[alternative]
    for code, label in zip(
        contents.codes if contents else (), contents.labels if contents else (), strict=True
    ):
        if mark in label.upper():
            return code
    raise FetchError(
        f"fant ikke alternativet {alternative} ({mark}) blant innholdskodene i tabell "
        f"{meta.table}: {contents.listed() if contents else 'ingen'}",
        code="ssb_ufullstendig_svar",
    )


def _main_contents(meta: metadata.TableMeta) -> str:
    """The projection's contents code of the main alternative (MMMM)."""
    contents = meta.variable("ContentsCode")
    if contents is None:
        raise FetchError(
            f"tabell {meta.table} har ingen variabel ContentsCode; er det en framskriving?",
            code="ssb_ufullstendig_svar",
        )
    for code, label in zip(contents.codes, contents.labels, strict=True):
        if "MMMM" in label.upper():
            return code
    if PROJECTION_CONTENTS in contents.codes:
        return PROJECTION_CONTENTS
    if len(contents.codes) == 1:
        return contents.codes[0]
    raise FetchError(
        f"fant ikke hovedalternativet (MMMM) blant innholdskodene i tabell {meta.table}: "
        f"{contents.listed()}",
        code="ssb_ufullstendig_svar",
    )


def _years_of(meta: metadata.TableMeta | None) -> set[int]:
    variable = meta.variable(TIME_DIM) if meta is not None else None
    return {int(c) for c in variable.codes if c.isdigit()} if variable is not None else set()


def collect_population(
    book: BookReader,
    *,
    client: PxWebClient | None = None,
    api_url: str | None = None,
    cache: ResponseCache,
    offline: bool = False,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
    projection: str = PROJECTION_TABLE,
    alternatives: bool = False,
) -> Population:
    """Read the plan's settings, tblSatser and tblBefolkning from ``book`` (a file or a live
    workbook) and fetch (or replay) the population of every age group and year; with
    ``alternatives`` the projection's low and high alternatives too. ``client``: as for
    :func:`.fetch.collect` (None: one of its own for ``api_url``).

    Raises:
        KommuneokonomiError: a setting, an age group or a year SSB does not have, at its cell;
            a fetch failure; a figure SSB does not show.
    """
    with client_for(client, api_url) as http:
        tables = {
            spec.name: to_frame(book.read_table(spec), spec)
            for spec in (L.P_INNSTILLINGER, L.SATSER, L.BEFOLKNING)
        }
        settings = SettingsTable(tables[L.P_INNSTILLINGER.name])
        from ..service import plan_settings  # the plan workbook's one reading of its settings

        config = plan_settings(settings)
        municipality = _municipality(settings)
        groups = _groups(tables[L.SATSER.name], tables[L.BEFOLKNING.name])
        years = list(range(config.base_year, config.base_year + config.years + 1))

        metas = {}
        for table in (REGISTERED_TABLE, projection):
            try:
                metas[table] = metadata.load(
                    table, client=http, cache=cache, offline=offline, now=now
                )
            except FetchError as exc:
                if exc.status == 404:
                    raise FetchError(
                        f"SSB har ingen tabell {table} (HTTP 404); sjekk tabellnummeret for "
                        "framskrivingen ('kommuneokonomi tabell NUMMER' viser en tabell)",
                        code="ukjent_kode",
                    ) from exc
                raise
            if metas[table] is None:
                raise FetchError(
                    f"--offline: metadataene for tabell {table} finnes ikke i mellomlageret "
                    f"{cache.folder}; hent uten --offline først",
                    code="mangler_i_cache",
                )
        registered_years = _years_of(metas[REGISTERED_TABLE])
        projected_years = _years_of(metas[projection])
        registered = [y for y in years if y in registered_years]
        projected = [y for y in years if y not in registered_years and y in projected_years]
        uncovered = [y for y in years if y not in registered_years and y not in projected_years]
        if uncovered:

            def span(found: set[int]) -> str:
                return f"{min(found)}-{max(found)}" if found else "ingen år"

            raise settings.error(
                "Budsjettår",
                f"SSB har ikke befolkningen for {', '.join(map(str, uncovered))}: tabell "
                f"{REGISTERED_TABLE} (registrert) har {span(registered_years)}, framskrivingen "
                f"{projection} har {span(projected_years)}; velg en nyere framskriving med "
                "--framskriving NUMMER",
                "ukjent_aar",
            )
        meta = metas[projection]
        assert meta is not None
        chosen: list[tuple[str, str]] = []  # (Alternativ, contents code) of the projection
        if projected:
            chosen.append((MAIN, _main_contents(meta)))
            if alternatives:
                chosen += [(alt, _alternative_contents(meta, alt)) for alt in ALTERNATIVES]

        rows: list[FetchRow] = []
        group_of: list[_Group] = []
        series: dict[str, tuple[str, str]] = {}
        for group in groups:
            for years_of, table, code, alt in (
                (registered, REGISTERED_TABLE, REGISTERED_CONTENTS, None),
                *((projected, projection, c, a) for a, c in chosen),
            ):
                if years_of:
                    # one series per group and alternative (a row of its own in the fetch)
                    name = group.name if alt in (None, MAIN) else f"{group.name} [{alt}]"
                    series[name] = (group.name, alt or MAIN)
                    group_of.append(group)
                    rows.append(
                        FetchRow(
                            index=len(rows),
                            table=table,
                            contents=code,
                            indicator=name,
                            members=(municipality,),
                            years=tuple(years_of),
                            selection=(("Alder", group.codes), ("Kjonn", SEXES)),
                            region_dim=REGION,
                        )
                    )

        def where(index: int, column: str) -> Location | None:
            if column in ("indikator", "utvalg"):
                return group_of[index].where
            if column == "aar":
                return settings.where("Budsjettår")
            return settings.where("Egen kommune")

        collected = fetch_rows(
            rows,
            where=where,
            client=http,
            cache=cache,
            offline=offline,
            progress=progress,
            now=now,
        )
        gaps = [
            f"{r['indikator']} {r['aar']} ({r['merknad'] or 'ingen verdi'})"
            for r in collected.rows.to_dict("records")
            if r["verdi"] is None or (isinstance(r["verdi"], float) and math.isnan(r["verdi"]))
        ]
        if gaps:
            raise FetchError(
                f"SSB har ikke tall for {municipality.name or 'kommunen'}: {'; '.join(gaps)}; "
                "ingenting er skrevet. Legg tallene inn for hånd i tblBefolkning",
                code="mangler_verdi",
            )
        return Population(
            collected=collected,
            municipality=municipality.name,
            groups=[g.name for g in groups],
            registered=registered,
            projected=projected,
            projection=projection,
            series=series,
            alternatives=tuple(a for a, _ in chosen) or (MAIN,),
        )


def hent_befolkning(
    path: str | os.PathLike[str],
    *,
    api_url: str | None = None,
    offline: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
    client: PxWebClient | None = None,
    projection: str = PROJECTION_TABLE,
    alternatives: bool = False,
    book: FileBook | None = None,
) -> BefolkningResult:
    """Fetch the plan's population by age group into tblBefolkning of the file ``path`` (see
    the module's text); ``alternatives``: the projection's lav and høy too; ``book``: ``path``
    already opened.

    Raises:
        KommuneokonomiError: as :func:`collect_population`, or no room below the table. The
            workbook is then unchanged.
    """
    target = Path(path)
    cache = ResponseCache(cache_dir if cache_dir is not None else default_cache_dir(target))
    book = book if book is not None else FileBook(target)
    population = collect_population(
        book,
        client=client,
        api_url=api_url,
        cache=cache,
        offline=offline,
        progress=progress,
        now=now,
        projection=projection,
        alternatives=alternatives,
    )
    with editing_table(target, L.BEFOLKNING.name, values=book.values) as edited:
        edit = plan_population_edit(
            edited.bounds, edited.cell, population, sheet=edited.ws.title, file=target.name
        )
        for (r, c), value in edit.writes.items():
            written = edited.ws.cell(r, c)
            written.value = _cell_value(value)
            if isinstance(value, str):
                written.data_type = "s"  # text from SSB is never a formula
        for (r, c), number_format in edit.formats.items():
            edited.ws.cell(r, c).number_format = number_format
        edited.resize(edit.top, edit.left, edit.bottom, edit.right)
    return BefolkningResult(
        path=target,
        cache=cache.folder,
        population=population,
        replaced=edit.replaced,
        added=edit.added,
        kept_alternatives=edit.kept,
    )


# --------------------------------------------------------------------------------------------
# Writing tblBefolkning
# --------------------------------------------------------------------------------------------


@dataclass
class PopulationEdit:
    """The cell writes that merge fetched population into tblBefolkning (pure; the file and
    the live writer apply them). Coordinates are Excel row and column numbers.

    Attributes:
        top, left, bottom, right: the table's new bounds (it grows down for new rows).
        writes: cells to set (None clears one); the Kilde header and texts beside the table.
        formats: number formats of the new rows' cells.
        replaced, added: main-series rows replaced, rows appended.
        kept: rows of another alternative (lav, høy) for a fetched group and year, left alone.
    """

    top: int
    left: int
    bottom: int
    right: int
    writes: dict[tuple[int, int], object] = field(default_factory=dict)
    formats: dict[tuple[int, int], str] = field(default_factory=dict)
    replaced: int = 0
    added: int = 0
    kept: int = 0


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _year(value: object) -> int | None:
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and number.is_integer() else None


def plan_population_edit(
    bounds: tuple[int, int, int, int],
    cell: Callable[[int, int], object],
    population: Population,
    *,
    sheet: str,
    file: str | None = None,
) -> PopulationEdit:
    """Plan merging ``population`` into tblBefolkning at ``bounds`` (min_col, min_row,
    max_col, max_row); ``cell(row, col)`` gives any cell's value. A main-series row
    (Alternativ empty or ``hoved``) of a fetched group and year is replaced, a second one
    cleared; other rows stay; new rows go below the last filled row.

    Raises:
        LayoutError: a required column is missing, or the cells the new rows need are not empty.
    """
    min_col, min_row, max_col, max_row = bounds

    def where(row: int, col: int) -> Location:
        return Location(file=file, sheet=sheet, cell=cell_address(row, col))

    headers = [name_key(cell(min_row, c)) for c in range(min_col, max_col + 1)]
    col: dict[str, int] = {}
    for column in L.BEFOLKNING.columns:
        if name_key(column.header) in headers:
            col[column.name] = min_col + headers.index(name_key(column.header))
    for needed in ("aldersgruppe", "aar", "antall"):
        if needed not in col:
            raise LayoutError(
                f"tabellen {L.BEFOLKNING.name} mangler kolonnen "
                f"'{L.BEFOLKNING.column(needed).header}'",
                code="mangler_kolonne",
                location=where(min_row, max_col + 1),
            )
    # Kilde beside the table, as the templates have it (written only where it is free)
    kilde: int | None = max_col + 1
    beside = cell(min_row, max_col + 1)
    edit = PopulationEdit(top=min_row, left=min_col, bottom=max_row, right=max_col)
    if _is_blank(beside):
        edit.writes[(min_row, max_col + 1)] = "Kilde"
    elif name_key(beside) != name_key("Kilde"):
        kilde = None
    formats = {c.name: c.number_format for c in L.BEFOLKNING.columns if c.number_format}

    projected = set(population.projected)

    def of(rec: dict[str, object]) -> tuple[str, str | None]:
        """The age group and Alternativ of a fetched row (None: a registered year's, which
        serves every alternative)."""
        name = str(rec["indikator"])
        group, alternative = population.series.get(name, (name, MAIN))
        return group, alternative if int(str(rec["aar"])) in projected else None

    def put(row: int, rec: dict[str, object], *, new: bool) -> None:
        year = int(str(rec["aar"]))
        group, alternative = of(rec)
        values: dict[str, object] = {"antall": rec["verdi"]}
        if new:
            values.update(aldersgruppe=group, aar=year)
        if "alternativ" in col:
            values["alternativ"] = alternative
        for key, value in values.items():
            edit.writes[(row, col[key])] = value
            if new and key in formats:
                edit.formats[(row, col[key])] = formats[key]
        if kilde is not None:
            edit.writes[(row, kilde)] = str(rec["kilde"])

    # keyed by (group, year, alternative); the main series is "hoved" whether the row says
    # hoved or nothing (a registered year's row serves every alternative)
    def slot(alternative: object) -> str:
        return name_key(MAIN) if _is_blank(alternative) else name_key(alternative)

    fetched: dict[tuple[str, int, str], dict[str, object]] = {}
    for raw in population.collected.rows.to_dict("records"):
        rec = {str(k): v for k, v in raw.items()}
        group, alternative = of(rec)
        fetched[(name_key(group), int(str(rec["aar"])), slot(alternative))] = rec
    placed: set[tuple[str, int, str]] = set()
    last_filled = min_row
    for r in range(min_row + 1, max_row + 1):
        if not all(_is_blank(cell(r, c)) for c in range(min_col, max_col + 1)):
            last_filled = r
        year = _year(cell(r, col["aar"]))
        alt = cell(r, col["alternativ"]) if "alternativ" in col else None
        k = (name_key(cell(r, col["aldersgruppe"])), year, slot(alt)) if year is not None else None
        if k is None:
            continue
        if k not in fetched:
            if slot(alt) != name_key(MAIN) and any(f[:2] == k[:2] for f in fetched):
                edit.kept += 1  # another alternative (lav, høy) not fetched: the user's own
            continue
        if k in placed:  # a second row for the same group, year and alternative
            for c in range(min_col, max_col + 1):
                edit.writes[(r, c)] = None
            continue
        placed.add(k)
        put(r, fetched[k], new=False)
        edit.replaced += 1
    new = [k for k in fetched if k not in placed]
    first = last_filled + 1
    last = first + len(new) - 1
    width = max_col + (1 if kilde is not None else 0)
    for r in range(max_row + 1, last + 1):
        for c in range(min_col, width + 1):
            if not _is_blank(cell(r, c)):
                raise LayoutError(
                    f"det er ikke plass til {len(new)} nye rader under tabellen "
                    f"{L.BEFOLKNING.name}: cellen {cell_address(r, c)} er ikke tom",
                    code="ikke_plass",
                    location=where(r, c),
                )
    for j, k in enumerate(new):
        put(first + j, fetched[k], new=True)
        edit.added += 1
    edit.bottom = max(max_row, last)
    return edit


def summary(result: BefolkningResult) -> str:
    """The Norwegian summary ``kommuneokonomi hent`` prints for a plan workbook."""
    from .cli import requests_line

    c, p = result.collected, result.population
    lines = [
        f"Hentet befolkningen for {p.municipality} til tblBefolkning i {result.path.name}: "
        f"{len(c.rows)} tall ({len(p.groups)} aldersgrupper: {', '.join(p.groups)}), "
        f"{result.replaced} erstattet, {result.added} nye.",
    ]
    if p.registered:
        lines.append(
            f"Registrert befolkning 1. januar (tabell {REGISTERED_TABLE}): "
            f"{', '.join(map(str, p.registered))}."
        )
    if p.projected and len(p.alternatives) > 1:
        shown = ", ".join(f"«{a}»" for a in p.alternatives[:-1]) + f" og «{p.alternatives[-1]}»"
        lines.append(
            f"Framskrevet befolkning (tabell {p.projection}): "
            f"{', '.join(map(str, p.projected))}; Alternativ {shown}. Velg alternativet planen "
            "skal regne med i innstillingen Befolkningsalternativ."
        )
    elif p.projected:
        lines.append(
            f"Framskrevet befolkning, hovedalternativet (tabell {p.projection}): "
            f"{', '.join(map(str, p.projected))}; Alternativ «{MAIN}»."
        )
    if result.kept_alternatives:
        lines.append(
            f"{result.kept_alternatives} rader med andre alternativer (f.eks. lav, høy) er "
            "latt stå."
        )
    lines.append(requests_line(c, result.cache))
    lines.append(f"Kjør «kommuneokonomi recalc {result.path}» for å beregne planen.")
    return "\n".join(lines)
