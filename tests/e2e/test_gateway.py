"""The gateway as Discord runs it: dropped connections resume and replay what was missed, op 7
asks for a reconnect, and a client that stops heartbeating is timed out. The real bot, with
`reconnect=True` as in production, keeps posting and answering through all of it."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.conftest import CHANNELS, GUILD, BotFactory, Clock, FakeArxiv
from tests.support.fake_discord import TOKEN, FakeDiscord, option

UTC = dt.UTC
NOW = dt.datetime(2025, 4, 28, 6, 0, tzinfo=UTC)


async def wait_until(predicate: object, timeout: float = 10.0, what: str = "") -> None:
    async def poll() -> None:
        while not predicate():  # type: ignore[operator]
            await asyncio.sleep(0.01)
    try:
        await asyncio.wait_for(poll(), timeout)
    except TimeoutError:
        raise AssertionError(f"not within {timeout}s: {what}") from None


async def subscribe_everywhere(fake: FakeDiscord, runtime: object, fake_arxiv: FakeArxiv,
                               fixtures_dir: Path) -> None:
    fake_arxiv.feeds["quant-ph"] = (fixtures_dir / "feeds" / "quant-ph_2025-04-28.xml").read_bytes()
    for channel in CHANNELS:
        iid = await fake.slash("subscribe", [option("profile", "quantum"), option("categories", "quant-ph"),
                                             option("min_score", 0.0), option("max_papers", 30)],
                               guild_id=GUILD, channel_id=channel)
        assert (await fake.answer(iid))["content"].startswith("Subscribed")
    assert [r.status for r in await runtime.cycle.poll()] == ["new"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("abort", [False, True], ids=["close-4000", "cut-tcp"])
async def test_a_gateway_drop_mid_digest_loses_and_repeats_nothing(
        start_bot: BotFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, fixtures_dir: Path,
        abort: bool) -> None:
    async with start_bot(Clock(NOW)) as runtime:
        await subscribe_everywhere(fake_discord, runtime, fake_arxiv, fixtures_dir)
        slot = asyncio.create_task(runtime.cycle.post_due(runtime.store.subscriptions()))
        await wait_until(lambda: len(fake_discord.posted) >= 2, what="the digest started")
        assert await fake_discord.drop_gateway(abort=abort) == 1
        results = await asyncio.wait_for(slot, 60)
        await wait_until(lambda: fake_discord.connected_sessions == 1, what="the client came back")
        # A command after the drop is answered over the resumed session.
        iid = await fake_discord.slash("subscriptions", guild_id=GUILD, channel_id=CHANNELS[0])
        assert (await fake_discord.answer(iid))["content"].startswith("`quantum`")
    assert [r.error for r in results] == ["", "", ""]
    assert len(fake_discord.identifies) == 1 and len(fake_discord.resumes) == 1  # resumed, not re-identified
    for channel, result in zip(CHANNELS, results, strict=True):
        urls = [e["url"] for m in fake_discord.messages(channel) for e in m["embeds"]]
        assert len(urls) == len(set(urls)) == result.papers > 0


async def test_an_interaction_pushed_while_the_gateway_is_down_is_replayed_and_answered(
        start_bot: BotFactory, fake_discord: FakeDiscord) -> None:
    async with start_bot(Clock(NOW)):
        # A command in flight when the connection drops is still answered (over REST).
        busy = await fake_discord.slash("profiles", [option("query", "quantum")], guild_id=GUILD,
                                        channel_id=CHANNELS[0])
        await fake_discord.drop_gateway(abort=True)
        # One pushed while the client is away waits in the session and comes with the RESUME.
        missed = await fake_discord.slash("profiles", [option("query", "graph")], guild_id=GUILD,
                                          channel_id=CHANNELS[0])
        assert "quantum" in (await fake_discord.answer(busy))["content"]
        answer = await fake_discord.answer(missed, timeout=10)
        latency = await fake_discord.callback_latency_s(missed)
    assert "graph" in answer["content"]
    assert fake_discord.replayed >= 1 and len(fake_discord.resumes) == 1
    assert latency < fake_discord.callback_deadline_s  # type: ignore[operator]


async def test_op7_reconnect_resumes_the_session(start_bot: BotFactory, fake_discord: FakeDiscord) -> None:
    async with start_bot(Clock(NOW)):
        await fake_discord.request_reconnect()
        await wait_until(lambda: len(fake_discord.resumes) == 1 and fake_discord.connected_sessions == 1,
                         what="a RESUME after op 7")
        iid = await fake_discord.slash("profiles", [option("query", "quantum")], guild_id=GUILD,
                                       channel_id=CHANNELS[0])
        assert "quantum" in (await fake_discord.answer(iid))["content"]
    assert len(fake_discord.identifies) == 1


async def test_the_bot_heartbeats_in_time_and_a_silent_client_is_timed_out(
        start_bot: BotFactory, fake_discord: FakeDiscord) -> None:
    fake_discord.heartbeat_interval_ms = 200
    async with start_bot(Clock(NOW)):
        await asyncio.sleep(1.2)  # six intervals
        assert fake_discord.heartbeat_timeouts == 0 and fake_discord.connected_sessions == 1

        # A client that identifies and then never heartbeats is closed with 4009, and its
        # session cannot be resumed.
        async with aiohttp.ClientSession() as http, \
                http.ws_connect(f"{fake_discord.gateway_url}?v=10&encoding=json") as ws:
            hello = json.loads((await ws.receive()).data)
            assert hello == {"op": 10, "d": {"heartbeat_interval": 200}}
            await ws.send_json({"op": 2, "d": {"token": TOKEN, "intents": 1, "properties": {},
                                               "shard": [0, 1]}})
            ready = json.loads((await ws.receive()).data)
            assert ready["t"] == "READY"
            session_id = ready["d"]["session_id"]
            while (message := await ws.receive()).type is aiohttp.WSMsgType.TEXT:
                pass  # the guild's GUILD_CREATE, then nothing until the close
            assert message.type is aiohttp.WSMsgType.CLOSE and ws.close_code == 4009
        assert fake_discord.heartbeat_timeouts == 1
        async with aiohttp.ClientSession() as http, \
                http.ws_connect(f"{fake_discord.gateway_url}?v=10&encoding=json") as ws:
            await ws.receive()  # HELLO
            await ws.send_json({"op": 6, "d": {"token": TOKEN, "session_id": session_id, "seq": 1}})
            assert json.loads((await ws.receive()).data) == {"op": 9, "d": False}
        assert fake_discord.connected_sessions == 1  # the bot's own session was never touched
