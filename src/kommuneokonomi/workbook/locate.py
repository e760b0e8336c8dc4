"""Where an error arose: the one place that turns an error's table, row and column into a cell.

The engine raises with :class:`~kommuneokonomi.errors.Context`: kommune, indikator, år and,
where it knows the value behind a problem, the input table (``tabell``), the row's index label
in that table's frame (``rad``, the row of the :class:`ReadTable`'s frame) and the engine
column (``kolonne``). :func:`locate` names that cell. Nothing here searches the data for a
value: an error without a row gets the ``fallback`` its caller chose, from the short list of
explicit fallbacks below (:func:`savings_fallback`, :func:`first_cell`).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..engine.values import DATA_TABLE, ERROR_COLUMN
from ..errors import Context, KommuneokonomiError, Location
from ..request import SettingsTable
from .tables import ReadTable

__all__ = ["cell_of", "first_cell", "locate", "savings_fallback"]

#: The settings a savings error may be about, by the engine column the error names.
_SETTING_OF_COLUMN = {"referanse_1": "Referanse 1", "referanse_2": "Referanse 2"}


def locate(
    err: KommuneokonomiError, tables: Mapping[str, ReadTable], *, fallback: Location
) -> KommuneokonomiError:
    """``err`` with the cell it arose in.

    Args:
        err: an error, perhaps without a location.
        tables: the input tables read, by name (``tblData``, ``tblIndikatorer`` ...).
        fallback: where an error goes when it names no cell of these tables (its context has
            no ``tabell`` and ``rad``, or that row is not in the table).

    Returns:
        ``err`` itself if it already says where it sits; else a copy at the cell of its
        context's table, row and column (see :func:`cell_of`); else a copy at ``fallback``.
    """
    if err.location is not None:
        return err
    cell = cell_of(err.context, tables, code=str(err.code))
    return err.at(cell if cell is not None else fallback)


def cell_of(ctx: Context, tables: Mapping[str, ReadTable], *, code: str = "") -> Location | None:
    """The cell of ``ctx``'s table, row and column, or None if the context names none.

    A context without a column (or with one the table has not got) means the table's value
    column: in tblData the column the error code is about (``aar`` for ``ugyldig_aar`` ...,
    else ``verdi``), in any other table its first column.
    """
    if ctx.tabell is None or ctx.rad is None or ctx.tabell not in tables:
        return None
    table = tables[ctx.tabell]
    column = ctx.kolonne
    if column is None or column not in table.positions:
        if ctx.tabell == DATA_TABLE:
            column = ERROR_COLUMN.get(code, "verdi")
        else:
            column = table.spec.columns[0].name
    return table.cells.get((ctx.rad, column))


def first_cell(table: ReadTable) -> Location:
    """The table's first cell (its header row's first column): the last resort."""
    return table.raw.location(None, 0)


def savings_fallback(
    err: KommuneokonomiError,
    tables: Mapping[str, ReadTable],
    *,
    settings: SettingsTable,
    egen_kommune: str | None = None,
    snitt_vekt: str | None = None,
) -> Location:
    """Where a savings error that names no input row goes, by these rules, in order:

    1. a problem with a reference that the line does not set itself (``kolonne``
       ``referanse_1``/``referanse_2``): the setting ``Referanse 1``/``Referanse 2``;
    2. a problem with the weight indicator (``ugyldig_vekt``; ``ukjent_indikator`` for the
       indicator ``Snitt: vekt`` names): the setting ``Snitt: vekt``;
    3. an unknown municipality: ``Egen kommune`` if it is the own municipality, else its row
       in tblKommuner (where the group names it);
    4. an unknown year: the setting ``År``;
    5. a problem with one indicator: its row in tblIndikatorer (the column the error names,
       else ``Indikator``);
    6. a problem with a year: the setting ``År``;
    7. else tblData's first cell.

    ``egen_kommune`` and ``snitt_vekt`` are the request's (None: national mode, no weight).
    """
    ctx, code = err.context, str(err.code)
    if ctx.kolonne in _SETTING_OF_COLUMN:
        return settings.where(_SETTING_OF_COLUMN[ctx.kolonne])
    weight = snitt_vekt is not None and _same(ctx.indikator, snitt_vekt) and ctx.kolonne is None
    if code == "ugyldig_vekt" or (code == "ukjent_indikator" and weight):
        return settings.where("Snitt: vekt")
    if code == "ukjent_kommune" and ctx.kommune:
        if egen_kommune is not None and _same(ctx.kommune, egen_kommune):
            return settings.where("Egen kommune")
        kommuner = tables.get("tblKommuner")
        row = kommuner.find_row(kommune=ctx.kommune) if kommuner is not None else None
        if kommuner is not None and row is not None:
            return kommuner.cell(row, "kommune")
    if code == "ukjent_aar":
        return settings.where("År")
    indikatorer = tables.get("tblIndikatorer")
    if ctx.indikator and indikatorer is not None:
        row = indikatorer.find_row(indikator=ctx.indikator)
        if row is not None:
            column = ctx.kolonne if ctx.kolonne in indikatorer.positions else "indikator"
            return indikatorer.cell(row, column or "indikator")
    if ctx.aar is not None:
        return settings.where("År")
    data = tables.get(DATA_TABLE)
    return first_cell(data) if data is not None else settings.where("År")


def _same(a: object, b: object) -> bool:
    return str(a or "").strip().casefold() == str(b or "").strip().casefold()
