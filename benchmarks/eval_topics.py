"""Per-topic ranking quality on a judged arXiv day: is each profile's top 10 about its topic?

Follows `../shared/eval/README.md`: for each of the 12 judged themes, the whole day is ranked and
the top 10 scored by nDCG@10 (gain 2^grade - 1, ideal from every judged paper of the theme), P@5
(grade >= 1) and the number of unjudged papers in the top 10. Rows: the shipped profiles (the
profile a user would pick for each theme by its name, written down once below), a keyword
profile per theme made as `/profile create` makes one, and the two baselines of the protocol.

Run `python benchmarks/eval_topics.py` (`--tops` prints every row's top 10 per theme, marking
unjudged papers; `--unjudged FILE` writes them out as JSON lines for judging).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.sources import load_profiles, read_corpus
from digest.catalog import find_profile
from digest.custom import profile_from_keywords
from digest.feed import parse_background_jsonl
from digest.models import CorpusPaper, DigestOptions, Paper, Profile
from digest.rank import build_index, score_day

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("ARXIV_DIGEST_SHARED", HERE.parent.parent / "shared"))
DAY = "2026-03-17"
OWN_JUDGEMENTS = HERE / "judgements" / f"qrels_{DAY}_added.json"
TOP = 10

# The profile a reader would subscribe to for each theme, chosen by its slug and top terms in
# `arxiv-digest profiles`, once, before any score was seen. None: no profile fits the theme.
THEME_PROFILES: dict[str, str | None] = {
    "graph-neural-networks": "graph-neural-networks",
    "uncertainty-quantification": "uncertainty-quantification",
    "model-compression": "pruning",  # of "pruning" and "memory-footprint", the one named for it
    "reinforcement-learning": "reinforcement-learning",
    "llm-reasoning": "reasoning",
    "neural-rendering-3d": "rendering",
    "self-supervised-learning": "self-supervised",
    "causal-inference": "causal",
    "dynamical-systems": "dynamical-systems",
    "ml-molecules-materials": "materials",
    "quantum-machine-learning": "quantum",
    "robot-learning": "robot",
}

# Which corpus papers the baselines take as a theme's positives: a keyword rule per theme,
# matched on title and abstract, read off the theme's description.
CORPUS_RULES: dict[str, str] = {
    "graph-neural-networks": r"graph neural|\bgnns?\b|message[- ]passing|graph transformer",
    "uncertainty-quantification": (r"uncertainty|bayesian neural|gaussian process|conformal"
                                   r"|calibrat|deep ensemble"),
    "model-compression": (r"quantiz|pruning|\bprune|sparsif|low[- ]rank|knowledge distillation"
                          r"|model compression|network compression"),
    "reinforcement-learning": r"reinforcement learning|\brl\b|policy optimi|q-learning|reward",
    "llm-reasoning": r"reasoning|chain[- ]of[- ]thought|test[- ]time compute",
    "neural-rendering-3d": (r"nerf|radiance field|gaussian splatting|implicit surface|novel view"
                            r"|3d reconstruction|neural rendering"),
    "self-supervised-learning": (r"self[- ]supervised|contrastive|simclr|byol|masked "
                                 r"(?:image|auto)|joint[- ]embedding"),
    "causal-inference": r"causal|counterfactual",
    "dynamical-systems": (r"dynamical system|koopman|neural odes?\b|chaotic|chaos"
                          r"|system identification"),
    "ml-molecules-materials": (r"molecul|material|protein|crystal|interatomic|chemistry"
                               r"|drug"),
    "quantum-machine-learning": (r"quantum machine learning|quantum neural|variational quantum"
                                 r"|neural quantum state|quantum circuit|qubit"),
    "robot-learning": r"robot|locomotion|manipulation|sim[- ]to[- ]real",
}

Ranking = Callable[[str], list[str]]  # theme -> the top arXiv ids, best first


@dataclass(frozen=True, slots=True)
class ThemeResult:
    """One ranker's top 10 for one theme, and its figures."""

    top: tuple[str, ...]
    ndcg: float
    p5: float
    unjudged: int
    ndcg_floor: float  # with only the shared judgements, every unjudged paper as 0


def ndcg_at(top: Sequence[str], grades: Mapping[str, int], k: int = TOP) -> float:
    """nDCG@k with gain 2^grade - 1; the ideal is the best ordering of every judged paper."""
    dcg = sum((2 ** grades.get(i, 0) - 1) / math.log2(r + 2) for r, i in enumerate(top[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    best = sum((2**g - 1) / math.log2(r + 2) for r, g in enumerate(ideal))
    return dcg / best if best else 0.0


def precision_at(top: Sequence[str], grades: Mapping[str, int], k: int = 5) -> float:
    """The share of the first k that are relevant (grade >= 1); unjudged counts as not."""
    return sum(grades.get(i, 0) >= 1 for i in top[:k]) / k


def judge(top: Sequence[str], shared: Mapping[str, int], own: Mapping[str, int]) -> ThemeResult:
    """A top 10's figures against the shared judgements plus the project's own."""
    grades = {**own, **shared}
    return ThemeResult(
        tuple(top), ndcg_at(top, grades), precision_at(top, grades),
        sum(i not in grades for i in top[:TOP]), ndcg_at(top, shared),
    )


# -- inputs ---------------------------------------------------------------------------------


def load_day() -> list[Paper]:
    return parse_background_jsonl((SHARED / "eval" / f"{DAY}_cs-wide.jsonl").read_text("utf-8"))


def load_json(path: Path) -> dict[str, dict[str, int]]:
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


def theme_keywords(theme: str, description: str) -> list[str]:
    """What a member would type into `/profile create`: the theme's name, then the phrases of
    its description (the part after the colon, split at commas, asides dropped)."""
    _, _, listed = description.partition(":")
    listed = re.sub(r"\([^)]*\)", " ", listed)
    return [theme.replace("-", " "), *(p.strip() for p in re.split(r"[,;]", listed) if p.strip())]


# -- rankers --------------------------------------------------------------------------------


def profile_ranking(profiles: Sequence[Profile], day: Sequence[Paper],
                    chosen: Mapping[str, str | None]) -> Ranking:
    """The product's own path: the day scored once against every profile, each theme's digest
    read off it with no threshold."""
    scores = score_day(build_index(profiles), day)
    options = DigestOptions(min_score=0.0, max_papers=TOP, include_cross=True,
                            include_replacements=True)

    def top(theme: str) -> list[str]:
        slug = chosen.get(theme)
        if slug is None:
            return []
        digest = scores.digest(find_profile(profiles, slug), options)
        return [e.paper.arxiv_id for e in digest.entries]

    return top


def keyword_profiles(themes: Mapping[str, str]) -> list[Profile]:
    return [profile_from_keywords(t, t, theme_keywords(t, d), guild_id=1)
            for t, d in themes.items()]


def positives(corpus: Sequence[CorpusPaper], theme: str) -> list[CorpusPaper]:
    rule = re.compile(CORPUS_RULES[theme], re.IGNORECASE)
    return [p for p in corpus if rule.search(f"{p.title} {p.abstract}")]


def _text(paper: CorpusPaper | Paper) -> str:
    return f"{paper.title}. {paper.abstract}"


def _top_ids(day: Sequence[Paper], scores: Sequence[float]) -> list[str]:
    order = sorted(range(len(day)), key=lambda i: (-scores[i], day[i].arxiv_id))
    return [day[i].arxiv_id for i in order[:TOP]]


def centroid_ranking(corpus: Sequence[CorpusPaper], negatives: Sequence[Paper],
                     day: Sequence[Paper]) -> Ranking:
    """Cosine to the TF-IDF centroid (unigrams and bigrams, sublinear tf) of the theme's corpus
    papers, the vectoriser fitted on the corpus and the two background days (its best of the
    configurations tried), never on the judged day."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 2))
    vectorizer.fit([_text(p) for p in [*corpus, *negatives]])
    day_rows = vectorizer.transform([_text(p) for p in day])

    def top(theme: str) -> list[str]:
        centroid = np.asarray(vectorizer.transform([_text(p) for p in positives(corpus, theme)])
                              .mean(axis=0)).ravel()
        centroid /= np.linalg.norm(centroid) or 1.0
        return _top_ids(day, list(day_rows @ centroid))

    return top


def svm_ranking(corpus: Sequence[CorpusPaper], negatives: Sequence[Paper],
                day: Sequence[Paper]) -> Ranking:
    """arxiv-sanity-lite's recipe: TF-IDF (unigrams and bigrams, sublinear tf, max_df 0.1,
    min_df 5, 20,000 features) and LinearSVC(C=0.01, balanced), the theme's corpus papers
    against the real days of fixtures/background and fixtures/days (more negatives than the
    two background days alone, which score lower)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    def top(theme: str) -> list[str]:
        pos = positives(corpus, theme)
        texts = [_text(p) for p in [*pos, *negatives]]
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_df=0.1,
                                     min_df=5, max_features=20000, stop_words="english")
        x = vectorizer.fit_transform(texts)
        model = LinearSVC(C=0.01, class_weight="balanced", max_iter=20000)
        model.fit(x, [1] * len(pos) + [0] * len(negatives))
        return _top_ids(day, list(model.decision_function(
            vectorizer.transform([_text(p) for p in day]))))

    return top


# -- report ---------------------------------------------------------------------------------


def evaluate(rankings: Mapping[str, Ranking], themes: Sequence[str],
             shared: Mapping[str, Mapping[str, int]], own: Mapping[str, Mapping[str, int]]
             ) -> dict[str, dict[str, ThemeResult]]:
    return {name: {t: judge(rank(t), shared.get(t, {}), own.get(t, {})) for t in themes}
            for name, rank in rankings.items()}


def format_report(results: Mapping[str, Mapping[str, ThemeResult]], themes: Sequence[str]) -> str:
    names = list(results)
    head = "| theme | " + " | ".join(names) + " |"
    lines = [
        "nDCG@10 (P@5, unjudged in top 10) per theme:", "", head,
        "|---" * (len(names) + 1) + "|",
    ]
    for theme in themes:
        cells = [f"{r[theme].ndcg:.2f} ({r[theme].p5:.1f}, {r[theme].unjudged})"
                 for r in results.values()]
        lines.append(f"| {theme} | " + " | ".join(cells) + " |")

    def mean(pick: Callable[[ThemeResult], float], name: str) -> float:
        return sum(pick(results[name][t]) for t in themes) / len(themes)

    lines.append("| **mean nDCG@10** | " + " | ".join(
        f"**{mean(lambda r: r.ndcg, n):.3f}**" for n in names) + " |")
    lines.append("| mean P@5 | " + " | ".join(f"{mean(lambda r: r.p5, n):.3f}" for n in names)
                 + " |")
    lines.append("| unjudged in top 10s | " + " | ".join(
        str(sum(results[n][t].unjudged for t in themes)) for n in names) + " |")
    lines.append("| mean nDCG@10, unjudged as 0 | " + " | ".join(
        f"{mean(lambda r: r.ndcg_floor, n):.3f}" for n in names) + " |")
    return "\n".join(lines)


def head_to_head(results: Mapping[str, Mapping[str, ThemeResult]], ours: str,
                 others: Sequence[str], themes: Sequence[str]) -> str:
    ahead = [t for t in themes
             if all(results[ours][t].ndcg > results[o][t].ndcg for o in others)]
    return (f"{ours} ahead of {' and '.join(others)} on {len(ahead)} of {len(themes)} themes"
            f" (behind or tied on: {', '.join(t for t in themes if t not in ahead) or 'none'})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profiles", type=Path, help="profiles JSON (default: the shipped ones)")
    parser.add_argument("--tops", action="store_true", help="print every row's top 10s")
    parser.add_argument("--unjudged", type=Path, help="write unjudged top-10 papers here")
    parser.add_argument("--rows", default="profiles,keywords,centroid,svm")
    args = parser.parse_args(argv)
    if not (SHARED / "eval").is_dir():
        print(f"{SHARED / 'eval'}: not found; set ARXIV_DIGEST_SHARED", file=sys.stderr)
        return 1
    themes: dict[str, str] = json.loads((SHARED / "eval" / "themes.json").read_text("utf-8"))
    shared = load_json(SHARED / "eval" / f"qrels_{DAY}.json")
    own = load_json(OWN_JUDGEMENTS)
    day = load_day()
    corpus, _ = read_corpus([SHARED / "corpus"])
    days = {folder: [p for f in sorted((SHARED / "fixtures" / folder).glob("*.jsonl"))
                     for p in parse_background_jsonl(f.read_text("utf-8"))]
            for folder in ("background", "days")}
    makers: dict[str, Callable[[], Ranking]] = {
        "profiles": lambda: profile_ranking(load_profiles(args.profiles), day, THEME_PROFILES),
        "keywords": lambda: profile_ranking(keyword_profiles(themes), day,
                                            {t: t for t in themes}),
        "centroid": lambda: centroid_ranking(corpus, days["background"], day),
        "svm": lambda: svm_ranking(corpus, days["background"] + days["days"], day),
    }
    rankings = {name: makers[name]() for name in args.rows.split(",")}
    results = evaluate(rankings, list(themes), shared, own)
    added = sum(len(v) for v in own.values())
    print(f"Judged day {DAY}: {len(day)} papers, {sum(len(v) for v in shared.values())} shared "
          f"judgements + {added} of our own ({OWN_JUDGEMENTS.name}).\n")
    print(format_report(results, list(themes)))
    if "profiles" in results and {"centroid", "svm"} <= results.keys():
        print("\n" + head_to_head(results, "profiles", ["centroid", "svm"], list(themes)))
    by_id = {p.arxiv_id: p for p in day}
    grades = {t: {**own.get(t, {}), **shared.get(t, {})} for t in themes}
    if args.tops:
        for theme in themes:
            print(f"\n## {theme}")
            for name, per in results.items():
                print(f"  {name}:")
                for rank, i in enumerate(per[theme].top, 1):
                    print(f"    {rank:2}. [{grades[theme].get(i, '?')}] {i} {by_id[i].title[:90]}")
    if args.unjudged:
        rows = {(t, i) for t in themes for per in results.values() for i in per[t].top
                if i not in grades[t]}
        with args.unjudged.open("w", encoding="utf-8") as out:
            for theme, i in sorted(rows):
                p = by_id[i]
                out.write(json.dumps({"theme": theme, "description": themes[theme], "id": i,
                                      "title": p.title, "abstract": p.abstract}) + "\n")
        print(f"\n{len(rows)} unjudged (theme, paper) pairs -> {args.unjudged}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
