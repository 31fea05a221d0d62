"""Slash commands end to end: the real discord.py client against the fake Discord and arXiv."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.e2e.conftest import CHANNELS, GUILD, BotFactory, Clock, FakeArxiv
from tests.e2e.fake_discord import MANAGE_CHANNELS, FakeDiscord, option

UTC = dt.timezone.utc
NOW = dt.datetime(2025, 4, 28, 6, 0, tzinfo=UTC)
EPHEMERAL = 64


def callback_data(record: object) -> dict:  # type: ignore[type-arg]
    return record.body["data"]  # type: ignore[attr-defined, no-any-return]


async def test_start_up_syncs_described_commands_with_permissions(start_bot: BotFactory,
                                                                  fake_discord: FakeDiscord) -> None:
    async with start_bot(Clock(NOW)):
        commands = {c["name"]: c for c in fake_discord.commands["global"]}
    assert set(commands) == {"subscribe", "unsubscribe", "subscriptions", "profiles", "profile",
                             "paper", "digest"}
    manage = MANAGE_CHANNELS  # as discord.py sends it
    assert commands["subscribe"]["default_member_permissions"] == manage
    assert commands["unsubscribe"]["default_member_permissions"] == manage
    assert commands["paper"]["default_member_permissions"] is None

    def walk(items: list[dict]) -> list[str]:  # type: ignore[type-arg]
        out = []
        for item in items:
            out.append(item["description"])
            out += walk(item.get("options", []))
        return out

    descriptions = walk(list(commands.values()))
    assert all(0 < len(d) <= 100 for d in descriptions)
    assert "Subscribe this channel to a daily digest of a topic profile" in descriptions


async def test_subscribe_allowed_denied_unknown_and_autocomplete(start_bot: BotFactory,
                                                                 fake_discord: FakeDiscord) -> None:
    async with start_bot(Clock(NOW)) as runtime:
        iid = await fake_discord.slash("subscribe", [option("profile", "neural-operators"),
                                                     option("time", "08:30"),
                                                     option("timezone", "Europe/Berlin")],
                                       guild_id=GUILD, channel_id=CHANNELS[0])
        reply = callback_data(await fake_discord.wait_for_callback(iid))
        assert reply["flags"] == EPHEMERAL
        assert reply["content"].startswith("Subscribed this channel to `neural-operators`. Next digest:")
        assert "2025-04-28 08:30 Europe/Berlin" in reply["content"]
        [sub] = runtime.store.subscriptions(channel_id=CHANNELS[0])
        assert (sub.post_time, sub.timezone) == (dt.time(8, 30), "Europe/Berlin")

        iid = await fake_discord.slash("subscribe", [option("profile", "neural-operators")],
                                       guild_id=GUILD, channel_id=CHANNELS[1], permissions=0)
        denied = callback_data(await fake_discord.wait_for_callback(iid))
        assert denied["content"] == "You need the Manage Channels permission to do that."
        assert denied["flags"] == EPHEMERAL

        iid = await fake_discord.slash("subscribe", [option("profile", "neural-operator")],
                                       guild_id=GUILD, channel_id=CHANNELS[1])
        unknown = callback_data(await fake_discord.wait_for_callback(iid))
        assert "Unknown profile 'neural-operator'. Did you mean: neural-operators" in unknown["content"]
        assert runtime.store.subscriptions(channel_id=CHANNELS[1]) == []

        iid = await fake_discord.autocomplete("subscribe", "profile", "neur", guild_id=GUILD,
                                              channel_id=CHANNELS[0])
        record = await fake_discord.wait_for_callback(iid)
        assert record.body["type"] == 8
        values = [c["value"] for c in record.body["data"]["choices"]]
        assert "neural-operators" in values and len(values) <= 25
        assert values[0].startswith("neur")  # prefix matches first


async def test_paper_lookups(start_bot: BotFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv,
                             fixtures_dir: Path) -> None:
    fake_arxiv.feeds["cs.LG+physics.comp-ph+quant-ph+stat.ML"] = (
        fixtures_dir / "feeds" / "quant-ph_2025-04-28.xml").read_bytes()
    async with start_bot(Clock(NOW)) as runtime:
        runtime.service.subscribe_default = None
        # Through the API: deferred, then a followup with the embed.
        iid = await fake_discord.slash("paper", [option("id", "https://arxiv.org/abs/1707.08567v1")],
                                       guild_id=GUILD, channel_id=CHANNELS[0])
        deferred = await fake_discord.wait_for_callback(iid)
        assert deferred.body["type"] == 5
        followup = await fake_discord.next_request("POST", "/webhooks/")
        [embed] = followup.body["embeds"]
        assert embed["url"] == "https://arxiv.org/abs/1707.08567"
        assert "api:1707.08567" in fake_arxiv.hits

        # Cached: answered at once, no second API call.
        hits = len(fake_arxiv.hits)
        iid = await fake_discord.slash("paper", [option("id", "arXiv:1707.08567")],
                                       guild_id=GUILD, channel_id=CHANNELS[0])
        cached = await fake_discord.wait_for_callback(iid)
        assert cached.body["type"] == 4 and cached.body["data"]["embeds"][0]["url"] == embed["url"]
        assert len(fake_arxiv.hits) == hits

        iid = await fake_discord.slash("paper", [option("id", "abc")], guild_id=GUILD, channel_id=CHANNELS[0])
        bad = callback_data(await fake_discord.wait_for_callback(iid))
        assert bad["content"].startswith("'abc' is not an arXiv id") and bad["flags"] == EPHEMERAL

        iid = await fake_discord.slash("paper", [option("id", "2404.99999")], guild_id=GUILD,
                                       channel_id=CHANNELS[0])
        await fake_discord.wait_for_callback(iid)
        unknown = await fake_discord.next_request("POST", "/webhooks/")
        assert unknown.body["content"] == "arXiv has no paper 2404.99999."

        fake_arxiv.api_status = 500
        iid = await fake_discord.slash("paper", [option("id", "2404.19756")], guild_id=GUILD,
                                       channel_id=CHANNELS[0])
        await fake_discord.wait_for_callback(iid)
        down = await fake_discord.next_request("POST", "/webhooks/")
        assert "not answering right now" in down.body["content"]
