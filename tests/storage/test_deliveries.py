"""Deliveries: what was posted where, so a restart or a re-run never posts a paper twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from storage import Delivery, Store
from tests.storage.conftest import NOW, sub

DAY = dt.timedelta(days=1)
TODAY = NOW.date()


def test_record_and_read_back(store: Store) -> None:
    store.record_delivery(10, "ml", TODAY, ["a", "b"], [100, 101], NOW)
    assert store.delivery(10, "ml", TODAY) == Delivery(TODAY, ("a", "b"), (100, 101), NOW)
    assert store.delivery(10, "ml", TODAY - DAY) is None
    assert store.delivery(10, "other", TODAY) is None
    assert store.delivered_ids(10, "ml", today=TODAY) == {"a", "b"}


def test_recording_again_appends_to_the_day_without_repeats(store: Store) -> None:
    store.record_delivery(10, "ml", TODAY, ["a", "b"], [100], NOW)
    later = NOW + dt.timedelta(minutes=3)
    store.record_delivery(10, "ml", TODAY, ["b", "c", "c"], [100, 102], later)
    assert store.delivery(10, "ml", TODAY) == Delivery(TODAY, ("a", "b", "c"), (100, 102), later)


def test_delivered_ids_per_profile_or_for_the_whole_channel(store: Store) -> None:
    with store.batch():
        store.record_delivery(10, "ml", TODAY - 2 * DAY, ["a"], [1], NOW - 2 * DAY)
        store.record_delivery(10, "ml", TODAY, ["b"], [2], NOW)
        store.record_delivery(10, "rl", TODAY, ["c"], [3], NOW)
        store.record_delivery(11, "ml", TODAY, ["d"], [4], NOW)
    assert store.delivered_ids(10, "ml", today=TODAY) == {"a", "b"}
    assert store.delivered_ids(10, today=TODAY) == {"a", "b", "c"}
    assert store.delivered_ids(12, today=TODAY) == set()
    assert store.delivered_ids(10, "nope", today=TODAY) == set()
    assert store.delivered_ids(10, "ml", today=TODAY + 31 * DAY) == set()  # past retention


def test_a_nothing_today_post_is_recorded_too(store: Store) -> None:
    store.subscribe(sub())
    store.record_delivery(10, "ml", TODAY, [], [42], NOW, complete=True)
    assert store.delivery(10, "ml", TODAY) == Delivery(TODAY, (), (42,), NOW, complete=True)
    assert store.completed(10, "ml", TODAY)
    assert not store.completed(10, "ml", TODAY + DAY) and not store.completed(10, "rl", TODAY)


def test_a_restart_remembers_what_was_posted(path: Path) -> None:
    post_time = NOW.replace(hour=9, minute=1)
    with Store.open(path, now=NOW) as store:
        store.subscribe(sub())
        assert not store.completed(10, "ml", TODAY)
        store.record_delivery(10, "ml", TODAY, ["a", "b"], [100], post_time, complete=True)
    with Store.open(path, now=post_time + dt.timedelta(minutes=2)) as store:
        assert store.completed(10, "ml", TODAY)
        assert store.delivered_ids(10, "ml", today=TODAY) == {"a", "b"}


def test_a_digest_cut_short_stays_due_and_knows_what_went_out(path: Path) -> None:
    post_time = NOW.replace(hour=9, minute=1)
    with Store.open(path, now=NOW) as store:
        store.subscribe(sub())
        store.record_delivery(10, "ml", TODAY, ["a", "b"], [100], post_time)
    # the bot died before the second message; a new one picks up where it stopped
    with Store.open(path, now=post_time) as store:
        assert store.delivery(10, "ml", TODAY) == Delivery(TODAY, ("a", "b"), (100,), post_time)
        assert not store.completed(10, "ml", TODAY)
        store.record_delivery(10, "ml", TODAY, ["c"], [101], post_time)
        store.record_delivery(10, "ml", TODAY, [], [], post_time, complete=True)
        assert store.completed(10, "ml", TODAY)
        assert store.delivery(10, "ml", TODAY) == Delivery(
            TODAY, ("a", "b", "c"), (100, 101), post_time, complete=True)


def test_prune_drops_deliveries_past_retention(path: Path) -> None:
    with Store.open(path, now=NOW - 40 * DAY, retention_days=30) as store:
        for age in (40, 30, 29, 0):
            day = TODAY - age * DAY
            store.record_delivery(10, "ml", day, [f"p{age}"], [age], NOW - age * DAY)
        store.record_delivery(10, "rl", TODAY - 31 * DAY, ["q"], [1], NOW - 31 * DAY)
        assert store.prune(NOW).delivery_days_removed == 3
        assert store.delivered_ids(10, today=TODAY) == {"p29", "p0"}
        assert store.delivery(10, "ml", TODAY - 30 * DAY) is None
        assert store.delivery(10, "ml", TODAY - 29 * DAY) is not None


def test_a_delivery_is_durable_before_the_state_file_is_written(path: Path, tmp_path: Path) -> None:
    """Recorded, not yet flushed, then the process dies: the journal brings it back on open."""
    import shutil

    from storage.journal import journal_path

    with Store.open(path, now=NOW) as store:
        store.record_delivery(10, "ml", NOW.date(), ["2611.00001"], [7], NOW)
        store.record_delivery(10, "ml", NOW.date(), [], [], NOW, complete=True,
                              covered_until=NOW.date())
        crashed = tmp_path / "crashed"
        crashed.mkdir()
        shutil.copy(path, crashed / path.name)  # the file as it was before this session's writes
        shutil.copy(journal_path(path), journal_path(crashed / path.name))
        with journal_path(crashed / path.name).open("ab") as torn:
            torn.write(b'{"c": 10, "s": "ml", "d": "20')  # a kill mid-append
    with Store.open(crashed / path.name, now=NOW) as again:
        assert again.delivered_ids(10, today=TODAY) == {"2611.00001"}
        assert again.covered_until(10, "ml", today=TODAY) == NOW.date()
    assert journal_path(crashed / path.name).read_bytes() == b""  # folded into the file
    assert journal_path(path).read_bytes() == b""  # emptied by the close's write
