"""Background statistics (what arXiv at large writes) and profiles weighed against them."""

from __future__ import annotations

import pytest

from digest.background import (
    Background,
    BackgroundDataError,
    background_from_json,
    background_from_papers,
    background_to_json,
    weigh_profiles,
)
from digest.models import CorpusPaper, Exemplar, Paper, Profile, Term

OPERATORS = Profile(
    "neural-operators", "Neural Operators",
    (Term("neural operator", "neural operators", 1.0), Term("pde", "PDEs", 0.6),
     Term("training", "training", 0.5)),
    (), 4, 1.0,
)


def paper(arxiv_id: str, title: str, abstract: str = "") -> Paper:
    return Paper(arxiv_id=arxiv_id, title=title, abstract=abstract)


def test_counts_each_id_once() -> None:
    papers = [paper("1", "Training language models", "We scale training."),
              paper("1", "Training language models", "We scale training."),  # a cross-list twice
              paper("2", "Language models that reason", "Training helps."),
              paper("3", "Galaxies", "Spectra of galaxies.")]
    background = background_from_papers(papers, ["day-1"])
    assert background.papers == 3
    assert background.df["training"] == 2 and background.df["language model"] == 2
    assert background.df["galaxy"] == 1 and "reason" in background.df
    assert background.sources == ("day-1",)


def test_json_round_trip_and_errors() -> None:
    background = Background(10, {"neural operator": 2, "training": 9}, ("a.jsonl",))
    text = background_to_json(background)
    assert background_from_json(text) == background
    assert text.count("\n") == 4  # one term a line
    for bad, why in [("{", "not valid JSON"), ('{"version": 9}', '"version": 1'),
                     ('{"version": 1, "papers": 0, "df": {}}', 'positive "papers"'),
                     ('{"version": 1, "papers": 2, "df": {"x": 3}}', "outside 1..papers")]:
        with pytest.raises(BackgroundDataError, match=why):
            background_from_json(bad)


def test_weighing_drops_terms_the_background_uses_as_often_and_widens_all() -> None:
    corpus = [CorpusPaper(f"Fourier neural operator {n}", "A neural operator for PDEs. Training.")
              for n in range(4)]
    background = background_from_papers(
        paper(str(n), "Training language models", "Training at scale.") for n in range(6))
    topic = Profile(OPERATORS.slug, OPERATORS.name, OPERATORS.terms,
                    tuple(Exemplar(p.title) for p in corpus), 4)
    whole = Profile("all", "All", (Term("pde", "PDEs", 1.0),), (Exemplar(corpus[0].title),), 4)
    [weighed_topic, weighed_all] = weigh_profiles([topic, whole], corpus, background)
    topic_keys = [t.key for t in weighed_topic.terms]
    assert {"neural operator", "pde", "fourier neural operator"} <= set(topic_keys)
    assert "training" not in topic_keys  # learned, but as common in the background
    assert weighed_topic.terms[0].weight == 1.0
    assert [t.weight for t in weighed_topic.terms] == sorted(
        (t.weight for t in weighed_topic.terms), reverse=True)
    assert {"neural operator", "pde", "fourier neural operator"} <= {
        t.key for t in weighed_all.terms}
    assert "training" not in {t.key for t in weighed_all.terms}
    assert max(t.weight for t in weighed_all.terms) == 1.0
    assert weigh_profiles([topic], corpus, Background(0)) == [topic]
