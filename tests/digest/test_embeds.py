"""Digest embeds stay within Discord's limits and split into messages correctly."""

from __future__ import annotations

import datetime as dt
import re

from digest.embeds import (
    MAX_EMBEDS_PER_MESSAGE,
    plan_messages,
    scored_embed,
)
from digest.models import Digest, DigestOptions, Hit, Paper, Profile, ScoredPaper, Term
from tests.support.discord_contract import EMBED_TOTAL_MAX, embed_size

PROFILE = Profile("neural-operators", "Neural Operators", (Term("neural operator", "neural operators", 1.0),))


def entry(i: int, title_len: int = 80, abstract_len: int = 3000) -> ScoredPaper:
    paper = Paper(f"2602.{i:05d}", ("T" * title_len), ("word " * (abstract_len // 5)).strip(),
                  authors=tuple(f"Author {k}" for k in range(30)), categories=("cs.LG", "stat.ML"),
                  version=1, announce_type="new")
    return ScoredPaper(paper, PROFILE.slug, 1.0 - i / 100, (Hit("neural operators", True, 1.0),))


def digest(n: int, **kw: int) -> Digest:
    return Digest(PROFILE, tuple(entry(i, **kw) for i in range(n)), dt.date(2026, 2, 5), 462,
                  DigestOptions(max_papers=n))


def test_embed_fields_fit_discord_limits() -> None:
    embed = scored_embed(entry(1, title_len=400, abstract_len=9000), rank=1)
    assert len(embed["title"]) <= 256 and embed["title"].endswith("…")
    assert len(embed["description"]) <= 4096
    assert embed["url"] == "https://arxiv.org/abs/2602.00001"
    names = [f["name"] for f in embed["fields"]]
    assert names == ["Score", "Matched", "Categories", "Links"]
    assert embed["fields"][1]["value"] == "neural operators\\*"  # shows as "neural operators*"
    assert embed["footer"]["text"] == "arXiv:2602.00001v1 · new"


def test_long_digest_splits_by_count_and_characters() -> None:
    plans = plan_messages(digest(25))
    assert [len(p.embeds) for p in plans] == [6, 6, 6, 6, 1]  # each embed is ~950 chars
    for plan in plans:
        assert len(plan.embeds) <= MAX_EMBEDS_PER_MESSAGE
        assert sum(embed_size(e) for e in plan.embeds) <= EMBED_TOTAL_MAX  # Discord's count, not ours
    assert plans[0].content.startswith("**arXiv digest · 2026-02-05 · Neural Operators**")
    assert all(p.content == "" for p in plans[1:])
    assert [i for p in plans for i in p.arxiv_ids] == [f"2602.{i:05d}" for i in range(25)]


def test_short_embeds_split_at_ten() -> None:
    plans = plan_messages(digest(23, abstract_len=50))
    assert [len(p.embeds) for p in plans] == [10, 10, 3]


def test_already_delivered_entries_are_skipped_without_a_second_header() -> None:
    d = digest(12, abstract_len=50)
    done = frozenset(f"2602.{i:05d}" for i in range(10))
    [rest] = plan_messages(d, done)
    assert rest.content == "" and rest.arxiv_ids == ("2602.00010", "2602.00011")
    assert plan_messages(d, frozenset(e.paper.arxiv_id for e in d.entries)) == []


HOSTILE = Paper(
    "2602.00099",
    "Click [the official arXiv page](http://evil.example/x) @everyone",
    "See [the official arXiv page](https://evil.example/y) or <@123456> and @here; "
    "with $x_i * y_j$ and `code` > quote | spoiler ~~ # heading.",
    authors=("[Evil](http://evil.example/a)", "@everyone"),
    categories=("cs.LG", "[x](http://evil.example/c)"),
    version=1, announce_type="new",
)
_MASKED_LINK = re.compile(r"\[[^\]]*\]\((?:https?|ftp)://")


def _texts(embed: dict[str, object]) -> list[str]:
    fields = embed["fields"]
    assert isinstance(fields, list)
    return [str(embed["title"]), str(embed["description"]),
            *(str(f["value"]) for f in fields if f["name"] != "Links")]


def test_arxiv_text_cannot_link_ping_or_format() -> None:
    """Only the bot's own abs/pdf links are links; arXiv's text reads as it was written."""
    scored = ScoredPaper(HOSTILE, PROFILE.slug, 0.9, (Hit("[term](http://evil)", False, 1.0),))
    embed = scored_embed(scored, rank=1)
    for text in _texts(embed):
        assert not _MASKED_LINK.search(text), text
        assert "http://" not in text and "https://" not in text, text
        assert "@everyone" not in text and "@here" not in text and "<@1" not in text, text
    assert "x\\_i \\* y\\_j" in embed["description"]  # TeX shows as written, not as italics
    [links] = [f["value"] for f in embed["fields"] if f["name"] == "Links"]
    assert links == "[abs](https://arxiv.org/abs/2602.00099) · [pdf](https://arxiv.org/pdf/2602.00099)"


def test_a_long_profile_name_cannot_push_a_note_or_header_over_discords_limit() -> None:
    from digest.embeds import MAX_CONTENT, digest_header, nothing_today

    named = Profile("x", "n" * 10_000, PROFILE.terms)
    empty = Digest(named, (), dt.date(2026, 2, 5), 462, DigestOptions())
    assert len(nothing_today(empty)) <= MAX_CONTENT and len(digest_header(empty)) <= MAX_CONTENT
    assert "nothing scored" in nothing_today(empty)
