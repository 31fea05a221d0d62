"""The bot's additions to discord.py's HTTP client: the pacer and the linear bucket sweep."""

from __future__ import annotations

import asyncio

import discord
import pytest

from bot.discord_http import SWEEP_FROM, LinearBucketSweep, Pacer, is_global_exempt


class FakeTime:
    """A clock that moves only when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_the_pacer_spaces_starts_evenly() -> None:
    clock = FakeTime()
    pacer = Pacer(5, 1.0, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(11):
        await pacer.wait()
        starts.append(round(clock.now, 6))
    assert starts == [round(100 + 0.2 * n, 6) for n in range(11)]
    for i in range(len(starts)):  # never more than five in any one second
        assert sum(1 for t in starts if starts[i] <= t < starts[i] + 1.0) <= 5
    clock.now += 3.0  # idle: the next goes at once, the one after a full interval later
    await pacer.wait()
    first = clock.now
    await pacer.wait()
    assert clock.now - first == pytest.approx(0.2)


async def test_catching_up_after_a_late_wake_never_exceeds_the_window() -> None:
    """Waiters woken late (a busy event loop) may catch up on their bookings, but the starts as
    they happen stay within the limit per window."""
    clock = FakeTime()
    starts: list[float] = []

    async def late_sleep(seconds: float) -> None:  # an event loop that wakes some waiters late
        await clock.sleep(seconds + (0.15 if len(starts) % 3 == 0 else 0.0))

    pacer = Pacer(5, 1.0, clock=clock, sleep=late_sleep)
    for _ in range(40):
        await pacer.wait()
        starts.append(clock.now)
    for i in range(len(starts)):
        assert sum(1 for t in starts if starts[i] <= t < starts[i] + 1.0) <= 5
    assert starts[-1] - starts[0] < 40 * 0.2 + 1.0  # and it kept pace


async def test_concurrent_waiters_keep_their_order() -> None:
    clock = FakeTime()
    pacer = Pacer(2, 1.0, clock=clock, sleep=clock.sleep)
    order: list[int] = []

    async def request(n: int) -> None:
        await pacer.wait()
        order.append(n)

    await asyncio.gather(*(request(n) for n in range(7)))
    assert order == list(range(7)) and clock.now == pytest.approx(103.0)


def test_a_pacer_needs_a_positive_limit() -> None:
    with pytest.raises(ValueError, match="limit"):
        Pacer(0)


@pytest.mark.parametrize(("path", "exempt"), [
    ("/api/v10/channels/1/messages", False),
    ("/api/v10/users/@me", False),
    ("/api/v10/applications/9/commands", False),
    ("/api/v10/interactions/5/tok/callback", True),
    ("/api/v10/webhooks/9/tok", True),
    ("/api/v10/webhooks/9/tok/messages/@original", True),
    ("/", True),  # the gateway
])
def test_interaction_endpoints_and_the_gateway_are_not_paced(path: str, exempt: bool) -> None:
    assert is_global_exempt(path) is exempt


async def test_the_bucket_sweep_runs_at_doublings_and_still_frees_idle_buckets() -> None:
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    checked = 0
    real = discord.http.Ratelimit.is_inactive

    def counting(self: discord.http.Ratelimit) -> bool:
        nonlocal checked
        checked += 1
        return real(self)

    discord.http.Ratelimit.is_inactive = counting  # type: ignore[method-assign]
    try:
        sweep = LinearBucketSweep(http)
        for n in range(5000):
            http.get_ratelimit(f"POST /channels/{{channel_id}}/messages:{n}")
        assert sweep.sweeps == 5  # at 256, 512, 1024, 2048, 4096 buckets
        assert checked == 256 + 512 + 1024 + 2048 + 4096  # discord.py alone: ~12.4 million
        for bucket in list(http._buckets.values())[:4000]:
            bucket._last_request -= 600  # idle for ten minutes
        for n in range(5000, 8192):
            http.get_ratelimit(f"POST /channels/{{channel_id}}/messages:{n}")
    finally:
        discord.http.Ratelimit.is_inactive = real  # type: ignore[method-assign]
    assert sweep.sweeps == 6 and len(http._buckets) == 8192 - 4000
    assert SWEEP_FROM == 256
