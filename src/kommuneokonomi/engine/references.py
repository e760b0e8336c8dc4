"""Peer references: what the own municipality is compared with.

Every function takes the values of one indicator in one year as a Series indexed by kommune
name (NaN where a value is missing) and returns a :class:`Reference`: the value, which
municipality supplied it (for the n-th best or a named peer) and a Norwegian label.

The defaults follow the 2008 Trondheim report (R): the mean of "de øvrige ASSS-kommunene"
excludes the own municipality; the 3rd "best" ASSS municipality is chosen among the others
"for å unngå at sammenlikningsgrunnlaget er sterkt påvirket av feilføringer i KOSTRA".
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import Context, InputError

__all__ = [
    "BETTER_VALUES",
    "Better",
    "MeanOptions",
    "Reference",
    "ReferenceSpec",
    "check_n",
    "compute_reference",
    "mean_label",
    "mean_reference",
    "median_reference",
    "name_key",
    "named_reference",
    "nth_best",
    "parse_better",
    "reference_kommune_without_value",
    "require_peers",
    "shown_name",
    "unknown_reference_kommune",
]

#: "lav": a lower value is better (unit costs); "høy": higher is better (user payments,
#: group sizes).
Better = Literal["lav", "høy"]
BETTER_VALUES: tuple[Better, ...] = ("lav", "høy")


def parse_better(text: object) -> Better:
    """Read ``Beste`` as typed by a user: lav/lavest/lower or høy/høyest/hoy/higher."""
    key = str(text).strip().lower()
    if key in {"lav", "lavest", "lavt", "lower", "low"}:
        return "lav"
    if key in {"høy", "høyest", "høyt", "hoy", "hoyest", "higher", "high"}:
        return "høy"
    raise InputError(
        f"'{text}' er ikke en gyldig verdi for beste (bruk lav eller høy)", code="ugyldig_beste"
    )


@dataclass(frozen=True)
class Reference:
    """A reference value and where it came from.

    Attributes:
        value: the reference value, in the indicator's own unit.
        kommune: the municipality whose value it is (n-th best, named peer), else None.
        label: short Norwegian label, e.g. ``snitt``, ``3. beste``, ``Bergen``.
        n_peers: how many peer values it was computed from.
    """

    value: float
    kommune: str | None
    label: str
    n_peers: int


@dataclass(frozen=True)
class MeanOptions:
    """How a mean is taken.

    Attributes:
        include_own: count the own municipality in the mean (R: no, "de øvrige"; the 2019
            slides' "Snitt ASSS": yes).
        exclude: municipalities left out (R Tabell 1 leaves out Oslo).
        weighted: weight by another indicator's values (e.g. innbyggere) rather than 1 each.
    """

    include_own: bool = False
    exclude: tuple[str, ...] = ()
    weighted: bool = False


# zero-width space/joiners, word joiner, BOM and soft hyphen: invisible in a cell
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def name_key(name: object) -> str:
    """What two spellings of one municipality have in common: Unicode form (NFC), invisible
    characters, runs of spaces and case do not count, so ``" bergen"``, ``"BERGEN"`` and
    ``"Bergen\u200b"`` all name Bergen. The one answer to "is this the same name?"."""
    return shown_name(name).casefold()


def shown_name(name: object) -> str:
    """A name as it should be shown: NFC, no invisible characters, single spaces, nothing
    around it; case kept. Two names are one when their :func:`name_key` is."""
    text = unicodedata.normalize("NFC", "" if name is None else str(name))
    return " ".join(text.translate(_INVISIBLE).split())


def _peers(
    values: pd.Series,
    *,
    own: str,
    include_own: bool = False,
    exclude: Iterable[str] = (),
) -> pd.Series:
    """The non-missing values of the peers (own municipality dropped unless included;
    exclusions matched by :func:`name_key`)."""
    drop = {name_key(k) for k in exclude}
    kept = values[[name_key(k) not in drop and (include_own or k != own) for k in values.index]]
    return kept.dropna().astype("float64")


def _require(count: int, needed: int, *, what: str) -> None:
    if count < needed:
        raise InputError(
            f"{what} trenger minst {needed} sammenligningskommuner med verdi, men bare "
            f"{count} har verdi",
            code="for_faa_kommuner",
        )


def check_n(n: int) -> None:
    """Raise ``ugyldig_n`` unless ``n`` (of "n. beste") is at least 1."""
    if n < 1:
        raise InputError(f"n må være minst 1, ikke {n}", code="ugyldig_n")


def require_peers(spec: ReferenceSpec, n_peers: int) -> None:
    """Raise the error the reference functions raise when ``n_peers`` valued peers are too few
    for ``spec`` (``for_faa_kommuner``; ``ugyldig_n`` for an n below 1); else return.

    The savings cube counts the peers of every reference instead of raising; the savings
    table turns an empty reference back into this error.
    """
    if spec.kind == "nte_beste":
        check_n(spec.n)
        _require(n_peers, spec.n, what=f"{spec.n}. beste")
    elif spec.kind == "snitt":
        _require(n_peers, 1, what="snittet")
    elif spec.kind == "median":
        _require(n_peers, 1, what="medianen")


def mean_label(*, include_own: bool, weighted: bool) -> str:
    """``snitt``, ``snitt med egen``, ``vektet snitt`` or ``vektet snitt med egen``."""
    label = "snitt" + (" med egen" if include_own else "")
    return f"vektet {label}" if weighted else label


def mean_reference(
    values: pd.Series,
    *,
    own: str,
    include_own: bool = False,
    exclude: Iterable[str] = (),
    weights: pd.Series | None = None,
) -> Reference:
    """The (weighted) mean of the peers' values.

    Args:
        values: the indicator per kommune (NaN = missing; missing peers are left out).
        own: the own municipality.
        include_own: count the own municipality in the mean.
        exclude: municipalities to leave out (e.g. ``["Oslo"]``).
        weights: per kommune, e.g. innbyggere; every peer in the mean needs a positive weight.
    """
    peers = _peers(values, own=own, include_own=include_own, exclude=exclude)
    _require(len(peers), 1, what="snittet")
    label = mean_label(include_own=include_own, weighted=weights is not None)
    if weights is None:
        return Reference(value=float(peers.mean()), kommune=None, label=label, n_peers=len(peers))
    w = weights.reindex(peers.index).astype("float64")
    bad = [k for k, x in w.items() if not (x > 0)]
    if bad:
        raise InputError(
            "vekten mangler eller er ikke positiv for " + ", ".join(str(b) for b in bad),
            code="ugyldig_vekt",
            context=Context(kommune=str(bad[0])),
        )
    value = float(np.dot(peers.to_numpy(), w.to_numpy()) / w.sum())
    return Reference(value=value, kommune=None, label=label, n_peers=len(peers))


def median_reference(
    values: pd.Series,
    *,
    own: str,
    include_own: bool = False,
    exclude: Iterable[str] = (),
) -> Reference:
    """The median of the peers' values (missing values left out)."""
    peers = _peers(values, own=own, include_own=include_own, exclude=exclude)
    _require(len(peers), 1, what="medianen")
    return Reference(value=float(peers.median()), kommune=None, label="median", n_peers=len(peers))


# Norwegian alphabet: ... x y z æ ø å (code points put å before æ and ø).
# "{", "|" and "}" are the three characters right after "z".
_NB_ORDER = str.maketrans({"æ": "{", "ø": "|", "å": "}"})


def norwegian_sort_key(name: str) -> str:
    """Sort key for names in Norwegian alphabetical order (Ørland before Ålesund).

    Case is ignored first; the name itself breaks the remaining ties, so the order is total.
    """
    return name.casefold().translate(_NB_ORDER) + "\x00" + name


def nth_best(values: pd.Series, *, own: str, n: int = 3, better: Better = "lav") -> Reference:
    """The n-th best peer value and which municipality has it.

    The own municipality and missing values never count. Ties are broken by name in Norwegian
    alphabetical order (æ, ø, å after z), so the answer does not depend on row order.

    Args:
        values: the indicator per kommune.
        own: the own municipality.
        n: 1 = best; R uses 3 ("3. beste").
        better: ``lav`` (lowest is best, unit costs) or ``høy`` (user payments, group sizes).
    """
    check_n(n)
    peers = _peers(values, own=own)
    _require(len(peers), n, what=f"{n}. beste")
    # value first (best first), then the Norwegian name key; sorted() is stable and the key
    # is total, so the order never depends on the row order
    sign = 1.0 if better == "lav" else -1.0
    ranked = sorted((sign * float(v), norwegian_sort_key(str(k)), str(k)) for k, v in peers.items())
    key, _, kommune = ranked[n - 1]
    return Reference(
        value=sign * key,  # exact: negating a float twice gives it back
        kommune=kommune,
        label=f"{n}. beste",
        n_peers=len(peers),
    )


def named_reference(values: pd.Series, *, kommune: str) -> Reference:
    """A named municipality's value (R: Bergen for sosialhjelp and barnevern).

    The name is matched by :func:`name_key` (case, surrounding spaces and Unicode form do
    not count); the label carries the spelling of the data.
    """
    wanted = name_key(kommune)
    found = next((str(k) for k in values.index if name_key(k) == wanted), None)
    if found is None:
        raise unknown_reference_kommune(kommune)
    value = float(values[found])
    if math.isnan(value):
        raise reference_kommune_without_value(found)
    return Reference(value=value, kommune=found, label=found, n_peers=1)


def unknown_reference_kommune(kommune: str) -> InputError:
    """The error for a named reference that is not in the comparison group."""
    return InputError(
        f"referansekommunen '{kommune}' finnes ikke i sammenligningsgruppen",
        code="ukjent_kommune",
        context=Context(kommune=kommune),
    )


def reference_kommune_without_value(kommune: str) -> InputError:
    """The error for a named reference in the group whose value is missing."""
    return InputError(
        f"referansekommunen '{kommune}' mangler verdi",
        code="mangler_verdi",
        context=Context(kommune=kommune),
    )


_NTH = re.compile(r"^(\d+)\s*\.?\s*(beste)?$")


@dataclass(frozen=True)
class ReferenceSpec:
    """A reference as written in a settings cell: ``snitt``, ``median``, ``3. beste``,
    a municipality name such as ``Bergen``, or ``-`` for none."""

    kind: Literal["snitt", "median", "nte_beste", "kommune", "ingen"]
    n: int = 0
    kommune: str | None = None

    @classmethod
    def parse(cls, text: object) -> ReferenceSpec:
        """Parse the cell text (case and surrounding spaces ignored)."""
        raw = "" if text is None else str(text).strip()
        key = raw.lower()
        if key in {"-", "", "ingen"}:
            return cls("ingen")
        if key in {"snitt", "gjennomsnitt", "mean"}:
            return cls("snitt")
        if key == "median":
            return cls("median")
        m = _NTH.match(key)
        if m and (m.group(2) or "." in key):
            return cls("nte_beste", n=int(m.group(1)))
        if key.isdigit():
            raise InputError(
                f"referansen '{raw}' er uklar: skriv for eksempel '3. beste'",
                code="ugyldig_referanse",
            )
        return cls("kommune", kommune=raw)

    @property
    def label(self) -> str:
        """Norwegian label for headers and explanations."""
        if self.kind == "nte_beste":
            return f"{self.n}. beste"
        if self.kind == "kommune":
            return str(self.kommune)
        return {"snitt": "snitt", "median": "median", "ingen": "-"}[self.kind]


def compute_reference(
    values: pd.Series,
    spec: ReferenceSpec,
    *,
    own: str,
    better: Better,
    mean: MeanOptions = MeanOptions(),
    weights: pd.Series | None = None,
) -> Reference | None:
    """Compute the reference a :class:`ReferenceSpec` asks for (None for ``-``)."""
    if spec.kind == "ingen":
        return None
    if spec.kind == "snitt":
        return mean_reference(
            values,
            own=own,
            include_own=mean.include_own,
            exclude=mean.exclude,
            weights=weights if mean.weighted else None,
        )
    if spec.kind == "median":
        return median_reference(values, own=own, include_own=mean.include_own, exclude=mean.exclude)
    if spec.kind == "nte_beste":
        return nth_best(values, own=own, n=spec.n, better=better)
    assert spec.kommune is not None
    return named_reference(values, kommune=spec.kommune)
