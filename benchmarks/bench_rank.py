"""Speed and memory of learning profiles and of ranking a day for every profile and 1,000 digests.

Run `python benchmarks/bench_rank.py`. Each phase runs in a fresh process, so that its peak
resident memory (ru_maxrss) is its own. Times are CPU seconds of the process (user + system),
the median of 3 runs, beside the wall time of the same runs.

Phases: learning on the seed corpus (703 papers) and on a corpus eight times larger (the seed
corpus plus 4,900 papers of fixtures/days taken as corpus papers), to show how memory grows;
ranking a 2,000-paper day against the learned profiles alone, plus 1,000 and plus 10,000
keyword profiles of the kind `/profile create` makes, then reading 1,000 digests off the scores;
and arxiv-sanity-lite's SVM on the same day for comparison.
Targets (2-core machine): learning < 30 s; rank + 1,000 digests < 1 CPU s; 10,040 profiles < 2 s.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.sources import read_corpus, shipped_background, shipped_profiles_text
from digest.feed import parse_background_jsonl
from digest.models import AnnounceType, CorpusPaper, DigestOptions, Paper, Profile

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
SEED = 0
RUNS = 3
N_PAPERS = 2000
N_DIGESTS = 1000
LARGE_EXTRA = 4900  # corpus papers added for the larger learning run
TYPES: tuple[AnnounceType, ...] = ("new",) * 14 + ("cross",) * 3 + ("replace",) * 3
THRESHOLDS = (0.2, 0.35, 0.5, 0.75, 1.0)
SVM_THRESHOLDS = (-0.5, -0.25, 0.0, 0.25, 0.5)  # decision values: the SVM has no calibrated scale


def listing(folder: Path) -> list[Paper]:
    """A folder's listings, each id once."""
    papers: dict[str, Paper] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for paper in parse_background_jsonl(path.read_text(encoding="utf-8")):
            papers.setdefault(paper.arxiv_id, paper)
    return list(papers.values())


def day_papers(n: int = N_PAPERS) -> list[Paper]:
    """n papers of the background days, each with a fresh id and a seeded announce type."""
    source = listing(SHARED / "fixtures" / "background")
    rng = random.Random(SEED)
    return [replace(source[i % len(source)], arxiv_id=f"2799.{i:05d}",
                    announce_type=rng.choice(TYPES)) for i in range(n)]


def keyword_profiles(n: int) -> list[Profile]:
    """n seeded keyword profiles, as servers make them with `/profile create`: 3 to 8 phrases
    drawn from the learned profiles' terms."""
    from digest.custom import profile_from_keywords
    from digest.profile_json import profiles_from_json

    words = sorted({t.text for p in profiles_from_json(shipped_profiles_text()) for t in p.terms})
    rng = random.Random(SEED)
    return [profile_from_keywords(f"custom-{i}", f"Custom {i}", rng.sample(words, rng.randint(3, 8)),
                                  guild_id=1 + i // 25) for i in range(n)]


def requests(profiles: list[Profile], ids: list[str]
             ) -> list[tuple[Profile, DigestOptions, frozenset[str]]]:
    """N_DIGESTS seeded (profile, options, already-delivered ids) digest requests."""
    rng = random.Random(SEED)
    return [
        (rng.choice(profiles),
         DigestOptions(min_score=rng.choice(THRESHOLDS), max_papers=rng.choice((5, 10, 15, 20)),
                       include_cross=rng.random() < 0.7, include_replacements=rng.random() < 0.2),
         frozenset(rng.sample(ids, rng.choice((0, 0, 5, 20)))))
        for _ in range(N_DIGESTS)
    ]


def timed(work: Callable[[], Any], runs: int = RUNS) -> dict[str, float]:
    """Median CPU and wall seconds of `runs` runs."""
    cpu, wall = [], []
    for _ in range(runs):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        work()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    return {"cpu_s": statistics.median(cpu), "wall_s": statistics.median(wall)}


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- phases, each in its own process ------------------------------------------------------------

def learn_phase(size: str) -> dict[str, Any]:
    from digest.profiles import learn_profiles

    corpus, _ = read_corpus([SHARED / "corpus"])
    if size == "large":
        extra = listing(SHARED / "fixtures" / "days")[:LARGE_EXTRA]
        corpus = [*corpus, *(CorpusPaper(p.title, p.abstract, (), p.arxiv_id) for p in extra)]
    background = shipped_background()
    found: list[Profile] = []
    result = timed(lambda: found.extend(learn_profiles(corpus, background)), runs=1)
    return {**result, "papers": len(corpus), "profiles": len(found), "rss_mb": maxrss_mb()}


def rank_phase(extra_profiles: int) -> dict[str, Any]:
    from digest.profile_json import profiles_from_json
    from digest.rank import build_index, score_day

    profiles = [*profiles_from_json(shipped_profiles_text()), *keyword_profiles(extra_profiles)]
    papers = day_papers()
    asked = requests(profiles, [p.arxiv_id for p in papers])
    index = build_index(profiles)
    ranked: list[Any] = []
    rank = timed(lambda: ranked.append(score_day(index, papers)))
    day = ranked[-1]
    digests = timed(lambda: [day.digest(p, o, exclude_ids=x) for p, o, x in asked])
    entries = sum(len(day.digest(p, o, exclude_ids=x).entries) for p, o, x in asked)
    return {"profiles": len(profiles), "rank_cpu_s": rank["cpu_s"], "rank_wall_s": rank["wall_s"],
            "digests_cpu_s": digests["cpu_s"], "digests_wall_s": digests["wall_s"],
            "entries": entries, "rss_mb": maxrss_mb(),
            "scipy_or_sklearn_loaded": any(m in sys.modules for m in ("scipy", "sklearn"))}


def svm_phase() -> dict[str, Any]:
    import numpy as np

    from benchmarks.evaluation import svm_ranker

    corpus, _ = read_corpus([SHARED / "corpus"])
    fit = timed(lambda: svm_ranker().fit(corpus, listing(SHARED / "fixtures" / "background")),
                runs=1)
    score = svm_ranker().fit(corpus, listing(SHARED / "fixtures" / "background"))
    papers = day_papers()
    asked = requests([Profile("svm", "SVM", ())], [p.arxiv_id for p in papers])
    ids = np.array([p.arxiv_id for p in papers], dtype=object)

    def run() -> None:
        values = np.array(score(papers))
        order = np.lexsort((ids, -values))
        for n, (_, options, exclude) in enumerate(asked):
            above = order[values[order] >= SVM_THRESHOLDS[n % len(SVM_THRESHOLDS)]]
            [int(i) for i in above[: options.max_papers + len(exclude)]
             if papers[i].arxiv_id not in exclude][: options.max_papers]

    day = timed(run)
    return {"learn_cpu_s": fit["cpu_s"], "day_cpu_s": day["cpu_s"], "day_wall_s": day["wall_s"],
            "rss_mb": maxrss_mb()}


def _phase(name: str, *args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--phase", name, *args],
                          capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", choices=("learn", "rank", "svm"))
    parser.add_argument("arg", nargs="?", default="")
    args = parser.parse_args(argv)
    if args.phase == "learn":
        print(json.dumps(learn_phase(args.arg)))
        return 0
    if args.phase == "rank":
        print(json.dumps(rank_phase(int(args.arg))))
        return 0
    if args.phase == "svm":
        print(json.dumps(svm_phase()))
        return 0
    for size in ("seed", "large"):
        r = _phase("learn", size)
        print(f"learn {r['papers']:>5} papers -> {r['profiles']:>3} profiles: "
              f"{r['cpu_s']:.2f} CPU s ({r['wall_s']:.2f} s wall), peak RSS {r['rss_mb']:.0f} MB")
    print()
    print(f"{N_PAPERS}-paper day, {N_DIGESTS} digests (median of {RUNS}, CPU s / wall s):")
    print(f"{'profiles':>9}  {'rank':>15}  {'1,000 digests':>15}  {'total CPU s':>11}  "
          f"{'peak RSS MB':>11}  entries")
    for extra in (0, 1000, 10000):
        r = _phase("rank", str(extra))
        total = r["rank_cpu_s"] + r["digests_cpu_s"]
        print(f"{r['profiles']:>9}  {r['rank_cpu_s']:>6.3f} / {r['rank_wall_s']:<6.3f}  "
              f"{r['digests_cpu_s']:>6.3f} / {r['digests_wall_s']:<6.3f}  {total:>11.3f}  "
              f"{r['rss_mb']:>11.0f}  {r['entries']}")
        assert not r["scipy_or_sklearn_loaded"], "ranking must not load scipy or scikit-learn"
    s = _phase("svm")
    print(f"\narxiv-sanity-lite SVM (one classifier): fit {s['learn_cpu_s']:.2f} CPU s; "
          f"day + {N_DIGESTS} top-k cuts {s['day_cpu_s']:.3f} CPU s "
          f"({s['day_wall_s']:.3f} s wall), peak RSS {s['rss_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
