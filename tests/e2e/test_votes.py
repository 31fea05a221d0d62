"""Votes end to end: a digest's buttons, clicks counted once per member, buttons that outlive a
restart, and a next day's digest that follows the channel's votes (and only that channel's)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from pathlib import Path

from tests.e2e.conftest import CHANNELS, GUILD, BotFactory, Clock, FakeArxiv
from tests.e2e.test_digests import run_slot
from tests.support.fake_discord import EPHEMERAL, FakeDiscord, Json, option

UTC = dt.UTC
FEED = "quant-ph"
DAY_ONE = dt.datetime(2025, 4, 28, 6, 0, tzinfo=UTC)
OTHER_GUILD = 999
BUTTON = re.compile(r"dv:quantum:(?P<id>[0-9.]+):(?P<vote>[ud])")


def two_days(fixtures_dir: Path) -> tuple[bytes, bytes]:
    """Two announcement days made from the recorded quant-ph day of 2025-04-28 (Monday): its
    even items as they were, its odd items re-dated to Tuesday the 29th."""
    text = (fixtures_dir / "feeds" / "quant-ph_2025-04-28.xml").read_text("utf-8")
    head, *items = re.split(r"(?=    <item>)", text)
    items[-1], tail = items[-1].split("  </channel>")
    tail = "  </channel>" + tail
    monday = head + "".join(items[0::2]) + tail
    tuesday = (head + "".join(items[1::2]) + tail).replace("Mon, 28 Apr 2025", "Tue, 29 Apr 2025")
    return monday.encode(), tuesday.encode()


async def subscribe(fake: FakeDiscord, channel: int) -> None:
    options = [option("profile", "quantum"), option("categories", FEED), option("time", "09:00"),
               option("min_score", 0.3), option("max_papers", 8)]
    iid = await fake.slash("subscribe", options, guild_id=GUILD, channel_id=channel)
    assert "Subscribed" in (await fake.answer(iid))["content"]


def buttons(message: Json) -> list[tuple[str, str, str]]:
    """(arXiv id, vote, label) of each button, row by row."""
    found = []
    for row in message["components"]:
        for button in row["components"]:
            match = BUTTON.fullmatch(button["custom_id"])
            assert match, button
            found.append((match["id"], match["vote"], button.get("label", "")))
    return found


async def click(fake: FakeDiscord, message: Json, arxiv_id: str, vote: str, user: int,
                guild: int | None = None) -> Json:
    iid = await fake.click(message, f"dv:quantum:{arxiv_id}:{vote}", user_id=user, guild_id=guild)
    callback = await fake.wait_for_callback(iid)
    assert callback.body["type"] == 4 and callback.body["data"]["flags"] & EPHEMERAL
    return dict(callback.body["data"])


async def written_votes(state: Path, key: str, timeout_s: float = 5.0) -> dict[str, object]:
    """The members' votes of one subscription as the state file holds them, once it has two."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        votes = json.loads(state.read_bytes()).get("votes", {}).get(key, {})
        if len(votes) >= 2 or asyncio.get_running_loop().time() > deadline:
            return {i: record["u"] for i, record in votes.items()}
        await asyncio.sleep(0.02)


async def test_votes_survive_a_restart_and_steer_the_next_day(
    start_bot: BotFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, fixtures_dir: Path,
    tmp_path: Path,
) -> None:
    monday, tuesday = two_days(fixtures_dir)
    state = tmp_path / "votes.json"
    clock = Clock(DAY_ONE)
    fake_arxiv.feeds[FEED] = monday
    async with start_bot(clock, state=state) as runtime:
        await subscribe(fake_discord, CHANNELS[0])
        await subscribe(fake_discord, CHANNELS[1])  # the same profile, and no votes
        await runtime.cycle.poll()
        await run_slot(runtime, clock, "post:UTC:09:00")
        posted = fake_discord.messages(CHANNELS[0])
        ids = [e["url"].rsplit("/", 1)[1] for m in posted for e in m["embeds"]]
        assert len(ids) == 8
        rank = 0
        for message in posted:  # two buttons a paper, labelled with its rank, two papers a row
            papers = len(message["embeds"])
            assert [len(r["components"]) for r in message["components"]] == [
                min(4, 2 * papers - 4 * n) for n in range((papers + 1) // 2)]
            assert buttons(message) == [(ids[rank + n], v, str(rank + n + 1))
                                        for n in range(papers) for v in "ud"]
            rank += papers
        digest = posted[0]
        assert len(digest["embeds"]) >= 3
        print(digest["content"])  # shown in the README, as a channel sees the message
        for e in digest["embeds"]:
            print(f'{e["title"][:70]} | {e["fields"][0]["value"]} | {e["fields"][1]["value"][:60]}')
        for row in digest["components"]:
            print(" ".join(f'[{b["emoji"]["name"]} {b["label"]}]' for b in row["components"]))

        said = await click(fake_discord, digest, ids[0], "d", user=301)
        assert said["content"].startswith(f"Counted your vote: arXiv:{ids[0]} is not for us")
        said = await click(fake_discord, digest, ids[0], "d", user=301)
        assert "already marked" in said["content"] and "(0 👍, 1 👎" in said["content"]
        await click(fake_discord, digest, ids[1], "u", user=301)
        await click(fake_discord, digest, ids[1], "u", user=302)
        said = await click(fake_discord, digest, ids[2], "u", user=301, guild=OTHER_GUILD)
        assert "no longer follows 'quantum' here" in said["content"]  # not this server's member
        assert runtime.store.voted_paper((OTHER_GUILD, CHANNELS[0], "quantum"), ids[2]) is None
        # each counted click is written to the state file right after it is answered
        on_disk = await written_votes(state, f"{GUILD}:{CHANNELS[0]}:quantum")
        assert on_disk == {ids[0]: {"301": -1}, ids[1]: {"301": 1, "302": 1}}

    async with start_bot(clock, state=state) as runtime:  # a restart: the buttons still work
        said = await click(fake_discord, digest, ids[0], "u", user=301)
        assert said["content"].startswith("Changed your vote") and "(1 👍, 0 👎" in said["content"]
        await click(fake_discord, digest, ids[0], "d", user=301)
        key = (GUILD, CHANNELS[0], "quantum")
        assert {v.arxiv_id: dict(v.votes) for v in runtime.store.voted_papers(key)} == {
            ids[0]: {301: -1}, ids[1]: {301: 1, 302: 1}}
        subs = await fake_discord.slash("subscriptions", guild_id=GUILD, channel_id=CHANNELS[0])
        assert "learns from votes on 2 papers" in (await fake_discord.answer(subs))["content"]

        clock.now = DAY_ONE + dt.timedelta(days=1)
        fake_arxiv.feeds[FEED] = tuesday
        await runtime.cycle.poll()
        await run_slot(runtime, clock, "post:UTC:09:00")
    voted, plain = (fake_discord.messages(c)[-1] for c in CHANNELS[:2])
    steered = [e for e in voted["embeds"] if "by votes" in e["fields"][1]["value"]]
    assert steered, "no entry of the voting channel's next digest says it moved with the votes"
    assert not any("by votes" in e["fields"][1]["value"] for e in plain["embeds"])
    assert [e["url"] for e in voted["embeds"]] != [e["url"] for e in plain["embeds"]]


async def test_a_click_on_a_paper_past_retention_answers_clearly(
    start_bot: BotFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, fixtures_dir: Path,
) -> None:
    monday, tuesday = two_days(fixtures_dir)
    clock = Clock(DAY_ONE)
    fake_arxiv.feeds[FEED] = monday
    async with start_bot(clock, retention_days=1) as runtime:
        await subscribe(fake_discord, CHANNELS[0])
        await runtime.cycle.poll()
        await run_slot(runtime, clock, "post:UTC:09:00")
        digest = fake_discord.messages(CHANNELS[0])[0]
        first = digest["embeds"][0]["url"].rsplit("/", 1)[1]
        clock.now = DAY_ONE + dt.timedelta(days=3)
        fake_arxiv.feeds[FEED] = tuesday.replace(b"29 Apr 2025", b"1 May 2025").replace(
            b"Tue,", b"Thu,")
        await runtime.cycle.poll()  # a new batch: retention runs, Monday's papers go
        said = await click(fake_discord, digest, first, "u", user=301)
        assert said["content"] == (f"arXiv:{first} is older than the 1 days this bot keeps papers, "
                                   "so it can no longer take votes; vote on a recent digest.")
