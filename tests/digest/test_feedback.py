"""Votes steer a subscription's ranking: paper vectors, the bounded shift, and digests under it."""

from __future__ import annotations

import math

import pytest

from digest.background import Background
from digest.embeds import plan_messages, scored_embed
from digest.feedback import (
    MAX_SHIFT,
    PULL,
    Feedback,
    Steering,
    VotedPaper,
    apply_vote,
    describe_shift,
    feedback_from,
    shift,
)
from digest.models import DigestOptions, Paper, Profile, Term
from digest.rank import build_index, score_day
from digest.vectors import VECTOR_TERMS, DayVectors, PaperVector, Rarity, cosine, nearest, paper_vector

# arXiv at large, made up: "network" is everywhere, "spiking" and "spike" rare.
BACKGROUND = Background(1000, {"network": 500, "neural": 400, "neural network": 300,
                               "spiking": 5, "spike": 8, "graph": 40, "molecul": 20})
RARITY = Rarity(BACKGROUND)


def paper(arxiv_id: str, title: str, abstract: str = "") -> Paper:
    return Paper(arxiv_id=arxiv_id, title=title, abstract=abstract, announce_type="new")


SPIKY = paper("2501.00001", "Spiking networks", "Spike trains in spiking neural networks.")
GRAPHY = paper("2501.00002", "Graph networks", "Graph neural networks for molecules.")


def test_a_vector_is_unit_length_and_weighs_rare_terms_above_common_ones() -> None:
    vector = paper_vector(SPIKY, RARITY)
    weights = vector.as_map()
    assert math.isclose(sum(w * w for w in weights.values()), 1.0, rel_tol=1e-4)
    assert len(vector.terms) <= VECTOR_TERMS
    # "spike" (df 8) outweighs "network" (df 500): log(1000/8) * 1.0 vs log(1000/500) * 2.25
    assert weights["spike"] > weights["network"] > 0
    # an unseen phrase is left out; an unseen single word counts as used once
    assert "spike train" not in weights and weights["train"] > weights["spike"]


def test_cosine_of_a_paper_with_itself_is_one_and_with_an_unrelated_one_small() -> None:
    spiky, graphy = paper_vector(SPIKY, RARITY), paper_vector(GRAPHY, RARITY)
    assert math.isclose(cosine(spiky.as_map(), spiky), 1.0, rel_tol=1e-4)
    assert cosine(spiky.as_map(), graphy) < 0.2


def test_no_feedback_no_shift() -> None:
    assert shift(Feedback(), paper_vector(SPIKY, RARITY).as_map()).value == 0.0


def test_liking_a_paper_raises_papers_like_it_and_a_few_votes_only_nudge() -> None:
    spiky = paper_vector(SPIKY, RARITY)
    one = shift(Feedback(liked=(spiky,)), spiky.as_map())
    # one liked paper, identical (cosine 1): PULL * 1 / (1 + 2), clipped at MAX_SHIFT
    assert one.value == round(min(MAX_SHIFT, PULL / 3), 4)
    assert (one.liked, one.disliked) == (1, 0)
    unrelated = shift(Feedback(liked=(spiky,)), paper_vector(GRAPHY, RARITY).as_map())
    assert 0 <= unrelated.value < one.value and unrelated.liked == 0


def test_a_shift_never_passes_its_bound_either_way() -> None:
    spiky = paper_vector(SPIKY, RARITY)
    many = Feedback(liked=(spiky,) * 50)
    assert shift(many, spiky.as_map()).value == MAX_SHIFT
    assert shift(Feedback(disliked=(spiky,) * 50), spiky.as_map()).value == -MAX_SHIFT


def test_votes_are_one_a_member_and_changeable() -> None:
    votes = apply_vote({}, 7, 1)
    votes = apply_vote(votes, 8, -1)
    assert apply_vote(votes, 7, -1) == {7: -1, 8: -1}
    with pytest.raises(ValueError):
        apply_vote(votes, 7, 0)


def test_a_paper_counts_by_its_net_vote_and_a_tie_counts_for_neither() -> None:
    spiky, graphy = paper_vector(SPIKY, RARITY), paper_vector(GRAPHY, RARITY)
    other = PaperVector("2501.00003", "Tied", (("graph", 1.0),))
    found = feedback_from([VotedPaper(spiky, {1: 1, 2: 1, 3: -1}), VotedPaper(graphy, {1: -1}),
                           VotedPaper(other, {1: 1, 2: -1})])
    assert found.liked == (spiky,) and found.disliked == (graphy,) and found.papers == 2


SPIKING = Profile("spiking", "Spiking", (Term("network", "networks", 1.0),), (), 5, 1.0)


def test_a_liked_paper_lifts_a_similar_one_past_a_better_scoring_one() -> None:
    # Both score the same on the profile ("network" in title and abstract); ties go by id, so
    # without votes the graph paper (lower id) comes first.
    later_spiky = paper("2501.00009", "Spiking networks again", "More spike trains in networks.")
    early_graph = paper("2501.00004", "Graph networks again", "Graph networks of molecules.")
    day = score_day(build_index([SPIKING]), [later_spiky, early_graph])
    options = DigestOptions(min_score=0.0)
    plain = day.digest(SPIKING, options)
    assert [e.paper.arxiv_id for e in plain.entries] == ["2501.00004", "2501.00009"]
    liked = Feedback(liked=(paper_vector(SPIKY, RARITY),))
    steered = day.digest(SPIKING, options, adjust=Steering(liked, DayVectors(
        day.papers, day.feats, RARITY)))
    first, _ = steered.entries
    assert first.paper.arxiv_id == "2501.00009" and first.shift is not None
    assert first.shift.value > 0 and first.shift.liked == 1
    # the score and its reasons stay the profile's: calibration is untouched by votes
    assert (first.score, first.hits) == (plain.entries[1].score, plain.entries[1].hits)
    assert "ranked up by votes" in describe_shift(first.shift)
    assert "like 1 paper this channel liked" in describe_shift(first.shift)
    assert "ranked up by votes" in scored_embed(first, 1)["fields"][1]["value"]
    # the unsteered digest of the same day is unchanged afterwards
    assert day.digest(SPIKING, options) == plain


def test_votes_reorder_what_passes_the_threshold_and_never_move_the_threshold() -> None:
    spiky = paper("2501.00009", "Spiking networks again", "More spike trains in networks.")
    day = score_day(build_index([SPIKING]), [spiky])
    score = day.digest(SPIKING, DigestOptions(min_score=0.0)).entries[0].score
    vectors = DayVectors(day.papers, day.feats, RARITY)
    liked = Steering(Feedback(liked=(paper_vector(SPIKY, RARITY),)), vectors)
    disliked = Steering(Feedback(disliked=(paper_vector(SPIKY, RARITY),)), vectors)
    above, under = DigestOptions(min_score=score), DigestOptions(min_score=score + 0.01)
    assert not day.digest(SPIKING, under, adjust=liked).entries
    [kept] = day.digest(SPIKING, above, adjust=disliked).entries
    assert kept.shift is not None and kept.shift.value < 0 and kept.score == score


def test_digest_messages_carry_a_vote_button_pair_per_paper_with_its_rank() -> None:
    papers = [paper(f"2501.{i:05d}", f"Networks {i}", "Networks of networks.") for i in range(12)]
    digest = score_day(build_index([SPIKING]), papers).digest(
        SPIKING, DigestOptions(min_score=0.0, max_papers=12))
    plans = plan_messages(digest)
    assert [len(p.votes.papers) for p in plans if p.votes] == [10, 2]
    assert all(p.votes and p.votes.profile_slug == "spiking" for p in plans)
    ranks = [r for p in plans if p.votes for r, _ in p.votes.papers]
    assert ranks == list(range(1, 13))
    ids = [i for p in plans if p.votes for _, i in p.votes.papers]
    assert ids == [e.paper.arxiv_id for e in digest.entries]


def test_more_like_this_finds_the_closest_papers_with_shared_terms() -> None:
    target = paper_vector(SPIKY, RARITY)
    near = nearest(target, [GRAPHY, SPIKY, paper("2501.00007", "Spike sorting", "A spike detector.")],
                   RARITY)
    # not itself, and not the graph paper: it shares only "networks", too little to list
    assert [n.paper.arxiv_id for n in near] == ["2501.00007"]
    assert "spike" in near[0].shared
