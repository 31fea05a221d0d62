"""The daily cycle over a real store, a dict-backed feed fetcher, a fixed clock and a collecting sender."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.arxiv_client import ArxivUnavailableError, FeedResponse
from bot.daily import ChannelGone, DailyCycle, MissingAccess, SendError
from bot.jobs import POLL_JOB_ID, rebuild_jobs
from bot.service import DigestService
from digest.embeds import Embed, VoteButtons
from digest.models import Profile, Subscription, Term
from storage import Store

UTC = dt.UTC
QUANTUM = Profile(
    "quantum-computing",
    "Quantum Computing",
    (
        Term("quantum", "quantum", 1.0),
        Term("qubit", "qubits", 0.8),
        Term("entanglement", "entanglement", 0.7),
        Term("quantum error correction", "quantum error correction", 1.0),
    ),
    size=10,
    scale=3.0,
)
DAY = dt.date(2025, 4, 28)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


class Feeds:
    """Answers feed requests from a dict of bodies; a missing key is an outage."""

    def __init__(self, bodies: dict[str, bytes]) -> None:
        self.bodies = bodies
        self.requests: list[tuple[str, str | None]] = []

    async def fetch_feed(
        self, categories: Sequence[str], etag: str | None = None, last_modified: str | None = None
    ) -> FeedResponse:
        key = "+".join(categories)
        self.requests.append((key, etag))
        if key not in self.bodies:
            raise ArxivUnavailableError(key, "HTTP 503", 4)
        return FeedResponse(200, self.bodies[key], f'"{len(self.requests)}"', None)

    async def fetch_papers(self, ids: Sequence[str]) -> bytes:
        raise ArxivUnavailableError("api", "not in this test", 1)


class Channels:
    """Collects posted messages; channels can be made to fail."""

    def __init__(self) -> None:
        self.posted: list[tuple[int, str, tuple[Embed, ...]]] = []
        self.failures: dict[int, SendError] = {}
        self.fail_after: int | None = None
        self._next_id = 1000

    async def send(self, channel_id: int, content: str, embeds: Sequence[Embed], nonce: str = "",
                   votes: VoteButtons | None = None) -> int:
        if channel_id in self.failures:
            raise self.failures[channel_id]
        if self.fail_after is not None and len(self.posted) >= self.fail_after:
            raise SendError("connection lost")
        self.posted.append((channel_id, content, tuple(embeds)))
        self._next_id += 1
        return self._next_id

    def papers(self, channel_id: int) -> list[str]:
        return [e["url"].rsplit("/", 1)[1] for c, _, embeds in self.posted if c == channel_id for e in embeds]


@pytest.fixture
def quant_ph(fixtures_dir: Path) -> bytes:
    return (fixtures_dir / "feeds" / "quant-ph_2025-04-28.xml").read_bytes()


@dataclass
class World:
    """A daily cycle over a real store, with a fake clock, feeds and Discord channels."""

    clock: Clock
    store: Store
    feeds: Feeds
    channels: Channels
    service: DigestService
    cycle: DailyCycle


@pytest.fixture
def world(tmp_path: Path, quant_ph: bytes) -> Iterator[World]:
    clock = Clock(dt.datetime(2025, 4, 28, 6, 0, tzinfo=UTC))
    store = Store.open(tmp_path / "state.json", now=clock())
    feeds = Feeds({"quant-ph": quant_ph})
    channels = Channels()
    service = DigestService(store, [QUANTUM], feeds, clock, default_categories=("quant-ph",))
    cycle = DailyCycle(service, feeds, channels.send, clock, grace=dt.timedelta(hours=2))
    yield World(clock, store, feeds, channels, service, cycle)
    store.close()


def subscribe(store: Store, channel: int, **fields: object) -> Subscription:
    values: dict[str, object] = {
        "post_time": dt.time(9, 0),
        "timezone": "Europe/Berlin",
        "categories": ("quant-ph",),
        "min_score": 0.3,
        "max_papers": 25,
    }
    values.update(fields)
    sub = Subscription(1, channel, "quantum-computing", **values)  # type: ignore[arg-type]
    store.subscribe(sub)
    return sub


async def test_poll_remembers_a_new_batch_then_sees_it_stale(world: World) -> None:
    store, feeds, cycle = world.store, world.feeds, world.cycle
    subscribe(store, 10)
    [first] = await cycle.poll()
    assert (first.status, first.papers) == ("new", 81)
    assert store.get_paper("2504.17830") is not None
    [again] = await cycle.poll()
    assert again.status == "stale"
    assert feeds.requests[1] == ("quant-ph", '"1"')  # conditional GET with the stored ETag


async def test_one_servers_bad_category_does_not_cost_the_others_their_feed(
    world: World, fixtures_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A category arXiv refuses (kept from an older state, before /subscribe checked them) is
    dropped from the union request; everyone else's papers still come, and it is not asked
    for again."""
    clock, store, feeds, channels, cycle = (
        world.clock,
        world.store,
        world.feeds,
        world.channels,
        world.cycle,
    )
    subscribe(store, 10)
    store.subscribe(Subscription(2, 20, "quantum-computing", categories=("quant-phh",)))
    refusal = (fixtures_dir / "feeds" / "error_bad_archive.xml").read_bytes()
    feeds.bodies["quant-ph+quant-phh"] = refusal.replace(b"astroph", b"quant-phh")
    with caplog.at_level(logging.WARNING, logger="bot.daily"):
        results = await cycle.poll()
    assert [(r.categories, r.status) for r in results] == [
        (("quant-ph", "quant-phh"), "failed"),
        (("quant-ph",), "new"),
    ]
    assert "arXiv has no category 'quant-phh'" in caplog.text
    await cycle.poll()
    assert [key for key, _ in feeds.requests] == ["quant-ph+quant-phh", "quant-ph", "quant-ph"]
    clock.now = dt.datetime(2025, 4, 28, 7, 0, tzinfo=UTC)  # 09:00 in Berlin
    await cycle.post_due()
    assert channels.papers(10)


async def test_empty_and_failed_feeds_post_nothing(world: World, fixtures_dir: Path) -> None:
    clock, store, feeds, channels, cycle = (
        world.clock,
        world.store,
        world.feeds,
        world.channels,
        world.cycle,
    )
    subscribe(store, 10)
    feeds.bodies["quant-ph"] = (fixtures_dir / "feeds" / "empty_skipdays.xml").read_bytes()
    assert [r.status for r in await cycle.poll()] == ["empty"]
    del feeds.bodies["quant-ph"]
    assert [r.status for r in await cycle.poll()] == ["failed"]
    clock.now = dt.datetime(2025, 4, 28, 7, 0, tzinfo=UTC)  # 09:00 in Berlin
    [result] = await cycle.post_due()
    assert (result.messages, channels.posted) == (0, [])


async def test_digest_posts_once_per_day_best_first(world: World) -> None:
    clock, store, channels, cycle = world.clock, world.store, world.channels, world.cycle
    subscribe(store, 10)
    await cycle.poll()
    clock.now = dt.datetime(2025, 4, 28, 7, 0, tzinfo=UTC)
    [result] = await cycle.post_due()
    assert result.messages >= 1 and result.papers == len(channels.papers(10))
    header = channels.posted[0][1]
    assert header.startswith("**arXiv digest · 2025-04-28 · Quantum Computing**")
    scores = [float(e["fields"][0]["value"]) for _, _, embeds in channels.posted for e in embeds]
    assert scores == sorted(scores, reverse=True) and min(scores) >= 0.3
    # A second run the same day (a DST double fire, or a restart) posts nothing more.
    assert [r.messages for r in await cycle.post_due([store.subscriptions()[0]])] == [0]
    assert len(set(channels.papers(10))) == len(channels.papers(10))


async def test_restart_mid_digest_posts_only_the_rest(world: World, tmp_path: Path) -> None:
    clock, store, feeds, channels, cycle = (
        world.clock,
        world.store,
        world.feeds,
        world.channels,
        world.cycle,
    )
    subscribe(store, 10, max_papers=25)
    await cycle.poll()
    clock.now = dt.datetime(2025, 4, 28, 7, 0, tzinfo=UTC)
    channels.fail_after = 1
    [broken] = await cycle.post_due()
    assert broken.error == "connection lost"
    first = channels.papers(10)
    store.close()  # the bot stops; a new one starts on the same file

    reopened = Store.open(tmp_path / "state.json", now=clock())
    channels.fail_after = None
    service2 = DigestService(reopened, [QUANTUM], feeds, clock, default_categories=("quant-ph",))
    cycle2 = DailyCycle(service2, feeds, channels.send, clock, grace=dt.timedelta(hours=2))
    [resumed] = await cycle2.catch_up()
    rest = channels.papers(10)[len(first) :]
    assert resumed.papers == len(rest) > 0
    assert not set(first) & set(rest)
    assert all(content == "" for _, content, _ in channels.posted[1:])  # no second header
    reopened.close()


async def test_a_passing_send_failure_is_retried_the_same_day_with_backoff(world: World) -> None:
    """A 503 (or a long rate limit) on a channel's first message must not cost the day's digest:
    it is tried again 5, then 10 minutes later, and only the rest is sent."""
    clock, store, channels, cycle = world.clock, world.store, world.channels, world.cycle
    subscribe(store, 10, max_papers=25)
    await cycle.poll()
    clock.now = dt.datetime(2025, 4, 28, 7, 0, tzinfo=UTC)  # 09:00 in Berlin
    channels.fail_after = 0
    [failed] = await cycle.post_due()
    assert failed.error == "connection lost" and channels.posted == []
    assert cycle.failing() == {failed.key: 1}
    assert await cycle.retry_failed() == []  # not yet: the backoff has not passed
    clock.now += dt.timedelta(minutes=5)
    [again] = await cycle.retry_failed()
    assert again.error and cycle.failing() == {failed.key: 2}
    channels.fail_after = None
    clock.now += dt.timedelta(minutes=5)
    assert await cycle.retry_failed() == []  # the second backoff is 10 minutes
    clock.now += dt.timedelta(minutes=5)
    [done] = await cycle.retry_failed()
    assert done.error == "" and done.papers == len(channels.papers(10)) > 0
    assert cycle.failing() == {} and store.subscriptions()[0].enabled


async def test_a_retry_past_the_grace_window_gives_up(world: World) -> None:
    clock, store, channels, cycle = world.clock, world.store, world.channels, world.cycle
    subscribe(store, 10)
    await cycle.poll()
    clock.now = dt.datetime(2025, 4, 28, 7, 0, tzinfo=UTC)
    channels.fail_after = 0
    await cycle.post_due()
    channels.fail_after = None
    clock.now += dt.timedelta(hours=3)  # the world's grace is 2 hours
    assert await cycle.retry_failed() == [] and cycle.failing() == {}
    assert channels.posted == []


async def test_forbidden_channel_is_disabled_after_repeated_failures_others_still_post(world: World) -> None:
    clock, store, channels, cycle = world.clock, world.store, world.channels, world.cycle
    subscribe(store, 10)
    subscribe(store, 11)
    subscribe(store, 12)
    channels.failures[10] = MissingAccess("missing permissions to post")
    channels.failures[11] = ChannelGone("channel deleted or unknown")
    await cycle.poll()
    for day in range(3):
        clock.now = dt.datetime(2025, 4, 28 + day, 7, 0, tzinfo=UTC)
        await cycle.post_due(store.subscriptions(enabled_only=True))
    states = {s.channel_id: (s.enabled, s.disabled_reason) for s in store.subscriptions()}
    assert states[10] == (False, "missing permissions to post")
    assert states[11] == (False, "channel deleted or unknown")
    assert states[12][0] is True and channels.papers(12)


async def test_catch_up_respects_the_grace_window(world: World, caplog: pytest.LogCaptureFixture) -> None:
    clock, store, cycle = world.clock, world.store, world.cycle
    subscribe(store, 10)  # 09:00 Berlin = 07:00 UTC
    await cycle.poll()
    clock.now = dt.datetime(2025, 4, 28, 10, 0, tzinfo=UTC)  # three hours late, grace is two
    with caplog.at_level(logging.INFO, logger="bot.daily"):
        assert await cycle.catch_up() == []
    assert (
        "no catch-up for (1, 10, 'quantum-computing'): last post time 2025-04-28T07:00:00+00:00 "
        "is past the grace window" in caplog.text
    )
    clock.now = dt.datetime(2025, 4, 28, 8, 30, tzinfo=UTC)
    [result] = await cycle.catch_up()
    assert result.messages >= 1


async def test_nothing_today_note(world: World) -> None:
    clock, store, channels, cycle = world.clock, world.store, world.channels, world.cycle
    subscribe(store, 10, min_score=9.0, nothing_today_note=True)
    subscribe(store, 11, min_score=9.0)
    await cycle.poll()
    clock.now = dt.datetime(2025, 4, 28, 7, 0, tzinfo=UTC)
    await cycle.post_due()
    assert [(c, text.split(":")[0]) for c, text, _ in channels.posted] == [
        (10, "**arXiv digest · 2025-04-28 · Quantum Computing**")
    ]
    assert "nothing scored ≥ 9 among 50 new papers" in channels.posted[0][1]


async def test_a_batch_is_digested_once_even_when_the_feed_serves_it_again(world: World) -> None:
    clock, store, channels, cycle = world.clock, world.store, world.channels, world.cycle
    subscribe(store, 10, max_papers=3, min_score=0.0)
    await cycle.poll()
    clock.now = dt.datetime(2025, 4, 28, 7, 0, tzinfo=UTC)
    [first] = await cycle.post_due()
    assert first.papers == 3
    clock.now = dt.datetime(2025, 4, 29, 5, 0, tzinfo=UTC)
    assert [r.status for r in await cycle.poll()] == ["stale"]
    clock.now = dt.datetime(2025, 4, 29, 7, 0, tzinfo=UTC)
    [second] = await cycle.post_due()
    assert (second.messages, second.papers) == (0, 0)  # the lower-ranked rest of that batch is not sent
    assert len(channels.papers(10)) == 3


async def test_a_feed_past_the_item_limit_is_split_and_stays_split(world: World, fixtures_dir: Path) -> None:
    clock, store, feeds, channels, service = (
        world.clock,
        world.store,
        world.feeds,
        world.channels,
        world.service,
    )
    cycle = DailyCycle(service, feeds, channels.send, clock, max_items_per_request=50)
    subscribe(store, 10, categories=("quant-ph", "stat.ML"))
    feeds.bodies["quant-ph+stat.ML"] = feeds.bodies["quant-ph"]  # 81 items: past the limit of 50
    feeds.bodies["stat.ML"] = (fixtures_dir / "feeds" / "empty_skipdays.xml").read_bytes()
    results = await cycle.poll()
    assert [(r.categories, r.status) for r in results] == [(("quant-ph",), "new"), (("stat.ML",), "empty")]
    assert [key for key, _ in feeds.requests] == ["quant-ph+stat.ML", "quant-ph", "stat.ML"]
    # Later polls ask for the halves straight away, whatever the whole group would answer.
    await cycle.poll()
    assert [key for key, _ in feeds.requests[3:]] == ["quant-ph", "stat.ML"]


async def test_scheduled_polls_retry_in_the_window_until_the_new_batch_is_in(
    world: World, quant_ph: bytes
) -> None:
    clock, store, feeds, cycle = world.clock, world.store, world.feeds, world.cycle
    subscribe(store, 10)
    scheduler = AsyncIOScheduler(timezone=UTC)
    rebuild_jobs(scheduler, cycle)
    job = scheduler.get_job(POLL_JOB_ID)
    fire_times = []
    at = dt.datetime(2025, 4, 28, 3, 0, tzinfo=UTC)  # 23:00 in New York
    for _ in range(37):
        at = job.trigger.get_next_fire_time(None, at + dt.timedelta(seconds=1))
        fire_times.append(at.astimezone(UTC))
    # Every ten minutes from 00:00 to 05:50 US Eastern (EDT, UTC-4), then the next night.
    assert fire_times[0] == dt.datetime(2025, 4, 28, 4, 0, tzinfo=UTC)
    assert fire_times[35] == dt.datetime(2025, 4, 28, 9, 50, tzinfo=UTC)
    assert fire_times[36] == dt.datetime(2025, 4, 29, 4, 0, tzinfo=UTC)

    del feeds.bodies["quant-ph"]  # arXiv is down at first
    clock.now = fire_times[0]
    await job.func(*job.args)
    feeds.bodies["quant-ph"] = quant_ph
    clock.now = fire_times[1]
    await job.func(*job.args)
    assert store.get_paper("2504.17830") is not None
    for at in fire_times[2:36]:  # the batch is in: the rest of the night asks nothing
        clock.now = at
        await job.func(*job.args)
    assert len(feeds.requests) == 2
    clock.now = fire_times[36]
    await job.func(*job.args)
    assert len(feeds.requests) == 3 and feeds.requests[2] == ("quant-ph", '"2"')


async def test_a_new_subscription_adds_only_its_own_slots_job(world: World) -> None:
    """A /subscribe among thousands of slots must not rebuild them all before it answers."""
    from bot.jobs import ensure_slot, slot_job_id

    store, cycle = world.store, world.cycle
    for n in range(300):
        subscribe(store, 1000 + n, post_time=dt.time(n // 60, n % 60), timezone="UTC")
    scheduler = AsyncIOScheduler(timezone=UTC)
    rebuild_jobs(scheduler, cycle)
    before = {j.id for j in scheduler.get_jobs()}
    assert ensure_slot(scheduler, cycle, "Asia/Tokyo", 7, 30)
    assert not ensure_slot(scheduler, cycle, "UTC", 0, 5)  # that slot has its job already
    assert {j.id for j in scheduler.get_jobs()} == before | {slot_job_id("Asia/Tokyo", "07:30")}
    rebuild_jobs(scheduler, cycle)  # the day's tidy-up drops the slot nobody posts in
    assert slot_job_id("Asia/Tokyo", "07:30") not in {j.id for j in scheduler.get_jobs()}
