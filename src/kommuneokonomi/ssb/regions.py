"""Municipality numbers across the 2018, 2020 and 2024 renumberings.

SSB's KOSTRA tables list a municipality under the number it had in each year: Trondheim is
``1601`` up to 2017 and ``5001`` from 2018, Tromsø ``1902``, ``5401`` (2020-2023) and ``5501``
(from 2024). To keep a series over years one municipality, each :class:`Municipality` holds
its numbers with the years they were valid (:class:`Period`), and the fetch asks for the
number valid in each year and writes every row under one name.

The data is ``kommuneokonomi/data/ssb/kommunenummer.csv`` (and ``grupper.csv`` for the built-in
ASSS group), built by ``scripts/lag_kommunenummer.py`` from SSB's classification of
municipalities, KLASS 131: every municipality from 2015 on, with its changes of 2017, 2018,
2019, 2020, 2022, 2023 and 2024 (see the README in that folder).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

__all__ = [
    "SOURCE",
    "Municipality",
    "Period",
    "Renumbering",
    "load_renumbering",
    "normalize_number",
]

SOURCE = "SSB, Standard for kommuneinndeling (KLASS 131), alle kommuner og endringene 2017-2024"

_DIGITS = re.compile(r"^\d{1,4}$")


def normalize_number(text: object) -> str | None:
    """A municipality number as four digits (Excel may have dropped the leading zero:
    ``301`` -> ``0301``), or None if ``text`` is not a number of one to four digits."""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    value = str(text).strip() if text is not None else ""
    return value.zfill(4) if _DIGITS.match(value) else None


@dataclass(frozen=True)
class Period:
    """A number and the statistics years it was valid (None: open-ended)."""

    code: str
    first: int | None = None
    last: int | None = None

    def valid(self, year: int) -> bool:
        return (self.first is None or year >= self.first) and (
            self.last is None or year <= self.last
        )


@dataclass(frozen=True)
class Municipality:
    """A municipality as one series: a name and its numbers over time.

    Attributes:
        key: a stable id (the latest number, from the renumbering table; or the numbers).
        name: the name the rows get in tblData.
        periods: its numbers, each with the years it was valid.
        note: what changed (Norwegian), for messages.
    """

    key: str
    name: str
    periods: tuple[Period, ...]
    note: str = ""

    def codes_for(self, year: int) -> tuple[str, ...]:
        """The numbers valid in ``year``, in the order they are preferred."""
        return tuple(p.code for p in self.periods if p.valid(year))

    def codes_in(self, years: Iterable[int]) -> tuple[str, ...]:
        """Every number valid in at least one of ``years`` (the ones to request)."""
        wanted = list(years)
        return tuple(p.code for p in self.periods if any(p.valid(y) for y in wanted))

    def named(self, name: str) -> Municipality:
        return replace(self, name=name)

    def changed_in(self, year: int) -> str | None:
        """What changed the municipality's area on 1 January of ``year`` (a merger into it,
        parts added, a split), from the renumbering table's notes; None if nothing did (a new
        number alone is no change of area)."""
        changes = []
        for part in self.note.split(";"):
            text = part.strip()
            if not text.startswith(f"{year}:"):
                continue
            what = text.split(":", 1)[1]
            split = "->" in what and "," in what.split("->", 1)[1]
            if split or any(w in what for w in ("slått sammen", "lagt til", "delt")):
                changes.append(text)
        return "; ".join(changes) or None

    @classmethod
    def of_numbers(cls, name: str, codes: Sequence[str]) -> Municipality:
        """A series of numbers whose years are not known: each year takes the first number
        listed that has a value (see :mod:`.fetch`)."""
        return cls(key="/".join(codes), name=name, periods=tuple(Period(c) for c in codes))


class Renumbering:
    """The renumbering table: municipalities by any of their numbers, by name, and groups."""

    def __init__(
        self, municipalities: Iterable[Municipality], groups: dict[str, tuple[str, ...]]
    ) -> None:
        self.municipalities: dict[str, Municipality] = {m.key: m for m in municipalities}
        self._by_number: dict[str, Municipality] = {}
        for m in self.municipalities.values():
            for p in m.periods:
                if p.code in self._by_number:
                    raise ValueError(f"kommunenummer {p.code} står i to serier")
                self._by_number[p.code] = m
        self._groups = {g.casefold(): keys for g, keys in groups.items()}

    def by_number(self, number: object) -> Municipality | None:
        code = normalize_number(number)
        return self._by_number.get(code) if code else None

    def by_name(self, name: str) -> list[Municipality]:
        """Municipalities called ``name``: the whole name, or one of its forms in other
        languages (``Romsa`` and ``Tromssa`` find Tromsø, ``Tana`` finds Deatnu - Tana)."""
        wanted = name.strip().casefold()
        exact = [m for m in self.municipalities.values() if m.name.casefold() == wanted]
        if exact:
            return exact
        return [
            m
            for m in self.municipalities.values()
            if wanted in {part.strip().casefold() for part in m.name.split(" - ")}
        ]

    def group(self, name: str) -> list[Municipality] | None:
        """The members of a built-in group (``ASSS``), or None if there is no such group."""
        keys = self._groups.get(name.strip().casefold())
        return None if keys is None else [self.municipalities[k] for k in keys]


def _read(name: str) -> list[dict[str, str]]:
    text = (resources.files("kommuneokonomi") / "data" / "ssb" / name).read_text(encoding="utf-8")
    return [dict(r) for r in csv.DictReader(io.StringIO(text))]


def _year(text: str) -> int | None:
    text = text.strip()
    return int(text) if text else None


@lru_cache(maxsize=1)
def load_renumbering() -> Renumbering:
    """The package's renumbering table (read once)."""
    periods: dict[str, list[Period]] = {}
    names: dict[str, str] = {}
    notes: dict[str, list[str]] = {}
    for row in _read("kommunenummer.csv"):
        key = row["serie"].strip()
        names.setdefault(key, row["kommune"].strip())
        periods.setdefault(key, []).append(
            Period(row["nummer"].strip(), _year(row["fra_aar"]), _year(row["til_aar"]))
        )
        note = row["endring"].strip()
        if note and note not in notes.setdefault(key, []):
            notes[key].append(note)
    municipalities = [
        Municipality(
            key=key,
            name=names[key],
            # the newest number first: where periods overlap, it is preferred
            periods=tuple(sorted(ps, key=lambda p: -(p.first or 0))),
            note="; ".join(notes.get(key, [])),
        )
        for key, ps in periods.items()
    ]
    groups: dict[str, list[str]] = {}
    for row in _read("grupper.csv"):
        groups.setdefault(row["gruppe"].strip(), []).append(row["serie"].strip())
    return Renumbering(municipalities, {g: tuple(k) for g, k in groups.items()})
