"""The Discord client: the command tree over the service, and the sender the daily cycle posts with."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

import aiohttp
import discord

from bot.commands import NO_MENTIONS, DigestTree
from bot.daily import ChannelGone, MissingAccess, SendError
from bot.discord_http import PACE_PER_S, LinearBucketSweep, Pacer, pacing_trace
from bot.service import DigestService
from bot.votes import VoteButton, digest_view
from digest.embeds import Embed, VoteButtons

log = logging.getLogger(__name__)

NOT_A_TEXT_CHANNEL = 50008  # Discord's error code for a message to a voice or category channel
MAX_RATELIMIT_WAIT_S = 30.0  # a longer rate limit must not hold up the slot or the night's poll


class DigestBot(discord.Client):
    """A slash-command-only client. The composition root sets `on_setup` (run in setup_hook:
    the scheduler's start, the start-of-day catch-up) and `failing` once the cycle exists."""

    def __init__(self, service: DigestService, *, dev_guild_id: int | None = None,
                 pace_per_s: int = PACE_PER_S, **options: object) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        options.setdefault("max_ratelimit_timeout", MAX_RATELIMIT_WAIT_S)
        self.pacer = Pacer(pace_per_s)
        options.setdefault("http_trace", pacing_trace(self.pacer))
        super().__init__(intents=intents, allowed_mentions=NO_MENTIONS, **options)  # type: ignore[arg-type]
        self.bucket_sweep = LinearBucketSweep(self.http)
        self.service = service
        self.dev_guild_id = dev_guild_id
        self.on_setup: Callable[[], Awaitable[None]] | None = None
        self.start_of_day: asyncio.Task[None] | None = None  # the first poll and catch-up
        self.failing: Callable[[], Mapping[tuple[int, int, str], int]] = dict  # set with the cycle
        self.tree = DigestTree(self)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(VoteButton)  # buttons of every digest posted, before or after a restart
        if self.dev_guild_id:
            guild = discord.Object(self.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()
        if self.on_setup:
            await self.on_setup()

    async def send_digest_message(self, channel_id: int, content: str, embeds: Sequence[Embed],
                                  nonce: str, votes: VoteButtons | None = None) -> int:
        """Post one digest message with its nonce (enforced: a resend after a crash returns the
        first message); Discord's 403 and 404 become MissingAccess and ChannelGone."""
        try:
            # Not get_channel: discord.py finds a channel by looking through every guild the bot
            # is in, which made each message cost time in proportion to the number of servers.
            # Discord itself refuses a channel that is gone (404) or not for messages (400/403).
            channel = self.get_partial_messageable(channel_id)
            message = await channel.send(content=content or None,
                                         embeds=[discord.Embed.from_dict(e) for e in embeds],
                                         view=digest_view(votes) if votes else discord.utils.MISSING,
                                         allowed_mentions=NO_MENTIONS, nonce=nonce)
        except discord.NotFound as exc:
            raise ChannelGone(f"channel deleted or unknown ({exc.text})") from exc
        except discord.Forbidden as exc:
            raise MissingAccess(f"missing permissions to post ({exc.text})") from exc
        except discord.HTTPException as exc:
            if exc.code == NOT_A_TEXT_CHANNEL:
                raise ChannelGone(f"channel {channel_id} is not a text channel") from exc
            raise SendError(f"Discord answered {exc.status}: {exc.text}") from exc
        except discord.RateLimited as exc:  # longer than MAX_RATELIMIT_WAIT_S: try again later
            raise SendError(f"rate limited for {exc.retry_after:.0f} s") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise SendError(f"connection to Discord failed: {type(exc).__name__}") from exc
        return message.id
