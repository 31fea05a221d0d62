"""The composition root: builds the store, arXiv client, service, cycle, scheduler and Discord client.

Everything the bot runs on is created here, inside `async with` blocks, and nowhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import signal
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import aiohttp
import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.arxiv_client import ArxivClient, ClientSettings, user_agent
from bot.config import ConfigError, Settings
from bot.daily import DailyCycle
from bot.discord_app import DigestBot
from bot.jobs import ensure_slot, rebuild_jobs
from bot.service import Clock, DigestService
from digest.models import Profile, Subscription
from storage import Store

log = logging.getLogger(__name__)


def utc_now() -> dt.datetime:
    """The real clock, the one place the bot reads it."""
    return dt.datetime.now(dt.UTC)


@dataclass
class Runtime:
    """The pieces of a running bot, for the entry point and for tests."""

    store: Store
    service: DigestService
    cycle: DailyCycle
    scheduler: AsyncIOScheduler
    bot: DigestBot


@contextlib.asynccontextmanager
async def build_runtime(settings: Settings, profiles: Sequence[Profile], *,
                        clock: Clock = utc_now, client_settings: ClientSettings | None = None,
                        start_jobs: bool = True, **client_options: object) -> AsyncIterator[Runtime]:
    """Open the store and every client; close them all, flushing the store, on exit."""
    # Papers keep their full text 3 days (a shorter retention keeps them as long as it lasts).
    store = Store.open(settings.state_path, now=clock(), retention_days=settings.retention_days,
                       full_days=min(3, settings.retention_days))
    try:
        # trust_env: HTTPS_PROXY and friends, for a bot behind an institution's proxy
        async with aiohttp.ClientSession(trust_env=True) as session:
            # Feeds and look-ups get clients (and spacing) of their own: rss.arxiv.org and the
            # API are different hosts, and a member's /paper must not wait behind the night's poll.
            arxiv = client_settings or ClientSettings(user_agent=user_agent(settings.contact))
            feeds = ArxivClient(session, arxiv)
            lookups = ArxivClient(session, arxiv)
            service = DigestService(store, profiles, lookups, clock)
            bot = DigestBot(service, dev_guild_id=settings.dev_guild_id,
                            **client_options)  # type: ignore[arg-type]
            cycle = DailyCycle(service, feeds, bot.send_digest_message, clock, grace=settings.grace)
            scheduler = AsyncIOScheduler(timezone=dt.UTC)
            service.on_change = functools.partial(_changed, scheduler, cycle)
            bot.failing = cycle.failing
            if start_jobs:
                bot.on_setup = functools.partial(_start_jobs, bot, scheduler, cycle)
            try:
                yield Runtime(store, service, cycle, scheduler, bot)
            finally:
                if scheduler.running:
                    scheduler.shutdown(wait=False)
                if not bot.is_closed():
                    await bot.close()
    finally:
        store.close()


async def _start_jobs(bot: DigestBot, scheduler: AsyncIOScheduler, cycle: DailyCycle) -> None:
    """Once the commands are synced: one job per posting slot, then the start-of-day pass."""
    rebuild_jobs(scheduler, cycle)
    scheduler.start()
    bot.start_of_day = asyncio.get_running_loop().create_task(_start_of_day(bot, cycle))


def _changed(scheduler: AsyncIOScheduler, cycle: DailyCycle, sub: Subscription | None) -> None:
    """A command changed subscriptions: a new or moved one needs its slot's job; a job left
    with nobody to post for does nothing and goes at the day's tidy-up."""
    if scheduler.running and sub is not None and sub.enabled:
        ensure_slot(scheduler, cycle, sub.timezone, sub.post_time.hour, sub.post_time.minute)


async def _start_of_day(bot: DigestBot, cycle: DailyCycle) -> None:
    """Once connected: fetch today's feeds, then post anything missed while the bot was down."""
    await bot.wait_until_ready()
    try:
        await cycle.poll()
        await cycle.catch_up()
    except Exception:  # a failed start-of-day pass must not kill the bot
        log.exception("start-of-day poll and catch-up failed")


async def run_bot(settings: Settings, profiles: Sequence[Profile]) -> None:
    """Run until Discord closes the connection or a signal asks us to stop."""
    async with build_runtime(settings, profiles) as runtime:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, lambda: asyncio.ensure_future(runtime.bot.close()))
        async with runtime.bot:
            await _login(runtime.bot, settings.token)
            await runtime.bot.connect()


async def _login(bot: DigestBot, token: str) -> None:
    """Log in, turning a refused token or an unreachable Discord into one clear line."""
    try:
        await bot.login(token)
    except discord.LoginFailure:
        raise ConfigError(
            "Discord refused the token in DISCORD_TOKEN (401 Unauthorized). Copy the bot's token "
            "again from the Developer Portal (Bot, Reset Token), export it and run again.") from None
    except (aiohttp.ClientError, OSError) as exc:
        raise ConfigError(f"could not reach Discord to log in ({type(exc).__name__}); check the "
                          "network or proxy, then run again.") from None
