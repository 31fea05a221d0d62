"""Point discord.py at a fake Discord instead of discord.com, and put it back afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import discord
import yarl

from tests.support.fake_discord import API


@contextlib.contextmanager
def patch_discord(url: str) -> Iterator[None]:
    """While open, discord.py talks to the fake Discord served at `url` (http://host:port).

    discord.py builds every REST and interaction-webhook URL from `Route.BASE` when a route is
    made, and a plain `Client` opens `DEFAULT_GATEWAY` without asking /gateway first, so these two
    class attributes are all it takes.
    """
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = f"{url}{API}"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
        f"ws://{url.removeprefix('http://')}/gateway")
    try:
        yield
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
