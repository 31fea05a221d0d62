"""What arXiv at large writes, as n-gram document frequencies of a sample of its listings, and
profiles re-weighted by how much more often their own papers use a term than that sample does.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from digest.models import ALL_SLUG, CorpusPaper, Paper, Profile, Term
from digest.naming import display_forms
from digest.text import ngrams, normalise_title

MIN_CORPUS_DF = 2  # a term in fewer corpus papers is not trusted to say what the corpus reads
MIN_TOPIC_DF = 3  # a term a topic did not learn joins it if this many of its exemplars have it
CONTRAST_PRIOR = 1.0  # pseudo-papers added to each side of a term's document-frequency ratio
JSON_VERSION = 1


class BackgroundDataError(ValueError):
    """A background statistics document that is malformed or of an unknown version."""


@dataclass(frozen=True, slots=True)
class Background:
    """A sample of arXiv listings: how many papers, and in how many of them each term occurs."""

    papers: int
    df: Mapping[str, int] = field(default_factory=dict)
    sources: tuple[str, ...] = ()


def paper_keys(title: str, abstract: str) -> set[str]:
    """The n-gram keys a paper's title or abstract contains, as the scorer counts them."""
    return set(ngrams(title)) | set(ngrams(abstract))


def background_from_papers(papers: Iterable[Paper], sources: Sequence[str] = ()) -> Background:
    """The document frequencies of a listing sample, each arXiv id counted once."""
    unique = {p.arxiv_id: p for p in papers}
    counts = Counter(k for p in unique.values() for k in paper_keys(p.title, p.abstract))
    return Background(len(unique), dict(sorted(counts.items())), tuple(sources))


def background_to_json(background: Background) -> str:
    """A stable JSON document of the statistics, one term a line."""
    rows = ",\n".join(f"  {json.dumps(k, ensure_ascii=False)}: {n}"
                      for k, n in sorted(background.df.items()))
    head = {"version": JSON_VERSION, "papers": background.papers, "sources": background.sources}
    return json.dumps(head, ensure_ascii=False)[:-1] + f', "df": {{\n{rows}\n}}}}\n'


def background_from_json(text: str) -> Background:
    """The statistics in a `background_to_json` document; BackgroundDataError says what is wrong."""
    try:
        doc: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BackgroundDataError(f"background document is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("version") != JSON_VERSION:
        raise BackgroundDataError(f'background document must have "version": {JSON_VERSION}')
    papers, df, sources = doc.get("papers"), doc.get("df"), doc.get("sources", [])
    if not isinstance(papers, int) or papers < 1 or not isinstance(df, dict):
        raise BackgroundDataError('background document needs a positive "papers" and a "df" map')
    if not all(isinstance(n, int) and 0 < n <= papers for n in df.values()):
        raise BackgroundDataError("background document has a count outside 1..papers")
    return Background(papers, {str(k): n for k, n in df.items()}, tuple(map(str, sources)))


def weigh_profiles(profiles: Sequence[Profile], corpus: Sequence[CorpusPaper],
                   background: Background) -> list[Profile]:
    """Profiles re-weighted against a background sample: a term weighs the log odds of the
    profile's papers (its exemplars; for `all`, the corpus) having it over background papers
    having it, floored at 0 and relative to the top term. Terms come in order of evidence (weight
    times how many of the profile's papers have it), so the first describe it. A profile keeps its
    learned terms and gains every term that at least `MIN_CORPUS_DF` of its papers have (`all`:
    of the corpus papers). Calibrate afterwards."""
    if not background.papers:
        return list(profiles)
    keys = {normalise_title(p.title): paper_keys(p.title, p.abstract) for p in corpus}
    texts = {t.key: t.text for p in profiles for t in p.terms}
    texts |= display_forms(corpus, only=_unnamed(profiles, keys, texts))
    out = []
    for profile in profiles:
        whole = profile.slug == ALL_SLUG
        members = list(keys.values()) if whole else [
            keys[k] for k in (normalise_title(e.title) for e in profile.exemplars) if k in keys]
        df = Counter(k for m in members for k in m)
        learned = set() if whole else {t.key for t in profile.terms}
        least = MIN_CORPUS_DF if whole else MIN_TOPIC_DF
        wanted = sorted({k for k, n in df.items() if n >= least} | learned)
        odds = {k: _log_odds(df[k], len(members), background.df.get(k, 0), background.papers)
                for k in wanted}
        top = max(odds.values(), default=0.0) or 1.0
        order = sorted(wanted, key=lambda k: (-odds[k] * df[k], k))  # evidence: weight x coverage
        weights = ((k, round(odds[k] / top, 6)) for k in order)
        terms = tuple(Term(k, texts.get(k, k), w) for k, w in weights if w > 0)
        out.append(replace(profile, terms=terms) if members else profile)
    return out


def _log_odds(df: int, n: int, background_df: int, background_n: int) -> float:
    inside = (df + CONTRAST_PRIOR) / (n + 2 * CONTRAST_PRIOR)
    outside = (background_df + CONTRAST_PRIOR) / (background_n + 2 * CONTRAST_PRIOR)
    return max(0.0, math.log(inside / outside))


def _unnamed(profiles: Sequence[Profile], keys: dict[str, set[str]],
             named: dict[str, str]) -> set[str]:
    """Terms that weighing may add to a profile (any shared by two corpus papers) not yet named."""
    shared = Counter(k for found in keys.values() for k in found)
    return {k for k, n in shared.items() if n >= min(MIN_CORPUS_DF, MIN_TOPIC_DF)} - named.keys()
