"""Scoring papers against profiles: saturated term matches per unit of text, on a calibrated scale.

A paper's raw score is the sum, over the profile terms it contains, of the term's weight times a
BM25-style saturation of its count (title hits count `TITLE_BOOST` times more), divided by the
paper's information length relative to a typical abstract's, so that long abstracts on many things
do not win by sheer size. Dividing by the profile's `scale` (a typical exemplar's raw score) makes 1.0 mean "as on-topic as the profile's own papers", whatever the day or feed.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from digest.models import (
    ALL_SLUG,
    CorpusPaper,
    Digest,
    DigestOptions,
    Hit,
    Paper,
    Profile,
    ScoredPaper,
)
from digest.text import ngrams, normalise_title

TITLE_BOOST = 1.25
SATURATION_K = 1.2
TYPICAL_LENGTH = 200.0  # the information length of a typical corpus abstract (median: 208)
MIN_LENGTH = 50.0  # shorter texts (a bare title, a test string) are scored as if this long

Matrix = NDArray[np.float64]
Vector = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Features:
    """A paper's term counts in its title and abstract, and its information length: its terms'
    saturated counts, each term counted once per word (a three-word phrase says three words)."""

    title: Counter[str]
    abstract: Counter[str]
    length: float = 0.0

    @property
    def norm(self) -> float:
        """What the paper's term contributions are divided by: 1.0 for a typical abstract."""
        return max(self.length, MIN_LENGTH) / TYPICAL_LENGTH


def features(title: str, abstract: str) -> Features:
    """Count the n-grams of a title and an abstract."""
    in_title, in_abstract = Counter(ngrams(title)), Counter(ngrams(abstract))
    saturated = _SATURATED
    length = sum((key.count(" ") + 1) * (saturated[n] if n < 64 else _saturation(n))
                 for counts in (in_title, in_abstract) for key, n in counts.items())
    return Features(in_title, in_abstract, length)


def _saturation(count: int) -> float:
    return count * (SATURATION_K + 1) / (count + SATURATION_K) if count else 0.0


_SATURATED = tuple(_saturation(n) for n in range(64))


def _saturate(count: int) -> float:
    return _SATURATED[count] if count < 64 else _saturation(count)


def _strength(feats: Features, key: str) -> float:
    """A term's saturated, title-boosted count per unit of text."""
    return (TITLE_BOOST * _saturate(feats.title.get(key, 0))
            + _saturate(feats.abstract.get(key, 0))) / feats.norm


def term_strengths(feats: Features) -> dict[str, float]:
    """Every n-gram of a paper with its saturated, title-boosted count per unit of text: what a
    term's weight is multiplied by."""
    return {key: _strength(feats, key) for key in _keys(feats)}


def term_hits(profile: Profile, feats: Features) -> list[Hit]:
    """The profile terms found in a paper, each with its contribution to the raw score."""
    present = _keys(feats)
    return [
        Hit(term.text, term.key in feats.title, term.weight * _strength(feats, term.key), term.key)
        for term in profile.terms
        if term.key in present
    ]


def _fold_nested(hits: list[Hit]) -> tuple[Hit, ...]:
    """Hits by contribution, a term inside longer matched phrases folded into the longest of them
    (its contribution added there), so the listed terms account for the whole score."""
    padded = {h.key: f" {h.key} " for h in hits}
    into: dict[str, str] = {}
    for hit in hits:
        outer = [o for o in hits if o.key != hit.key and padded[hit.key] in padded[o.key]]
        if outer:
            into[hit.key] = max(outer, key=lambda o: (o.key.count(" "), o.contribution, o.key)).key
    totals = {h.key: h.contribution for h in hits if h.key not in into}
    for hit in hits:
        if hit.key in into:
            totals[into[hit.key]] += hit.contribution
    shown = [replace(h, contribution=totals[h.key]) for h in hits if h.key in totals]
    return tuple(sorted(shown, key=lambda h: (-h.contribution, h.term)))


def score_paper(profile: Profile, paper: Paper, feats: Features | None = None) -> ScoredPaper:
    """A paper's calibrated score against one profile, with the terms that explain it (those
    that raised it; a term with a negative weight, one that marks other fields, only lowers it)."""
    feats = feats or features(paper.title, paper.abstract)
    hits = term_hits(profile, feats)
    raw = sum(h.contribution for h in hits)
    shown = _fold_nested([h for h in hits if h.contribution > 0])
    return ScoredPaper(paper, profile.slug, round(raw / profile.scale, 4), shown)


def calibrate(profiles: Sequence[Profile], corpus: Iterable[CorpusPaper]) -> list[Profile]:
    """Set each profile's scale to the median raw score of its exemplar papers (for the
    whole-corpus profile `all`, of every corpus paper)."""
    papers = list(corpus)
    feats = [features(p.title, p.abstract) for p in papers]
    raw = _raw_matrix(build_index([replace(p, scale=1.0) for p in profiles]), feats)
    row = {normalise_title(p.title): i for i, p in enumerate(papers)}
    out = []
    for column, profile in enumerate(profiles):
        keys = (normalise_title(e.title) for e in profile.exemplars)
        whole = profile.slug == ALL_SLUG
        rows = range(len(papers)) if whole else [row[k] for k in keys if k in row]
        positive = [float(raw[i, column]) for i in rows if raw[i, column] > 0]
        scale = statistics.median(positive) if positive else 1.0
        out.append(replace(profile, scale=round(scale, 6)))
    return out


def _keys(feats: Features) -> set[str]:
    return feats.title.keys() | feats.abstract.keys()


def eligible(paper: Paper, options: DigestOptions) -> bool:
    """Whether a paper's announce type is one the reader asked for."""
    kind = paper.announce_type
    if kind in ("replace", "replace-cross"):
        return options.include_replacements
    if kind == "cross":
        return options.include_cross
    return True


@dataclass(frozen=True, eq=False)
class RankIndex:
    """A profile set's term weights as one matrix (terms x profiles, each column divided by the
    profile's scale), built once, so a batch is scored against every profile in one product."""

    profiles: tuple[Profile, ...]
    rows: dict[str, int]
    weights: Matrix


def build_index(profiles: Sequence[Profile]) -> RankIndex:
    """The rank index of a set of profiles."""
    rows: dict[str, int] = {}
    for profile in profiles:
        for term in profile.terms:
            rows.setdefault(term.key, len(rows))
    weights = np.zeros((len(rows), len(profiles)))
    for column, profile in enumerate(profiles):
        for term in profile.terms:
            weights[rows[term.key], column] = term.weight / profile.scale
    return RankIndex(tuple(profiles), rows, weights)


def _raw_matrix(index: RankIndex, feats: Sequence[Features], chunk: int = 256) -> Matrix:
    out = np.zeros((len(feats), len(index.profiles)))
    rows, saturated = index.rows, _SATURATED
    for start in range(0, len(feats), chunk):
        part = feats[start : start + chunk]
        where: list[int] = []
        values: list[float] = []
        for offset, paper in enumerate(part):
            norm, base = paper.norm, offset * len(rows)
            found = {key: saturated[n] if n < 64 else _saturation(n)
                     for key, n in paper.abstract.items() if key in rows}
            for key, n in paper.title.items():
                if key in rows:
                    found[key] = TITLE_BOOST * _saturate(n) + found.get(key, 0.0)
            where += [base + rows[key] for key in found]
            values += [value / norm for value in found.values()]
        block = np.zeros(len(part) * len(rows))
        block[where] = values
        out[start : start + len(part)] = block.reshape(len(part), len(rows)) @ index.weights
    return out


def score_matrix(index: RankIndex, feats: Sequence[Features]) -> Matrix:
    """Calibrated scores (papers x profiles, rounded like `score_paper`) of papers' features."""
    return np.round(_raw_matrix(index, feats), 4)


def best_scores(index: RankIndex, papers: Sequence[Paper]) -> list[float]:
    """Each paper's best calibrated score over all the index's profiles."""
    if not papers or not index.profiles:
        return [0.0] * len(papers)
    matrix = score_matrix(index, [features(p.title, p.abstract) for p in papers])
    return [float(x) for x in matrix.max(axis=1)]


class Scorer:
    """Scores many papers against many profiles: each paper's n-grams are counted once and
    each (profile, paper) score is memoised, so a thousand subscriptions cost little more than
    one ranking per profile. Bounded: it forgets everything past `max_entries`."""

    def __init__(self, max_entries: int = 200_000) -> None:
        self.max_entries = max_entries
        self._features: dict[str, Features] = {}
        self._scores: dict[tuple[int, str], float] = {}

    def features(self, paper: Paper) -> Features:
        """The paper's n-gram counts (keyed by arXiv id)."""
        found = self._features.get(paper.arxiv_id)
        if found is None:
            if len(self._features) >= self.max_entries:
                self._features.clear()
            found = self._features[paper.arxiv_id] = features(paper.title, paper.abstract)
        return found

    def scores(self, profile: Profile, papers: Sequence[Paper]) -> list[float]:
        """Calibrated scores of papers against one profile, in order."""
        identity = hash((profile.slug, profile.guild_id, profile.scale, profile.terms))
        weights: dict[str, float] | None = None
        out = []
        for paper in papers:
            key = (identity, paper.arxiv_id)
            value = self._scores.get(key)
            if value is None:
                weights = weights or {t.key: t.weight for t in profile.terms}
                value = round(_raw_score(weights, self.features(paper)) / profile.scale, 4)
                if len(self._scores) >= self.max_entries:
                    self._scores.clear()
                self._scores[key] = value
            out.append(value)
        return out


def _raw_score(weights: dict[str, float], feats: Features) -> float:
    return sum(weights[k] * _strength(feats, k) for k in _keys(feats) if k in weights)


def rank(papers: Iterable[Paper], profile: Profile, options: DigestOptions,
         scorer: Scorer | None = None, limit: int | None = None) -> list[ScoredPaper]:
    """Eligible papers at or above the threshold, best first, deduped, ties broken by id.

    Only the first `limit` are explained (their matched terms listed).
    """
    scorer = scorer or Scorer()
    unique = list({p.arxiv_id: p for p in papers if eligible(p, options)}.values())
    scored = [(score, paper) for score, paper in zip(scorer.scores(profile, unique), unique)
              if score >= options.min_score and score > 0]
    scored.sort(key=lambda sp: (-sp[0], sp[1].arxiv_id))
    return [score_paper(profile, paper, scorer.features(paper)) for _, paper in scored[:limit]]


def build_digest(
    papers: Iterable[Paper],
    profile: Profile,
    options: DigestOptions,
    *,
    exclude_ids: frozenset[str] = frozenset(),
    announced: dt.date | None = None,
    scorer: Scorer | None = None,
) -> Digest:
    """The digest one profile picks from a set of papers, minus those already delivered."""
    candidates = [p for p in papers if p.arxiv_id not in exclude_ids]
    ranked = rank(candidates, profile, options, scorer, limit=options.max_papers)
    return Digest(
        profile=profile,
        entries=tuple(ranked),
        announced=announced,
        considered=len({p.arxiv_id for p in candidates}),
        options=options,
    )


@dataclass(frozen=True, eq=False)
class DayScores:
    """One batch (unique ids) scored against every profile of an index, once: each subscription's
    digest is then read off the matrix, and only its entries are explained (memoised)."""

    index: RankIndex
    papers: tuple[Paper, ...]
    feats: tuple[Features, ...]
    scores: Matrix
    order: NDArray[np.int64]  # paper positions by arXiv id, for tie-breaking
    columns: dict[tuple[str, int | None], int]
    ids: frozenset[str]
    # memos by (slug, guild_id), each beside the profile it was made for: hashing a whole
    # profile costs as much as scoring with it
    _explained: dict[tuple[str, int | None, int], tuple[Profile, ScoredPaper]] = field(
        default_factory=dict)
    _others: dict[tuple[str, int | None], tuple[Profile, Vector]] = field(default_factory=dict)

    def digest(self, profile: Profile, options: DigestOptions, *,
               exclude_ids: frozenset[str] = frozenset(),
               announced: dt.date | None = None) -> Digest:
        """What `build_digest(day papers, profile, ...)` returns, without rescoring the day; a
        profile outside the index (a server's own) is scored on the day's counted n-grams once."""
        scores = self._scores_for(profile)
        above = np.flatnonzero((scores >= options.min_score) & (scores > 0))
        chosen: list[int] = []
        for i in above[np.lexsort((self.order[above], -scores[above]))]:
            if len(chosen) >= options.max_papers:
                break
            paper = self.papers[i]
            if eligible(paper, options) and paper.arxiv_id not in exclude_ids:
                chosen.append(int(i))
        entries = tuple(self._explain(profile, i, float(scores[i])) for i in chosen)
        considered = len(self.papers) - len(exclude_ids & self.ids)
        return Digest(profile, entries, announced, considered, options)

    def _scores_for(self, profile: Profile) -> Vector:
        column = self.columns.get((profile.slug, profile.guild_id))
        if column is not None and self.index.profiles[column] == profile:
            return self.scores[:, column]
        key = (profile.slug, profile.guild_id)
        made_for, found = self._others.get(key, (None, None))
        if found is None or not _same(made_for, profile):
            found = score_matrix(build_index([profile]), self.feats)[:, 0]
            self._others[key] = (profile, found)
        return found

    def _explain(self, profile: Profile, paper: int, score: float) -> ScoredPaper:
        key = (profile.slug, profile.guild_id, paper)
        made_for, found = self._explained.get(key, (None, None))
        if found is None or not _same(made_for, profile):
            found = replace(score_paper(profile, self.papers[paper], self.feats[paper]),
                            score=score)
            self._explained[key] = (profile, found)
        return found


def _same(made_for: Profile | None, profile: Profile) -> bool:
    return made_for is profile or made_for == profile


def score_day(index: RankIndex, papers: Iterable[Paper]) -> DayScores:
    """Score a batch against every profile of the index (papers deduped by id, last kept)."""
    unique = tuple({p.arxiv_id: p for p in papers}.values())
    feats = tuple(features(p.title, p.abstract) for p in unique)
    ids = np.argsort(np.array([p.arxiv_id for p in unique], dtype=object), kind="stable")
    order = np.empty(len(unique), dtype=np.int64)
    order[ids] = np.arange(len(unique))
    columns = {(p.slug, p.guild_id): i for i, p in enumerate(index.profiles)}
    return DayScores(index, unique, feats, score_matrix(index, feats), order, columns,
                     frozenset(p.arxiv_id for p in unique))
