"""A year of daily use of the state store, and what it costs: file size, update and start-up time.

Run `python benchmarks/bench_storage.py` (or `--days 40` for a quick look). Every simulated day
remembers a batch of papers, records a digest for every subscription and prunes, so retention and
compaction run for real; days are flushed to disk as they would be in production.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digest.models import AnnounceType, Paper, Subscription
from storage import Store, check_state

START = dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.UTC)
SLUGS = ("ml-theory", "deep-learning", "rl", "nlp", "vision", "graphs", "optimisation",
         "bayes", "physics-ml", "materials", "climate", "fairness")
CATEGORIES = ("cs.LG", "stat.ML", "cs.AI", "cs.CL", "cs.CV", "physics.comp-ph", "math.OC")
TYPES: tuple[AnnounceType, ...] = ("new",) * 6 + ("cross",) * 3 + ("replace",)
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney")


@dataclass
class Corpus:
    """Pre-made text to build papers from quickly (so the bench times the store, not random)."""

    words: list[str]
    abstracts: list[str]
    titles: list[str]
    names: list[str]


def make_corpus(rng: random.Random) -> Corpus:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(rng.choices(letters, k=rng.randint(2, 11))) for _ in range(4000)]

    def text(chars: int) -> str:
        out: list[str] = []
        while sum(len(w) + 1 for w in out) < chars:
            out.append(rng.choice(words))
        return " ".join(out).capitalize() + "."

    return Corpus(
        words=words,
        abstracts=[text(rng.randint(900, 1500)) for _ in range(600)],
        titles=[text(rng.randint(50, 140)) for _ in range(600)],
        names=[f"{rng.choice(words).title()} {rng.choice(words).title()}" for _ in range(3000)],
    )


def day_papers(corpus: Corpus, rng: random.Random, day: int, count: int) -> list[Paper]:
    """One announcement day's papers, with new ids and realistically sized metadata."""
    month = (START + dt.timedelta(days=day)).strftime("%y%m")
    base = day * count
    return [
        Paper(
            arxiv_id=f"{month}.{(base + i) % 100000:05d}",
            title=rng.choice(corpus.titles),
            abstract=rng.choice(corpus.abstracts),
            authors=tuple(rng.sample(corpus.names, rng.randint(2, 8))),
            categories=tuple(rng.sample(CATEGORIES, rng.randint(1, 3))),
            version=rng.choice((1, 1, 1, 2)),
            announce_type=rng.choice(TYPES),
            published=(START + dt.timedelta(days=day - 1)).date(),
            comment=rng.choice(("", "", "12 pages, 4 figures", "Accepted at NeurIPS")),
        )
        for i in range(count)
    ]


def make_subscriptions(rng: random.Random, count: int, guilds: int) -> list[Subscription]:
    guild_ids = [10**17 + rng.randrange(10**17) for _ in range(guilds)]
    channels = {g: [10**18 + rng.randrange(10**17) for _ in range(3)] for g in guild_ids}
    subs: dict[tuple[int, int, str], Subscription] = {}
    while len(subs) < count:
        guild = rng.choice(guild_ids)
        sub = Subscription(
            guild_id=guild, channel_id=rng.choice(channels[guild]), profile_slug=rng.choice(SLUGS),
            post_time=dt.time(rng.randrange(24), rng.choice((0, 15, 30, 45))),
            timezone=rng.choice(ZONES), categories=("cs.LG", "stat.ML"),
            subscribed_by=10**17 + rng.randrange(10**17), subscribed_at=START,
        )
        subs[sub.key] = sub
    return list(subs.values())


def run_day(store: Store, subs: list[Subscription], batch: list[Paper], rng: random.Random,
            day: int) -> None:
    """One day's full update: remember the batch, record every subscription's digest, flush."""
    now = START + dt.timedelta(days=day)
    ids = [p.arxiv_id for p in batch]
    keep = rng.sample(ids, len(ids) // 20)  # scored above some subscription's threshold
    with store.batch():
        store.remember_papers(batch, announced=now.date(), now=now, keep_full=keep)
        for sub in subs:
            posted = rng.sample(keep, rng.randint(0, sub.max_papers))  # what's posted scored
            messages = [10**18 + rng.randrange(10**17) for _ in range(1 + len(posted) // 6)]
            store.record_delivery(sub.channel_id, sub.profile_slug, now.date(), posted, messages,
                                  now, complete=True)
            store.clear_failures(sub.key)


def prune_day(store: Store, now: dt.datetime) -> None:
    """The daily clean-up, written at once."""
    with store.batch():
        store.prune(now)


def timed(action: Callable[..., object], *args: Any) -> float:
    """How long `action(*args)` takes, in seconds."""
    started = time.perf_counter()
    action(*args)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--subscriptions", type=int, default=1000)
    parser.add_argument("--guilds", type=int, default=300)
    parser.add_argument("--papers", type=int, default=2000, help="new papers per day")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the state file")
    args = parser.parse_args(argv)
    rng = random.Random(2026)
    corpus = make_corpus(rng)
    subs = make_subscriptions(rng, args.subscriptions, args.guilds)
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        path = Path(folder) / "state.json"
        report(simulate(path, subs, corpus, rng, args), args)
    return 0


def simulate(path: Path, subs: list[Subscription], corpus: Corpus, rng: random.Random,
             args: argparse.Namespace) -> dict[str, float]:
    figures: dict[str, float] = {}
    day_costs: list[float] = []
    store = Store.open(path, now=START)
    with store.batch():
        for sub in subs:
            store.subscribe(sub)
    started = time.perf_counter()
    for day in range(1, args.days + 1):
        batch = day_papers(corpus, rng, day, args.papers)
        day_costs.append(timed(run_day, store, subs, batch, rng, day))
        figures["prune_s"] = timed(prune_day, store, START + dt.timedelta(days=day))
        if day % 30 == 0:
            print(f"  day {day}: {path.stat().st_size / 1e6:.1f} MB, "
                  f"update {day_costs[-1]:.3f} s", file=sys.stderr)
    figures["simulate_s"] = time.perf_counter() - started
    store.close()
    figures["day1_s"], figures["dayN_s"] = day_costs[0], day_costs[-1]
    figures["last30_median_s"] = statistics.median(day_costs[-30:])
    figures["size_mb"] = path.stat().st_size / 1e6
    reopen = START + dt.timedelta(days=args.days, hours=1)
    figures["open_s"] = timed(lambda: Store.open(path, now=reopen).close())
    figures["check_s"] = timed(check_state, path)
    tracemalloc.start()
    with Store.open(path, now=START + dt.timedelta(days=args.days + 1)) as store:
        run_day(store, subs, day_papers(corpus, rng, args.days + 1, args.papers), rng,
                args.days + 1)
    figures["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    figures["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    state = check_state(path)
    figures.update(papers=state.papers, full=state.full_papers, days=state.deliveries,
                   backups=len(state.backups))
    return figures


def report(f: dict[str, float], args: argparse.Namespace) -> None:
    n = args.days
    print(f"{args.subscriptions} subscriptions in {args.guilds} guilds, {args.papers} papers/day, "
          f"{n} days simulated in {f['simulate_s']:.0f} s")
    print(f"state file after {n} days:        {f['size_mb']:.1f} MB "
          f"({f['papers']:.0f} papers, {f['full']:.0f} in full; {f['days']:.0f} delivery days; "
          f"{f['backups']:.0f} backups)")
    print(f"one day's update, day 1:          {f['day1_s']:.3f} s")
    print(f"one day's update, day {n}:        {f['dayN_s']:.3f} s "
          f"({f['dayN_s'] / f['day1_s']:.1f}x day 1; median of last 30 days "
          f"{f['last30_median_s']:.3f} s)")
    print(f"prune, day {n}:                   {f['prune_s']:.3f} s")
    print(f"start-up (open + validate), day {n}: {f['open_s']:.3f} s; "
          f"deep check_state {f['check_s']:.3f} s")
    print(f"peak memory: maxrss {f['maxrss_mb']:.0f} MB; traced peak of open + one day's update "
          f"{f['traced_peak_mb']:.0f} MB")


if __name__ == "__main__":
    raise SystemExit(main())
