"""The error raised when figures cannot be fetched from SSB (or replayed from the cache)."""

from __future__ import annotations

from ..errors import KommuneokonomiError

__all__ = ["FetchError"]


class FetchError(KommuneokonomiError):
    """Fetching from SSB failed: no connection, a timeout, an HTTP error, a response that is
    not a JSON-stat2 dataset, or (offline) a response missing from the cache.

    Reason codes (``.code``): ``ssb_utilgjengelig`` (no connection), ``ssb_tidsavbrudd``
    (timeout), ``ssb_for_mange_foresporsler`` (HTTP 429 after all retries), ``ssb_http``
    (any other HTTP error), ``ssb_ugyldig_svar`` (malformed JSON or not JSON-stat2),
    ``ssb_ufullstendig_svar`` (a requested value is absent from the response),
    ``ssb_for_stor`` (a request cannot be split under the limits), ``mangler_i_cache``
    (offline and not cached), ``ugyldig_cache`` (a cache file cannot be read).
    """

    #: The HTTP status SSB answered with, for an HTTP error (None otherwise): callers tell an
    #: unknown table (404) from other failures by it, not by the message's wording.
    status: int | None = None
