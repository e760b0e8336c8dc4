"""One typed request from ``tblInnstillinger``: the only parser of a savings workbook's settings.

Every entry point (command line, buttons, the worksheet function ``KO_INNSPARINGSTABELL``, the
bundled examples) and both modes (one municipality, or ``Egen kommune`` = ``Alle``) read the
settings here, with one set of Norwegian messages. The modes differ only by the data the
request carries: ``egen_kommune`` is None for every municipality, ``aar`` None for every year,
and ``grupper`` says which group each municipality is compared with.

Rules, the same in both modes:

* ``Egen kommune``: a municipality of the comparison group, or ``Alle``.
* ``År``: a whole year; may be blank only with ``Alle`` (then every year is reported).
* ``Sammenligningsgruppe``: a ``Gruppe`` of ``tblKommuner``. With one municipality it is
  required. With ``Alle`` it may be blank: each municipality is then compared with its own
  ``Gruppe`` (its KOSTRA group); if given, every member is compared with that group.
* ``Referanse 1`` / ``Referanse 2``: ``snitt``, ``median``, ``N. beste`` or a member's name.
* ``Snitt: ta med egen kommune`` (Ja/Nei), ``Snitt: utelat`` (members' names),
  ``Snitt: vekt`` (an indicator id, checked against the data by the engine).

Names are matched without regard to case, Unicode form or invisible characters
(:func:`name_key`), and the request carries the table's own spelling.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .engine.references import MeanOptions, ReferenceSpec, name_key
from .engine.savings import SavingsSettings
from .errors import ErrorCode, InputError, InputErrors, KommuneokonomiError, Location
from .workbook.tables import ReadTable

__all__ = ["ALL", "SavingsRequest", "SettingsTable", "is_national", "name_key", "parse_request"]

#: The values of ``Egen kommune`` that ask for every municipality.
ALL = frozenset({"alle", "alle kommuner"})

YES = frozenset({"ja", "j", "yes", "true", "sann", "1"})
NO = frozenset({"nei", "n", "no", "false", "usann", "0", ""})


def is_national(own: object) -> bool:
    """Whether a value of ``Egen kommune`` asks for every municipality."""
    return name_key(own) in ALL


class SettingsTable:
    """The ``Innstilling``/``Verdi`` pairs of a read ``tblInnstillinger``, with each value's
    cell; keys matched without regard to case. Shared with the budget workbook."""

    def __init__(self, table: ReadTable) -> None:
        self.table = table
        self.values: dict[str, str] = {}
        self.rows: dict[str, int] = {}
        for i, rec in enumerate(table.frame.to_dict("records")):
            key = str(rec.get("innstilling") or "").strip()
            if key:
                value = rec.get("verdi")
                self.values[key.casefold()] = "" if value is None else _setting_text(value)
                self.rows[key.casefold()] = i

    def get(self, key: str, default: str = "") -> str:
        return self.values.get(key.casefold(), default).strip()

    def has(self, key: str) -> bool:
        return key.casefold() in self.rows

    def where(self, key: str) -> Location:
        """The cell of the setting's value (the table's first cell if the row is missing)."""
        row = self.rows.get(key.casefold())
        if row is None:
            return self.table.raw.location(None, 0)
        return self.table.cell(row, "verdi")

    def error(self, key: str, message: str, code: ErrorCode | str) -> InputError:
        if not self.has(key):
            return InputError(
                f"innstillingen '{key}' mangler i tabellen {self.table.spec.name}; legg til en "
                f"rad med Innstilling '{key}' og en verdi",
                code="mangler_innstilling",
                location=self.where(key),
            )
        return InputError(f"innstillingen '{key}': {message}", code=code, location=self.where(key))


def _setting_text(value: object) -> str:
    """A settings cell as text; a whole number typed as 2007.0 reads ``2007``."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class SavingsRequest:
    """What a savings workbook asks for, validated.

    Attributes:
        egen_kommune: the own municipality (the table's spelling), or None for every one.
        aar: the year analysed; None for every year in the data (only with ``Alle``).
        gruppe: the comparison group's name; None when each municipality is compared with its
            own ``Gruppe`` (only with ``Alle``).
        grupper: municipality -> the group it is compared with, for every municipality in
            the run (the comparison group's members, or every grouped municipality).
        referanse_1, referanse_2: the default references (cell text, e.g. ``3. beste``).
        snitt: how the mean is taken.
        snitt_vekt: the weight indicator's id, or None for an unweighted mean.
        settings: the settings table, to name a setting's cell in a message.
    """

    egen_kommune: str | None
    aar: int | None
    gruppe: str | None
    grupper: Mapping[str, str]
    referanse_1: str = "snitt"
    referanse_2: str = "3. beste"
    snitt: MeanOptions = field(default_factory=MeanOptions)
    snitt_vekt: str | None = None
    settings: SettingsTable | None = field(default=None, compare=False, repr=False)

    @property
    def national(self) -> bool:
        """Every municipality (``Egen kommune`` = ``Alle``)."""
        return self.egen_kommune is None

    def members(self, kommune: str) -> tuple[str, ...]:
        """The group ``kommune`` is compared with, itself included, in table order."""
        group = self.grupper[kommune]
        return tuple(k for k, g in self.grupper.items() if g == group)

    def for_kommune(self, kommune: str, *, aar: int | None = None) -> SavingsSettings:
        """The engine's settings for one municipality of this request (the own one, or any
        municipality of a national run) in ``aar`` (default: the request's year)."""
        year = self.aar if aar is None else aar
        if year is None:
            raise ValueError("a year is needed for one municipality's table")
        return SavingsSettings(
            egen_kommune=kommune,
            aar=year,
            kommuner=self.members(kommune),
            referanse_1=self.referanse_1,
            referanse_2=self.referanse_2,
            snitt=self.snitt,
            snitt_vekt=self.snitt_vekt,
        )

    def where(self, key: str) -> Location | None:
        """The cell of a setting, when the request came from a table."""
        return None if self.settings is None else self.settings.where(key)


def parse_request(
    settings_table: ReadTable,
    kommuner: ReadTable | None,
    *,
    data_kommuner: Sequence[str] | None = None,
) -> SavingsRequest:
    """Validate ``tblInnstillinger`` against ``tblKommuner`` into one :class:`SavingsRequest`.

    Args:
        settings_table: the read ``tblInnstillinger``.
        kommuner: the read ``tblKommuner``; None if it could not be read (its own problems are
            reported elsewhere, and the checks against the groups are left out) or when
            ``data_kommuner`` stands in for it.
        data_kommuner: with no ``tblKommuner`` at all (the worksheet function without its
            optional range): every municipality in the data forms the comparison group.

    Raises:
        InputErrors: every problem of the settings, each with its cell.
    """
    settings = SettingsTable(settings_table)
    problems: list[KommuneokonomiError] = []

    def fail(key: str, message: str, code: str) -> None:
        problems.append(settings.error(key, message, code))

    own_text = settings.get("Egen kommune")
    national = is_national(own_text)
    if not own_text:
        fail("Egen kommune", "mangler verdi", "mangler_innstilling")

    year = _year(settings, required=not national, problems=problems)

    rows: list[tuple[str, str, int]] = []  # kommune, gruppe, row in tblKommuner
    if kommuner is not None:
        frame = kommuner.frame
        for i, (k, g) in enumerate(zip(frame["kommune"], frame["gruppe"], strict=True)):
            name = str(k or "").strip()
            if name:
                rows.append((name, str(g or "").strip(), i))
    elif data_kommuner is not None:
        rows = [(k, settings.get("Sammenligningsgruppe"), -1) for k in data_kommuner]
    known = kommuner is not None or data_kommuner is not None

    group = settings.get("Sammenligningsgruppe")
    grupper: dict[str, str] = {}
    if group:
        for name, g, _ in rows:
            if name_key(g) == name_key(group):
                grupper.setdefault(name, group)
        if known and not grupper:
            fail(
                "Sammenligningsgruppe",
                f"gruppen '{group}' har ingen kommuner i tabellen tblKommuner",
                "ukjent_gruppe",
            )
    elif not national:
        fail(
            "Sammenligningsgruppe",
            "mangler verdi (skriv en gruppe fra kolonnen Gruppe i tblKommuner, f.eks. ASSS)",
            "mangler_innstilling",
        )
    elif known:
        # every municipality against its own Gruppe: one group each
        first: dict[str, tuple[str, int]] = {}
        for name, g, i in rows:
            if not g:
                continue
            key = name_key(name)
            if key in first and name_key(first[key][0]) != name_key(g):
                assert kommuner is not None
                problems.append(
                    InputError(
                        f"'{name}' står i både gruppe '{first[key][0]}' og '{g}'; med 'Alle' og "
                        "tom Sammenligningsgruppe sammenlignes hver kommune med sin egen gruppe, "
                        "så hver kommune kan bare ha én gruppe (eller velg en "
                        "Sammenligningsgruppe)",
                        code="flere_grupper",
                        location=kommuner.cell(i, "gruppe"),
                    )
                )
                continue
            first.setdefault(key, (g, i))
            grupper.setdefault(name, g)
        if not grupper:
            problems.append(
                InputError(
                    "'Alle' trenger en gruppe per kommune i tblKommuner (kolonnen Gruppe), "
                    "eller en Sammenligningsgruppe",
                    code="ukjent_gruppe",
                    location=settings.where("Egen kommune"),
                )
            )
    canonical = {name_key(k): k for k in grupper}
    scope = f"gruppen '{group}'" if group else "tblKommuner"

    own: str | None = None
    if own_text and not national:
        own = canonical.get(name_key(own_text), own_text.strip())
        if known and grupper and name_key(own_text) not in canonical:
            fail(
                "Egen kommune",
                f"'{own_text}' er ikke med i sammenligningsgruppen '{group}' i tblKommuner",
                "ukjent_kommune",
            )

    refs: dict[str, str] = {}
    # an explicit group must be large enough for N. beste; with each municipality against its
    # own Gruppe, a small group gets no N. beste (an empty reference) instead of stopping the run
    smallest = len(grupper) if group and grupper else None
    for key, default in (("Referanse 1", "snitt"), ("Referanse 2", "3. beste")):
        refs[key] = settings.get(key, default) or default
        try:
            spec = ReferenceSpec.parse(refs[key])
        except KommuneokonomiError as exc:
            fail(key, exc.message, exc.code)
            continue
        if spec.kind == "kommune" and own and name_key(spec.kommune) == name_key(own):
            fail(
                key,
                f"'{spec.kommune}' er egen kommune: en kommune kan ikke sammenlignes med seg "
                "selv. Velg en annen kommune, snitt, median eller N. beste",
                "ugyldig_referanse",
            )
        elif spec.kind == "kommune" and grupper and name_key(spec.kommune) not in canonical:
            fail(key, f"'{spec.kommune}' er ikke en kommune i {scope}", "ukjent_kommune")
        elif spec.kind == "kommune":
            refs[key] = canonical.get(name_key(spec.kommune), refs[key])
        if spec.kind == "nte_beste" and spec.n < 1:
            fail(
                key,
                f"'{refs[key]}': nummeret må være minst 1 (1. beste er den beste)",
                "ugyldig_referanse",
            )
        elif spec.kind == "nte_beste" and smallest is not None and spec.n > smallest - 1:
            fail(
                key,
                f"'{refs[key]}': gruppen '{group}' har bare {smallest - 1} andre kommuner",
                "for_faa_kommuner",
            )

    include_text = settings.get("Snitt: ta med egen kommune", "Nei")
    if include_text.casefold() not in YES | NO:
        fail(
            "Snitt: ta med egen kommune", f"'{include_text}' er ikke Ja eller Nei", "ugyldig_ja_nei"
        )
    exclude: list[str] = []
    for name in (x.strip() for x in settings.get("Snitt: utelat").split(",")):
        if not name:
            continue
        if grupper and name_key(name) not in canonical:
            fail("Snitt: utelat", f"'{name}' er ikke en kommune i {scope}", "ukjent_kommune")
        exclude.append(canonical.get(name_key(name), name))
    weight = settings.get("Snitt: vekt") or None

    InputErrors.raise_if_any(problems)
    return SavingsRequest(
        egen_kommune=own,
        aar=year,
        gruppe=group or None,
        grupper=grupper,
        referanse_1=refs["Referanse 1"],
        referanse_2=refs["Referanse 2"],
        snitt=MeanOptions(
            include_own=include_text.casefold() in YES,
            exclude=tuple(exclude),
            weighted=weight is not None,
        ),
        snitt_vekt=weight,
        settings=settings,
    )


def _year(
    settings: SettingsTable, *, required: bool, problems: list[KommuneokonomiError]
) -> int | None:
    text = settings.get("År")
    if not text and not required:
        return None
    try:
        value = float(text.replace(",", "."))
        if not value.is_integer() or not 1900 <= value <= 2200:
            raise ValueError
    except (ValueError, OverflowError):
        problems.append(
            settings.error(
                "År",
                f"'{text}' er ikke et gyldig årstall (skriv et helt år, f.eks. 2007)"
                if text
                else "mangler verdi (skriv et helt år, f.eks. 2007)",
                "ugyldig_aar",
            )
        )
        return None
    return int(value)
