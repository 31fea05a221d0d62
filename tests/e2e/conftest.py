"""End-to-end fixtures: the fake Discord, a loopback arXiv, and the real bot wired between them.

The patches that point discord.py at the fake (REST base and gateway URL) live in the
`fake_discord` fixture and nowhere else, so a change in discord.py's internals breaks one place loudly.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
import pytest
from aiohttp import web

from tests.support.discord_contract import Contract
from tests.support.fake_discord import TOKEN, FakeDiscord
from tests.support.fake_limits import CHANNEL_MESSAGES, CHANNEL_ROUTE, Limit, RateLimiter
from tests.support.patch import patch_discord

if TYPE_CHECKING:
    from bot.app import Runtime

GUILD = 111
CHANNELS = [201, 202, 203]
READY_TIMEOUT_S = 10.0
# Most tests allow a loaded CI machine this long to answer an interaction (a late answer fails
# the test through the fixture); tests/e2e/test_deadlines.py holds the bot to Discord's 3 s.
LOADED_DEADLINE_S = 10.0
GUILD_READY_TIMEOUT_S = 0.05  # pass to clients under test: discord.py waits this long for guilds
# Discord lets a channel take 5 messages per 5 s. Most tests run that window ten times shorter,
# headers and 429s alike, so that a long digest does not wait out real seconds; tests marked
# `discord_time` (and the benchmark) keep Discord's own window.
FAST_CHANNEL_MESSAGES = Limit(CHANNEL_MESSAGES.count, CHANNEL_MESSAGES.per_s / 10)


class Clock:
    """A settable clock for the bot under test."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
async def fake_discord(discord_contract: Contract, request: pytest.FixtureRequest
                       ) -> AsyncIterator[FakeDiscord]:
    """A fake Discord with one guild and three text channels, and discord.py pointed at it."""
    assert discord.http.INTERNAL_API_VERSION == 10, "the fake serves /api/v10 and gateway v10"
    assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY).startswith("wss://gateway.discord.gg")
    real_time = request.node.get_closest_marker("discord_time") is not None
    limits = RateLimiter(routes={CHANNEL_ROUTE: CHANNEL_MESSAGES if real_time else FAST_CHANNEL_MESSAGES})
    async with FakeDiscord({GUILD: CHANNELS}, token=TOKEN, contract=discord_contract,
                           callback_deadline_s=LOADED_DEADLINE_S, rate_limits=limits) as fake:
        with patch_discord(fake.url):
            yield fake
        assert not fake.unhandled, f"discord.py called routes the fake lacks: {fake.unhandled}"
        assert not fake.errors, f"the fake failed on: {fake.errors}"
        assert not fake.throttled, f"requests went past Discord's rate limits: {fake.throttled[:5]}"
        assert not fake.late_callbacks, f"interactions answered too late: {fake.late_callbacks}"
        assert not fake.refused, f"requests Discord would refuse: {fake.refused[:3]}"
        assert not fake.violations, f"answers Discord would not give: {fake.violations[:5]}"


@contextlib.asynccontextmanager
async def connected(client: discord.Client, token: str = TOKEN,
                    ready_timeout_s: float = READY_TIMEOUT_S) -> AsyncIterator[discord.Client]:
    """Log in (setup_hook runs), connect and wait for READY; close the client and its task on exit.
    The client reconnects (and resumes) after a dropped gateway, as the bot does in production."""
    await client.login(token)
    task = asyncio.create_task(client.connect(reconnect=True), name="discord-connect")
    ready = asyncio.create_task(client.wait_until_ready(), name="discord-ready")
    try:
        done, _ = await asyncio.wait({task, ready}, timeout=ready_timeout_s,
                                     return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # raises what stopped the connection
            raise RuntimeError("the client disconnected before it was ready")
        if ready not in done:
            raise TimeoutError(f"the client was not ready within {ready_timeout_s}s")
        yield client
    finally:
        ready.cancel()
        await _settle_handlers()
        await client.close()
        await asyncio.wait_for(task, 5)  # a clean close returns; anything else is raised here


async def _settle_handlers(timeout_s: float = 5.0) -> None:
    """Let running command and event handlers finish while the fake still answers them."""
    # discord.py's own task names: app command invocations and dispatched events.
    prefixes = ("CommandTree-invoker", "discord.py: ")
    pending = [t for t in asyncio.all_tasks() if t.get_name().startswith(prefixes) and not t.done()]
    if pending:
        await asyncio.wait(pending, timeout=timeout_s)


ClientRunner = Callable[..., contextlib.AbstractAsyncContextManager[discord.Client]]


@pytest.fixture
def run_client(fake_discord: FakeDiscord) -> ClientRunner:
    """`async with run_client(client) as client:` runs a discord.Client against the fake Discord."""

    @contextlib.asynccontextmanager
    async def run(client: discord.Client, *, token: str = TOKEN) -> AsyncIterator[discord.Client]:
        async with client, connected(client, token):
            yield client

    return run


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
        answers = self.fixtures / "api"
        # No recorded answer (a long id list's name would be too long for a file): arXiv's empty feed.
        known = len(name) < 255 and (answers / name).exists()
        body = (answers / (name if known else "api_2026_id_0808.05394_s0_m100.xml")).read_bytes()
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


BotFactory = Callable[..., "contextlib.AbstractAsyncContextManager[Runtime]"]


@pytest.fixture
def start_bot(fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, tmp_path: Path) -> BotFactory:
    """Run the real bot (store, scheduler, discord.py client) against the fakes."""
    # Imported here so that the fake's own tests do not depend on the bot importing cleanly.
    from bot.app import build_runtime
    from bot.arxiv_client import ClientSettings
    from bot.config import Settings
    from bot.sources import load_profiles

    @contextlib.asynccontextmanager
    async def run(clock: Clock, *, state: Path | None = None, **settings: Any) -> AsyncIterator[Runtime]:
        config = Settings(token=TOKEN, state_path=state or tmp_path / "state.json", **settings)
        client = ClientSettings(rss_base=f"{fake_arxiv.url}/rss/", api_base=f"{fake_arxiv.url}/api/query",
                                min_interval_s=0.0, retries=1, backoff_s=0.01, timeout_s=5)
        async with build_runtime(config, load_profiles(), clock=clock, client_settings=client,
                                 guild_ready_timeout=GUILD_READY_TIMEOUT_S) as runtime, \
                connected(runtime.bot):
            if runtime.bot.start_of_day is not None:
                await asyncio.wait_for(runtime.bot.start_of_day, READY_TIMEOUT_S)
            yield runtime

    return run
