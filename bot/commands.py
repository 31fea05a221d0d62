"""The slash commands: a command tree whose one error handler turns `UserError`s into replies.

Commands find the service on the client (`interaction.client.service`). Discord applies
permissions and DM availability to top-level commands only, so everything that changes a
server's settings is a top-level command or a group of its own, registered with
`default_member_permissions` (Manage Channels) and `dm_permission=false`; the runtime check in
`_manager` stays as a defence against a server overriding what Discord shows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import aiohttp
import discord
from discord import app_commands

from bot.library import MAX_IDS_SHOWN
from bot.service import DigestService, Upload
from bot.votes import paper_view
from digest.catalog import match_profiles
from digest.custom import LibraryProfile
from digest.embeds import (
    MAX_CONTENT,
    Embed,
    fit_one_message,
    paper_lookup_embed,
    plan_messages,
    profile_embed,
    similar_embed,
)
from digest.errors import UserError
from digest.models import Subscription
from digest.render import excerpt
from digest.schedule import next_post_at, parse_timezone
from digest.subscriptions import SubscribeRequest

if TYPE_CHECKING:
    from bot.discord_app import DigestBot

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
MANAGE = discord.Permissions(manage_channels=True)
Choices = list[app_commands.Choice[str]]


class DigestTree(app_commands.CommandTree["DigestBot"]):
    """The bot's command tree: every command, and one place where errors become replies."""

    def __init__(self, client: DigestBot) -> None:
        super().__init__(client)
        commands: list[app_commands.Command[Any, Any, None] | app_commands.Group] = [
            subscribe, unsubscribe, subscriptions, profiles, profile, paper,
            ServerProfileCommands(), DigestCommands(), FeedbackCommands()]
        for command in commands:
            self.add_command(command)

    async def on_error(self, interaction: discord.Interaction[DigestBot],
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


async def reply(interaction: discord.Interaction, text: str, *, embeds: Sequence[Embed] = (),
                ephemeral: bool = True, view: discord.ui.View | None = None) -> None:
    """Answer an interaction, whether or not it was deferred first; mentions never ping."""
    content = excerpt(text, MAX_CONTENT) if text else None
    shown = [discord.Embed.from_dict(e) for e in embeds]
    components = view or discord.utils.MISSING
    if interaction.response.is_done():
        await interaction.followup.send(content or discord.utils.MISSING, embeds=shown,
                                        ephemeral=ephemeral, allowed_mentions=NO_MENTIONS,
                                        view=components)
    else:
        await interaction.response.send_message(content, embeds=shown, ephemeral=ephemeral,
                                                allowed_mentions=NO_MENTIONS, view=components)


def _service(interaction: discord.Interaction) -> DigestService:
    return cast("DigestBot", interaction.client).service


def _place(interaction: discord.Interaction) -> tuple[int, int]:
    """The server and channel a server-only command came from."""
    if interaction.guild_id is None or interaction.channel_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id, interaction.channel_id


def _manager(interaction: discord.Interaction) -> tuple[int, int]:
    """As `_place`, for a member allowed to change the server's digests."""
    where = _place(interaction)
    if not interaction.permissions.manage_channels:
        raise app_commands.MissingPermissions(["manage_channels"])
    return where


# -- autocomplete -----------------------------------------------------------------------------

async def profile_choices(interaction: discord.Interaction, current: str) -> Choices:
    found = match_profiles(_service(interaction).profiles_for(interaction.guild_id), current,
                           limit=25)
    return [app_commands.Choice(name=excerpt(f"{p.slug} — {p.name}", 100), value=p.slug)
            for p in found]


async def subscribed_choices(interaction: discord.Interaction, current: str) -> Choices:
    if interaction.guild_id is None:
        return []
    subs = _service(interaction).subscriptions(interaction.guild_id, interaction.channel_id)
    return [app_commands.Choice(name=s.profile_slug, value=s.profile_slug)
            for s in subs if current.lower() in s.profile_slug][:25]


async def category_choices(interaction: discord.Interaction, current: str) -> Choices:
    """The categories that complete the last one typed, after those already typed."""
    done, _, last = current.rpartition("+")
    prefix = f"{done}+" if done else ""
    typed = last.strip().lower()
    found = sorted(c for c in _service(interaction).known_categories
                   if c.lower().startswith(typed))
    return [app_commands.Choice(name=excerpt(prefix + c, 100), value=(prefix + c)[:100])
            for c in found[:25]]


# -- subscriptions ----------------------------------------------------------------------------

@app_commands.command(name="subscribe")
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
    guild_id, channel_id = _manager(interaction)
    sub, created, next_at = _service(interaction).subscribe(SubscribeRequest(
        guild_id, channel_id, interaction.user.id, profile, time, timezone, min_score,
        max_papers, categories, include_cross, include_replacements, nothing_today_note))
    verb = "Subscribed" if created else "Updated the subscription of"
    local = next_at.astimezone(parse_timezone(sub.timezone))
    await reply(interaction, f"{verb} this channel to `{sub.profile_slug}`. Next digest: "
                             f"{discord.utils.format_dt(next_at, 'F')} "
                             f"({local:%Y-%m-%d %H:%M} {sub.timezone}).")


@app_commands.command(name="unsubscribe")
@app_commands.guild_only()
@app_commands.default_permissions(manage_channels=True)
@app_commands.describe(profile="The subscription of this channel to stop")
@app_commands.autocomplete(profile=subscribed_choices)
async def unsubscribe(interaction: discord.Interaction, profile: str) -> None:
    """Stop this channel's digest for a profile"""
    guild_id, channel_id = _manager(interaction)
    _service(interaction).unsubscribe(guild_id, channel_id, profile)
    await reply(interaction, f"This channel no longer gets `{profile}`.")


@app_commands.command(name="subscriptions")
@app_commands.guild_only()
@app_commands.describe(server="List the whole server's subscriptions instead of this channel's")
async def subscriptions(interaction: discord.Interaction[DigestBot], server: bool = False) -> None:
    """List this channel's (or this server's) digest subscriptions"""
    guild_id, channel_id = _place(interaction)
    service = _service(interaction)
    subs = service.subscriptions(guild_id, None if server else channel_id)
    if not subs:
        await reply(interaction, "No subscriptions here yet. Try `/subscribe neural-operators`.")
        return
    now = service.clock()
    failing = interaction.client.failing()
    lines = [_describe_sub(s, discord.utils.format_dt(next_post_at(s, now), "R"),
                           failing.get(s.key, 0), service.votes_learned(s)) for s in subs]
    await reply(interaction, "\n".join(lines))


def _describe_sub(sub: Subscription, next_at: str, failed_tries: int = 0, voted: int = 0) -> str:
    state = "" if sub.enabled else f" — **disabled**: {sub.disabled_reason}"
    if voted:
        state += f" — learns from votes on {voted} paper{'s' if voted != 1 else ''}"
    if failed_tries:
        times = "1 time" if failed_tries == 1 else f"{failed_tries} times"
        state += f" — today's digest failed {times} (Discord error); trying again"
    return (f"`{sub.profile_slug}` in <#{sub.channel_id}> at {sub.post_time:%H:%M} {sub.timezone} "
            f"(next {next_at}), score ≥ {sub.min_score:g}, up to {sub.max_papers}, "
            f"{'+'.join(sub.categories)}{state}")


# -- profiles ---------------------------------------------------------------------------------

@app_commands.command(name="profiles")
@app_commands.describe(query="Filter by words in the profile's name or terms")
async def profiles(interaction: discord.Interaction, query: str | None = None) -> None:
    """List the topic profiles and their top terms"""
    found = match_profiles(_service(interaction).profiles_for(interaction.guild_id), query or "",
                           limit=40)
    if not found:
        raise UserError(f"No profile matches '{query}'.")
    lines = [f"`{p.slug}` ({p.size}) — {', '.join(t.text for t in p.top_terms(4))}" for p in found]
    await reply(interaction, "\n".join(lines))


@app_commands.command(name="profile")
@app_commands.describe(slug="The profile to show")
@app_commands.autocomplete(slug=profile_choices)
async def profile(interaction: discord.Interaction, slug: str) -> None:
    """Show a profile's keywords and exemplar papers"""
    shown = _service(interaction).profile(interaction.guild_id, slug)
    await reply(interaction, "", embeds=[profile_embed(shown)])


class ServerProfileCommands(app_commands.Group, name="server-profile",
                            description="Create or delete this server's own topic profiles",
                            guild_only=True, default_permissions=MANAGE):
    """/server-profile create|delete: a server's own profiles, for members who manage channels."""

    @app_commands.command(name="create")
    @app_commands.describe(
        name="A name for the new profile",
        keywords_or_ids="Comma-separated keywords, or arXiv ids of papers to learn from",
        file="A BibTeX, Zotero CSV, id list or .jsonl file of papers to learn from")
    async def create(self, interaction: discord.Interaction, name: str,
                     keywords_or_ids: str | None = None,
                     file: discord.Attachment | None = None) -> None:
        """Create a server profile from keywords, arXiv ids or an attached library file"""
        guild_id, _ = _manager(interaction)
        if keywords_or_ids is not None and file is not None:
            raise UserError("Give keywords_or_ids or a file to learn the profile from, not both.")
        if keywords_or_ids is None and file is None:
            raise UserError("Give keywords_or_ids, or attach a file of papers to learn the profile "
                            "from (BibTeX, Zotero CSV, arXiv ids or .jsonl).")
        await interaction.response.defer(ephemeral=True, thinking=True)
        service = _service(interaction)
        if file is not None:
            learned = await service.create_profile_from_file(guild_id, name, _upload(file))
            await reply(interaction, _learned_from_file(learned, file.filename))
            return
        made = await service.create_profile(guild_id, name, keywords_or_ids or "")
        await reply(interaction, f"Created `{made.slug}` with {len(made.terms)} terms: "
                                 f"{', '.join(t.text for t in made.top_terms(8))}.")

    @app_commands.command(name="delete")
    @app_commands.describe(slug="The server profile to delete")
    async def delete(self, interaction: discord.Interaction, slug: str) -> None:
        """Delete one of this server's own profiles"""
        guild_id, _ = _manager(interaction)
        _service(interaction).delete_profile(guild_id, slug)
        await reply(interaction, f"Deleted `{slug}` and this server's subscriptions to it.")


def _upload(file: discord.Attachment) -> Upload:
    """An attachment as the service reads it; a failed download is the member's to retry."""

    async def read() -> bytes:
        try:
            return await file.read()
        except (discord.HTTPException, aiohttp.ClientError) as exc:
            log.warning("downloading attachment %s failed: %r", file.id, exc)
            raise UserError(f"{file.filename}: Discord did not hand the file over; attach it "
                            "again in a minute.") from None

    return Upload(file.filename, file.size, read)


def _learned_from_file(learned: LibraryProfile, filename: str) -> str:
    """The reply to a profile made from a file: how many papers, what was skipped and why."""
    made, ids = learned.profile, learned.unknown_ids
    why = [f"{learned.skipped} with neither an abstract nor an arXiv id"] if learned.skipped else []
    if ids:
        more = f" and {len(ids) - MAX_IDS_SHOWN} more" if len(ids) > MAX_IDS_SHOWN else ""
        why.append(f"{len(ids)} whose arXiv id arXiv has no abstract for "
                   f"({', '.join(ids[:MAX_IDS_SHOWN])}{more})")
    entries = "entry" if learned.unused == 1 else "entries"
    skipped = f" Skipped {learned.unused} {entries}: {'; '.join(why)}." if why else " Skipped none."
    return (f"Created `{made.slug}` from {made.size} paper{'s' if made.size != 1 else ''} of "
            f"{filename}, with {len(made.terms)} terms: "
            f"{', '.join(t.text for t in made.top_terms(8))}.{skipped}")


# -- papers and digests -----------------------------------------------------------------------

@app_commands.command(name="paper")
@app_commands.describe(id="An arXiv id or link, e.g. 2404.19756 or arxiv.org/abs/2404.19756",
                       more="Also list the recent papers most like this one")
async def paper(interaction: discord.Interaction, id: str, more: bool = False) -> None:
    """Look up an arXiv paper and how it scores for this channel"""
    service = _service(interaction)
    await interaction.response.defer(thinking=True)  # a look-up can take seconds
    try:
        found = await service.lookup_paper(id)
    except UserError:
        # A followup would resolve the public "thinking" message, showing the error to
        # everyone; without that message the error handler's reply is the caller's alone.
        await interaction.delete_original_response()
        raise
    scores = service.channel_scores(found, interaction.guild_id, interaction.channel_id)
    embeds = [paper_lookup_embed(found, scores)]
    if more:
        near = await asyncio.to_thread(service.more_like, found, service.clock())
        embeds.append(similar_embed(found, near))
    view = paper_view(found.arxiv_id, [s.profile_slug for s in scores]) if scores else None
    await reply(interaction, "", embeds=embeds, ephemeral=False, view=view)


class DigestCommands(app_commands.Group, name="digest", description="Digest tools",
                     guild_only=True):
    """/digest preview: what this channel's next digest would hold, for the caller's eyes."""

    @app_commands.command(name="preview")
    @app_commands.describe(profile="Which subscription of this channel to preview (default: all)")
    @app_commands.autocomplete(profile=subscribed_choices)
    async def preview(self, interaction: discord.Interaction, profile: str | None = None) -> None:
        """Show only you what this channel's next digest would hold"""
        guild_id, channel_id = _place(interaction)
        service = _service(interaction)
        subs = [s for s in service.subscriptions(guild_id, channel_id)
                if profile is None or s.profile_slug == profile]
        if not subs:
            raise UserError("This channel has no such subscription; see /subscriptions.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        now = service.clock()
        await service.prepare(subs, now)  # scoring runs in a worker thread
        embeds: list[Embed] = []
        lines = []
        for sub in subs:
            plans = plan_messages(service.pending_digest(sub, now))
            lines.append(plans[0].content if plans else f"`{sub.profile_slug}`: nothing pending yet.")
            embeds += [e for p in plans for e in p.embeds]
        await reply(interaction, "\n".join(lines), embeds=fit_one_message(embeds))


class FeedbackCommands(app_commands.Group, name="feedback",
                       description="What this channel's votes have taught its digests",
                       guild_only=True, default_permissions=MANAGE):
    """/feedback reset: forget a subscription's votes, for members who manage channels."""

    @app_commands.command(name="reset")
    @app_commands.describe(profile="The subscription of this channel whose votes to forget")
    @app_commands.autocomplete(profile=subscribed_choices)
    async def reset(self, interaction: discord.Interaction, profile: str) -> None:
        """Forget this channel's votes on a profile's digest"""
        guild_id, channel_id = _manager(interaction)
        count = _service(interaction).reset_feedback(guild_id, channel_id, profile)
        await reply(interaction, f"Forgot this channel's votes on {count} paper"
                                 f"{'s' if count != 1 else ''} for `{profile}`; its digest ranks "
                                 "by the profile alone again.")
