"""Scheduled digests end to end: real scheduler jobs, the real client, the fake Discord and arXiv.

The clock is injected: tests read each job's next fire time from its trigger, move the clock
there, and run the job's function, so nothing waits for wall-clock time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest

from bot.app import Runtime
from digest.embeds import MAX_EMBEDS_PER_MESSAGE
from tests.e2e.conftest import CHANNELS, GUILD, BotFactory, Clock, FakeArxiv
from tests.support.discord_contract import EMBED_TOTAL_MAX, embed_size
from tests.support.fake_discord import FakeDiscord, option

UTC = dt.UTC
# 2025-03-30: clocks in Europe/Berlin jump from 02:00 to 03:00 (UTC+1 -> UTC+2).
DST_DAY = dt.datetime(2025, 3, 30, 0, 0, tzinfo=UTC)
FEED = "quant-ph"


def serve_quant_ph(fake_arxiv: FakeArxiv, fixtures_dir: Path) -> None:
    fake_arxiv.feeds[FEED] = (fixtures_dir / "feeds" / "quant-ph_2025-04-28.xml").read_bytes()


async def subscribe(fake: FakeDiscord, channel: int, *options: dict) -> None:  # type: ignore[type-arg]
    base = [option("profile", "quantum"), option("categories", FEED), option("timezone", "Europe/Berlin")]
    iid = await fake.slash("subscribe", [*base, *options], guild_id=GUILD, channel_id=channel)
    record = await fake.wait_for_callback(iid)
    assert "Subscribed" in record.body["data"]["content"], record.body


async def run_slot(runtime: Runtime, clock: Clock, job_id: str) -> dt.datetime:
    """Move the clock to the job's next fire time and run it, as the scheduler would."""
    job = runtime.scheduler.get_job(job_id)
    assert job is not None, f"no job {job_id}: {[j.id for j in runtime.scheduler.get_jobs()]}"
    fire_at = job.trigger.get_next_fire_time(None, clock.now + dt.timedelta(seconds=1))
    clock.now = fire_at.astimezone(UTC)
    await job.func(*job.args)
    return clock.now


async def test_digest_posts_at_local_time_on_a_dst_change_day(
    start_bot: BotFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, fixtures_dir: Path
) -> None:
    serve_quant_ph(fake_arxiv, fixtures_dir)
    clock = Clock(DST_DAY)
    async with start_bot(clock) as runtime:
        await subscribe(
            fake_discord,
            CHANNELS[0],
            option("time", "09:00"),
            option("min_score", 0.2),
            option("max_papers", 5),
        )
        assert [r.status for r in await runtime.cycle.poll()] == ["new"]
        fired = await run_slot(runtime, clock, "post:Europe/Berlin:09:00")
        assert fired == dt.datetime(2025, 3, 30, 7, 0, tzinfo=UTC)  # 09:00 CEST, after the jump

        posted = fake_discord.messages(CHANNELS[0])
        assert posted, "the digest was not posted"
        assert posted[0]["content"].startswith("**arXiv digest · 2025-04-28 · Quantum**")
        embeds = [e for m in posted for e in m["embeds"]]
        assert 1 <= len(embeds) <= 5
        assert all(m["allowed_mentions"] == {"parse": []} for m in posted)
        first = embeds[0]
        assert first["url"].startswith("https://arxiv.org/abs/25")
        assert [f["name"] for f in first["fields"]][:2] == ["Score", "Matched"]
        print(json.dumps(posted[0], indent=1, ensure_ascii=False)[:3000])  # shown in the closing note


@pytest.mark.parametrize("window", [
    "fast", pytest.param("discord", marks=[pytest.mark.slow, pytest.mark.discord_time])])
async def test_long_digest_is_split_within_discord_limits(
    start_bot: BotFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, fixtures_dir: Path,
    window: str,
) -> None:
    """Seven or more messages to one channel: split within Discord's limits, and paced by the
    channel's rate limit (its headers, then a wait) without a single 429."""
    serve_quant_ph(fake_arxiv, fixtures_dir)
    clock = Clock(DST_DAY)
    async with start_bot(clock) as runtime:
        await subscribe(
            fake_discord,
            CHANNELS[0],
            option("time", "10:15"),
            option("min_score", 0.0),
            option("max_papers", 50),
        )
        await runtime.cycle.poll()
        await run_slot(runtime, clock, "post:Europe/Berlin:10:15")
    posted = fake_discord.messages(CHANNELS[0])
    assert len(posted) >= 3
    for message in posted:
        assert len(message["embeds"]) <= MAX_EMBEDS_PER_MESSAGE
        assert sum(embed_size(e) for e in message["embeds"]) <= EMBED_TOTAL_MAX  # Discord's count
        assert all(len(e["title"]) <= 256 and len(e["description"]) <= 4096 for e in message["embeds"])
    urls = [e["url"] for m in posted for e in m["embeds"]]
    assert len(urls) == len(set(urls)) >= 40  # every new or cross-listed paper with any match


async def test_restart_between_two_messages_never_double_posts(
    start_bot: BotFactory,
    fake_discord: FakeDiscord,
    fake_arxiv: FakeArxiv,
    fixtures_dir: Path,
    tmp_path: Path,
) -> None:
    serve_quant_ph(fake_arxiv, fixtures_dir)
    clock = Clock(DST_DAY)
    state = tmp_path / "restart.json"
    async with start_bot(clock, state=state) as runtime:
        await subscribe(
            fake_discord,
            CHANNELS[0],
            option("time", "09:00"),
            option("min_score", 0.0),
            option("max_papers", 30),
        )
        await runtime.cycle.poll()
        fake_discord.fail_messages_after = 1  # Discord accepts one message, then the bot "crashes"
        await run_slot(runtime, clock, "post:Europe/Berlin:09:00")
    first = [e["url"] for m in fake_discord.messages(CHANNELS[0]) for e in m["embeds"]]
    assert 0 < len(first) < 30

    fake_discord.fail_messages_after = None
    clock.now += dt.timedelta(minutes=20)  # back within the grace window
    async with start_bot(clock, state=state) as restarted:  # start-up catches up on the missed rest
        # The jobs come back from the state file, with nobody subscribing again.
        assert {j.id for j in restarted.scheduler.get_jobs()} == {
            "poll",
            "retry",
            "tidy",
            "post:Europe/Berlin:09:00",
        }
    posted = fake_discord.messages(CHANNELS[0])
    urls = [e["url"] for m in posted for e in m["embeds"]]
    assert len(urls) == len(set(urls)) == 30
    assert urls[: len(first)] == first
    assert [m["content"] != "" for m in posted] == [True] + [False] * (len(posted) - 1)


async def test_forbidden_and_deleted_channels_are_disabled_others_still_served(
    start_bot: BotFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, fixtures_dir: Path
) -> None:
    serve_quant_ph(fake_arxiv, fixtures_dir)
    clock = Clock(DST_DAY)
    async with start_bot(clock) as runtime:
        for channel in CHANNELS:
            await subscribe(fake_discord, channel, option("time", "09:00"), option("min_score", 0.0))
        await runtime.cycle.poll()
        fake_discord.channel_errors = {CHANNELS[1]: 403, CHANNELS[2]: 404}
        for _ in range(3):
            await run_slot(runtime, clock, "post:Europe/Berlin:09:00")
            serve_quant_ph(fake_arxiv, fixtures_dir)
        states = {s.channel_id: s for s in runtime.store.subscriptions()}
        assert states[CHANNELS[0]].enabled and fake_discord.messages(CHANNELS[0])
        assert (
            not states[CHANNELS[1]].enabled and "missing permissions" in states[CHANNELS[1]].disabled_reason
        )
        assert not states[CHANNELS[2]].enabled and "deleted" in states[CHANNELS[2]].disabled_reason

        iid = await fake_discord.slash(
            "subscriptions", [option("server", True)], guild_id=GUILD, channel_id=CHANNELS[0]
        )
        listing = (await fake_discord.wait_for_callback(iid)).body["data"]["content"]
        assert "**disabled**: missing permissions" in listing and "**disabled**: channel deleted" in listing


async def test_empty_and_stale_feed_days_post_nothing(
    start_bot: BotFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, fixtures_dir: Path
) -> None:
    clock = Clock(DST_DAY)
    async with start_bot(clock) as runtime:
        await subscribe(
            fake_discord,
            CHANNELS[0],
            option("time", "09:00"),
            option("min_score", 0.0),
            option("max_papers", 3),
            option("nothing_today_note", True),
        )
        assert [r.status for r in await runtime.cycle.poll()] == ["empty"]  # a weekend feed
        await run_slot(runtime, clock, "post:Europe/Berlin:09:00")
        assert fake_discord.messages(CHANNELS[0]) == []

        serve_quant_ph(fake_arxiv, fixtures_dir)
        assert [r.status for r in await runtime.cycle.poll()] == ["new"]
        await run_slot(runtime, clock, "post:Europe/Berlin:09:00")
        day_one = len(fake_discord.messages(CHANNELS[0]))
        assert day_one == 1

        assert [r.status for r in await runtime.cycle.poll()] == ["stale"]  # yesterday's batch again
        await run_slot(runtime, clock, "post:Europe/Berlin:09:00")
        assert len(fake_discord.messages(CHANNELS[0])) == day_one


async def test_a_refused_send_is_retried_the_same_day_and_shown_meanwhile(
    start_bot: BotFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, fixtures_dir: Path
) -> None:
    """A 429 that discord.py will not wait on (no Via header) on the first message used to cost
    the channel its day's digest; now /subscriptions says so and it goes out minutes later."""
    serve_quant_ph(fake_arxiv, fixtures_dir)
    clock = Clock(DST_DAY)
    async with start_bot(clock) as runtime:
        await subscribe(fake_discord, CHANNELS[0], option("time", "09:00"), option("min_score", 0.0))
        await runtime.cycle.poll()
        fake_discord.fail_messages_after, fake_discord.fail_messages_status = 0, 429
        await run_slot(runtime, clock, "post:Europe/Berlin:09:00")
        assert fake_discord.messages(CHANNELS[0]) == []
        iid = await fake_discord.slash("subscriptions", [], guild_id=GUILD, channel_id=CHANNELS[0])
        listed = (await fake_discord.wait_for_callback(iid)).body["data"]["content"]
        assert "today's digest failed 1 time (Discord error)" in listed
        fake_discord.fail_messages_after = None
        clock.now += dt.timedelta(minutes=5)
        [retried] = await runtime.cycle.retry_failed()
        assert retried.error == "" and retried.messages == len(fake_discord.messages(CHANNELS[0])) > 0


async def test_a_long_rate_limit_does_not_hold_up_the_slot(
    start_bot: BotFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, fixtures_dir: Path
) -> None:
    """A 429 asking for two minutes on one channel: that digest is tried again later, the next
    channel's goes out at once (discord.py used to sleep the whole slot away)."""
    serve_quant_ph(fake_arxiv, fixtures_dir)
    clock = Clock(DST_DAY)
    async with start_bot(clock) as runtime:
        for channel in CHANNELS[:2]:
            await subscribe(fake_discord, channel, option("time", "09:00"), option("min_score", 0.0))
        await runtime.cycle.poll()
        fake_discord.rate_limit("POST", f"/channels/{CHANNELS[0]}/messages", retry_after_s=120.0)
        started = asyncio.get_running_loop().time()
        await asyncio.wait_for(run_slot(runtime, clock, "post:Europe/Berlin:09:00"), 20)
        assert asyncio.get_running_loop().time() - started < 20
        assert fake_discord.messages(CHANNELS[1]) and not fake_discord.messages(CHANNELS[0])
        assert list(runtime.cycle.failing()) == [(GUILD, CHANNELS[0], "quantum")]


async def test_hostile_text_from_arxiv_reaches_discord_inert(
    start_bot: BotFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, fixtures_dir: Path
) -> None:
    """A masked link, a bare URL and a mass mention in a paper's text, as posted: none live."""
    feed = (fixtures_dir / "feeds" / "quant-ph_2025-04-28.xml").read_bytes()
    hostile = b"See [the official arXiv page](http://evil.example/x) @everyone and &lt;@123&gt;. We"
    fake_arxiv.feeds[FEED] = feed.replace(b"Abstract: We introduce", b"Abstract: " + hostile, 1)
    clock = Clock(DST_DAY)
    async with start_bot(clock) as runtime:
        await subscribe(
            fake_discord,
            CHANNELS[0],
            option("time", "09:00"),
            option("min_score", 0.0),
            option("max_papers", 50),
        )
        await runtime.cycle.poll()
        await run_slot(runtime, clock, "post:Europe/Berlin:09:00")
        assert runtime.cycle.fetcher is not runtime.service.api  # look-ups never queue behind polls
    posted = json.dumps(fake_discord.messages(CHANNELS[0]))
    assert "evil.example" in posted  # the paper was posted ...
    assert "](http://evil" not in posted and "http://evil" not in posted  # ... its link inert
    assert "@everyone" not in posted and "<@123>" not in posted
