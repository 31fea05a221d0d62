"""Bot overhead on the fake Discord: 1,000 channels' digests from one tick, memory, /paper latency.

Run: python benchmarks/bench_bot.py [--channels 1000] [--lookups 50]
The fake Discord and a fake arXiv run in this process on 127.0.0.1 and answer at once, so the
tick time is the bot's own overhead (ranking, embeds, discord.py, the store).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import discord
import yarl
from aiohttp import web

from bot.app import build_runtime
from bot.arxiv_client import ClientSettings
from bot.config import Settings
from bot.jobs import post_slot
from bot.sources import load_profiles
from digest.models import Subscription
from tests.e2e.fake_discord import FakeDiscord, option

UTC = dt.UTC
NOW = dt.datetime(2024, 11, 28, 6, 0, tzinfo=UTC)
FEED = REPO.parent / "shared" / "fixtures" / "feeds" / "all-archives_2024-11-28.xml"
CATEGORIES = ("cs.LG", "stat.ML", "physics.comp-ph", "cs.CV", "cs.AI", "quant-ph")


async def serve_feed(body: bytes) -> tuple[web.AppRunner, str]:
    async def rss(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/rss/{cats}", rss)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]


async def main(channels: int, lookups: int) -> None:
    guilds: dict[int, list[int]] = {}
    for n in range(channels):
        guilds.setdefault(10_000 + n % 300, []).append(500_000 + n)
    fake = FakeDiscord(guilds)
    await fake.start()
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    feed_runner, feed_url = await serve_feed(FEED.read_bytes())
    profiles = load_profiles()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(token="bench-token", state_path=Path(tmp) / "state.json")
        client = ClientSettings(rss_base=f"{feed_url}/rss/", min_interval_s=0.0)
        async with build_runtime(settings, profiles, clock=lambda: NOW, client_settings=client,
                                 start_jobs=False, guild_ready_timeout=0.05) as rt:
            with rt.store.batch():
                for guild, chans in guilds.items():
                    for channel in chans:
                        rt.store.subscribe(Subscription(
                            guild, channel, rng.choice(profiles[1:]).slug, post_time=dt.time(9, 0),
                            categories=CATEGORIES, min_score=0.3, max_papers=10, subscribed_at=NOW))
            await rt.bot.login("bench-token")
            task = asyncio.create_task(rt.bot.connect(reconnect=False))
            await rt.bot.wait_until_ready()
            polled = await rt.cycle.poll()
            print(f"feed: {polled[0].status}, {polled[0].papers} papers")

            rt.cycle.clock = lambda: NOW.replace(hour=9)
            started = time.perf_counter()
            await post_slot(rt.cycle, "UTC", 9, 0)
            tick_s = time.perf_counter() - started
            last = max(m for m in (r.at for r in fake.requests if "/messages" in r.path))
            messages = len(fake.posted)
            print(f"daily tick, {channels} channels: {tick_s:.2f} s to the last message accepted "
                  f"({messages} messages, {last - started:.2f} s by the fake's clock)")

            paper_id = rt.store.papers_announced(dt.date(2024, 11, 1))[0].arxiv_id
            latencies = []
            for _ in range(lookups):
                iid = await fake.slash("paper", [option("id", paper_id)], guild_id=10_000,
                                       channel_id=guilds[10_000][0])
                record = await fake.wait_for_callback(iid)
                latencies.append((record.at - fake.pushed_at[iid]) * 1000)
            latencies.sort()
            print(f"/paper (cached) latency over {lookups}: median {statistics.median(latencies):.1f} ms, "
                  f"p95 {latencies[int(0.95 * (len(latencies) - 1))]:.1f} ms")
            await rt.bot.close()
            await task
    await feed_runner.cleanup()
    await fake.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (ru_maxrss, bot + fake Discord in one process): {rss_mb:.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=1000, help="subscribed channels")
    parser.add_argument("--lookups", type=int, default=50, help="cached /paper look-ups to time")
    args = parser.parse_args()
    asyncio.run(main(args.channels, args.lookups))
