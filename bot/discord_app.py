"""The Discord client: slash commands over the service, and the sender the daily cycle posts with.

Every reply about settings or errors is ephemeral; `UserError`s become replies in one handler.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from urllib.parse import urlencode

import aiohttp
import discord
from discord import app_commands

from bot.daily import ChannelGone, MissingAccess, SendError
from bot.discord_http import PACE_PER_S, LinearBucketSweep, Pacer, pacing_trace
from bot.service import DigestService, SubscribeRequest, UserError
from digest.catalog import match_profiles
from digest.embeds import (
    MAX_CHARS_PER_MESSAGE,
    MAX_CONTENT,
    MAX_DESCRIPTION,
    MAX_EMBEDS_PER_MESSAGE,
    MAX_TITLE,
    Embed,
    defang,
    embed_chars,
    neutral,
    paper_embed,
    plan_messages,
)
from digest.models import ABS_URL, Exemplar, Paper, Profile, ScoredPaper, Subscription
from digest.render import describe_hits, excerpt
from digest.schedule import next_post_at, parse_timezone

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
MANAGE = discord.Permissions(manage_channels=True)


MAX_RATELIMIT_WAIT_S = 30.0  # a longer rate limit must not hold up the slot or the night's poll


class DigestBot(discord.Client):
    """A slash-command-only client; `on_setup` runs in setup_hook (scheduler start, catch-up)."""

    def __init__(self, service: DigestService, *, dev_guild_id: int | None = None,
                 on_setup: Callable[[DigestBot], Awaitable[None]] | None = None,
                 on_subscriptions_changed: Callable[[Subscription | None], None] | None = None,
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
        self._on_setup = on_setup
        self._changed = on_subscriptions_changed or (lambda sub: None)
        self.start_of_day: asyncio.Task[None] | None = None
        self.failing: Callable[[], Mapping[tuple[int, int, str], int]] = dict  # set with the cycle
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]
        register_commands(self)

    async def setup_hook(self) -> None:
        if self.dev_guild_id:
            guild = discord.Object(self.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()
        if self._on_setup:
            await self._on_setup(self)

    async def on_app_command_error(self, interaction: discord.Interaction,
                                   error: app_commands.AppCommandError) -> None:
        original = getattr(error, "original", error)
        if isinstance(original, UserError):
            text = str(original)
        elif isinstance(error, app_commands.MissingPermissions):
            text = "You need the Manage Channels permission to do that."
        elif isinstance(error, app_commands.NoPrivateMessage):
            text = "This command works in a server channel, not in direct messages."
        else:
            log.error("command %s failed", interaction.command and interaction.command.name,
                      exc_info=original)
            text = "Something went wrong on our side; it has been logged."
        await reply(interaction, text)

    async def send_digest_message(self, channel_id: int, content: str, embeds: Sequence[Embed],
                                  nonce: str) -> int:
        """Post one digest message with its nonce (enforced: a resend after a crash returns the
        first message); Discord's 403 and 404 become MissingAccess and ChannelGone."""
        try:
            channel = self.get_channel(channel_id) or await self.fetch_channel(channel_id)
            if not isinstance(channel, discord.abc.Messageable):
                raise ChannelGone(f"channel {channel_id} is not a text channel")
            message = await channel.send(content=content or None,
                                         embeds=[discord.Embed.from_dict(e) for e in embeds],
                                         allowed_mentions=NO_MENTIONS, nonce=nonce)
        except discord.NotFound as exc:
            raise ChannelGone(f"channel deleted or unknown ({exc.text})") from exc
        except discord.Forbidden as exc:
            raise MissingAccess(f"missing permissions to post ({exc.text})") from exc
        except discord.HTTPException as exc:
            raise SendError(f"Discord answered {exc.status}: {exc.text}") from exc
        except discord.RateLimited as exc:  # longer than MAX_RATELIMIT_WAIT_S: try again later
            raise SendError(f"rate limited for {exc.retry_after:.0f} s") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise SendError(f"connection to Discord failed: {type(exc).__name__}") from exc
        return message.id


async def reply(interaction: discord.Interaction, text: str, *, embeds: Sequence[discord.Embed] = (),
                ephemeral: bool = True) -> None:
    """Answer an interaction, whether or not it was deferred first."""
    content = excerpt(text, MAX_CONTENT) if text else None
    if interaction.response.is_done():
        await interaction.followup.send(content or discord.utils.MISSING, embeds=list(embeds),
                                        ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(content, embeds=list(embeds), ephemeral=ephemeral,
                                                allowed_mentions=NO_MENTIONS)


def _require_manage(interaction: discord.Interaction) -> None:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    if not interaction.permissions.manage_channels:
        raise app_commands.MissingPermissions(["manage_channels"])


def _describe_sub(sub: Subscription, now_next: str, failed_tries: int = 0) -> str:
    state = "" if sub.enabled else f" — **disabled**: {sub.disabled_reason}"
    if failed_tries:
        state += f" — today's digest failed {failed_tries}× (Discord error); trying again"
    return (f"`{sub.profile_slug}` in <#{sub.channel_id}> at {sub.post_time:%H:%M} {sub.timezone} "
            f"(next {now_next}), score ≥ {sub.min_score:g}, up to {sub.max_papers}, "
            f"{'+'.join(sub.categories)}{state}")


def paper_lookup_embed(paper: Paper, scores: Sequence[ScoredPaper]) -> discord.Embed:
    """The /paper answer: the paper, its dates, and its score against the channel's profiles."""
    data = paper_embed(paper, description_chars=1500)
    dates = [f"published {paper.published.isoformat()}" if paper.published else "",
             f"updated {paper.updated.isoformat()}" if paper.updated and paper.updated != paper.published else ""]
    if any(dates):
        data["fields"].append({"name": "Dates", "value": ", ".join(d for d in dates if d), "inline": True})
    for s in scores[:5]:
        data["fields"].append({"name": f"Score for {s.profile_slug}: {s.score:.2f}",
                               "value": excerpt(neutral(describe_hits(s)) or "no terms matched",
                                                1024),
                               "inline": False})
    return discord.Embed.from_dict(data)


def profile_embed(profile: Profile) -> discord.Embed:
    """The /profile show answer: the top terms, then exemplar papers linked to arXiv."""
    terms = ", ".join(f"{neutral(t.text)} ({t.weight:.2f})" for t in profile.top_terms(25))
    lines = [excerpt(f"**Top terms:** {terms}", 2000), "",
             f"**Exemplars** (from {profile.size} papers):"]
    for exemplar in profile.exemplars[:8]:
        line = f"• [{neutral(excerpt(exemplar.title, 90))}]({exemplar_url(exemplar)})"
        if sum(len(x) + 1 for x in lines) + len(line) > MAX_DESCRIPTION:
            break
        lines.append(line)
    if not profile.exemplars:
        lines.append("none (a profile made from keywords)")
    return discord.Embed(title=excerpt(defang(f"{profile.name} ({profile.slug})"), MAX_TITLE),
                         description="\n".join(lines))


def exemplar_url(exemplar: Exemplar) -> str:
    """The paper's abs page; most corpus papers carry no id, so those link to an arXiv title search."""
    if exemplar.arxiv_id:
        return ABS_URL.format(exemplar.arxiv_id)
    return "https://arxiv.org/search/?" + urlencode({"query": exemplar.title, "searchtype": "title"})


def register_commands(bot: DigestBot) -> None:
    """Add every slash command to the bot's tree."""
    service, tree = bot.service, bot.tree

    async def profile_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        found = match_profiles(service.profiles_for(interaction.guild_id), current, limit=25)
        return [app_commands.Choice(name=excerpt(f"{p.slug} — {p.name}", 100), value=p.slug) for p in found]

    async def subscribed_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        subs = service.subscriptions(interaction.guild_id or 0, interaction.channel_id)
        return [app_commands.Choice(name=s.profile_slug, value=s.profile_slug)
                for s in subs if current.lower() in s.profile_slug][:25]

    async def category_choices(interaction: discord.Interaction, current: str
                               ) -> list[app_commands.Choice[str]]:
        """The categories that complete the last one typed, after those already typed."""
        done, _, last = current.rpartition("+")
        prefix = f"{done}+" if done else ""
        typed = last.strip().lower()
        found = sorted(c for c in service.known_categories if c.lower().startswith(typed))
        return [app_commands.Choice(name=excerpt(prefix + c, 100), value=(prefix + c)[:100])
                for c in found[:25]]

    @tree.command(name="subscribe")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    @app_commands.describe(
        profile="Topic profile to follow, e.g. neural-operators",
        time="Local posting time, HH:MM (24-hour); default 09:00",
        timezone="IANA time zone, e.g. Europe/Berlin; default UTC",
        min_score="Only papers scoring at least this (1.0 = as on-topic as the profile's own papers)",
        max_papers="At most this many papers per digest (1-50)",
        categories="arXiv categories joined with +, e.g. cs.LG+stat.ML",
        include_cross="Include cross-listed papers (default yes)",
        include_replacements="Include revised versions of older papers (default no)",
        nothing_today_note="Post a short note on days when nothing matched",
    )
    @app_commands.autocomplete(profile=profile_choices, categories=category_choices)
    async def subscribe(interaction: discord.Interaction, profile: str, time: str | None = None,
                        timezone: str | None = None, min_score: float | None = None,
                        max_papers: int | None = None, categories: str | None = None,
                        include_cross: bool | None = None, include_replacements: bool | None = None,
                        nothing_today_note: bool | None = None) -> None:
        """Subscribe this channel to a daily digest of a topic profile"""
        _require_manage(interaction)
        sub, created, next_at = service.subscribe(SubscribeRequest(
            interaction.guild_id or 0, interaction.channel_id or 0, interaction.user.id, profile,
            time, timezone, min_score, max_papers, categories, include_cross, include_replacements,
            nothing_today_note))
        bot._changed(sub)
        verb = "Subscribed" if created else "Updated the subscription of"
        local = discord.utils.format_dt(next_at, "F")
        await reply(interaction, f"{verb} this channel to `{sub.profile_slug}`. Next digest: {local} "
                                 f"({next_at.astimezone(parse_timezone(sub.timezone)):%Y-%m-%d %H:%M} {sub.timezone}).")

    @tree.command(name="unsubscribe")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    @app_commands.describe(profile="The subscription of this channel to stop")
    @app_commands.autocomplete(profile=subscribed_choices)
    async def unsubscribe(interaction: discord.Interaction, profile: str) -> None:
        """Stop this channel's digest for a profile"""
        _require_manage(interaction)
        service.unsubscribe(interaction.guild_id or 0, interaction.channel_id or 0, profile)
        bot._changed(None)
        await reply(interaction, f"This channel no longer gets `{profile}`.")

    @tree.command(name="subscriptions")
    @app_commands.guild_only()
    @app_commands.describe(server="List the whole server's subscriptions instead of this channel's")
    async def subscriptions(interaction: discord.Interaction, server: bool = False) -> None:
        """List this channel's (or this server's) digest subscriptions"""
        subs = service.subscriptions(interaction.guild_id or 0, None if server else interaction.channel_id)
        if not subs:
            await reply(interaction, "No subscriptions here yet. Try `/subscribe neural-operators`.")
            return
        now = service.clock()
        failing = bot.failing()
        lines = [_describe_sub(s, discord.utils.format_dt(next_post_at(s, now), "R"),
                               failing.get(s.key, 0)) for s in subs]
        await reply(interaction, "\n".join(lines))

    @tree.command(name="profiles")
    @app_commands.describe(query="Filter by words in the profile's name or terms")
    async def profiles(interaction: discord.Interaction, query: str | None = None) -> None:
        """List the topic profiles and their top terms"""
        found = match_profiles(service.profiles_for(interaction.guild_id), query or "", limit=40)
        if not found:
            raise UserError(f"No profile matches '{query}'.")
        lines = [f"`{p.slug}` ({p.size}) — {', '.join(t.text for t in p.top_terms(4))}" for p in found]
        await reply(interaction, "\n".join(lines))

    @tree.command(name="profile")
    @app_commands.describe(slug="The profile to show")
    @app_commands.autocomplete(slug=profile_choices)
    async def profile_show(interaction: discord.Interaction, slug: str) -> None:
        """Show a profile's keywords and exemplar papers"""
        await reply(interaction, "", embeds=[profile_embed(service.profile(interaction.guild_id, slug))])

    # Discord applies permissions and DM availability per top-level command only, so the
    # commands that change a server's profiles are a group of their own.
    server_profile = app_commands.Group(
        name="server-profile", description="Create or delete this server's own topic profiles",
        guild_only=True, default_permissions=MANAGE)

    @server_profile.command(name="create")
    @app_commands.describe(name="A name for the new profile",
                           keywords_or_ids="Comma-separated keywords, or arXiv ids of papers to learn from")
    async def profile_create(interaction: discord.Interaction, name: str, keywords_or_ids: str) -> None:
        """Create a server profile from keywords or arXiv ids"""
        _require_manage(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        p = await service.create_profile(interaction.guild_id or 0, name, keywords_or_ids)
        await reply(interaction, f"Created `{p.slug}` with {len(p.terms)} terms: "
                                 f"{', '.join(t.text for t in p.top_terms(8))}.")

    @server_profile.command(name="delete")
    @app_commands.describe(slug="The server profile to delete")
    async def profile_delete(interaction: discord.Interaction, slug: str) -> None:
        """Delete one of this server's own profiles"""
        _require_manage(interaction)
        service.delete_profile(interaction.guild_id or 0, slug)
        bot._changed(None)
        await reply(interaction, f"Deleted `{slug}` and this server's subscriptions to it.")

    tree.add_command(server_profile)

    @tree.command(name="paper")
    @app_commands.describe(id="An arXiv id or link, e.g. 2404.19756 or arxiv.org/abs/2404.19756")
    async def paper(interaction: discord.Interaction, id: str) -> None:
        """Look up an arXiv paper and how it scores for this channel"""
        await interaction.response.defer(thinking=True)  # a look-up can take seconds
        try:
            found = service.cached_paper(id) or await service.lookup_paper(id)
        except UserError:
            # A followup would resolve the public "thinking" message, showing the error to
            # everyone; without that message the error handler's reply is the caller's alone.
            await interaction.delete_original_response()
            raise
        scores = service.channel_scores(found, interaction.guild_id, interaction.channel_id)
        await reply(interaction, "", embeds=[paper_lookup_embed(found, scores)], ephemeral=False)

    digest_group = app_commands.Group(name="digest", description="Digest tools", guild_only=True)

    @digest_group.command(name="preview")
    @app_commands.describe(profile="Which subscription of this channel to preview (default: all)")
    @app_commands.autocomplete(profile=subscribed_choices)
    async def preview(interaction: discord.Interaction, profile: str | None = None) -> None:
        """Show only you what this channel's next digest would hold"""
        subs = [s for s in service.subscriptions(interaction.guild_id or 0, interaction.channel_id)
                if profile is None or s.profile_slug == profile]
        if not subs:
            raise UserError("This channel has no such subscription; see /subscriptions.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        now = service.clock()
        await service.prepare(subs, now)  # scoring runs in a worker thread
        embeds: list[Embed] = []
        lines = []
        for sub in subs:
            digest = service.pending_digest(sub, now)
            plans = plan_messages(digest)
            lines.append(plans[0].content if plans else f"`{sub.profile_slug}`: nothing pending yet.")
            embeds += [e for p in plans for e in p.embeds]
        await reply(interaction, "\n".join(lines), embeds=_fit(embeds))

    tree.add_command(digest_group)


def _fit(embeds: Sequence[Embed]) -> list[discord.Embed]:
    """As many embeds, in order, as fit in one message."""
    out: list[discord.Embed] = []
    used = 0
    for embed in embeds[:MAX_EMBEDS_PER_MESSAGE]:
        used += embed_chars(embed)
        if used > MAX_CHARS_PER_MESSAGE:
            break
        out.append(discord.Embed.from_dict(embed))
    return out
