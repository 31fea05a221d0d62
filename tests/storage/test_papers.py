"""Seen papers: remembered with their dates, looked up, compacted to ids, and pruned."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from storage import InvalidRecordError, PaperRecord, Pruned, Store
from tests.storage.conftest import NOW, at, paper

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
TODAY = NOW.date()


def test_remember_and_look_up(store: Store) -> None:
    full = paper(1, version=3, announce_type="replace-cross", updated=dt.date(2026, 11, 21),
                 comment="10 pages", categories=("stat.ML",))
    bare = paper(2, authors=(), categories=(), version=None, announce_type="unknown",
                 published=None)
    assert store.remember_papers([full, bare, full], announced=TODAY, now=NOW) == 2
    assert store.get_paper(full.arxiv_id) == full
    assert store.get_paper(bare.arxiv_id) == bare
    assert store.get_paper("2611.99999") is None
    assert store.paper_record(full.arxiv_id) == PaperRecord(full.arxiv_id, TODAY, TODAY, paper=full)


def test_seeing_a_paper_again_refreshes_it_but_keeps_first_seen(store: Store) -> None:
    store.remember_papers([paper(1)], announced=TODAY, now=NOW)
    newer = paper(1, version=2, announce_type="replace")
    later = NOW + 2 * DAY
    assert store.remember_papers([newer], announced=later.date(), now=later) == 0
    assert store.paper_record(newer.arxiv_id) == PaperRecord(
        newer.arxiv_id, first_seen=TODAY, announced=later.date(), paper=newer)


def test_papers_announced_gives_full_records_by_date(store: Store) -> None:
    for n, days_ago in enumerate([2, 0, 1, 0], start=1):
        day = TODAY - days_ago * DAY
        store.remember_papers([paper(n)], announced=day, now=at(day))
    assert [p.arxiv_id for p in store.papers_announced(TODAY - DAY)] == [
        "2611.00003", "2611.00002", "2611.00004"]
    assert [p.arxiv_id for p in store.papers_announced(TODAY - 2 * DAY, TODAY - DAY)] == [
        "2611.00001", "2611.00003"]
    assert store.papers_announced(TODAY + DAY) == []


def test_the_papers_generation_moves_whenever_the_papers_change(store: Store) -> None:
    before = store.papers_generation
    store.papers_announced(TODAY)
    store.mark_keep(["2611.00001"])
    assert store.papers_generation == before  # reads and keep marks change no metadata
    store.remember_papers([paper(1)], announced=TODAY, now=at(TODAY))
    remembered = store.papers_generation
    assert remembered != before
    store.prune(at(TODAY))
    assert store.papers_generation != remembered


def test_prune_compacts_after_full_days_and_drops_after_retention(path: Path) -> None:
    start = NOW - 40 * DAY
    with Store.open(path, now=start, retention_days=30, full_days=3) as store:
        for age in (40, 30, 29, 3, 2, 0):
            day = TODAY - age * DAY
            store.remember_papers([paper(age)], announced=day, now=at(day))
        assert store.prune(NOW) == Pruned(papers_removed=2, papers_compacted=2)
        records = {age: store.paper_record(paper(age).arxiv_id) for age in (40, 30, 29, 3, 2, 0)}
        assert records[40] is None and records[30] is None
        assert records[29] == PaperRecord(paper(29).arxiv_id, TODAY - 29 * DAY, TODAY - 29 * DAY)
        assert records[3] is not None and records[3].paper is None
        assert store.get_paper(paper(2).arxiv_id) == paper(2)
        assert store.get_paper(paper(0).arxiv_id) == paper(0)
        assert [p.arxiv_id for p in store.papers_announced(TODAY - 30 * DAY)] == [
            paper(2).arxiv_id, paper(0).arxiv_id]
    stored = json.loads(path.read_bytes())["papers"]
    assert stored[paper(29).arxiv_id] == {"s": (TODAY - 29 * DAY).isoformat(),
                                          "a": (TODAY - 29 * DAY).isoformat()}


def test_papers_worth_keeping_stay_full_until_retention(path: Path) -> None:
    then = NOW - 10 * DAY
    with Store.open(path, now=then) as store:
        batch = [paper(n) for n in range(1, 6)]
        store.remember_papers(batch, announced=then.date(), now=then, keep_full=[paper(1).arxiv_id])
        store.mark_keep([paper(2).arxiv_id, "2611.99999"])
        store.record_delivery(10, "ml", then.date(), [paper(3).arxiv_id], [1], then)
    with Store.open(path, now=NOW) as store:
        assert store.prune(NOW) == Pruned(papers_compacted=2)
        kept = {p.arxiv_id for p in store.papers_announced(then.date())}
        assert kept == {paper(1).arxiv_id, paper(2).arxiv_id, paper(3).arxiv_id}
        assert store.paper_record(paper(1).arxiv_id).keep  # type: ignore[union-attr]
        assert store.get_paper(paper(4).arxiv_id) is None
        assert store.paper_record("2611.99999") is None
        later = NOW + 20 * DAY  # pruning runs once a new batch has come
        store.remember_papers([paper(9)], announced=later.date(), now=later)
        assert store.prune(later).papers_removed == 5


def test_a_clock_run_ahead_does_not_age_out_real_records(path: Path) -> None:
    """A clock that jumps 43 days ahead and back must not cost yesterday's deliveries, or the
    next digest would post the same papers again."""
    with Store.open(path, now=NOW) as store:
        store.remember_papers([paper(1)], announced=TODAY, now=NOW)
        store.record_delivery(10, "ml", TODAY, [paper(1).arxiv_id], [1], NOW, complete=True,
                              covered_until=TODAY)
        ahead = NOW + 43 * DAY
        store.prune(ahead)
        store.remember_papers([paper(2)], announced=TODAY, now=ahead)  # arXiv's days did not move
        back = (NOW + DAY).date()  # the clock is right again
        assert store.delivered_ids(10, today=back) == {paper(1).arxiv_id}
        assert store.covered_until(10, "ml", today=back) == TODAY
        assert store.paper_record(paper(1).arxiv_id) is not None
        store.record_delivery(10, "ml", back, [paper(2).arxiv_id], [2], NOW + DAY)
        assert store.delivered_ids(10, today=back) == {paper(1).arxiv_id, paper(2).arxiv_id}


def test_mark_keep_within_a_batch_is_visible_before_the_flush(store: Store) -> None:
    store.remember_papers([paper(1)], announced=TODAY, now=NOW)
    with store.batch():
        store.mark_keep([paper(1).arxiv_id])
        assert store.paper_record(paper(1).arxiv_id).keep  # type: ignore[union-attr]
    assert json.loads(store.path.read_bytes())["papers"][paper(1).arxiv_id]["k"] == 1


def test_restart_keeps_papers(path: Path) -> None:
    with Store.open(path, now=NOW) as store:
        store.remember_papers([paper(1), paper(2)], announced=TODAY, now=NOW)
    with Store.open(path, now=NOW) as store:
        assert store.papers_announced(TODAY) == [paper(1), paper(2)]


def test_papers_announced_sees_papers_remembered_after_it_was_asked(store: Store) -> None:
    store.remember_papers([paper(1)], announced=TODAY, now=NOW)
    assert store.papers_announced(TODAY) == [paper(1)]
    store.remember_papers([paper(2)], announced=TODAY, now=NOW)
    assert store.papers_announced(TODAY) == [paper(1), paper(2)]


def test_the_clock_must_be_aware(path: Path) -> None:
    naive = dt.datetime(2026, 11, 22, 8, 0)
    with pytest.raises(InvalidRecordError):
        Store.open(path, now=naive)
    with Store.open(path, now=NOW) as store, pytest.raises(InvalidRecordError):
        store.remember_papers([paper(1)], announced=TODAY, now=naive)


@pytest.mark.parametrize(("retention", "full"), [(3, 5), (0, 0), (30, -1)])
def test_retention_settings_must_make_sense(path: Path, retention: int, full: int) -> None:
    with pytest.raises(InvalidRecordError):
        Store.open(path, now=NOW, retention_days=retention, full_days=full)
    assert not path.exists()
