"""Votes steer a subscription's ranking: the day's term space, the bounded shift, and digests
under it; and "more like this" in the same space."""

from __future__ import annotations

import math

import numpy as np
import pytest

from digest.embeds import plan_messages, scored_embed
from digest.feedback import (
    MAX_SHIFT,
    Feedback,
    Steering,
    VotedPaper,
    apply_vote,
    describe_shift,
    feedback_from,
    voted_paper,
)
from digest.models import DigestOptions, Paper, Profile, Term
from digest.rank import build_index, score_day
from digest.vectors import DaySpace, nearest


def paper(arxiv_id: str, title: str, abstract: str = "") -> Paper:
    return Paper(arxiv_id=arxiv_id, title=title, abstract=abstract, announce_type="new")


SPIKY = paper("2501.00001", "Spiking networks", "Spike trains in spiking neural networks.")
GRAPHY = paper("2501.00002", "Graph networks", "Graph neural networks for molecules.")
FIELDS = ("galaxy cluster", "protein folding", "sorting algorithm", "river delta", "bond yield",
          "glacier melt", "soil carbon", "traffic flow", "crystal lattice", "speech codec",
          "coral reef", "tax policy", "wind turbine", "sleep apnea", "rust compiler",
          "ocean current", "vaccine trial", "solar flare", "cache eviction", "bird migration")


def a_day() -> list[Paper]:
    """A made-up day: three spiking papers, three graph papers and twenty on other fields, each
    of those fields twice, so every field's words are the day's own (used by two papers)."""
    spiking = [paper(f"2501.001{i:02d}", f"Spiking networks {i}",
                     "Spike trains in spiking neural networks with spike timing.")
               for i in range(3)]
    graphs = [paper(f"2501.002{i:02d}", f"Graph networks {i}",
                    "Graph neural networks for molecules and graph pooling.") for i in range(3)]
    others = [paper(f"2501.003{i:02d}", f"Notes on {field}", f"We study {field} networks.")
              for i, field in enumerate(FIELDS)]
    return spiking + graphs + others + [paper(f"2501.004{i:02d}", f"More on {field}",
                                              f"The {field} again.")
                                        for i, field in enumerate(FIELDS)]


def liked(*papers: Paper) -> Feedback:
    return feedback_from(voted_paper(p, {1: 1}) for p in papers)


def test_the_day_space_keeps_the_days_own_terms_with_unit_length_rows() -> None:
    day = a_day()
    space = DaySpace(day)
    assert len(space) == len(day)
    for position in range(len(day)):
        _, weights = space.row(position)
        assert math.isclose(float(weights @ weights), 1.0, rel_tol=1e-9)
    # "graph" is used by 3 of 46 papers and "galaxy cluster" by 2: kept; "cluster network" by
    # one paper alone: it says nothing about closeness; "network", used by 26, weighs least
    assert {"graph", "galaxy cluster", "network"} <= space.columns.keys()
    assert "cluster network" not in space.columns
    idf = dict(zip(space.columns, space.idf.tolist(), strict=True))
    assert idf["network"] == min(idf.values()) < idf["graph"] < idf["galaxy cluster"]
    # a paper outside the day is put in the same space; the day's unknown words are left out
    columns, weights = space.vector("Graph pooling for quasars", "Quasars.")
    terms = {k for k, c in space.columns.items() if c in columns.tolist()}
    assert terms == {"graph", "pooling", "graph pooling"}  # not "quasar": no paper of the day has it
    assert math.isclose(float(weights @ weights), 1.0, rel_tol=1e-9)


def test_no_feedback_no_shift() -> None:
    space = DaySpace(a_day())
    assert all(Steering(Feedback(), space)(p).value == 0.0 for p in range(len(space)))


def test_liking_a_paper_raises_papers_like_it_and_a_few_votes_only_nudge() -> None:
    day = a_day()
    space = DaySpace(day)
    one = Steering(liked(SPIKY), space)
    spiking, graph, other = one(0), one(3), one(6)
    assert spiking.value > 0 and (spiking.liked, spiking.disliked) == (1, 0)
    # the graph papers share only "neural networks" with it, the others nothing but "networks"
    assert spiking.value > graph.value > other.value and other.value <= 0 and other.liked == 0
    # the same paper liked by ten votes' worth of papers steers harder: n / (n + 2)
    ten = Steering(liked(*[paper(f"2501.009{i:02d}", SPIKY.title, SPIKY.abstract)
                           for i in range(10)]), space)
    assert math.isclose(ten(0).value / spiking.value, (10 / 12) / (1 / 3), rel_tol=1e-2)


def test_a_disliked_paper_pushes_papers_like_it_down() -> None:
    space = DaySpace(a_day())
    away = Steering(feedback_from([voted_paper(GRAPHY, {1: -1, 2: -1})]), space)
    shifts = [away(p).value for p in range(len(space))]
    assert away(3).value == min(shifts) < 0 and away(3).disliked == 1
    assert away(3).value < away(0).value and away(3).value < away(6).value


def test_a_shift_never_passes_its_bound_either_way() -> None:
    # one spiking paper among a hundred unrelated ones stands many deviations out
    day = [paper("2501.00100", "Spiking networks", "Spike trains in spiking networks."),
           paper("2501.00101", "Spiking networks too", "Spike trains in spiking networks.")]
    day += [paper(f"2501.01{i:03d}", f"Field {i // 2}", f"Topic{i // 2} words.") for i in range(200)]
    space = DaySpace(day)
    many = [paper(f"2501.009{i:02d}", SPIKY.title, SPIKY.abstract) for i in range(50)]
    up = Steering(liked(*many), space)
    down = Steering(feedback_from(voted_paper(p, {1: -1}) for p in many), space)
    shifts = np.array([up(p).value for p in range(len(space))])
    assert up(0).value == MAX_SHIFT and shifts.max() == MAX_SHIFT
    assert down(0).value == -MAX_SHIFT


def test_votes_are_one_a_member_and_changeable() -> None:
    votes = apply_vote({}, 7, 1)
    votes = apply_vote(votes, 8, -1)
    assert apply_vote(votes, 7, -1) == {7: -1, 8: -1}
    with pytest.raises(ValueError):
        apply_vote(votes, 7, 0)


def test_a_paper_counts_by_its_net_vote_and_a_tie_counts_for_neither() -> None:
    spiky = voted_paper(SPIKY, {1: 1, 2: 1, 3: -1})
    graphy = voted_paper(GRAPHY, {1: -1})
    tied = VotedPaper("2501.00003", "Tied", "", {1: 1, 2: -1})
    found = feedback_from([spiky, graphy, tied])
    assert found.liked == (spiky,) and found.disliked == (graphy,) and found.papers == 2


SPIKING = Profile("spiking", "Spiking", (Term("network", "networks", 1.0),), (), 5, 1.0)


def test_a_liked_paper_lifts_similar_ones_past_better_placed_ones() -> None:
    # Spiking and graph papers score the same on the profile ("network" in title and abstract);
    # ties go by id, so without votes the spiking papers (lower ids) come first.
    day = score_day(build_index([SPIKING]), a_day())
    options = DigestOptions(min_score=0.0, max_papers=6)
    plain = day.digest(SPIKING, options)
    assert [e.paper.title[:5] for e in plain.entries] == ["Spiki"] * 3 + ["Graph"] * 3
    steered = day.digest(SPIKING, options, adjust=Steering(liked(GRAPHY), DaySpace(day.papers)))
    assert [e.paper.title[:5] for e in steered.entries] == ["Graph"] * 3 + ["Spiki"] * 3
    first = steered.entries[0]
    assert first.shift is not None and first.shift.value > 0 and first.shift.liked == 1
    # the score and its reasons stay the profile's: calibration is untouched by votes
    before = next(e for e in plain.entries if e.paper == first.paper)
    assert (first.score, first.hits) == (before.score, before.hits)
    assert "ranked up by votes" in describe_shift(first.shift)
    assert "like 1 paper this channel liked" in describe_shift(first.shift)
    assert "ranked up by votes" in scored_embed(first, 1)["fields"][1]["value"]
    # the unsteered digest of the same day is unchanged afterwards
    assert day.digest(SPIKING, options) == plain


def test_votes_reorder_what_passes_the_threshold_and_never_move_the_threshold() -> None:
    day = score_day(build_index([SPIKING]), a_day())
    top = day.digest(SPIKING, DigestOptions(min_score=0.0)).entries[0]
    space = DaySpace(day.papers)
    above, under = DigestOptions(min_score=top.score), DigestOptions(min_score=top.score + 0.01)
    # liking a paper like the others does not lift them over the threshold
    assert not day.digest(SPIKING, under, adjust=Steering(liked(GRAPHY), space)).entries
    disliked = Steering(feedback_from([voted_paper(SPIKY, {1: -1})]), space)
    kept = day.digest(SPIKING, above, adjust=disliked).entries
    assert {e.paper.title[:5] for e in kept} == {"Spiki", "Graph"}
    spiking = [e for e in kept if e.paper.title.startswith("Spiking")]
    assert spiking and all(e.shift is not None and e.shift.value < 0 and e.score == top.score
                           for e in spiking)


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
    day = a_day()
    space = DaySpace(day)
    near = nearest(space, GRAPHY)
    # the three graph papers, closest first (ties by id), with the terms they share
    assert [n.paper.arxiv_id for n in near[:3]] == ["2501.00200", "2501.00201", "2501.00202"]
    assert near[0].similarity > 0.3 and "graph" in near[0].shared
    assert all(n.similarity >= 0.05 for n in near) and len(near) <= 5
    # a paper of the batch is not like itself; one sharing nothing with the batch has no match
    itself = nearest(space, day[3])
    assert day[3].arxiv_id not in [n.paper.arxiv_id for n in itself]
    assert [n.paper.arxiv_id for n in itself[:2]] == ["2501.00201", "2501.00202"]
    assert nearest(space, paper("2501.00999", "Quasar jets", "Quasar outflows.")) == []
