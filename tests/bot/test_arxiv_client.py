"""ArxivClient against a real aiohttp server on loopback that serves the recorded arXiv files,
scripted to fail (5xx, 429, slow, truncated, refused) the way arXiv sometimes does.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.arxiv_client import (
    ArxivClient,
    ArxivUnavailableError,
    ClientSettings,
    FeedResponse,
    user_agent,
)
from digest.arxiv_id import BadArxivIdError
from digest.feed import parse_api, parse_feed
from tests.support.fake_clock import FakeClock

Action = Callable[[web.Request], Awaitable[web.StreamResponse]]
FEED_ETAG = '"quant-ph-2025-04-28"'
FEED_LAST_MODIFIED = "Mon, 28 Apr 2025 04:00:00 GMT"


@dataclass
class Seen:
    """One request as the server received it."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    at: float


@dataclass
class FakeArxiv:
    """Answers each request with the next scripted action, then by serving the fixture files."""

    fixtures: Path
    script: list[Action] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    now: Callable[[], float] = time.monotonic

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(Seen(request.path, dict(request.query), dict(request.headers), self.now()))
        action = self.script.pop(0) if self.script else self.serve_fixture
        return await action(request)

    async def serve_fixture(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith("/rss/"):
            return self.feed_or_not_modified(request)
        id_list = request.query["id_list"].replace("/", "_").replace(",", "_")
        body = (self.fixtures / "api" / f"api_2026_id_{id_list}_s0_m100.xml").read_bytes()
        status = 400 if b"<title>Error</title>" in body else 200
        return web.Response(body=body, status=status, content_type="application/atom+xml")

    def feed_or_not_modified(self, request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == FEED_ETAG:
            return web.Response(status=304, headers={"ETag": FEED_ETAG})
        headers = {"ETag": FEED_ETAG, "Last-Modified": FEED_LAST_MODIFIED}
        return web.Response(
            body=self.feed_bytes, headers=headers, content_type="application/rss+xml"
        )

    @property
    def feed_bytes(self) -> bytes:
        return (self.fixtures / "feeds" / "quant-ph_2025-04-28.xml").read_bytes()


def status(code: int) -> Action:
    async def answer(request: web.Request) -> web.StreamResponse:
        return web.Response(status=code, text=f"scripted {code}")

    return answer


def slow(fake: FakeArxiv) -> Action:
    async def answer(request: web.Request) -> web.StreamResponse:
        await fake.release.wait()
        return web.Response(status=200, text="too late")

    return answer


def truncated(data: bytes) -> Action:
    async def answer(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_length = len(data)
        await response.prepare(request)
        await response.write(data[: len(data) // 2])
        assert request.transport is not None
        request.transport.close()
        return response

    return answer


def huge(size: int, announce_length: bool) -> Action:
    async def answer(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        if announce_length:
            response.content_length = size
        await response.prepare(request)
        chunk = b"<!-- padding -->" * 4096
        for _ in range(size // len(chunk) + 1):
            await response.write(chunk)
        return response

    return answer


@pytest.fixture
async def arxiv(fixtures_dir: Path) -> AsyncIterator[tuple[FakeArxiv, TestServer]]:
    fake = FakeArxiv(fixtures_dir)
    app = web.Application()
    app.router.add_get("/{tail:.*}", fake.handle)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    yield fake, server
    fake.release.set()
    await server.close()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def client_for(
    server: TestServer,
    session: aiohttp.ClientSession,
    clock: FakeClock | None = None,
    **overrides: Any,
) -> ArxivClient:
    settings = ClientSettings(
        rss_base=str(server.make_url("/rss/")),
        api_base=str(server.make_url("/api/query")),
        **{"min_interval_s": 0.0, "backoff_s": 0.5, "timeout_s": 5.0, **overrides},
    )
    if clock is None:
        return ArxivClient(session, settings)
    return ArxivClient(session, settings, sleep=clock.sleep, monotonic=clock.monotonic)


async def test_fetch_feed_returns_the_feed_with_its_validators_and_a_descriptive_user_agent(
    arxiv: tuple[FakeArxiv, TestServer], session: aiohttp.ClientSession
) -> None:
    fake, server = arxiv
    response = await client_for(server, session).fetch_feed(["quant-ph", "physics.optics"])
    assert response == FeedResponse(200, fake.feed_bytes, FEED_ETAG, FEED_LAST_MODIFIED, False)
    assert len(parse_feed(response.body or b"").papers) == 81
    [request] = fake.seen
    assert request.path == "/rss/quant-ph+physics.optics"
    assert re.fullmatch(r"arxiv-digest/\d\S*", request.headers["User-Agent"])
    # with the operator's contact, as arXiv asks of automated clients
    assert user_agent("ops@example.org").endswith(" (ops@example.org)")
    assert "If-None-Match" not in request.headers
    assert "If-Modified-Since" not in request.headers


async def test_conditional_fetch_sends_the_validators_and_reports_not_modified(
    arxiv: tuple[FakeArxiv, TestServer], session: aiohttp.ClientSession
) -> None:
    fake, server = arxiv
    response = await client_for(server, session).fetch_feed(
        ["quant-ph"], etag=FEED_ETAG, last_modified=FEED_LAST_MODIFIED
    )
    assert response == FeedResponse(304, None, FEED_ETAG, FEED_LAST_MODIFIED, not_modified=True)
    [request] = fake.seen
    assert request.headers["If-None-Match"] == FEED_ETAG
    assert request.headers["If-Modified-Since"] == FEED_LAST_MODIFIED


async def test_a_stale_etag_gets_the_whole_feed(
    arxiv: tuple[FakeArxiv, TestServer], session: aiohttp.ClientSession
) -> None:
    _, server = arxiv
    response = await client_for(server, session).fetch_feed(["quant-ph"], etag='"yesterday"')
    assert (response.status, response.not_modified, response.etag) == (200, False, FEED_ETAG)


async def test_server_errors_are_retried_with_exponential_backoff(
    arxiv: tuple[FakeArxiv, TestServer], session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    fake, server = arxiv
    fake.script = [status(500), status(503), status(429)]
    response = await client_for(server, session, clock).fetch_feed(["quant-ph"])
    assert response.body == fake.feed_bytes
    assert len(fake.seen) == 4
    assert clock.sleeps == [0.5, 1.0, 2.0]


async def test_after_the_last_retry_the_error_names_the_url_and_the_last_status(
    arxiv: tuple[FakeArxiv, TestServer], session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    fake, server = arxiv
    fake.script = [status(503)] * 4
    with pytest.raises(ArxivUnavailableError) as caught:
        await client_for(server, session, clock, retries=3).fetch_feed(["quant-ph"])
    url = str(server.make_url("/rss/quant-ph"))
    expected = f"arXiv unavailable: GET {url} failed after 4 attempts; last: HTTP 503. Check the"
    assert str(caught.value).startswith(expected)
    assert (caught.value.url, caught.value.cause, caught.value.attempts) == (url, "HTTP 503", 4)
    assert len(fake.seen) == 4
    assert clock.sleeps == [0.5, 1.0, 2.0]


async def test_a_client_error_status_is_not_retried(
    arxiv: tuple[FakeArxiv, TestServer], session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    fake, server = arxiv
    fake.script = [status(404)]
    with pytest.raises(ArxivUnavailableError, match="after 1 attempt; last: HTTP 404"):
        await client_for(server, session, clock).fetch_feed(["quant-ph"])
    assert len(fake.seen) == 1
    assert clock.sleeps == []


async def test_a_slow_answer_times_out_and_the_retry_succeeds(
    arxiv: tuple[FakeArxiv, TestServer], session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    fake, server = arxiv
    fake.script = [slow(fake)]  # never answers until released
    client = client_for(server, session, clock, timeout_s=0.2)
    # The guard only stops a hang from stalling the suite; it is not what is measured.
    response = await asyncio.wait_for(client.fetch_feed(["quant-ph"]), timeout=60)
    assert response.body == fake.feed_bytes
    assert len(fake.seen) == 2  # the first, given up on; the retry, answered
    assert not fake.release.is_set()  # the slow answer never came: the client timed out
    assert clock.sleeps == [0.5]  # one backoff (backoff_s) before the retry, on the fake clock


async def test_timeouts_until_the_end_give_up_with_timed_out(
    arxiv: tuple[FakeArxiv, TestServer], session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    fake, server = arxiv
    fake.script = [slow(fake), slow(fake)]
    client = client_for(server, session, clock, timeout_s=0.1, retries=1)
    with pytest.raises(
        ArxivUnavailableError, match=r"after 2 attempts; last: timed out after 0\.1 s\. Check the network"
    ):
        await client.fetch_feed(["quant-ph"])


async def test_a_truncated_body_is_retried_not_returned(
    arxiv: tuple[FakeArxiv, TestServer], session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    fake, server = arxiv
    fake.script = [truncated(fake.feed_bytes)]
    response = await client_for(server, session, clock).fetch_feed(["quant-ph"])
    assert response.body == fake.feed_bytes
    assert len(fake.seen) == 2


async def test_bodies_truncated_every_time_end_in_arxiv_unavailable(
    arxiv: tuple[FakeArxiv, TestServer], session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    fake, server = arxiv
    fake.script = [truncated(fake.feed_bytes)] * 3
    client = client_for(server, session, clock, retries=2)
    with pytest.raises(ArxivUnavailableError, match="after 3 attempts; last: ClientPayloadError"):
        await client.fetch_feed(["quant-ph"])


@pytest.mark.parametrize("announce_length", [True, False])
async def test_an_oversized_answer_is_refused_before_it_is_read_whole(
    arxiv: tuple[FakeArxiv, TestServer], session: aiohttp.ClientSession, clock: FakeClock,
    announce_length: bool,
) -> None:
    fake, server = arxiv
    fake.script = [huge(3 * 2**20, announce_length)]
    client = client_for(server, session, clock, max_body_bytes=2**20)
    with pytest.raises(ArxivUnavailableError, match="1048576-byte limit"):
        await client.fetch_feed(["quant-ph"])
    assert len(fake.seen) == 1  # not retried: arXiv never sends that much


async def test_a_refused_connection_is_retried_then_reported(
    session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = ClientSettings(
        rss_base=f"http://127.0.0.1:{port}/rss/", retries=2, backoff_s=0.1, min_interval_s=0.0
    )
    client = ArxivClient(session, settings, sleep=clock.sleep, monotonic=clock.monotonic)
    with pytest.raises(ArxivUnavailableError, match="after 3 attempts; last: ClientConnectorError"):
        await client.fetch_feed(["quant-ph"])
    assert clock.sleeps == [0.1, 0.2]


async def test_requests_are_spaced_by_the_minimum_interval(
    arxiv: tuple[FakeArxiv, TestServer], session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    fake, server = arxiv
    fake.now = clock.monotonic
    client = client_for(server, session, clock, min_interval_s=3.0)
    await client.fetch_feed(["quant-ph"])
    clock.now += 1.0  # a second passes between the first and second call
    await client.fetch_papers(["2104.12255v1"])
    await client.fetch_feed(["quant-ph"])
    assert clock.sleeps == [2.0, 3.0]
    assert [s.at for s in fake.seen] == [1000.0, 1003.0, 1006.0]


async def test_concurrent_requests_and_retries_wait_their_turn(
    arxiv: tuple[FakeArxiv, TestServer], session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    fake, server = arxiv
    fake.now = clock.monotonic
    fake.script = [status(500)]
    client = client_for(server, session, clock, min_interval_s=3.0, backoff_s=1.0)
    responses = await asyncio.gather(*(client.fetch_feed(["quant-ph"]) for _ in range(3)))
    assert [r.status for r in responses] == [200, 200, 200]
    # The first caller's 500 backs off for 1 s; meanwhile the others take their turns, 3 s apart.
    assert [s.at for s in fake.seen] == [1000.0, 1003.0, 1006.0, 1009.0]


async def test_spacing_holds_in_real_time(
    arxiv: tuple[FakeArxiv, TestServer], session: aiohttp.ClientSession
) -> None:
    fake, server = arxiv
    client = client_for(server, session, min_interval_s=0.2)
    await asyncio.gather(client.fetch_papers(["1605.08386"]), client.fetch_papers(["1605.08386"]))
    first, second = sorted(s.at for s in fake.seen)
    assert second - first >= 0.18  # the server's clock sees the request a hair after the client's


async def test_fetch_papers_asks_the_api_for_the_id_list(
    arxiv: tuple[FakeArxiv, TestServer], session: aiohttp.ClientSession
) -> None:
    fake, server = arxiv
    body = await client_for(server, session).fetch_papers(["0808.05394", "1707.08567"])
    assert [p.arxiv_id for p in parse_api(body)] == ["1707.08567"]
    assert fake.seen[0].path == "/api/query"
    assert fake.seen[0].query == {"id_list": "0808.05394,1707.08567", "max_results": "2"}


async def test_fetch_papers_keeps_the_slash_of_old_style_ids(
    arxiv: tuple[FakeArxiv, TestServer], session: aiohttp.ClientSession
) -> None:
    fake, server = arxiv
    body = await client_for(server, session).fetch_papers(["astro-ph/0601001"])
    assert [p.arxiv_id for p in parse_api(body)] == ["astro-ph/0601001"]
    assert fake.seen[0].query["id_list"] == "astro-ph/0601001"


async def test_a_bad_id_answer_is_returned_for_parse_api_to_report(
    arxiv: tuple[FakeArxiv, TestServer], session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    fake, server = arxiv
    body = await client_for(server, session, clock).fetch_papers(["abc"])
    with pytest.raises(BadArxivIdError, match=r"^incorrect id format for abc$"):
        parse_api(body)
    assert len(fake.seen) == 1


async def test_fetch_url_gets_any_arxiv_url(
    arxiv: tuple[FakeArxiv, TestServer], session: aiohttp.ClientSession
) -> None:
    fake, server = arxiv
    body = await client_for(server, session).fetch_url(str(server.make_url("/rss/quant-ph")))
    assert body == fake.feed_bytes


async def test_nothing_to_fetch_is_a_programming_error(
    arxiv: tuple[FakeArxiv, TestServer], session: aiohttp.ClientSession
) -> None:
    fake, server = arxiv
    client = client_for(server, session)
    with pytest.raises(ValueError, match="at least one category"):
        await client.fetch_feed([])
    with pytest.raises(ValueError, match="at least one id"):
        await client.fetch_papers([])
    assert fake.seen == []


def test_default_settings_follow_arxivs_terms() -> None:
    settings = ClientSettings()
    assert settings.rss_base == "https://rss.arxiv.org/rss/"
    assert settings.api_base == "https://export.arxiv.org/api/query"
    assert (settings.min_interval_s, settings.timeout_s, settings.retries) == (3.0, 30.0, 3)
