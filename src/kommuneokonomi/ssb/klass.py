"""The members of a KOSTRA group (kommunegruppe), from SSB's classification service KLASS.

SSB groups the municipalities by size and economic conditions into KOSTRA groups (EKG01 ...
EKG16; the groups are revised now and then) and publishes the grouping as the correspondence
between KLASS classification 131 (kommuneinndeling) and 112 (KOSTRA-grupper)::

    GET {KLASS}/classifications/131/correspondsAt?targetClassificationId=112&date=YYYY-MM-DD
    -> {"correspondenceItems": [{"sourceCode": "4601", "sourceName": "Bergen",
                                 "targetCode": "EKG12", "targetName": "KOSTRA-gruppe 12"}, ...]}

How this was verified: SSB's own library ssb-fagfunksjoner (``kostra_kommunekorr``) reads the
KOSTRA groups from exactly this correspondence (131 -> 112, codes ``EKG12``, names
``KOSTRA-gruppe 12``), and public clients of the KLASS API (SSB's klassR among them) call
``correspondsAt?targetClassificationId=...&date=...`` and read ``correspondenceItems``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import httpx

from .. import __version__
from .errors import FetchError

__all__ = [
    "DEFAULT_KLASS_URL",
    "ENV_KLASS_URL",
    "KostraGroup",
    "is_all_groups",
    "kostra_group",
    "kostra_groups",
    "normalize_group",
]

DEFAULT_KLASS_URL = "https://data.ssb.no/api/klass/v1/"
ENV_KLASS_URL = "KOMMUNEOKONOMI_KLASS_URL"
_GROUP = re.compile(r"^\s*EKG\s*0?(\d{1,2})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class KostraGroup:
    """A KOSTRA group in a year: its code, SSB's name and its municipalities (number, name)."""

    code: str
    name: str
    members: tuple[tuple[str, str], ...]


def normalize_group(text: str) -> str | None:
    """``EKG12``, ``ekg 12`` or ``EKG7`` as SSB writes the code (``EKG12``, ``EKG07``), or None
    when ``text`` is not a KOSTRA group code."""
    m = _GROUP.match(text)
    return f"EKG{int(m.group(1)):02d}" if m else None


#: ``--gruppe`` words that mean "every municipality against its own KOSTRA group".
_ALL_GROUPS = frozenset({"ekg", "kostra", "kostra-gruppe", "kostra-grupper", "kostragruppe"})


def is_all_groups(text: str) -> bool:
    """Whether ``text`` asks for every KOSTRA group (``EKG``, ``KOSTRA-gruppe``)."""
    return " ".join(text.split()).casefold() in _ALL_GROUPS


def klass_url(explicit: str | None = None) -> str:
    url = (explicit or os.environ.get(ENV_KLASS_URL) or DEFAULT_KLASS_URL).strip()
    if not url.startswith(("http://", "https://")):
        raise FetchError(
            f"KLASS-adressen '{url}' må begynne med http:// eller https://",
            code="ugyldig_adresse",
        )
    return url if url.endswith("/") else url + "/"


def kostra_groups(
    aar: int,
    *,
    base_url: str | None = None,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, KostraGroup]:
    """Every KOSTRA group in year ``aar`` (the grouping valid on 1 January that year), by
    code, each with its municipalities (number, name) sorted by number.

    Raises:
        FetchError: no connection, timeout, an HTTP error, or a response without
            ``correspondenceItems``.
    """
    url = (
        f"{klass_url(base_url)}classifications/131/correspondsAt"
        f"?targetClassificationId=112&date={aar}-01-01"
    )
    headers = {"User-Agent": f"kommuneokonomi/{__version__}", "Accept": "application/json"}
    try:
        with httpx.Client(timeout=timeout, transport=transport, headers=headers) as http:
            response = http.get(url)
    except httpx.TimeoutException as exc:
        raise FetchError(
            f"SSBs KLASS svarte ikke innen {timeout:g} sekunder. Prøv igjen senere, eller skriv "
            f"kommunene i gruppen med semikolon. Adresse: {url}",
            code="ssb_tidsavbrudd",
        ) from exc
    except httpx.TransportError as exc:
        raise FetchError(
            f"fikk ikke kontakt med SSBs KLASS ({exc or type(exc).__name__}) for å finne "
            f"kommunene i KOSTRA-gruppene. Sjekk nettforbindelsen (eller {ENV_KLASS_URL}), eller "
            "skriv kommunene i gruppen med semikolon",
            code="ssb_utilgjengelig",
        ) from exc
    if response.status_code != 200:
        error = FetchError(
            f"SSBs KLASS svarte HTTP {response.status_code} på spørsmålet om KOSTRA-gruppene "
            f"for {aar}"
            + (" (ingen gruppering for det året)" if response.status_code == 404 else "")
            + f". Adresse: {url}",
            code="ssb_http",
        )
        error.status = response.status_code
        raise error
    try:
        items = response.json()["correspondenceItems"]
        pairs = [
            (str(i["sourceCode"]), str(i["sourceName"]), str(i["targetCode"]), str(i["targetName"]))
            for i in items
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise FetchError(
            f"svaret fra SSBs KLASS er ikke en korrespondansetabell (correspondenceItems). "
            f"Adresse: {url}",
            code="ssb_ugyldig_svar",
        ) from exc
    names: dict[str, str] = {}
    members: dict[str, set[tuple[str, str]]] = {}
    for number, name, target, target_name in pairs:
        code = target.strip().upper()
        names.setdefault(code, target_name)
        members.setdefault(code, set()).add((number, name))
    return {
        code: KostraGroup(code=code, name=names[code], members=tuple(sorted(members[code])))
        for code in sorted(members)
    }


def kostra_group(
    group: str,
    aar: int,
    *,
    base_url: str | None = None,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> KostraGroup:
    """The municipalities of KOSTRA group ``group`` in year ``aar`` (:func:`kostra_groups`).

    Raises:
        FetchError: as :func:`kostra_groups`, or a group with no municipalities that year (the
            codes SSB has that year are named).
    """
    code = normalize_group(group)
    if code is None:
        raise FetchError(f"'{group}' er ikke en KOSTRA-gruppe (f.eks. EKG12)", code="ukjent_gruppe")
    groups = kostra_groups(aar, base_url=base_url, timeout=timeout, transport=transport)
    if code not in groups:
        raise FetchError(
            f"KOSTRA-gruppe {code} har ingen kommuner i SSBs gruppering for {aar}"
            + (f"; gruppene det året er {', '.join(groups)}" if groups else ""),
            code="ukjent_gruppe",
        )
    return groups[code]
