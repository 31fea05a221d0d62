"""Learning topic profiles from a corpus, and their JSON form.

Topics are found by non-negative matrix factorisation of the corpus's TF-IDF matrix (title
counted twice); each topic keeps the papers it explains best. Tiny topics are dissolved into
their papers' next-best topics and near-duplicate topics are merged, so every profile is a
distinct, populated theme. A profile's terms are its topic's term loadings, strongest first.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer

from digest.models import CorpusPaper, Exemplar, Profile, Term
from digest.text import ngrams, surface_forms

N_TOPICS = 36
MIN_PAPERS = 6
MERGE_COSINE = 0.35
MAX_TERMS = 80
MAX_ALL_TERMS = 300
MIN_TERM_WEIGHT = 0.03
N_EXEMPLARS = 10
ALL_SLUG = "all"
DANGLING_WORDS = frozenset({"neural", "deep", "convolutional", "recurrent", "graph", "quantum", "machine"})
JSON_VERSION = 1

Matrix = NDArray[np.float64]


class ProfileDataError(ValueError):
    """A profiles document that cannot be read."""


def _documents(papers: Sequence[CorpusPaper]) -> list[str]:
    return [f"{p.title}. {p.title}. {p.abstract}" for p in papers]


def learn_profiles(papers: Sequence[CorpusPaper]) -> list[Profile]:
    """Topic profiles discovered in a corpus, plus the whole-corpus profile `all` first."""
    if len(papers) < MIN_PAPERS:
        raise ValueError(f"a corpus needs at least {MIN_PAPERS} papers to learn from")
    vectorizer = TfidfVectorizer(analyzer=ngrams, min_df=2, max_df=0.25, sublinear_tf=True)
    tfidf = vectorizer.fit_transform(_documents(papers))
    vocab = [str(t) for t in vectorizer.get_feature_names_out()]
    n_topics = min(N_TOPICS, max(2, len(papers) // (2 * MIN_PAPERS)))
    model = NMF(n_topics, init="nndsvda", random_state=0, max_iter=400)
    weights = np.asarray(model.fit_transform(tfidf), dtype=np.float64)
    loadings = np.asarray(model.components_, dtype=np.float64)
    topics = _settle_topics(weights, loadings)
    forms = _surface_forms(papers)
    profiles = [_profile(papers, weights, loadings, topic, members, vocab, forms)
                for topic, members in topics]
    profiles = _unique_slugs(sorted(profiles, key=lambda p: (-p.size, p.slug)))
    blend = sum((len(members) / len(papers)) * _unit(loadings[topic].sum(axis=0)) ** 2
                for topic, members in topics)
    return [_all_profile(papers, tfidf, np.asarray(blend), vocab, forms), *profiles]


def _unit(vector: Matrix) -> Matrix:
    return vector / (float(vector.max()) or 1.0)


def _settle_topics(weights: Matrix, loadings: Matrix) -> list[tuple[list[int], list[int]]]:
    """(topic indices merged, member papers) for each surviving topic."""
    groups = [[k] for k in range(loadings.shape[0])]
    while True:
        scores = np.stack([weights[:, g].sum(axis=1) for g in groups], axis=1)
        labels = scores.argmax(axis=1)
        sizes = np.bincount(labels, minlength=len(groups))
        smallest = int(sizes.argmin())
        if sizes[smallest] < MIN_PAPERS and len(groups) > 1:
            del groups[smallest]
            continue
        pair = _closest_pair(groups, loadings)
        if pair is None:
            break
        a, b = pair
        groups[a] = sorted(groups[a] + groups[b])
        del groups[b]
    return [(g, [int(i) for i in np.flatnonzero(labels == n)]) for n, g in enumerate(groups)]


def _closest_pair(groups: list[list[int]], loadings: Matrix) -> tuple[int, int] | None:
    vectors = np.stack([loadings[g].sum(axis=0) for g in groups])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, 0.0)
    a, b = np.unravel_index(int(sims.argmax()), sims.shape)
    return (int(min(a, b)), int(max(a, b))) if sims[a, b] >= MERGE_COSINE else None


def _surface_forms(papers: Sequence[CorpusPaper]) -> dict[str, str]:
    """The most common way each n-gram key is written in the corpus."""
    counts: dict[str, Counter[str]] = {}
    for paper in papers:
        for key, form in surface_forms(f"{paper.title}. {paper.abstract}"):
            counts.setdefault(key, Counter())[form if form.isupper() else form.lower()] += 1
    return {k: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for k, c in counts.items()}


def _terms(vector: Matrix, vocab: Sequence[str], forms: dict[str, str],
           limit: int = MAX_TERMS) -> tuple[Term, ...]:
    order = np.argsort(-vector, kind="stable")[:limit]
    top = float(vector[order[0]]) or 1.0
    return tuple(Term(vocab[i], forms.get(vocab[i], vocab[i]), round(float(vector[i]) / top, 4))
                 for i in order if vector[i] / top >= MIN_TERM_WEIGHT)


def _profile(papers: Sequence[CorpusPaper], weights: Matrix, loadings: Matrix, topic: list[int],
             members: list[int], vocab: Sequence[str], forms: dict[str, str]) -> Profile:
    terms = _terms(loadings[topic].sum(axis=0), vocab, forms)
    defining = _defining_term(terms)
    strength = weights[members][:, topic].sum(axis=1)
    best = [members[i] for i in np.argsort(-strength, kind="stable")[:N_EXEMPLARS]]
    return Profile(
        slug=_slug(defining.text), name=_display_name(defining.text), terms=terms,
        exemplars=tuple(Exemplar(papers[i].title, papers[i].arxiv_id) for i in best),
        size=len(members),
    )


def _defining_term(terms: Sequence[Term]) -> Term:
    """The top phrase (or word) that names a topic, lengthened to a strong superphrase.

    A name never ends on a modifier such as "neural": "graph neural" becomes "graph neural
    networks" when that phrase is strong, and otherwise gives way to the topic's top word.
    """
    best = next((t for t in terms[:3] if t.is_phrase and t.weight >= 0.5), terms[0])
    for longer in terms[:15]:
        if (len(longer.key) > len(best.key) and f" {best.key} " in f" {longer.key} "
                and longer.weight >= 0.5 * best.weight and not _dangling(longer)):
            best = longer
    return terms[0] if _dangling(best) else best


def _dangling(term: Term) -> bool:
    return term.key.split()[-1] in DANGLING_WORDS


def _all_profile(papers: Sequence[CorpusPaper], tfidf: Any, blend: Matrix, vocab: Sequence[str],
                 forms: dict[str, str]) -> Profile:
    """The corpus as a whole: every topic's terms, weighted by the topic's share of papers."""
    mean = np.asarray(tfidf.mean(axis=0), dtype=np.float64).ravel()
    centroid = mean / (np.linalg.norm(mean) or 1.0)
    closeness = np.asarray(tfidf @ centroid, dtype=np.float64).ravel()
    best = np.argsort(-closeness, kind="stable")[:N_EXEMPLARS]
    return Profile(
        slug=ALL_SLUG, name="Everything in the corpus", terms=_terms(blend, vocab, forms, limit=MAX_ALL_TERMS),
        exemplars=tuple(Exemplar(papers[i].title, papers[i].arxiv_id) for i in best),
        size=len(papers),
    )


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _display_name(text: str) -> str:
    return " ".join(w if any(c.isupper() for c in w) else w.capitalize() for w in text.split())


def _unique_slugs(profiles: list[Profile]) -> list[Profile]:
    """Profiles whose slugs collide get their second-best term appended."""
    seen: Counter[str] = Counter(p.slug for p in profiles)
    out = []
    for p in profiles:
        if seen[p.slug] > 1 or p.slug == ALL_SLUG:
            extra = next(t.text for t in p.terms if _slug(t.text) not in p.slug)
            p = Profile(f"{p.slug}-{_slug(extra)}", f"{p.name} ({extra})", p.terms, p.exemplars, p.size)
        out.append(p)
    return out


def profiles_to_json(profiles: Sequence[Profile]) -> str:
    """A stable, diff-friendly JSON document of the profiles."""
    doc = {"version": JSON_VERSION, "profiles": [_profile_dict(p) for p in profiles]}
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def _profile_dict(p: Profile) -> dict[str, Any]:
    return {
        "slug": p.slug, "name": p.name, "size": p.size, "scale": round(p.scale, 6),
        "guild_id": p.guild_id,
        "terms": [[t.key, t.text, round(t.weight, 6)] for t in p.terms],
        "exemplars": [[e.title, e.arxiv_id] for e in p.exemplars],
    }


def profile_from_dict(d: dict[str, Any]) -> Profile:
    """One profile from its JSON dict; KeyError/TypeError/ValueError on a bad shape."""
    return Profile(
        slug=str(d["slug"]), name=str(d["name"]), size=int(d["size"]), scale=float(d["scale"]),
        guild_id=None if d.get("guild_id") is None else int(d["guild_id"]),
        terms=tuple(Term(str(k), str(t), float(w)) for k, t, w in d["terms"]),
        exemplars=tuple(Exemplar(str(t), None if i is None else str(i)) for t, i in d["exemplars"]),
    )


def profiles_from_json(text: str) -> list[Profile]:
    """Profiles from `profiles_to_json` output; ProfileDataError says what is wrong."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileDataError(f"profiles file is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("version") != JSON_VERSION:
        raise ProfileDataError(f"profiles file must be a version {JSON_VERSION} document")
    try:
        profiles = [profile_from_dict(d) for d in doc["profiles"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise ProfileDataError(f"profiles file has a malformed profile: {exc!r}") from None
    if not profiles or len({p.slug for p in profiles}) != len(profiles):
        raise ProfileDataError("profiles file must hold at least one profile, with unique slugs")
    return profiles
