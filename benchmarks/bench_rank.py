"""Speed and memory of learning profiles, ranking a day and building 1,000 digests, beside the SVM.

Run `python benchmarks/bench_rank.py`. Each phase (learn, day) of each ranker runs in a fresh
process, so that its ru_maxrss is its own; tracemalloc peaks come from a second, traced run.
Targets (2-core machine): learning < 10 s; a day's ranking + all digests < 1 s; peak < 300 MB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.sources import read_corpus
from digest.feed import parse_background_jsonl
from digest.models import AnnounceType, DigestOptions, Paper

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
SEED = 0
N_PAPERS = 2000
N_SUBSCRIPTIONS = 1000
REAL_DAY = "2026-02-05_csLG-heavy.jsonl"  # a real announcement day, ranked as it came
REAL_ROWS = 462
TYPES: tuple[AnnounceType, ...] = ("new",) * 14 + ("cross",) * 3 + ("replace",) * 3
THRESHOLDS = (0.2, 0.35, 0.5, 0.75, 1.0)
SVM_THRESHOLDS = (-0.5, -0.25, 0.0, 0.25, 0.5)  # decision values: the SVM has no calibrated scale


def background(folder: Path) -> list[Paper]:
    """The background days' papers, each id once."""
    papers: dict[str, Paper] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for paper in parse_background_jsonl(path.read_text(encoding="utf-8")):
            papers.setdefault(paper.arxiv_id, paper)
    return list(papers.values())


def day_papers(source: list[Paper], n: int = N_PAPERS) -> list[Paper]:
    """n papers: the background repeated, each copy with a fresh id and a seeded announce type."""
    rng = random.Random(SEED)
    return [replace(source[i % len(source)], arxiv_id=f"2799.{i:05d}",
                    announce_type=rng.choice(TYPES)) for i in range(n)]


def subscriptions(slugs: list[str], ids: list[str], n: int = N_SUBSCRIPTIONS
                  ) -> list[tuple[int, DigestOptions, frozenset[str]]]:
    """n seeded (profile index, options, already-delivered ids) requests."""
    rng = random.Random(SEED)
    return [
        (rng.randrange(len(slugs)),
         DigestOptions(min_score=rng.choice(THRESHOLDS), max_papers=rng.choice((5, 10, 15, 20)),
                       include_cross=rng.random() < 0.7, include_replacements=rng.random() < 0.2),
         frozenset(rng.sample(ids, rng.choice((0, 0, 5, 20)))))
        for _ in range(n)
    ]


def measured(work: Callable[[], Any]) -> tuple[Any, float, float, float]:
    """What one untraced run returns, its wall seconds and the ru_maxrss (MB) after it, and the
    tracemalloc peak (MB) of a second, traced run (tracing slows it and costs memory itself)."""
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    rss = maxrss_mb()
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result, seconds, peak, rss


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- phases, each run in its own process ------------------------------------------------------

def ours_learn(args: argparse.Namespace) -> dict[str, Any]:
    from digest.background import background_from_papers, weigh_profiles
    from digest.profile_json import profiles_to_json
    from digest.profiles import learn_profiles
    from digest.rank import calibrate
    from digest.sharpen import sharpen_all

    corpus, _ = read_corpus([args.corpus])
    reference = background(args.background)

    def learn() -> list[Any]:  # as `arxiv-digest learn CORPUS --background LISTINGS` does
        weighed = weigh_profiles(learn_profiles(corpus), corpus, background_from_papers(reference))
        return calibrate(sharpen_all(weighed, corpus, reference), corpus)

    profiles, seconds, peak, rss = measured(learn)
    Path(args.profiles).write_text(profiles_to_json(profiles), encoding="utf-8")
    return {"learn_s": seconds, "learn_peak_mb": peak, "learn_rss_mb": rss,
            "profiles": len(profiles), "terms": sum(len(p.terms) for p in profiles)}


def ours_day(args: argparse.Namespace) -> dict[str, Any]:
    from digest.profile_json import profiles_from_json
    from digest.rank import Scorer, build_digest, build_index, score_day

    profiles = profiles_from_json(Path(args.profiles).read_text(encoding="utf-8"))
    papers = day_papers(background(args.background))
    requests = subscriptions([p.slug for p in profiles], [p.arxiv_id for p in papers])
    index = build_index(profiles)
    real_day = parse_background_jsonl((args.background / REAL_DAY).read_text(encoding="utf-8"))
    start = time.perf_counter()  # first, while the stemming cache is cold
    score_day(index, real_day)
    real_day_s = time.perf_counter() - start

    def run() -> tuple[float, float, list[Any]]:
        start = time.perf_counter()
        day = score_day(index, papers)
        ranked = time.perf_counter()
        digests = [day.digest(profiles[i], options, exclude_ids=ex) for i, options, ex in requests]
        return ranked - start, time.perf_counter() - ranked, digests

    (rank_s, digests_s, digests), seconds, peak, rss = measured(run)
    scorer = Scorer()
    same = all(
        digests[n] == build_digest(papers, profiles[i], options, exclude_ids=ex, scorer=scorer)
        for n, (i, options, ex) in enumerate(requests[:100])
    )
    return {"rank_s": rank_s, "digests_s": digests_s, "day_s": seconds, "day_peak_mb": peak,
            "day_rss_mb": rss, "pairs": len(papers) * len(profiles), "real_day_s": real_day_s,
            "entries": sum(len(d.entries) for d in digests), "matches_build_digest": same,
            "sklearn_loaded": "sklearn" in sys.modules}


def _svm_fit(args: argparse.Namespace) -> Any:
    from digest.evaluation import svm_ranker

    corpus, _ = read_corpus([args.corpus])
    return svm_ranker().fit(corpus, background(args.background))


def svm_learn(args: argparse.Namespace) -> dict[str, Any]:
    _, seconds, peak, rss = measured(lambda: _svm_fit(args))
    return {"learn_s": seconds, "learn_peak_mb": peak, "learn_rss_mb": rss, "profiles": 1}


def svm_day(args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    score = _svm_fit(args)  # fitted outside the timed part; its memory is in ru_maxrss
    papers = day_papers(background(args.background))
    requests = subscriptions(["svm"], [p.arxiv_id for p in papers])
    ids = np.array([p.arxiv_id for p in papers], dtype=object)

    def run() -> tuple[float, float]:
        start = time.perf_counter()
        values = np.array(score(papers))
        ranked = time.perf_counter()
        order = np.lexsort((ids, -values))
        for n, (_, options, exclude) in enumerate(requests):
            above = order[values[order] >= SVM_THRESHOLDS[n % len(SVM_THRESHOLDS)]]
            picked = [int(i) for i in above[: options.max_papers + len(exclude)]
                      if papers[i].arxiv_id not in exclude][: options.max_papers]
            del picked
        return ranked - start, time.perf_counter() - ranked

    (rank_s, digests_s), seconds, peak, rss = measured(run)
    return {"rank_s": rank_s, "digests_s": digests_s, "day_s": seconds, "day_peak_mb": peak,
            "day_rss_mb": rss, "pairs": len(papers), "sklearn_loaded": "sklearn" in sys.modules}


PHASES = {"ours-learn": ours_learn, "ours-day": ours_day, "svm-learn": svm_learn,
          "svm-day": svm_day}


def _run_phase(phase: str, args: argparse.Namespace, *extra: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--phase", phase, "--corpus", str(args.corpus),
               "--background", str(args.background), "--profiles", args.profiles, *extra]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _report(ours: dict[str, Any], svm: dict[str, Any]) -> None:
    rows = [
        ("learn: wall s (target < 10)", "learn_s", "{:.2f}"),
        ("learn: tracemalloc peak MB", "learn_peak_mb", "{:.0f}"),
        ("learn: ru_maxrss MB", "learn_rss_mb", "{:.0f}"),
        ("profiles / terms", "shape", "{}"),
        (f"rank {REAL_DAY[:10]} ({REAL_ROWS} rows): wall s", "real_day_s", "{:.3f}"),
        (f"rank {N_PAPERS} papers: wall s", "rank_s", "{:.3f}"),
        ("  papers x profiles per s", "rate", "{:,.0f}"),
        (f"{N_SUBSCRIPTIONS} digests: wall s", "digests_s", "{:.3f}"),
        ("rank + digests: wall s (target < 1)", "day_s", "{:.3f}"),
        ("day: tracemalloc peak MB", "day_peak_mb", "{:.0f}"),
        ("day: ru_maxrss MB (target < 300)", "day_rss_mb", "{:.0f}"),
        ("day: scikit-learn loaded", "sklearn_loaded", "{}"),
    ]
    columns = [("ours", ours), ("SVM", svm)]
    for _, result in columns:
        result["rate"] = result["pairs"] / result["rank_s"]
        result["shape"] = f"{result.get('profiles', '-')} / {result.get('terms', '-')}"
    print(f"{'':38}" + "".join(f"{name:>22}" for name, _ in columns))
    for label, key, fmt in rows:
        cells = [fmt.format(r[key]) if key in r else "-" for _, r in columns]
        print(f"{label:38}" + "".join(f"{c:>22}" for c in cells))
    print(f"\nour digests equal build_digest's (first 100 checked): "
          f"{ours['matches_build_digest']}; {ours['entries']} entries in all")
    print("SVM: one classifier (the whole corpus vs the background), so papers x profiles = papers;"
          " its digests are top-k above a decision value, its day phase refits it untimed.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus")
    parser.add_argument("--background", type=Path, default=SHARED / "fixtures" / "background")
    parser.add_argument("--profiles", default="")
    parser.add_argument("--phase", choices=sorted(PHASES))
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(PHASES[args.phase](args)))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        args.profiles = str(Path(folder) / "profiles.json")
        ours = _run_phase("ours-learn", args) | _run_phase("ours-day", args)
        svm = _run_phase("svm-learn", args) | _run_phase("svm-day", args)
    _report(ours, svm)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
