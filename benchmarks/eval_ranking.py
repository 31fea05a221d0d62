"""Ranking quality of the learned profiles against the rankers people use today, in one harness.

Run `python benchmarks/eval_ranking.py` (`--tops` adds each profile's top 5 on each background
day, `--per-day` the metrics per background day; `--rankers ours,svm` runs a subset).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.evaluation import (
    KEYWORDS_PER_PROFILE,
    N_FOLDS,
    RECALL_AT,
    SEED,
    Day,
    Ranker,
    ResultRow,
    centroid_ranker,
    clean_background,
    evaluate,
    format_table,
    head_to_head,
    keyword_ranker,
    profile_ranker,
    svm_ranker,
    verdict,
)
from bot.sources import read_corpus, shipped_background
from digest.background import Background, background_from_papers
from digest.feed import parse_background_jsonl
from digest.models import CorpusPaper, DigestOptions, Paper
from digest.profiles import learn_profiles
from digest.rank import build_index, score_day

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
RANKERS: dict[str, Callable[[Background], Ranker]] = {
    "ours": lambda arxiv: profile_ranker(),
    "ours-all": lambda arxiv: profile_ranker(only="all"),
    "ours-arxiv": lambda arxiv: profile_ranker(arxiv=arxiv),
    "svm": lambda arxiv: svm_ranker(),
    "centroid": centroid_ranker,
    "keyword": keyword_ranker,
}

NOTES = f"""\
Protocol: the deduplicated corpus is split into {{folds}} folds (seed {{seed}}). For each fold,
every ranker is fitted on the other folds and tested on the held-out fold hidden among one
background day, then among the other day (2 test sets per fold; a fold's metric is their mean).
Mean ± std (sample std) are over folds. Every ranker is tested on the same test sets. Rankers
that use negatives (ours, the SVM) get the background day that is NOT in the test set, and are
refitted per test set: the SVM trains on it as negatives; ours weighs its terms against it as
"arXiv at large".
Ties: every ranker's list is ordered by score, ties in id order; held-out papers have no id on the
day, so each is placed at a seeded random position among the day's ids (the keyword baseline,
whose scores are 0/1, is ranked almost entirely by this order, as a date-sorted alert would be).
Ours: learn_profiles weighed against the other background day; a paper's score = its best
calibrated score over all profiles, `all` included ("`all` only": the whole-corpus profile's own
score; "against the shipped statistics": weighed against arXiv at large, not the other day).
Keyword match: top {KEYWORDS_PER_PROFILE} multi-word terms of every learned profile, matched as
normalised n-grams of title + abstract. TF-IDF centroid: fit on the training corpus; score = max
cosine to the whole-corpus centroid and to each profile's exemplar centroid. s/fold = fit + rank
of both test sets (profile learning included, once per fold, for ours, keyword and centroid)."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    corpus, counts = read_corpus([args.corpus])
    raw_days = [(f.stem, parse_background_jsonl(f.read_text(encoding="utf-8")))
                for f in sorted(args.background.glob("*.jsonl"))]
    days = clean_background(raw_days, corpus)
    _describe_inputs(corpus, counts, raw_days, days)
    if args.tops:
        _print_tops(corpus, days)
    names = [n.strip() for n in args.rankers.split(",") if n.strip()]
    arxiv = shipped_background()
    rankers = [RANKERS[n](arxiv) for n in names]
    rows = evaluate(corpus, days, rankers, time.perf_counter, args.folds, args.seed)
    print(NOTES.format(folds=args.folds, seed=args.seed))
    print()
    print(format_table(rows))
    print()
    print(verdict(rows))
    by_name = {row.ranker: row for row in rows}
    for mine in [r for r in rows if r.ranker.startswith("arxiv-digest")]:
        if svm := by_name.get(svm_ranker().name):
            print(head_to_head(mine, svm))
    if args.per_day:
        _print_per_day(rows, days)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus")
    parser.add_argument("--background", type=Path, default=SHARED / "fixtures" / "background")
    parser.add_argument("--folds", type=int, default=N_FOLDS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--rankers", default=",".join(RANKERS),
                        help=f"comma-separated subset of {', '.join(RANKERS)}")
    parser.add_argument("--tops", action="store_true",
                        help="print each full-corpus profile's top 5 on each background day")
    parser.add_argument("--per-day", action="store_true", help="print metrics per background day")
    return parser


def _describe_inputs(corpus: list[CorpusPaper], counts: dict[str, int],
                     raw_days: list[tuple[str, list[Paper]]], days: list[Day]) -> None:
    print(f"Corpus: {sum(counts.values())} papers in {len(counts)} files, "
          f"{len(corpus)} after deduplication by normalised title.")
    for (name, raw), day in zip(raw_days, days, strict=True):
        print(f"Background {name}: {len(raw)} papers, {len(day.papers)} kept "
              f"({day.dropped_repeats} ids already seen, "
              f"{day.dropped_corpus_titles} corpus titles)")
    print(f"Background total: {sum(len(d.papers) for d in days)} unique papers.")
    print()


def _print_tops(corpus: list[CorpusPaper], days: list[Day]) -> None:
    reference = [p for day in days for p in day.papers]
    profiles = learn_profiles(corpus, background_from_papers(reference))
    options = DigestOptions(min_score=0.0, max_papers=5, include_replacements=True)
    print("Top 5 of each profile on each background day (profiles learned from the full corpus,")
    print("weighed against both background days)")
    index = build_index(profiles)
    for day in days:
        print(f"\n=== {day.name} ({len(day.papers)} papers) ===")
        scored = score_day(index, day.papers)
        for profile in profiles:
            print(f"\n[{profile.slug}] {profile.name} (scale {profile.scale:.3f})")
            for entry in scored.digest(profile, options).entries:
                terms = ", ".join(f"{h.term} {h.contribution:.2f}" for h in entry.hits[:6])
                print(f"  {entry.score:5.2f}  {entry.paper.arxiv_id}  {entry.paper.title[:80]}")
                print(f"         {terms}")
    print()


def _print_per_day(rows: list[ResultRow], days: list[Day]) -> None:
    print()
    for day in days:
        print(f"{day.name}:")
        for row in rows:
            ms = [m for _, name, m in row.splits if name == day.name]
            cells = [f"{statistics.fmean(getattr(m, a) for m in ms):.3f}"
                     for a in ("roc_auc", "average_precision", "recall_at_50", "precision_at_20")]
            print(f"  {row.ranker:<34} AUC {cells[0]}  AP {cells[1]}  "
                  f"R@{RECALL_AT} {cells[2]}  P@20 {cells[3]}")


if __name__ == "__main__":
    raise SystemExit(main())
