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

from .cache import ResponseCache, default_cache_dir
from .client import DEFAULT_API_URL, ENV_API_URL, PxWebClient, Query, RateLimiter, api_url
from .errors import FetchError
from .fetch import HENTING, Collected, HentResult, MergePlan, collect, hent, plan_merge
from .jsonstat import Dataset, Dimension, parse_dataset
from .regions import Municipality, Period, Renumbering, load_renumbering

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
