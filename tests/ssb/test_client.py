"""The PxWebApi v2 client: URLs, splitting, pacing, retries and errors (local server only)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from kommuneokonomi.ssb.client import (
    DEFAULT_API_URL,
    ENV_API_URL,
    PxWebClient,
    Query,
    RateLimiter,
    api_url,
    split_query,
)
from kommuneokonomi.ssb.errors import FetchError
from kommuneokonomi.ssb.jsonstat import parse_dataset

from .server import FakeClock, FakeSsb, Reply, closed_port_url, problem

REGION = "KOKkommuneregion0000"


def kostra_query(regions: list[str], years: range = range(2018, 2021)) -> Query:
    return Query.of(
        "12134",
        {
            REGION: regions,
            "ContentsCode": ["KOSAGD230000"],
            "Tid": [str(y) for y in years],
        },
    )


# --- addresses ----------------------------------------------------------------------------


def test_api_url_from_argument_environment_or_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert api_url("http://speil.example/api/v2") == "http://speil.example/api/v2/"
    monkeypatch.setenv(ENV_API_URL, "http://127.0.0.1:8000/v2/")
    assert api_url() == "http://127.0.0.1:8000/v2/"
    assert api_url("http://annen/") == "http://annen/"
    monkeypatch.delenv(ENV_API_URL)
    assert api_url() == DEFAULT_API_URL == "https://data.ssb.no/api/pxwebapi/v2/"
    with pytest.raises(FetchError, match="må begynne med http"):
        api_url("data.ssb.no")


def test_client_takes_base_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_API_URL, "http://127.0.0.1:1/speil")
    with PxWebClient() as client:
        assert client.base_url == "http://127.0.0.1:1/speil/"


def test_query_url_follows_pxwebapi_v2() -> None:
    query = kostra_query(["0301", "4601"])
    url = query.url(DEFAULT_API_URL)
    assert url.startswith("https://data.ssb.no/api/pxwebapi/v2/tables/12134/data?")
    assert "lang=no&outputFormat=json-stat2" in url
    assert "valueCodes[KOKkommuneregion0000]=0301,4601" in url
    assert "valueCodes[ContentsCode]=KOSAGD230000" in url
    assert url.endswith("valueCodes[Tid]=2018,2019,2020")
    params = dict(parse_qsl(urlsplit(url).query))
    assert params["valueCodes[Tid]"] == "2018,2019,2020"


def test_query_key_is_stable_and_ignores_the_address() -> None:
    a, b = kostra_query(["0301", "4601"]), kostra_query(["0301", "4601"])
    assert a.key() == b.key()
    assert len(a.key()) == 64
    assert kostra_query(["0301"]).key() != a.key()
    assert a.url("http://127.0.0.1:1/") != a.url(DEFAULT_API_URL)


def test_query_rejects_bad_table_and_empty_selection() -> None:
    with pytest.raises(ValueError, match="tabellnummer"):
        Query.of("12134/../x", {"Tid": ["2020"]})
    with pytest.raises(ValueError, match="ingen verdier"):
        Query.of("12134", {"Tid": []})


# --- splitting ----------------------------------------------------------------------------


def _cells(query: Query) -> set[tuple[str, ...]]:
    return set(itertools.product(*[codes for _, codes in query.selection]))


def test_split_by_cell_count_covers_every_cell_once() -> None:
    regions = [f"{n:04d}" for n in range(1, 24)]  # 23 regions x 3 years = 69 cells
    query = kostra_query(regions)
    parts = split_query(query, max_cells=10)
    assert len(parts) > 1
    assert all(p.cells <= 10 for p in parts)
    assert sum(p.cells for p in parts) == query.cells
    union: set[tuple[str, ...]] = set()
    for p in parts:
        assert not (_cells(p) & union)
        union |= _cells(p)
    assert union == _cells(query)
    # deterministic, so an offline run replays the same parts
    assert [p.key() for p in split_query(query, max_cells=10)] == [p.key() for p in parts]


def test_split_by_url_length() -> None:
    regions = [f"{n:04d}" for n in range(1, 400)]
    query = kostra_query(regions, range(2020, 2021))
    assert len(query.url(DEFAULT_API_URL)) > 2000
    parts = split_query(query)  # SSB's defaults: 800 000 cells, 2 000 characters
    assert len(parts) >= 2
    assert all(len(p.url(DEFAULT_API_URL)) <= 2000 for p in parts)
    assert sum(p.cells for p in parts) == query.cells


def test_a_request_that_cannot_be_split_is_an_error() -> None:
    with pytest.raises(FetchError) as info:
        split_query(kostra_query(["0301"], range(2020, 2021)), max_cells=0)
    assert info.value.code == "ssb_for_stor"


# --- pacing -------------------------------------------------------------------------------


def test_rate_limiter_allows_n_calls_per_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3, 60.0, clock=clock, sleep=clock.sleep)
    for _ in range(3):  # at t = 1000, 1010, 1020
        assert limiter.wait() == 0.0
        clock.now += 10
    clock.now -= 10
    assert limiter.wait() == 40.0  # the 4th waits until the 1st leaves the window (1060)
    assert limiter.wait() == 10.0  # the 5th until the 2nd leaves it (1070)
    assert clock.sleeps == [40.0, 10.0]


def test_rate_limiter_never_lets_more_than_n_start_in_a_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(30, 60.0, clock=clock, sleep=clock.sleep)
    starts = []
    for i in range(100):
        clock.now += 0.5 if i % 7 else 3.0
        limiter.wait()
        starts.append(clock.now)
    for i, t in enumerate(starts):
        assert sum(1 for s in starts[i:] if s < t + 60.0) <= 30


def test_client_paces_requests_to_the_local_server(
    ssb: FakeSsb, clock: FakeClock, make_client: Callable[..., PxWebClient]
) -> None:
    client = make_client(ssb.url, max_calls=2, window=60.0)
    for regions in (["0301"], ["1103"], ["4601"], ["5001"], ["EKG12"]):
        client.get(kostra_query(regions))
    assert len(ssb.requests) == 5
    assert clock.sleeps == [60.0, 60.0]


# --- retries and errors -------------------------------------------------------------------


def test_429_with_retry_after_then_success(
    ssb: FakeSsb, clock: FakeClock, make_client: Callable[..., PxWebClient]
) -> None:
    ssb.script.append(Reply(429, b"Too Many Requests", {"Retry-After": "7"}))
    client = make_client(ssb.url)
    response = client.get(kostra_query(["4601"], range(2023, 2026)))
    assert clock.sleeps == [7.0]
    assert client.calls == 2 and len(ssb.requests) == 2
    ds = parse_dataset(response.body)
    assert ds.cell(KOKkommuneregion0000="4601", ContentsCode="KOSAGD230000", Tid="2024") == (
        -2.4,
        None,
    )


def test_503_without_retry_after_backs_off_exponentially(
    ssb: FakeSsb, clock: FakeClock, make_client: Callable[..., PxWebClient]
) -> None:
    ssb.script.extend([Reply(503, b"busy"), Reply(503, b"busy"), Reply(502, b"gateway")])
    client = make_client(ssb.url, backoff=2.0)
    client.get(kostra_query(["0301"]))
    assert clock.sleeps == [2.0, 4.0, 8.0]


def test_429_retry_after_as_http_date(
    ssb: FakeSsb, clock: FakeClock, make_client: Callable[..., PxWebClient]
) -> None:
    ssb.script.append(Reply(429, b"", {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}))
    client = make_client(ssb.url)
    client.get(kostra_query(["0301"]))
    assert clock.sleeps == [0.0]  # a date in the past: try again at once


def test_429_until_retries_run_out(
    ssb: FakeSsb, clock: FakeClock, make_client: Callable[..., PxWebClient]
) -> None:
    ssb.script.extend(Reply(429, b"", {"Retry-After": "1"}) for _ in range(10))
    client = make_client(ssb.url, max_retries=3)
    with pytest.raises(FetchError) as info:
        client.get(kostra_query(["0301"]))
    assert info.value.code == "ssb_for_mange_foresporsler"
    assert "HTTP 429" in info.value.message
    assert "også etter 3 nye forsøk" in info.value.message
    assert len(ssb.requests) == 4 and clock.sleeps == [1.0, 1.0, 1.0]


def test_a_retry_after_longer_than_max_wait_is_not_attempted(
    ssb: FakeSsb, clock: FakeClock, make_client: Callable[..., PxWebClient]
) -> None:
    ssb.script.append(Reply(429, b"", {"Retry-After": "3600"}))
    client = make_client(ssb.url, max_wait=120)
    with pytest.raises(FetchError, match="vente 3600 sekunder"):
        client.get(kostra_query(["0301"]))
    assert clock.sleeps == []


def test_http_500_is_not_retried_and_says_so_in_norwegian(
    ssb: FakeSsb, make_client: Callable[..., PxWebClient]
) -> None:
    ssb.script.append(problem(500, "Internal Server Error", "database unavailable"))
    client = make_client(ssb.url)
    with pytest.raises(FetchError) as info:
        client.get(kostra_query(["0301"]))
    assert info.value.code == "ssb_http"
    message = info.value.message
    assert "SSB-tjenesten svarte med en feil (HTTP 500: Internal Server Error; database" in message
    assert "prøv igjen senere" in message.lower()
    assert ssb.url in message
    assert len(ssb.requests) == 1


def test_http_400_passes_on_what_ssb_said(
    ssb: FakeSsb, make_client: Callable[..., PxWebClient]
) -> None:
    client = make_client(ssb.url)
    with pytest.raises(FetchError) as info:
        client.get(kostra_query(["9999"]))
    assert "HTTP 400" in info.value.message
    assert "Non-existent value 9999" in info.value.message
    assert "tblHenting" in info.value.message


def test_http_404_for_an_unknown_table(
    ssb: FakeSsb, make_client: Callable[..., PxWebClient]
) -> None:
    client = make_client(ssb.url)
    with pytest.raises(FetchError, match="SSB fant ikke tabellen 99999 \\(HTTP 404"):
        client.get(Query.of("99999", {"Tid": ["2020"]}))


def test_server_down_is_retried_once_then_a_norwegian_error(
    clock: FakeClock, make_client: Callable[..., PxWebClient]
) -> None:
    url = closed_port_url()
    client = make_client(url, backoff=1.5)
    with pytest.raises(FetchError) as info:
        client.get(kostra_query(["0301"]))
    assert info.value.code == "ssb_utilgjengelig"
    assert info.value.message.startswith(f"fikk ikke kontakt med SSB på {url}")
    assert "--offline" in info.value.message
    assert client.calls == 2 and clock.sleeps == [1.5]


def test_timeout_is_a_norwegian_error(clock: FakeClock) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with (
        PxWebClient(
            "http://127.0.0.1:1/",
            timeout=3,
            clock=clock,
            sleep=clock.sleep,
            transport=httpx.MockTransport(slow),
        ) as client,
        pytest.raises(FetchError) as info,
    ):
        client.get(kostra_query(["0301"]))
    assert info.value.code == "ssb_tidsavbrudd"
    assert "SSB svarte ikke innen 3 sekunder" in info.value.message


def test_sends_a_user_agent_and_accepts_json() -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=json.dumps({"ok": True}).encode())

    with PxWebClient("http://127.0.0.1:1/", transport=httpx.MockTransport(record)) as client:
        client.get(kostra_query(["0301"]))
    assert seen[0].headers["User-Agent"].startswith("kommuneokonomi/")
    assert seen[0].url.path == "/tables/12134/data"
