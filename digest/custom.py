"""Guild-custom profiles: from a list of keywords, or from the terms a few chosen papers share."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

from digest.errors import UserError
from digest.models import Exemplar, Paper, Profile, Term
from digest.rank import ABSTRACT_WEIGHT, TITLE_WEIGHT, features, score_paper
from digest.text import ngrams, surface_forms

MAX_TERMS = 40
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


def profile_from_papers(slug: str, name: str, papers: Sequence[Paper], guild_id: int) -> Profile:
    """A profile from the terms the papers share, calibrated so their median scores 1.0."""
    if not papers:
        raise CustomProfileError("Give at least one paper.")
    df: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for paper in papers:
        feats = features(paper.title, paper.abstract)
        keys = set(feats.keys)
        df.update(keys)
        df.update(set(feats.title))  # a title term counts twice
        for key, form in surface_forms(f"{paper.title}. {paper.abstract}"):
            shown.setdefault(key, form.lower())
    need = 2 if len(papers) > 1 else 1
    weighted = {k: c * (PHRASE_BONUS if " " in k else 1.0) for k, c in df.items() if c >= need}
    ranked = sorted(weighted.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_TERMS]
    if not ranked:
        raise CustomProfileError("Those papers share no terms to match on.")
    top = ranked[0][1]
    terms = tuple(Term(k, shown.get(k, k), round(w / top, 6)) for k, w in ranked)
    exemplars = tuple(Exemplar(p.title, p.arxiv_id) for p in papers)
    profile = Profile(slug, name.strip(), terms, exemplars, len(papers), 1.0, guild_id)
    raws = [score_paper(profile, p).score for p in papers]
    return replace(profile, scale=round(statistics.median(raws) or 1.0, 6))
