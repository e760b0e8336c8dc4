"""HTTP client for SSB's statistics bank API, PxWebApi v2 (JSON-stat2), built on httpx.

One data request is ``GET {base}tables/{table}/data?lang=no&outputFormat=json-stat2&
valueCodes[DIM]=code,code&...``. The API's documented limits (``GET {base}config`` at SSB:
``maxDataCells`` 800 000, ``maxCallsPerTimeWindow`` 30, ``timeWindow`` 60 seconds; URLs of
at most about 2 000 characters) are kept on the client side:

* :func:`split_query` splits a request whose cell count (the product of the number of values
  per dimension) or URL length is over the limit, halving the dimension with the most values
  until every part fits; the split is deterministic, so a cached run replays the same parts;
* :class:`RateLimiter` lets at most ``max_calls`` requests start in any ``window`` seconds
  (every HTTP call counts, retries included), sleeping until the oldest call leaves the window;
* HTTP 429 and 503 (and 502/504) are retried after the ``Retry-After`` the server gives
  (seconds or an HTTP date), or else with exponential backoff (2, 4, 8, ... s), at most
  ``max_retries`` times; a wait longer than ``max_wait`` is not attempted;
* a connection failure or timeout is retried once; every other failure is a
  :class:`~.errors.FetchError` with a Norwegian message and the address asked.

The clock and sleep are injectable so tests run without waiting. The base URL comes from the
argument, else the environment variable ``KOMMUNEOKONOMI_SSB_URL``, else SSB's address, so a
local mirror or a test server can stand in for SSB.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import math
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import httpx

from .. import __version__
from .errors import FetchError

__all__ = [
    "DEFAULT_API_URL",
    "ENV_API_URL",
    "MAX_CALLS",
    "MAX_CELLS",
    "MAX_URL_LENGTH",
    "TIME_WINDOW",
    "PxWebClient",
    "Query",
    "RateLimiter",
    "Response",
    "api_url",
    "client_for",
    "split_query",
]

DEFAULT_API_URL = "https://data.ssb.no/api/pxwebapi/v2/"
ENV_API_URL = "KOMMUNEOKONOMI_SSB_URL"
#: SSB's ``maxDataCells``: data cells per request.
MAX_CELLS = 800_000
#: SSB's ``maxCallsPerTimeWindow`` and ``timeWindow`` (seconds), per IP address.
MAX_CALLS = 30
TIME_WINDOW = 60.0
#: URLs longer than about 2 000 characters are refused by SSB's front end.
MAX_URL_LENGTH = 2000

_RETRY_STATUS = frozenset({429, 502, 503, 504})
_TABLE_ID = re.compile(r"^[A-Za-z0-9_]+$")


def api_url(explicit: str | None = None) -> str:
    """The API base URL: ``explicit``, else ``$KOMMUNEOKONOMI_SSB_URL``, else SSB's.

    The result ends in ``/``.
    """
    url = (explicit or os.environ.get(ENV_API_URL) or DEFAULT_API_URL).strip()
    if not url.startswith(("http://", "https://")):
        raise FetchError(
            f"API-adressen '{url}' må begynne med http:// eller https://", code="ugyldig_adresse"
        )
    return url if url.endswith("/") else url + "/"


@dataclass(frozen=True)
class Query:
    """One data request: a table and the value codes chosen for each of its dimensions.

    Attributes:
        table: SSB's table number, e.g. ``"12134"``.
        selection: ``(dimension code, value codes)`` pairs in the order they are sent.
        lang: the language of labels (``no`` or ``en``).
    """

    table: str
    selection: tuple[tuple[str, tuple[str, ...]], ...]
    lang: str = "no"
    metadata: bool = False  # the table's variables and codes, not data

    @classmethod
    def metadata_of(cls, table: str, *, lang: str = "no") -> Query:
        """The request for a table's metadata (title, variables, every code)."""
        table = str(table).strip()
        if not _TABLE_ID.match(table):
            raise ValueError(f"'{table}' er ikke et tabellnummer")
        return cls(table, (), lang, metadata=True)

    @classmethod
    def of(cls, table: str, selection: Mapping[str, Sequence[str]], *, lang: str = "no") -> Query:
        table = str(table).strip()
        if not _TABLE_ID.match(table):
            raise ValueError(f"'{table}' er ikke et tabellnummer")
        pairs = tuple((str(dim), tuple(str(c) for c in codes)) for dim, codes in selection.items())
        for dim, codes in pairs:
            if not codes:
                raise ValueError(f"ingen verdier valgt for {dim}")
        return cls(table, pairs, lang)

    @property
    def cells(self) -> int:
        """Data cells this request asks for: the product of the number of values per dimension."""
        return math.prod(len(codes) for _, codes in self.selection)

    def codes(self, dim: str) -> tuple[str, ...]:
        return dict(self.selection)[dim]

    def replace(self, dim: str, codes: Sequence[str]) -> Query:
        """A copy with the values of ``dim`` replaced."""
        pairs = tuple((d, tuple(codes) if d == dim else c) for d, c in self.selection)
        return Query(self.table, pairs, self.lang)

    def params(self) -> list[tuple[str, str]]:
        """The query-string parameters, in order."""
        out = [("lang", self.lang), ("outputFormat", "json-stat2")]
        for dim, codes in self.selection:
            # a value code holding a comma must be bracketed (PxWebApi v2)
            out.append((f"valueCodes[{dim}]", ",".join(f"[{c}]" if "," in c else c for c in codes)))
        return out

    def url(self, base: str) -> str:
        """The full GET address under API base ``base``."""
        if self.metadata:
            return f"{base}tables/{self.table}/metadata?{urlencode(self.params())}"
        return f"{base}tables/{self.table}/data?{urlencode(self.params(), safe='[],')}"

    def key(self) -> str:
        """A stable hash of what is asked (table, language, selection), not of where it is sent.

        The cache is keyed on it, so responses fetched through a mirror replay for SSB's
        address and the other way round.
        """
        asked: dict[str, object] = {
            "table": self.table,
            "lang": self.lang,
            "format": "json-stat2",
            "selection": [[d, list(c)] for d, c in self.selection],
        }
        if self.metadata:  # data keys stay as they were: older caches still replay
            asked["kind"] = "metadata"
        canonical = json.dumps(
            asked,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def describe(self) -> str:
        """Norwegian summary: ``tabell 12134 (3 KOKkommuneregion0000, 1 ContentsCode, 4 Tid)``."""
        if self.metadata:
            return f"metadata for tabell {self.table}"
        parts = ", ".join(f"{len(c)} {d}" for d, c in self.selection)
        return f"tabell {self.table} ({parts})"


def split_query(
    query: Query,
    *,
    max_cells: int = MAX_CELLS,
    max_url_length: int = MAX_URL_LENGTH,
    base: str = DEFAULT_API_URL,
) -> list[Query]:
    """Split ``query`` into parts that each ask for at most ``max_cells`` cells and have a URL
    of at most ``max_url_length`` characters.

    The dimension with the most values is halved (the first half gets the extra value) until
    each part fits, so the parts together ask for exactly the cells of ``query``, each once.

    Raises:
        FetchError: code ``ssb_for_stor``: a single-valued request still does not fit.
    """
    if query.cells <= max_cells and len(query.url(base)) <= max_url_length:
        return [query]
    dim, codes = max(query.selection, key=lambda pair: len(pair[1]))
    if len(codes) < 2:
        raise FetchError(
            f"forespørselen mot {query.describe()} kan ikke deles slik at den holder seg under "
            f"grensene ({max_cells} celler, {max_url_length} tegn i adressen)",
            code="ssb_for_stor",
        )
    half = (len(codes) + 1) // 2
    return [
        *split_query(
            query.replace(dim, codes[:half]),
            max_cells=max_cells,
            max_url_length=max_url_length,
            base=base,
        ),
        *split_query(
            query.replace(dim, codes[half:]),
            max_cells=max_cells,
            max_url_length=max_url_length,
            base=base,
        ),
    ]


class RateLimiter:
    """At most ``max_calls`` calls may start in any window of ``window`` seconds.

    :meth:`wait` is called before each call; when the window is full it sleeps until the
    oldest call in it is ``window`` seconds old.
    """

    def __init__(
        self,
        max_calls: int = MAX_CALLS,
        window: float = TIME_WINDOW,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_calls < 1 or window <= 0:
            raise ValueError("max_calls må være minst 1 og window positiv")
        self.max_calls = max_calls
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()

    def wait(self) -> float:
        """Block until a call may start; record it. Returns the seconds slept."""
        slept = 0.0
        while True:
            now = self._clock()
            while self._starts and self._starts[0] <= now - self.window:
                self._starts.popleft()
            if len(self._starts) < self.max_calls:
                self._starts.append(now)
                return slept
            delay = self._starts[0] + self.window - now
            self._sleep(delay)
            slept += delay


@dataclass(frozen=True)
class Response:
    """A successful response: the raw body and the address it came from."""

    body: bytes
    url: str
    status: int = 200


class PxWebClient:
    """A paced, retrying client for PxWebApi v2 data requests.

    Args:
        base_url: the API base (see :func:`api_url`).
        timeout: seconds to wait for a connection and for each read.
        max_cells, max_url_length: the limits :meth:`plan` splits requests by.
        max_calls, window: pacing, see :class:`RateLimiter`.
        max_retries: how many times HTTP 429/502/503/504 is retried.
        backoff: the first backoff in seconds when the server gives no ``Retry-After``;
            doubled on each retry.
        max_wait: the longest single wait accepted; a longer ``Retry-After`` fails at once.
        clock, sleep: injectable time (tests).
        transport: an httpx transport (tests may use ``httpx.MockTransport``).
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        timeout: float = 30.0,
        max_cells: int = MAX_CELLS,
        max_url_length: int = MAX_URL_LENGTH,
        max_calls: int = MAX_CALLS,
        window: float = TIME_WINDOW,
        max_retries: int = 4,
        backoff: float = 2.0,
        max_wait: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = api_url(base_url)
        self.timeout = timeout
        self.max_cells = max_cells
        self.max_url_length = max_url_length
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.limiter = RateLimiter(max_calls, window, clock=clock, sleep=sleep)
        self._sleep = sleep
        self.calls = 0  # HTTP calls made, retries included
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout),
            transport=transport,
            headers={
                "User-Agent": f"kommuneokonomi/{__version__}",
                "Accept": "application/json",
            },
            follow_redirects=True,
        )

    def __enter__(self) -> PxWebClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def plan(self, query: Query) -> list[Query]:
        """The requests ``query`` is sent as (see :func:`split_query`)."""
        return split_query(
            query, max_cells=self.max_cells, max_url_length=self.max_url_length, base=self.base_url
        )

    def get(self, query: Query) -> Response:
        """Send one request (it must already fit the limits), paced and retried.

        Raises:
            FetchError: no connection, timeout, HTTP error (after retries for 429/5xx).
        """
        url = query.url(self.base_url)
        attempt = 0
        network_retried = False
        while True:
            self.limiter.wait()
            self.calls += 1
            delay: float | None = None
            try:
                response = self._http.get(url)
            except httpx.TimeoutException as exc:
                error = FetchError(
                    f"SSB svarte ikke innen {self.timeout:g} sekunder ({type(exc).__name__}). "
                    f"Prøv igjen senere, eller bruk --offline for tall som er hentet før. "
                    f"Adresse: {url}",
                    code="ssb_tidsavbrudd",
                )
                if network_retried:
                    raise error from exc
                network_retried = True
                delay = self.backoff
            except httpx.TransportError as exc:
                error = FetchError(
                    f"fikk ikke kontakt med SSB på {self.base_url} ({exc or type(exc).__name__}). "
                    "Sjekk nettforbindelsen og adressen (--api-url eller "
                    f"{ENV_API_URL}), eller bruk --offline for tall som er hentet før",
                    code="ssb_utilgjengelig",
                )
                if network_retried:
                    raise error from exc
                network_retried = True
                delay = self.backoff
            else:
                if response.status_code == 200:
                    return Response(body=response.content, url=url, status=200)
                if response.status_code not in _RETRY_STATUS:
                    raise _http_error(response, query, url)
                error = _http_error(response, query, url, retries=attempt)
                if attempt >= self.max_retries:
                    raise error
                attempt += 1
                delay = _retry_after(response.headers.get("Retry-After"))
                if delay is None:
                    delay = self.backoff * 2 ** (attempt - 1)
            if delay > self.max_wait:
                raise FetchError(
                    f"{error.message} SSB ber oss vente {delay:.0f} sekunder før neste forsøk, "
                    f"lenger enn {self.max_wait:.0f}; prøv igjen senere.",
                    code=error.code,
                )
            self._sleep(delay)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _detail(response: httpx.Response) -> str:
    """What the server said went wrong: a problem document's title/detail, or the text."""
    text = response.text.strip()
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        parts = [
            str(body[k]).strip()
            for k in ("title", "detail", "message", "error")
            if isinstance(body.get(k), str) and str(body[k]).strip()
        ]
        if parts:
            return "; ".join(dict.fromkeys(parts))
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:300] + ("..." if len(text) > 300 else "")


def _http_error(
    response: httpx.Response, query: Query, url: str, *, retries: int | None = None
) -> FetchError:
    status = response.status_code
    detail = _detail(response)
    said = f": {detail}" if detail else ""
    if status == 429:
        tried = f", også etter {retries} nye forsøk" if retries else ""
        return FetchError(
            f"SSB avviser forespørselen fordi det er sendt for mange på kort tid (HTTP 429"
            f"{said}){tried}. Vent et minutt og prøv igjen. Adresse: {url}",
            code="ssb_for_mange_foresporsler",
        )
    if status == 404:
        message = (
            f"SSB fant ikke tabellen {query.table} (HTTP 404{said}). Sjekk tabellnummeret "
            f"i tblHenting og API-adressen. Adresse: {url}"
        )
    elif 400 <= status < 500:
        message = (
            f"SSB avviste forespørselen (HTTP {status}{said}). Sjekk tabellnummer, innhold "
            f"(ContentsCode), kommunenumre og år i tblHenting. Adresse: {url}"
        )
    else:
        message = (
            f"SSB-tjenesten svarte med en feil (HTTP {status}{said}). Prøv igjen senere, eller "
            f"bruk --offline for tall som er hentet før. Adresse: {url}"
        )
    error = FetchError(message, code="ssb_http")
    error.status = status
    return error


@contextmanager
def client_for(client: PxWebClient | None, api_url: str | None = None) -> Iterator[PxWebClient]:
    """``client`` itself, or (None) a client of its own for ``api_url``, closed at the end."""
    if client is not None:
        yield client
        return
    with PxWebClient(api_url) as own:
        yield own
