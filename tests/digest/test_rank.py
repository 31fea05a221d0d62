"""Scoring, calibration and digest selection on small hand-made profiles."""

from __future__ import annotations

import datetime as dt

from digest.models import CorpusPaper, DigestOptions, Exemplar, Paper, Profile, Term
from digest.rank import (
    build_digest,
    build_index,
    calibrate,
    features,
    rank,
    score_day,
    score_matrix,
    score_paper,
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
    exemplars=(Exemplar("Fourier Neural Operator for Parametric PDEs", "2010.08895"),),
    size=12,
    scale=2.0,
)


def paper(arxiv_id: str, title: str, abstract: str = "", kind: str = "new") -> Paper:
    return Paper(arxiv_id=arxiv_id, title=title, abstract=abstract, announce_type=kind)  # type: ignore[arg-type]


def test_title_hit_outweighs_abstract_hit() -> None:
    in_title = score_paper(OPERATORS, paper("1", "Neural operators for weather", "We forecast."))
    in_abstract = score_paper(OPERATORS, paper("2", "Weather forecasting", "We use neural operators."))
    assert in_title.score > in_abstract.score > 0
    assert in_title.hits[0].in_title and not in_abstract.hits[0].in_title


def test_hits_explain_the_whole_score_with_words_folded_into_their_phrases() -> None:
    result = score_paper(OPERATORS, paper("1", "A neural operator", "Solving PDEs with an operator."))
    assert [h.term for h in result.hits] == ["neural operators", "PDEs"]
    raw = sum(h.contribution for h in result.hits)  # 'operator' is folded into 'neural operators'
    assert round(raw / OPERATORS.scale, 4) == result.score
    alone = score_paper(OPERATORS, paper("2", "A neural operator", "Solving PDEs."))
    assert result.hits[0].contribution > alone.hits[0].contribution


def test_repeated_terms_saturate() -> None:
    once = score_paper(OPERATORS, paper("1", "x", "pde"))
    many = score_paper(OPERATORS, paper("2", "x", "pde " * 20))
    assert once.score < many.score < once.score * 2.2


def test_score_is_deterministic_and_unmatched_is_zero() -> None:
    p = paper("1", "Neural operators", "PDEs")
    assert score_paper(OPERATORS, p) == score_paper(OPERATORS, p)
    assert score_paper(OPERATORS, paper("2", "Galaxy surveys", "Redshifts.")).score == 0


def test_calibration_maps_the_median_exemplar_to_one() -> None:
    corpus = [CorpusPaper("Fourier Neural Operator for Parametric PDEs", "We learn neural operators.")]
    [calibrated] = calibrate([OPERATORS], corpus)
    exemplar = Paper("2010.08895", corpus[0].title, corpus[0].abstract)
    assert score_paper(calibrated, exemplar).score == 1.0


def test_rank_filters_threshold_types_and_duplicates_and_breaks_ties_by_id() -> None:
    papers = [
        paper("3", "Neural operators", ""),
        paper("1", "Neural operators", ""),
        paper("1", "Neural operators", ""),
        paper("5", "Neural operators", "", kind="replace"),
        paper("6", "Neural operators", "", kind="cross"),
        paper("7", "Unrelated", "nothing here"),
    ]
    ranked = rank(papers, OPERATORS, DigestOptions(min_score=0.1, include_cross=False))
    assert [s.paper.arxiv_id for s in ranked] == ["1", "3"]
    with_all = rank(papers, OPERATORS, DigestOptions(min_score=0.1, include_replacements=True))
    assert [s.paper.arxiv_id for s in with_all] == ["1", "3", "5", "6"]


def test_digest_keeps_best_n_and_excludes_delivered() -> None:
    papers = [paper(str(i), "Neural operators" + " for PDEs" * (i % 2), "") for i in range(6)]
    digest = build_digest(papers, OPERATORS, DigestOptions(min_score=0.0, max_papers=2),
                          exclude_ids=frozenset({"1"}), announced=dt.date(2026, 2, 5))
    assert [e.paper.arxiv_id for e in digest.entries] == ["3", "5"]
    assert digest.considered == 5
    assert digest.announced == dt.date(2026, 2, 5)


# -- the vectorised index, day scores and background weighting (issue 5) --------------------

SPIKING = Profile("spiking", "Spiking", (Term("spiking neuron", "spiking neurons", 1.0),
                                         Term("neuron", "neurons", 0.5)), (), 5, 1.5)
DAY = [
    paper("2602.00003", "Neural operators for PDEs", "A Fourier neural operator.", "cross"),
    paper("2602.00001", "Spiking neurons", "We train spiking neurons on PDEs."),
    paper("2602.00002", "Galaxy surveys", "Redshifts of galaxies."),
    paper("2602.00004", "Operator learning", "An operator for neurons.", "replace"),
    paper("2602.00005", "Neural operator", "PDEs and neurons, with a neural operator."),
]


def test_the_score_matrix_agrees_with_score_paper() -> None:
    matrix = score_matrix(build_index([OPERATORS, SPIKING]),
                          [features(p.title, p.abstract) for p in DAY])
    expected = [[score_paper(prof, p).score for prof in (OPERATORS, SPIKING)] for p in DAY]
    assert matrix.tolist() == expected


def test_a_longer_abstract_dilutes_the_same_hits() -> None:
    words = " ".join(f"word{n}" for n in range(200))
    short = score_paper(OPERATORS, paper("1", "Neural operators", f"For PDEs. {words[:200]}"))
    long = score_paper(OPERATORS, paper("2", "Neural operators", f"For PDEs. {words}"))
    assert 0 < long.score < short.score
    assert [h.term for h in long.hits] == [h.term for h in short.hits]


def test_day_digests_equal_build_digest() -> None:
    day = score_day(build_index([OPERATORS, SPIKING]), DAY)
    other = Profile("other", "Other", (Term("galaxy", "galaxies", 1.0),), (), 1, 1.0)
    for profile in (OPERATORS, SPIKING, other):
        for options in (DigestOptions(min_score=0.0), DigestOptions(min_score=0.5, max_papers=1),
                        DigestOptions(min_score=0.0, include_cross=False,
                                      include_replacements=True)):
            for exclude in (frozenset(), frozenset({"2602.00005"})):
                assert day.digest(profile, options, exclude_ids=exclude) == build_digest(
                    DAY, profile, options, exclude_ids=exclude)
