"""Excel worksheet functions (UDFs) through xlwings: ``KO_SNITT``, ``KO_VEKST``, ...

Design
------
This module is a thin adapter. Each function

1. converts its Excel-shaped arguments (scalars, or ranges as 2-D lists; ``None`` for an
   empty cell; text numbers with decimal comma; Excel error values) into plain Python values,
2. calls the engine (:mod:`kommuneokonomi.engine`, or :func:`kommuneokonomi.service.recalculate`
   for the whole savings table, the very path the button uses), and
3. returns a number, a text or a 2-D list (a dynamic array that spills).

Errors are translated once, in :func:`_udf`: a :class:`KommuneokonomiError` becomes
``#FEIL: <short Norwegian text>`` (the first problem, with where it sits and how many more
there are), anything else ``#FEIL: uventet feil (<exception type>)``. A cell never shows a
traceback, and a function never raises.

How input cells are read (the same rules everywhere):

* empty cells: in a values range of a comparison (``KO_SNITT``, ``KO_NTE_BESTE``) an empty
  cell is a missing value and is left out, as are KOSTRA's missing symbols (``.``, ``..``,
  ``...``, ``:``, ``-``). In a series where every element counts (rates, deflators, amounts)
  empty cells are skipped like Excel's ``SUMMER``/``PRODUKT`` skip them, but a KOSTRA symbol
  is an error: leaving out a year would silently change the result. A required single
  argument that is empty is an error; an empty optional argument takes its default.
* text numbers are read by :func:`kommuneokonomi.engine.values.parse_number`: ``"1 234,5"``
  and ``"1234.5"`` are both 1234.5.
* Excel error values (``#DIV/0!``, ``#N/A``, ...) arrive as text because every argument is
  declared with xlwings' ``err_to_str=True`` (without it classic xlwings turns them into
  ``None``, indistinguishable from an empty cell). An error value, or the ``#FEIL: ...`` text
  of another of these functions, gives ``#FEIL: ...`` naming the argument and position.
* booleans and dates are not numbers (an error), except where a yes/no flag is expected.

Rates and shares are Excel fractions: 2.1 % is 0.021.

xlwings notes (checked against xlwings 0.37.8):

* ``xw.func``/``xw.arg`` return the function itself (Windows: after attaching
  ``__xlfunc__``; elsewhere they are no-ops), so every function can be called as plain
  Python with the same values Excel would send.
* xlwings turns parameter type hints into converters, and only some types have one
  (``Any``, ``list``, ``float``, ...; not ``object`` or ``float | None``). Every parameter
  and return value is therefore annotated with an alias of ``Any``.
* Excel shows the function's docstring (at most 255 characters, here whitespace-normalised)
  in the function wizard, and each ``doc=`` as the argument's help. The docstrings are
  therefore the Norwegian help text; comments stay English.
* Argument names are ASCII (``belop``, not ``beløp``): xlwings writes them into a generated
  VBA module, and a non-ASCII name breaks that whole module when the file encoding and the
  VBA code page disagree.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, cast

import pandas as pd
import xlwings as xw

from .engine.balance import sum_check
from .engine.keyfigures import (
    annual_growth,
    compound_growth,
    corrected_net_operating_result,
    need_corrected,
    net_operating_result_share,
    real_growth,
)
from .engine.plan import demographic_cost, serial_loan
from .engine.references import Reference, mean_reference, nth_best, parse_better
from .engine.savings import parse_method, saving_kr
from .engine.values import parse_number
from .errors import InputError, InputErrors, KommuneokonomiError, Location
from .service import recalculate
from .workbook import layout as L
from .workbook.tables import EXCEL_ERRORS, RawTable

__all__ = [
    "CATEGORY",
    "FEIL",
    "KO_ARLIG_VEKST",
    "KO_AVDRAGSPLAN",
    "KO_BEHOVSKORRIGERT",
    "KO_DEMOGRAFIKOSTNAD",
    "KO_INNSPARING",
    "KO_INNSPARINGSTABELL",
    "KO_KONTROLLSUM",
    "KO_KORRIGERT_NDR",
    "KO_NDR",
    "KO_NTE_BESTE",
    "KO_NTE_BESTE_KOMMUNE",
    "KO_REALVEKST",
    "KO_SNITT",
    "KO_VEKST",
    "UDFS",
]

#: The function wizard's category for every function here.
CATEGORY = "Kommuneøkonomi"
#: Prefix of every error a function returns.
FEIL = "#FEIL: "

# Aliases of Any: xlwings reads parameter hints as converters and has one for Any only
# among these (see the module docstring). The names say what Excel sends.
Range = Any  # a range: 2-D list (ndim=2), or a scalar/1-D list when called from Python
Cell = Any  # one cell: None, float, str, bool, datetime (or a 1-cell range)
Result = Any  # float, str or 2-D list

_P = ParamSpec("_P")

_MAX_MESSAGE = 400
_EXTRA_ERRORS = frozenset({"#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!"})
_ERROR_LIKE = re.compile(r"^#[A-Z0-9/_]+[!?]$")
_YES = {"ja", "j", "sann", "true", "yes", "1"}
_NO = {"nei", "n", "usann", "false", "no", "0"}
# The pseudo-sheet names of KO_INNSPARINGSTABELL's ranges, rewritten in error messages.
_RANGE_NAMES = ("data", "indikatorer", "innstillinger", "kommuner")
_CELL = re.compile(r"^([A-Z]+)(\d+)$")


# --- error translation ----------------------------------------------------------------------


def _udf(f: Callable[_P, Result]) -> Callable[_P, Result]:
    """Guard a worksheet function: errors become ``#FEIL: ...`` text, never an exception.

    Also normalises the docstring to one line, since Excel shows it as the description.
    """

    @functools.wraps(f)
    def guarded(*args: _P.args, **kwargs: _P.kwargs) -> Result:
        try:
            result = f(*args, **kwargs)
        except KommuneokonomiError as exc:
            return FEIL + _short(exc)
        except Exception as exc:  # a cell must never show a traceback
            return f"{FEIL}uventet feil ({type(exc).__name__})"
        if isinstance(result, float) and not math.isfinite(result):
            return FEIL + "resultatet er ikke et endelig tall"
        return result

    guarded.__doc__ = " ".join((f.__doc__ or "").split())
    return guarded


def _short(exc: KommuneokonomiError) -> str:
    """One line: the first problem (with where it is) and how many more there are."""
    if isinstance(exc, InputErrors) and exc.errors:
        first = exc.errors[0]
        text = _short(first)
        more = len(exc.errors) - 1
        if more:
            text += f" (og {more} feil til)"
    else:
        where = _where(exc.location)
        what = exc.context.describe()
        prefix = "; ".join(p for p in (where, what) if p)
        text = f"{prefix}: {exc.message}" if prefix else exc.message
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def _where(location: Location | None) -> str:
    """A location in words; a cell of one of our ranges as row and column of that range."""
    if location is None:
        return ""
    if location.file is None and location.sheet in _RANGE_NAMES and location.cell:
        m = _CELL.match(location.cell)
        if m:
            col = 0
            for ch in m.group(1):
                col = col * 26 + ord(ch) - 64
            return f"{location.sheet}, rad {m.group(2)}, kolonne {col}"
    return location.describe()


# --- reading Excel-shaped arguments ---------------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    """One cell of an argument, with a Norwegian label for messages (``verdier nr. 3``)."""

    value: object
    label: str


def _is_list(value: object) -> bool:
    return isinstance(value, list | tuple)


def _cells(arg: object, name: str) -> list[_Cell]:
    """Flatten a scalar, a 1-D list or a 2-D list (row by row) into labelled cells."""
    if not _is_list(arg):
        return [_Cell(arg, name)]
    items = list(arg)  # type: ignore[call-overload]  # checked to be a list/tuple
    if items and all(_is_list(row) for row in items):
        rows = [list(row) for row in items]
        two_d = len(rows) > 1 and max(len(r) for r in rows) > 1
        out: list[_Cell] = []
        for i, row in enumerate(rows, start=1):
            for j, value in enumerate(row, start=1):
                where = f"rad {i}, kolonne {j}" if two_d else f"nr. {len(out) + 1}"
                out.append(_Cell(value, f"{name} {where}"))
        return out
    return [_Cell(v, f"{name} nr. {i}") for i, v in enumerate(items, start=1)]


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _error_in(cell: _Cell) -> InputError | None:
    """The error for a cell holding an Excel error value or another function's #FEIL."""
    v = cell.value
    if _is_list(v):
        return InputError(f"{cell.label} er ikke én enkelt verdi", code="ikke_enkeltverdi")
    if not isinstance(v, str):
        return None
    text = v.strip()
    if text.upper().startswith("#FEIL"):
        shown = text if len(text) <= 60 else text[:59] + "…"
        return InputError(
            f"{cell.label} viser en feil fra en annen funksjon ({shown})", code="excel_feil"
        )
    if text in EXCEL_ERRORS or text in _EXTRA_ERRORS or _ERROR_LIKE.match(text):
        return InputError(f"{cell.label} har Excel-feilen {text}", code="excel_feil")
    return None


def _check(cell: _Cell) -> None:
    error = _error_in(cell)
    if error is not None:
        raise error


def _read_number(cell: _Cell) -> tuple[float, str | None]:
    """(number, None), or (NaN, symbol) for an empty cell ("") or a KOSTRA symbol."""
    _check(cell)
    v = cell.value
    if isinstance(v, dt.date | dt.time):
        raise InputError(f"{cell.label}: {v} er en dato, ikke et tall", code="ikke_tall")
    try:
        return parse_number(v)
    except ValueError as exc:
        raise InputError(f"{cell.label}: {exc}", code="ikke_tall") from None


def _missing(cell: _Cell, symbol: str | None) -> InputError:
    shown = f" ('{symbol}')" if symbol else ""
    return InputError(f"{cell.label} mangler verdi{shown}", code="mangler_verdi")


def _single(arg: object, name: str) -> _Cell:
    """The one cell of an argument that takes a single value (a 1-cell range is fine)."""
    cells = _cells(arg, name)
    if len(cells) == 1:
        return _Cell(cells[0].value, name)
    if not cells:
        return _Cell(None, name)
    raise InputError(
        f"{name} skal være én celle, men området har {len(cells)} celler", code="ikke_enkeltverdi"
    )


def _number(arg: object, name: str, *, default: float | None = None) -> float:
    """A required number (``default`` None) or an optional one (empty gives ``default``)."""
    cell = _single(arg, name)
    value, symbol = _read_number(cell)
    if math.isnan(value):
        if default is not None and symbol == "":
            return default
        raise _missing(cell, symbol)
    return value


def _series(arg: object, name: str) -> list[float]:
    """Every number of a range in order; empty cells skipped, KOSTRA symbols an error."""
    return _numbers(_cells(arg, name))


def _numbers(cells: list[_Cell]) -> list[float]:
    """The numbers of non-empty cells; every problem reported together, by position."""
    values: list[float] = []
    problems: list[KommuneokonomiError] = []
    for cell in cells:
        if _is_blank(cell.value):
            continue
        try:
            value, symbol = _read_number(cell)
        except KommuneokonomiError as exc:
            problems.append(exc)
            continue
        if math.isnan(value):
            problems.append(_missing(cell, symbol))
            continue
        values.append(value)
    InputErrors.raise_if_any(problems)
    return values


def _paired_series(
    a: object, a_name: str, b: object, b_name: str
) -> tuple[list[float], list[float]]:
    """Two ranges read side by side: a position empty in both is skipped, in one an error.

    Ranges of different sizes are read each on its own; the engine then checks the counts.
    """
    cells_a, cells_b = _cells(a, a_name), _cells(b, b_name)
    if len(cells_a) != len(cells_b):
        return _numbers(cells_a), _numbers(cells_b)
    problems: list[KommuneokonomiError] = []
    for ca, cb in zip(cells_a, cells_b, strict=True):
        if _is_blank(ca.value) != _is_blank(cb.value):
            empty, other = (ca, cb) if _is_blank(ca.value) else (cb, ca)
            problems.append(
                InputError(f"{empty.label} er tom, men {other.label} har verdi", code="ulik_lengde")
            )
    InputErrors.raise_if_any(problems)
    return _numbers(cells_a), _numbers(cells_b)


def _text(arg: object, name: str) -> str:
    """A single text (a whole number such as 301.0 reads as ``301``); "" for empty."""
    cell = _single(arg, name)
    _check(cell)
    return _as_text(cell.value)


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _flag(arg: object, name: str, *, default: bool) -> bool:
    """A yes/no argument: SANN/USANN, 1/0, Ja/Nei; empty gives ``default``."""
    cell = _single(arg, name)
    _check(cell)
    v = cell.value
    if _is_blank(v):
        return default
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float) and v in (0, 1):
        return bool(v)
    key = str(v).strip().casefold()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise InputError(f"{name}: '{v}' er ikke SANN/USANN eller Ja/Nei", code="ugyldig_ja_nei")


def _whole(arg: object, name: str) -> int:
    value = _number(arg, name)
    if not value.is_integer():
        raise InputError(f"{name} må være et helt tall, ikke {_tall(value)}", code="ugyldig_n")
    return int(value)


def _tall(x: float) -> str:
    """A number the Norwegian way, up to ten significant digits (0.1 stays ``0,1``)."""
    if x == 0:
        x = 0.0  # no "-0"
    text = format(x, ",.10g")
    return text.replace(",", " ").replace(".", ",")


# --- municipalities and their values ----------------------------------------------------------


@dataclass(frozen=True)
class _Peers:
    """A comparison group as read from ``verdier`` and ``kommuner``."""

    values: pd.Series  # float per kommune name, NaN = missing
    cells: dict[str, int]  # kommune -> position in the ranges (0-based)

    def name(self, given: str, what: str) -> str:
        """The group's spelling of ``given`` (case and spaces ignored)."""
        wanted = given.strip().casefold()
        for known in self.values.index:
            if str(known).casefold() == wanted:
                return str(known)
        raise InputError(f"{what} '{given}' finnes ikke i kommuner", code="ukjent_kommune")


def _peers(verdier: object, kommuner: object) -> _Peers:
    """Pair the values with the names; blank pairs skipped, all problems reported together."""
    values, names = _cells(verdier, "verdier"), _cells(kommuner, "kommuner")
    if len(values) != len(names):
        raise InputError(
            f"verdier har {len(values)} celler, men kommuner har {len(names)}; "
            "områdene må være like store",
            code="ulik_lengde",
        )
    problems: list[KommuneokonomiError] = []
    out: dict[str, float] = {}
    cells: dict[str, int] = {}
    seen: dict[str, str] = {}
    for i, (vc, nc) in enumerate(zip(values, names, strict=True)):
        try:
            _check(nc)
            value, _ = _read_number(vc)
        except KommuneokonomiError as exc:
            problems.append(exc)
            continue
        name = _as_text(nc.value)
        if not name:
            if not math.isnan(value):
                problems.append(
                    InputError(
                        f"{vc.label} har verdi, men {nc.label} er tom", code="mangler_kommune"
                    )
                )
            continue
        key = name.casefold()
        if key in seen:
            problems.append(
                InputError(
                    f"kommunen '{name}' står mer enn én gang ({seen[key]} og {nc.label})",
                    code="duplikat",
                )
            )
            continue
        seen[key] = nc.label
        out[name] = value
        cells[name] = i
    InputErrors.raise_if_any(problems)
    if not out:
        raise InputError("kommuner har ingen kommunenavn", code="tom_serie")
    return _Peers(values=pd.Series(out, dtype="float64"), cells=cells)


def _own(peers: _Peers, egen_kommune: object) -> str:
    """The own municipality in the group's spelling; "" (none) when the argument is empty."""
    own = _text(egen_kommune, "egen_kommune")
    return peers.name(own, "egen kommune") if own else ""


def _names(arg: object, name: str, peers: _Peers) -> tuple[str, ...]:
    """Names from a range and/or comma- or semicolon-separated text, in the group's spelling."""
    out: list[str] = []
    for cell in _cells(arg, name):
        _check(cell)
        for part in re.split(r"[,;]", _as_text(cell.value)):
            if part.strip():
                out.append(peers.name(part, f"kommunen i {name}"))
    return tuple(dict.fromkeys(out))


def _weights(vekter: object, kommuner: object, peers: _Peers) -> pd.Series:
    cells, n_names = _cells(vekter, "vekter"), len(_cells(kommuner, "kommuner"))
    if len(cells) != n_names:
        raise InputError(
            f"vekter har {len(cells)} celler, men kommuner har {n_names}; "
            "områdene må være like store",
            code="ulik_lengde",
        )
    weights: dict[str, float] = {}
    problems: list[KommuneokonomiError] = []
    for name, i in peers.cells.items():
        try:
            weights[name] = _read_number(cells[i])[0]
        except KommuneokonomiError as exc:
            problems.append(exc)
    InputErrors.raise_if_any(problems)
    return pd.Series(weights, dtype="float64")


# --- the worksheet functions ------------------------------------------------------------------

_VERDIER = "Verdiene, én per kommune (tomme celler og KOSTRA-symboler som .. regnes som mangler)."
_KOMMUNER = "Kommunenavnene, like mange celler som verdier og i samme rekkefølge."
_EGEN = "Egen kommune (et navn i kommuner). Tom: ingen egen kommune."


@xw.func(category=CATEGORY)
@xw.arg("verdier", ndim=2, err_to_str=True, doc=_VERDIER)
@xw.arg("kommuner", ndim=2, err_to_str=True, doc=_KOMMUNER)
@xw.arg("egen_kommune", err_to_str=True, doc=_EGEN)
@xw.arg(
    "utelat",
    ndim=2,
    err_to_str=True,
    doc="Valgfri. Kommuner som holdes utenfor snittet: et område med navn eller tekst som "
    '"Oslo, Bergen".',
)
@xw.arg(
    "vekter",
    ndim=2,
    err_to_str=True,
    doc="Valgfri. Vekt per kommune (f.eks. innbyggere), samme størrelse som kommuner. "
    "Tom: uvektet snitt.",
)
@xw.arg(
    "ta_med_egen",
    err_to_str=True,
    doc="Valgfri. SANN tar med egen kommune i snittet. Standard USANN (de øvrige kommunene).",
)
@_udf
def KO_SNITT(
    verdier: Range,
    kommuner: Range,
    egen_kommune: Cell,
    utelat: Range = None,
    vekter: Range = None,
    ta_med_egen: Cell = None,
) -> Result:
    """Snittet av sammenligningskommunenes verdier. Egen kommune og tomme verdier holdes
    utenfor, med mindre ta_med_egen er SANN; valgfritt utelatte kommuner og vekter."""
    peers = _peers(verdier, kommuner)
    own = _own(peers, egen_kommune)
    exclude = _names(utelat, "utelat", peers)
    weights = None if _all_blank(vekter) else _weights(vekter, kommuner, peers)
    include = _flag(ta_med_egen, "ta_med_egen", default=False)
    ref = mean_reference(
        peers.values, own=own, include_own=include, exclude=exclude, weights=weights
    )
    return ref.value


def _all_blank(arg: object) -> bool:
    return all(_is_blank(c.value) for c in _cells(arg, "_"))


_N = "Hvilken plass: 1 = best, 3 = tredje beste (som i rapportene)."
_BESTE = "lav hvis lavest verdi er best (enhetskostnader), høy hvis høyest er best."


def _nth(
    verdier: object, kommuner: object, egen_kommune: object, n: object, beste: object
) -> Reference:
    peers = _peers(verdier, kommuner)
    own = _own(peers, egen_kommune)
    return nth_best(
        peers.values,
        own=own,
        n=_whole(n, "n"),
        better=parse_better(_text(beste, "beste")),
    )


@xw.func(category=CATEGORY)
@xw.arg("verdier", ndim=2, err_to_str=True, doc=_VERDIER)
@xw.arg("kommuner", ndim=2, err_to_str=True, doc=_KOMMUNER)
@xw.arg("egen_kommune", err_to_str=True, doc=_EGEN + " Den teller aldri med.")
@xw.arg("n", err_to_str=True, doc=_N)
@xw.arg("beste", err_to_str=True, doc=_BESTE)
@_udf
def KO_NTE_BESTE(
    verdier: Range, kommuner: Range, egen_kommune: Cell, n: Cell, beste: Cell
) -> Result:
    """Verdien til den n-te beste kommunen blant de øvrige (egen kommune og tomme verdier
    teller ikke). Like verdier ordnes alfabetisk."""
    return _nth(verdier, kommuner, egen_kommune, n, beste).value


@xw.func(category=CATEGORY)
@xw.arg("verdier", ndim=2, err_to_str=True, doc=_VERDIER)
@xw.arg("kommuner", ndim=2, err_to_str=True, doc=_KOMMUNER)
@xw.arg("egen_kommune", err_to_str=True, doc=_EGEN + " Den teller aldri med.")
@xw.arg("n", err_to_str=True, doc=_N)
@xw.arg("beste", err_to_str=True, doc=_BESTE)
@_udf
def KO_NTE_BESTE_KOMMUNE(
    verdier: Range, kommuner: Range, egen_kommune: Cell, n: Cell, beste: Cell
) -> Result:
    """Navnet på den n-te beste kommunen blant de øvrige, altså hvem KO_NTE_BESTE med de
    samme argumentene henter verdien fra."""
    return str(_nth(verdier, kommuner, egen_kommune, n, beste).kommune)


@xw.func(category=CATEGORY)
@xw.arg("egen", err_to_str=True, doc="Egen kommunes verdi på indikatoren.")
@xw.arg("referanse", err_to_str=True, doc="Referanseverdien (f.eks. fra KO_SNITT).")
@xw.arg("volum", err_to_str=True, doc="Volumet avviket ganges med (brukere, timer, kroner), >= 0.")
@xw.arg("beste", err_to_str=True, doc=_BESTE)
@xw.arg(
    "beregning",
    err_to_str=True,
    doc="Valgfri. absolutt (avvik x volum, standard) eller relativ (avvik / egen x volum).",
)
@xw.arg(
    "faktor",
    err_to_str=True,
    doc="Valgfri. Gjør verdi x volum om til kroner (1000 for tall i 1000 kr, 12 for "
    "månedsbeløp). Standard 1.",
)
@_udf
def KO_INNSPARING(
    egen: Cell,
    referanse: Cell,
    volum: Cell,
    beste: Cell,
    beregning: Cell = None,
    faktor: Cell = None,
) -> Result:
    """Innsparingspotensialet ved å nå referansen: avviket x volum x faktor (relativ: avviket
    delt på egen verdi). Aldri negativt: 0 når egen verdi er like god eller bedre."""
    volume = _number(volum, "volum")
    if volume < 0:
        raise InputError(
            f"volum kan ikke være negativt, men er {_tall(volume)}", code="negativ_verdi"
        )
    factor = _number(faktor, "faktor", default=1.0)
    if factor <= 0:
        raise InputError(
            f"faktor må være et positivt tall, men er {_tall(factor)}", code="ugyldig_faktor"
        )
    method = _text(beregning, "beregning")
    return saving_kr(
        own=_number(egen, "egen"),
        reference=_number(referanse, "referanse"),
        volume=volume,
        better=parse_better(_text(beste, "beste")),
        method=parse_method(method) if method else "absolutt",
        factor=factor,
    )


_RATER = (
    "Årlige vekstrater som andeler (2,1 % er 0,021), én per år. Tomme celler hoppes over; "
    "KOSTRA-symboler gir feil."
)


@xw.func(category=CATEGORY)
@xw.arg("rater", ndim=2, err_to_str=True, doc=_RATER)
@_udf
def KO_VEKST(rater: Range) -> Result:
    """Samlet vekst over perioden av årlige vekstrater: (1+r1) x (1+r2) x ... - 1. Rater
    oppgis som andeler: 2,1 % er 0,021."""
    return compound_growth(_series(rater, "rater"))


@xw.func(category=CATEGORY)
@xw.arg("rater", ndim=2, err_to_str=True, doc=_RATER)
@_udf
def KO_ARLIG_VEKST(rater: Range) -> Result:
    """Gjennomsnittlig årlig vekst (geometrisk snitt) av årlige vekstrater: ((1+r1) x ... x
    (1+rn))^(1/n) - 1. Rater som andeler."""
    return annual_growth(_series(rater, "rater"))


@xw.func(category=CATEGORY)
@xw.arg("rater", ndim=2, err_to_str=True, doc=_RATER)
@xw.arg(
    "deflatorer",
    ndim=2,
    err_to_str=True,
    doc="Prisveksten (f.eks. kommunal deflator) for de samme årene, som andeler.",
)
@xw.arg(
    "samlet",
    err_to_str=True,
    doc="Valgfri. SANN gir samlet realvekst for hele perioden; standard er årlig snitt.",
)
@_udf
def KO_REALVEKST(rater: Range, deflatorer: Range, samlet: Cell = None) -> Result:
    """Realvekst: nominell vekstfaktor delt på deflatorenes vekstfaktor, som årlig snitt
    (standard) eller samlet for perioden. Rater og deflatorer som andeler."""
    rates, deflators = _paired_series(rater, "rater", deflatorer, "deflatorer")
    return real_growth(rates, deflators, annual=not _flag(samlet, "samlet", default=False))


_NDR = "Netto driftsresultat, i samme enhet som driftsinntektene (f.eks. mill. kr)."
_DI = "Driftsinntektene, større enn 0."


@xw.func(category=CATEGORY)
@xw.arg("netto_driftsresultat", err_to_str=True, doc=_NDR)
@xw.arg("driftsinntekter", err_to_str=True, doc=_DI)
@_udf
def KO_NDR(netto_driftsresultat: Cell, driftsinntekter: Cell) -> Result:
    """Netto driftsresultat i prosent av driftsinntektene, som andel (0,016 er 1,6 %):
    regnskapsført, uten korreksjoner."""
    return net_operating_result_share(
        _number(netto_driftsresultat, "netto_driftsresultat"),
        _number(driftsinntekter, "driftsinntekter"),
    )


@xw.func(category=CATEGORY)
@xw.arg("netto_driftsresultat", err_to_str=True, doc=_NDR)
@xw.arg("driftsinntekter", err_to_str=True, doc=_DI)
@xw.arg(
    "investeringsmoms",
    err_to_str=True,
    doc="Valgfri. Momskompensasjon fra investeringer ført i driften. Trekkes fra.",
)
@xw.arg(
    "premieavvik",
    err_to_str=True,
    doc="Valgfri. Årets premieavvik (positivt når det løfter resultatet). Trekkes fra.",
)
@xw.arg(
    "bundne_fond",
    err_to_str=True,
    doc="Valgfri. Netto avsetning til bundne driftsfond. Trekkes fra.",
)
@xw.arg(
    "kraftfond",
    err_to_str=True,
    doc="Valgfri. Kraftfondets avkastning utover realavkastningen. Trekkes fra.",
)
@_udf
def KO_KORRIGERT_NDR(
    netto_driftsresultat: Cell,
    driftsinntekter: Cell,
    investeringsmoms: Cell = None,
    premieavvik: Cell = None,
    bundne_fond: Cell = None,
    kraftfond: Cell = None,
) -> Result:
    """Korrigert netto driftsresultat som andel av driftsinntektene: fratrukket
    investeringsmoms, premieavvik, netto avsetning til bundne fond og kraftfondavkastning
    utover realavkastningen. Tomme korreksjoner er 0."""
    return corrected_net_operating_result(
        netto_driftsresultat=_number(netto_driftsresultat, "netto_driftsresultat"),
        driftsinntekter=_number(driftsinntekter, "driftsinntekter"),
        investeringsmoms=_number(investeringsmoms, "investeringsmoms", default=0.0),
        premieavvik=_number(premieavvik, "premieavvik", default=0.0),
        netto_avsetning_bundne_fond=_number(bundne_fond, "bundne_fond", default=0.0),
        kraftfond_avkastning_over_real=_number(kraftfond, "kraftfond", default=0.0),
    ).corrected_share


@xw.func(category=CATEGORY)
@xw.arg("utgift_per_innbygger", err_to_str=True, doc="Utgift (kostnad) i kr per innbygger.")
@xw.arg(
    "utgiftsbehov_indeks",
    err_to_str=True,
    doc="Utgiftsbehovsindeksen fra inntektssystemet, 1 = landsgjennomsnittet, større enn 0.",
)
@_udf
def KO_BEHOVSKORRIGERT(utgift_per_innbygger: Cell, utgiftsbehov_indeks: Cell) -> Result:
    """Behovskorrigert utgift per innbygger: utgiften delt på utgiftsbehovsindeksen (1 =
    landsgjennomsnittet)."""
    return need_corrected(
        _number(utgift_per_innbygger, "utgift_per_innbygger"),
        _number(utgiftsbehov_indeks, "utgiftsbehov_indeks"),
    )


@xw.func(category=CATEGORY)
@xw.arg(
    "belop",
    ndim=2,
    err_to_str=True,
    doc="Linjene (beløpene) med fortegn. Tomme celler hoppes over; tekst og feil gir #FEIL.",
)
@xw.arg("oppgitt_sum", err_to_str=True, doc="Summen som er oppgitt under linjene.")
@xw.arg(
    "toleranse",
    err_to_str=True,
    doc="Valgfri. Godtatt avvik, f.eks. 0,05 for linjer avrundet hver for seg. Standard: "
    "bare flyttallsavrunding.",
)
@_udf
def KO_KONTROLLSUM(belop: Range, oppgitt_sum: Cell, toleranse: Cell = None) -> Result:
    """Kontrollerer at linjene summerer til oppgitt sum: OK, eller AVVIK: <summen minus
    oppgitt sum>."""
    tolerance = None if _all_blank(toleranse) else _number(toleranse, "toleranse")
    result = sum_check(
        _series(belop, "belop"),
        stated_total=_number(oppgitt_sum, "oppgitt_sum"),
        name="kontrollsummen",
        tolerance=tolerance,
    )
    return "OK" if result.ok else f"AVVIK: {_tall(result.avvik)}"


# --- the four-year plan ----------------------------------------------------------------------


@xw.func(category=CATEGORY)
@xw.arg(
    "satser",
    ndim=2,
    err_to_str=True,
    doc="Kostnad i kr per innbygger for hver aldersgruppe i sektoren (én celle per gruppe).",
)
@xw.arg(
    "antall_basis",
    ndim=2,
    err_to_str=True,
    doc="Innbyggere i hver aldersgruppe i basisåret, i samme rekkefølge som satsene.",
)
@xw.arg(
    "antall_aar",
    ndim=2,
    err_to_str=True,
    doc="Innbyggere i hver aldersgruppe i året det beregnes for, samme rekkefølge.",
)
@xw.arg(
    "andel",
    err_to_str=True,
    doc="Valgfri. Andelen av årets endring som slår inn samme budsjettår (5/12 for et "
    "barnehageår fra august); resten kommer året etter. Standard: 1.",
)
@xw.arg(
    "antall_aaret_for",
    ndim=2,
    err_to_str=True,
    doc="Valgfri, trengs når andelen er under 1: innbyggerne året før året det beregnes for. "
    "Standard: basisåret.",
)
@_udf
def KO_DEMOGRAFIKOSTNAD(
    satser: Range,
    antall_basis: Range,
    antall_aar: Range,
    andel: Cell = None,
    antall_aaret_for: Range = None,
) -> Result:
    """Demografikostnaden for en sektor i kr (TBUs metode): summen over aldersgruppene av sats
    ganger endringen i antall innbyggere fra basisåret, med dekningsgrad og enhetskostnad
    holdt fast."""
    rates = _series(satser, "satser")
    base = _series(antall_basis, "antall_basis")
    now = _series(antall_aar, "antall_aar")
    before = base if _all_blank(antall_aaret_for) else _series(antall_aaret_for, "antall_aaret_for")
    if not len(rates) == len(base) == len(now) == len(before):
        raise InputError(
            f"områdene har ulik lengde: {len(rates)} satser, {len(base)} i basisåret, "
            f"{len(now)} i året"
            + ("" if _all_blank(antall_aaret_for) else f", {len(before)} året før"),
            code="ulik_lengde",
        )
    share = 1.0 if _all_blank(andel) else _number(andel, "andel")
    groups = [f"gruppe {k + 1}" for k in range(len(rates))]
    population = pd.DataFrame(
        [
            {"aldersgruppe": g, "aar": aar, "antall": n}
            for g, b, p, q in zip(groups, base, before, now, strict=True)
            for aar, n in ((2000, b), (2001, p), (2002, q))
        ]
    )
    table = pd.DataFrame(
        {"sektor": "sektor", "aldersgruppe": groups, "sats": rates, "andel": share}
    )
    # stand-in years: 2000 the base year, 2001 the year before the year asked for, 2002 that
    cost = demographic_cost(population, table, base_year=2000, years=[2001, 2002])
    return float(cost.loc[cost["aar"] == 2002, "merutgift"].sum())


@xw.func(category=CATEGORY)
@xw.arg("laan", err_to_str=True, doc="Lånebeløpet (>= 0).")
@xw.arg("avdragstid", err_to_str=True, doc="Avdragstiden i hele år (serielån: like avdrag).")
@xw.arg("rente", err_to_str=True, doc="Renten per år, f.eks. 2,5 %.")
@xw.arg("opptaksaar", err_to_str=True, doc="Året lånet tas opp; første avdrag året etter.")
@xw.arg(
    "til_aar",
    err_to_str=True,
    doc="Valgfri. Siste år i planen. Standard: året lånet er nedbetalt.",
)
@_udf
def KO_AVDRAGSPLAN(
    laan: Cell, avdragstid: Cell, rente: Cell, opptaksaar: Cell, til_aar: Cell = None
) -> Result:
    """Avdragsplanen for et serielån som matrise med overskrifter (År, Avdrag, Renter,
    Restgjeld): like avdrag fra året etter opptak, renter av gjelden ved årets start."""
    year = _whole(opptaksaar, "opptaksaar")
    period = _whole(avdragstid, "avdragstid")
    if not 1 <= period <= 100:
        raise InputError(
            f"avdragstiden {period} år er ikke mellom 1 og 100 år", code="ikke_positiv"
        )
    last = year + period if _all_blank(til_aar) else _whole(til_aar, "til_aar")
    if not year < last <= year + 100:
        raise InputError(
            f"til_aar {last} må være etter opptaksåret {year} og høyst 100 år etter",
            code="ugyldig_aar",
        )
    schedule = serial_loan(
        _number(laan, "laan"),
        year=year,
        repayment_years=period,
        rates=_number(rente, "rente"),
        last_year=last,
    )
    body = [[_out(v) for v in row] for row in schedule.itertuples(index=False)]
    return [["År", "Avdrag", "Renter", "Restgjeld"], *body]


# --- the whole savings table ------------------------------------------------------------------


class _RangeBook:
    """The ranges of KO_INNSPARINGSTABELL as a workbook for :func:`service.recalculate`.

    Each range is a table whose first row is the header row; a cell's location is relative to
    its range (``data``, row 1 = header), which :func:`_where` puts into words.
    """

    def __init__(self, tables: dict[str, RawTable]) -> None:
        self._tables = tables

    @property
    def name(self) -> str:
        return "KO_INNSPARINGSTABELL"

    def table_names(self) -> set[str]:
        return set(self._tables)

    def read_table(self, spec: L.TableSpec) -> RawTable:
        return self._tables[spec.name]


def _grid(arg: object, name: str) -> list[list[object]]:
    """A range as rows of cells; a header row and at least the shape of a table."""
    if _is_list(arg):
        items = list(arg)  # type: ignore[call-overload]  # checked to be a list/tuple
        kinds = set(map(type, items))
        if kinds == {list}:
            rows = cast(list[list[object]], items)  # the usual 2-D range: no copy
        elif items and not any(issubclass(k, list | tuple) for k in kinds):
            rows = [items]  # one row given as a flat list
        else:
            rows = [list(r) if _is_list(r) else [r] for r in items]
    else:
        rows = [[arg]]
    if not rows or all(_is_blank(v) for v in rows[0]):
        raise InputError(
            f"{name} mangler overskriftsraden; ta med overskriftene (f.eks. tblData[#Alle])",
            code="mangler_overskrift",
        )
    return rows


def _raw(arg: object, name: str, spec: L.TableSpec) -> RawTable:
    rows = _grid(arg, name)
    # a data cell that is itself a list is reported by to_frame with its row and column
    for j, value in enumerate(rows[0], start=1):
        if _is_list(value):
            raise InputError(
                f"{name} rad 1, kolonne {j} er ikke én enkelt verdi", code="ikke_enkeltverdi"
            )
    headers = [_as_text(h) for h in rows[0]]
    return RawTable(name=spec.name, sheet=name, top=1, left=1, headers=headers, rows=rows[1:])


def _out(value: object) -> object:
    """One output cell: NaN and None as "" (an empty-looking cell), numpy scalars as Python."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if hasattr(value, "item") and not isinstance(value, str):
        return _out(value.item())
    return value


@xw.func(category=CATEGORY)
@xw.arg(
    "data",
    ndim=2,
    err_to_str=True,
    doc="Datatabellen med overskrifter (Kommune, År, Indikator, Verdi), f.eks. tblData[#Alle].",
)
@xw.arg(
    "indikatorer",
    ndim=2,
    err_to_str=True,
    doc="Indikatortabellen med overskrifter, f.eks. tblIndikatorer[#Alle].",
)
@xw.arg(
    "innstillinger",
    ndim=2,
    err_to_str=True,
    doc="Innstillingstabellen med overskrifter (Innstilling, Verdi), f.eks. "
    "tblInnstillinger[#Alle].",
)
@xw.arg(
    "kommuner",
    ndim=2,
    err_to_str=True,
    doc="Valgfri. Kommunetabellen med overskrifter (Kommune, Kommunenummer, Gruppe). Tom: "
    "alle kommunene i data er sammenligningsgruppen.",
)
@_udf
def KO_INNSPARINGSTABELL(
    data: Range, indikatorer: Range, innstillinger: Range, kommuner: Range = None
) -> Result:
    """Hele innsparingstabellen (som knappen lager i tblInnsparing) som én matrise med
    overskrifter som flyter ut. Områdene tas med overskriftsraden. Innsparing i mill. kr, 0
    når ingen."""
    tables = {
        L.DATA.name: _raw(data, "data", L.DATA),
        L.INDIKATORER.name: _raw(indikatorer, "indikatorer", L.INDIKATORER),
        L.INNSTILLINGER.name: _raw(innstillinger, "innstillinger", L.INNSTILLINGER),
    }
    if not _all_blank(kommuner):
        tables[L.KOMMUNER.name] = _raw(kommuner, "kommuner", L.KOMMUNER)
    result = recalculate(_RangeBook(tables), kommuner_from_data=True, extras=False)
    # one municipality: its savings table; 'Alle': the national table, as the button writes
    spec, frame = (
        (L.INNSPARING, result.lines)
        if result.lines is not None
        else (L.INNSPARING_KOMMUNER, result.national)
    )
    if frame is None:  # pragma: no cover - a savings recalculation always has one of them
        raise KommuneokonomiError("beregningen ga ingen tabell", code="ingen_tabell")
    columns = [c.name for c in spec.columns]
    body = [[_out(v) for v in row] for row in frame[columns].itertuples(index=False)]
    return [spec.headers, *body]


#: Every worksheet function, in the order of the documentation.
UDFS: tuple[Callable[..., Result], ...] = (
    KO_SNITT,
    KO_NTE_BESTE,
    KO_NTE_BESTE_KOMMUNE,
    KO_INNSPARING,
    KO_VEKST,
    KO_ARLIG_VEKST,
    KO_REALVEKST,
    KO_NDR,
    KO_KORRIGERT_NDR,
    KO_BEHOVSKORRIGERT,
    KO_KONTROLLSUM,
    KO_DEMOGRAFIKOSTNAD,
    KO_AVDRAGSPLAN,
    KO_INNSPARINGSTABELL,
)
