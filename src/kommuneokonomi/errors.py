"""One error hierarchy for the whole package.

The engine raises with domain context (kommune, indikator, år); the workbook layer adds where
in the book the value came from (sheet and cell, or file and line); each entry point translates
once (the CLI prints ``Feil: ...`` and exits 2, a UDF returns ``#FEIL: ...``).

Messages are Norwegian bokmål because users read them; attribute names are English.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

__all__ = [
    "Context",
    "InputError",
    "InputErrors",
    "KommuneokonomiError",
    "LayoutError",
    "Location",
]


@dataclass(frozen=True)
class Location:
    """Where a problem sits: a sheet and cell in a workbook, or a file and line."""

    sheet: str | None = None
    cell: str | None = None
    file: str | None = None
    line: int | None = None

    def describe(self) -> str:
        """Norwegian text such as ``arket 'Data', celle D7`` or ``fil data.csv, linje 12``."""
        parts: list[str] = []
        if self.file is not None:
            parts.append(f"fil {self.file}")
        if self.line is not None:
            parts.append(f"linje {self.line}")
        if self.sheet is not None:
            parts.append(f"arket '{self.sheet}'")
        if self.cell is not None:
            parts.append(f"celle {self.cell}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Context:
    """The domain coordinates of a problem, as far as they are known."""

    kommune: str | None = None
    indikator: str | None = None
    aar: int | None = None
    kolonne: str | None = None
    # The row's index label in the input DataFrame, so the workbook layer can find its cell.
    rad: int | None = None

    def describe(self, *, column: bool = True) -> str:
        """Norwegian text; ``column=False`` leaves out the column (the cell already says it)."""
        parts: list[str] = []
        if self.kommune is not None:
            parts.append(f"kommune {self.kommune}")
        if self.indikator is not None:
            parts.append(f"indikator {self.indikator}")
        if self.aar is not None:
            parts.append(f"år {self.aar}")
        if self.kolonne is not None and column:
            parts.append(f"kolonne '{self.kolonne}'")
        return ", ".join(parts)


class KommuneokonomiError(Exception):
    """Base of every error the package raises on purpose.

    Args:
        message: what is wrong, in Norwegian, quoting the offending value.
        code: a short stable reason code (``ukjent_kommune``, ``mangler_verdi``, ...) that
            tests and callers can match on without parsing text.
        context: kommune, indikator, år and column the problem concerns.
        location: sheet and cell (or file and line), added by the layer that knows it.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "feil",
        context: Context | None = None,
        location: Location | None = None,
    ) -> None:
        self.message = message
        self.code = code
        self.context = context or Context()
        self.location = location
        super().__init__(self.describe())

    def describe(self) -> str:
        """The whole Norwegian sentence: location, context and message."""
        where = self.location.describe() if self.location else ""
        what = self.context.describe(column=self.location is None or self.location.cell is None)
        prefix = "; ".join(p for p in (where, what) if p)
        return f"{prefix}: {self.message}" if prefix else self.message

    def at(self, location: Location) -> KommuneokonomiError:
        """A copy of this error that also says where it sits (used by the workbook layer)."""
        new = type(self).__new__(type(self))
        KommuneokonomiError.__init__(
            new, self.message, code=self.code, context=self.context, location=location
        )
        return new

    def with_context(self, **changes: str | int | None) -> KommuneokonomiError:
        """A copy with more domain context filled in (kommune, indikator, aar, kolonne, rad)."""
        """A copy with more domain context filled in."""
        new = type(self).__new__(type(self))
        KommuneokonomiError.__init__(
            new,
            self.message,
            code=self.code,
            context=replace(self.context, **changes),  # type: ignore[arg-type]
            location=self.location,
        )
        return new

    def __str__(self) -> str:
        return self.describe()


class InputError(KommuneokonomiError):
    """The user's data cannot be used as it is (unknown name, missing value, bad number...)."""


class LayoutError(KommuneokonomiError):
    """The workbook or file does not have the shape the contract asks for."""


class InputErrors(KommuneokonomiError):
    """Several input problems found in one pass, reported together."""

    def __init__(self, errors: Iterable[KommuneokonomiError]) -> None:
        self.errors = list(errors)
        n = len(self.errors)
        head = "1 feil i inndata" if n == 1 else f"{n} feil i inndata"
        body = "\n".join(f"- {e.describe()}" for e in self.errors)
        super().__init__(f"{head}:\n{body}", code="flere_feil")

    def __iter__(self) -> Iterator[KommuneokonomiError]:
        return iter(self.errors)

    def __len__(self) -> int:
        return len(self.errors)

    @staticmethod
    def raise_if_any(errors: Iterable[KommuneokonomiError]) -> None:
        """Raise the single error as itself, several as one InputErrors, none: return."""
        collected = list(errors)
        if len(collected) == 1:
            raise collected[0]
        if collected:
            raise InputErrors(collected)
