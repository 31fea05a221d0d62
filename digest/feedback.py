"""What a channel's votes teach its digest: a bounded shift of each paper's place towards the
papers the channel liked and away from those it marked not for it.

The day's papers are TF-IDF vectors over the day's own words and word pairs
(`digest.vectors.DaySpace`). The channel's direction is the mean of its liked papers' vectors
minus half the mean of its disliked ones (Rocchio's rule), each voted paper vectorised in the
same day's space from the title and abstract kept with its votes. Each paper's closeness to that direction is
taken relative to the whole day (in standard deviations from the day's mean), times `STRENGTH`,
damped while votes are few (a handful nudges, a few dozen steer) and clipped to `MAX_SHIFT`. The
shift orders the papers that pass the channel's threshold; a paper's score stays the profile's
calibrated score, so the threshold means what it did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from digest.models import Paper, Shift
from digest.vectors import DaySpace, SparseRow

STRENGTH = 0.1  # the shift of a paper one standard deviation closer than the day's average
PRIOR_VOTES = 2  # the shift grows as n / (n + PRIOR_VOTES) with n papers voted on either way
MAX_SHIFT = 0.5  # never more than half a typical paper, either way
DISLIKED_WEIGHT = 0.5  # a disliked paper pushes away half as hard as a liked one pulls
NAMED_AT = 0.05  # a voted paper at least this close (cosine) is counted in the reason
MAX_VOTED_PAPERS = 100  # a subscription learns from its newest voted papers, no more


@dataclass(frozen=True, slots=True)
class VotedPaper:
    """A paper a channel voted on, as much of it as the vote needs (kept with the votes, so they
    outlive the paper's record), and its members' votes (+1 relevant, -1 not)."""

    arxiv_id: str
    title: str
    abstract: str
    votes: Mapping[int, int]

    @property
    def net(self) -> int:
        return sum(self.votes.values())


@dataclass(frozen=True, slots=True)
class Feedback:
    """The papers a subscription's votes came down for and against (ties count for neither)."""

    liked: tuple[VotedPaper, ...] = ()
    disliked: tuple[VotedPaper, ...] = ()

    @property
    def papers(self) -> int:
        return len(self.liked) + len(self.disliked)


def feedback_from(voted: Iterable[VotedPaper]) -> Feedback:
    """The feedback of a subscription's voted papers: each paper liked or disliked by its net vote."""
    papers = list(voted)
    return Feedback(tuple(p for p in papers if p.net > 0), tuple(p for p in papers if p.net < 0))


def voted_paper(paper: Paper, votes: Mapping[int, int]) -> VotedPaper:
    """A paper as a vote keeps it, with these votes."""
    return VotedPaper(paper.arxiv_id, paper.title, paper.abstract, dict(votes))


def apply_vote(votes: Mapping[int, int], member_id: int, vote: int) -> dict[int, int]:
    """A paper's votes after a member votes (one vote a member, a new one replacing the old)."""
    if vote not in (1, -1):
        raise ValueError(f"a vote is +1 or -1, not {vote!r}")
    return {**votes, member_id: vote}


class _Near:
    """Some voted papers' vectors, indexed by term, to count how many of them a paper is close to."""

    def __init__(self, vectors: Sequence[SparseRow]) -> None:
        self.size = len(vectors)
        self._postings: dict[int, list[tuple[int, float]]] = {}
        for n, (columns, weights) in enumerate(vectors):
            for column, weight in zip(columns.tolist(), weights.tolist(), strict=True):
                self._postings.setdefault(column, []).append((n, weight))

    def count(self, row: SparseRow, at_least: float) -> int:
        if not self.size:
            return 0
        cosines = [0.0] * self.size
        for column, weight in zip(row[0].tolist(), row[1].tolist(), strict=True):
            for n, theirs in self._postings.get(column, ()):
                cosines[n] += weight * theirs
        return sum(c >= at_least for c in cosines)


class Steering:
    """A subscription's feedback as the ranker applies it to one batch (positions of `space`)."""

    def __init__(self, feedback: Feedback, space: DaySpace) -> None:
        self.space = space
        liked = [space.vector(p.title, p.abstract) for p in feedback.liked]
        disliked = [space.vector(p.title, p.abstract) for p in feedback.disliked]
        self._liked, self._disliked = _Near(liked), _Near(disliked)
        direction = space.dense(liked) - DISLIKED_WEIGHT * space.dense(disliked)
        closeness = space.closeness(direction)
        spread = float(closeness.std()) if len(closeness) else 0.0
        if spread > 1e-12 and feedback.papers:
            damping = feedback.papers / (feedback.papers + PRIOR_VOTES)
            relative = (closeness - closeness.mean()) / spread
            self._shifts = np.clip(STRENGTH * damping * relative, -MAX_SHIFT, MAX_SHIFT)
        else:
            self._shifts = np.zeros(len(closeness), dtype=np.float64)

    def __call__(self, position: int) -> Shift:
        """How far the feedback moves the batch's paper at a position, and why."""
        row = self.space.row(position)
        return Shift(round(float(self._shifts[position]), 4), self._liked.count(row, NAMED_AT),
                     self._disliked.count(row, NAMED_AT))


def describe_shift(found: Shift) -> str:
    """The reason a shift gives, as a digest entry shows it ('' when it did nothing)."""
    if abs(found.value) < 0.005:
        return ""
    up = found.value > 0
    count = found.liked if up else found.disliked
    if count:  # a paper moved up is named by the liked papers it is like, down by the disliked
        why = (f"like {count} paper{'s' if count != 1 else ''} this channel "
               f"{'liked' if up else 'marked not for it'}")
    else:
        why = f"closer to this channel's {'liked' if up else 'not-for-us'} papers than most"
    return f"ranked {'up' if up else 'down'} by votes ({found.value:+.2f}): {why}"
