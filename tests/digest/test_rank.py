"""Scoring, explanations and digest selection on small hand-made profiles."""

from __future__ import annotations

import datetime as dt

import pytest

from digest.models import DigestOptions, Paper, Profile, Term
from digest.rank import (
    ABSTRACT_WEIGHT,
    TITLE_WEIGHT,
    build_digest,
    build_index,
    features,
    raw_scores,
    score_day,
    score_paper,
    score_table,
)

OPERATORS = Profile(
    slug="neural-operators",
    name="Neural Operators",
    terms=(
        Term("neural operator", "neural operators", 1.0),
        Term("fourier neural operator", "Fourier neural operator", 0.8),
        Term("pde", "PDEs", 0.6),
        Term("operator", "operator", 0.3),
    ),
    size=12,
    scale=2.0,
)
SPIKING = Profile("spiking", "Spiking", (Term("spiking neuron", "spiking neurons", 1.0),
                                         Term("neuron", "neurons", 0.5)), (), 5, 1.5)


def paper(arxiv_id: str, title: str, abstract: str = "", kind: str = "new") -> Paper:
    return Paper(arxiv_id=arxiv_id, title=title, abstract=abstract, announce_type=kind)  # type: ignore[arg-type]


def test_a_score_is_the_weighted_presence_of_terms_over_the_scale() -> None:
    # title: "neural operator", "operator"; abstract: "pde", "operator". A title match counts
    # 1.25, an abstract match 1.0: 1.0 * 1.25 + 0.3 * (1.25 + 1.0) + 0.6 * 1.0 = 2.525, over 2.0.
    assert (TITLE_WEIGHT, ABSTRACT_WEIGHT) == (1.25, 1.0)
    result = score_paper(OPERATORS, paper("1", "A neural operator", "Solving PDEs with an operator."))
    assert result.score == 1.2625


def test_title_hit_outweighs_abstract_hit() -> None:
    in_title = score_paper(OPERATORS, paper("1", "Neural operators for weather", "We forecast."))
    in_abstract = score_paper(OPERATORS, paper("2", "Weather forecasting", "We use neural operators."))
    assert in_title.score > in_abstract.score > 0
    assert in_title.hits[0].in_title and not in_abstract.hits[0].in_title


def test_repeating_a_term_adds_nothing_and_length_does_not_dilute() -> None:
    once = score_paper(OPERATORS, paper("1", "x", "pde"))
    many = score_paper(OPERATORS, paper("2", "x", "pde " * 20))
    padded = score_paper(OPERATORS, paper("3", "x", "pde " + " ".join(f"w{n}" for n in range(300))))
    assert once.score == many.score == padded.score == round(0.6 / 2.0, 4)


def test_hits_explain_the_whole_score_with_words_folded_into_their_phrases() -> None:
    result = score_paper(OPERATORS, paper("1", "A neural operator", "Solving PDEs with an operator."))
    # 'operator' (0.3 in title and abstract) is folded into 'neural operators' (1.0 in the title)
    assert [(h.term, round(h.contribution, 4)) for h in result.hits] == [
        ("neural operators", 1.925), ("PDEs", 0.6)]
    assert result.score == round((1.925 + 0.6) / OPERATORS.scale, 4)


def test_unmatched_is_zero_and_unexplained() -> None:
    result = score_paper(OPERATORS, paper("2", "Galaxy surveys", "Redshifts."))
    assert result.score == 0 and result.hits == ()


DAY = [
    paper("2602.00003", "Neural operators for PDEs", "A Fourier neural operator.", "cross"),
    paper("2602.00001", "Spiking neurons", "We train spiking neurons on PDEs."),
    paper("2602.00002", "Galaxy surveys", "Redshifts of galaxies."),
    paper("2602.00004", "Operator learning", "An operator for neurons.", "replace"),
    paper("2602.00005", "Neural operator", "PDEs and neurons, with a neural operator."),
]


def test_one_path_gives_bit_identical_scores_whatever_else_is_scored() -> None:
    feats = [features(p.title, p.abstract) for p in DAY]
    both = score_table(build_index([OPERATORS, SPIKING]), feats).dense(len(DAY))
    alone = score_table(build_index([SPIKING]), feats[::-1]).dense(len(DAY))[::-1]
    assert both[:, 1].tolist() == alone[:, 0].tolist()
    assert [score_paper(OPERATORS, p).score for p in DAY] == both[:, 0].tolist()


def test_raw_scores_ignore_the_scale() -> None:
    feats = [features(p.title, p.abstract) for p in DAY]
    raw = raw_scores([OPERATORS], feats)[:, 0]
    assert raw.tolist() == pytest.approx([s * 2.0 for s in (
        score_paper(OPERATORS, p).score for p in DAY)], abs=1e-3)


def test_digest_filters_threshold_types_and_duplicates_and_breaks_ties_by_id() -> None:
    papers = [
        paper("3", "Neural operators", ""),
        paper("1", "Neural operators", ""),
        paper("1", "Neural operators", ""),
        paper("5", "Neural operators", "", kind="replace"),
        paper("6", "Neural operators", "", kind="cross"),
        paper("7", "Unrelated", "nothing here"),
    ]
    no_cross = build_digest(papers, OPERATORS, DigestOptions(min_score=0.1, include_cross=False))
    assert [s.paper.arxiv_id for s in no_cross.entries] == ["1", "3"]
    every = build_digest(papers, OPERATORS, DigestOptions(min_score=0.1, include_replacements=True))
    assert [s.paper.arxiv_id for s in every.entries] == ["1", "3", "5", "6"]
    assert every.considered == 5


def test_digest_keeps_best_n_and_excludes_delivered() -> None:
    papers = [paper(str(i), "Neural operators" + " for PDEs" * (i % 2), "") for i in range(6)]
    digest = build_digest(papers, OPERATORS, DigestOptions(min_score=0.0, max_papers=2),
                          exclude_ids=frozenset({"1"}), announced=dt.date(2026, 2, 5))
    assert [e.paper.arxiv_id for e in digest.entries] == ["3", "5"]
    assert digest.considered == 5
    assert digest.announced == dt.date(2026, 2, 5)


def test_a_profile_outside_the_index_is_read_the_same_way() -> None:
    day = score_day(build_index([OPERATORS]), DAY)
    options = DigestOptions(min_score=0.0, include_replacements=True)
    assert day.digest(SPIKING, options) == build_digest(DAY, SPIKING, options)
    changed = Profile(SPIKING.slug, SPIKING.name, SPIKING.terms[:1], (), 5, 1.5)
    assert [e.paper.arxiv_id for e in day.digest(changed, options).entries] == ["2602.00001"]


def test_day_digests_rank_best_first_and_respect_options() -> None:
    day = score_day(build_index([OPERATORS, SPIKING]), DAY)
    everything = DigestOptions(min_score=0.0, include_replacements=True)
    ranked = day.digest(OPERATORS, everything).entries
    assert [e.paper.arxiv_id for e in ranked] == ["2602.00003", "2602.00005", "2602.00004",
                                                  "2602.00001"]
    assert [e.score for e in ranked] == sorted((e.score for e in ranked), reverse=True)
    new_only = day.digest(OPERATORS, DigestOptions(min_score=0.0, include_cross=False),
                          exclude_ids=frozenset({"2602.00005"}))
    assert [e.paper.arxiv_id for e in new_only.entries] == ["2602.00001"]
    assert new_only.considered == 4
