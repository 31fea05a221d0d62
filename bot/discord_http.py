"""What the bot adds to discord.py's HTTP client: pacing under the global rate limit, and a
bucket sweep that stays linear in the number of channels.

discord.py follows Discord's per-route buckets from the response headers, but it only reacts to
the global limit (50 requests a second per bot) once a 429 says so, and then retries at most five
times. A slot that posts to many channels at once would run into it; so every REST request,
except the interaction endpoints Discord exempts, first waits for its turn, evenly spaced.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import aiohttp
from discord.http import HTTPClient

DISCORD_GLOBAL_PER_S = 50
PACE_PER_S = 45  # what the bot allows itself: a margin for timing jitter on the way to Discord
SWEEP_FROM = 256  # discord.py starts sweeping idle buckets at this many


class Pacer:
    """At most `limit` request starts in any `window_s` seconds, evenly spaced, in order.

    Each start is booked one interval after the previous booking, so a waiter woken a little
    late (the event loop was busy) costs no throughput; and the starts as they really happen are
    held to the limit over a sliding window, so catching up never makes a burst. Even spacing
    rather than bursts: a burst that leaves together reaches Discord spread out, and its tail
    would share a second with the next one.
    """

    def __init__(self, limit: int = PACE_PER_S, window_s: float = 1.0, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("a pacer needs a limit of at least 1 per a positive window")
        self.limit = limit
        self.window_s = window_s
        self.interval_s = window_s / limit
        self.waited_s = 0.0  # total time requests spent waiting here
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")  # the earliest start the next request may book
        self._starts: deque[float] = deque()  # real starts within the last window

    async def wait(self) -> None:
        now = self._clock()
        start = max(now, self._next)
        self._next = start + self.interval_s
        if start > now:
            await self._pause(start - now)
        while True:
            now = self._clock()
            while self._starts and now - self._starts[0] >= self.window_s:
                self._starts.popleft()
            if len(self._starts) < self.limit:
                self._starts.append(now)
                return
            await self._pause(self._starts[0] + self.window_s - now)

    async def _pause(self, seconds: float) -> None:
        self.waited_s += seconds
        await self._sleep(seconds)


def is_global_exempt(path: str) -> bool:
    """Requests outside the REST API (the gateway) and Discord's interaction endpoints (callbacks
    and the interaction webhook the bot follows up on) do not count against the global limit."""
    if "/api/v" not in path:
        return True
    rest = path.split("/api/v", 1)[1].partition("/")[2]
    parts = rest.split("/")
    return parts[0] == "interactions" or (parts[0] == "webhooks" and len(parts) >= 3)


def pacing_trace(pacer: Pacer) -> aiohttp.TraceConfig:
    """An aiohttp trace whose request-start hook waits for the pacer: aiohttp awaits it before
    the request leaves, so retries after a 429 or a 5xx are paced too."""
    async def on_request_start(session: aiohttp.ClientSession, context: SimpleNamespace,
                               params: aiohttp.TraceRequestStartParams) -> None:
        if not is_global_exempt(params.url.path):
            await pacer.wait()

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    return trace


class LinearBucketSweep:
    """Sweeps discord.py's idle rate-limit buckets only when their number has doubled.

    discord.py sweeps every bucket each time it creates one once there are 256, and each
    channel is a bucket of its own, so a slot over N channels costs about N^2/2 checks (tens of
    seconds of CPU at 10,000 channels). Sweeping at each doubling keeps the cost linear and
    still frees idle buckets (idle: unused for five minutes, as discord.py decides).
    """

    def __init__(self, http: HTTPClient) -> None:
        self.sweeps = 0
        self._http = http
        self._sweep = http._try_clear_expired_ratelimits
        self._next = SWEEP_FROM
        # The one hook discord.py has: get_ratelimit calls it after creating a bucket.
        http._try_clear_expired_ratelimits = self  # type: ignore[method-assign]

    def __call__(self) -> None:
        buckets = self._http._buckets
        if len(buckets) < self._next:
            return
        self._sweep()
        self.sweeps += 1
        self._next = max(SWEEP_FROM, 2 * len(buckets))
