"""The fake Discord itself: a throwaway discord.py bot logs in, syncs, answers commands and posts."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from discord import app_commands

from tests.e2e.conftest import CHANNELS, GUILD, GUILD_READY_TIMEOUT_S, ClientRunner
from tests.support.fake_discord import (
    APP_ID,
    EPHEMERAL,
    MANAGE_CHANNELS,
    TOKEN,
    FakeDiscord,
    option,
)

TOPICS = ["quantum optics", "quantum computing", "neural operators"]


class TinyBot(discord.Client):
    """A slash-only client with one command per kind of answer the fake must handle."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents(guilds=True), guild_ready_timeout=GUILD_READY_TIMEOUT_S)
        self.tree = app_commands.CommandTree(self)
        self.command_errors: asyncio.Queue[app_commands.AppCommandError] = asyncio.Queue()

        @self.tree.error
        async def record_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
            self.command_errors.put_nowait(error)

        @self.tree.command()
        async def ping(interaction: discord.Interaction) -> None:
            """Check that the bot answers."""
            await interaction.response.send_message("pong", ephemeral=True)

        @self.tree.command()
        @app_commands.describe(name="The topic's name")
        async def topic(interaction: discord.Interaction, name: str, limit: int = 5) -> None:
            """Pick a topic, with suggestions as you type."""
            await interaction.response.send_message(f"topic {name} ({limit})", ephemeral=True)

        @topic.autocomplete("name")
        async def topic_names(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=t, value=t) for t in TOPICS if t.startswith(current)]

        @self.tree.command()
        async def slow(interaction: discord.Interaction) -> None:
            """Think first, then answer."""
            await interaction.response.defer(thinking=True)
            await interaction.followup.send("done thinking")

        @self.tree.command()
        @app_commands.default_permissions(manage_channels=True)
        async def configure(interaction: discord.Interaction) -> None:
            """Configure this channel (moderators only)."""
            allowed = interaction.permissions.manage_channels
            await interaction.response.send_message(f"manage_channels={allowed}", ephemeral=True)

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def announce(self, channel_id: int) -> discord.Message:
        """What a daily job does: post two embeds, mentioning nobody."""
        channel = self.get_channel(channel_id)
        assert isinstance(channel, discord.TextChannel)
        embeds = [
            discord.Embed(title="First paper", description="An abstract.", url="https://arxiv.org/abs/1"),
            discord.Embed(title="Second paper", description="Another one."),
        ]
        return await channel.send(embeds=embeds, allowed_mentions=discord.AllowedMentions.none())


@pytest.fixture
async def bot(run_client: ClientRunner) -> AsyncIterator[TinyBot]:
    async with run_client(TinyBot()) as client:
        assert isinstance(client, TinyBot)
        yield client


async def test_client_is_ready_with_the_guild_channels_and_its_member(
    bot: TinyBot, fake_discord: FakeDiscord
) -> None:
    guild = bot.get_guild(GUILD)
    assert guild is not None and not guild.unavailable
    assert [c.id for c in guild.text_channels] == CHANNELS
    assert bot.user is not None and guild.me.id == bot.user.id == bot.application_id == APP_ID
    assert guild.me.guild_permissions.send_messages and guild.me.guild_permissions.embed_links
    # discord.py asked for a zlib-compressed stream and decoded the fake's compressed frames.
    assert fake_discord.gateway_queries == [{"v": "10", "encoding": "json", "compress": "zlib-stream"}]
    [identify] = fake_discord.identifies
    assert identify["token"] == TOKEN and identify["intents"] == discord.Intents(guilds=True).value
    login = await fake_discord.next_request("GET", "/users/@me")
    assert login.headers["Authorization"] == f"Bot {TOKEN}"


async def test_commands_are_synced_with_descriptions_and_default_permissions(
    bot: TinyBot, fake_discord: FakeDiscord
) -> None:
    put = await fake_discord.next_request("PUT", f"/applications/{APP_ID}/commands")
    sent = {c["name"]: c for c in put.body}
    assert {name: c["description"] for name, c in sent.items()} == {
        "ping": "Check that the bot answers.",
        "topic": "Pick a topic, with suggestions as you type.",
        "slow": "Think first, then answer.",
        "configure": "Configure this channel (moderators only).",
    }
    assert str(sent["configure"]["default_member_permissions"]) == str(MANAGE_CHANNELS)
    assert sent["ping"]["default_member_permissions"] is None
    [name, limit] = sent["topic"]["options"]
    assert (name["name"], name["description"], name["autocomplete"], name["required"]) == (
        "name",
        "The topic's name",
        True,
        True,
    )
    assert (limit["name"], limit["type"], limit["required"]) == ("limit", 4, False)
    assert all(c["id"] for c in fake_discord.commands["global"])
    assert [c.name for c in await bot.tree.fetch_commands()] == list(sent)


async def test_ephemeral_answer_arrives_as_a_callback(bot: TinyBot, fake_discord: FakeDiscord) -> None:
    iid = await fake_discord.slash_command("ping")
    callback = await fake_discord.wait_for_callback(iid)
    assert callback.body["type"] == 4
    assert (callback.body["data"]["content"], callback.body["data"]["flags"]) == ("pong", EPHEMERAL)
    assert callback.query == {"with_response": "1"}
    assert fake_discord.statuses[callback.seq] == 200
    assert 0 < await fake_discord.callback_latency_s(iid) < 3
    original = fake_discord.original_response(iid)
    assert original is not None and original["content"] == "pong"


async def test_options_and_autocomplete(bot: TinyBot, fake_discord: FakeDiscord) -> None:
    iid = await fake_discord.autocomplete("topic", "name", "quantum", channel_id=CHANNELS[1])
    suggestions = await fake_discord.wait_for_callback(iid)
    assert suggestions.body == {
        "type": 8,
        "data": {
            "choices": [
                {"name": "quantum optics", "value": "quantum optics"},
                {"name": "quantum computing", "value": "quantum computing"},
            ]
        },
    }

    iid = await fake_discord.slash_command("topic", [option("name", "quantum optics"), option("limit", 3)])
    answer = await fake_discord.wait_for_callback(iid)
    assert answer.body["data"]["content"] == "topic quantum optics (3)"


async def test_deferred_answer_then_followup(bot: TinyBot, fake_discord: FakeDiscord) -> None:
    iid = await fake_discord.slash_command("slow", guild_id=GUILD, channel_id=CHANNELS[2])
    deferred = await fake_discord.wait_for_callback(iid)
    assert deferred.body == {"type": 5}
    followup = await fake_discord.next_request("POST", f"/webhooks/{APP_ID}/")
    assert followup.body["content"] == "done thinking"
    assert fake_discord.followups(iid) == [followup]


async def test_permissions_reach_the_command(bot: TinyBot, fake_discord: FakeDiscord) -> None:
    # Discord itself hides commands from members without default_member_permissions; the fake
    # delivers whatever it is told, so a bot's own checks can be exercised too.
    allowed = await fake_discord.slash_command("configure", permissions=MANAGE_CHANNELS)
    denied = await fake_discord.slash_command("configure", permissions=0)
    assert (await fake_discord.wait_for_callback(allowed)).body["data"]["content"] == "manage_channels=True"
    assert (await fake_discord.wait_for_callback(denied)).body["data"]["content"] == "manage_channels=False"


async def test_direct_message_interaction(bot: TinyBot, fake_discord: FakeDiscord) -> None:
    iid = await fake_discord.slash_command("ping", dm=True)
    assert (await fake_discord.wait_for_callback(iid)).body["data"]["content"] == "pong"


async def test_channel_message_carries_embeds_and_no_mentions(
    bot: TinyBot, fake_discord: FakeDiscord
) -> None:
    sending = asyncio.create_task(bot.announce(CHANNELS[0]))
    post = await fake_discord.next_request("POST", f"/channels/{CHANNELS[0]}/messages")
    assert [e["title"] for e in post.body["embeds"]] == ["First paper", "Second paper"]
    assert post.body["allowed_mentions"] == {"parse": []}
    message = await sending
    [stored] = fake_discord.messages(CHANNELS[0])
    assert message.id == int(stored["id"]) and message.channel.id == CHANNELS[0]
    assert [e.title for e in message.embeds] == ["First paper", "Second paper"]


async def test_attachments_arrive_as_multipart(bot: TinyBot, fake_discord: FakeDiscord) -> None:
    channel = bot.get_channel(CHANNELS[0])
    assert isinstance(channel, discord.TextChannel)
    await channel.send("the full list", file=discord.File(io.BytesIO(b"2501.00001\n"), "digest.txt"))
    post = await fake_discord.next_request("POST", f"/channels/{CHANNELS[0]}/messages")
    assert (post.body["content"], post.files) == ("the full list", ("digest.txt",))


async def test_forbidden_and_unknown_channels_raise(bot: TinyBot, fake_discord: FakeDiscord) -> None:
    fake_discord.fail_channel(CHANNELS[1], 403)
    fake_discord.fail_channel(CHANNELS[2], 404)
    with pytest.raises(discord.Forbidden) as forbidden:
        await bot.announce(CHANNELS[1])
    with pytest.raises(discord.NotFound) as missing:
        await bot.announce(CHANNELS[2])
    assert (forbidden.value.code, missing.value.code) == (50001, 10003)
    assert fake_discord.messages(CHANNELS[1]) == fake_discord.messages(CHANNELS[2]) == []


async def test_messages_fail_after_the_nth(bot: TinyBot, fake_discord: FakeDiscord) -> None:
    fake_discord.fail_messages_after = 1
    await bot.announce(CHANNELS[0])
    with pytest.raises(discord.HTTPException) as crashed:
        await bot.announce(CHANNELS[0])
    assert crashed.value.status == fake_discord.fail_messages_status
    assert len(fake_discord.messages(CHANNELS[0])) == 1


async def test_rate_limits_are_retried_only_with_a_via_header(
    bot: TinyBot, fake_discord: FakeDiscord
) -> None:
    path = f"/channels/{CHANNELS[0]}/messages"
    fake_discord.rate_limit("POST", path, retry_after_s=0.01)
    await bot.announce(CHANNELS[0])
    assert [fake_discord.statuses[r.seq] for r in fake_discord.requests if r.path == path] == [429, 200]

    fake_discord.rate_limit("POST", path, via=False)
    with pytest.raises(discord.HTTPException) as limited:
        await bot.announce(CHANNELS[0])
    assert limited.value.status == 429
    assert len(fake_discord.messages(CHANNELS[0])) == 1


async def test_late_or_repeated_callbacks_are_refused(bot: TinyBot, fake_discord: FakeDiscord) -> None:
    fake_discord.callback_deadline_s = 0.0  # as if the bot took longer than Discord's 3 seconds
    iid = await fake_discord.slash_command("ping")
    late = await fake_discord.wait_for_callback(iid)
    assert fake_discord.statuses[late.seq] == 404
    error = await asyncio.wait_for(bot.command_errors.get(), 5)
    assert isinstance(error, app_commands.CommandInvokeError)
    assert isinstance(error.original, discord.NotFound) and error.original.code == 10062
    assert [i for i, _ in fake_discord.late_callbacks] == [iid]
    fake_discord.late_callbacks.clear()  # seen, and meant

    fake_discord.callback_deadline_s = 3.0
    iid = await fake_discord.slash_command("ping")
    await fake_discord.wait_for_callback(iid)
    token = fake_discord.interactions[iid]["token"]
    url = f"{fake_discord.api_base}/interactions/{iid}/{token}/callback"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"type": 4, "data": {"content": "again"}}) as again,
    ):  # a second answer
        assert (again.status, (await again.json())["code"]) == (400, 40060)


async def test_callback_types_must_fit_the_interaction(bot: TinyBot, fake_discord: FakeDiscord) -> None:
    """An autocomplete result (8) to a slash command, or a message (4) to an autocomplete, is
    refused as Discord refuses it; the interaction stays open for a valid answer."""
    iid = await fake_discord.slash_command("not-a-command")  # the bot leaves it unanswered
    await asyncio.wait_for(bot.command_errors.get(), 5)
    token = fake_discord.interactions[iid]["token"]
    url = f"{fake_discord.api_base}/interactions/{iid}/{token}/callback"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"type": 8, "data": {"choices": []}}) as wrong:
            refused = await wrong.json()
        assert wrong.status == 400 and refused["code"] == 50035
        assert refused["errors"]["type"]["_errors"][0]["code"] == "INTERACTION_RESPONSE_TYPE_INVALID"
        async with session.post(url, json={"type": 4, "data": {"content": "fine"}}) as right:
            assert right.status == 200

        # An autocomplete the bot does not know of goes unanswered; a message is no answer to it.
        iid = await fake_discord.autocomplete("not-a-command", "name", "qu")
        token = fake_discord.interactions[iid]["token"]
        url = f"{fake_discord.api_base}/interactions/{iid}/{token}/callback"
        async with session.post(url, json={"type": 4, "data": {"content": "no"}}) as wrong:
            assert wrong.status == 400
        async with session.post(url, json={"type": 8, "data": {"choices": []}}) as right:
            assert right.status == 200


async def test_followups_need_a_token_younger_than_15_minutes(
    bot: TinyBot, fake_discord: FakeDiscord
) -> None:
    iid = await fake_discord.slash_command("slow")
    await fake_discord.answer(iid)  # deferred, then followed up in time
    token = fake_discord.interactions[iid]["token"]
    url = f"{fake_discord.api_base}/webhooks/{APP_ID}/{token}"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"content": "a quarter of an hour on"}) as fresh:
            assert fresh.status == 200
        fake_discord.age_interaction(iid, 16 * 60)
        async with session.post(url, json={"content": "too late"}) as stale:
            assert (stale.status, (await stale.json())["code"]) == (401, 50027)
        async with session.patch(f"{url}/messages/@original", json={"content": "edit"}) as edit:
            assert edit.status == 401


async def test_first_followup_after_a_defer_resolves_the_thinking_message(
    bot: TinyBot, fake_discord: FakeDiscord
) -> None:
    iid = await fake_discord.slash_command("not-a-command")  # the bot leaves it unanswered
    assert isinstance(await asyncio.wait_for(bot.command_errors.get(), 5), app_commands.CommandNotFound)
    token = fake_discord.interactions[iid]["token"]
    webhook = f"{fake_discord.api_base}/webhooks/{APP_ID}/{token}"
    async with aiohttp.ClientSession() as session:

        async def post(url: str, body: dict) -> dict:  # type: ignore[type-arg]
            async with session.post(url, json=body) as response:
                assert response.status == 200
                return await response.json()  # type: ignore[no-any-return]

        await post(f"{fake_discord.api_base}/interactions/{iid}/{token}/callback", {"type": 5})
        resolved = await post(webhook, {"content": "only for you?", "flags": EPHEMERAL})
        original = fake_discord.original_response(iid)
        assert original is not None and resolved["id"] == original["id"]
        assert (original["content"], original["flags"]) == ("only for you?", 0)  # public, as deferred

        async with session.delete(f"{webhook}/messages/@original") as deleted:
            assert deleted.status == 204
        assert fake_discord.original_response(iid) is None
        fresh = await post(webhook, {"content": "only for you", "flags": EPHEMERAL})
        assert fresh["id"] != original["id"] and fresh["flags"] == EPHEMERAL


def _at(errors: dict, path: tuple[str, ...]) -> list[dict]:  # type: ignore[type-arg]
    for key in path:
        errors = errors[key]
    return errors["_errors"]  # type: ignore[no-any-return]


def _command(**option_fields: object) -> dict:  # type: ignore[type-arg]
    option = {"type": 3, "name": "topic", "description": "A topic", **option_fields}
    return {"name": "digest", "description": "Show the digest", "type": 1, "options": [option]}


BAD_REQUESTS = [  # (what, method, path, body, where Discord says the error is)
    (
        "field name of 257",
        "POST",
        "/channels/{channel}/messages",
        {"embeds": [{"title": "t", "fields": [{"name": "n" * 257, "value": "v"}]}]},
        ("embeds", "0", "fields", "0", "name"),
    ),
    (
        "field value of 1,025",
        "POST",
        "/channels/{channel}/messages",
        {"embeds": [{"title": "t", "fields": [{"name": "n", "value": "v" * 1025}]}]},
        ("embeds", "0", "fields", "0", "value"),
    ),
    (
        "empty field name",
        "POST",
        "/channels/{channel}/messages",
        {"embeds": [{"title": "t", "fields": [{"name": "", "value": "v"}]}]},
        ("embeds", "0", "fields", "0", "name"),
    ),
    (
        "footer of 2,049",
        "POST",
        "/channels/{channel}/messages",
        {"embeds": [{"title": "t", "footer": {"text": "f" * 2049}}]},
        ("embeds", "0", "footer", "text"),
    ),
    (
        "author name of 257",
        "POST",
        "/channels/{channel}/messages",
        {"embeds": [{"title": "t", "author": {"name": "a" * 257}}]},
        ("embeds", "0", "author", "name"),
    ),
    ("content of 2,001", "POST", "/channels/{channel}/messages", {"content": "c" * 2001}, ("content",)),
    (
        "bogus mention kind",
        "POST",
        "/channels/{channel}/messages",
        {"content": "hi", "allowed_mentions": {"parse": ["bogus"]}},
        ("allowed_mentions", "parse", "0"),
    ),
    ("callback type 99", "POST", "/interactions/1/tok/callback", {"type": 99}, ("type",)),
    (
        "autocomplete choice of 101",
        "POST",
        "/interactions/1/tok/callback",
        {"type": 8, "data": {"choices": [{"name": "x" * 101, "value": "x"}]}},
        ("data", "choices", "0", "name"),
    ),
    (
        "26 autocomplete choices",
        "POST",
        "/interactions/1/tok/callback",
        {"type": 8, "data": {"choices": [{"name": f"c{n}", "value": f"c{n}"} for n in range(26)]}},
        ("data", "choices"),
    ),
    (
        "option description of 101",
        "PUT",
        f"/applications/{APP_ID}/commands",
        [_command(description="d" * 101)],
        ("0", "options", "0", "description"),
    ),
    (
        "duplicate option names",
        "PUT",
        f"/applications/{APP_ID}/commands",
        [{**_command(), "options": [_command()["options"][0]] * 2}],
        ("0", "options", "1", "name"),
    ),
    (
        "required option after an optional one",
        "PUT",
        f"/applications/{APP_ID}/commands",
        [
            {
                **_command(),
                "options": [
                    {**_command()["options"][0], "name": "a"},
                    {**_command()["options"][0], "name": "b", "required": True},
                ],
            }
        ],
        ("0", "options", "1", "required"),
    ),
    (
        "upper-case command name",
        "PUT",
        f"/applications/{APP_ID}/commands",
        [{**_command(), "name": "Digest"}],
        ("0", "name"),
    ),
]


@pytest.mark.parametrize(
    ("what", "method", "path", "body", "where"), BAD_REQUESTS, ids=[case[0] for case in BAD_REQUESTS]
)
async def test_requests_discord_refuses_get_its_nested_400(
    bot: TinyBot,
    fake_discord: FakeDiscord,
    what: str,
    method: str,
    path: str,
    body: object,
    where: tuple[str, ...],
) -> None:
    url = fake_discord.api_base + path.format(channel=CHANNELS[0])
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bot {TOKEN}"}) as session,
        session.request(method, url, json=body) as response,
    ):
        answer = await response.json()
    assert response.status == 400, what
    assert (answer["code"], answer["message"]) == (50035, "Invalid Form Body")
    assert _at(answer["errors"], where)[0]["code"].isupper(), answer
    assert len(fake_discord.refused) == 1 and fake_discord.messages(CHANNELS[0]) == []
    fake_discord.refused.clear()  # refused on purpose


@pytest.mark.parametrize("name", ["नमस्ते", "สวัสดี", "résumé", "digest_2"])
async def test_command_names_in_other_scripts_are_accepted(
    bot: TinyBot, fake_discord: FakeDiscord, name: str
) -> None:
    url = f"{fake_discord.api_base}/applications/{APP_ID}/guilds/{GUILD}/commands"
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bot {TOKEN}"}) as session,
        session.put(url, json=[{**_command(), "name": name}]) as response,
    ):
        assert response.status == 200, await response.text()
    assert [c["name"] for c in fake_discord.commands[f"guild:{GUILD}"]] == [name]


async def test_a_body_that_is_not_json_gets_400_50109(bot: TinyBot, fake_discord: FakeDiscord) -> None:
    url = f"{fake_discord.api_base}/channels/{CHANNELS[0]}/messages"
    headers = {"Authorization": f"Bot {TOKEN}", "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.post(url, data=b'{"content": "unterminated') as response,
    ):
        assert response.status == 400
        assert await response.json() == {"code": 50109, "message": "The request body contains invalid JSON."}
