"""Learning topic profiles on the seed corpus (learned once) and a synthetic one, and their JSON."""

from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path

import numpy as np
import pytest

from digest.corpus import dedupe_papers, parse_corpus_text
from digest.models import CorpusPaper, Exemplar, Profile, Term
from digest.profile_json import ProfileDataError, profiles_from_json, profiles_to_json
from digest.profiles import CorpusTooSmallError, learn_profiles
from digest.text import ngrams

BOILERPLATE = {
    "github com", "code available", "paper propose", "github", "code", "propose", "paper",
    "https", "state art", "experiment", "result", "method", "approach", "novel", "publicly",
}  # fmt: skip


@pytest.fixture(scope="module")
def corpus(corpus_dir: Path) -> list[CorpusPaper]:
    files = sorted(corpus_dir.glob("*.txt"))
    return dedupe_papers(
        p for f in files for p in parse_corpus_text(f.read_text(encoding="utf-8"), f.name)
    )


@pytest.fixture(scope="module")
def profiles(corpus: list[CorpusPaper]) -> list[Profile]:
    return learn_profiles(corpus)  # how long it takes is benchmarks/bench_rank.py's to report


@pytest.fixture(scope="module")
def topics(profiles: list[Profile]) -> list[Profile]:
    return profiles[1:]


def test_learning_is_deterministic_whatever_the_input_order(
    corpus: list[CorpusPaper], profiles: list[Profile]
) -> None:
    shuffled = list(corpus)
    random.Random(7).shuffle(shuffled)
    again = learn_profiles(shuffled)
    assert again == profiles
    assert profiles_to_json(again) == profiles_to_json(profiles)


def test_the_all_profile_comes_first_and_covers_the_corpus(
    corpus: list[CorpusPaper], profiles: list[Profile]
) -> None:
    everything = profiles[0]
    assert (everything.slug, everything.size) == ("all", len(corpus))
    assert [p.slug for p in profiles].count("all") == 1
    keys = {t.key for t in everything.terms}
    assert {t.key for p in profiles[1:] for t in p.top_terms(3)} <= keys


def test_topic_count_sizes_and_slugs(corpus: list[CorpusPaper], topics: list[Profile]) -> None:
    assert 15 <= len(topics) <= 40
    assert all(p.size >= 5 for p in topics)
    assert sum(p.size for p in topics) <= len(corpus)
    assert [p.size for p in topics] == sorted((p.size for p in topics), reverse=True)
    slugs = [p.slug for p in topics]
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) for s in slugs)
    assert len({p.name.lower() for p in topics}) == len(topics)
    assert all(p.scale == 1.0 and p.guild_id is None for p in topics)


def test_neural_operators_is_learned(topics: list[Profile]) -> None:
    operators = next(p for p in topics if p.slug == "neural-operators")
    assert operators.name == "Neural Operators"
    assert operators.terms[0].key in {"neural operator", "operator"}
    assert "neural operator" in {t.key for t in operators.top_terms(3)}
    assert {t.text for t in operators.top_terms(5)} >= {"neural operators", "PDEs"}
    assert any(e.title.startswith("Fourier Neural Operator") for e in operators.exemplars)


def test_terms_are_weighted_ngram_keys(corpus: list[CorpusPaper], profiles: list[Profile]) -> None:
    keys = {k for p in corpus for k in ngrams(f"{p.title}. {p.abstract}")}
    for profile in profiles:
        weights = [t.weight for t in profile.terms]
        assert 40 <= len(weights) <= 120, profile.slug
        assert weights[0] == 1.0 and weights == sorted(weights, reverse=True), profile.slug
        assert all(0 < w <= 1 for w in weights)
        assert {t.key for t in profile.terms} <= keys
        assert any(t.is_phrase for t in profile.top_terms(15)), profile.slug


def test_term_weights_favour_distinctive_over_frequent_terms(
    corpus: list[CorpusPaper], topics: list[Profile]
) -> None:
    """Top terms are rarer in the corpus at large than in the topic's own exemplars."""
    docs = {p.title: set(ngrams(f"{p.title}. {p.abstract}")) for p in corpus}
    for profile in topics:
        members = [docs[e.title] for e in profile.exemplars]
        for term in profile.top_terms(3):
            in_topic = sum(term.key in d for d in members) / len(members)
            overall = sum(term.key in d for d in docs.values()) / len(docs)
            assert in_topic > 3 * overall, (profile.slug, term.key)


def test_no_profile_is_defined_by_boilerplate(profiles: list[Profile]) -> None:
    for profile in profiles:
        assert not {t.key for t in profile.top_terms(10)} & BOILERPLATE, profile.slug


def test_no_two_profiles_cover_the_same_topic(topics: list[Profile]) -> None:
    vocab = sorted({t.key for p in topics for t in p.terms})
    index = {key: i for i, key in enumerate(vocab)}
    vectors = np.zeros((len(topics), len(vocab)))
    for row, profile in enumerate(topics):
        for term in profile.terms:
            vectors[row, index[term.key]] = term.weight
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    for (a, pa), (b, pb) in itertools.combinations(enumerate(topics), 2):
        assert vectors[a] @ vectors[b] < 0.4, (pa.slug, pb.slug)


def test_exemplars_are_corpus_papers(corpus: list[CorpusPaper], profiles: list[Profile]) -> None:
    ids = {p.title: p.arxiv_id for p in corpus}
    for profile in profiles:
        assert 1 <= len(profile.exemplars) <= min(10, profile.size)
        assert len({e.title for e in profile.exemplars}) == len(profile.exemplars)
        assert all(ids[e.title] == e.arxiv_id for e in profile.exemplars)
    assert any(e.arxiv_id for p in profiles for e in p.exemplars)


SYNTHETIC = {
    "operators": ["neural operators", "Fourier layers", "Navier-Stokes equations",
                  "resolution invariance", "spectral convolution", "Darcy flow"],
    "graphs": ["message passing", "graph neural networks", "node classification",
               "oversmoothing", "graph rewiring", "molecular graphs"],
    "proteins": ["protein folding", "amino acid sequences", "binding affinity",
                 "structure prediction", "protein design", "contact maps"],
}  # fmt: skip
GENERIC = ["training data", "benchmark results", "deep learning", "strong baselines", "accuracy"]
TEMPLATES = ["We study {}.", "Our analysis of {} is new.", "Results on {} are reported.",
             "{} matters in practice.", "Prior work on {} is limited.",
             "Experiments cover {}."]  # fmt: skip


def synthetic_corpus(per_topic: int = 15) -> list[CorpusPaper]:
    rng = random.Random(0)
    papers: list[CorpusPaper] = []
    for topic, phrases in SYNTHETIC.items():
        for n in range(per_topic):
            chosen = rng.sample(phrases, 4) + rng.sample(GENERIC, 3)
            rng.shuffle(chosen)
            abstract = " ".join(rng.choice(TEMPLATES).format(c) for c in chosen)
            title = f"{topic} {n}: {chosen[0]} with {chosen[1]}"
            papers.append(CorpusPaper(title, abstract, source=f"synthetic.txt:{len(papers) + 1}"))
    return papers


def test_topics_are_discovered_without_being_told() -> None:
    profiles = learn_profiles(synthetic_corpus())
    assert profiles[0].slug == "all"
    found = set()
    for profile in profiles[1:]:
        origins = {e.title.split()[0] for e in profile.exemplars}
        assert len(origins) == 1, profile.slug  # each topic is one synthetic theme
        found |= origins
        generic = {k for g in GENERIC for k in ngrams(g)}
        assert not {t.key for t in profile.top_terms(5)} & generic, profile.slug
    assert found == set(SYNTHETIC)


def test_a_tiny_corpus_is_refused() -> None:
    with pytest.raises(CorpusTooSmallError, match="at least"):
        learn_profiles(synthetic_corpus()[:4])


def test_json_round_trips_every_field(profiles: list[Profile]) -> None:
    text = profiles_to_json(profiles)
    assert profiles_from_json(text) == profiles
    assert profiles_to_json(profiles_from_json(text)) == text
    document = json.loads(text)
    assert document["version"] == 1 and len(document["profiles"]) == len(profiles)
    custom = Profile(
        "mine", 'Ünïcode "quoted"', (Term("a b", "A b", 0.1234567),),
        (Exemplar("A title", None), Exemplar("Another", "2401.00001")), 3, 2.5, 1234,
    )  # fmt: skip
    [back] = profiles_from_json(profiles_to_json([custom]))
    rounded = (Term("a b", "A b", 0.123457),)
    assert back == Profile("mine", custom.name, rounded, custom.exemplars, 3, 2.5, 1234)
    assert "Ünïcode" in profiles_to_json([custom])


def test_json_is_pretty_and_stable() -> None:
    profile = Profile("x", "X", (Term("k", "K", 1.0),), (Exemplar("T", "2401.00001"),), 5)
    assert profiles_to_json([profile]) == (
        '{\n "version": 1,\n "profiles": [\n  {\n   "slug": "x",\n   "name": "X",\n'
        '   "size": 5,\n   "scale": 1.0,\n   "guild_id": null,\n   "terms": [\n'
        '    ["k", "K", 1.0]\n   ],\n   "exemplars": [\n    ["T", "2401.00001"]\n   ]\n  }\n ]\n}\n'
    )


VALID = {"slug": "x", "name": "X", "size": 1, "scale": 1.0, "guild_id": None,
         "terms": [["k", "K", 1.0]], "exemplars": []}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{", "not valid JSON"),
        ("[]", '"version": 1'),
        ('{"version": 2, "profiles": []}', '"version": 1'),
        ('{"version": 1}', '"profiles" list'),
        (json.dumps({"version": 1, "profiles": [{"slug": "x"}]}), "profile #0 is malformed"),
        (json.dumps({"version": 1, "profiles": [{**VALID, "terms": [["k", "K"]]}]}), "#0"),
        (json.dumps({"version": 1, "profiles": [{**VALID, "size": "3"}]}), "expected a number"),
        (json.dumps({"version": 1, "profiles": [{**VALID, "name": 7}]}), "expected a string"),
        (json.dumps({"version": 1, "profiles": [VALID, VALID]}), "repeats slugs: x"),
    ],
)
def test_malformed_json_raises_profile_data_error(text: str, says: str) -> None:
    with pytest.raises(ProfileDataError, match=re.escape(says)):
        profiles_from_json(text)
