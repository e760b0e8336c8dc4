"""Build src/kommuneokonomi/data/ssb/kommunenummer.csv from SSB's KLASS 131 changes.

Input (``scripts/klass131/``, see the README there): every change of municipality numbers and
names from 1 January 2017 to 1 January 2024, and the municipalities of 2024. Output: one
*series* per municipality, each with its numbers and the statistics years they were valid, in
the shape :mod:`kommuneokonomi.ssb.regions` reads.

Working backwards from 2024, year by year:

* a number that changed to exactly one new number, which has no other predecessor, is the same
  municipality (a renumbering or a new name): same series;
* in a merger, the predecessor with the new municipality's name goes on as it (Kristiansand
  1001 -> 4204 with Søgne and Songdalen); the others end the year before (their own series,
  never added to the merged one); with a new name (Indre Østfold), every predecessor ends;
* in a split, the successor with the old name goes on (Ålesund 1507 -> 1508); otherwise the old
  municipality ends (Tysfjord, Snillfjord);
* a municipality that ended and later came back under its own name (Haram: merged into Ålesund
  2020, split out again 2024) is one series with a gap.

Names: the series keeps the name it has in the hand-checked names below (short Norwegian names
for the ASSS and other large municipalities, as the example workbooks use), else SSB's
official name of its latest number. Usage: ``python scripts/lag_kommunenummer.py`` (rewrites
the CSV; the tests check it against the rules above and the known cases).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "scripts" / "klass131"
TARGET = ROOT / "src" / "kommuneokonomi" / "data" / "ssb" / "kommunenummer.csv"

#: Short names for series whose official name is longer (several languages), as the package
#: has used them: the ASSS municipalities and other large ones.
SHORT_NAMES = {
    "5001": "Trondheim",
    "5501": "Tromsø",
    "5503": "Harstad",
    "5037": "Levanger",
    "1833": "Rana",
}

#: Mergers where the predecessor with the new name was the smaller part and does not go on as
#: the new municipality: its series ends, under this name (the new Øygarden of 2020 is mostly
#: the former Fjell; the old Øygarden had a tenth of its inhabitants).
NOT_CONTINUED = {"1259": "Øygarden (til 2019)"}


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("|") for line in f if line.strip()]
    return rows[1:]  # header


def _forms(name: str) -> set[str]:
    """A name's forms in its languages, without county qualifier: 'Tromsø - Romsa - Tromssa'."""
    return {p.strip().casefold() for p in re.sub(r"\s*\(.*?\)", "", name).split(" - ")}


def _same(a: str, b: str) -> bool:
    """Whether two names share a form (the same municipality under a new number)."""
    return bool(_forms(a) & _forms(b))


@dataclass
class Series:
    key: str
    name: str
    # number -> [first year, last year] (None: open)
    periods: dict[str, list[int | None]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    merged_into: str | None = None  # the series it merged into (when it ended)
    split_from: str | None = None  # the series it was split out of (when it began)


def build() -> list[Series]:
    changes = _read(SOURCE / "endringer_2017_2024.psv")
    latest = {code: name for code, name in _read(SOURCE / "kommuner_2024.psv")}
    series: dict[str, Series] = {}  # by key
    of_code: dict[str, Series] = {}  # the series each number belongs to
    for code, name in latest.items():
        s = Series(key=code, name=name, periods={code: [None, None]})
        series[code] = s
        of_code[code] = s
    years = sorted({int(r[4][:4]) for r in changes}, reverse=True)
    for year in years:
        rows = [r for r in changes if int(r[4][:4]) == year]
        successors: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        predecessors: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for old, old_name, new, new_name, _ in rows:
            successors[old].append((new, new_name, old_name))
            predecessors[new].append((old, old_name, new_name))
        for new in predecessors:
            if new not in successors:  # a new number (not one kept through a merger or rename)
                of_code[new].periods[new][0] = year
        for old, news in successors.items():
            old_name = news[0][2]
            target: Series | None = None
            if len(news) == 1:
                new, new_name, _ = news[0]
                olds = predecessors[new]
                if len(olds) == 1 or (_same(old_name, new_name) and old not in NOT_CONTINUED):
                    target = of_code[new]
            else:  # a split: the successor with the old name goes on
                for new, new_name, _ in news:
                    if _same(old_name, new_name):
                        target = of_code[new]
            moved = ", ".join(f"{n} {nn}" for n, nn, _ in news)
            if target is not None:
                if old not in target.periods:
                    target.periods[old] = [None, year - 1]
                if old not in [n for n, _, _ in news]:
                    target.notes.append(f"{year}: {old} -> {moved}")
                of_code[old] = target
                for new, _, _ in news:  # the other parts of a split begin here
                    if of_code[new] is not target:
                        of_code[new].split_from = target.key
                continue
            if old in series:
                raise ValueError(f"serien {old} finnes fra før")
            ended = Series(
                key=old, name=NOT_CONTINUED.get(old, old_name), periods={old: [None, year - 1]}
            )
            series[old] = ended
            of_code[old] = ended
            for new, _, _ in news:
                receiver = of_code[new]
                if len(news) == 1:
                    ended.merged_into = receiver.key
                    ended.notes.append(f"{year}: slått sammen med {receiver.name} ({new})")
                    receiver.notes.append(
                        f"{year}: {old_name} ({old}) slått sammen med {receiver.name}"
                    )
                else:
                    ended.notes.append(f"{year}: delt; deler lagt til {receiver.name} ({new})")
                    receiver.notes.append(
                        f"{year}: deler av {old_name} ({old}) lagt til {receiver.name}"
                    )
    _join_returning(series)
    for key, short in SHORT_NAMES.items():
        series[key].name = short
    names = defaultdict(list)
    for s in series.values():
        names[s.name.casefold()].append(s)
    for same in names.values():
        if len(same) > 1:
            for s in same:
                s.name = f"{s.name} ({s.key})"
    return sorted(series.values(), key=lambda s: s.key)


def _join_returning(series: dict[str, Series]) -> None:
    """A municipality that merged into another and was split out of it again under its own
    name (Haram: into Ålesund 2020, out again 2024) is one series with a gap."""
    for early in list(series.values()):
        for late in list(series.values()):
            if (
                early.merged_into is not None
                and early.merged_into == late.split_from
                and _same(early.name, late.name)
            ):
                late.periods.update(early.periods)
                late.notes = early.notes + late.notes
                del series[early.key]


def write(rows: list[Series], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["serie", "kommune", "nummer", "fra_aar", "til_aar", "endring"])
        for s in rows:
            note = "; ".join(sorted(dict.fromkeys(s.notes), key=lambda n: n[:4])) or "uendret"
            for code, (first, last) in sorted(s.periods.items(), key=lambda item: item[1][0] or 0):
                out.writerow([s.key, s.name, code, first or "", last or "", note])


def main() -> None:
    rows = build()
    write(rows, TARGET)
    n = sum(len(s.periods) for s in rows)
    print(f"{TARGET}: {len(rows)} serier, {n} nummer")


if __name__ == "__main__":
    main()
