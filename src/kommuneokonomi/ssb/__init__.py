"""Fetching KOSTRA figures from Statistics Norway (SSB) into the savings workbook.

* :mod:`.client`: a paced, retrying httpx client for PxWebApi v2 (JSON-stat2), splitting
  requests under the API's limits;
* :mod:`.jsonstat`: a small, strict JSON-stat2 decoder (dataset -> long DataFrame);
* :mod:`.regions`: municipality numbers across the 2018/2020/2024 renumberings;
* :mod:`.cache`: raw responses stored by request hash, replayed with ``--offline``;
* :mod:`.fetch`: ``tblHenting`` -> requests -> ``tblData`` rows (with ``Merknad``/``Kilde``);
* :mod:`.cli`: the ``hent`` command.

Data from SSB is licensed CC BY 4.0 (source: Statistisk sentralbyrå).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cache import ResponseCache, default_cache_dir
    from .client import DEFAULT_API_URL, ENV_API_URL, PxWebClient, Query, RateLimiter, api_url
    from .errors import FetchError
    from .fetch import HENTING, Collected, HentResult, MergePlan, collect, hent, plan_merge
    from .jsonstat import Dataset, Dimension, parse_dataset
    from .regions import Municipality, Period, Renumbering, load_renumbering

#: Each name's submodule. Loaded on first use: a recalculation reads the renumbering table
#: (:mod:`.regions`) and must not pay for httpx and openpyxl, which fetching needs.
_SOURCE = {
    "ResponseCache": "cache",
    "default_cache_dir": "cache",
    "DEFAULT_API_URL": "client",
    "ENV_API_URL": "client",
    "PxWebClient": "client",
    "Query": "client",
    "RateLimiter": "client",
    "api_url": "client",
    "FetchError": "errors",
    "HENTING": "fetch",
    "Collected": "fetch",
    "HentResult": "fetch",
    "MergePlan": "fetch",
    "collect": "fetch",
    "hent": "fetch",
    "plan_merge": "fetch",
    "Dataset": "jsonstat",
    "Dimension": "jsonstat",
    "parse_dataset": "jsonstat",
    "Municipality": "regions",
    "Period": "regions",
    "Renumbering": "regions",
    "load_renumbering": "regions",
}


def __getattr__(name: str) -> Any:
    module = _SOURCE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


__all__ = [
    "DEFAULT_API_URL",
    "ENV_API_URL",
    "HENTING",
    "Collected",
    "Dataset",
    "Dimension",
    "FetchError",
    "HentResult",
    "MergePlan",
    "Municipality",
    "Period",
    "PxWebClient",
    "Query",
    "RateLimiter",
    "Renumbering",
    "ResponseCache",
    "api_url",
    "collect",
    "default_cache_dir",
    "hent",
    "load_renumbering",
    "parse_dataset",
    "plan_merge",
]
