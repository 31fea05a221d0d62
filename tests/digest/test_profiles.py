"""Learning topic profiles on the seed corpus (learned once a session) and a synthetic one, and
the profiles' JSON."""

from __future__ import annotations

import json
import random
import re
import statistics
from pathlib import Path

import pytest

from digest.background import Background, background_from_json, background_from_papers
from digest.feed import parse_feed
from digest.models import CorpusPaper, Exemplar, Paper, Profile, Term
from digest.profile_json import ProfileDataError, profiles_from_json, profiles_to_json
from digest.profiles import CorpusTooSmallError, learn_profiles
from digest.rank import score_paper
from digest.text import ngrams
from digest.topics import MIN_TOPIC_PAPERS

BOILERPLATE = {
    "github com", "code available", "paper propose", "github", "code", "propose", "paper",
    "https", "state art", "experiment", "result", "method", "approach", "novel", "publicly",
    "finally", "example", "enhanced", "potential", "future",
}  # fmt: skip
SHIPPED = Path(__file__).resolve().parents[2] / "digest" / "data"


@pytest.fixture(scope="module")
def corpus(corpus_papers: list[CorpusPaper]) -> list[CorpusPaper]:
    return corpus_papers


@pytest.fixture(scope="module")
def arxiv() -> Background:
    return background_from_json((SHIPPED / "background.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def profiles() -> list[Profile]:
    """The shipped profiles: what learning the seed corpus gives (the slow test below re-learns
    them and compares byte for byte), without learning again in every test worker."""
    return profiles_from_json((SHIPPED / "profiles.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def topics(profiles: list[Profile]) -> list[Profile]:
    return profiles[1:]


@pytest.mark.slow
def test_learning_is_deterministic_whatever_the_input_order(
    corpus: list[CorpusPaper], profiles: list[Profile], arxiv: Background
) -> None:
    shuffled = list(corpus)
    random.Random(7).shuffle(shuffled)
    again = learn_profiles(shuffled, arxiv)
    assert profiles_to_json(again) == profiles_to_json(profiles)


@pytest.mark.slow
def test_the_shipped_profiles_are_these(learned_profiles: list[Profile]) -> None:
    assert (SHIPPED / "profiles.json").read_text(encoding="utf-8") == profiles_to_json(learned_profiles)


def test_the_all_profile_comes_first_and_covers_the_corpus(
    corpus: list[CorpusPaper], profiles: list[Profile]
) -> None:
    everything = profiles[0]
    assert (everything.slug, everything.size) == ("all", len(corpus))
    assert [p.slug for p in profiles].count("all") == 1


def test_topic_sizes_and_slugs(topics: list[Profile]) -> None:
    assert 20 <= len(topics) <= 120
    assert all(p.size >= MIN_TOPIC_PAPERS for p in topics)
    assert [p.size for p in topics] == sorted((p.size for p in topics), reverse=True)
    slugs = [p.slug for p in topics]
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) for s in slugs)
    assert all(p.guild_id is None and p.scale > 0 for p in topics)


def test_themes_the_corpus_reads_about_have_profiles(topics: list[Profile]) -> None:
    slugs = {p.slug for p in topics}
    assert {"graph-neural-networks", "reinforcement-learning", "uncertainty-quantification",
            "dynamical-systems", "neural-operators", "physics-informed-neural-networks",
            "mechanistic-interpretability", "causal", "quantum", "robot"} <= slugs


def test_each_topic_is_named_for_what_its_top_terms_say(topics: list[Profile]) -> None:
    """The name's own phrase (at most three words of it) is among the topic's first terms."""
    for profile in topics:
        name = " ".join(ngrams(profile.name.replace("-", " "), max_n=1)[:3])
        assert name in {t.key for t in profile.top_terms(8)}, (profile.slug, name)


def test_terms_are_weighted_ngram_keys(corpus: list[CorpusPaper], profiles: list[Profile]) -> None:
    keys = {k for p in corpus for k in ngrams(p.title) + ngrams(p.abstract)}
    for profile in profiles:
        weights = [t.weight for t in profile.terms]
        assert 20 <= len(weights) <= 1000, profile.slug
        assert max(weights) == 1.0 and all(0 < w <= 1 for w in weights), profile.slug
        assert weights == sorted(weights, reverse=True), profile.slug
        assert {t.key for t in profile.terms} <= keys


def test_top_terms_are_distinctive_against_arxiv_and_the_rest_of_the_corpus(
    corpus: list[CorpusPaper], topics: list[Profile], arxiv: Background
) -> None:
    """A topic's top terms are much commoner among its exemplars than in arXiv at large, and
    commoner there than in the corpus as a whole."""
    docs = {p.title: set(ngrams(p.title) + ngrams(p.abstract)) for p in corpus}
    for profile in topics:
        members = [docs[e.title] for e in profile.exemplars]
        for term in profile.top_terms(3):
            in_topic = sum(term.key in d for d in members) / len(members)
            overall = sum(term.key in d for d in docs.values()) / len(docs)
            at_large = arxiv.df.get(term.key, 1) / arxiv.papers
            assert in_topic > 2 * overall and in_topic > 5 * at_large, (profile.slug, term.key)


def test_no_profile_is_defined_by_boilerplate_or_prose(profiles: list[Profile]) -> None:
    for profile in profiles:
        assert not {t.key for t in profile.terms} & BOILERPLATE, profile.slug


# Prose words the shipped profiles once showed among their terms, as the terms are written.
PROSE_ONCE_SHOWN = {"hamper", "albeit", "paramount", "perhaps", "revolutionized", "immediately",
                    "nicely", "lastly", "suited", "anytime", "arrives", "pivotal", "usefulness",
                    "pave", "empirically", "validate", "techniques", "faster"}


def test_no_profile_shows_a_prose_word_among_its_terms(profiles: list[Profile]) -> None:
    for profile in profiles:
        shown = {w.lower() for t in profile.terms for w in t.text.split()}
        assert not shown & PROSE_ONCE_SHOWN, (profile.slug, shown & PROSE_ONCE_SHOWN)


def test_one_phrase_does_not_carry_a_paper_past_the_typical_one(
    profiles: list[Profile], fixtures_dir: Path
) -> None:
    """A two-sentence PDE-analysis abstract whose one topical phrase is "Navier-Stokes
    equation" scores well below the typical paper of every profile it touches."""
    batch = parse_feed((fixtures_dir / "feeds" / "all-archives_2024-11-28.xml").read_bytes())
    [paper] = [p for p in batch.papers if p.arxiv_id == "2411.17929"]
    assert max(score_paper(p, paper).score for p in profiles) < 0.5


def test_exemplars_are_the_topics_own_corpus_papers(
    corpus: list[CorpusPaper], profiles: list[Profile]
) -> None:
    ids = {p.title: p.arxiv_id for p in corpus}
    for profile in profiles:
        assert 1 <= len(profile.exemplars) <= min(10, profile.size)
        assert len({e.title for e in profile.exemplars}) == len(profile.exemplars)
        assert all(ids[e.title] == e.arxiv_id for e in profile.exemplars)


def test_the_typical_exemplar_scores_about_one(
    corpus: list[CorpusPaper], topics: list[Profile]
) -> None:
    by_title = {p.title: p for p in corpus}
    for profile in topics:
        scores = [score_paper(profile, Paper("x", e.title, by_title[e.title].abstract)).score
                  for e in profile.exemplars]
        assert scores == sorted(scores, reverse=True), profile.slug  # best members first
        assert statistics.median(scores) >= 0.99, profile.slug  # ... all at least typical


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


def synthetic_background() -> Background:
    """Ordinary papers that use the generic phrases and none of the topics'."""
    rng = random.Random(1)
    others = ["galaxies", "legal texts", "crop yields"]
    return background_from_papers(
        Paper(f"b{n}", f"Report {n} on {rng.choice(others)}",
              f"A study of {rng.choice(GENERIC)} and {rng.choice(GENERIC)}.")
        for n in range(300))


def test_topics_are_discovered_without_being_told() -> None:
    profiles = learn_profiles(synthetic_corpus(), synthetic_background())
    assert profiles[0].slug == "all"
    found = set()
    for profile in profiles[1:]:
        origins = {e.title.split()[0] for e in profile.exemplars}
        assert len(origins) == 1, profile.slug  # each topic is one synthetic theme
        found |= origins
        generic = {k for g in GENERIC for k in ngrams(g)}
        assert not {t.key for t in profile.top_terms(5)} & generic, profile.slug
    assert found == set(SYNTHETIC)


def test_a_tiny_corpus_or_an_empty_background_is_refused() -> None:
    with pytest.raises(CorpusTooSmallError, match="at least"):
        learn_profiles(synthetic_corpus()[:4], synthetic_background())
    with pytest.raises(ValueError, match="background"):
        learn_profiles(synthetic_corpus(), Background(0))


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
