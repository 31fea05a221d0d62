"""Learning profiles from the seed corpus: deterministic, distinct, named, and as shipped."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from digest.corpus import dedupe_papers, parse_corpus_text
from digest.models import CorpusPaper, Profile
from digest.profiles import (
    ProfileDataError,
    learn_profiles,
    profiles_from_json,
    profiles_to_json,
)
from digest.rank import calibrate

REPO = Path(__file__).resolve().parents[2]
BOILERPLATE = {"github com", "code available", "paper propose", "github", "code", "propose",
               "paper", "https", "state art", "experiment"}


@pytest.fixture(scope="module")
def corpus(corpus_dir: Path) -> list[CorpusPaper]:
    papers = [p for f in sorted(corpus_dir.glob("*.txt"))
              for p in parse_corpus_text(f.read_text(encoding="utf-8"), f.name)]
    return dedupe_papers(papers)


@pytest.fixture(scope="module")
def profiles(corpus: list[CorpusPaper]) -> list[Profile]:
    return calibrate(learn_profiles(corpus), corpus)


def test_relearning_reproduces_the_shipped_file(profiles: list[Profile]) -> None:
    shipped = (REPO / "digest" / "data" / "profiles.json").read_text(encoding="utf-8")
    assert profiles_to_json(profiles) == shipped


def test_learning_is_deterministic(corpus: list[CorpusPaper], profiles: list[Profile]) -> None:
    assert calibrate(learn_profiles(corpus), corpus) == profiles


def test_topic_count_slugs_and_the_all_profile(profiles: list[Profile]) -> None:
    slugs = [p.slug for p in profiles]
    assert slugs[0] == "all" and profiles[0].size == 703
    assert "neural-operators" in slugs
    assert 15 <= len(profiles) - 1 <= 40
    assert len(set(slugs)) == len(slugs)
    assert all(s == s.lower() and " " not in s and s.strip("-") == s for s in slugs)


def test_every_profile_is_populated_and_explained(profiles: list[Profile]) -> None:
    for p in profiles:
        assert p.size >= 6, p.slug
        assert 20 <= len(p.terms) <= (300 if p.slug == "all" else 80), p.slug
        assert p.terms[0].weight == 1.0 and any(t.is_phrase for t in p.terms[:30]), p.slug
        assert [t.weight for t in p.terms] == sorted((t.weight for t in p.terms), reverse=True)
        assert 1 <= len(p.exemplars) <= 10 and p.scale > 0, p.slug


def test_no_profile_is_defined_by_boilerplate(profiles: list[Profile]) -> None:
    for p in profiles:
        assert not {t.key for t in p.terms[:10]} & BOILERPLATE, p.slug


def test_profiles_are_distinct(profiles: list[Profile]) -> None:
    topics = profiles[1:]
    vocab = sorted({t.key for p in topics for t in p.terms})
    index = {k: i for i, k in enumerate(vocab)}
    vectors = np.zeros((len(topics), len(vocab)))
    for row, p in enumerate(topics):
        for t in p.terms:
            vectors[row, index[t.key]] = t.weight
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    for (a, pa), (b, pb) in itertools.combinations(enumerate(topics), 2):
        assert vectors[a] @ vectors[b] < 0.5, (pa.slug, pb.slug)


def test_neural_operators_profile_is_about_neural_operators(profiles: list[Profile]) -> None:
    p = next(p for p in profiles if p.slug == "neural-operators")
    assert p.name == "Neural Operators"
    keys = {t.key for t in p.terms[:10]}
    assert {"neural operator", "pde"} <= keys
    assert any("Operator" in e.title for e in p.exemplars)


def test_json_round_trip_and_errors(profiles: list[Profile]) -> None:
    assert profiles_from_json(profiles_to_json(profiles)) == profiles
    for bad, message in [("{", "not valid JSON"), ('{"version": 9, "profiles": []}', "version 1"),
                         ('{"version": 1, "profiles": [{"slug": "x"}]}', "malformed profile")]:
        with pytest.raises(ProfileDataError, match=message):
            profiles_from_json(bad)
