"""The standard savings analysis, shipped as data (``data/katalog/innsparing.toml``).

For each sector an adviser compares: the spending series (SSB table 12362, net operating
expenditure, the KOSTRA functions summed), the target group it is divided by (population from
SSB table 07459, single ages summed), the better direction, the utgiftsbehov sector for need
correction, and quality or coverage indicators shown beside the cost. :func:`rows_for` turns
it into the rows of tblHenting, tblAvledet and tblIndikatorer for one municipality, group and
year, which ``kommuneokonomi new innsparing FIL --kommune --år --gruppe`` writes.

Unit costs are derived, never typed: ``<line>`` = ``<line>_netto`` (1000 kr) / target group
x 1000, in kroner per inhabitant of the group, and the saving is priced on the own
municipality's target group (kroner x inhabitants; no further factor). The target groups are
fetched with Tidspunkt ``31.12.`` (the population at the end of the year, 1 January of the
year after), the denominator KOSTRA's own per-inhabitant figures use.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

__all__ = [
    "Catalogue",
    "Line",
    "Quality",
    "TargetGroup",
    "load_catalogue",
    "rows_for",
    "standard_workbook",
]


@dataclass(frozen=True)
class TargetGroup:
    id: str
    navn: str
    alder: str  # Utvalg codes for Alder in 07459, e.g. "006-015"


@dataclass(frozen=True)
class Quality:
    """An indicator shown beside a line's cost: a cheap reference may be a poor one.

    With ``per`` (a target group) the fetched series is a count, ``<indikator>_antall``, and
    the indicator is derived from it: count / the group's inhabitants x ``faktor`` (e.g.
    legeårsverk per 10 000 innbyggere).
    """

    indikator: str
    navn: str
    tabell: str
    innhold: str
    beste: str
    verifisert: str
    utvalg: str = ""
    per: str = ""
    faktor: float = 1.0

    @property
    def fetched(self) -> str:
        """The id of the fetched series: the indicator itself, or its count."""
        return f"{self.indikator}_antall" if self.per else self.indikator


@dataclass(frozen=True)
class Line:
    sektor: str
    indikator: str
    navn: str
    funksjoner: tuple[str, ...]
    malgruppe: str
    beste: str
    behovssektor: str = ""
    kvalitet: tuple[Quality, ...] = ()

    @property
    def spending(self) -> str:
        """The id of the fetched spending series (1000 kr)."""
        return f"{self.indikator}_netto"


@dataclass(frozen=True)
class Catalogue:
    spending_table: str
    spending_contents: str
    spending_art: str
    spending_verified: str
    population_table: str
    population_contents: str
    population_region: str
    population_sex: str
    population_verified: str
    groups: tuple[TargetGroup, ...]
    lines: tuple[Line, ...]
    #: tblHenting's Tidspunkt for the population ("31.12.": as KOSTRA divides)
    population_time: str = ""

    def group(self, group_id: str) -> TargetGroup:
        return next(g for g in self.groups if g.id == group_id)


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    """The packaged catalogue, read and checked once.

    Raises:
        ValueError: the data file is inconsistent (a packaging bug): an unknown target group,
            a function in two lines, an id used twice.
    """
    text = (
        resources.files("kommuneokonomi")
        .joinpath("data/katalog/innsparing.toml")
        .read_text(encoding="utf-8")
    )
    doc: dict[str, Any] = tomllib.loads(text)
    groups = tuple(TargetGroup(**g) for g in doc["malgruppe"])
    lines = tuple(
        Line(
            **{k: v for k, v in line.items() if k not in ("kvalitet", "funksjoner")},
            funksjoner=tuple(line["funksjoner"]),
            kvalitet=tuple(Quality(**q) for q in line.get("kvalitet", ())),
        )
        for line in doc["linje"]
    )
    catalogue = Catalogue(
        spending_table=doc["utgift"]["tabell"],
        spending_contents=doc["utgift"]["innhold"],
        spending_art=doc["utgift"]["art"],
        spending_verified=doc["utgift"]["verifisert"],
        population_table=doc["befolkning"]["tabell"],
        population_contents=doc["befolkning"]["innhold"],
        population_region=doc["befolkning"]["regionvariabel"],
        population_sex=doc["befolkning"]["kjonn"],
        population_verified=doc["befolkning"]["verifisert"],
        population_time=doc["befolkning"].get("tidspunkt", ""),
        groups=groups,
        lines=lines,
    )
    _check(catalogue)
    return catalogue


def _check(catalogue: Catalogue) -> None:
    group_ids = {g.id for g in catalogue.groups}
    seen_functions: dict[str, str] = {}
    ids: set[str] = set(group_ids)
    for line in catalogue.lines:
        if line.malgruppe not in group_ids:
            raise ValueError(f"{line.indikator}: ukjent målgruppe {line.malgruppe}")
        for function in line.funksjoner:
            if function in seen_functions:
                raise ValueError(
                    f"funksjon {function} er med i både {seen_functions[function]} og "
                    f"{line.indikator}"
                )
            seen_functions[function] = line.indikator
        for q in line.kvalitet:
            if q.per and q.per not in group_ids:
                raise ValueError(f"{q.indikator}: ukjent målgruppe {q.per}")
        qualities = {q.indikator for q in line.kvalitet} | {q.fetched for q in line.kvalitet}
        for series in (line.indikator, line.spending, *sorted(qualities)):
            if series in ids:
                raise ValueError(f"serien {series} står to ganger i katalogen")
            ids.add(series)


@dataclass(frozen=True)
class CatalogueRows:
    """The input rows a new workbook gets from the catalogue (lists in the layout's column
    order: tblHenting, tblAvledet, tblIndikatorer)."""

    henting: list[list[object]]
    avledet: list[list[object]]
    indikatorer: list[list[object]]


def rows_for(group: str, years: str, *, catalogue: Catalogue | None = None) -> CatalogueRows:
    """The catalogue's rows for ``group`` (a group in tblKommuner) over ``years`` (``2015-2024``).

    Each target group is fetched once, and listed in tblIndikatorer as a series (``-`` in both
    references) so its name is known; quality indicators are listed the same way and named in
    their cost line's ``Kvalitet``.
    """
    cat = catalogue or load_catalogue()
    henting: list[list[object]] = []
    avledet: list[list[object]] = []
    indikatorer: list[list[object]] = []
    used_groups: list[str] = []
    for line in cat.lines:
        henting.append(
            [
                cat.spending_table,
                cat.spending_contents,
                line.spending,
                group,
                years,
                f"KOKfunksjon0000={','.join(line.funksjoner)}; {cat.spending_art}",
                None,
                None,
            ]
        )
        avledet.append([line.indikator, line.spending, line.malgruppe, 1000])
        target = cat.group(line.malgruppe)
        indikatorer.append(
            [
                line.indikator,
                line.navn,
                line.sektor,
                f"kr per {target.navn[0].lower()}{target.navn[1:]}".replace(
                    "per innbyggere", "per innbygger"
                ),
                line.beste,
                "absolutt",
                line.malgruppe,
                None,
                None,
                None,
                None,
                "; ".join(q.indikator for q in line.kvalitet) or None,
            ]
        )
        if line.malgruppe not in used_groups:
            used_groups.append(line.malgruppe)
        for q in line.kvalitet:
            henting.append(
                [q.tabell, q.innhold, q.fetched, group, years, q.utvalg or None, None, None]
            )
            indikatorer.append(_listed(q.indikator, q.navn, line.sektor, None, q.beste or None))
            if q.per:
                avledet.append([q.indikator, q.fetched, q.per, q.faktor])
                if q.per not in used_groups:
                    used_groups.append(q.per)
    for group_id in used_groups:
        target = cat.group(group_id)
        henting.append(
            [
                cat.population_table,
                cat.population_contents,
                target.id,
                group,
                years,
                f"{cat.population_sex}; Alder={target.alder}",
                cat.population_region,
                cat.population_time or None,
            ]
        )
        indikatorer.append(_listed(target.id, target.navn, "Befolkning", "personer", None))
    return CatalogueRows(henting=henting, avledet=avledet, indikatorer=indikatorer)


def _listed(
    indikator: str, navn: str, sektor: str, enhet: str | None, beste: str | None
) -> list[object]:
    """A tblIndikatorer row that only lists a series for its name and unit (``-`` in both
    references): a target group or a quality indicator, no savings line."""
    return [indikator, navn, sektor, enhet, beste, None, None, None, "-", "-", None, None]


def standard_workbook(kommune: str, aar: int, gruppe: str) -> Workbook:
    """The standard analysis workbook (``new innsparing --kommune --år --gruppe`` and the
    button «Standardanalyse»): for a KOSTRA group (``EKG12``) its members that year are
    fetched from SSB's KLASS first (:func:`kommuneokonomi.ssb.klass.kostra_group`); with
    ``kommune`` ``Alle`` and ``gruppe`` ``EKG`` every municipality is compared with its own
    KOSTRA group (national mode)."""
    from .ssb.klass import is_all_groups, kostra_group, kostra_groups, normalize_group
    from .workbook.build import analysis_workbook

    if kommune.strip().casefold() == "alle" and is_all_groups(gruppe):
        return analysis_workbook(kommune, aar, gruppe, groups=list(kostra_groups(aar).values()))
    kostra = kostra_group(gruppe, aar) if normalize_group(gruppe) is not None else None
    return analysis_workbook(kommune, aar, gruppe, kostra=kostra)
