"""The ranking evaluation on a tiny synthetic corpus and background: folds, metrics, harness."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

import pytest

from benchmarks.evaluation import (
    Day,
    Metrics,
    Ranker,
    ScoreFn,
    clean_background,
    evaluate,
    fold_indices,
    format_table,
    head_to_head,
    hide_in_day,
    keyword_phrases,
    keyword_ranker,
    metrics,
    profile_ranker,
    splits,
    svm_ranker,
    verdict,
)
from digest.background import Background
from digest.models import CorpusPaper, Exemplar, Paper, Profile, Term

TOPICS = ("neural operator for pde", "spiking neuron network", "physics informed neural network")
OTHER = ("galaxy redshift survey", "protein folding structure", "legal text retrieval")


def corpus_paper(n: int) -> CorpusPaper:
    topic = TOPICS[n % len(TOPICS)]
    return CorpusPaper(f"Paper {n} on {topic}", f"We study the {topic} problem, case {n}. " * 3)


def background_paper(day: int, n: int) -> Paper:
    topic = OTHER[n % len(OTHER)]
    return Paper(f"26{day:02d}.{n:05d}", f"Report {day}-{n} on {topic}",
                 f"A {topic} analysis, item {n}. " * 3)


CORPUS = [corpus_paper(n) for n in range(25)]
DAYS = [Day("day-a", tuple(background_paper(1, n) for n in range(12))),
        Day("day-b", tuple(background_paper(2, n) for n in range(15)))]


def test_folds_partition_the_corpus_near_evenly() -> None:
    folds = fold_indices(23, k=5, seed=0)
    members = [i for fold in folds for i in fold]
    assert sorted(members) == list(range(23))
    assert {len(f) for f in folds} == {4, 5}
    assert all(list(f) == sorted(f) for f in folds)


def test_folds_are_fixed_by_the_seed() -> None:
    # pinned, so that a recorded figure can be reproduced in another session or Python version
    assert fold_indices(10, 3, seed=1) == [(0, 2, 6, 7), (4, 5, 8), (1, 3, 9)]
    assert fold_indices(50, 5, seed=3) != fold_indices(50, 5, seed=4)


def test_metrics_on_a_hand_computed_ranking() -> None:
    # Order: pos (0.9), neg (0.8), pos (0.7), neg (0.1). Of the 4 pos-neg pairs, 3 are in order;
    # precision at each positive: 1/1 and 2/3.
    result = metrics([True, False, True, False], [0.9, 0.8, 0.7, 0.1])
    assert result.roc_auc == pytest.approx(0.75)
    assert result.average_precision == pytest.approx((1 + 2 / 3) / 2)
    assert result.recall_at_50 == 1.0
    assert result.precision_at_20 == pytest.approx(2 / 20)


def test_metrics_break_ties_by_test_set_order() -> None:
    assert metrics([False, True], [0.5, 0.5]) == Metrics(0.0, 0.5, 1.0, 1 / 20)
    assert metrics([True, False], [0.5, 0.5]) == Metrics(1.0, 1.0, 1.0, 1 / 20)


def test_recall_and_precision_count_only_the_top() -> None:
    labels = [True] * 60 + [False] * 40
    scores = [float(-i) for i in range(100)]  # the 60 positives come first
    result = metrics(labels, scores)
    assert result.recall_at_50 == pytest.approx(50 / 60)
    assert result.precision_at_20 == 1.0


def test_background_is_deduplicated_by_id_and_cleared_of_corpus_titles() -> None:
    repeat = background_paper(1, 0)
    copy = Paper("2699.00001", CORPUS[0].title.upper(), "same paper, other listing")
    days = clean_background(
        [("a", [repeat, background_paper(1, 1)]), ("b", [repeat, copy, background_paper(2, 2)])],
        CORPUS,
    )
    assert [len(d.papers) for d in days] == [2, 1]
    assert (days[1].dropped_repeats, days[1].dropped_corpus_titles) == (1, 1)


def test_hidden_papers_sit_among_the_days_papers_in_id_order() -> None:
    hidden = [Paper(f"heldout-{n:04d}", f"hidden {n}", "") for n in range(5)]
    split = hide_in_day(2, DAYS[0], hidden, random.Random(7))
    assert sum(split.labels) == 5 and len(split.test) == 17
    day_ids = [p.arxiv_id for p, hid in zip(split.test, split.labels, strict=True) if not hid]
    assert day_ids == sorted(p.arxiv_id for p in DAYS[0].papers)
    assert {p.arxiv_id for p, hid in zip(split.test, split.labels, strict=True) if hid} == {
        p.arxiv_id for p in hidden}
    again = hide_in_day(2, DAYS[0], hidden, random.Random(7))
    assert again == split


def test_splits_hide_each_fold_in_each_day() -> None:
    made = splits(CORPUS, DAYS, k=5, seed=0)
    assert [(s.fold, s.day) for s in made] == list(itertools.product(range(5), ("day-a", "day-b")))
    hidden = {p.title for s in made if s.day == "day-a" for p, h in zip(s.test, s.labels, strict=True) if h}
    assert hidden == {p.title for p in CORPUS}


def _by_word(word: str) -> ScoreFn:
    return lambda papers: [float(word in p.abstract) for p in papers]


def test_a_perfect_ranker_scores_perfectly_and_the_timer_is_injected() -> None:
    calls: list[int] = []

    def fit(positives: Sequence[CorpusPaper], negatives: Sequence[Paper]) -> ScoreFn:
        calls.append(len(negatives))
        return _by_word("study")

    clock = itertools.count()
    [row] = evaluate(CORPUS, DAYS, [Ranker("perfect", fit)], lambda: float(next(clock)))
    assert row.mean == Metrics(1.0, 1.0, 1.0, 5 / 20)
    assert row.std == Metrics(0.0, 0.0, 0.0, 0.0)
    assert calls == [0] * 5  # fitted once per fold, no negatives asked for
    assert row.seconds == (2.0,) * 5  # each test set: one tick from start to end


def test_rankers_that_take_negatives_are_fitted_on_the_other_day() -> None:
    seen: list[set[str]] = []

    def fit(positives: Sequence[CorpusPaper], negatives: Sequence[Paper]) -> ScoreFn:
        assert len(positives) == 20
        seen.append({p.arxiv_id[:4] for p in negatives})
        return _by_word("study")

    evaluate(CORPUS, DAYS, [Ranker("svm-like", fit, uses_negatives=True)], lambda: 0.0)
    assert seen == [{"2602"}, {"2601"}] * 5


def test_keyword_phrases_take_each_profiles_top_multi_word_terms() -> None:
    profile = Profile("p", "P", (Term("neural", "neural", 1.0), Term("neural operator", "", 0.9),
                                 Term("pde", "", 0.8), Term("operator learning", "", 0.7),
                                 Term("fourier neural operator", "", 0.6)))
    assert keyword_phrases([profile], per_profile=2) == {"neural operator", "operator learning"}


def _learner(papers: Sequence[CorpusPaper], background: Background) -> list[Profile]:
    terms = (Term("neural operator", "neural operators", 1.0), Term("spiking neuron", "", 0.8),
             Term("neural network", "", 0.5), Term("study", "", 0.2))
    exemplars = tuple(Exemplar(p.title) for p in papers[:5])
    return [Profile("all", "All", terms, exemplars, len(papers))]


@pytest.mark.parametrize("ranker", [profile_ranker(_learner),
                                    profile_ranker(_learner, arxiv=Background(100)),
                                    keyword_ranker(Background(100), _learner)],
                         ids=lambda r: r.name)
def test_our_ranker_and_the_baselines_separate_an_easy_corpus(ranker: Ranker) -> None:
    [row] = evaluate(CORPUS, DAYS, [ranker], lambda: 0.0)
    assert row.mean.roc_auc > 0.8


def test_the_svm_baseline_separates_an_easy_corpus() -> None:
    # Enough papers that its min_df (5) and max_df (10%) keep each paper's marker word.
    markers = [f"marker{m}" for m in range(30)]
    corpus = [CorpusPaper(f"Paper {n} on {TOPICS[n % 3]}",
                          f"{markers[n % 15]} {TOPICS[n % 3]}. " * 2) for n in range(150)]
    days = [Day(name, tuple(Paper(f"26{d}.{n:05d}", f"Report {n}", f"{markers[15 + n % 15]} text.")
                            for n in range(150))) for d, name in ((1, "a"), (2, "b"))]
    [row] = evaluate(corpus, days, [svm_ranker()], lambda: 0.0)
    assert row.mean.roc_auc > 0.9


def test_the_table_lists_every_ranker_and_the_verdict_names_the_winner() -> None:
    perfect = Ranker("perfect", lambda pos, neg: _by_word("study"))
    blind = Ranker("blind", lambda pos, neg: lambda papers: [0.0] * len(papers))
    rows = evaluate(CORPUS, DAYS, [blind, perfect], lambda: 0.0)
    table = format_table(rows)
    assert "perfect" in table and "blind" in table and "±" in table
    assert verdict(rows).startswith("Winner: perfect")
    versus = head_to_head(rows[1], rows[0])
    assert versus.startswith("perfect vs blind: ROC-AUC better (1.000 vs 0.")
    assert "ahead in 5, tied in 0 of 5 folds" in versus
    assert "recall@50 equal (1.000 vs 1.000; ahead in 0, tied in 5 of 5 folds)" in versus
