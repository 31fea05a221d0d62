"""Papers as TF-IDF vectors over one batch's own vocabulary, for comparing papers with each
other: what votes steer by and what "more like this" finds.

A batch's space (`DaySpace`) counts a paper's words and word pairs (the ranking's stemmed n-grams,
none across a stop word or clause break) with sublinear weights, keeps the terms that at least two
of the batch's papers use, weighs each by its smoothed inverse document frequency in the batch,
and scales each paper to unit length. Any other paper (one voted on days ago, one looked up) is
put into the same space; the terms the batch lacks are left out, as they match nothing in it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from digest.models import Paper
from digest.text import ngrams

MIN_PAPERS_WITH_TERM = 2  # a term of one paper alone says nothing about closeness

SparseRow = tuple[NDArray[np.int64], NDArray[np.float64]]


@dataclass(frozen=True, slots=True)
class Similar:
    """A paper close to another, how close (cosine), and the terms they share, strongest first."""

    paper: Paper
    similarity: float
    shared: tuple[str, ...]


def _counts(title: str, abstract: str) -> Counter[str]:
    return Counter(ngrams(f"{title}. {abstract}", max_n=2))


class DaySpace:
    """One batch's papers (by position) as unit TF-IDF vectors over the batch's own vocabulary,
    stored row by row in CSR form. Made once a batch (a day's scored papers, or the window that
    "more like this" searches) and shared by everything that compares papers within it."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        self.papers = tuple(papers)
        counts = [_counts(p.title, p.abstract) for p in self.papers]
        n = len(counts)
        used = Counter(k for c in counts for k in c)
        kept = sorted(k for k, df in used.items() if df >= MIN_PAPERS_WITH_TERM)
        self.terms = tuple(kept)
        self.columns = {k: i for i, k in enumerate(kept)}
        self.idf = np.array([math.log((1 + n) / (1 + used[k])) + 1 for k in kept], dtype=np.float64)
        rows = [self._row(c) for c in counts]
        lengths = np.array([len(r[0]) for r in rows], dtype=np.int64)
        self.indptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        self.indices = (np.concatenate([r[0] for r in rows]) if rows
                        else np.empty(0, dtype=np.int64))
        self.data = (np.concatenate([r[1] for r in rows]) if rows
                     else np.empty(0, dtype=np.float64))
        self._owner = np.repeat(np.arange(n, dtype=np.int64), lengths)

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def _row(self, counts: Mapping[str, int]) -> SparseRow:
        found = sorted((self.columns[k], c) for k, c in counts.items() if k in self.columns)
        columns = np.array([col for col, _ in found], dtype=np.int64)
        weights = np.array([1 + math.log(c) for _, c in found], dtype=np.float64)
        weights *= self.idf[columns]
        norm = float(np.sqrt(weights @ weights))
        return columns, weights / norm if norm > 0 else weights

    def vector(self, title: str, abstract: str) -> SparseRow:
        """Any paper's unit vector in this batch's space (terms the batch lacks are left out)."""
        return self._row(_counts(title, abstract))

    def row(self, position: int) -> SparseRow:
        start, stop = self.indptr[position], self.indptr[position + 1]
        return self.indices[start:stop], self.data[start:stop]

    def dense(self, rows: Iterable[SparseRow]) -> NDArray[np.float64]:
        """The mean of some vectors, as a dense vector over the batch's terms."""
        total, count = np.zeros(len(self.idf), dtype=np.float64), 0
        for columns, weights in rows:
            np.add.at(total, columns, weights)
            count += 1
        return total / count if count else total

    def closeness(self, direction: NDArray[np.float64]) -> NDArray[np.float64]:
        """Every paper's dot product with a dense direction."""
        found = np.bincount(self._owner, weights=self.data * direction[self.indices],
                            minlength=len(self))
        return found.astype(np.float64, copy=False)


def nearest(space: DaySpace, target: Paper, *, limit: int = 5,
            min_similarity: float = 0.05) -> list[Similar]:
    """The batch's papers closest to a paper (itself left out), closest first, ties by id, each
    with the terms they share, heaviest in both first."""
    columns, weights = space.vector(target.title, target.abstract)
    direction = np.zeros(len(space.terms), dtype=np.float64)
    direction[columns] = weights
    closeness = space.closeness(direction)
    close = [i for i in np.flatnonzero(closeness >= min_similarity).tolist()
             if space.papers[i].arxiv_id != target.arxiv_id]
    order = sorted(close, key=lambda i: (-closeness[i], space.papers[i].arxiv_id))
    found = []
    for position in order[:limit]:
        theirs, their_weights = space.row(position)
        joint = direction[theirs] * their_weights
        strongest = np.argsort(-joint, kind="stable")[:5]
        shared = tuple(space.terms[int(theirs[j])] for j in strongest if joint[j] > 0)
        found.append(Similar(space.papers[position], round(float(closeness[position]), 4),
                             shared))
    return found
