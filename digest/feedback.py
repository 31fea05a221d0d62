"""What a channel's votes teach its digest: a bounded shift of each paper's place towards the
papers the channel liked and away from those it marked not for it.

The shift is the mean closeness (cosine of `digest.vectors`) of a paper to the liked papers minus
that to the disliked ones, times `PULL`, damped while votes are few (a handful nudges, a few dozen
steer) and clipped to `MAX_SHIFT`. It orders the papers that pass the channel's threshold; a
paper's score stays the profile's calibrated score, so the threshold means what it did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from digest.models import Shift
from digest.vectors import DayVectors, PaperVector, cosine

PULL = 4.0
PRIOR_VOTES = 2  # the shift grows as n / (n + PRIOR_VOTES) with n papers voted on either way
MAX_SHIFT = 0.5  # never more than half a typical paper, either way
NAMED_AT = 0.2  # a voted paper at least this close is counted in the reason
MAX_VOTED_PAPERS = 100  # a subscription learns from its newest voted papers, no more


@dataclass(frozen=True, slots=True)
class VotedPaper:
    """A paper a channel voted on: its vector, and its members' votes (+1 relevant, -1 not)."""

    vector: PaperVector
    votes: Mapping[int, int]

    @property
    def net(self) -> int:
        return sum(self.votes.values())


@dataclass(frozen=True, slots=True)
class Feedback:
    """The papers a subscription's votes came down for and against (ties count for neither)."""

    liked: tuple[PaperVector, ...] = ()
    disliked: tuple[PaperVector, ...] = ()

    @property
    def papers(self) -> int:
        return len(self.liked) + len(self.disliked)


def feedback_from(voted: Iterable[VotedPaper]) -> Feedback:
    """The feedback of a subscription's voted papers: each paper liked or disliked by its net vote."""
    papers = list(voted)
    return Feedback(tuple(p.vector for p in papers if p.net > 0),
                    tuple(p.vector for p in papers if p.net < 0))


def shift(feedback: Feedback, vector: Mapping[str, float]) -> Shift:
    """How far the feedback moves a paper (given as its vector's map), and why."""
    liked = [cosine(vector, v) for v in feedback.liked]
    disliked = [cosine(vector, v) for v in feedback.disliked]
    pull = sum(liked) / (len(liked) + PRIOR_VOTES) - sum(disliked) / (len(disliked) + PRIOR_VOTES)
    value = max(-MAX_SHIFT, min(MAX_SHIFT, PULL * pull))
    return Shift(round(value, 4), sum(c >= NAMED_AT for c in liked),
                 sum(c >= NAMED_AT for c in disliked))


def apply_vote(votes: Mapping[int, int], member_id: int, vote: int) -> dict[int, int]:
    """A paper's votes after a member votes (one vote a member, a new one replacing the old)."""
    if vote not in (1, -1):
        raise ValueError(f"a vote is +1 or -1, not {vote!r}")
    return {**votes, member_id: vote}


def describe_shift(found: Shift) -> str:
    """The reason a shift gives, as a digest entry shows it ('' when it did nothing)."""
    if abs(found.value) < 0.005:
        return ""
    parts = []
    if found.liked:
        parts.append(f"like {found.liked} paper{'s' if found.liked != 1 else ''} "
                     "this channel liked")
    if found.disliked:
        parts.append(f"like {found.disliked} paper{'s' if found.disliked != 1 else ''} "
                     "this channel marked not for it")
    why = "; ".join(parts) or "this channel's votes"
    way = "up" if found.value > 0 else "down"
    return f"ranked {way} by votes ({found.value:+.2f}): {why}"


@dataclass(frozen=True, slots=True)
class Steering:
    """A subscription's feedback as the ranker applies it to one scored batch."""

    feedback: Feedback
    vectors: DayVectors

    def __call__(self, position: int) -> Shift:
        return shift(self.feedback, self.vectors.terms(position))
