"""Slash commands end to end: the real discord.py client against the fake Discord and arXiv."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import urlencode

from bot.app import Runtime
from digest.models import ScoredPaper
from tests.e2e.conftest import CHANNELS, GUILD, BotFactory, Clock, FakeArxiv
from tests.support.fake_discord import MANAGE_CHANNELS, FakeDiscord, option

UTC = dt.UTC
NOW = dt.datetime(2025, 4, 28, 6, 0, tzinfo=UTC)
EPHEMERAL = 64


def callback_data(record: object) -> dict:  # type: ignore[type-arg]
    return record.body["data"]  # type: ignore[attr-defined, no-any-return]


async def test_start_up_syncs_described_commands_with_permissions(
    start_bot: BotFactory, fake_discord: FakeDiscord
) -> None:
    async with start_bot(Clock(NOW)):
        commands = {c["name"]: c for c in fake_discord.commands["global"]}
    assert set(commands) == {
        "subscribe",
        "unsubscribe",
        "subscriptions",
        "profiles",
        "profile",
        "server-profile",
        "paper",
        "digest",
        "feedback",
    }
    # Discord applies permissions and DM availability per top-level command, as synced.
    manage = str(MANAGE_CHANNELS)
    for name in ("subscribe", "unsubscribe", "server-profile", "feedback"):
        assert commands[name]["default_member_permissions"] == manage, name
    for name in ("subscribe", "unsubscribe", "subscriptions", "server-profile", "digest",
                 "feedback"):
        assert commands[name]["dm_permission"] is False and commands[name]["contexts"] == [0], name
    for name in ("paper", "profile", "profiles", "digest", "subscriptions"):
        assert commands[name]["default_member_permissions"] is None, name
    assert commands["profile"]["dm_permission"] is True  # reading a profile works anywhere
    assert [o["name"] for o in commands["server-profile"]["options"]] == ["create", "delete"]

    def walk(items: list[dict]) -> list[str]:  # type: ignore[type-arg]
        out = []
        for item in items:
            out.append(item["description"])
            out += walk(item.get("options", []))
        return out

    descriptions = walk(list(commands.values()))
    assert all(0 < len(d) <= 100 for d in descriptions)
    assert "Subscribe this channel to a daily digest of a topic profile" in descriptions


async def test_subscribe_allowed_denied_unknown_and_autocomplete(
    start_bot: BotFactory, fake_discord: FakeDiscord
) -> None:
    async with start_bot(Clock(NOW)) as runtime:
        iid = await fake_discord.slash(
            "subscribe",
            [
                option("profile", "neural-operators"),
                option("time", "08:30"),
                option("timezone", "Europe/Berlin"),
            ],
            guild_id=GUILD,
            channel_id=CHANNELS[0],
        )
        reply = callback_data(await fake_discord.wait_for_callback(iid))
        assert reply["flags"] == EPHEMERAL
        assert reply["content"].startswith("Subscribed this channel to `neural-operators`. Next digest:")
        assert "2025-04-28 08:30 Europe/Berlin" in reply["content"]
        [sub] = runtime.store.subscriptions(channel_id=CHANNELS[0])
        assert (sub.post_time, sub.timezone) == (dt.time(8, 30), "Europe/Berlin")

        iid = await fake_discord.slash(
            "subscribe",
            [option("profile", "neural-operators")],
            guild_id=GUILD,
            channel_id=CHANNELS[1],
            permissions=0,
        )
        denied = callback_data(await fake_discord.wait_for_callback(iid))
        assert denied["content"] == "You need the Manage Channels permission to do that."
        assert denied["flags"] == EPHEMERAL

        iid = await fake_discord.slash(
            "subscribe", [option("profile", "neural-operator")], guild_id=GUILD, channel_id=CHANNELS[1]
        )
        unknown = callback_data(await fake_discord.wait_for_callback(iid))
        assert "Unknown profile 'neural-operator'. Did you mean: neural-operators" in unknown["content"]
        assert runtime.store.subscriptions(channel_id=CHANNELS[1]) == []

        iid = await fake_discord.autocomplete(
            "subscribe", "profile", "neur", guild_id=GUILD, channel_id=CHANNELS[0]
        )
        record = await fake_discord.wait_for_callback(iid)
        assert record.body["type"] == 8
        values = [c["value"] for c in record.body["data"]["choices"]]
        assert "neural-operators" in values and len(values) <= 25
        assert values[0].startswith("neur")  # prefix matches first

        iid = await fake_discord.autocomplete(
            "subscribe",
            "categories",
            "cs.LG+quant-p",
            options=[option("profile", "quantum")],
            guild_id=GUILD,
            channel_id=CHANNELS[0],
        )
        choices = (await fake_discord.wait_for_callback(iid)).body["data"]["choices"]
        assert [c["value"] for c in choices] == ["cs.LG+quant-ph"]


async def test_paper_lookups(start_bot: BotFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv) -> None:
    async with start_bot(Clock(NOW)):
        # Through the API: deferred, then a followup with the embed.
        iid = await fake_discord.slash(
            "paper",
            [option("id", "https://arxiv.org/abs/1707.08567v1")],
            guild_id=GUILD,
            channel_id=CHANNELS[0],
        )
        deferred = await fake_discord.wait_for_callback(iid)
        assert deferred.body["type"] == 5
        [embed] = (await fake_discord.answer(iid))["embeds"]
        assert embed["url"] == "https://arxiv.org/abs/1707.08567"
        assert "api:1707.08567" in fake_arxiv.hits

        # Cached: no second API call.
        hits = len(fake_arxiv.hits)
        iid = await fake_discord.slash(
            "paper", [option("id", "arXiv:1707.08567")], guild_id=GUILD, channel_id=CHANNELS[0]
        )
        cached = await fake_discord.answer(iid)
        assert cached["embeds"][0]["url"] == embed["url"] and not cached.get("flags")
        assert len(fake_arxiv.hits) == hits

        iid = await fake_discord.slash("paper", [option("id", "abc")], guild_id=GUILD, channel_id=CHANNELS[0])
        bad = await fake_discord.answer(iid)
        assert bad["content"].startswith("not an arXiv id: 'abc'") and bad["flags"] == EPHEMERAL
        assert fake_discord.original_response(iid) is None  # the public "thinking" message went

        iid = await fake_discord.slash(
            "paper", [option("id", "2404.99999")], guild_id=GUILD, channel_id=CHANNELS[0]
        )
        unknown = await fake_discord.answer(iid)
        assert unknown["content"] == "arXiv has no paper 2404.99999."
        # The public "thinking" message is gone, so the error is a fresh message for the caller only.
        assert fake_discord.original_response(iid) is None and unknown["flags"] == EPHEMERAL

        fake_arxiv.api_status = 500
        iid = await fake_discord.slash(
            "paper", [option("id", "2404.19756")], guild_id=GUILD, channel_id=CHANNELS[0]
        )
        down = await fake_discord.answer(iid)
        assert "not answering right now" in down["content"]
        assert fake_discord.original_response(iid) is None and down["flags"] == EPHEMERAL


async def subscribe_quantum(
    fake: FakeDiscord, runtime: Runtime, fake_arxiv: FakeArxiv, fixtures_dir: Path, channel: int = CHANNELS[0]
) -> None:
    """Subscribe a channel to `quantum` on quant-ph and poll that day's feed."""
    fake_arxiv.feeds["quant-ph"] = (fixtures_dir / "feeds" / "quant-ph_2025-04-28.xml").read_bytes()
    iid = await fake.slash(
        "subscribe",
        [option("profile", "quantum"), option("categories", "quant-ph"), option("min_score", 0.2)],
        guild_id=GUILD,
        channel_id=channel,
    )
    assert callback_data(await fake.wait_for_callback(iid))["content"].startswith("Subscribed")
    assert [r.status for r in await runtime.cycle.poll()] == ["new"]


async def ask_paper_about_the_best(
    start_bot: BotFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, fixtures_dir: Path,
    *options: dict,  # type: ignore[type-arg]
) -> tuple[ScoredPaper, dict]:  # type: ignore[type-arg]
    """Subscribe a channel to quantum, then ask /paper about its digest's best paper there."""
    async with start_bot(Clock(NOW)) as runtime:
        await subscribe_quantum(fake_discord, runtime, fake_arxiv, fixtures_dir)
        [sub] = runtime.store.subscriptions(channel_id=CHANNELS[0])
        best = runtime.service.pending_digest(sub, NOW).entries[0]
        iid = await fake_discord.slash("paper", [option("id", f"arXiv:{best.paper.arxiv_id}"),
                                                 *options], guild_id=GUILD, channel_id=CHANNELS[0])
        return best, await fake_discord.answer(iid)


async def test_paper_embed_shows_the_score_for_the_channels_profiles(
    start_bot: BotFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, fixtures_dir: Path
) -> None:
    best, answer = await ask_paper_about_the_best(start_bot, fake_discord, fake_arxiv, fixtures_dir)
    assert not answer.get("flags")  # a paper is shown to the channel
    [embed] = answer["embeds"]
    assert embed["url"] == f"https://arxiv.org/abs/{best.paper.arxiv_id}" and embed["title"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Links"] == (
        f"[abs](https://arxiv.org/abs/{best.paper.arxiv_id}) · "
        f"[pdf](https://arxiv.org/pdf/{best.paper.arxiv_id})"
    )
    assert "quant-ph" in fields["Categories"] and fields["Dates"].startswith("published 2025-04-")
    score = fields[f"Score for quantum: {best.score:.2f}"]
    assert best.hits[0].term in score


async def test_digest_preview_is_shown_to_the_caller_only(
    start_bot: BotFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, fixtures_dir: Path
) -> None:
    async with start_bot(Clock(NOW)) as runtime:
        await subscribe_quantum(fake_discord, runtime, fake_arxiv, fixtures_dir)
        iid = await fake_discord.slash(
            "digest",
            [option("profile", "quantum")],
            subcommand="preview",
            guild_id=GUILD,
            channel_id=CHANNELS[0],
        )
        assert (await fake_discord.wait_for_callback(iid)).body == {"type": 5, "data": {"flags": EPHEMERAL}}
        preview = await fake_discord.answer(iid)
        iid = await fake_discord.slash(
            "digest",
            [option("profile", "pruning")],
            subcommand="preview",
            guild_id=GUILD,
            channel_id=CHANNELS[0],
        )
        missing = callback_data(await fake_discord.wait_for_callback(iid))
    assert preview["flags"] == EPHEMERAL
    assert preview["content"].startswith("**arXiv digest · 2025-04-28 · Quantum** (`quantum`): ")
    assert 1 <= len(preview["embeds"]) <= 10 and preview["embeds"][0]["title"].startswith("1. ")
    assert fake_discord.messages(CHANNELS[0]) == []  # nothing reached the channel
    assert missing == {
        "content": "This channel has no such subscription; see /subscriptions.",
        "flags": EPHEMERAL,
        "embeds": [],
        "allowed_mentions": {"parse": []},
        "tts": False,
    }


async def test_unsubscribe_and_subscriptions(start_bot: BotFactory, fake_discord: FakeDiscord) -> None:
    async with start_bot(Clock(NOW)) as runtime:
        for slug in ("quantum", "pruning"):
            iid = await fake_discord.slash(
                "subscribe", [option("profile", slug)], guild_id=GUILD, channel_id=CHANNELS[0]
            )
            await fake_discord.wait_for_callback(iid)
        iid = await fake_discord.slash("subscriptions", guild_id=GUILD, channel_id=CHANNELS[0])
        listing = callback_data(await fake_discord.wait_for_callback(iid))
        assert listing["flags"] == EPHEMERAL
        assert [line.split()[0] for line in listing["content"].splitlines()] == ["`pruning`", "`quantum`"]
        next_at = int(dt.datetime(2025, 4, 28, 9, 0, tzinfo=UTC).timestamp())
        assert f"(next <t:{next_at}:R>)" in listing["content"]

        iid = await fake_discord.autocomplete(
            "unsubscribe", "profile", "qu", guild_id=GUILD, channel_id=CHANNELS[0]
        )
        choices = (await fake_discord.wait_for_callback(iid)).body["data"]["choices"]
        assert choices == [{"name": "quantum", "value": "quantum"}]  # this channel's, matching

        iid = await fake_discord.slash(
            "unsubscribe",
            [option("profile", "quantum")],
            guild_id=GUILD,
            channel_id=CHANNELS[0],
            permissions=0,
        )
        denied = callback_data(await fake_discord.wait_for_callback(iid))
        assert denied["content"] == "You need the Manage Channels permission to do that."
        iid = await fake_discord.slash(
            "unsubscribe", [option("profile", "quantum")], guild_id=GUILD, channel_id=CHANNELS[0]
        )
        done = callback_data(await fake_discord.wait_for_callback(iid))
        assert (done["content"], done["flags"]) == ("This channel no longer gets `quantum`.", EPHEMERAL)
        assert [s.profile_slug for s in runtime.store.subscriptions(channel_id=CHANNELS[0])] == ["pruning"]


async def test_server_profiles_create_autocomplete_show_and_delete(
    start_bot: BotFactory, fake_discord: FakeDiscord
) -> None:
    create = [
        option("name", "Graph Nets"),
        option("keywords_or_ids", "graph neural networks, message passing"),
    ]
    async with start_bot(Clock(NOW)) as runtime:
        iid = await fake_discord.slash(
            "server-profile",
            create,
            subcommand="create",
            guild_id=GUILD,
            channel_id=CHANNELS[0],
            permissions=0,
        )
        denied = callback_data(await fake_discord.wait_for_callback(iid))
        assert denied["content"] == "You need the Manage Channels permission to do that."
        assert runtime.store.custom_profiles(GUILD) == []

        iid = await fake_discord.slash(
            "server-profile", create, subcommand="create", guild_id=GUILD, channel_id=CHANNELS[0]
        )
        deferred = await fake_discord.wait_for_callback(iid)
        assert deferred.body == {"type": 5, "data": {"flags": EPHEMERAL}}
        created = await fake_discord.answer(iid)
        assert created["content"].startswith("Created `graph-nets` with 2 terms")
        original = fake_discord.original_response(iid)
        assert original is not None and original["flags"] == EPHEMERAL

        iid = await fake_discord.autocomplete(
            "subscribe", "profile", "graph-n", guild_id=GUILD, channel_id=CHANNELS[0]
        )
        choices = [c["value"] for c in (await fake_discord.wait_for_callback(iid)).body["data"]["choices"]]
        assert choices[0] == "graph-nets" and len(choices) <= 25  # the server's own profile too

        iid = await fake_discord.slash(
            "profiles", [option("query", "graph")], guild_id=GUILD, channel_id=CHANNELS[0]
        )
        listed = callback_data(await fake_discord.wait_for_callback(iid))["content"].splitlines()
        assert "`graph-nets` (0) — graph neural networks, message passing" in listed

        learned = runtime.service.profile(GUILD, "neural-operators")
        iid = await fake_discord.slash(
            "profile", [option("slug", learned.slug)], guild_id=GUILD, channel_id=CHANNELS[0]
        )
        [shown] = callback_data(await fake_discord.wait_for_callback(iid))["embeds"]
        assert shown["title"] == f"{learned.name} ({learned.slug})"
        terms, _, heading, *exemplars = shown["description"].splitlines()
        assert terms.startswith(f"**Top terms:** {learned.terms[0].text} (")
        assert heading.startswith("**Exemplars** (from ")
        assert len(exemplars) == min(8, len(learned.exemplars))
        link = re.compile(r"• \[.+\]\(https://arxiv\.org/(abs|search)/\S+\)")
        assert all(link.fullmatch(line) for line in exemplars)
        # The corpus gives few arXiv ids; a paper without one links to arXiv's title search.
        unnamed = next(e for e in learned.exemplars[:8] if not e.arxiv_id)
        search = "https://arxiv.org/search/?" + urlencode({"query": unnamed.title, "searchtype": "title"})
        assert any(line.endswith(f"]({search})") for line in exemplars)

        iid = await fake_discord.slash(
            "server-profile",
            [option("slug", "graph-nets")],
            subcommand="delete",
            guild_id=GUILD,
            channel_id=CHANNELS[0],
            permissions=0,
        )
        assert "Manage Channels" in callback_data(await fake_discord.wait_for_callback(iid))["content"]
        iid = await fake_discord.slash(
            "server-profile",
            [option("slug", "graph-nets")],
            subcommand="delete",
            guild_id=GUILD,
            channel_id=CHANNELS[0],
        )
        deleted = callback_data(await fake_discord.wait_for_callback(iid))
        assert deleted["content"].startswith("Deleted `graph-nets`") and deleted["flags"] == EPHEMERAL
        assert runtime.store.custom_profiles(GUILD) == []


async def test_paper_carries_vote_buttons_and_more_lists_papers_like_it(
    start_bot: BotFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, fixtures_dir: Path
) -> None:
    entry, answer = await ask_paper_about_the_best(start_bot, fake_discord, fake_arxiv,
                                                   fixtures_dir, option("more", True))
    best = entry.paper.arxiv_id
    [row] = answer["components"]
    assert [b["custom_id"] for b in row["components"]] == [
        f"dv:quantum:{best}:u", f"dv:quantum:{best}:d"]
    assert [b["label"] for b in row["components"]] == ["quantum", "quantum"]
    _, like = answer["embeds"]
    assert like["title"] == f"Recent papers like arXiv:{best}"
    lines = like["description"].splitlines()
    assert 1 <= len(lines) <= 5 and all(line.startswith("• [") for line in lines)
    assert best not in like["description"]  # the paper itself is not like itself
