"""A local stand-in for SSB's PxWebApi v2, on 127.0.0.1 with a port the OS chooses.

It answers ``GET /api/pxwebapi/v2/tables/{id}/data?lang=..&outputFormat=json-stat2&
valueCodes[DIM]=a,b`` from hand-built tables (:class:`FakeTable`) the way SSB does: the
dimensions in the table's order, categories in the table's order (not the query's), values in
row-major order, ``status`` as an object ``{"cell number": symbol}`` where a value is missing
(null), HTTP 400 with a problem document for an unknown code or a missing selection, 404 for
an unknown table. ``script`` holds responses served first (a 429 with ``Retry-After``, a 500,
malformed JSON), one per data request; every request is recorded in ``requests``.
"""

from __future__ import annotations

import copy
import itertools
import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

PREFIX = "/api/pxwebapi/v2/"

Cell = float | int | str | None  # a number, or a status symbol (value null); None: "."


@dataclass
class FakeTable:
    """A KOSTRA-shaped table: region x ContentsCode x Tid (and optional further dimensions).

    ``values`` maps (region, contents, year) to a number or to a status symbol such as
    ``".."`` (the value is then null); a cell not given is ``"."`` (cannot occur), as SSB
    shows a municipality number in the years it did not exist. With further dimensions
    (``extra``), a key may add their codes in order: (region, contents, year, funksjon, art).
    """

    id: str
    title: str
    regions: dict[str, str]
    contents: dict[str, str]
    years: list[str]
    values: dict[tuple[str, ...], Cell] = field(default_factory=dict)
    region_dim: str = "KOKkommuneregion0000"
    extra: dict[str, dict[str, str]] = field(default_factory=dict)  # further dims (first code)

    def dims(self) -> list[tuple[str, str, dict[str, str]]]:
        out = [(self.region_dim, "region", self.regions)]
        out += [(d, d.lower(), cats) for d, cats in self.extra.items()]
        out += [
            ("ContentsCode", "statistikkvariabel", self.contents),
            ("Tid", "år", {y: y for y in self.years}),
        ]
        return out

    def metadata(self) -> dict[str, Any]:
        """The table's metadata as PxWebApi v2 gives it in JSON-stat2: every variable with
        all its codes and labels, no values."""
        doc = self.dataset({d: list(cats) for d, _, cats in self.dims()})
        for key in ("value", "status"):
            doc.pop(key, None)
        return doc

    def dataset(self, chosen: dict[str, list[str]]) -> dict[str, Any]:
        """The JSON-stat2 answer for the chosen codes, in the table's own order."""
        dims = []
        for dim_id, label, cats in self.dims():
            codes = [c for c in cats if c in chosen[dim_id]]
            dims.append((dim_id, label, {c: cats[c] for c in codes}))
        sizes = [len(c) for _, _, c in dims]
        values: list[float | int | None] = []
        status: dict[str, str] = {}
        for i, combo in enumerate(itertools.product(*[list(c) for _, _, c in dims])):
            key = dict(zip([d for d, _, _ in dims], combo, strict=True))
            base = (key[self.region_dim], key["ContentsCode"], key["Tid"])
            # a value may be given for one choice of the further dimensions (in their order)
            cell = self.values.get(
                (*base, *(key[d] for d in self.extra)), self.values.get(base, ".")
            )
            if isinstance(cell, str):
                values.append(None)
                status[str(i)] = cell
            else:
                values.append(cell)
        return {
            "version": "2.0",
            "class": "dataset",
            "label": f"{self.id}: {self.title}",
            "source": "Statistisk sentralbyrå",
            "updated": "2025-06-16T06:00:00Z",
            "note": [". = Kategorien finnes ikke", ".. = Tallgrunnlag mangler", ": = Vises ikke"],
            "role": {"time": ["Tid"], "metric": ["ContentsCode"], "geo": [self.region_dim]},
            "id": [d for d, _, _ in dims],
            "size": sizes,
            "dimension": {
                dim_id: {
                    "label": label,
                    "category": {
                        "index": {c: j for j, c in enumerate(cats)},
                        "label": dict(cats),
                    },
                    "extension": {"elimination": False, "show": "value"},
                }
                for dim_id, label, cats in dims
            },
            "extension": {"px": {"tableid": self.id, "language": "no", "decimals": 1}},
            "value": values,
            "status": status,
        }

    def body(self, chosen: dict[str, list[str]]) -> bytes:
        return json.dumps(self.dataset(chosen), ensure_ascii=False).encode("utf-8")


@dataclass
class RecordedTable:
    """A table served from a genuine SSB response (a fixture file), never edited.

    ``dims`` and the metadata are the response's own dimensions and categories; a data
    request is answered with the response's own values and status symbols for the chosen
    codes, in the response's order (every dimension must be selected, as for a variable SSB
    does not let you eliminate). Asked for every code, the file's bytes are served as they are.
    """

    raw: bytes
    extra: dict[str, dict[str, str]] = field(default_factory=dict)  # none is optional

    def __post_init__(self) -> None:
        self.doc: dict[str, Any] = json.loads(self.raw)
        self.id = str(self.doc["extension"]["px"]["tableid"])

    def dims(self) -> list[tuple[str, str, dict[str, str]]]:
        out = []
        for dim_id in self.doc["id"]:
            dim = self.doc["dimension"][dim_id]
            index = dim["category"]["index"]
            codes = sorted(index, key=index.__getitem__)
            out.append((dim_id, dim["label"], {c: dim["category"]["label"][c] for c in codes}))
        return out

    def metadata(self) -> dict[str, Any]:
        doc = {k: v for k, v in self.doc.items() if k not in ("value", "status")}
        return doc

    def dataset(self, chosen: dict[str, list[str]]) -> dict[str, Any]:
        dims = self.dims()
        sizes = [len(cats) for _, _, cats in dims]
        keep = [[j for j, c in enumerate(cats) if c in chosen[d]] for d, _, cats in dims]
        status_in = self.doc.get("status") or {}
        values: list[Any] = []
        status: dict[str, str] = {}
        for combo in itertools.product(*keep):
            flat = 0
            for j, size in zip(combo, sizes, strict=True):
                flat = flat * size + j
            if str(flat) in status_in:
                status[str(len(values))] = status_in[str(flat)]
            values.append(self.doc["value"][flat])
        doc = copy.deepcopy(self.doc)
        doc["size"] = [len(k) for k in keep]
        for (dim_id, _, cats), k in zip(dims, keep, strict=True):
            codes = [list(cats)[j] for j in k]
            category = doc["dimension"][dim_id]["category"]
            category["index"] = {c: n for n, c in enumerate(codes)}
            for part in ("label", "unit"):
                if part in category:
                    category[part] = {c: category[part][c] for c in codes if c in category[part]}
        doc["value"] = values
        doc["status"] = status
        return doc

    def body(self, chosen: dict[str, list[str]]) -> bytes:
        if all(set(cats) == set(chosen[d]) for d, _, cats in self.dims()):
            return self.raw
        return json.dumps(self.dataset(chosen), ensure_ascii=False).encode("utf-8")


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def problem(status: int, title: str, detail: str = "") -> Reply:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return Reply(status, json.dumps(body).encode(), {"Content-Type": "application/problem+json"})


class FakeSsb:
    """The server. Use as a context manager; ``url`` is the API base to give the client."""

    def __init__(self, *tables: FakeTable | RecordedTable) -> None:
        self.tables = {t.id: t for t in tables}
        self.script: deque[Reply] = deque()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.metadata_requests: list[tuple[str, dict[str, str]]] = []
        self.no_metadata = False  # answer metadata with 404, as a server without it
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{PREFIX}"

    def __enter__(self) -> FakeSsb:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def answer(self, path: str, params: dict[str, str]) -> Reply:
        if path.startswith(PREFIX + "tables/") and path.endswith("/metadata"):
            # metadata is read before the data; not counted among the data requests, and
            # scripted failures are for data requests
            self.metadata_requests.append((path, params))
            table = self.tables.get(path[len(PREFIX + "tables/") : -len("/metadata")])
            if table is None or self.no_metadata:
                return problem(404, "Not Found", "Table not found")
            body = json.dumps(table.metadata(), ensure_ascii=False).encode("utf-8")
            return Reply(200, body, {"Content-Type": "application/json; charset=utf-8"})
        self.requests.append((path, params))
        if self.script:
            return self.script.popleft()
        if not path.startswith(PREFIX + "tables/") or not path.endswith("/data"):
            return problem(404, "Not Found")
        table_id = path[len(PREFIX + "tables/") : -len("/data")]
        table = self.tables.get(table_id)
        if table is None:
            return problem(404, "Not Found", f"Table {table_id} not found")
        if params.get("outputFormat", "").lower() != "json-stat2":
            return problem(400, "Bad Request", "only json-stat2 here")
        chosen: dict[str, list[str]] = {}
        for dim_id, _, cats in table.dims():
            raw = params.get(f"valueCodes[{dim_id}]")
            if raw is None:
                if dim_id in table.extra:
                    chosen[dim_id] = [next(iter(cats))]
                    continue
                return problem(400, "Bad Request", f"Missing selection for mandatory {dim_id}")
            codes = [c for c in raw.split(",") if c]
            unknown = [c for c in codes if c not in cats]
            if unknown:
                return problem(400, "Bad Request", f"Non-existent value {unknown[0]} in {dim_id}")
            chosen[dim_id] = codes
        return Reply(200, table.body(chosen), {"Content-Type": "application/json; charset=utf-8"})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = dict(parse_qsl(parts.query, keep_blank_values=True))
                reply = server.answer(parts.path, params)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def closed_port_url() -> str:
    """An API base on 127.0.0.1 where nothing listens (a server that is down)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{PREFIX}"


class FakeClock:
    """A clock whose sleep advances time at once, recording each sleep."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def kostra_12134() -> FakeTable:
    """A hand-built slice of KOSTRA table 12134 (financial key figures) in SSB's structure.

    Municipalities under their old and new numbers, each with figures only in the years the
    number was valid (``.`` otherwise), as SSB publishes them. Bergen, EKG12 and EAKUO for
    KOSAGD230000 2023-2025 are SSB's published figures; the rest is illustrative.
    """
    regions = {
        "EAKUO": "Landet uten Oslo",
        "EKG12": "Kostragruppe 12",
        "0301": "Oslo",
        "1103": "Stavanger",
        "1201": "Bergen (-2019)",
        "4601": "Bergen",
        "1601": "Trondheim (-2017)",
        "5001": "Trondheim - Tråante",
        "1902": "Tromsø (-2019)",
        "5401": "Tromsø (2020-2023)",
        "5501": "Tromsø - Romsa - Tromssa",
    }
    contents = {
        "KOSAGD230000": "Netto driftsresultat i prosent av brutto driftsinntekter (prosent)",
        "KOSAGD100000": "Brutto driftsresultat i prosent av brutto driftsinntekter (prosent)",
    }
    years = [str(y) for y in range(2015, 2026)]
    v: dict[tuple[str, str, str], Cell] = {}
    nd, bd = "KOSAGD230000", "KOSAGD100000"
    for i, y in enumerate(years):
        year = int(y)
        v[("0301", nd, y)] = round(2.0 + 0.1 * i, 1)
        v[("0301", bd, y)] = round(3.0 + 0.1 * i, 1)
        v[("1103", nd, y)] = round(1.5 + 0.2 * i, 1)
        v[("1103", bd, y)] = round(2.5 + 0.2 * i, 1)
        code = "1201" if year <= 2019 else "4601"
        v[(code, nd, y)] = round(1.0 + 0.1 * i, 1)
        v[(code, bd, y)] = round(2.0 + 0.1 * i, 1)
        code = "1601" if year <= 2017 else "5001"
        v[(code, nd, y)] = round(3.0 - 0.1 * i, 1)
        v[(code, bd, y)] = round(4.0 - 0.1 * i, 1)
        code = "1902" if year <= 2019 else "5401" if year <= 2023 else "5501"
        v[(code, nd, y)] = round(0.5 + 0.3 * i, 1)
        v[(code, bd, y)] = round(1.5 + 0.3 * i, 1)
        v[("EKG12", nd, y)] = 1.2
        v[("EAKUO", nd, y)] = 0.9
    # SSB's published figures (table 12134, KOSAGD230000)
    for y, bergen, ekg12, eakuo in (
        ("2023", 0.7, 1.6, 1.0),
        ("2024", -2.4, 0.1, -0.3),
        ("2025", 1.0, 3.2, 2.1),
    ):
        v[("4601", nd, y)] = bergen
        v[("EKG12", nd, y)] = ekg12
        v[("EAKUO", nd, y)] = eakuo
    # missing values as SSB marks them
    v[("1103", nd, "2019")] = ":"  # confidential
    v[("0301", bd, "2018")] = ".."  # not available
    v[("5001", bd, "2025")] = "..."  # not yet available
    return FakeTable("12134", "Finansielle nøkkeltall (K) 2015-2025", regions, contents, years, v)
