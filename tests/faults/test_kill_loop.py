"""Exactly-once digests through real kills: the bot posting a 100-channel slot is SIGKILLed at
random moments, 30 times, restarted on the same state file each time, and every channel must end
with its whole digest, each paper once (the journal makes each delivery durable before the next
message; the nonce makes the one message in flight at a kill come back as the same message)."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import os
import random
import signal
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.discord_contract import Contract
from tests.support.fake_discord import TOKEN, FakeDiscord

REPO = Path(__file__).resolve().parents[2]
GUILD = 7
CHANNELS = list(range(5000, 5100))
NOW = dt.datetime(2024, 11, 28, 9, 0, tzinfo=dt.UTC)
KILLS = 30
SEED = 4

CHILD = textwrap.dedent("""
    import asyncio, datetime as dt, sys
    from tests.support.patch import patch_discord
    from bot.daily import DailyCycle
    from bot.discord_app import DigestBot
    from bot.service import DigestService
    from bot.sources import load_profiles
    from storage import Store

    state, url, token = sys.argv[1], sys.argv[2], sys.argv[3]
    now = dt.datetime(2024, 11, 28, 9, 0, tzinfo=dt.UTC)

    class NoFeeds:
        async def fetch_feed(self, *args, **kwargs): raise RuntimeError("not polled here")
        async def fetch_papers(self, ids): raise RuntimeError("not looked up here")

    async def main():
        store = Store.open(state, now=now)
        service = DigestService(store, load_profiles(), NoFeeds(), lambda: now)
        bot = DigestBot(service)
        async with bot:
            await bot.login(token)
            cycle = DailyCycle(service, NoFeeds(), bot.send_digest_message, lambda: now,
                               grace=dt.timedelta(hours=6))
            print("posting", flush=True)
            results = await cycle.post_due()
        store.close()
        print("done", sum(r.messages for r in results), flush=True)

    with patch_discord(url):
        asyncio.run(main())
""")


def _prepare(state: Path, fixtures_dir: Path) -> dict[int, list[str]]:
    """A state file with the all-archives day and 100 channels due at 09:00 UTC; what each
    channel's digest holds, from an uninterrupted computation."""
    from bot.service import DigestService
    from bot.sources import load_profiles
    from digest.feed import parse_feed
    from digest.models import Subscription
    from storage import Store

    day = parse_feed((fixtures_dir / "feeds" / "all-archives_2024-11-28.xml").read_bytes())
    with Store.open(state, now=NOW) as store:
        store.remember_papers(day.papers, announced=NOW.date(), now=NOW)
        for channel in CHANNELS:
            store.subscribe(Subscription(GUILD, channel, "all", categories=(), min_score=0.0,
                                         max_papers=30, include_replacements=True,
                                         subscribed_at=NOW - dt.timedelta(days=1)))
        store.flush()
        service = DigestService(store, load_profiles(), None, lambda: NOW)  # type: ignore[arg-type]
        sub = store.subscriptions()[0]
        ids = [e.paper.arxiv_id for e in service.pending_digest(sub, NOW).entries]
    return dict.fromkeys(CHANNELS, ids)


async def _child(state: Path, fake: FakeDiscord) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, str(state), fake.url, TOKEN, cwd=REPO, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


@pytest.mark.slow
async def test_thirty_kills_mid_slot_lose_nothing_and_post_nothing_twice(
        tmp_path: Path, fixtures_dir: Path, discord_contract: Contract) -> None:
    state = tmp_path / "state.json"
    expected = _prepare(state, fixtures_dir)
    rng = random.Random(SEED)
    kills = 0
    async with FakeDiscord({GUILD: CHANNELS}, token=TOKEN, contract=discord_contract) as fake:
        while kills < KILLS:
            before = len(fake.posted)
            child = await _child(state, fake)
            target = before + rng.randint(1, 25)  # kill after this many more messages
            while len(fake.posted) < target and child.returncode is None:
                await asyncio.sleep(0.005)
            if child.returncode is not None:
                break  # the slot finished before this kill
            child.send_signal(signal.SIGKILL)
            await child.wait()
            kills += 1
        child = await _child(state, fake)  # the last start finishes the slot
        _, err = await asyncio.wait_for(child.communicate(), 300)
        assert child.returncode == 0, err.decode()[-2000:]
        posted = collections.defaultdict(list)
        for message in fake.posted:
            for embed in message["embeds"]:
                posted[int(message["channel_id"])].append(embed["url"].rsplit("/", 1)[1])
    duplicates = sum(len(urls) - len(set(urls)) for urls in posted.values())
    missing = sum(len(set(ids) - set(posted[c])) for c, ids in expected.items())
    print(f"{kills} kills, {len(fake.posted)} messages, {duplicates} duplicate papers, "
          f"{missing} missing, {len(fake.throttled)} answered 429 (a restarted bot does not know "
          f"its channels' buckets yet)")
    assert kills >= KILLS
    assert not fake.refused and not fake.violations and not fake.errors
    assert duplicates == 0 and missing == 0, err.decode()[-3000:]
    assert all(posted[c] == ids for c, ids in expected.items())  # in order, each once
