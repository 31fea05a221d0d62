"""Scoring papers against profiles: saturated, title-boosted term matches on a calibrated scale.

A paper's raw score is the sum, over the profile terms it contains, of the term's weight times a
BM25-style saturation of its count (title hits count `TITLE_BOOST` times more). Dividing by the
profile's `scale` (a typical exemplar's raw score) makes 1.0 mean "as on-topic as the profile's
own papers", whatever the day or feed.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from digest.models import CorpusPaper, Digest, DigestOptions, Hit, Paper, Profile, ScoredPaper
from digest.text import ngrams, normalise_title

TITLE_BOOST = 2.5
SATURATION_K = 1.2


@dataclass(frozen=True, slots=True)
class Features:
    """A paper's term counts in its title and abstract."""

    title: Counter[str]
    abstract: Counter[str]


def features(title: str, abstract: str) -> Features:
    """Count the n-grams of a title and an abstract."""
    return Features(Counter(ngrams(title)), Counter(ngrams(abstract)))


def _saturate(count: int) -> float:
    return count * (SATURATION_K + 1) / (count + SATURATION_K) if count else 0.0


def term_hits(profile: Profile, feats: Features) -> list[Hit]:
    """The profile terms found in a paper, each with its contribution to the raw score."""
    hits = []
    for term in profile.terms:
        in_title = feats.title.get(term.key, 0)
        in_abstract = feats.abstract.get(term.key, 0)
        if not (in_title or in_abstract):
            continue
        value = term.weight * (TITLE_BOOST * _saturate(in_title) + _saturate(in_abstract))
        hits.append(Hit(term.text, in_title > 0, value, term.key))
    return hits


def _prune_nested(hits: list[Hit]) -> tuple[Hit, ...]:
    """Hits by contribution, each hidden when a longer matched phrase contains it."""
    padded = [f" {h.key} " for h in hits]
    shown = [h for h, key in zip(hits, padded)
             if not any(key != other and key in other for other in padded)]
    return tuple(sorted(shown, key=lambda h: (-h.contribution, h.term)))


def score_paper(profile: Profile, paper: Paper, feats: Features | None = None) -> ScoredPaper:
    """A paper's calibrated score against one profile, with the terms that explain it."""
    feats = feats or features(paper.title, paper.abstract)
    hits = term_hits(profile, feats)
    raw = sum(h.contribution for h in hits)
    return ScoredPaper(paper, profile.slug, round(raw / profile.scale, 4), _prune_nested(hits))


def calibrate(profiles: Sequence[Profile], corpus: Iterable[CorpusPaper]) -> list[Profile]:
    """Set each profile's scale to the median raw score of its exemplar papers."""
    by_title = {normalise_title(p.title): p for p in corpus}
    out = []
    for profile in profiles:
        uncalibrated = replace(profile, scale=1.0)
        raws = [
            score_paper(uncalibrated, _as_paper(by_title[key])).score
            for key in (normalise_title(e.title) for e in profile.exemplars)
            if key in by_title
        ]
        positive = [r for r in raws if r > 0]
        scale = statistics.median(positive) if positive else 1.0
        out.append(replace(profile, scale=round(scale, 6)))
    return out


def _as_paper(paper: CorpusPaper) -> Paper:
    return Paper(arxiv_id=paper.arxiv_id or "", title=paper.title, abstract=paper.abstract)


def eligible(paper: Paper, options: DigestOptions) -> bool:
    """Whether a paper's announce type is one the reader asked for."""
    kind = paper.announce_type
    if kind in ("replace", "replace-cross"):
        return options.include_replacements
    if kind == "cross":
        return options.include_cross
    return True


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
    total = 0.0
    for key in feats.title.keys() | feats.abstract.keys():
        weight = weights.get(key)
        if weight is not None:
            total += weight * (TITLE_BOOST * _saturate(feats.title.get(key, 0))
                               + _saturate(feats.abstract.get(key, 0)))
    return total


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
