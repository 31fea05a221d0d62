"""Writes reach the file at known points only: one atomic write per batch, not one per change."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from storage import FeedState, Store, StoreClosedError
from tests.storage.conftest import NOW, paper, sub


@pytest.fixture
def writes(path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """How many times the state file itself has been replaced (backups not counted)."""
    count = 0
    replace = os.replace

    def counting(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        nonlocal count
        count += Path(dst) == path
        replace(src, dst)

    monkeypatch.setattr(os, "replace", counting)
    return lambda: count


def digest_run(store: Store, day: int) -> None:
    now = NOW + dt.timedelta(days=day)
    batch = [paper(n) for n in range(day * 500, day * 500 + 500)]
    store.prune(now)
    store.remember_papers(batch, announced=now.date(), now=now, keep_full=[batch[0].arxiv_id])
    for channel in range(200):
        store.record_delivery(channel, "ml", now.date(), [p.arxiv_id for p in batch[:10]],
                              [channel], now)
        store.clear_failures((1, channel, "ml"))
        store.record_failure((1, channel, "ml"), "403")


def test_a_whole_digest_run_is_one_file_write(store: Store, writes: Callable[[], int]) -> None:
    for channel in range(200):
        store.subscribe(sub(channel=channel))
    before = writes()
    with store.batch():
        digest_run(store, 1)
        with store.batch():  # nested batches join the outer one
            store.set_feed_state(["cs.LG"], FeedState(fingerprint="f", fetched_at=NOW))
        assert writes() == before
    assert writes() == before + 1
    store.flush()
    assert writes() == before + 1  # nothing pending, nothing written


def test_changes_outside_a_batch_wait_for_a_flush(
    store: Store, writes: Callable[[], int],
) -> None:
    store.subscribe(sub())
    store.record_delivery(10, "ml", NOW.date(), ["a"], [1], NOW)
    assert writes() == 0
    store.flush()
    assert writes() == 1
    store.clear_failures(sub().key)  # no failures: nothing to write
    store.mark_keep(["unknown"])  # no such paper: nothing to write
    store.flush()
    assert writes() == 1


def test_close_writes_what_is_pending(path: Path) -> None:
    with Store.open(path, now=NOW) as store:
        store.subscribe(sub())
    with Store.open(path, now=NOW) as store:
        assert store.subscriptions() == [sub()]


def test_a_batch_that_fails_still_writes_what_it_did(path: Path) -> None:
    with Store.open(path, now=NOW) as store, pytest.raises(RuntimeError), store.batch():
        store.record_delivery(10, "ml", NOW.date(), ["a"], [1], NOW)
        raise RuntimeError("the next send failed")
    with Store.open(path, now=NOW) as store:
        assert store.delivered_ids(10, today=NOW.date()) == {"a"}


def test_the_file_always_matches_memory(path: Path) -> None:
    """Documents are encoded once and reused; what's on disk must still be exactly the state."""
    with Store.open(path, now=NOW, retention_days=3, full_days=1) as store:
        for day in range(6):
            with store.batch():
                digest_run(store, day)
                store.mark_keep([paper(day * 500 + 7).arxiv_id])
                store.unsubscribe(1, day, "ml")
                store.subscribe(sub(channel=day, max_papers=day + 1))
            on_disk = json.loads(path.read_bytes())
            in_memory = json.loads(json.dumps(store._file._db.storage.read()))  # the live cache
            assert on_disk == in_memory


def test_a_closed_store_refuses_work(path: Path) -> None:
    store = Store.open(path, now=NOW)
    store.close()
    store.close()
    with pytest.raises(StoreClosedError):
        store.subscribe(sub())
