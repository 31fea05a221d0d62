"""Scoring papers against profiles: weighted term presence on a calibrated scale, by one path.

A paper's features are the n-grams of its title and abstract, each worth `TITLE_WEIGHT` if it is in
the title plus `ABSTRACT_WEIGHT` if it is in the abstract: presence, not counts, so repeating a
phrase adds nothing and a long abstract is not diluted. A profile's raw score for a paper is the sum
of its terms' weights times those strengths; dividing by the profile's `scale` (the median raw
score of its own papers) makes 1.0 mean "as on-topic as this profile's typical paper". Every score,
whether for a preview, the bot, calibration or a benchmark, comes from `score_table`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from digest.models import (
    CorpusPaper,
    Digest,
    DigestOptions,
    Hit,
    Paper,
    Profile,
    ScoredPaper,
    Shift,
    Term,
)
from digest.text import ngrams

TITLE_WEIGHT = 1.25
ABSTRACT_WEIGHT = 1.0
PAPERS_PER_CHUNK = 256  # bounds the product's working memory

Vector = NDArray[np.float64]
Indices = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Features:
    """A paper's n-gram keys in sorted order, each with its strength, and the keys in its title."""

    keys: tuple[str, ...]
    strengths: tuple[float, ...]
    title: frozenset[str]

    def strength(self, key: str) -> float:
        """What a term's weight is multiplied by in this paper (0.0 if absent)."""
        index = _find(self.keys, key)
        return self.strengths[index] if index >= 0 else 0.0


def _find(keys: tuple[str, ...], key: str) -> int:
    low, high = 0, len(keys)
    while low < high:
        mid = (low + high) // 2
        if keys[mid] < key:
            low = mid + 1
        else:
            high = mid
    return low if low < len(keys) and keys[low] == key else -1


def features(title: str, abstract: str) -> Features:
    """The n-grams of a title and an abstract with their strengths."""
    in_title, in_abstract = frozenset(ngrams(title)), frozenset(ngrams(abstract))
    keys = tuple(sorted(in_title | in_abstract))
    strengths = tuple((TITLE_WEIGHT if k in in_title else 0.0)
                      + (ABSTRACT_WEIGHT if k in in_abstract else 0.0) for k in keys)
    return Features(keys, strengths, in_title)


def paper_features(paper: Paper | CorpusPaper) -> Features:
    """A paper's features."""
    return features(paper.title, paper.abstract)


@dataclass(frozen=True, eq=False)
class RankIndex:
    """A profile set's weights by term (term -> the profiles that have it, each weight divided by
    the profile's scale): the sparse matrix every score is a product with."""

    profiles: tuple[Profile, ...]
    rows: dict[str, int]
    indptr: Indices  # row r's postings are [indptr[r], indptr[r + 1])
    columns: Indices  # the profile of each posting
    weights: Vector  # term weight / profile scale


def build_index(profiles: Sequence[Profile]) -> RankIndex:
    """The rank index of a set of profiles."""
    postings: dict[str, list[tuple[int, float]]] = {}
    for column, profile in enumerate(profiles):
        for term in profile.terms:
            postings.setdefault(term.key, []).append((column, term.weight / profile.scale))
    keys = sorted(postings)
    counts = np.array([len(postings[k]) for k in keys], dtype=np.int64)
    indptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    flat = [entry for k in keys for entry in postings[k]]
    return RankIndex(
        tuple(profiles),
        {k: i for i, k in enumerate(keys)},
        indptr,
        np.array([c for c, _ in flat], dtype=np.int64),
        np.array([w for _, w in flat], dtype=np.float64),
    )


@dataclass(frozen=True, eq=False)
class ScoreTable:
    """Calibrated scores (rounded to 4 places) of papers against an index's profiles, only those
    above zero: profile p's papers are `papers[indptr[p]:indptr[p + 1]]`, best first, ties in the
    order given by `tie_order`."""

    indptr: Indices
    papers: Indices
    scores: Vector

    def column(self, profile: int) -> tuple[Indices, Vector]:
        """One profile's scored papers (positions) and their scores, best first."""
        start, end = self.indptr[profile], self.indptr[profile + 1]
        return self.papers[start:end], self.scores[start:end]

    def dense(self, n_papers: int) -> NDArray[np.float64]:
        """The scores as a papers x profiles array (zeros where a paper matched nothing)."""
        out = np.zeros((n_papers, len(self.indptr) - 1))
        profiles = np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))
        out[self.papers, profiles] = self.scores
        return out


def score_table(index: RankIndex, feats: Sequence[Features],
                tie_order: Indices | None = None) -> ScoreTable:
    """Every paper scored against every profile of the index, as a sparse product.

    Each (profile, paper) sum runs over the paper's terms in key order, whatever else is in the
    index or the batch, so a score is the same bit for bit however it is computed.
    """
    n_profiles = len(index.profiles)
    parts = [_product(index, feats[start:start + PAPERS_PER_CHUNK], start)
             for start in range(0, len(feats), PAPERS_PER_CHUNK)]
    profiles = np.concatenate([p for p, _, _ in parts]) if parts else np.zeros(0, np.int64)
    papers = np.concatenate([q for _, q, _ in parts]) if parts else np.zeros(0, np.int64)
    scores = np.concatenate([s for _, _, s in parts]) if parts else np.zeros(0)
    keep = scores > 0
    profiles, papers, scores = profiles[keep], papers[keep], scores[keep]
    ties = (np.arange(len(feats)) if tie_order is None else tie_order)[papers]
    order = np.lexsort((ties, -scores, profiles))
    counts = np.bincount(profiles, minlength=n_profiles)
    indptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return ScoreTable(indptr, papers[order], scores[order])


def _product(index: RankIndex, feats: Sequence[Features], first: int
             ) -> tuple[Indices, Indices, Vector]:
    """(profile, paper, score) for every pair with a shared term, in one chunk of papers."""
    rows: list[int] = []
    owners: list[int] = []
    values: list[float] = []
    lookup = index.rows.get
    for offset, features_ in enumerate(feats):
        for key, strength in zip(features_.keys, features_.strengths, strict=True):
            found = lookup(key)
            if found is not None:
                rows.append(found)
                owners.append(offset)
                values.append(strength)
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    row = np.array(rows, dtype=np.int64)
    starts = index.indptr[row]
    counts = index.indptr[row + 1] - starts
    entry = np.repeat(np.arange(len(row)), counts)
    within = np.arange(len(entry)) - np.repeat(np.cumsum(counts) - counts, counts)
    posting = starts[entry] + within
    profile = index.columns[posting]
    paper = np.array(owners, dtype=np.int64)[entry]
    contribution = np.array(values)[entry] * index.weights[posting]
    pair = profile * len(feats) + paper
    order = np.argsort(pair, kind="stable")  # stable: each pair's terms stay in key order
    pair = pair[order]
    starts_of_pair = np.concatenate(([True], pair[1:] != pair[:-1]))
    group = np.cumsum(starts_of_pair) - 1
    sums = np.bincount(group, weights=contribution[order])  # sequential, in that order
    heads = pair[starts_of_pair]
    return heads // len(feats), heads % len(feats) + first, np.round(sums, 4)


def term_hits(profile: Profile, feats: Features) -> list[Hit]:
    """The profile terms found in a paper, each with its contribution to the raw score."""
    return _hits(_term_map(profile), feats)


def _term_map(profile: Profile) -> dict[str, Term]:
    return {t.key: t for t in profile.terms}


def _hits(terms: dict[str, Term], feats: Features) -> list[Hit]:
    out = []
    for key, strength in zip(feats.keys, feats.strengths, strict=True):
        term = terms.get(key)
        if term is not None:
            out.append(Hit(term.text, key in feats.title, term.weight * strength, key))
    return out


def _fold_nested(hits: list[Hit]) -> tuple[Hit, ...]:
    """Hits by contribution, a term inside longer matched phrases folded into the longest of them
    (its contribution added there), so the listed terms account for the whole score."""
    by_key = {h.key: h for h in hits}
    into: dict[str, str] = {}
    outers = sorted(hits, key=lambda h: (-h.key.count(" "), -h.contribution, h.key))
    for outer in outers:
        words = outer.key.split()
        for size in range(len(words) - 1, 0, -1):
            for start in range(len(words) - size + 1):
                inner = " ".join(words[start:start + size])
                if inner in by_key and inner not in into:
                    into[inner] = outer.key
    totals = {h.key: h.contribution for h in hits if h.key not in into}
    for inner_key, outer_key in into.items():
        totals[outer_key] += by_key[inner_key].contribution
    shown = [Hit(h.term, h.in_title, totals[h.key], h.key) for h in hits if h.key in totals]
    return tuple(sorted(shown, key=lambda h: (-h.contribution, h.term)))


def explain(profile: Profile, paper: Paper, score: float, feats: Features,
            terms: dict[str, Term] | None = None) -> ScoredPaper:
    """A scored paper with the terms that explain its score (those that raised it)."""
    hits = [h for h in _hits(terms or _term_map(profile), feats) if h.contribution > 0]
    return ScoredPaper(paper, profile.slug, score, _fold_nested(hits))


def score_paper(profile: Profile, paper: Paper, feats: Features | None = None) -> ScoredPaper:
    """One paper's calibrated score against one profile, with the terms that explain it."""
    feats = feats or paper_features(paper)
    table = score_table(build_index([profile]), [feats])
    return explain(profile, paper, float(table.scores[0]) if len(table.scores) else 0.0, feats)


def raw_scores(profiles: Sequence[Profile], feats: Sequence[Features]) -> NDArray[np.float64]:
    """Uncalibrated scores (papers x profiles), as calibration needs them."""
    unit = [replace(p, scale=1.0) for p in profiles]
    return score_table(build_index(unit), feats).dense(len(feats))


# A per-subscription shift of a digest's order (a channel's votes), by the paper's position.
Adjuster = Callable[[int], Shift]


class DayScores:
    """One batch (unique ids) scored once against every profile of an index: each digest is then
    read off the table, and only its entries are explained."""

    def __init__(self, index: RankIndex, papers: Iterable[Paper]) -> None:
        self.index = index
        self.papers = tuple({p.arxiv_id: p for p in papers}.values())
        self.feats = tuple(paper_features(p) for p in self.papers)
        ids = np.array([p.arxiv_id for p in self.papers], dtype=object)
        self.tie_order = np.empty(len(self.papers), dtype=np.int64)
        self.tie_order[np.argsort(ids, kind="stable")] = np.arange(len(self.papers))
        self.table = score_table(index, self.feats, self.tie_order)
        self.ids = frozenset(p.arxiv_id for p in self.papers)
        self._columns = {(p.slug, p.guild_id): i for i, p in enumerate(index.profiles)}
        self._others: dict[tuple[str, int | None], tuple[Profile, ScoreTable]] = {}
        self._explained: dict[tuple[str, int | None], tuple[Profile, dict[str, Term],
                                                            dict[int, ScoredPaper]]] = {}

    def ranked(self, profile: Profile) -> tuple[Indices, Vector]:
        """The day's papers (positions) with a score above zero for a profile, best first."""
        column = self._columns.get((profile.slug, profile.guild_id))
        if column is not None and self.index.profiles[column] == profile:
            return self.table.column(column)
        key = (profile.slug, profile.guild_id)
        made_for, table = self._others.get(key, (None, None))
        if table is None or made_for != profile:
            table = score_table(build_index([profile]), self.feats, self.tie_order)
            self._others[key] = (profile, table)
        return table.column(0)

    def digest(self, profile: Profile, options: DigestOptions, *,
               exclude_ids: frozenset[str] = frozenset(),
               announced: dt.date | None = None, adjust: Adjuster | None = None) -> Digest:
        """The profile's digest of the day: eligible papers not already sent, at or above the
        threshold, best first, at most `options.max_papers`. `adjust` reorders the papers at or
        above the threshold by their score plus its shift; each entry keeps its own score."""
        positions, scores = self.ranked(profile)
        shifts: dict[int, Shift] = {}
        if adjust is not None:
            positions, scores, shifts = self._shifted(positions, scores, options, adjust)
        chosen: list[ScoredPaper] = []
        for position, score in zip(positions.tolist(), scores.tolist(), strict=True):
            if score < options.min_score or len(chosen) >= options.max_papers:
                break
            paper = self.papers[position]
            if options.admits(paper) and paper.arxiv_id not in exclude_ids:
                entry = self._explain(profile, position, score)
                moved = shifts.get(position)
                chosen.append(entry if moved is None else replace(entry, shift=moved))
        considered = len(self.papers) - len(exclude_ids & self.ids)
        return Digest(profile, tuple(chosen), announced, considered, options)

    def _shifted(self, positions: Indices, scores: Vector, options: DigestOptions,
                 adjust: Adjuster) -> tuple[Indices, Vector, dict[int, Shift]]:
        """The papers at or above the threshold, in the order of score plus shift."""
        above = scores >= options.min_score
        positions, scores = positions[above], scores[above]
        found = [adjust(p) for p in positions.tolist()]
        moved = scores + np.array([f.value for f in found], dtype=np.float64)
        order = np.lexsort((self.tie_order[positions], -np.round(moved, 4)))
        return positions[order], scores[order], dict(zip(positions.tolist(), found, strict=True))

    def _explain(self, profile: Profile, position: int, score: float) -> ScoredPaper:
        """A digest entry, explained once per profile and paper however many digests hold it."""
        key = (profile.slug, profile.guild_id)
        made_for, terms, done = self._explained.get(key, (None, {}, {}))
        if made_for is not profile and made_for != profile:
            made_for, terms, done = profile, _term_map(profile), {}
            self._explained[key] = (made_for, terms, done)
        found = done.get(position)
        if found is None:
            found = done[position] = explain(profile, self.papers[position], score,
                                             self.feats[position], terms)
        return found


def score_day(index: RankIndex, papers: Iterable[Paper]) -> DayScores:
    """Score a batch against every profile of the index (papers deduped by id, last kept)."""
    return DayScores(index, papers)


def build_digest(papers: Iterable[Paper], profile: Profile, options: DigestOptions, *,
                 exclude_ids: frozenset[str] = frozenset(),
                 announced: dt.date | None = None) -> Digest:
    """The digest one profile picks from a set of papers, minus those already delivered."""
    return score_day(build_index([profile]), papers).digest(
        profile, options, exclude_ids=exclude_ids, announced=announced)


def best_scores(index: RankIndex, papers: Sequence[Paper]) -> list[float]:
    """Each paper's best calibrated score over all the index's profiles."""
    if not papers or not index.profiles:
        return [0.0] * len(papers)
    dense = score_table(index, [paper_features(p) for p in papers]).dense(len(papers))
    return [float(x) for x in dense.max(axis=1)]
