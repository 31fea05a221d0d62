"""A small Discord stand-in on 127.0.0.1: the REST routes and gateway events discord.py uses.

Every request is recorded (with its arrival time) in a list and a queue, so tests await what
the bot sent instead of sleeping. Channels can be told to answer 403 or 404, and message posts
can be made to fail after a number of successes, to simulate a crash mid-digest.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

APP_ID = 900000000000000001
BOT_ID = APP_ID
OWNER_ID = 900000000000000002
MANAGE_CHANNELS = 1 << 4
ADMIN_PERMISSIONS = str((1 << 41) - 1)

Json = dict[str, Any]


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    body: Any
    headers: dict[str, str]
    at: float = field(default_factory=time.perf_counter)


def _user(user_id: int, name: str, bot: bool = False) -> Json:
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": name,
            "avatar": None, "bot": bot, "flags": 0, "public_flags": 0}


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py only decodes a body whose Content-Type is exactly application/json (no charset).
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json"})


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"code": code, "message": message}, status)


class FakeDiscord:
    """Plays Discord's REST API under /api/v10 and its gateway websocket under /gateway."""

    def __init__(self, guilds: dict[int, list[int]] | None = None) -> None:
        self.guilds = guilds or {}
        self.requests: list[Recorded] = []
        self._queue: asyncio.Queue[Recorded] = asyncio.Queue()
        self.commands: dict[str, list[Json]] = {}
        self.channel_errors: dict[int, int] = {}
        self.fail_messages_after: int | None = None
        self.posted: list[Json] = []
        self.pushed_at: dict[str, float] = {}
        self._ids = itertools.count(1_000_000_000_000_000_000)
        self._sockets: list[web.WebSocketResponse] = []
        self._sequence = 0
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"{self.url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.url.removeprefix('http://')}/gateway"

    # -- what tests await -----------------------------------------------------------------

    async def next_request(self, method: str, path_prefix: str, timeout: float = 5.0) -> Recorded:
        """The next request (from now on in the queue) matching method and path prefix."""
        async def find() -> Recorded:
            while True:
                req = await self._queue.get()
                if req.method == method and req.path.startswith(path_prefix):
                    return req
        return await asyncio.wait_for(find(), timeout)

    async def wait_for_callback(self, interaction_id: str, timeout: float = 5.0) -> Recorded:
        """The callback the bot sent for one interaction."""
        return await self.wait_for(lambda r: r.path.startswith(f"/interactions/{interaction_id}/"), timeout)

    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> Recorded:
        """The first recorded request (past or future) matching the predicate."""
        async def find() -> Recorded:
            while True:
                for req in self.requests:
                    if predicate(req):
                        return req
                await asyncio.sleep(0.005)
        return await asyncio.wait_for(find(), timeout)

    def messages(self, channel_id: int) -> list[Json]:
        """The messages posted to one channel, in order."""
        return [m for m in self.posted if m["channel_id"] == str(channel_id)]

    def followups(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path.startswith("/webhooks/")]

    # -- REST -----------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body = await request.json() if request.can_read_body and request.content_type == "application/json" else None
        if body is None and request.can_read_body and request.content_type.startswith("multipart"):
            body = await self._multipart_json(request)
        record = Recorded(request.method, path, body, dict(request.headers))
        self.requests.append(record)
        self._queue.put_nowait(record)
        return self._route(request.method, path.split("/")[1:], body, request)

    async def _multipart_json(self, request: web.Request) -> Any:
        reader = await request.multipart()
        async for part in reader:
            if getattr(part, "name", None) == "payload_json":
                return json.loads(await part.text())  # type: ignore[union-attr]
        return None

    def _route(self, method: str, parts: list[str], body: Any, request: web.Request) -> web.Response:
        head = parts[0] if parts else ""
        if parts == ["users", "@me"]:
            return _json(_user(BOT_ID, "digest-bot", bot=True))
        if parts == ["oauth2", "applications", "@me"]:
            return _json(self._application())
        if head == "gateway":
            return _json({"url": self.gateway_url, "shards": 1,
                          "session_start_limit": {"total": 1000, "remaining": 1000,
                                                  "reset_after": 0, "max_concurrency": 1}})
        if head == "applications":
            return self._commands(method, parts, body)
        if head == "interactions":
            return self._callback(parts, body)
        if head == "webhooks":
            return self._webhook(method, parts, body)
        if head == "channels":
            return self._channel(method, int(parts[1]), parts[2:], body)
        return _error(404, 0, f"fake Discord has no route {method} /{'/'.join(parts)}")

    def _application(self) -> Json:
        return {"id": str(APP_ID), "name": "arxiv-digest", "icon": None, "description": "",
                "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64,
                "owner": _user(OWNER_ID, "owner"), "flags": 0, "interactions_endpoint_url": None,
                "team": None, "summary": "", "rpc_origins": []}

    def _commands(self, method: str, parts: list[str], body: Any) -> web.Response:
        scope = "global" if len(parts) == 3 else f"guild:{parts[3]}"
        if method == "PUT":
            stored = [{**cmd, "id": str(next(self._ids)), "application_id": str(APP_ID), "version": "1",
                       "default_member_permissions": cmd.get("default_member_permissions"),
                       "type": cmd.get("type", 1)} for cmd in body]
            self.commands[scope] = stored
        return _json(self.commands.get(scope, []))

    def _callback(self, parts: list[str], body: Json) -> web.Response:
        interaction_id = parts[1]
        data = body.get("data") or {}
        message = self._message(0, data) if body["type"] in (4, 5) else None
        flags = data.get("flags", 0) or 0
        return _json({
            "interaction": {"id": interaction_id, "type": 2, "response_message_id": message and message["id"],
                            "response_message_loading": body["type"] == 5,
                            "response_message_ephemeral": bool(flags & 64)},
            "resource": {"type": body["type"], **({"message": message} if message else {})},
        })

    def _webhook(self, method: str, parts: list[str], body: Any) -> web.Response:
        return _json(self._message(0, body or {}))

    def _channel(self, method: str, channel_id: int, rest: list[str], body: Any) -> web.Response:
        status = self.channel_errors.get(channel_id)
        if status == 404 or not any(channel_id in chans for chans in self.guilds.values()):
            return _error(404, 10003, "Unknown Channel")
        if status == 403:
            return _error(403, 50001, "Missing Access")
        if method == "GET" and not rest:
            return _json(self._channel_payload(channel_id))
        if method == "POST" and rest == ["messages"]:
            if self.fail_messages_after is not None and len(self.posted) >= self.fail_messages_after:
                return _error(400, 0, "simulated crash: the bot stops here")
            message = self._message(channel_id, body)
            self.posted.append(message)
            return _json(message)
        return _error(404, 0, "no such channel route in the fake")

    def _message(self, channel_id: int, body: Json) -> Json:
        return {"id": str(next(self._ids)), "channel_id": str(channel_id), "type": 0,
                "author": _user(BOT_ID, "digest-bot", bot=True), "content": body.get("content") or "",
                "embeds": body.get("embeds") or [], "allowed_mentions": body.get("allowed_mentions"),
                "flags": body.get("flags", 0) or 0, "timestamp": "2026-01-01T00:00:00+00:00",
                "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
                "mention_roles": [], "attachments": [], "pinned": False, "components": []}

    def _guild_of(self, channel_id: int) -> int:
        return next(g for g, chans in self.guilds.items() if channel_id in chans)

    def _channel_payload(self, channel_id: int) -> Json:
        return {"id": str(channel_id), "type": 0, "name": f"papers-{channel_id % 1000}",
                "guild_id": str(self._guild_of(channel_id)), "position": 0,
                "permission_overwrites": [], "nsfw": False, "topic": None, "parent_id": None,
                "rate_limit_per_user": 0, "last_message_id": None, "flags": 0}

    # -- gateway --------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                if payload["op"] == 1:
                    await ws.send_json({"op": 11})
                elif payload["op"] == 2:
                    await self._ready(ws)
        finally:
            self._sockets.remove(ws)
        return ws

    async def _dispatch(self, ws: web.WebSocketResponse, event: str, data: Json) -> None:
        self._sequence += 1
        await ws.send_json({"op": 0, "t": event, "s": self._sequence, "d": data})

    async def _ready(self, ws: web.WebSocketResponse) -> None:
        await self._dispatch(ws, "READY", {
            "v": 10, "user": _user(BOT_ID, "digest-bot", bot=True), "session_id": "fake-session",
            "resume_gateway_url": self.gateway_url, "shard": [0, 1],
            "application": {"id": str(APP_ID), "flags": 0},
            "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
        })
        for guild_id, channels in self.guilds.items():
            await self._dispatch(ws, "GUILD_CREATE", self._guild_payload(guild_id, channels))

    def _member(self, user_id: int, permissions: str) -> Json:
        return {"user": _user(user_id, f"user{user_id}", bot=user_id == BOT_ID), "roles": [],
                "joined_at": "2026-01-01T00:00:00+00:00", "deaf": False, "mute": False, "flags": 0,
                "permissions": permissions, "nick": None, "avatar": None, "pending": False}

    def _guild_payload(self, guild_id: int, channels: list[int]) -> Json:
        everyone = {"id": str(guild_id), "name": "@everyone", "permissions": ADMIN_PERMISSIONS,
                    "position": 0, "color": 0, "hoist": False, "managed": False, "mentionable": False,
                    "flags": 0}
        return {
            "id": str(guild_id), "name": f"guild {guild_id}", "icon": None, "owner_id": str(OWNER_ID),
            "roles": [everyone], "emojis": [], "stickers": [], "features": [], "member_count": 2,
            "members": [self._member(BOT_ID, ADMIN_PERMISSIONS)], "presences": [], "voice_states": [],
            "channels": [{k: v for k, v in self._channel_payload(c).items() if k != "guild_id"}
                         for c in channels],
            "threads": [], "unavailable": False, "large": False, "verification_level": 0,
            "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0,
            "premium_tier": 0, "preferred_locale": "en-US", "nsfw_level": 0, "system_channel_flags": 0,
            "joined_at": "2026-01-01T00:00:00+00:00",
        }

    async def push_interaction(self, data: Json, *, kind: int = 2, guild_id: int, channel_id: int,
                               user_id: int = 42, permissions: int = MANAGE_CHANNELS) -> str:
        """Push an INTERACTION_CREATE to every connected client; returns the interaction id."""
        interaction_id = str(next(self._ids))
        payload = {
            "id": interaction_id, "application_id": str(APP_ID), "type": kind,
            "token": f"token-{interaction_id}", "version": 1, "data": {**data, "guild_id": str(guild_id)},
            "guild_id": str(guild_id), "channel_id": str(channel_id),
            "channel": self._channel_payload(channel_id),
            "member": self._member(user_id, str(permissions)), "app_permissions": ADMIN_PERMISSIONS,
            "locale": "en-US", "guild_locale": "en-US", "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild_id)}, "context": 0,
            "attachment_size_limit": 8388608,
        }
        self.pushed_at[interaction_id] = time.perf_counter()
        for ws in self._sockets:
            await self._dispatch(ws, "INTERACTION_CREATE", payload)
        return interaction_id

    def command_id(self, name: str) -> str:
        for commands in self.commands.values():
            for cmd in commands:
                if cmd["name"] == name:
                    return str(cmd["id"])
        return "0"

    async def slash(self, name: str, options: list[Json] | None = None, *, guild_id: int, channel_id: int,
                    subcommand: str | None = None, permissions: int = MANAGE_CHANNELS,
                    user_id: int = 42) -> str:
        """Push a slash command (optionally a subcommand of a group) with its options."""
        opts = [{"type": 1, "name": subcommand, "options": options or []}] if subcommand else options or []
        data = {"id": self.command_id(name), "name": name, "type": 1, "options": opts}
        return await self.push_interaction(data, guild_id=guild_id, channel_id=channel_id,
                                           permissions=permissions, user_id=user_id)

    async def autocomplete(self, name: str, option: str, value: str, *, guild_id: int, channel_id: int,
                           subcommand: str | None = None) -> str:
        """Push an autocomplete request for one focused string option."""
        focused = [{"type": 3, "name": option, "value": value, "focused": True}]
        opts = [{"type": 1, "name": subcommand, "options": focused}] if subcommand else focused
        data = {"id": self.command_id(name), "name": name, "type": 1, "options": opts}
        return await self.push_interaction(data, kind=4, guild_id=guild_id, channel_id=channel_id)


def option(name: str, value: Any) -> Json:
    """A slash-command option value, typed from the Python value."""
    kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 10 if isinstance(value, float) else 3
    return {"name": name, "type": kind, "value": value}
