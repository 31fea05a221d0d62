"""Corpus-level ranking quality: each fold of a corpus hidden among real background days, ranked
and scored with ranking metrics, beside the baselines people use today. No files, no clock.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields

from digest.background import Background, background_from_papers
from digest.models import CorpusPaper, Paper, Profile
from digest.profiles import learn_profiles
from digest.rank import best_scores, build_index
from digest.text import ngrams, normalise_title

Timer = Callable[[], float]
ScoreFn = Callable[[Sequence[Paper]], list[float]]
FitFn = Callable[[Sequence[CorpusPaper], Sequence[Paper]], ScoreFn]
Learner = Callable[[Sequence[CorpusPaper], Background], list[Profile]]

N_FOLDS = 5
SEED = 0
RECALL_AT = 50
PRECISION_AT = 20
KEYWORDS_PER_PROFILE = 5
HIDDEN_PREFIX = "heldout-"


@dataclass(frozen=True, slots=True)
class Metrics:
    """Ranking quality on one test set (or a mean over several)."""

    roc_auc: float
    average_precision: float
    recall_at_50: float
    precision_at_20: float


@dataclass(frozen=True, slots=True)
class Day:
    """One background day: its papers after cleaning, and how many were dropped and why."""

    name: str
    papers: tuple[Paper, ...]
    dropped_repeats: int = 0
    dropped_corpus_titles: int = 0


@dataclass(frozen=True, slots=True)
class Split:
    """One test set: a held-out fold hidden in one background day, in tie-break (id) order."""

    fold: int
    day: str
    test: tuple[Paper, ...]
    labels: tuple[bool, ...]


@dataclass(frozen=True, slots=True)
class Ranker:
    """A named way to rank papers, fitted on corpus papers (and, if it wants them, negatives)."""

    name: str
    fit: FitFn
    uses_negatives: bool = False


@dataclass(frozen=True, slots=True)
class ResultRow:
    """A ranker's metrics per fold (each the mean of its test sets) and seconds per fold."""

    ranker: str
    folds: tuple[Metrics, ...]
    seconds: tuple[float, ...]
    splits: tuple[tuple[int, str, Metrics], ...] = ()  # (fold, day, metrics) per test set

    @property
    def mean(self) -> Metrics:
        """Each metric's mean over folds."""
        return _combine(self.folds, statistics.fmean)

    @property
    def std(self) -> Metrics:
        """Each metric's sample standard deviation over folds."""
        return _combine(self.folds, statistics.stdev if len(self.folds) > 1 else lambda _: 0.0)


def _combine(items: Sequence[Metrics], how: Callable[[list[float]], float]) -> Metrics:
    names = [f.name for f in fields(Metrics)]
    return Metrics(*(how([getattr(m, name) for m in items]) for name in names))


def fold_indices(n: int, k: int = N_FOLDS, seed: int = SEED) -> list[tuple[int, ...]]:
    """A seeded partition of range(n) into k folds of near-equal size, each in ascending order."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [tuple(sorted(order[i::k])) for i in range(k)]


def clean_background(
    days: Sequence[tuple[str, Sequence[Paper]]], corpus: Sequence[CorpusPaper]
) -> list[Day]:
    """Background days, each id kept once (first day wins), corpus papers (by title) dropped."""
    corpus_titles = {normalise_title(p.title) for p in corpus}
    seen: set[str] = set()
    out = []
    for name, papers in days:
        kept: list[Paper] = []
        repeats = in_corpus = 0
        for paper in papers:
            if paper.arxiv_id in seen:
                repeats += 1
            elif normalise_title(paper.title) in corpus_titles:
                in_corpus += 1
            else:
                kept.append(paper)
            seen.add(paper.arxiv_id)
        out.append(Day(name, tuple(kept), repeats, in_corpus))
    return out


def hide(corpus: Sequence[CorpusPaper], members: Sequence[int]) -> list[Paper]:
    """Corpus papers as feed papers with ids of their own (`heldout-0007`, by corpus index)."""
    return [Paper(f"{HIDDEN_PREFIX}{i:04d}", corpus[i].title, corpus[i].abstract) for i in members]


def hide_in_day(fold: int, day: Day, hidden: Sequence[Paper], rng: random.Random) -> Split:
    """The day's papers in id order with the hidden papers at random places among them
    (as if announced that day); labels mark the hidden ones."""
    items = [(p, False) for p in sorted(day.papers, key=lambda p: p.arxiv_id)]
    for paper in hidden:
        items.insert(rng.randint(0, len(items)), (paper, True))
    return Split(fold, day.name, tuple(p for p, _ in items), tuple(label for _, label in items))


def splits(corpus: Sequence[CorpusPaper], days: Sequence[Day], k: int = N_FOLDS,
           seed: int = SEED) -> list[Split]:
    """Every (fold, day) test set: the fold's papers hidden in the day, placed by a seeded draw."""
    return [
        hide_in_day(fold, day, hide(corpus, members), random.Random(f"{seed}:{fold}:{day.name}"))
        for fold, members in enumerate(fold_indices(len(corpus), k, seed))
        for day in days
    ]


def metrics(labels: Sequence[bool], scores: Sequence[float]) -> Metrics:
    """ROC-AUC, average precision, recall@50 and precision@20 of the order the scores give;
    ties keep the test set's order (id order), so every metric judges the same list."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    ranked = [bool(labels[i]) for i in order]
    strict = list(range(len(ranked), 0, -1))
    return Metrics(
        roc_auc=float(roc_auc_score(ranked, strict)),
        average_precision=float(average_precision_score(ranked, strict)),
        recall_at_50=sum(ranked[:RECALL_AT]) / max(1, sum(ranked)),
        precision_at_20=sum(ranked[:PRECISION_AT]) / PRECISION_AT,
    )


def evaluate(corpus: Sequence[CorpusPaper], days: Sequence[Day], rankers: Sequence[Ranker],
             timer: Timer, k: int = N_FOLDS, seed: int = SEED) -> list[ResultRow]:
    """Each ranker's metrics over k folds: fitted on the other folds (and, for rankers that
    take negatives, the other days), tested on the fold hidden in each day in turn."""
    tests = splits(corpus, days, k, seed)
    folds = fold_indices(len(corpus), k, seed)
    return [_evaluate_ranker(r, corpus, days, folds, tests, timer) for r in rankers]


def _evaluate_ranker(ranker: Ranker, corpus: Sequence[CorpusPaper], days: Sequence[Day],
                     folds: Sequence[tuple[int, ...]], tests: Sequence[Split],
                     timer: Timer) -> ResultRow:
    per_fold, seconds, per_split = [], [], []
    for fold, members in enumerate(folds):
        held = set(members)
        train = [p for i, p in enumerate(corpus) if i not in held]
        score: ScoreFn | None = None
        results, spent = [], 0.0
        for split in (s for s in tests if s.fold == fold):
            start = timer()
            if score is None or ranker.uses_negatives:
                negatives = [p for d in days if d.name != split.day for p in d.papers]
                score = ranker.fit(train, negatives if ranker.uses_negatives else [])
            scores = score(split.test)
            spent += timer() - start
            results.append(metrics(split.labels, scores))
            per_split.append((fold, split.day, results[-1]))
        per_fold.append(_combine(results, statistics.fmean))
        seconds.append(spent)
    return ResultRow(ranker.name, tuple(per_fold), tuple(seconds), tuple(per_split))


def _texts(papers: Sequence[CorpusPaper | Paper]) -> list[str]:
    return [f"{p.title}. {p.abstract}" for p in papers]


def profile_ranker(learn: Learner = learn_profiles, arxiv: Background | None = None,
                   only: str | None = None) -> Ranker:
    """Ours: profiles learned from the corpus (once per training set) and weighed against the
    background day it may see (or, given `arxiv`, against those statistics of arXiv at large);
    a paper scores its best over all of them, or over the one profile `only` names."""
    learned: dict[tuple[CorpusPaper, ...], list[Profile]] = {}

    def fit(positives: Sequence[CorpusPaper], negatives: Sequence[Paper]) -> ScoreFn:
        key = (*positives, *(() if arxiv else [CorpusPaper(p.title, p.abstract)
                                                 for p in negatives]))
        if key not in learned:
            learned.clear()
            learned[key] = learn(positives, arxiv or background_from_papers(negatives))
        chosen = [p for p in learned[key] if only in (None, p.slug)]
        index = build_index(chosen)
        return lambda papers: best_scores(index, papers)

    name = "arxiv-digest profiles" + (f", `{only}` only" if only else "")
    if arxiv is not None:
        return Ranker(f"{name}, against the shipped statistics", fit)
    return Ranker(name, fit, uses_negatives=True)


def keyword_phrases(profiles: Sequence[Profile], per_profile: int = KEYWORDS_PER_PROFILE
                    ) -> frozenset[str]:
    """Each profile's top multi-word terms (normalised keys), as a keyword alert would list them."""
    return frozenset(
        key for p in profiles for key in [t.key for t in p.terms if t.is_phrase][:per_profile]
    )


def keyword_ranker(arxiv: Background, learn: Learner = learn_profiles,
                   per_profile: int = KEYWORDS_PER_PROFILE) -> Ranker:
    """cv-arxiv-daily style: 1 if the title or abstract has any profile's top phrase, else 0;
    ties (every match, every miss) stay in id order, as a date-sorted list would show them."""

    def fit(positives: Sequence[CorpusPaper], negatives: Sequence[Paper]) -> ScoreFn:
        phrases = keyword_phrases(learn(positives, arxiv), per_profile)
        return lambda papers: [
            1.0 if phrases.intersection(ngrams(text)) else 0.0 for text in _texts(papers)
        ]

    return Ranker(f"keyword match (top {per_profile} phrases)", fit)


def centroid_ranker(arxiv: Background, learn: Learner = learn_profiles) -> Ranker:
    """TF-IDF (fit on the training corpus) cosine to the nearest of: the whole corpus's centroid
    and each profile's centroid (the mean of its exemplar papers)."""

    def fit(positives: Sequence[CorpusPaper], negatives: Sequence[Paper]) -> ScoreFn:
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(strip_accents="unicode", stop_words="english",
                                     ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        matrix = vectorizer.fit_transform(_texts(positives))
        row = {normalise_title(p.title): i for i, p in enumerate(positives)}
        groups = [list(range(len(positives)))] + [
            [row[k] for e in p.exemplars if (k := normalise_title(e.title)) in row]
            for p in learn(positives, arxiv)
        ]
        means = np.vstack([np.asarray(matrix[g].mean(axis=0)) for g in groups if g])
        centroids = means / np.linalg.norm(means, axis=1, keepdims=True)
        return lambda papers: [
            float(x) for x in (vectorizer.transform(_texts(papers)) @ centroids.T).max(axis=1)
        ]

    return Ranker("TF-IDF centroid cosine", fit)


def svm_ranker() -> Ranker:
    """arxiv-sanity-lite's recipe: TF-IDF (1-2 grams, English stop words, sublinear tf,
    max_df 0.1, min_df 5, 20,000 features) fit on positives + negatives, then a linear SVM."""

    def fit(positives: Sequence[CorpusPaper], negatives: Sequence[Paper]) -> ScoreFn:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        vectorizer = TfidfVectorizer(
            strip_accents="unicode", lowercase=True, analyzer="word", stop_words="english",
            token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b", ngram_range=(1, 2),
            max_features=20000, norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=True,
            max_df=0.1, min_df=5,
        )
        x = vectorizer.fit_transform(_texts(positives) + _texts(negatives))
        y = [1] * len(positives) + [0] * len(negatives)
        clf = LinearSVC(C=0.01, class_weight="balanced", max_iter=10000, tol=1e-6,
                        random_state=SEED)
        clf.fit(x, y)
        return lambda papers: [
            float(s) for s in clf.decision_function(vectorizer.transform(_texts(papers)))
        ]

    return Ranker("arxiv-sanity-lite SVM", fit, uses_negatives=True)


def default_rankers(arxiv: Background) -> list[Ranker]:
    """Ours (all profiles; `all` alone; against the shipped statistics) and the baselines (the
    keyword and centroid ones built on profiles learned against `arxiv`)."""
    return [profile_ranker(), profile_ranker(only="all"), profile_ranker(arxiv=arxiv),
            svm_ranker(), centroid_ranker(arxiv), keyword_ranker(arxiv)]


_COLUMNS = (("ROC-AUC", "roc_auc"), ("AP", "average_precision"),
            ("recall@50", "recall_at_50"), ("precision@20", "precision_at_20"))


def format_table(rows: Sequence[ResultRow]) -> str:
    """The results as a text table: rankers by metrics (mean ± std over folds), s per fold."""
    width = max([len("ranker"), *(len(r.ranker) for r in rows)])
    head = [f"{'ranker':<{width}}", *(f"{c:>15}" for c, _ in _COLUMNS), f"{'s/fold':>8}"]
    lines = ["  ".join(head)]
    for row in rows:
        mean, std = row.mean, row.std
        cells = [f"{getattr(mean, a):.3f} ± {getattr(std, a):.3f}" for _, a in _COLUMNS]
        lines.append("  ".join([f"{row.ranker:<{width}}", *(f"{c:>15}" for c in cells),
                                f"{statistics.fmean(row.seconds):8.2f}"]))
    return "\n".join(lines)


def verdict(rows: Sequence[ResultRow]) -> str:
    """Which ranker wins: the best mean average precision, and the metrics it leads or not."""
    best = max(rows, key=lambda r: r.mean.average_precision)
    leads = [name for name, attr in _COLUMNS
             if all(getattr(best.mean, attr) >= getattr(r.mean, attr) for r in rows)]
    trails = [name for name, _ in _COLUMNS if name not in leads]
    text = f"Winner: {best.ranker} (best mean AP); leads on {', '.join(leads) or 'nothing else'}"
    return text + (f"; not best on {', '.join(trails)}." if trails else ".")


def head_to_head(ours: ResultRow, other: ResultRow) -> str:
    """Two rankers compared metric by metric: means, and in how many folds the first is ahead."""
    parts = []
    for name, attr in _COLUMNS:
        mine, theirs = getattr(ours.mean, attr), getattr(other.mean, attr)
        ahead = sum(getattr(a, attr) > getattr(b, attr) for a, b in zip(ours.folds, other.folds, strict=True))
        tied = sum(getattr(a, attr) == getattr(b, attr) for a, b in zip(ours.folds, other.folds, strict=True))
        word = "better" if mine > theirs else "worse" if mine < theirs else "equal"
        parts.append(f"{name} {word} ({mine:.3f} vs {theirs:.3f}; ahead in {ahead}, "
                     f"tied in {tied} of {len(ours.folds)} folds)")
    return f"{ours.ranker} vs {other.ranker}: " + "; ".join(parts) + "."
