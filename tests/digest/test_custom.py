"""Guild-custom profiles from keywords and from papers, scored on a real day of quant-ph."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from digest.custom import CustomProfileError, profile_from_keywords, profile_from_papers
from digest.feed import parse_feed
from digest.models import Paper
from digest.rank import score_paper


@pytest.fixture(scope="module")
def day(fixtures_dir: Path) -> dict[str, Paper]:
    batch = parse_feed((fixtures_dir / "feeds" / "quant-ph_2025-04-28.xml").read_bytes())
    return {p.arxiv_id: p for p in batch.papers}


def test_one_keyword_in_the_title_and_one_in_the_abstract_scores_about_one(
    day: dict[str, Paper]
) -> None:
    profile = profile_from_keywords("qc", "Quantum circuits", ["quantum circuits", "variational"], 7)
    assert [t.key for t in profile.terms] == ["quantum circuit", "variational"]
    hit = score_paper(profile, day["2504.18090"])  # title: "Quantum Circuit Learning ..."
    assert [(h.term, h.in_title) for h in hit.hits] == [("quantum circuits", True),
                                                         ("variational", False)]
    assert 0.5 <= hit.score <= 2.0
    scores = [score_paper(profile, p).score for p in day.values()]
    assert sum(s > 0 for s in scores) < len(scores) / 2  # most of the day is about other things


def test_keywords_without_a_searchable_word_are_refused() -> None:
    with pytest.raises(CustomProfileError, match="searchable word"):
        profile_from_keywords("x", "X", ["the", "of and"], 7)


def test_a_profile_from_papers_scores_them_one_at_the_median(day: dict[str, Paper]) -> None:
    chosen = [day[i] for i in ("2504.18090", "2504.18334", "2504.18527")]
    profile = profile_from_papers("mine", "Mine", chosen, 7)
    assert [e.arxiv_id for e in profile.exemplars] == ["2504.18090", "2504.18334", "2504.18527"]
    assert statistics.median(score_paper(profile, p).score for p in chosen) == pytest.approx(1.0,
                                                                                          abs=1e-3)
    assert "quantum circuit" in [t.key for t in profile.terms]
