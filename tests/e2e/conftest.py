"""End-to-end fixtures: the fake Discord, a loopback arXiv, and the real bot wired between them.

The two patches that point discord.py at the fake (REST base and gateway URL) live here and
nowhere else, so a change in discord.py's internals breaks this one place loudly.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import discord
import pytest
import yarl
from aiohttp import web

from bot.app import Runtime, build_runtime
from bot.arxiv_client import ClientSettings
from bot.config import Settings
from bot.sources import load_profiles
from tests.e2e.fake_discord import FakeDiscord

GUILD = 111
CHANNELS = [201, 202, 203]
TOKEN = "fake.discord.token-value"


class Clock:
    """A settable clock for the bot under test."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord({GUILD: CHANNELS})
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url))
    yield fake
    await fake.stop()


class FakeArxiv:
    """Serves the real RSS and API fixtures; scripted failures per path."""

    def __init__(self, fixtures: Path) -> None:
        self.fixtures = fixtures
        self.feeds: dict[str, bytes] = {}
        self.api_status = 200
        self.hits: list[str] = []
        self.url = ""

    async def rss(self, request: web.Request) -> web.Response:
        cats = request.match_info["cats"]
        self.hits.append(f"rss:{cats}")
        body = self.feeds.get(cats, (self.fixtures / "feeds" / "empty_skipdays.xml").read_bytes())
        return web.Response(body=body, content_type="application/rss+xml")

    async def api(self, request: web.Request) -> web.Response:
        ids = request.query.get("id_list", "")
        self.hits.append(f"api:{ids}")
        if self.api_status != 200:
            return web.Response(status=self.api_status, text="down")
        name = f"api_2026_id_{ids.replace(',', '_').replace('/', '_')}_s0_m100.xml"
        path = self.fixtures / "api" / name
        body = path.read_bytes() if path.exists() else (
            self.fixtures / "api" / "api_2026_id_0808.05394_s0_m100.xml").read_bytes()
        return web.Response(body=body, content_type="application/atom+xml")


@pytest.fixture
async def fake_arxiv(fixtures_dir: Path) -> AsyncIterator[FakeArxiv]:
    arxiv = FakeArxiv(fixtures_dir)
    app = web.Application()
    app.router.add_get("/rss/{cats}", arxiv.rss)
    app.router.add_get("/api/query", arxiv.api)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    arxiv.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    yield arxiv
    await runner.cleanup()


BotFactory = Callable[..., contextlib.AbstractAsyncContextManager[Runtime]]


@pytest.fixture
def start_bot(fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, tmp_path: Path) -> BotFactory:
    """Run the real bot (store, scheduler, discord.py client) against the fakes."""

    @contextlib.asynccontextmanager
    async def run(clock: Clock, *, state: Path | None = None, **settings: Any) -> AsyncIterator[Runtime]:
        config = Settings(token=TOKEN, state_path=state or tmp_path / "state.json", **settings)
        client = ClientSettings(rss_base=f"{fake_arxiv.url}/rss/", api_base=f"{fake_arxiv.url}/api/query",
                                min_interval_s=0.0, retries=1, backoff_s=0.01, timeout_s=5)
        async with build_runtime(config, load_profiles(), clock=clock, client_settings=client,
                                 guild_ready_timeout=0.05) as runtime:
            await runtime.bot.login(TOKEN)
            task = asyncio.create_task(runtime.bot.connect(reconnect=False))
            await asyncio.wait_for(runtime.bot.wait_until_ready(), 10)
            if runtime.bot.start_of_day is not None:
                await asyncio.wait_for(runtime.bot.start_of_day, 10)
            try:
                yield runtime
            finally:
                await runtime.bot.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(task, 5)

    return run
