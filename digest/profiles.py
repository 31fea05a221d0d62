"""Learning topic profiles from a corpus of abstracts.

Topics are spectral clusters of a paper-similarity graph, merged when alike and dissolved when small
or unfocused; each is named by its most characteristic phrase and weighted by distinctiveness.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from digest.models import ALL_SLUG, CorpusPaper, Exemplar, Profile, Term
from digest.naming import display_forms, display_name, slug_of
from digest.text import ngrams

SEED = 0
N_CLUSTERS = 45  # raw clusters, before merging and dissolving
MAX_TOPICS = 40
LSA_DIMS = 100
GRAPH_NEIGHBOURS = 10
PURITY_NEIGHBOURS = 5
MIN_DF = 2
MAX_DF = 0.3
MIN_SIZE = 5
MIN_FOCUS = 0.4
MIN_COVERAGE = 0.25
MIN_PURITY = 0.3
MERGE_COSINE = 0.6
JOIN_COSINE = 0.4
PHRASE_BONUS = 1.3
EXTEND_SHARE = 0.75
MAX_TERMS = 100
MAX_ALL_TERMS = 120
ALL_TERMS_PER_TOPIC = 3
N_EXEMPLARS = 10

if TYPE_CHECKING:
    from scipy import sparse

Matrix = NDArray[np.float64]
Labels = NDArray[np.int64]
Mask = NDArray[np.bool_]


class CorpusTooSmallError(ValueError):
    """A corpus with too few papers, or too few shared terms, to find topics in."""


@dataclass(frozen=True, eq=False)
class _Corpus:
    """The corpus as matrices, with what naming needs: phrase indexes and each paper's 4-grams."""

    tfidf: sparse.csr_matrix
    present: sparse.csr_matrix  # term in title or abstract
    title_present: sparse.csr_matrix
    embedding: Matrix  # unit-length LSA rows
    neighbours: NDArray[np.int64]  # each paper's nearest papers by TF-IDF cosine
    vocab: list[str]
    by_head: dict[str, tuple[int, ...]]  # phrases by all but their last word
    by_tail: dict[str, tuple[int, ...]]  # phrases by all but their first word
    quads: list[frozenset[str]]


def learn_profiles(papers: Sequence[CorpusPaper]) -> list[Profile]:
    """Topic profiles discovered in a corpus, with the whole-corpus profile `all` first."""
    if len(papers) < 2 * MIN_SIZE:
        raise CorpusTooSmallError(f"need at least {2 * MIN_SIZE} papers, got {len(papers)}")
    papers = sorted(papers, key=lambda p: (p.title, p.abstract, p.source))  # input order is moot
    for module in ("sklearn.cluster", "sklearn.decomposition", "sklearn.feature_extraction.text"):
        import_module(module)  # imported here, so reading profiles needs no scikit-learn
    from threadpoolctl import threadpool_limits

    # One thread, for the same floats on every run; it limits only libraries already loaded.
    with threadpool_limits(limits=1):
        corpus = _analyse(papers)
        labels = _settle(corpus, _cluster(corpus))
    forms = display_forms(papers)
    groups = np.unique(labels[labels >= 0])
    topics = sorted(
        (_topic_profile(papers, corpus, labels == g, forms) for g in groups),
        key=lambda p: (-p.size, p.slug),
    )
    return [_all_profile(papers, corpus, topics), *_unique_slugs(topics)]


def _analyse(papers: Sequence[CorpusPaper]) -> _Corpus:
    from scipy import sparse
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    grams = [ngrams(f"{p.title}. {p.title}. {p.abstract}", max_n=4) for p in papers]
    vectorizer = TfidfVectorizer(
        analyzer=_up_to_trigrams, min_df=MIN_DF, max_df=MAX_DF, sublinear_tf=True, dtype=np.float64
    )
    try:  # the title is counted twice: it is the paper's own summary
        tfidf = sparse.csr_matrix(vectorizer.fit_transform(grams))
    except ValueError as exc:  # every term pruned by min_df/max_df
        raise CorpusTooSmallError(f"no terms shared by enough papers ({exc})") from None
    vocab = [str(t) for t in vectorizer.get_feature_names_out()]
    titles = CountVectorizer(analyzer=ngrams, vocabulary=vocab, binary=True)
    svd = TruncatedSVD(min(LSA_DIMS, min(tfidf.shape) - 1), algorithm="arpack", random_state=SEED)
    similarity = (tfidf @ tfidf.T).toarray()
    np.fill_diagonal(similarity, -1.0)
    return _Corpus(
        tfidf=tfidf,
        present=sparse.csr_matrix((tfidf > 0).astype(np.float64)),
        title_present=sparse.csr_matrix(
            titles.transform(p.title for p in papers), dtype=np.float64
        ),
        embedding=np.round(_unit_rows(svd.fit_transform(tfidf)), 6),  # 6 places: drift-proof
        neighbours=np.argsort(-similarity, axis=1, kind="stable")[:, :PURITY_NEIGHBOURS],
        vocab=vocab,
        by_head=_phrases_by(vocab, lambda words: words[:-1]),
        by_tail=_phrases_by(vocab, lambda words: words[1:]),
        quads=[frozenset(g for g in doc if g.count(" ") == 3) for doc in grams],
    )


def _unit_rows(matrix: Any) -> Matrix:
    rows = np.asarray(matrix, dtype=np.float64)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.asarray(rows / np.where(norms > 0, norms, 1.0), dtype=np.float64)


def _up_to_trigrams(grams: list[str]) -> list[str]:
    return [g for g in grams if g.count(" ") < 3]


def _phrases_by(
    vocab: Sequence[str], part: Callable[[list[str]], list[str]]
) -> dict[str, tuple[int, ...]]:
    found: dict[str, list[int]] = {}
    for index, term in enumerate(vocab):
        if " " in term:
            found.setdefault(" ".join(part(term.split())), []).append(index)
    return {key: tuple(indices) for key, indices in found.items()}


def _cluster(corpus: _Corpus) -> Labels:
    """Spectral clusters of the symmetric k-nearest-neighbour graph of the LSA rows."""
    from sklearn.cluster import SpectralClustering

    n = len(corpus.embedding)
    similarity = corpus.embedding @ corpus.embedding.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = np.argsort(-similarity, axis=1, kind="stable")[:, :GRAPH_NEIGHBOURS]
    rows, cols = np.repeat(np.arange(n), nearest.shape[1]), nearest.ravel()
    graph = np.zeros((n, n))
    graph[rows, cols] = np.maximum(similarity[rows, cols], 0.0)
    graph = np.maximum(graph, graph.T) + 1e-6  # the faint floor keeps the graph connected
    model = SpectralClustering(
        min(N_CLUSTERS, n // MIN_SIZE),
        affinity="precomputed",
        assign_labels="discretize",
        random_state=SEED,
    )
    return np.asarray(model.fit_predict(graph), dtype=np.int64)


def _settle(corpus: _Corpus, labels: Labels) -> Labels:
    """Merge the two closest clusters while alike, else dissolve the weakest while it fails a bar
    (or there are too many); then merge clusters that the same phrase would name."""
    labels = labels.copy()
    while len(groups := [int(g) for g in np.unique(labels[labels >= 0])]) > 1:
        means = np.stack([corpus.embedding[labels == g].mean(axis=0) for g in groups])
        centroids = _unit_rows(means)
        sims = centroids @ centroids.T
        np.fill_diagonal(sims, -1.0)
        a, b = sorted(np.unravel_index(int(np.argmax(sims)), sims.shape))
        if sims[a, b] >= MERGE_COSINE:
            labels[labels == groups[b]] = groups[a]
            continue
        quality = [_quality(corpus, labels, g) for g in groups]
        weakest = int(np.argmin(quality))
        if quality[weakest] >= 1.0 and len(groups) <= MAX_TOPICS:
            break
        labels = _dissolve(corpus, labels, groups, centroids, weakest)
    return _merge_namesakes(corpus, labels)


def _dissolve(
    corpus: _Corpus, labels: Labels, groups: list[int], centroids: Matrix, index: int
) -> Labels:
    """A cluster's papers join the nearest other cluster if close enough, else none (-1)."""
    members = np.flatnonzero(labels == groups[index])
    others = np.delete(np.arange(len(groups)), index)
    closeness = corpus.embedding[members] @ centroids[others].T
    nearest = closeness.argmax(axis=1)
    joins = closeness[np.arange(len(members)), nearest] >= JOIN_COSINE
    out = labels.copy()
    out[members] = np.where(joins, np.asarray(groups)[others][nearest], -1)
    return out


def _quality(corpus: _Corpus, labels: Labels, group: int) -> float:
    """How a cluster clears the bars of size, focus and neighbour purity (1.0 = just clears all)."""
    mask = labels == group
    purity = float((labels[corpus.neighbours[mask]] == group).mean())
    focus = float(_focus(corpus, mask).max())
    return min(float(mask.sum()) / MIN_SIZE, focus / MIN_FOCUS, purity / MIN_PURITY)


def _focus(corpus: _Corpus, mask: Mask, *, titles: bool = False) -> Matrix:
    """Per term, the F1 score of "the paper (or its title) has the term" as a test of membership;
    0 for terms in fewer than MIN_COVERAGE of the members."""
    present = corpus.title_present if titles else corpus.present
    inside = np.asarray(present[mask].sum(axis=0), dtype=np.float64).ravel()
    f1 = 2.0 * inside / (np.asarray(present.sum(axis=0)).ravel() + mask.sum())
    members = np.asarray(corpus.present[mask].sum(axis=0)).ravel()
    return np.asarray(np.where(members >= max(2.0, MIN_COVERAGE * mask.sum()), f1, 0.0))


def _merge_namesakes(corpus: _Corpus, labels: Labels) -> Labels:
    named: dict[int, int] = {}
    for group in [int(g) for g in np.unique(labels[labels >= 0])]:
        key = _defining_term(corpus, labels == group)
        labels = np.where(labels == group, named.setdefault(key, group), labels)
    return labels


def _defining_term(corpus: _Corpus, mask: Mask) -> int:
    """The index of the term that names a cluster: its most focused term in text plus titles,
    phrases favoured; a two-word phrase grows to three words if they cover most of its papers."""
    focus = _focus(corpus, mask) + _focus(corpus, mask, titles=True)
    inside = np.asarray(corpus.present[mask].sum(axis=0), dtype=np.float64).ravel()
    ranked = [int(i) for i in np.lexsort((-inside, -focus))[:40] if focus[i] > 0]
    if not ranked:
        return int(np.argmax(inside))
    scores = [
        focus[i] * PHRASE_BONUS if _whole(corpus, mask, inside, i) else -1.0
        for i in ranked
        if " " in corpus.vocab[i]
    ]
    words = [focus[i] if " " not in corpus.vocab[i] else -1.0 for i in ranked]
    phrases = [i for i in ranked if " " in corpus.vocab[i]]
    if not phrases or max(words) >= max(scores):
        return ranked[int(np.argmax(words))]
    best = phrases[int(np.argmax(scores))]
    longer = [
        i for i in _extensions(corpus, mask, inside, best)[1] if _whole(corpus, mask, inside, i)
    ]
    return max(longer, key=lambda i: (inside[i], -i)) if longer else best


def _whole(corpus: _Corpus, mask: Mask, inside: Matrix, index: int) -> bool:
    """Whether a phrase starts where its compound does and, at three words, ends where it does
    (of "physics informed neural network": not "informed neural", nor "physics informed neural")."""
    before, after = _extensions(corpus, mask, inside, index)
    return not before and (corpus.vocab[index].count(" ") < 2 or not after)


def _extensions(
    corpus: _Corpus, mask: Mask, inside: Matrix, index: int
) -> tuple[list[int], list[int]]:
    """The one-word-longer phrases ("x p", "p y") in most of the member papers that have phrase p.

    Four-word phrases are not terms: they are counted in the members' 4-grams and reported as -1.
    """
    key, share = corpus.vocab[index], EXTEND_SHARE * inside[index]
    if key.count(" ") == 1:
        before = [i for i in corpus.by_tail.get(key, ()) if inside[i] >= share]
        return before, [i for i in corpus.by_head.get(key, ()) if inside[i] >= share]
    quads = Counter(q for m in np.flatnonzero(mask) for q in corpus.quads[m] if key in q)
    common = [q for q, n in quads.items() if n >= share]
    preceded = any(q.endswith(f" {key}") for q in common)
    return [-1] * preceded, [-1] * any(q.startswith(f"{key} ") for q in common)


def _distinctiveness(corpus: _Corpus, mask: Mask) -> Matrix:
    """Per term, its mean TF-IDF in the cluster minus its mean elsewhere, times the square root of
    the share of the term's papers that are in the cluster; 0 for terms in fewer than 2 members."""
    inside = np.asarray(corpus.tfidf[mask].mean(axis=0), dtype=np.float64).ravel()
    outside = np.asarray(corpus.tfidf[~mask].mean(axis=0), dtype=np.float64).ravel()
    members = np.asarray(corpus.present[mask].sum(axis=0), dtype=np.float64).ravel()
    share = members / np.maximum(np.asarray(corpus.present.sum(axis=0)).ravel(), 1.0)
    lift = np.maximum(inside - outside, 0.0) * np.sqrt(share)
    return np.asarray(np.where(members >= 2, lift, 0.0), dtype=np.float64)


def _terms(
    weights: Matrix, vocab: Sequence[str], forms: dict[str, str], limit: int = MAX_TERMS
) -> tuple[Term, ...]:
    """The strongest terms, weighted relative to the top one and rounded; ties broken by key."""
    order = sorted(
        (int(i) for i in np.flatnonzero(weights > 0)), key=lambda i: (-weights[i], vocab[i])
    )
    scaled = [(i, round(float(weights[i] / weights[order[0]]), 6)) for i in order[:limit]]
    return tuple(Term(vocab[i], forms.get(vocab[i], vocab[i]), w) for i, w in scaled if w > 0)


def _exemplars(
    papers: Sequence[CorpusPaper], corpus: _Corpus, members: NDArray[np.int64]
) -> tuple[Exemplar, ...]:
    """The members nearest their centroid, nearest first."""
    centroid = corpus.embedding[members].mean(axis=0)
    closeness = np.round(corpus.embedding[members] @ centroid, 9)
    best = members[np.argsort(-closeness, kind="stable")[:N_EXEMPLARS]]
    return tuple(Exemplar(papers[i].title, papers[i].arxiv_id) for i in best)


def _topic_profile(
    papers: Sequence[CorpusPaper], corpus: _Corpus, mask: Mask, forms: dict[str, str]
) -> Profile:
    key = corpus.vocab[_defining_term(corpus, mask)]
    return Profile(
        slug=slug_of(forms.get(key, key)),
        name=display_name(forms.get(key, key)),
        terms=_terms(_distinctiveness(corpus, mask), corpus.vocab, forms),
        exemplars=_exemplars(papers, corpus, np.flatnonzero(mask)),
        size=int(mask.sum()),
    )


def _all_profile(
    papers: Sequence[CorpusPaper], corpus: _Corpus, topics: Sequence[Profile]
) -> Profile:
    """The corpus as a whole: every topic's leading terms, then the next strongest, each term at
    its best weight in any topic (damped for small topics)."""
    weights: dict[str, float] = {}
    texts: dict[str, str] = {}
    largest = max((t.size for t in topics), default=1)
    for topic in topics:
        for term in topic.terms:
            weight = (topic.size / largest) ** 0.25 * term.weight
            weights[term.key] = max(weights.get(term.key, 0.0), weight)
            texts.setdefault(term.key, term.text)
    chosen = {t.key for topic in topics for t in topic.terms[:ALL_TERMS_PER_TOPIC]}
    rest = sorted((k for k in weights if k not in chosen), key=lambda k: (-weights[k], k))
    chosen.update(rest[: max(0, MAX_ALL_TERMS - len(chosen))])
    vocab = sorted(chosen)
    return Profile(
        slug=ALL_SLUG,
        name="Everything in the corpus",
        terms=_terms(np.array([weights[k] for k in vocab]), vocab, texts, len(vocab)),
        exemplars=_exemplars(papers, corpus, np.arange(len(papers), dtype=np.int64)),
        size=len(papers),
    )


def _unique_slugs(profiles: Sequence[Profile]) -> list[Profile]:
    """Profiles with a shared (or reserved) slug get their best other term appended."""
    counts = Counter(p.slug for p in profiles)
    out = []
    for p in profiles:
        if counts[p.slug] > 1 or p.slug == ALL_SLUG:
            extra = next((t.text for t in p.terms if slug_of(t.text) not in p.slug), str(p.size))
            p = Profile(
                f"{p.slug}-{slug_of(extra)}", f"{p.name} ({extra})", p.terms, p.exemplars, p.size
            )
        out.append(p)
    return out
