"""Sharpening the whole-corpus profile with a regression of the corpus against background papers."""

from __future__ import annotations

from digest.background import background_from_papers, weigh_profiles
from digest.models import CorpusPaper, Exemplar, Paper, Profile, Term
from digest.rank import calibrate, score_paper
from digest.sharpen import sharpen_all

TOPICS = ["operator", "kernel", "spectral", "manifold", "lattice"]


def corpus() -> list[CorpusPaper]:
    return [CorpusPaper(f"Neural {t} learning for PDEs, part {n}",
                        f"We learn a neural {t} for partial differential equations. The "
                        f"{t} generalises across grids; training uses few samples.")
            for n in range(6) for t in TOPICS]


def background() -> list[Paper]:
    return [Paper(f"2602.{n:05d}", f"Training language models to {verb}, study {n}",
                  f"Large language models are trained to {verb}. Training uses many samples "
                  "and instruction data across grids.")
            for n, verb in enumerate(["reason", "plan", "code", "chat", "search", "summarise"] * 4)]


def profiles(papers: list[CorpusPaper]) -> list[Profile]:
    whole = Profile("all", "All", (Term("neural", "neural", 1.0),), (Exemplar(papers[0].title),),
                    len(papers))
    topic = Profile("neural-operator", "Neural operator", (Term("operator", "operator", 1.0),),
                    tuple(Exemplar(p.title) for p in papers[::5]), 6)
    return weigh_profiles([whole, topic], papers, background_from_papers(background()))


def test_all_gains_negative_weights_for_what_marks_the_background() -> None:
    papers = corpus()
    weighed = profiles(papers)
    [whole, topic] = sharpen_all(weighed, papers, background())
    weights = {t.key: t.weight for t in whole.terms}
    assert max(weights.values()) == 1.0
    assert weights["partial differential equation"] > 0 and weights["neural"] > 0
    assert weights["language model"] < 0 and weights["training"] < weights["neural"]
    assert whole.terms[-1].weight < 0  # lowering terms come last
    assert topic == weighed[1]  # topics are left as they were


def test_a_sharpened_profile_ranks_and_explains_with_raising_terms_only() -> None:
    papers = corpus()
    [whole, _] = calibrate(sharpen_all(profiles(papers), papers, background()), papers)
    ours = Paper("2602.99001", "A neural operator for PDEs",
                 "We learn a neural operator for partial differential equations.")
    mixed = Paper("2602.99002", "A neural operator for PDEs with language models",
                  "We learn a neural operator for partial differential equations, and train "
                  "large language models to plan.")
    scored, lowered = score_paper(whole, ours), score_paper(whole, mixed)
    assert scored.score > lowered.score > 0
    assert all(h.contribution > 0 for h in lowered.hits)
    assert "language model" not in {h.key for h in lowered.hits}


def test_without_background_papers_or_an_all_profile_nothing_changes() -> None:
    papers = corpus()
    weighed = profiles(papers)
    assert sharpen_all(weighed, papers, []) == weighed
    assert sharpen_all(weighed[1:], papers, background()) == weighed[1:]


def test_sharpening_is_deterministic_whatever_the_background_order() -> None:
    papers = corpus()
    assert sharpen_all(profiles(papers), papers, background()) == sharpen_all(
        profiles(papers), papers, list(reversed(background())))
