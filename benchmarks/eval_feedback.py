"""What a channel's votes buy: the judged day split in halves, votes on one half's digest, the
other half ranked before and after learning from them.

For each of the 12 themes of `../shared/eval/` and each seed, the day's papers are split at
random into halves A and B. A simulated member votes on the top 10 of the theme's digest over A
by the judgements (grade >= 1 👍, grade 0 👎, unjudged: no vote); B's top 10 is scored by nDCG@10
(ideal from B's judged papers) ranked by the profile alone and with those votes. Then the votes
of each theme (from the whole judged day's top 10) are carried to the other real days of
`../shared/fixtures/days/`: how far the top 10 moves there, and whether the profile's own corpus
papers still score 1.0 at the median (calibration). Last, "more like this" on the judged day: how
many of the nearest papers to each centrally relevant paper are relevant to its theme.

Run `python benchmarks/eval_feedback.py` (about two minutes; `--seeds N`, 20 by default).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_topics import (
    DAY,
    OWN_JUDGEMENTS,
    SHARED,
    THEME_PROFILES,
    TOP,
    load_day,
    load_json,
    ndcg_at,
)

from bot.sources import load_profiles, read_corpus, shipped_background
from digest.catalog import find_profile
from digest.feed import parse_background_jsonl
from digest.feedback import Feedback, Steering, voted_paper
from digest.models import DigestOptions, Paper, Profile
from digest.profiles import learn_with_members
from digest.rank import build_index, score_day
from digest.vectors import DaySpace, nearest

OPTIONS = DigestOptions(min_score=0.0, max_papers=TOP, include_cross=True,
                        include_replacements=True)


def top_ids(profile: Profile, papers: Sequence[Paper],
            feedback: Feedback | None = None) -> list[str]:
    """The profile's digest of these papers, steered by the feedback if given."""
    day = score_day(build_index([profile]), papers)
    steer = Steering(feedback, DaySpace(day.papers)) if feedback and feedback.papers else None
    return [e.paper.arxiv_id for e in day.digest(profile, OPTIONS, adjust=steer).entries]


def votes_on(top: Sequence[str], grades: Mapping[str, int], by_id: Mapping[str, Paper]) -> Feedback:
    """A member's votes on a top 10 by the judgements: 👍 grade >= 1, 👎 grade 0, else none."""
    liked = [voted_paper(by_id[i], {1: 1}) for i in top if grades.get(i, -1) >= 1]
    disliked = [voted_paper(by_id[i], {1: -1}) for i in top if grades.get(i, -1) == 0]
    return Feedback(tuple(liked), tuple(disliked))


def split_halves(day: Sequence[Paper], seed: int) -> tuple[list[Paper], list[Paper]]:
    order = sorted(day, key=lambda p: p.arxiv_id)
    random.Random(seed).shuffle(order)
    return order[: len(order) // 2], order[len(order) // 2:]


def halves_report(profiles: Sequence[Profile], day: Sequence[Paper],
                  grades: Mapping[str, Mapping[str, int]], seeds: int) -> None:
    by_id = {p.arxiv_id: p for p in day}
    themes = [(t, find_profile(profiles, s)) for t, s in THEME_PROFILES.items() if s is not None]
    index = build_index([p for _, p in themes])
    before: dict[str, list[float]] = {t: [] for t, _ in themes}
    after: dict[str, list[float]] = {t: [] for t, _ in themes}
    votes: dict[str, list[tuple[int, int]]] = {t: [] for t, _ in themes}
    for seed in range(seeds):  # each half scored once against every theme's profile
        half_a, half_b = split_halves(day, seed)
        scored_a, scored_b = score_day(index, half_a), score_day(index, half_b)
        space = DaySpace(scored_b.papers)
        for theme, profile in themes:
            top_a = [e.paper.arxiv_id for e in scored_a.digest(profile, OPTIONS).entries]
            feedback = votes_on(top_a, grades[theme], by_id)
            votes[theme].append((len(feedback.liked), len(feedback.disliked)))
            judged_b = {i: g for i, g in grades[theme].items() if i in scored_b.ids}
            plain = scored_b.digest(profile, OPTIONS)
            steer = Steering(feedback, space) if feedback.papers else None
            steered = scored_b.digest(profile, OPTIONS, adjust=steer)
            before[theme].append(ndcg_at([e.paper.arxiv_id for e in plain.entries], judged_b))
            after[theme].append(ndcg_at([e.paper.arxiv_id for e in steered.entries], judged_b))
    print(f"Votes on half A's top {TOP}, nDCG@{TOP} on half B (mean over {seeds} seeds):\n")
    print("| theme | votes 👍/👎 | before | after | change |\n|---|---|---|---|---|")
    for theme, _ in themes:
        b, a = statistics.mean(before[theme]), statistics.mean(after[theme])
        ups = statistics.mean(u for u, _ in votes[theme])
        downs = statistics.mean(d for _, d in votes[theme])
        print(f"| {theme} | {ups:.1f}/{downs:.1f} | {b:.3f} | {a:.3f} | {a - b:+.3f} |")
    b = statistics.mean(statistics.mean(v) for v in before.values())
    a = statistics.mean(statistics.mean(v) for v in after.values())
    worst = min(statistics.mean(after[t]) - statistics.mean(before[t]) for t, _ in themes)
    print(f"| **mean** | | **{b:.3f}** | **{a:.3f}** | **{a - b:+.3f}** (worst theme "
          f"{worst:+.3f}) |")


def days_report(profiles: Sequence[Profile], day: Sequence[Paper],
                grades: Mapping[str, Mapping[str, int]]) -> None:
    """The whole judged day's votes per theme, carried to the other real days."""
    by_id = {p.arxiv_id: p for p in day}
    corpus, _ = read_corpus([SHARED / "corpus"])
    members = {p.slug: [Paper(c.arxiv_id or f"corpus-{n}", c.title, c.abstract)
                        for n, c in enumerate(papers)]
               for p, papers in learn_with_members(corpus, shipped_background())}
    days = [(f.stem, parse_background_jsonl(f.read_text("utf-8")))
            for f in sorted((SHARED / "fixtures" / "days").glob("*.jsonl"))]
    print(f"\nEach theme's votes (on the judged day's top {TOP}) carried to {len(days)} other "
          f"real days: top-{TOP} papers kept, and the median score of the profile's own corpus "
          "papers (calibration: 1.0 is the topic's typical paper) without and with the votes:\n")
    print("| theme | kept in top 10 (mean, min) | typical paper before | after |\n"
          "|---|---|---|---|")
    for theme, slug in THEME_PROFILES.items():
        if slug is None:
            continue
        profile = find_profile(profiles, slug)
        feedback = votes_on(top_ids(profile, day), grades[theme], by_id)
        kept = [len(set(top_ids(profile, papers))
                    & set(top_ids(profile, papers, feedback))) for _, papers in days]
        own = members[slug]
        scored = score_day(build_index([profile]), own)
        everything = DigestOptions(min_score=-1.0, max_papers=len(own), include_cross=True,
                                   include_replacements=True)
        plain = scored.digest(profile, everything)
        steered = scored.digest(profile, everything,
                                adjust=Steering(feedback, DaySpace(scored.papers)))
        print(f"| {theme} | {statistics.mean(kept):.1f}, {min(kept)} | "
              f"{statistics.median(e.score for e in plain.entries):.2f} | "
              f"{statistics.median(e.score for e in steered.entries):.2f} |")


def neighbours_report(day: Sequence[Paper], grades: Mapping[str, Mapping[str, int]]) -> None:
    """"More like this" on the judged day: for each paper graded 2 (centrally about its theme),
    the share of its 5 nearest papers that are judged relevant (grade >= 1) to the same theme."""
    space = DaySpace(day)
    by_id = {p.arxiv_id: p for p in day}
    shares = []
    for judged in grades.values():
        for target in sorted(i for i, g in judged.items() if g == 2 and i in by_id):
            near = nearest(space, by_id[target], limit=5, min_similarity=0.0)
            shares.append(sum(judged.get(n.paper.arxiv_id, 0) >= 1 for n in near) / 5)
    print(f"\nMore like this: of the 5 papers of the day nearest to each of the {len(shares)} "
          f"papers graded 2, {statistics.mean(shares):.3f} are judged relevant to the same theme "
          "(unjudged count as not).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args(argv)
    if not (SHARED / "eval").is_dir():
        print(f"{SHARED / 'eval'}: not found; set ARXIV_DIGEST_SHARED", file=sys.stderr)
        return 1
    shared = load_json(SHARED / "eval" / f"qrels_{DAY}.json")
    own = load_json(OWN_JUDGEMENTS)
    grades = {t: {**own.get(t, {}), **shared.get(t, {})} for t in THEME_PROFILES}
    profiles, day = load_profiles(), load_day()
    halves_report(profiles, day, grades, args.seeds)
    days_report(profiles, day, grades)
    neighbours_report(day, grades)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
