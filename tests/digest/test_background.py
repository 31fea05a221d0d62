"""Background statistics: what arXiv at large writes, and which words every field uses alike."""

from __future__ import annotations

import pytest

from digest.background import (
    MIN_ARCHIVE_PAPERS,
    Background,
    BackgroundDataError,
    background_from_json,
    background_from_papers,
    background_to_json,
)
from digest.models import Paper


def paper(arxiv_id: str, title: str, abstract: str = "", category: str = "cs.LG") -> Paper:
    return Paper(arxiv_id=arxiv_id, title=title, abstract=abstract, categories=(category,))


def test_counts_each_id_once_and_keeps_terms_in_three_papers() -> None:
    papers = [paper("1", "Training language models", "We scale training."),
              paper("1", "Training language models", "We scale training."),  # a cross-list twice
              paper("2", "Language models that reason", "Training helps."),
              paper("3", "Language models and galaxies", "Spectra and training."),
              paper("4", "Galaxies", "Spectra of galaxies.")]
    background = background_from_papers(papers, ["day-1"])
    assert background.papers == 4
    assert background.df == {"language": 3, "language model": 3, "model": 3, "training": 3}
    assert background.sources == ("day-1",)


def test_excluded_ids_are_not_counted() -> None:
    papers = [paper(str(n), "Training language models") for n in range(4)]
    background = background_from_papers(papers, exclude_ids=frozenset({"0"}))
    assert background.papers == 3 and background.df["training"] == 3


def test_general_words_are_those_most_archives_use_alike() -> None:
    """'phenomenon' is used at the same rate in every archive; 'galaxy' by one alone."""
    archives = ("cs.LG", "math.AP", "astro-ph.GA")
    papers = [
        paper(f"{a}-{n}", "A phenomenon" + (" in galaxies" if a.startswith("astro") else ""),
              category=a)
        for a in archives for n in range(MIN_ARCHIVE_PAPERS)
    ]
    background = background_from_papers(papers)
    assert "phenomenon" in background.general
    assert "galaxy" not in background.general and background.df["galaxy"] == MIN_ARCHIVE_PAPERS


def test_too_few_archives_name_no_general_words() -> None:
    papers = [paper(str(n), "A phenomenon") for n in range(MIN_ARCHIVE_PAPERS)]
    assert background_from_papers(papers).general == frozenset()


def test_json_round_trip_and_errors() -> None:
    background = Background(10, {"neural operator": 3, "training": 9}, ("a.jsonl",),
                            frozenset({"phenomenon"}))
    text = background_to_json(background)
    assert background_from_json(text) == background
    assert text.count("\n") == 4  # one term a line
    for bad, why in [("{", "not valid JSON"), ('{"version": 9}', '"version": 2'),
                     ('{"version": 2, "papers": 0, "df": {}}', 'positive "papers"'),
                     ('{"version": 2, "papers": 2, "df": {"x": 3}}', "outside 1..papers"),
                     ('{"version": 2, "papers": 2, "df": {}, "general": [1]}', "list of words")]:
        with pytest.raises(BackgroundDataError, match=why):
            background_from_json(bad)


def test_the_shipped_statistics_cover_arxiv_at_large() -> None:
    from bot.sources import shipped_background

    shipped = shipped_background()
    assert shipped.papers > 20_000
    assert {"phenomenon", "perturbation"} <= shipped.general
    assert not {"quantization", "protein", "galaxy", "robot"} & shipped.general
