"""Vote buttons under digest entries: persistent components that name the subscription's profile,
the paper and the vote in their custom id, so they keep working after a restart.

The channel and server come from the click itself, so a button only ever counts for the
subscription of the channel it was clicked in.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.service import VoteOutcome
from digest.embeds import VoteButtons
from digest.errors import UserError
from digest.render import excerpt

if TYPE_CHECKING:
    from bot.discord_app import DigestBot

log = logging.getLogger(__name__)

UP, DOWN = 1, -1
TEMPLATE = r"dv:(?P<slug>[a-z0-9][a-z0-9-]*):(?P<paper>[^:\s]+):(?P<vote>[ud])"
PAPERS_PER_ROW = 2  # 👍 and 👎 for two papers: four buttons a row, five rows for ten papers


def vote_custom_id(slug: str, arxiv_id: str, vote: int) -> str:
    """The custom id of a vote button (Discord allows 100 characters)."""
    return f"dv:{slug}:{arxiv_id}:{'u' if vote > 0 else 'd'}"


class VoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """👍 (relevant) or 👎 (not for us) on one paper of one profile's digest."""

    def __init__(self, slug: str, arxiv_id: str, vote: int, label: str | None = None,
                 row: int | None = None) -> None:
        self.slug, self.arxiv_id, self.vote = slug, arxiv_id, vote
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.secondary, emoji="👍" if vote > 0 else "👎",
            label=excerpt(label, 80) if label else None,
            custom_id=vote_custom_id(slug, arxiv_id, vote), row=row))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> VoteButton:
        return cls(match["slug"], match["paper"], UP if match["vote"] == "u" else DOWN)

    async def callback(self, interaction: discord.Interaction) -> None:
        service = cast("DigestBot", interaction.client).service
        counted = False
        try:
            if interaction.guild_id is None or interaction.channel_id is None:
                raise UserError("Votes count in a server channel's digest.")
            outcome = service.vote(interaction.guild_id, interaction.channel_id, self.slug,
                                   self.arxiv_id, interaction.user.id, self.vote)
            text, counted = _acknowledge(self.slug, self.arxiv_id, outcome), True
        except UserError as exc:
            text = str(exc)
        except Exception:  # a button is a boundary: the member gets a line, the log the rest
            log.exception("vote on %s/%s failed", self.slug, self.arxiv_id)
            text = "Something went wrong on our side; the vote was not counted. It has been logged."
        await interaction.response.send_message(text, ephemeral=True,
                                                allowed_mentions=discord.AllowedMentions.none())
        if counted:
            service.save_votes()


def _acknowledge(slug: str, arxiv_id: str, outcome: VoteOutcome) -> str:
    said = "relevant 👍" if outcome.vote > 0 else "not for us 👎"
    tally = f"({outcome.likes} 👍, {outcome.dislikes} 👎 in this channel)"
    if outcome.previous == outcome.vote:
        return f"You had already marked arXiv:{arxiv_id} {said} {tally}; the other button changes it."
    verb = "Changed your vote" if outcome.previous else "Counted your vote"
    return (f"{verb}: arXiv:{arxiv_id} is {said} for this channel's `{slug}` digest {tally}. "
            f"`{slug}` here now learns from votes on {outcome.papers_voted} "
            f"paper{'s' if outcome.papers_voted != 1 else ''}.")


def digest_view(buttons: VoteButtons) -> discord.ui.View:
    """The buttons under one digest message: 👍 and 👎 labelled with each paper's rank."""
    view = discord.ui.View(timeout=None)
    for n, (rank, arxiv_id) in enumerate(buttons.papers):
        row = n // PAPERS_PER_ROW
        view.add_item(VoteButton(buttons.profile_slug, arxiv_id, UP, str(rank), row))
        view.add_item(VoteButton(buttons.profile_slug, arxiv_id, DOWN, str(rank), row))
    return view


def paper_view(arxiv_id: str, slugs: Sequence[str]) -> discord.ui.View:
    """The buttons under a /paper answer: 👍 and 👎 for each of the channel's profiles shown."""
    view = discord.ui.View(timeout=None)
    for row, slug in enumerate(slugs[:5]):
        view.add_item(VoteButton(slug, arxiv_id, UP, slug, row))
        view.add_item(VoteButton(slug, arxiv_id, DOWN, slug, row))
    return view
