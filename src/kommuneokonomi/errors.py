"""One error hierarchy for the whole package.

The engine raises with domain context (kommune, indikator, år); the workbook layer adds where
in the book the value came from (sheet and cell, or file and line); each entry point translates
once (the CLI prints ``Feil: ...`` and exits 2, a UDF returns ``#FEIL: ...``).

Messages are Norwegian bokmål because users read them; attribute names are English.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from enum import StrEnum

__all__ = [
    "Context",
    "ErrorCode",
    "InputError",
    "InputErrors",
    "KommuneokonomiError",
    "LayoutError",
    "Location",
]


class ErrorCode(StrEnum):
    """Every reason code an error can carry: a closed set, not free text.

    A code is a stable, short Norwegian key (``ukjent_kommune``, ``mangler_verdi``) that tests,
    the add-in and callers match on without parsing the message. Being a ``str``, a member
    compares equal to its text, so ``code="ukjent_kommune"`` and ``ErrorCode.UKJENT_KOMMUNE``
    are the same; an error made with a code outside this list fails at once (a bug, caught by
    ``tests/unit/test_error_codes.py``, which also checks that every code written in the source
    is listed here).
    """

    ARK_FINNES = "ark_finnes"
    DUPLIKAT = "duplikat"
    EGET_ARK = "eget_ark"  # a user's own sheet bears an output sheet's name
    EXCEL_FEIL = "excel_feil"
    FARLIG_XML = "farlig_xml"
    FEIL = "feil"
    FEIL_FILTYPE = "feil_filtype"
    FIL_FINNES = "fil_finnes"
    FIL_LAAST = "fil_laast"
    FLERE_FEIL = "flere_feil"
    FLERE_GRUPPER = "flere_grupper"
    FOR_FAA_KOMMUNER = "for_faa_kommuner"
    FOR_FAA_VERDIER = "for_faa_verdier"
    FOR_STOR = "for_stor"
    FOR_STORT_TALL = "for_stort_tall"
    HAR_TABELLER = "har_tabeller"
    IKKE_BEREGNET = "ikke_beregnet"  # a note asked of a workbook not recalculated yet
    IKKE_ENKELTVERDI = "ikke_enkeltverdi"
    IKKE_PLASS = "ikke_plass"
    IKKE_POSITIV = "ikke_positiv"
    IKKE_TABELL = "ikke_tabell"
    IKKE_TALL = "ikke_tall"
    INGEN_SKRIVETILGANG = "ingen_skrivetilgang"
    INGEN_TABELL = "ingen_tabell"
    KAN_IKKE_LESE = "kan_ikke_lese"
    KRYPTERT_ELLER_XLS = "kryptert_eller_xls"
    MANGLER_FIL = "mangler_fil"
    MANGLER_FINANSIERING = "mangler_finansiering"
    MANGLER_I_CACHE = "mangler_i_cache"
    MANGLER_INDIKATOR = "mangler_indikator"
    MANGLER_INNSTILLING = "mangler_innstilling"
    MANGLER_KOLONNE = "mangler_kolonne"
    MANGLER_KOMMUNE = "mangler_kommune"
    MANGLER_LINJER = "mangler_linjer"
    MANGLER_MAPPE = "mangler_mappe"
    MANGLER_OPPGITT_SUM = "mangler_oppgitt_sum"
    MANGLER_OVERSKRIFT = "mangler_overskrift"
    MANGLER_TABELL = "mangler_tabell"
    MANGLER_TABELLNAVN = "mangler_tabellnavn"
    MANGLER_VERDI = "mangler_verdi"
    MANGLER_VOLUM = "mangler_volum"
    NEGATIV_VERDI = "negativ_verdi"
    NULL_EGEN_VERDI = "null_egen_verdi"
    ODS = "ods"
    SAMMENSLATTE_CELLER = "sammenslatte_celler"
    SKRIVEFEIL = "skrivefeil"
    SSB_FOR_MANGE_FORESPORSLER = "ssb_for_mange_foresporsler"
    SSB_FOR_STOR = "ssb_for_stor"
    SSB_HTTP = "ssb_http"
    SSB_TIDSAVBRUDD = "ssb_tidsavbrudd"
    SSB_UFULLSTENDIG_SVAR = "ssb_ufullstendig_svar"
    SSB_UGYLDIG_SVAR = "ssb_ugyldig_svar"
    SSB_UTILGJENGELIG = "ssb_utilgjengelig"
    TABELLNAVN_I_BRUK = "tabellnavn_i_bruk"
    TOM_SERIE = "tom_serie"
    TOM_TABELL = "tom_tabell"
    UGYLDIG_AAR = "ugyldig_aar"
    UGYLDIG_ADRESSE = "ugyldig_adresse"
    UGYLDIG_ALDERSGRUPPE = "ugyldig_aldersgruppe"
    UGYLDIG_ART = "ugyldig_art"
    UGYLDIG_AVLEDET = "ugyldig_avledet"
    UGYLDIG_BEREGNING = "ugyldig_beregning"
    UGYLDIG_BESTE = "ugyldig_beste"
    UGYLDIG_CACHE = "ugyldig_cache"
    UGYLDIG_CELLE = "ugyldig_celle"
    UGYLDIG_EKSEMPEL = "ugyldig_eksempel"
    UGYLDIG_FAKTOR = "ugyldig_faktor"
    UGYLDIG_FIL = "ugyldig_fil"
    UGYLDIG_HENTING = "ugyldig_henting"
    UGYLDIG_JA_NEI = "ugyldig_ja_nei"
    UGYLDIG_N = "ugyldig_n"
    UGYLDIG_RATE = "ugyldig_rate"
    UGYLDIG_REFERANSE = "ugyldig_referanse"
    UGYLDIG_TABELL = "ugyldig_tabell"
    UGYLDIG_TALL = "ugyldig_tall"
    UGYLDIG_TOLERANSE = "ugyldig_toleranse"
    UGYLDIG_VALG = "ugyldig_valg"
    UGYLDIG_VEKT = "ugyldig_vekt"
    UGYLDIG_VOLUM = "ugyldig_volum"
    UGYLDIG_BEHOV = "ugyldig_behov"
    UKJENT_AAR = "ukjent_aar"
    UKJENT_ARBEIDSBOK = "ukjent_arbeidsbok"
    UKJENT_GRUPPE = "ukjent_gruppe"
    UKJENT_INDIKATOR = "ukjent_indikator"
    UKJENT_KODE = "ukjent_kode"
    UKJENT_KOMMUNE = "ukjent_kommune"
    UKJENT_RETNING = "ukjent_retning"
    UKJENT_TYPE = "ukjent_type"
    UKJENT_VARIGHET = "ukjent_varighet"
    UTDATERT = "utdatert"  # output sheets older than the inputs (the note refuses them)
    ULIK_LENGDE = "ulik_lengde"
    UTFIL_ER_MAPPE = "utfil_er_mappe"


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
    # The input table ``rad`` and ``kolonne`` belong to (``tblData``, ``tblIndikatorer``):
    # with all three the workbook layer names the cell without guessing. Not part of the
    # text: the cell says it.
    tabell: str | None = None

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
        code: a reason code of :class:`ErrorCode` (or its text, e.g. ``ukjent_kommune``)
            that tests and callers can match on without parsing text.
        context: kommune, indikator, år and column the problem concerns.
        location: sheet and cell (or file and line), added by the layer that knows it.
    """

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode | str = ErrorCode.FEIL,
        context: Context | None = None,
        location: Location | None = None,
    ) -> None:
        self.message = message
        self.code = ErrorCode(code)
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
        """A copy with more domain context filled in (kommune, indikator, aar, kolonne, rad,
        tabell)."""
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
