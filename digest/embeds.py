"""Discord-shaped digests: embed dicts within Discord's limits, grouped into messages.

The dicts follow Discord's embed object, so the shell can hand them to `discord.Embed.from_dict`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from digest.feedback import describe_shift
from digest.models import ABS_URL, Digest, Exemplar, Paper, Profile, ScoredPaper
from digest.render import describe_hits, excerpt, shorten_authors
from digest.vectors import Similar

MAX_EMBEDS_PER_MESSAGE = 10
MAX_CHARS_PER_MESSAGE = 6000
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELD_VALUE = 1024
MAX_CONTENT = 2000
ABSTRACT_EXCERPT_CHARS = 700
COLOUR = 0xB31B1B  # arXiv red

Embed = dict[str, Any]


@dataclass(frozen=True, slots=True)
class VoteButtons:
    """The vote buttons under a digest message: its profile, and each paper's rank and id."""

    profile_slug: str
    papers: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class MessagePlan:
    """One Discord message: its text, its embeds, the papers it carries, and their buttons."""

    content: str
    embeds: tuple[Embed, ...]
    arxiv_ids: tuple[str, ...]
    votes: VoteButtons | None = None


_MARKDOWN = re.compile(r"([\\*_~|`>#\[\]()])")
_LINK_SCHEME = re.compile(r"(?i)\b(https?|ftp)://")
_MENTION = re.compile(r"@(?=everyone\b|here\b)|<(?=[@#:/]|a:|t:)")
_ZERO_WIDTH = "\u200b"


def defang(text: str) -> str:
    """Text from arXiv made inert for Discord without changing how it reads: no mention can
    ping, no URL becomes a link, no masked link ("[text](url)") forms."""
    text = _MENTION.sub(lambda m: m.group(0) + _ZERO_WIDTH, text)
    text = _LINK_SCHEME.sub(lambda m: m.group(1) + _ZERO_WIDTH + "://", text)
    return text.replace("](", "]" + _ZERO_WIDTH + "(")


def neutral(text: str) -> str:
    """Text from arXiv for a place Discord renders as Markdown: defanged, and every Markdown
    character escaped, so that TeX like `$x_i * y_j$` shows as written."""
    return defang(_MARKDOWN.sub(r"\\\1", text))


def embed_chars(embed: Embed) -> int:
    """The characters Discord counts towards a message's 6,000-character embed budget."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len(embed.get("footer", {}).get("text", "")) + len(embed.get("author", {}).get("name", ""))
    return total + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))


def paper_embed(paper: Paper, *, description_chars: int = ABSTRACT_EXCERPT_CHARS) -> Embed:
    """A paper as an embed: linked title, authors, abstract excerpt, categories and links."""
    description = (f"*{neutral(shorten_authors(paper.authors))}*\n\n"
                   f"{neutral(excerpt(paper.abstract, description_chars))}")
    fields = [{"name": "Links", "value": f"[abs]({paper.abs_url}) · [pdf]({paper.pdf_url})",
               "inline": True}]
    if paper.categories:
        fields.insert(0, {"name": "Categories",
                          "value": excerpt(neutral(", ".join(paper.categories)), 200),
                          "inline": True})
    footer = f"arXiv:{paper.arxiv_id}" + (f"v{paper.version}" if paper.version else "")
    if paper.announce_type != "unknown":
        footer += f" · {paper.announce_type}"
    return {
        "title": excerpt(defang(paper.title), MAX_TITLE),
        "url": paper.abs_url,
        "description": excerpt(description, min(description_chars, MAX_DESCRIPTION)),
        "color": COLOUR,
        "fields": fields,
        "footer": {"text": footer},
    }


def scored_embed(entry: ScoredPaper, rank: int | None = None) -> Embed:
    """A digest entry as an embed: the paper plus its score and the terms that matched."""
    embed = paper_embed(entry.paper)
    if rank is not None:
        embed["title"] = excerpt(f"{rank}. {defang(entry.paper.title)}", MAX_TITLE)
    matched = neutral(describe_hits(entry, max_terms=8)) or "—"
    steered = describe_shift(entry.shift) if entry.shift else ""
    if steered:
        matched = f"{matched}\n{steered}"
    embed["fields"] = [
        {"name": "Score", "value": f"{entry.score:.2f}", "inline": True},
        {"name": "Matched", "value": excerpt(matched, MAX_FIELD_VALUE), "inline": False},
        *embed["fields"],
    ]
    return embed


def digest_header(digest: Digest) -> str:
    """The short text that opens a digest: date, profile and count."""
    day = digest.announced.isoformat() if digest.announced else "today"
    count = len(digest.entries)
    noun = "paper" if count == 1 else "papers"
    return (f"**arXiv digest · {day} · {excerpt(digest.profile.name, 100)}** "
            f"(`{digest.profile.slug}`): "
            f"{count} {noun} scored ≥ {digest.options.min_score:g}")[:MAX_CONTENT]


def plan_messages(digest: Digest, skip_ids: frozenset[str] = frozenset()) -> list[MessagePlan]:
    """The digest split into messages of at most 10 embeds and 6,000 embed characters.

    Entries in `skip_ids` (already delivered) are left out; the header goes on the first
    message only when no entry of this digest has been delivered yet.
    """
    entries = [(i, e) for i, e in enumerate(digest.entries, 1) if e.paper.arxiv_id not in skip_ids]
    if not entries:
        return []
    first = not (skip_ids & {e.paper.arxiv_id for e in digest.entries})
    pairs = [(scored_embed(e, i), e.paper.arxiv_id, i) for i, e in entries]
    return _pack(pairs, digest_header(digest) if first else "", digest.profile.slug)


def fit_one_message(embeds: Sequence[Embed]) -> tuple[Embed, ...]:
    """As many of the embeds, in order, as one message can carry."""
    if not embeds:
        return ()
    return _pack([(e, "", 0) for e in embeds], "", None)[0].embeds


Packed = tuple[Embed, str, int]  # an embed, its paper's id and rank


def _pack(pairs: Sequence[Packed], content: str, slug: str | None) -> list[MessagePlan]:
    """Embeds grouped into messages; with a profile slug, each message gets its vote buttons
    (two a paper: ten papers fill Discord's five rows of four)."""
    plans: list[MessagePlan] = []
    batch: list[Packed] = []
    used = 0
    for embed, arxiv_id, rank in pairs:
        size = embed_chars(embed)
        if batch and (len(batch) == MAX_EMBEDS_PER_MESSAGE or used + size > MAX_CHARS_PER_MESSAGE):
            plans.append(_plan(content if not plans else "", batch, slug))
            batch, used = [], 0
        batch.append((embed, arxiv_id, rank))
        used += size
    plans.append(_plan(content if not plans else "", batch, slug))
    return plans


def _plan(content: str, batch: Sequence[Packed], slug: str | None) -> MessagePlan:
    votes = VoteButtons(slug, tuple((r, i) for _, i, r in batch)) if slug else None
    return MessagePlan(content, tuple(e for e, _, _ in batch), tuple(i for _, i, _ in batch),
                       votes)


def nothing_today(digest: Digest) -> str:
    """The optional note posted when nothing matched."""
    day = digest.announced.isoformat() if digest.announced else "today"
    return (f"**arXiv digest · {day} · {excerpt(digest.profile.name, 100)}**: nothing scored ≥ "
            f"{digest.options.min_score:g} among {digest.considered} new papers.")[:MAX_CONTENT]


def paper_lookup_embed(paper: Paper, scores: Sequence[ScoredPaper]) -> Embed:
    """The /paper answer: the paper, its dates, and its score against the channel's profiles."""
    embed = paper_embed(paper, description_chars=1500)
    dates = [f"published {paper.published.isoformat()}" if paper.published else "",
             f"updated {paper.updated.isoformat()}"
             if paper.updated and paper.updated != paper.published else ""]
    if any(dates):
        embed["fields"].append({"name": "Dates", "value": ", ".join(d for d in dates if d),
                                "inline": True})
    for s in scores[:5]:
        embed["fields"].append({"name": f"Score for {s.profile_slug}: {s.score:.2f}",
                                "value": excerpt(neutral(describe_hits(s)) or "no terms matched",
                                                 MAX_FIELD_VALUE),
                                "inline": False})
    return embed


def profile_embed(profile: Profile) -> Embed:
    """The /profile answer: the top terms, then exemplar papers linked to arXiv."""
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
    return {"title": excerpt(defang(f"{profile.name} ({profile.slug})"), MAX_TITLE),
            "description": "\n".join(lines), "color": COLOUR}


def exemplar_url(exemplar: Exemplar) -> str:
    """The paper's abs page; a corpus paper without an id links to an arXiv title search."""
    if exemplar.arxiv_id:
        return ABS_URL.format(exemplar.arxiv_id)
    return "https://arxiv.org/search/?" + urlencode({"query": exemplar.title,
                                                      "searchtype": "title"})


def similar_embed(paper: Paper, near: Sequence[Similar]) -> Embed:
    """The papers most like one paper, each with how close it is and the terms they share."""
    lines: list[str] = []
    for found in near:
        line = (f"• [{neutral(excerpt(found.paper.title, 120))}]({found.paper.abs_url}) "
                f"({found.similarity:.2f}; {neutral(', '.join(found.shared)) or 'few shared terms'})")
        if sum(len(x) + 1 for x in lines) + len(line) > MAX_DESCRIPTION:
            break
        lines.append(line)
    return {"title": excerpt(f"Recent papers like arXiv:{paper.arxiv_id}", MAX_TITLE),
            "description": "\n".join(lines) or "No recent paper the bot holds is close to it.",
            "color": COLOUR}
