"""Papers as short weighted term vectors, for comparing one paper with another.

A paper's vector holds its `VECTOR_TERMS` most telling n-grams: the scorer's strength (title and
abstract) times how rare the term is in arXiv at large, scaled to unit length. Cosines between
these vectors are what votes and "more like this" go by; they are small enough to store with a vote.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from digest.background import Background
from digest.models import Paper
from digest.rank import Features, paper_features

VECTOR_TERMS = 40


@dataclass(frozen=True, slots=True)
class PaperVector:
    """A paper's most telling terms with unit-length weights, strongest first."""

    arxiv_id: str
    title: str
    terms: tuple[tuple[str, float], ...]

    def as_map(self) -> dict[str, float]:
        return dict(self.terms)


@dataclass(frozen=True, slots=True)
class Similar:
    """A paper close to another, how close (cosine), and the terms they share, strongest first."""

    paper: Paper
    similarity: float
    shared: tuple[str, ...]


class Rarity:
    """How telling each n-gram is: the log of arXiv's papers over those that use it. A single
    word arXiv's sample never saw counts as used once; an unseen phrase is left out (most are
    chance word pairs)."""

    def __init__(self, background: Background) -> None:
        self._papers = max(background.papers, 2)
        self._df = background.df
        self._unseen_word = math.log(self._papers)

    def weight(self, key: str) -> float:
        df = self._df.get(key)
        if df is None:
            return 0.0 if " " in key else self._unseen_word
        return math.log(self._papers / df) if df < self._papers else 0.0


def paper_vector(paper: Paper, rarity: Rarity, feats: Features | None = None) -> PaperVector:
    """A paper's vector: its `VECTOR_TERMS` heaviest terms, unit length."""
    feats = feats or paper_features(paper)
    weighted = [(s * rarity.weight(k), k) for k, s in zip(feats.keys, feats.strengths, strict=True)]
    top = sorted(((w, k) for w, k in weighted if w > 0), key=lambda wk: (-wk[0], wk[1]))
    top = top[:VECTOR_TERMS]
    norm = math.sqrt(sum(w * w for w, _ in top)) or 1.0
    return PaperVector(paper.arxiv_id, paper.title, tuple((k, round(w / norm, 6)) for w, k in top))


def cosine(a: Mapping[str, float], b: PaperVector) -> float:
    """The cosine of two unit vectors, one given as a map."""
    return sum(w * a.get(k, 0.0) for k, w in b.terms)


def shared_terms(a: PaperVector, b: PaperVector, limit: int = 5) -> tuple[str, ...]:
    """The terms two vectors share, by their joint weight."""
    theirs = b.as_map()
    joint = sorted(((w * theirs[k], k) for k, w in a.terms if k in theirs), reverse=True)
    return tuple(k for _, k in joint[:limit])


def nearest(target: PaperVector, papers: Iterable[Paper], rarity: Rarity, *,
            limit: int = 5, min_similarity: float = 0.05) -> list[Similar]:
    """The papers closest to a target (itself excluded), closest first, ties by id."""
    near = target.as_map()
    found = []
    for paper in papers:
        if paper.arxiv_id == target.arxiv_id:
            continue
        vector = paper_vector(paper, rarity)
        similarity = cosine(near, vector)
        if similarity >= min_similarity:
            found.append(Similar(paper, round(similarity, 4), shared_terms(target, vector)))
    found.sort(key=lambda s: (-s.similarity, s.paper.arxiv_id))
    return found[:limit]


class DayVectors:
    """The vectors of one scored batch's papers (by position), each made once, when first asked."""

    def __init__(self, papers: Sequence[Paper], feats: Sequence[Features], rarity: Rarity) -> None:
        self.papers, self.feats, self.rarity = papers, feats, rarity
        self._made: dict[int, dict[str, float]] = {}

    def terms(self, position: int) -> dict[str, float]:
        """A paper's vector as a map of term to weight."""
        found = self._made.get(position)
        if found is None:
            vector = paper_vector(self.papers[position], self.rarity, self.feats[position])
            found = self._made[position] = vector.as_map()
        return found
