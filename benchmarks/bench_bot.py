"""The daily tick at Discord's real rate limits: N channels' digests from one slot, against the
fake Discord in a process of its own (rate limits on, requests and answers checked against
Discord's OpenAPI description, 80 ms added to every answer as a network would).

Run: python benchmarks/bench_bot.py [--channels 1000 10000 50000] [--latency-ms 80] [--lookups 50]

For each N it prints the tick's wall time beside the rate-limit floor (messages / 50 per second),
the 429s the fake gave, the bot's own CPU time (process time: ranking, embeds, discord.py, the
store; not the waiting), its CPU per channel, and the fake's verdict on every request and answer.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import gc
import json
import pstats
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from aiohttp import web

from bot.app import build_runtime
from bot.arxiv_client import ClientSettings
from bot.config import Settings
from bot.jobs import post_slot
from bot.sources import load_profiles
from digest.models import Subscription
from tests.support.fake_discord import TOKEN, FakeDiscord, option
from tests.support.fake_limits import GLOBAL_PER_S
from tests.support.patch import patch_discord

UTC = dt.UTC
NOW = dt.datetime(2024, 11, 28, 6, 0, tzinfo=UTC)
SHARED = REPO.parent / "shared"
FEED = SHARED / "fixtures" / "feeds" / "all-archives_2024-11-28.xml"
SPEC = SHARED / "discord" / "openapi.json"
CATEGORIES = ("cs.LG", "stat.ML", "physics.comp-ph", "cs.CV", "cs.AI", "quant-ph")
CHANNELS_PER_GUILD = 100


def layout(channels: int) -> dict[int, list[int]]:
    guilds: dict[int, list[int]] = {}
    for n in range(channels):
        guilds.setdefault(10_000 + n // CHANNELS_PER_GUILD, []).append(500_000 + n)
    return guilds


class LoopStalls:
    """Watches an event loop for stalls: times it ran late by more than `over_s`."""

    def __init__(self, over_s: float = 0.05) -> None:
        self.over_s = over_s
        self.stalls: list[tuple[float, float]] = []  # (perf_counter at the end, seconds late)
        self._task = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            late = time.perf_counter() - before - 0.01
            if late > self.over_s:
                self.stalls.append((time.perf_counter(), late))

    def summary(self) -> str:
        self._task.cancel()
        worst = max((late for _, late in self.stalls), default=0.0)
        return f"{len(self.stalls)} over {self.over_s * 1000:.0f} ms, worst {worst * 1000:.0f} ms"


# -- the fake Discord's own process ----------------------------------------------------------


async def serve_fake(channels: int, latency_s: float) -> None:
    """Run the fake, taking one command per stdin line: `paper GUILD CHANNEL ID` pushes /paper
    and prints seconds from the push to the callback and to the answer; `report` prints what it
    saw as one JSON line and stops."""
    from tests.support.discord_contract import Contract

    fake = FakeDiscord(layout(channels), token=TOKEN, contract=Contract(SPEC), latency_s=latency_s)
    await fake.start()
    stalls = LoopStalls()
    freezer = asyncio.get_running_loop().create_task(_freeze_garbage())
    print(fake.url, flush=True)
    loop = asyncio.get_running_loop()
    while (line := await loop.run_in_executor(None, sys.stdin.readline)).split()[:1] == ["paper"]:
        _, guild, channel, paper_id = line.split()
        iid = await fake.slash(
            "paper", [option("id", paper_id)], guild_id=int(guild), channel_id=int(channel)
        )
        await fake.answer(iid, timeout=30)
        token = fake.interactions[iid]["token"]
        answered = next(r.at for r in fake.requests if r.path.endswith(f"/{token}"))
        print(json.dumps([await fake.callback_latency_s(iid), answered - fake.pushed_at[iid]]), flush=True)
    messages = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/messages")]
    print(
        json.dumps(
            {
                "requests": len(fake.requests),
                "posted": len(fake.posted),
                "messages": len(messages),
                "throttled": len(fake.throttled),
                "refused": len(fake.refused),
                "violations": len(fake.violations),
                "errors": len(fake.errors),
                "late_callbacks": len(fake.late_callbacks),
                "stalls": stalls.summary(),
                "stall_times": [round(at, 3) for at, _ in stalls.stalls[:10]],
                "examples": [str(x)[:300] for x in (fake.violations[:3] + [e for _, e in fake.refused[:3]])]
                + [f"429 {r.method} {r.path} at {r.at:.3f}" for r in fake.throttled[:5]],
            }
        ),
        flush=True,
    )
    freezer.cancel()
    await fake.stop()


def _time_slow_steps(rt: object) -> dict[str, list[float]]:
    """Time the tick's blocking steps that may stall the loop: each journal append (an fsync)
    and each state-file write. Returns durations over 50 ms by step, filled as the tick runs."""
    found: dict[str, list[float]] = {"journal append": [], "state write": []}

    def timed(name: str, call: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                took = time.perf_counter() - started
                if took > 0.05:
                    found[name].append(took)
        return wrapper

    store = rt.store  # type: ignore[attr-defined]
    store._journal.append = timed("journal append", store._journal.append)
    store.flush = timed("state write", store.flush)
    return found


def _summarise(found: dict[str, list[float]]) -> str:
    return "; ".join(f"{name} {len(times)} times (worst {max(times, default=0) * 1000:.0f} ms)"
                     for name, times in found.items())


async def _freeze_garbage() -> None:
    """Keep the fake's full garbage collections short. It keeps every request it saw, so each
    full collection walks them all: stalls of 100-160 ms every half minute at 3,000 channels.
    The requests that arrive during a stall are then counted against the global limit as if they
    came together, which Discord, timing them at its edge, would not do. Moving what the fake
    has kept out of the collector's reach every few seconds removes those stalls."""
    while True:
        await asyncio.sleep(5)
        gc.freeze()


# -- the bot's process ------------------------------------------------------------------------


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


async def start_fake(channels: int, latency_s: float) -> tuple[asyncio.subprocess.Process, str]:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--serve-fake",
        str(channels),
        "--latency-ms",
        str(latency_s * 1000),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=REPO,
    )
    assert child.stdout is not None
    url = (await child.stdout.readline()).decode().strip()
    if not url.startswith("http://"):
        raise RuntimeError(f"the fake Discord did not start: {url!r}")
    return child, url


async def ask_fake(child: asyncio.subprocess.Process, command: str) -> object:
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(f"{command}\n".encode())
    await child.stdin.drain()
    return json.loads(await child.stdout.readline())


async def run(channels: int, latency_s: float, lookups: int, profile: bool = False) -> dict[str, float]:
    child, url = await start_fake(channels, latency_s)
    with patch_discord(url):
        return await _measure(child, channels, latency_s, lookups, profile)


async def _measure(
    child: asyncio.subprocess.Process, channels: int, latency_s: float, lookups: int, profile: bool
) -> dict[str, float]:
    """Subscribe the channels, poll the day, run the 09:00 slot and time /paper look-ups."""
    feed_runner, feed_url = await serve_feed(FEED.read_bytes())
    profiles = load_profiles()
    rng = random.Random(7)
    guilds = layout(channels)
    figures: dict[str, float] = {"channels": channels}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(token=TOKEN, state_path=Path(tmp) / "state.json")
        client = ClientSettings(rss_base=f"{feed_url}/rss/", min_interval_s=0.0)
        async with build_runtime(
            settings,
            profiles,
            clock=lambda: NOW,
            client_settings=client,
            start_jobs=False,
            guild_ready_timeout=0.05,
        ) as rt:
            with rt.store.batch():
                for guild, chans in guilds.items():
                    for channel in chans:
                        rt.store.subscribe(
                            Subscription(
                                guild,
                                channel,
                                rng.choice(profiles[1:]).slug,
                                post_time=dt.time(9, 0),
                                categories=CATEGORIES,
                                min_score=0.3,
                                max_papers=10,
                                subscribed_at=NOW,
                            )
                        )
            await rt.bot.login(TOKEN)
            task = asyncio.create_task(rt.bot.connect())
            await rt.bot.wait_until_ready()
            cpu = time.process_time()
            polled = await rt.cycle.poll()  # parses the day and scores it for the coming slots
            print(
                f"  feed: {polled[0].status}, {polled[0].papers} papers, polled and scored ahead in "
                f"{time.process_time() - cpu:.1f} s CPU; {channels} channels ready",
                flush=True,
            )

            rt.cycle.clock = lambda: NOW.replace(hour=9)
            profiler = cProfile.Profile() if profile else None
            cpu = time.process_time()
            started = time.perf_counter()
            bot_stalls = LoopStalls()
            slow_steps = _time_slow_steps(rt)
            if profiler:
                profiler.enable()
            await post_slot(rt.cycle, "UTC", 9, 0)
            if profiler:
                profiler.disable()
            figures["tick_s"] = time.perf_counter() - started
            bot_loop = bot_stalls.summary()
            print("  blocking steps over 50 ms in the tick: " + _summarise(slow_steps), flush=True)
            figures["tick_cpu_s"] = time.process_time() - cpu
            if profiler:
                pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            figures["sweeps"] = rt.bot.bucket_sweep.sweeps

            paper_id = rt.store.papers_announced(dt.date(2024, 11, 1))[0].arxiv_id
            guild = next(iter(guilds))
            latencies = [
                await ask_fake(child, f"paper {guild} {guilds[guild][0]} {paper_id}") for _ in range(lookups)
            ]
            commands = [t for t in asyncio.all_tasks() if t.get_name().startswith("CommandTree-invoker")]
            if commands:  # the last answer is still on the wire
                await asyncio.wait(commands, timeout=10)
            await rt.bot.close()
            await task
    await feed_runner.cleanup()
    report = await ask_fake(child, "report")
    await child.wait()
    assert isinstance(report, dict)
    messages = report["messages"]
    floor = messages / GLOBAL_PER_S
    figures.update(
        messages=messages,
        floor_s=floor,
        throttled=report["throttled"],
        refused=report["refused"],
        violations=report["violations"],
        late=report["late_callbacks"],
    )
    print(
        f"  daily tick: {figures['tick_s']:.1f} s for {messages} messages; rate-limit floor "
        f"{floor:.1f} s ({messages} / {GLOBAL_PER_S} per s): {figures['tick_s'] / floor:.2f}x the floor"
    )
    print(
        f"  429s: {report['throttled']}; refused requests: {report['refused']}; answers off the "
        f"contract: {report['violations']}; fake errors: {report['errors']}; "
        f"late callbacks: {report['late_callbacks']}"
    )
    for example in report["examples"]:
        print(f"    e.g. {example}")
    print(
        f"  event-loop stalls in the tick: bot {bot_loop} "
        f"{[round(at, 3) for at, _ in bot_stalls.stalls[:10]]}; "
        f"fake Discord {report['stalls']} {report['stall_times']}"
    )
    print(
        f"  bot CPU in the tick: {figures['tick_cpu_s']:.2f} s, "
        f"{figures['tick_cpu_s'] / channels * 1000:.2f} "
        f"ms per channel; bucket sweeps: {figures['sweeps']:.0f}"
    )
    if latencies:
        deferred = sorted(x[0] for x in latencies)  # type: ignore[index]
        answered = sorted(x[1] for x in latencies)  # type: ignore[index]
        print(
            f"  /paper (cached), over {lookups}, from the push: deferred at median "
            f"{statistics.median(deferred) * 1000:.0f} ms, answered at median "
            f"{statistics.median(answered) * 1000:.0f} ms, p95 "
            f"{answered[int(0.95 * (len(answered) - 1))] * 1000:.0f} ms (each request {latency_s * 1000:.0f} "
            f"ms on the wire)"
        )
    figures["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  bot peak memory (ru_maxrss): {figures['rss_mb']:.0f} MB", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, nargs="+", default=[1000], help="subscribed channels")
    parser.add_argument("--latency-ms", type=float, default=80.0, help="added to every answer")
    parser.add_argument("--lookups", type=int, default=20, help="cached /paper look-ups to time")
    parser.add_argument("--profile", action="store_true", help="print where the tick's CPU goes")
    parser.add_argument("--serve-fake", type=int, metavar="CHANNELS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fake:
        asyncio.run(serve_fake(args.serve_fake, args.latency_ms / 1000))
        return
    results = []
    for channels in args.channels:
        print(f"{channels} channels:", flush=True)
        results.append(asyncio.run(run(channels, args.latency_ms / 1000, args.lookups, args.profile)))
    if len(results) > 1:
        base = results[0]["tick_cpu_s"] / results[0]["channels"]
        for r in results[1:]:
            per = r["tick_cpu_s"] / r["channels"]
            print(
                f"bot CPU per channel at {r['channels']:.0f} channels: {per * 1000:.2f} ms, "
                f"{per / base:.2f}x that at {results[0]['channels']:.0f}"
            )


if __name__ == "__main__":
    main()
