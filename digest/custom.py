"""Guild-custom profiles: from a list of keywords, or from the terms chosen papers share (a few
given by id, or a library file's)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from digest.corpus import dedupe_papers
from digest.errors import UserError
from digest.library import complete_entries
from digest.models import CorpusPaper, Exemplar, Paper, Profile, Term
from digest.rank import ABSTRACT_WEIGHT, TITLE_WEIGHT, features, raw_scores
from digest.text import ngrams, surface_forms

MAX_TERMS = 40
MAX_EXEMPLARS = 50  # papers listed with a profile (a library's others count in its size only)
PHRASE_BONUS = 1.5


class CustomProfileError(UserError):
    """The keywords or papers give nothing to match on."""


def _key(text: str) -> tuple[str, str] | None:
    """The longest matchable n-gram of a keyword, with its surface form."""
    forms = dict(surface_forms(text))
    keys = [k for k in ngrams(text) if k in forms]
    if not keys:
        return None
    best = max(keys, key=lambda k: (len(k.split()), len(k)))
    return best, forms[best]


def profile_from_keywords(slug: str, name: str, keywords: Iterable[str], guild_id: int) -> Profile:
    """A profile whose terms are the given keywords, equally weighted."""
    terms: dict[str, Term] = {}
    for word in keywords:
        found = _key(word)
        if found and found[0] not in terms:
            terms[found[0]] = Term(found[0], found[1], 1.0)
    if not terms:
        raise CustomProfileError("None of those keywords has a searchable word in it.")
    # Calibrated so that one keyword in the title and another in a typical abstract scores 1.0.
    return Profile(slug, name.strip(), tuple(terms.values()), (), 0, TITLE_WEIGHT + ABSTRACT_WEIGHT, guild_id)


def profile_from_papers(slug: str, name: str, papers: Sequence[Paper | CorpusPaper],
                        guild_id: int) -> Profile:
    """A profile from the terms the papers share, calibrated so their median scores 1.0."""
    if not papers:
        raise CustomProfileError("Give at least one paper.")
    feats = [features(paper.title, paper.abstract) for paper in papers]
    df: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for paper, feat in zip(papers, feats, strict=True):
        df.update(set(feat.keys))
        df.update(set(feat.title))  # a title term counts twice
        for key, form in surface_forms(f"{paper.title}. {paper.abstract}"):
            shown.setdefault(key, form.lower())
    need = 2 if len(papers) > 1 else 1
    weighted = {k: c * (PHRASE_BONUS if " " in k else 1.0) for k, c in df.items() if c >= need}
    ranked = sorted(weighted.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_TERMS]
    if not ranked:
        raise CustomProfileError("Those papers share no terms to match on.")
    top = ranked[0][1]
    terms = tuple(Term(k, shown.get(k, k), round(w / top, 6)) for k, w in ranked)
    exemplars = tuple(Exemplar(p.title, p.arxiv_id) for p in papers[:MAX_EXEMPLARS])
    profile = Profile(slug, name.strip(), terms, exemplars, len(papers), 1.0, guild_id)
    raws = raw_scores([profile], feats)[:, 0].tolist()
    return replace(profile, scale=round(statistics.median(raws) or 1.0, 6))


@dataclass(frozen=True, slots=True)
class LibraryProfile:
    """A profile made from a library file, and the file's entries it could not use."""

    profile: Profile
    skipped: int  # entries with neither an abstract nor an arXiv id
    unknown_ids: tuple[str, ...]  # entries whose arXiv id arXiv has no abstract for

    @property
    def unused(self) -> int:
        return self.skipped + len(self.unknown_ids)


def profile_from_library(slug: str, name: str, source: str, entries: Sequence[CorpusPaper],
                         records: Mapping[str, CorpusPaper | Paper | None],
                         guild_id: int) -> LibraryProfile:
    """A profile from a library file's entries (merged by id), abstracts they lack taken from
    arXiv's `records`, papers with the same title merged; what could not be used is counted."""
    completion = complete_entries(entries, records)
    papers = dedupe_papers(completion.papers)
    if not papers:
        looked = (f", and arXiv has none for its {len(completion.unknown_ids)} arXiv ids"
                  if completion.unknown_ids else " or an arXiv id to look one up by")
        raise CustomProfileError(f"{source}: none of its {len(entries)} papers has an abstract"
                                 f"{looked}; export the abstracts with the entries.")
    profile = profile_from_papers(slug, name, papers, guild_id)
    return LibraryProfile(profile, completion.skipped, completion.unknown_ids)
