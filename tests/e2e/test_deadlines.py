"""Discord's own deadline: an interaction unanswered 3 s after it was pushed is gone. The other
e2e tests allow a loaded machine more (`LOADED_DEADLINE_S`); here the fake holds the bot to 3 s
on the heaviest command, over a full day of papers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from digest.feed import parse_feed
from digest.models import Subscription
from tests.e2e.conftest import CHANNELS, GUILD, BotFactory, Clock
from tests.support.fake_discord import CALLBACK_DEADLINE_S, EPHEMERAL, FakeDiscord, option

UTC = dt.UTC
NOW = dt.datetime(2024, 11, 28, 6, 0, tzinfo=UTC)
DAY = NOW.date()


async def test_preview_of_four_coverage_dates_on_the_full_day_answers_in_time(
        start_bot: BotFactory, fake_discord: FakeDiscord, fixtures_dir: Path) -> None:
    """Four subscriptions whose digests start on four different dates (a new one beside older
    ones) mean four scorings of the 1,504-paper day: deferred at once, scored off the event loop."""
    fake_discord.callback_deadline_s = CALLBACK_DEADLINE_S
    papers = parse_feed((fixtures_dir / "feeds" / "all-archives_2024-11-28.xml").read_bytes()).papers
    assert len(papers) > 1500
    slugs = ["reinforcement-learning", "quantum", "causal", "graph-neural-networks"]
    async with start_bot(Clock(NOW)) as runtime:
        store = runtime.store
        store.remember_papers(papers, announced=DAY, now=NOW)
        for slug in slugs:
            store.subscribe(Subscription(GUILD, CHANNELS[0], slug, categories=(), min_score=0.0,
                                         subscribed_at=NOW - dt.timedelta(days=9)))
        for back, slug in enumerate(slugs[:3], start=1):  # covered until 1, 2 and 3 days ago
            store.record_delivery(CHANNELS[0], slug, DAY - dt.timedelta(days=back), [], [], NOW,
                                  complete=True, covered_until=DAY - dt.timedelta(days=back))
        subs = store.subscriptions(channel_id=CHANNELS[0])
        assert len({runtime.service._since(s, NOW) for s in subs}) == 4

        iid = await fake_discord.slash("digest", subcommand="preview", guild_id=GUILD,
                                       channel_id=CHANNELS[0])
        answer = await fake_discord.answer(iid, timeout=60)
        latency = await fake_discord.callback_latency_s(iid)
    assert latency < CALLBACK_DEADLINE_S and not fake_discord.late_callbacks
    assert answer["flags"] == EPHEMERAL
    lines = answer["content"].splitlines()
    assert len(lines) == 4 and all(line.startswith("**arXiv digest") for line in lines)
    assert 1 <= len(answer["embeds"]) <= 10
    print(f"deferred {latency * 1000:.0f} ms after the push; the preview followed")


async def test_a_development_guild_gets_the_commands_and_they_work_there(
        start_bot: BotFactory, fake_discord: FakeDiscord) -> None:
    """ARXIV_DIGEST_DEV_GUILD: commands are synced to that one server (at once, where global
    commands take a while to spread) and nothing is synced globally."""
    async with start_bot(Clock(NOW), dev_guild_id=GUILD):
        iid = await fake_discord.slash("profiles", [option("query", "quantum")], guild_id=GUILD,
                                       channel_id=CHANNELS[0])
        answer = await fake_discord.answer(iid)
    assert set(fake_discord.commands) == {f"guild:{GUILD}"}
    names = {c["name"] for c in fake_discord.commands[f"guild:{GUILD}"]}
    assert {"subscribe", "server-profile", "digest", "paper"} <= names
    assert all(c["guild_id"] == str(GUILD) for c in fake_discord.commands[f"guild:{GUILD}"])
    assert "`quantum`" in answer["content"]
