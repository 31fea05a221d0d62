"""The whole-corpus profile sharpened against real background papers: a logistic regression of the
corpus's papers against a sample of arXiv listings, blended with the profile's log-odds weights.

Log odds treat terms one at a time; the regression weighs them together, so a phrase and the words
inside it are not counted twice, and terms that mark other fields get negative weights. Only
learning needs the background papers; the result is an ordinary linear profile.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digest.models import ALL_SLUG, CorpusPaper, Paper, Profile, Term
from digest.naming import display_forms
from digest.rank import features, term_strengths

LOG_ODDS_SHARE = 0.5  # of the blend; the rest is the regression's
REGULARISATION_C = 1.0
MIN_DF = 2  # a term in fewer papers (corpus and background together) is left out of the fit
MIN_WEIGHT = 0.005  # relative weights smaller than this are dropped

Vector = NDArray[np.float64]


def sharpen_all(profiles: Sequence[Profile], corpus: Sequence[CorpusPaper],
                background: Sequence[Paper]) -> list[Profile]:
    """The profiles with `all` blended with a regression of the corpus against the background
    papers (each id once, in id order); the other profiles as they were. Weigh before and
    calibrate after."""
    position = next((i for i, p in enumerate(profiles) if p.slug == ALL_SLUG), None)
    negatives = sorted({p.arxiv_id: p for p in background}.values(), key=lambda p: p.arxiv_id)
    if position is None or not negatives or not corpus:
        return list(profiles)
    texts_in = [(p.title, p.abstract) for p in corpus] + [(p.title, p.abstract) for p in negatives]
    rows = [term_strengths(features(title, abstract)) for title, abstract in texts_in]
    df = Counter(k for row in rows for k in row)
    vocab = sorted(k for k, n in df.items() if n >= MIN_DF)
    column = {k: i for i, k in enumerate(vocab)}
    matrix = _matrix(rows, column)
    regression = _fit(matrix, [1] * len(corpus) + [0] * len(negatives))
    whole = profiles[position]
    log_odds = np.zeros(len(vocab))
    for term in whole.terms:
        if term.key in column:
            log_odds[column[term.key]] = term.weight
    own = matrix[: len(corpus)]
    blend = (LOG_ODDS_SHARE * _per_typical_paper(own, log_odds)
             + (1 - LOG_ODDS_SHARE) * _per_typical_paper(own, regression))
    weights = _weights(blend, vocab, Counter(k for row in rows[: len(corpus)] for k in row))
    terms = _named(weights, whole, [*corpus, *(CorpusPaper(p.title, p.abstract) for p in negatives)])
    out = list(profiles)
    out[position] = Profile(whole.slug, whole.name, terms, whole.exemplars, whole.size, 1.0,
                            whole.guild_id)
    return out


def _named(weights: Sequence[tuple[str, float]], whole: Profile,
           papers: Sequence[CorpusPaper]) -> tuple[Term, ...]:
    """Terms with the profile's own display text, or the papers' usual spelling for new ones."""
    texts = {t.key: t.text for t in whole.terms}
    texts |= display_forms(papers, only={k for k, _ in weights if k not in texts})
    return tuple(Term(k, texts.get(k, k), w) for k, w in weights)


def _matrix(rows: Sequence[dict[str, float]], column: dict[str, int]) -> Any:
    from scipy import sparse

    where = [(i, column[k], v) for i, row in enumerate(rows) for k, v in row.items() if k in column]
    r, c, v = zip(*where) if where else ((), (), ())
    return sparse.csr_matrix((v, (r, c)), shape=(len(rows), len(column)), dtype=np.float64)


def _fit(matrix: Any, labels: list[int]) -> Vector:
    """Logistic-regression weights, classes balanced, one thread (the same floats every run)."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        model = LogisticRegression(C=REGULARISATION_C, class_weight="balanced", max_iter=5000)
        model.fit(matrix, labels)
    return np.asarray(model.coef_, dtype=np.float64).ravel()


def _per_typical_paper(own: Any, weights: Vector) -> Vector:
    """Weights divided by the median positive score they give the corpus's own papers."""
    scores = [float(s) for s in own @ weights if s > 0]
    return weights / (statistics.median(scores) if scores else 1.0)


def _weights(blend: Vector, vocab: Sequence[str],
             in_corpus: Counter[str]) -> list[tuple[str, float]]:
    """Weights relative to the top one: raising terms by evidence (weight times corpus papers
    with the term), then lowering terms, most negative first; tiny weights dropped."""
    top = float(blend.max()) or 1.0
    kept = [(vocab[j], round(float(blend[j]) / top, 6)) for j in range(len(vocab))
            if abs(blend[j]) / top >= MIN_WEIGHT]
    kept.sort(key=lambda kw: (0, -kw[1] * in_corpus[kw[0]], kw[0]) if kw[1] > 0
              else (1, kw[1], kw[0]))
    return kept
