from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kommuneokonomi.ssb.client import ENV_API_URL, PxWebClient

from .server import FakeClock, FakeSsb, closed_port_url, kostra_12134


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """A client built without an address goes to a closed local port, never to SSB."""
    monkeypatch.setenv(ENV_API_URL, closed_port_url())


@pytest.fixture
def ssb() -> Iterator[FakeSsb]:
    with FakeSsb(kostra_12134()) as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(clock: FakeClock) -> Iterator[Callable[..., PxWebClient]]:
    made: list[PxWebClient] = []

    def make(url: str, **kw: Any) -> PxWebClient:
        client = PxWebClient(url, clock=clock, sleep=clock.sleep, timeout=5, **kw)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
