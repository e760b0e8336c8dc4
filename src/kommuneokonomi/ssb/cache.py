"""The response cache: every raw SSB response, stored by the hash of the request.

A cache is a folder, by default ``<workbook stem>.ssb-cache/`` beside the workbook. Each
request (:meth:`.client.Query.key`, a SHA-256 of table, language and selection) has two files:

* ``<key>.json``: the response body exactly as SSB sent it;
* ``<key>.meta.json``: what was asked (table, selection), the address it was sent to, when it
  was fetched and the body's SHA-256, so every figure can be traced back to SSB.

Both are written through a temporary file and an atomic rename; the metadata is written last,
so an entry without it is incomplete and ignored. ``--offline`` replays the entries instead of
asking SSB.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .client import Query, Response
from .errors import FetchError

__all__ = ["CACHE_SUFFIX", "CachedResponse", "ResponseCache", "default_cache_dir"]

CACHE_SUFFIX = ".ssb-cache"
LICENCE = "Kilde: Statistisk sentralbyrå (SSB), lisens CC BY 4.0"


def default_cache_dir(workbook: str | os.PathLike[str]) -> Path:
    """``<folder>/<stem>.ssb-cache`` for the workbook ``<folder>/<stem>.xlsx``."""
    path = Path(workbook)
    return path.parent / f"{path.stem}{CACHE_SUFFIX}"


@dataclass(frozen=True)
class CachedResponse:
    """A stored response: the raw body and where and when it was fetched."""

    key: str
    body: bytes
    url: str
    fetched_at: dt.datetime
    table: str


class ResponseCache:
    """A folder of raw responses keyed by request hash."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def body_path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def meta_path(self, key: str) -> Path:
        return self.folder / f"{key}.meta.json"

    def get(self, query: Query) -> CachedResponse | None:
        """The stored response to ``query``, or None if there is none.

        Raises:
            FetchError: code ``ugyldig_cache``: the entry exists but cannot be read, or its
                body does not match the recorded checksum.
        """
        key = query.key()
        meta_path = self.meta_path(key)
        if not meta_path.exists():
            return None
        try:
            meta: Any = json.loads(meta_path.read_text(encoding="utf-8"))
            body = self.body_path(key).read_bytes()
            fetched_at = dt.datetime.fromisoformat(str(meta["hentet"]))
            url = str(meta["adresse"])
            digest = str(meta["sha256"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise FetchError(
                f"mellomlageret {self.folder} har en ødelagt oppføring for {query.describe()} "
                f"({key[:12]}: {type(exc).__name__}); slett filene {key}.* og hent på nytt",
                code="ugyldig_cache",
            ) from exc
        if hashlib.sha256(body).hexdigest() != digest:
            raise FetchError(
                f"mellomlageret {self.folder}: svaret {key}.json er endret etter at det ble "
                "hentet (sjekksummen stemmer ikke); slett filene og hent på nytt",
                code="ugyldig_cache",
            )
        return CachedResponse(key=key, body=body, url=url, fetched_at=fetched_at, table=query.table)

    def put(self, query: Query, response: Response, fetched_at: dt.datetime) -> CachedResponse:
        """Store ``response`` to ``query`` (replacing an older one)."""
        key = query.key()
        meta = {
            "nokkel": key,
            "tabell": query.table,
            "slag": "metadata" if query.metadata else "data",
            "sprak": query.lang,
            "utvalg": {dim: list(codes) for dim, codes in query.selection},
            "adresse": response.url,
            "hentet": fetched_at.isoformat(),
            "sha256": hashlib.sha256(response.body).hexdigest(),
            "lisens": LICENCE,
        }
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _atomic_write(self.body_path(key), response.body)
            text = json.dumps(meta, ensure_ascii=False, indent=2) + "\n"
            _atomic_write(self.meta_path(key), text.encode("utf-8"))
        except OSError as exc:
            raise FetchError(
                f"kunne ikke skrive til mellomlageret {self.folder} ({exc}); bruk --cache for "
                "å velge en annen mappe",
                code="ugyldig_cache",
            ) from exc
        return CachedResponse(
            key=key, body=response.body, url=response.url, fetched_at=fetched_at, table=query.table
        )


def _atomic_write(target: Path, data: bytes) -> None:
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
