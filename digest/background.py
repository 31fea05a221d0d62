"""What arXiv at large writes: n-gram document frequencies of a sample of its listings.

Profiles are weighed against these statistics, so that a term common anywhere in arXiv (in
mathematics or physics as much as in machine learning) never looks distinctive.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from digest.errors import UserError
from digest.models import Paper
from digest.text import ngrams

MIN_STORED_DF = 3  # rarer terms are left out of the document (weighing assumes one paper)
MIN_ARCHIVE_PAPERS = 300  # an archive with fewer sampled papers does not vote on generality
MIN_ARCHIVES = 3
GENERAL_SPREAD = 0.7  # a word is general if this share of archives use it ...
GENERAL_RATE = 0.25  # ... at least this fraction as often as the archive that uses it most
JSON_VERSION = 2


class BackgroundDataError(UserError):
    """A background statistics document that is malformed or of an unknown version."""


@dataclass(frozen=True, slots=True)
class Background:
    """A sample of arXiv listings: how many papers, and in how many of them each term occurs."""

    papers: int
    df: Mapping[str, int] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    general: frozenset[str] = frozenset()  # words every field uses alike: never a topic's name


def paper_keys(title: str, abstract: str) -> set[str]:
    """The n-gram keys a paper's title or abstract contains, as the scorer counts them."""
    return set(ngrams(title)) | set(ngrams(abstract))


def background_from_papers(papers: Iterable[Paper], sources: Sequence[str] = (),
                           exclude_ids: frozenset[str] = frozenset()) -> Background:
    """The document frequencies of a listing sample (terms in at least `MIN_STORED_DF` papers),
    each arXiv id counted once, the excluded ids not at all."""
    unique = {p.arxiv_id: p for p in papers if p.arxiv_id not in exclude_ids}
    keys = {i: paper_keys(p.title, p.abstract) for i, p in unique.items()}
    counts = Counter(k for found in keys.values() for k in found)
    kept = {k: n for k, n in sorted(counts.items()) if n >= MIN_STORED_DF}
    return Background(len(unique), kept, tuple(sources), _general_words(unique, keys))


def _archive(paper: Paper) -> str:
    head = paper.primary_category.split(".")[0]
    return "hep" if head.startswith("hep-") else head


def _general_words(papers: Mapping[str, Paper], keys: Mapping[str, set[str]]) -> frozenset[str]:
    """Single words that most of the well-sampled archives use at comparable rates ("phenomenon",
    "perturbation"), as opposed to words one field owns ("quantization", "protein")."""
    sizes = Counter(_archive(p) for p in papers.values())
    archives = sorted(a for a, n in sizes.items() if n >= MIN_ARCHIVE_PAPERS and a)
    if len(archives) < MIN_ARCHIVES:
        return frozenset()
    uses: dict[str, Counter[str]] = {}
    for arxiv_id, paper in papers.items():
        archive = _archive(paper)
        if archive in archives:
            for key in keys[arxiv_id]:
                if " " not in key:
                    uses.setdefault(key, Counter())[archive] += 1
    general = set()
    for word, by_archive in uses.items():
        if sum(by_archive.values()) < MIN_STORED_DF:
            continue
        rates = [by_archive[a] / sizes[a] for a in archives]
        if sum(r >= GENERAL_RATE * max(rates) for r in rates) >= GENERAL_SPREAD * len(archives):
            general.add(word)
    return frozenset(general)


def background_to_json(background: Background) -> str:
    """A stable JSON document of the statistics, one term a line."""
    rows = ",\n".join(f"  {json.dumps(k, ensure_ascii=False)}: {n}"
                      for k, n in sorted(background.df.items()))
    head = {"version": JSON_VERSION, "papers": background.papers, "sources": background.sources,
            "general": sorted(background.general)}
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
    general = doc.get("general", [])
    if not isinstance(general, list) or not all(isinstance(w, str) for w in general):
        raise BackgroundDataError('background document\'s "general" must be a list of words')
    return Background(papers, {str(k): n for k, n in df.items()}, tuple(map(str, sources)),
                      frozenset(general))
