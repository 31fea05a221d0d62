"""A Discord stand-in on 127.0.0.1 that the real discord.py client logs in to, connects to and talks to.

REST lives under /api/v10, the gateway websocket under /gateway, and files attached to slash
commands under /ephemeral-attachments (the CDN) and /media/ephemeral-attachments (its proxy).
Every REST request is recorded with its arrival time, so tests await what the bot sent instead of
sleeping. Failures are scripted per test: 403/404 channels, a crash after N messages, 429s and any
other status on any route.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import time
import zlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import quote

from aiohttp import BodyPartReader, WSMsgType, web

from tests.support.discord_contract import (
    Contract,
    error_tree,
    invalid_form_body,
    malformed_body_error,
    message_problems,
)
from tests.support.fake_limits import RateLimiter

Json = dict[str, Any]
Handler = Callable[["Recorded", Mapping[str, str]], web.Response]

API = "/api/v10"
APP_ID = 900000000000000001
BOT_ID = APP_ID  # a bot user shares its application's id
OWNER_ID = 900000000000000002
USER_ID = 900000000000000042
TOKEN = "fake.discord.token-value"
TIMESTAMP = "2026-01-01T00:00:00+00:00"
HEARTBEAT_INTERVAL_MS = 41250
HEARTBEAT_GRACE = 1.5  # a client may be this many intervals late before its session times out
REPLAY_FRAMES = 5000  # dispatches a session keeps for RESUME
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
ATTACHMENT_OPTION = 11  # an option whose value is an attachment id, resolved in `data.resolved`
CDN_PATH = "/ephemeral-attachments"  # where Discord's CDN keeps files attached to commands
PROXY_PATH = "/media/ephemeral-attachments"  # the same files through its media proxy

EPHEMERAL = 1 << 6
LOADING = 1 << 7
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_APPLICATION_COMMANDS = 1 << 31
EVERYONE_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY | USE_APPLICATION_COMMANDS
BOT_PERMISSIONS = EVERYONE_PERMISSIONS | EMBED_LINKS | ATTACH_FILES
MODERATOR_PERMISSIONS = EVERYONE_PERMISSIONS | MANAGE_CHANNELS


@dataclass(frozen=True, slots=True)
class Recorded:
    """One REST request: `path` is below /api/v10; `at` is `time.perf_counter()` on arrival."""

    seq: int
    method: str
    path: str
    query: dict[str, str]
    body: Any  # decoded JSON (a multipart request's payload_json), else None
    headers: dict[str, str]
    at: float
    files: tuple[str, ...] = ()
    malformed: bool = False  # the body was not valid JSON


@dataclass(slots=True)
class _Fault:
    method: str
    path_prefix: str
    response: Callable[[], web.Response]
    times: int | None


# -- payloads ---------------------------------------------------------------------------------


def _json(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    # discord.py decodes a body only if its Content-Type is exactly application/json (no charset).
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _decoded(response: web.Response) -> Any:
    body = response.body
    if not isinstance(body, bytes) or not body:
        return None
    return json.loads(body)


GLOBAL_EXEMPT = ("/interactions/", "/webhooks/{app}/{token}")  # Discord's interaction endpoints


def _major(params: Mapping[str, str]) -> str:
    """A bucket's major parameter: the channel, the guild, or the webhook id and token."""
    if "channel" in params:
        return f"channel:{params['channel']}"
    if "guild" in params:
        return f"guild:{params['guild']}"
    if "token" in params:
        return f"webhook:{params.get('app') or params.get('id')}:{params['token']}"
    return ""


def _error(status: int, code: int, message: str, errors: Json | None = None) -> web.Response:
    return _json({"code": code, "message": message, **({"errors": errors} if errors else {})}, status)


def _invalid_form(errors: Json) -> web.Response:
    return _json({"code": 50035, "message": "Invalid Form Body", "errors": errors}, 400)


def user_payload(user_id: int, name: str, *, bot: bool = False) -> Json:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
        "system": False,
        "flags": 0,
        "public_flags": 0,
        "primary_guild": None,
    }


def member_payload(user_id: int, permissions: int, roles: Sequence[int] = ()) -> Json:
    """A guild member; `flags` is required by discord.py, `permissions` only in interactions."""
    return {
        "user": user_payload(user_id, f"user{user_id}", bot=user_id == BOT_ID),
        "roles": [str(r) for r in roles],
        "joined_at": TIMESTAMP,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "permissions": str(permissions),
        "nick": None,
        "avatar": None,
        "pending": False,
    }


def channel_payload(channel_id: int, guild_id: int) -> Json:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
        "name": f"channel-{channel_id}",
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "topic": None,
        "parent_id": None,
        "rate_limit_per_user": 0,
        "last_message_id": None,
        "flags": 0,
    }


def embed_payload(embed: Json) -> Json:
    """An embed as Discord returns it: typed "rich", nulls dropped, fields' `inline` filled."""
    out = {k: v for k, v in embed.items() if v is not None}
    if "fields" in out:
        out["fields"] = [
            {"inline": False, **{k: v for k, v in f.items() if v is not None}} for f in out["fields"]
        ]
    return {**out, "type": embed.get("type") or "rich"}


def message_payload(
    message_id: int,
    channel_id: int,
    body: Json,
    *,
    kind: int = 0,
    flags: int = 0,
    webhook_id: int | None = None,
) -> Json:
    """A message as the fake keeps it; `allowed_mentions` is what the bot sent, kept for the
    tests and left out of answers (`public`)."""
    return {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "type": kind,
        "author": user_payload(BOT_ID, "digest-bot", bot=True),
        "content": body.get("content") or "",
        "embeds": [embed_payload(e) for e in body.get("embeds") or []],
        "components": components_payload(body.get("components") or []),
        "attachments": [],
        "allowed_mentions": body.get("allowed_mentions"),
        "flags": flags,
        "timestamp": TIMESTAMP,
        "edited_timestamp": None,
        "tts": bool(body.get("tts")),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "pinned": False,
        **({"webhook_id": str(webhook_id), "application_id": str(webhook_id)} if webhook_id else {}),
    }


def components_payload(components: list[Json]) -> list[Json]:
    """Components as Discord answers with them: each numbered (1, 2, ... depth first, as
    Discord numbers those the bot left unnumbered), a unicode emoji without an id."""
    number = iter(range(1, 1000))

    def answered(component: Json) -> Json:
        out = {k: v for k, v in component.items() if v is not None}
        out.setdefault("id", next(number))
        if "emoji" in out:
            out["emoji"] = {k: v for k, v in out["emoji"].items() if v is not None}
        if "components" in out:
            out["components"] = [answered(c) for c in out["components"]]
        return out

    return [answered(c) for c in components]


def public(message: Json) -> Json:
    """A message as Discord answers with it."""
    return {k: v for k, v in message.items() if k != "allowed_mentions"}


def stored_command(cmd: Json, command_id: str, guild_id: str | None) -> Json:
    """An application command as Discord keeps and returns it: ids and version added, the
    permission bit set as a string, DM availability and contexts resolved, nulls dropped."""
    contexts = cmd.get("contexts")
    if contexts is None and cmd.get("dm_permission") is False:
        contexts = [0]
    permissions = cmd.get("default_member_permissions")
    stored = {k: v for k, v in cmd.items() if v is not None}
    return {
        **stored,
        "id": command_id,
        "application_id": str(APP_ID),
        "version": "1",
        "type": cmd.get("type", 1),
        "description": cmd.get("description", ""),
        "default_member_permissions": None if permissions is None else str(permissions),
        "dm_permission": contexts is None or 1 in contexts,
        "contexts": contexts,
        "integration_types": cmd.get("integration_types") or [0],
        "nsfw": bool(cmd.get("nsfw")),
        **({"guild_id": guild_id} if guild_id else {}),
    }


def option(name: str, value: Any, kind: int | None = None) -> Json:
    """A slash-command option value, typed from the Python value unless `kind` is given."""
    if kind is None:
        kind = (
            5
            if isinstance(value, bool)
            else 4
            if isinstance(value, int)
            else 10
            if isinstance(value, float)
            else 3
        )
    return {"name": name, "type": kind, "value": value}


def attachment_option(name: str, attachment: Json) -> Json:
    """A slash-command option carrying an attachment (see `FakeDiscord.attach`): its id."""
    return option(name, attachment["id"], ATTACHMENT_OPTION)


def _attachment_ids(options: Sequence[Json]) -> list[str]:
    """The attachment ids among options, subcommands' included."""
    ids = []
    for item in options:
        if item.get("type") == ATTACHMENT_OPTION:
            ids.append(str(item["value"]))
        ids += _attachment_ids(item.get("options") or [])
    return ids


def _nest(options: list[Json], subcommand: str | None) -> list[Json]:
    """Wrap options in a subcommand ("sub") or in a group and its subcommand ("group sub")."""
    names = (subcommand or "").split()
    if len(names) > 2:
        raise ValueError(f"a subcommand path has at most two names: {subcommand!r}")
    kinds = (2, 1) if len(names) == 2 else (1,)
    for name, kind in reversed(list(zip(names, kinds, strict=False))):
        options = [{"type": kind, "name": name, "options": options}]
    return options


# -- the fake ---------------------------------------------------------------------------------


class _GatewaySession:
    """One gateway session: the websocket it is on now (none while dropped) and every dispatch it
    was sent, so that a RESUME can replay what the client missed. Frames are zlib-stream
    compressed when the connection's URL asks for it."""

    def __init__(self, ws: web.WebSocketResponse, query: Mapping[str, str]) -> None:
        self.sequence = 0
        self.identified = False
        self.session_id = ""
        self.sent: list[Json] = []  # dispatches, in sequence order
        self.ws: web.WebSocketResponse | None = None
        self._zlib: Any = None
        self.attach(ws, query)

    def attach(self, ws: web.WebSocketResponse, query: Mapping[str, str]) -> None:
        """Carry on over a new connection (a RESUME, or the first one)."""
        self.ws = ws
        # zstd-stream (when discord.py finds zstandard) is not produced here; discord.py reads
        # uncompressed text frames whatever it asked for.
        self._zlib = zlib.compressobj() if query.get("compress") == "zlib-stream" else None

    @property
    def connected(self) -> bool:
        return self.ws is not None and not self.ws.closed

    async def send(self, payload: Json) -> None:
        if self.ws is None or self.ws.closed:
            return  # dropped: a dispatch waits in `sent` for the RESUME
        text = json.dumps(payload)
        try:
            if self._zlib is None:
                await self.ws.send_str(text)
            else:
                await self.ws.send_bytes(
                    self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                )
        except ConnectionResetError:
            self.ws = None  # cut off: the frame waits in `sent` for the RESUME

    async def dispatch(self, event: str, data: Json) -> None:
        self.sequence += 1
        frame = {"op": 0, "t": event, "s": self.sequence, "d": data}
        self.sent.append(frame)
        del self.sent[:-REPLAY_FRAMES]
        await self.send(frame)

    async def replay_after(self, sequence: int) -> int:
        """Send again every dispatch after `sequence`; how many."""
        missed = [f for f in self.sent if f["s"] > sequence]
        for frame in missed:
            await self.send(frame)
        return len(missed)


@dataclass(slots=True)
class _Connection:
    """One websocket, and the session it carries once it has identified or resumed."""

    ws: web.WebSocketResponse
    query: dict[str, str]
    transport: asyncio.BaseTransport | None = None
    session: _GatewaySession | None = None
    dropped: bool = False  # the fake closed it; the client's reply to that close ends nothing
    last_heartbeat: float = field(default_factory=time.monotonic)


NONCE_WINDOW_S = 300.0
CALLBACK_DEADLINE_S = 3.0
TOKEN_LIFETIME_S = 15 * 60
# The callback types Discord allows per interaction type (ping, command, component,
# autocomplete, modal submit).
CALLBACK_TYPES: Mapping[int, frozenset[int]] = {
    1: frozenset({1}),
    2: frozenset({4, 5, 9, 10, 12}),
    3: frozenset({4, 5, 6, 7, 9, 10, 12}),
    4: frozenset({8}),
    5: frozenset({4, 5, 6, 7, 10, 12}),
}


class FakeDiscord:
    """Plays Discord's REST API under /api/v10 and its gateway websocket under /gateway.

    `guilds` maps each guild id to its text channel ids. With a `token`, REST calls and IDENTIFY
    must carry it (401 / close 4004 otherwise); without one any token is accepted.
    """

    def __init__(
        self,
        guilds: Mapping[int, Sequence[int]] | None = None,
        *,
        token: str | None = None,
        bot_permissions: int = BOT_PERMISSIONS,
        contract: Contract | None = None,
        rate_limits: RateLimiter | None = None,
        latency_s: float = 0.0,
        heartbeat_interval_ms: int = HEARTBEAT_INTERVAL_MS,
        callback_deadline_s: float | None = CALLBACK_DEADLINE_S,
    ) -> None:
        self.guilds = {g: list(chans) for g, chans in (guilds or {}).items()}
        self.token = token
        self.contract = contract  # None: no checks against Discord's OpenAPI description
        self.limits = rate_limits if rate_limits is not None else RateLimiter()
        self.latency_s = latency_s  # added to every REST answer, as a real network would
        self.refused: list[tuple[Recorded, Json]] = []  # requests the contract refused, and why
        self.violations: list[str] = []  # answers of the fake's own that break the contract
        self.throttled: list[Recorded] = []  # requests answered 429 by the rate limits (not scripted)
        self.token_lifetime_s = TOKEN_LIFETIME_S
        self.bot_permissions = bot_permissions
        self.requests: list[Recorded] = []
        self.statuses: dict[int, int] = {}  # request seq -> the status the fake answered
        self.unhandled: list[Recorded] = []  # requests for routes the fake does not know
        self.errors: list[str] = []  # requests the fake failed to handle
        self.commands: dict[str, list[Json]] = {}  # "global" or "guild:<id>" -> synced commands
        self.channel_errors: dict[int, int] = {}  # channel id -> 403 or 404
        self.fail_messages_after: int | None = None  # channel posts beyond this many fail
        self._nonces: dict[tuple[int, str], tuple[Json, float]] = {}  # nonce -> (message, when)
        self.fail_messages_status = 400  # 500/502/504 would make discord.py retry with sleeps
        # Discord forgets an interaction not answered this long after it was pushed.
        self.callback_deadline_s = callback_deadline_s
        self.late_callbacks: list[tuple[str, float]] = []  # (interaction id, seconds after push)
        self.posted: list[Json] = []  # channel messages, in order, edits applied
        self.pushed_at: dict[str, float] = {}  # interaction id -> perf_counter() when pushed
        self.interactions: dict[str, Json] = {}
        self.attachments: dict[str, tuple[Json, bytes]] = {}  # id -> (payload, content)
        self.downloads: list[str] = []  # ids of the attachments fetched from the CDN, in order
        self.gateway_queries: list[dict[str, str]] = []
        self.identifies: list[Json] = []
        self.url = ""
        self._ids = itertools.count(1_000_000_000_000_000_000)
        self._bot_roles = {g: next(self._ids) for g in self.guilds}
        self._faults: list[_Fault] = []
        self._waiters: list[tuple[Callable[[Recorded], bool], bool, asyncio.Future[Recorded]]] = []
        self._taken: set[int] = set()
        self._acknowledged: set[str] = set()
        self._originals: dict[str, Json] = {}  # interaction token -> original response message
        self._webhook_messages: dict[str, Json] = {}  # message id -> followup or original
        self._sessions: dict[str, _GatewaySession] = {}  # session id -> session, while resumable
        self._connections: list[_Connection] = []
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.heartbeat_timeouts = 0
        self.resumes: list[Json] = []
        self.replayed = 0  # dispatches sent again on RESUME
        self._runner: web.AppRunner | None = None

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=ATTACHMENT_SIZE_LIMIT + 2**20)
        app.router.add_get("/gateway", self._gateway)
        for prefix in (CDN_PATH, PROXY_PATH):
            app.router.add_get(prefix + "/{app}/{attachment}/{filename}", self._cdn)
        routes: list[tuple[str, str, Handler, bool]] = [
            ("GET", "/users/@me", self._me, True),
            ("GET", "/oauth2/applications/@me", self._application, True),
            ("GET", "/gateway", self._gateway_info, False),
            ("GET", "/gateway/bot", self._gateway_info, True),
            ("*", "/applications/{app}/commands", self._commands, True),
            ("*", "/applications/{app}/guilds/{guild}/commands", self._commands, True),
            ("POST", "/interactions/{id}/{token}/callback", self._callback, False),
            ("POST", "/webhooks/{app}/{token}", self._followup, False),
            ("*", "/webhooks/{app}/{token}/messages/{message}", self._webhook_message, False),
            ("GET", "/channels/{channel}", self._channel, True),
            ("POST", "/channels/{channel}/typing", self._typing, True),
            ("POST", "/channels/{channel}/messages", self._post_message, True),
            ("*", "/channels/{channel}/messages/{message}", self._channel_message, True),
            ("*", "/{tail:.*}", self._unknown, False),
        ]
        for method, path, handler, auth in routes:
            app.router.add_route(method, API + path, self._endpoint(handler, auth))
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        for connection in list(self._connections):
            await connection.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
        for _, _, future in self._waiters:
            future.cancel()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_base(self) -> str:
        """What `discord.http.Route.BASE` must be to reach this fake."""
        return f"{self.url}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.url.removeprefix('http://')}/gateway"

    # -- scripting failures ---------------------------------------------------------------

    def fail_channel(self, channel_id: int, status: int) -> None:
        """Every call on the channel answers 403 Missing Access or 404 Unknown Channel."""
        if status not in (403, 404):
            raise ValueError("a channel fails with 403 or 404")
        self.channel_errors[channel_id] = status

    def fail(
        self,
        method: str,
        path_prefix: str,
        status: int,
        *,
        code: int = 0,
        message: str = "",
        times: int | None = 1,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """The next `times` (None: all) matching requests answer this error instead."""

        def response() -> web.Response:
            return _json({"code": code, "message": message or f"{status}: scripted"}, status, headers)

        self._faults.append(_Fault(method, path_prefix, response, times))

    def rate_limit(
        self,
        method: str,
        path_prefix: str,
        *,
        retry_after_s: float = 0.01,
        times: int = 1,
        via: bool = True,
        is_global: bool = False,
    ) -> None:
        """429s; discord.py retries only those with a `Via` header (else: HTTPException)."""
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after_s,
            "global": is_global,
            "code": 0,
        }
        headers = {"Retry-After": str(retry_after_s), **({"Via": "1.1 google"} if via else {})}
        self._faults.append(_Fault(method, path_prefix, lambda: _json(body, 429, headers), times))

    # -- what tests await -----------------------------------------------------------------

    async def next_request(self, method: str, path_prefix: str, timeout: float = 5.0) -> Recorded:
        """The earliest matching request not yet returned by `next_request` (waits for one)."""
        return await self._wait(
            lambda r: r.method == method and r.path.startswith(path_prefix),
            take=True,
            timeout=timeout,
            what=f"{method} {path_prefix}",
        )

    async def wait_for(self, predicate: Callable[[Recorded], bool], timeout: float = 5.0) -> Recorded:
        """The first request, past or future, matching the predicate."""
        return await self._wait(predicate, take=False, timeout=timeout, what="a matching request")

    async def wait_for_callback(self, interaction_id: str, timeout: float = 5.0) -> Recorded:
        """The bot's callback to one interaction; `.body` is what it answered, `.at` when."""
        prefix = f"/interactions/{interaction_id}/"
        return await self._wait(
            lambda r: r.method == "POST" and r.path.startswith(prefix),
            take=False,
            timeout=timeout,
            what=f"the callback to interaction {interaction_id}",
        )

    async def answer(self, interaction_id: str, timeout: float = 5.0) -> Json:
        """What the caller finally sees: the callback's message, or after a defer (type 5) the
        first followup that resolves it."""
        callback = await self.wait_for_callback(interaction_id, timeout)
        if (callback.body or {}).get("type") != 5:
            return dict((callback.body or {}).get("data") or {})
        token = self.interactions[interaction_id]["token"]
        followup = await self._wait(
            lambda r: r.method == "POST" and r.path.startswith("/webhooks/") and r.path.endswith(f"/{token}"),
            take=False,
            timeout=timeout,
            what=f"the followup to interaction {interaction_id}",
        )
        return dict(followup.body or {})

    async def callback_latency_s(self, interaction_id: str, timeout: float = 5.0) -> float:
        """Seconds from pushing the interaction to receiving its callback."""
        record = await self.wait_for_callback(interaction_id, timeout)
        return record.at - self.pushed_at[interaction_id]

    def messages(self, channel_id: int) -> list[Json]:
        """Messages posted to one channel with POST /channels/{id}/messages, in order."""
        return [m for m in self.posted if m["channel_id"] == str(channel_id)]

    def followups(self, interaction_id: str | None = None) -> list[Recorded]:
        """Followup webhook POSTs, for one interaction or all."""
        token = self.interactions[interaction_id]["token"] if interaction_id else ""
        return [
            r
            for r in self.requests
            if r.method == "POST" and r.path.startswith("/webhooks/") and r.path.endswith(token)
        ]

    def original_response(self, interaction_id: str) -> Json | None:
        """The interaction's original response message, with any edits, unless none or deleted."""
        return self._originals.get(self.interactions[interaction_id]["token"])

    async def _wait(
        self, predicate: Callable[[Recorded], bool], *, take: bool, timeout: float, what: str
    ) -> Recorded:
        for record in self.requests:
            if predicate(record) and not (take and record.seq in self._taken):
                if take:
                    self._taken.add(record.seq)
                return record
        future: asyncio.Future[Recorded] = asyncio.get_running_loop().create_future()
        waiter = (predicate, take, future)
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            seen = "\n".join(f"  {r.method} {r.path}" for r in self.requests[-15:])
            raise TimeoutError(f"no {what} within {timeout}s; last requests:\n{seen}") from None
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def _notify(self, record: Recorded) -> None:
        taken = False
        for predicate, take, future in list(self._waiters):
            if future.done() or (take and taken) or not predicate(record):
                continue
            future.set_result(record)
            taken = taken or take
            if take:
                self._taken.add(record.seq)

    # -- REST plumbing --------------------------------------------------------------------

    def _endpoint(self, handler: Handler, auth: bool) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def endpoint(request: web.Request) -> web.Response:
            record = await self._record(request)
            resource = request.match_info.route.resource
            template = resource.canonical.removeprefix(API) if resource is not None else record.path
            scripted = False
            try:
                response, scripted = self._respond(record, request, handler, auth, template)
            except Exception as exc:
                self.errors.append(f"{record.method} {record.path}: {exc!r}")
                response = _error(400, 0, f"the fake Discord could not handle this: {exc!r}")
            self.statuses[record.seq] = response.status
            if self.contract is not None and not scripted and handler != self._unknown:
                problems = self.contract.check_response(
                    record.method, record.path, response.status, _decoded(response), response.headers
                )
                self.violations += problems
            if self.latency_s:
                await asyncio.sleep(self.latency_s)
            return response

        return endpoint

    def _respond(
        self, record: Recorded, request: web.Request, handler: Handler, auth: bool, template: str
    ) -> tuple[web.Response, bool]:
        """The answer, and whether it was scripted by the test."""
        for fault in self._faults:
            if fault.method in ("*", record.method) and record.path.startswith(fault.path_prefix):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                return fault.response(), True
        if handler == self._unknown:
            return handler(record, request.match_info), False
        decision = self.limits.check(
            f"{record.method} {template}",
            _major(request.match_info),
            global_exempt=template.startswith(GLOBAL_EXEMPT),
        )
        if not decision.allowed:
            self.throttled.append(record)
            return _json(decision.body, 429, decision.headers), False
        if record.malformed:
            response = _json(malformed_body_error(), 400)
        elif auth and self.token and request.headers.get("Authorization") != f"Bot {self.token}":
            response = _error(401, 0, "401: Unauthorized")
        elif self.contract is not None and (
            refusal := self.contract.check_request(record.method, record.path, record.body)
        ):
            self.refused.append((record, refusal))
            response = _json(refusal, 400)
        else:
            response = handler(record, request.match_info)
        response.headers.update(decision.headers)
        return response, False

    async def _record(self, request: web.Request) -> Recorded:
        at = time.perf_counter()
        body: Any = None
        files: list[str] = []
        malformed = False
        if request.content_type == "application/json" and request.can_read_body:
            try:
                body = json.loads(await request.read())
            except ValueError:
                malformed = True
        elif request.content_type.startswith("multipart/") and request.can_read_body:
            reader = await request.multipart()
            async for part in reader:
                if isinstance(part, BodyPartReader) and part.name == "payload_json":
                    try:
                        body = json.loads(await part.text())
                    except ValueError:
                        malformed = True
                elif isinstance(part, BodyPartReader):
                    files.append(part.filename or part.name or "")
                    await part.read()
        path = request.path.removeprefix(API)
        record = Recorded(
            len(self.requests),
            request.method,
            path,
            dict(request.query),
            body,
            dict(request.headers),
            at,
            tuple(files),
            malformed,
        )
        self.requests.append(record)
        self._notify(record)
        return record

    # -- REST routes ----------------------------------------------------------------------

    def _unknown(self, record: Recorded, params: Mapping[str, str]) -> web.Response:
        self.unhandled.append(record)
        return _error(404, 0, f"the fake Discord has no route {record.method} {record.path}")

    def _me(self, record: Recorded, params: Mapping[str, str]) -> web.Response:
        return _json(
            {
                **user_payload(BOT_ID, "digest-bot", bot=True),
                "verified": True,
                "mfa_enabled": False,
                "locale": "en-US",
            }
        )

    def _application(self, record: Recorded, params: Mapping[str, str]) -> web.Response:
        return _json(
            {
                "id": str(APP_ID),
                "name": "digest-bot",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": user_payload(OWNER_ID, "owner"),
                "flags": 0,
                "team": None,
                "interactions_endpoint_url": None,
                "rpc_origins": [],
                "bot": user_payload(BOT_ID, "digest-bot", bot=True),
                "type": None,
                "flags_new": "0",
                "redirect_uris": [],
                "role_connections_verification_url": None,
                "approximate_guild_count": len(self.guilds),
                "approximate_user_install_count": 0,
                "approximate_user_authorization_count": 0,
                "explicit_content_filter": 0,
                "eligible_oauth2_scopes": ["bot", "applications.commands"],
            }
        )

    def _gateway_info(self, record: Recorded, params: Mapping[str, str]) -> web.Response:
        return _json(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    def _commands(self, record: Recorded, params: Mapping[str, str]) -> web.Response:
        scope = f"guild:{params['guild']}" if "guild" in params else "global"
        if record.method == "PUT":
            known = {(c["name"], c["type"]): c["id"] for c in self.commands.get(scope, [])}
            self.commands[scope] = [
                stored_command(
                    cmd,
                    known.get((cmd["name"], cmd.get("type", 1))) or str(next(self._ids)),
                    params.get("guild"),
                )
                for cmd in record.body
            ]
        elif record.method != "GET":
            return self._unknown(record, params)
        return _json(self.commands.get(scope, []))

    def _callback(self, record: Recorded, params: Mapping[str, str]) -> web.Response:
        interaction_id, body = params["id"], record.body or {}
        interaction = self.interactions.get(interaction_id)
        after = record.at - self.pushed_at[interaction_id] if interaction is not None else 0.0
        late = self.callback_deadline_s is not None and after > self.callback_deadline_s
        if late:
            self.late_callbacks.append((interaction_id, after))
        if interaction is None or interaction["token"] != params["token"] or late:
            return _error(404, 10062, "Unknown interaction")
        if interaction_id in self._acknowledged:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        if body.get("type") not in CALLBACK_TYPES[interaction["type"]]:
            return _invalid_form(
                {
                    "type": {
                        "_errors": [
                            {
                                "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                                "message": f"Callback type {body.get('type')} is not valid for "
                                f"an interaction of type {interaction['type']}.",
                            }
                        ]
                    }
                }
            )
        data = body.get("data") or {}
        self._acknowledged.add(interaction_id)
        flags = data.get("flags") or 0
        message = None
        if body["type"] in (4, 5):
            message = message_payload(
                next(self._ids),
                int(interaction["channel_id"]),
                data,
                kind=20,
                flags=flags | (LOADING if body["type"] == 5 else 0),
                webhook_id=APP_ID,
            )
            self._originals[interaction["token"]] = self._webhook_messages[message["id"]] = message
        return _json(
            {
                "interaction": {
                    "id": interaction_id,
                    "type": interaction["type"],
                    **({"response_message_id": message["id"]} if message else {}),
                    "response_message_loading": body["type"] == 5,
                    "response_message_ephemeral": bool(flags & EPHEMERAL),
                },
                # Discord describes the created message for an immediate answer only.
                **(
                    {"resource": {"type": body["type"], "message": public(message)}}
                    if message and body["type"] == 4
                    else {}
                ),
            }
        )

    def _interaction_for(self, token: str) -> Json | None:
        return next((i for i in self.interactions.values() if i["token"] == token), None)

    def _expired(self, interaction: Json) -> bool:
        return time.perf_counter() - self.pushed_at[interaction["id"]] > self.token_lifetime_s

    def age_interaction(self, interaction_id: str, seconds: float) -> None:
        """Make an interaction `seconds` older, as if it had been pushed that much earlier."""
        self.pushed_at[interaction_id] -= seconds

    def _followup(self, record: Recorded, params: Mapping[str, str]) -> web.Response:
        interaction = self._interaction_for(params["token"])
        if interaction is None or interaction["id"] not in self._acknowledged:
            return _error(404, 10015, "Unknown Webhook")
        if self._expired(interaction):
            return _error(401, 50027, "Invalid Webhook Token")
        body = record.body or {}
        original = self._originals.get(params["token"])
        if original is not None and original["flags"] & LOADING:
            # As Discord does: the first followup after a deferred response resolves its "thinking"
            # message, which keeps the ephemerality chosen at defer time whatever `flags` says.
            self._fill(original, body)
            original["flags"] &= ~LOADING
            return _json(public(original))
        message = message_payload(
            next(self._ids),
            int(interaction["channel_id"]),
            body,
            kind=20,
            flags=body.get("flags") or 0,
            webhook_id=APP_ID,
        )
        self._webhook_messages[message["id"]] = message
        return _json(public(message))

    def _webhook_message(self, record: Recorded, params: Mapping[str, str]) -> web.Response:
        token, message_id = params["token"], params["message"]
        message = (
            self._originals.get(token)
            if message_id == "@original"
            else self._webhook_messages.get(message_id)
        )
        interaction = self._interaction_for(token)
        if interaction is None:
            return _error(404, 10015, "Unknown Webhook")
        if self._expired(interaction):
            return _error(401, 50027, "Invalid Webhook Token")
        if message is None:
            return _error(404, 10008, "Unknown Message")

        def delete() -> None:
            self._webhook_messages.pop(message["id"])
            if self._originals.get(token) is message:
                del self._originals[token]

        return self._message_call(record, message, delete)

    def _message_call(self, record: Recorded, message: Json, delete: Callable[[], object]) -> web.Response:
        if record.method == "GET":
            return _json(public(message))
        if record.method == "DELETE":
            delete()
            return web.Response(status=204)
        if record.method != "PATCH":
            return self._unknown(record, {})
        body = record.body or {}
        if problems := message_problems({**message, **body}):  # the message as it would become
            return _json(invalid_form_body(error_tree(problems)), 400)
        self._fill(message, body)
        message["flags"] = (message["flags"] & ~LOADING) | (body.get("flags") or 0)
        message["edited_timestamp"] = TIMESTAMP
        return _json(public(message))

    @staticmethod
    def _fill(message: Json, body: Json) -> None:
        for key in ("content", "embeds", "components", "allowed_mentions"):
            if key in body:
                message[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        message["embeds"] = [embed_payload(e) for e in message["embeds"]]
        message["components"] = components_payload(message["components"])

    def _channel_error(self, channel_id: int) -> web.Response | None:
        status = self.channel_errors.get(channel_id)
        if status == 404 or self._guild_of(channel_id) is None:
            return _error(404, 10003, "Unknown Channel")
        if status == 403:
            return _error(403, 50001, "Missing Access")
        return None

    def _channel(self, record: Recorded, params: Mapping[str, str]) -> web.Response:
        channel_id = int(params["channel"])
        guild_id = self._guild_of(channel_id)
        if (error := self._channel_error(channel_id)) or guild_id is None:
            return error or _error(404, 10003, "Unknown Channel")
        return _json(channel_payload(channel_id, guild_id))

    def _typing(self, record: Recorded, params: Mapping[str, str]) -> web.Response:
        return self._channel_error(int(params["channel"])) or web.Response(status=204)

    def _post_message(self, record: Recorded, params: Mapping[str, str]) -> web.Response:
        channel_id = int(params["channel"])
        if error := self._channel_error(channel_id):
            return error
        if self.fail_messages_after is not None and len(self.posted) >= self.fail_messages_after:
            if self.fail_messages_status == 429:  # as a proxy in front of Discord would: no `Via`
                return _json(
                    {
                        "message": "You are being rate limited.",
                        "retry_after": 60.0,
                        "global": False,
                        "code": 0,
                    },
                    429,
                    {"Retry-After": "60"},
                )
            return _error(self.fail_messages_status, 0, "simulated crash: no more messages")
        body = record.body or {}
        if not (body.get("content") or body.get("embeds") or record.files):
            return _error(400, 50006, "Cannot send an empty message")
        nonce = body.get("nonce") if body.get("enforce_nonce") else None
        earlier = self._nonces.get((channel_id, str(nonce))) if nonce is not None else None
        if earlier is not None and time.monotonic() - earlier[1] < NONCE_WINDOW_S:
            return _json(public(earlier[0]))  # Discord answers with the first message, not a second
        message = message_payload(next(self._ids), channel_id, body, flags=body.get("flags") or 0)
        self.posted.append(message)
        if nonce is not None:
            self._nonces[(channel_id, str(nonce))] = (message, time.monotonic())
        return _json(public(message))

    def _channel_message(self, record: Recorded, params: Mapping[str, str]) -> web.Response:
        channel_id = int(params["channel"])
        if error := self._channel_error(channel_id):
            return error
        message = next((m for m in self.messages(channel_id) if m["id"] == params["message"]), None)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return self._message_call(record, message, lambda: self.posted.remove(message))

    # -- attachments ----------------------------------------------------------------------

    def attach(
        self, filename: str, content: bytes, *, content_type: str = "text/plain; charset=utf-8"
    ) -> Json:
        """A file as a member attaches it to a slash command: Discord keeps it on its CDN (here,
        this fake) and returns its attachment object, with signed CDN and proxy URLs. As Discord
        does, spaces in the name become underscores, and a file over the size limit is refused."""
        if len(content) > ATTACHMENT_SIZE_LIMIT:
            raise ValueError(f"Discord refuses attachments over {ATTACHMENT_SIZE_LIMIT} bytes")
        attachment_id = str(next(self._ids))
        name = filename.replace(" ", "_")
        issued = int(time.time())
        query = f"ex={issued + 86400:08x}&is={issued:08x}&hm={self._signature(attachment_id)}"
        where = f"/{APP_ID}/{attachment_id}/{quote(name)}?{query}"
        payload = {
            "id": attachment_id,
            "filename": name,
            "size": len(content),
            "url": f"{self.url}{CDN_PATH}{where}",
            "proxy_url": f"{self.url}{PROXY_PATH}{where}",
            "content_type": content_type,
            "ephemeral": True,
        }
        self.attachments[attachment_id] = (payload, content)
        return payload

    def _signature(self, attachment_id: str) -> str:
        return hashlib.sha256(f"fake-cdn:{attachment_id}".encode()).hexdigest()

    async def _cdn(self, request: web.Request) -> web.Response:
        """An attachment's bytes, for its exact signed URL; anything else is the CDN's 404."""
        attachment_id = request.match_info["attachment"]
        found = self.attachments.get(attachment_id)
        if (
            found is None
            or request.match_info["filename"] != found[0]["filename"]
            or request.query.get("hm") != self._signature(attachment_id)
        ):
            return web.Response(status=404, text="This content is no longer available.")
        self.downloads.append(attachment_id)
        payload, content = found
        return web.Response(body=content, headers={"Content-Type": payload["content_type"]})

    # -- gateway --------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.gateway_queries.append(dict(request.query))
        if request.query.get("v") != "10" or request.query.get("encoding", "json") != "json":
            await ws.close(code=4012, message=b"the fake speaks gateway v10 with JSON only")
            return ws
        connection = _Connection(ws, dict(request.query), request.transport)
        self._connections.append(connection)
        watchdog = asyncio.create_task(self._watch_heartbeats(connection))
        try:
            await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}))
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                try:
                    await self._on_frame(connection, json.loads(msg.data))
                except Exception as exc:
                    self.errors.append(f"gateway frame {msg.data[:200]}: {exc!r}")
        finally:
            watchdog.cancel()
            self._connections.remove(connection)
            session = connection.session
            if session is not None and session.ws is ws:
                session.ws = None
                if ws.close_code in (1000, 1001) and not connection.dropped:
                    # A client closing cleanly ends its session (Discord's rule).
                    self._sessions.pop(session.session_id, None)
        return ws

    async def _watch_heartbeats(self, connection: _Connection) -> None:
        """Close a connection whose client missed its heartbeats (4009: the session timed out)."""
        allowed = self.heartbeat_interval_ms / 1000 * HEARTBEAT_GRACE
        while not connection.ws.closed:
            await asyncio.sleep(allowed / 4)
            if time.monotonic() - connection.last_heartbeat > allowed:
                self.heartbeat_timeouts += 1
                if connection.session is not None:
                    self._sessions.pop(connection.session.session_id, None)
                await connection.ws.close(code=4009, message=b"Session timed out.")
                return

    async def _on_frame(self, connection: _Connection, frame: Json) -> None:
        op: Any = frame.get("op")
        data: Any = frame.get("d")
        if op == 1:
            connection.last_heartbeat = time.monotonic()
            await connection.ws.send_str(json.dumps({"op": 11}))
        elif op == 2:
            self.identifies.append(data)
            if self.token and data.get("token") != self.token:
                await connection.ws.close(code=4004, message=b"Authentication failed.")
                return
            session = _GatewaySession(connection.ws, connection.query)
            connection.session = session
            await self._ready(session, data.get("shard") or [0, 1])
        elif op == 6:
            await self._resume(connection, data)
        elif op == 8 and connection.session is not None:
            await connection.session.dispatch(
                "GUILD_MEMBERS_CHUNK",
                {
                    "guild_id": str(data["guild_id"]),
                    "members": [self._bot_member(int(data["guild_id"]))],
                    "chunk_index": 0,
                    "chunk_count": 1,
                    "not_found": [],
                    "nonce": data.get("nonce"),
                },
            )

    async def _resume(self, connection: _Connection, data: Json) -> None:
        """RESUME: replay what the session missed, then RESUMED; op 9 if it cannot be resumed."""
        self.resumes.append(data)
        session = self._sessions.get(str(data.get("session_id")))
        seq = data.get("seq") or 0
        if (
            (self.token and data.get("token") != self.token)
            or session is None
            or (session.sent and seq < session.sent[0]["s"] - 1)
        ):
            await connection.ws.send_str(json.dumps({"op": 9, "d": False}))
            return
        if session.ws is not None and not session.ws.closed:
            await session.ws.close(code=4000, message=b"resumed elsewhere")
        session.attach(connection.ws, connection.query)
        connection.session = session
        self.replayed += await session.replay_after(seq)
        await session.dispatch("RESUMED", {})

    async def _ready(self, session: _GatewaySession, shard: list[int]) -> None:
        session.session_id = f"fake-session-{next(self._ids)}"
        self._sessions[session.session_id] = session
        await session.dispatch(
            "READY",
            {
                "v": 10,
                "user": {**user_payload(BOT_ID, "digest-bot", bot=True), "verified": True},
                "session_id": session.session_id,
                "resume_gateway_url": self.gateway_url,
                "shard": shard,
                "application": {"id": str(APP_ID), "flags": 0},
                "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
                "private_channels": [],
                "relationships": [],
                "user_settings": {},
            },
        )
        session.identified = True
        for guild_id in self.guilds:
            await session.dispatch("GUILD_CREATE", self._guild_payload(guild_id))

    def _bot_member(self, guild_id: int) -> Json:
        return member_payload(BOT_ID, self.bot_permissions, [self._bot_roles[guild_id]])

    def _guild_payload(self, guild_id: int) -> Json:
        def role(role_id: int, name: str, permissions: int, position: int, managed: bool) -> Json:
            return {
                "id": str(role_id),
                "name": name,
                "permissions": str(permissions),
                "position": position,
                "color": 0,
                "colors": {"primary_color": 0},
                "hoist": False,
                "managed": managed,
                "mentionable": False,
                "flags": 0,
                "icon": None,
                "unicode_emoji": None,
            }

        members = [self._bot_member(guild_id)]
        return {
            "id": str(guild_id),
            "name": f"guild {guild_id}",
            "icon": None,
            "owner_id": str(OWNER_ID),
            "roles": [
                role(guild_id, "@everyone", EVERYONE_PERMISSIONS, 0, False),
                role(self._bot_roles[guild_id], "digest-bot", self.bot_permissions, 1, True),
            ],
            "channels": [channel_payload(c, guild_id) for c in self.guilds[guild_id]],
            "members": members,
            "member_count": len(members),  # all present, so no chunking
            "emojis": [],
            "stickers": [],
            "features": [],
            "presences": [],
            "voice_states": [],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "unavailable": False,
            "large": False,
            "joined_at": TIMESTAMP,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "system_channel_flags": 0,
            "system_channel_id": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "application_id": None,
        }

    def _guild_of(self, channel_id: int) -> int | None:
        return next((g for g, chans in self.guilds.items() if channel_id in chans), None)

    # -- pushing events -------------------------------------------------------------------

    async def dispatch(self, event: str, data: Json) -> None:
        """Send a dispatch event to every identified gateway session (at least one must exist)."""
        sessions = [s for s in self._sessions.values() if s.identified]
        if not sessions:
            raise RuntimeError(f"no client is connected to the fake gateway to receive {event}")
        for session in sessions:
            await session.dispatch(event, data)

    async def request_reconnect(self) -> None:
        """Op 7 RECONNECT to every connected session: the client should reconnect and RESUME."""
        for connection in list(self._connections):
            if connection.session is not None:
                connection.dropped = True
                await connection.ws.send_str(json.dumps({"op": 7, "d": None}))

    async def drop_gateway(self, *, code: int = 4000, abort: bool = False) -> int:
        """Drop every gateway connection (a resumable close `code`, or a cut TCP connection with
        `abort`); sessions stay resumable and keep what is dispatched meanwhile. How many."""
        dropped = list(self._connections)
        for connection in dropped:
            connection.dropped = True
            if abort and isinstance(connection.transport, asyncio.Transport):
                connection.transport.abort()
            else:
                await connection.ws.close(code=code, message=b"dropped by the test")
        return len(dropped)

    @property
    def connected_sessions(self) -> int:
        return sum(1 for s in self._sessions.values() if s.connected)

    def interaction_payload(
        self,
        data: Json,
        *,
        kind: int = 2,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user_id: int = USER_ID,
        permissions: int = MODERATOR_PERMISSIONS,
        dm: bool = False,
        locale: str = "en-US",
    ) -> Json:
        """An INTERACTION_CREATE payload; guild ones carry `guild_id` on top and in `data`."""
        interaction_id = str(next(self._ids))
        base = {
            "id": interaction_id,
            "application_id": str(APP_ID),
            "type": kind,
            "version": 1,
            "token": f"token-{interaction_id}",
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "app_permissions": str(self.bot_permissions | EVERYONE_PERMISSIONS),
        }
        if dm:
            channel_id = channel_id or USER_ID + 1
            return {
                **base,
                "data": data,
                "channel_id": str(channel_id),
                "context": 1,
                "channel": {
                    "id": str(channel_id),
                    "type": 1,
                    "last_message_id": None,
                    "flags": 0,
                    "recipients": [user_payload(user_id, f"user{user_id}")],
                },
                "user": user_payload(user_id, f"user{user_id}"),
                "authorizing_integration_owners": {"0": "0"},
            }
        guild_id = guild_id or next(iter(self.guilds))
        channel_id = channel_id or self.guilds[guild_id][0]
        return {
            **base,
            "data": {**data, "guild_id": str(guild_id)},
            "guild_id": str(guild_id),
            "channel_id": str(channel_id),
            "context": 0,
            "guild_locale": "en-US",
            "channel": {**channel_payload(channel_id, guild_id), "permissions": str(permissions)},
            "guild": {"id": str(guild_id), "locale": "en-US", "features": []},
            "member": member_payload(user_id, permissions),
            "authorizing_integration_owners": {"0": str(guild_id)},
        }

    async def push_interaction(
        self,
        data: Json,
        *,
        kind: int = 2,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user_id: int = USER_ID,
        permissions: int = MODERATOR_PERMISSIONS,
        dm: bool = False,
    ) -> str:
        """Push an INTERACTION_CREATE (see `interaction_payload`); returns the interaction id."""
        payload = self.interaction_payload(
            data,
            kind=kind,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            permissions=permissions,
            dm=dm,
        )
        self.interactions[payload["id"]] = payload
        self.pushed_at[payload["id"]] = time.perf_counter()
        await self.dispatch("INTERACTION_CREATE", payload)
        return str(payload["id"])

    def command_id(self, name: str) -> str:
        """The id Discord gave the synced command (any scope); "0" if it was never synced."""
        ids = (c["id"] for cmds in self.commands.values() for c in cmds if c["name"] == name)
        return str(next(ids, "0"))

    async def slash_command(
        self,
        name: str,
        options: Sequence[Json] = (),
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user_id: int = USER_ID,
        permissions: int = MODERATOR_PERMISSIONS,
        subcommand: str | None = None,
        dm: bool = False,
        resolved: Json | None = None,
    ) -> str:
        """Push a slash command; `subcommand` is "sub" or "group sub". Returns the interaction id.

        Guild and channel default to the first configured ones; `dm=True` invokes it in a DM instead.
        `resolved` is `data.resolved`; by default, as Discord does, the attachments that options
        name (`attachment_option`) resolved to their objects.
        """
        data: Json = {
            "id": self.command_id(name),
            "name": name,
            "type": 1,
            "options": _nest(list(options), subcommand),
        }
        if resolved is None:
            attached = {i: self.attachments[i][0] for i in _attachment_ids(options) if i in self.attachments}
            resolved = {"attachments": attached} if attached else None
        if resolved is not None:
            data["resolved"] = resolved
        return await self.push_interaction(
            data, guild_id=guild_id, channel_id=channel_id, user_id=user_id, permissions=permissions, dm=dm
        )

    slash = slash_command

    async def autocomplete(
        self,
        name: str,
        option_name: str,
        value: str,
        *,
        options: Sequence[Json] = (),
        guild_id: int | None = None,
        channel_id: int | None = None,
        user_id: int = USER_ID,
        permissions: int = MODERATOR_PERMISSIONS,
        subcommand: str | None = None,
        dm: bool = False,
    ) -> str:
        """Push an autocomplete (type 4) for one focused string option, beside already-filled `options`."""
        focused = {"type": 3, "name": option_name, "value": value, "focused": True}
        data = {
            "id": self.command_id(name),
            "name": name,
            "type": 1,
            "options": _nest([*options, focused], subcommand),
        }
        return await self.push_interaction(
            data,
            kind=4,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            permissions=permissions,
            dm=dm,
        )

    async def click(
        self,
        message: Json,
        custom_id: str,
        *,
        guild_id: int | None = None,
        user_id: int = USER_ID,
        permissions: int = MODERATOR_PERMISSIONS,
    ) -> str:
        """Push a click (a component interaction, type 3) on one button of a posted message, as a
        member of `guild_id` (by default the guild the message's channel belongs to). Only a
        button the message really carries can be clicked."""
        buttons = [c for row in message.get("components") or [] for c in row.get("components", [])]
        assert any(b.get("custom_id") == custom_id for b in buttons), f"no button {custom_id!r}"
        channel_id = int(message["channel_id"])
        home = next((g for g, channels in self.guilds.items() if channel_id in channels), None)
        payload = self.interaction_payload(
            {"custom_id": custom_id, "component_type": 2},
            kind=3,
            guild_id=guild_id or home,
            channel_id=channel_id,
            user_id=user_id,
            permissions=permissions,
        )
        payload["message"] = public(message)
        self.interactions[payload["id"]] = payload
        self.pushed_at[payload["id"]] = time.perf_counter()
        await self.dispatch("INTERACTION_CREATE", payload)
        return str(payload["id"])
