"""Terminal, Markdown and JSON renderings of a digest."""

from __future__ import annotations

import datetime as dt
import json

from digest.models import Digest, DigestOptions, Hit, Paper, Profile, ScoredPaper, Term
from digest.render import excerpt, render_digest, shorten_authors

PROFILE = Profile("neural-operators", "Neural Operators", (Term("neural operator", "neural operators", 1.0),))
PAPER = Paper("2404.19756", "KAN: Kolmogorov-Arnold Networks", "Inspired by ...",
              authors=("Ziming Liu", "Yixuan Wang", "Sachin Vaidya", "Fabian Ruehle", "James Halverson"))
ENTRY = ScoredPaper(PAPER, "neural-operators", 0.8123,
                    (Hit("neural operators", True, 1.2), Hit("PDE", False, 0.3)))
DIGEST = Digest(PROFILE, (ENTRY,), dt.date(2026, 2, 5), considered=462,
                options=DigestOptions(min_score=0.3))


def test_shorten_authors() -> None:
    assert shorten_authors(PAPER.authors) == "Ziming Liu, Yixuan Wang, Sachin Vaidya et al."
    assert shorten_authors(PAPER.authors[:4]) == "Ziming Liu, Yixuan Wang, Sachin Vaidya, Fabian Ruehle"
    assert shorten_authors(()) == "(no authors listed)"


def test_excerpt_cuts_at_a_word() -> None:
    assert excerpt("alpha beta gamma", 100) == "alpha beta gamma"
    assert excerpt("alpha beta gamma", 12) == "alpha beta…"


def test_text_entry_shows_rank_score_title_authors_id_link_and_terms() -> None:
    text = render_digest(DIGEST, "text")
    assert "1. [0.81] KAN: Kolmogorov-Arnold Networks" in text
    assert "Ziming Liu, Yixuan Wang, Sachin Vaidya et al." in text
    assert "2404.19756 · https://arxiv.org/abs/2404.19756" in text
    assert "matched: neural operators*, PDE" in text
    assert "2026-02-05" in text and "1 of 462 papers" in text


def test_empty_digest_says_so() -> None:
    empty = Digest(PROFILE, (), dt.date(2026, 2, 5), considered=81, options=DigestOptions(min_score=0.5))
    assert "Nothing scored at or above 0.5 for neural-operators among 81 papers." in render_digest(empty)


def test_json_and_markdown() -> None:
    doc = json.loads(render_digest(DIGEST, "json"))
    assert doc["entries"][0]["arxiv_id"] == "2404.19756"
    assert doc["entries"][0]["matched"][0] == {"term": "neural operators", "in_title": True,
                                               "contribution": 1.2}
    md = render_digest(DIGEST, "markdown")
    assert "**[KAN: Kolmogorov-Arnold Networks](https://arxiv.org/abs/2404.19756)**" in md
