"""Subscriptions: create, update without duplicates, query, failures, enable/disable, restart."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from digest.models import Subscription
from storage import Store
from tests.storage.conftest import NOW, sub


def test_subscribe_creates_then_replaces_without_duplicating(store: Store) -> None:
    first = sub(subscribed_by=7, subscribed_at=NOW, categories=("cs.LG",))
    assert store.subscribe(first) is True
    assert store.subscriptions() == [first]
    again = dataclasses.replace(first, max_papers=5, categories=())
    assert store.subscribe(again) is False
    assert store.subscriptions() == [again]


def test_subscription_round_trips_every_field(store: Store) -> None:
    full = sub(
        guild=3, channel=30, slug="physics-ml", post_time=dt.time(21, 45),
        timezone="America/New_York", categories=("physics.comp-ph", "cs.LG"), min_score=0.5,
        max_papers=3, include_cross=False, include_replacements=True, nothing_today_note=True,
        subscribed_by=99, subscribed_at=NOW, enabled=False, disabled_reason="missing permissions",
    )
    store.subscribe(full)
    assert store.get_subscription(3, 30, "physics-ml") == full
    assert store.get_subscription(3, 30, "other") is None


def test_a_subscription_given_no_time_posts_at_nine_utc_and_is_stored_so(store: Store) -> None:
    store.subscribe(Subscription(guild_id=1, channel_id=10, profile_slug="ml"))
    [saved] = store.subscriptions()
    assert (saved.post_time, saved.timezone) == (dt.time(9, 0), "UTC")
    assert (saved.min_score, saved.max_papers) == (0.35, 10)
    assert (saved.include_cross, saved.include_replacements) == (True, False)
    assert (saved.enabled, saved.disabled_reason) == (True, "")
    store.flush()
    doc = json.loads(store.path.read_bytes())["subscriptions"]["1:10:ml"]
    assert (doc["time"], doc["tz"]) == ("09:00", "UTC")


def test_subscriptions_filter_and_keep_a_stable_order(store: Store) -> None:
    subs = [sub(2, 21, "b"), sub(1, 11, "z"), sub(2, 20, "a"), sub(1, 11, "a"),
            sub(2, 21, "a", enabled=False, disabled_reason="deleted channel")]
    with store.batch():
        for s in subs:
            store.subscribe(s)
    assert [s.key for s in store.subscriptions()] == sorted(s.key for s in subs)
    def keys(**filters: object) -> list[tuple[int, int, str]]:
        return [s.key for s in store.subscriptions(**filters)]  # type: ignore[arg-type]

    assert keys(guild_id=2) == [(2, 20, "a"), (2, 21, "a"), (2, 21, "b")]
    assert keys(channel_id=21, enabled_only=True) == [(2, 21, "b")]
    assert keys(guild_id=1, channel_id=11) == [(1, 11, "a"), (1, 11, "z")]


def test_unsubscribe(store: Store) -> None:
    store.subscribe(sub())
    assert store.unsubscribe(1, 10, "ml") is True
    assert store.unsubscribe(1, 10, "ml") is False
    assert store.subscriptions() == []


def test_failures_count_up_reset_and_survive_updates(store: Store) -> None:
    key = sub().key
    store.subscribe(sub())
    assert [store.record_failure(key, "403 Forbidden") for _ in range(3)] == [1, 2, 3]
    assert store.failures(key) == 3
    store.clear_failures(key)
    assert store.failures(key) == 0
    assert store.record_failure((9, 9, "nope"), "404") == 0


def test_disable_keeps_the_subscription_and_resubscribing_clears_it(store: Store) -> None:
    key = sub().key
    store.subscribe(sub())
    store.record_failure(key, "403")
    assert store.disable(key, "missing permissions") is True
    assert store.get_subscription(*key) == sub(enabled=False, disabled_reason="missing permissions")
    assert store.subscriptions(enabled_only=True) == []
    assert store.subscribe(sub()) is False
    assert store.get_subscription(*key) == sub()
    assert store.failures(key) == 0  # saving again starts the count again
    assert store.disable((9, 9, "nope"), "gone") is False


def test_resubscribing_reenables_a_disabled_subscription(store: Store) -> None:
    store.subscribe(sub())
    store.disable(sub().key, "deleted channel")
    assert store.subscribe(sub()) is False
    assert store.subscriptions(enabled_only=True) == [sub()]


def test_restart_keeps_subscriptions_and_their_counters(path: Path) -> None:
    with Store.open(path, now=NOW) as store:
        store.subscribe(sub(timezone="Europe/Berlin", subscribed_at=NOW))
        store.subscribe(sub(channel=11, enabled=False, disabled_reason="deleted channel"))
        store.record_failure(sub().key, "403")
    with Store.open(path, now=NOW + dt.timedelta(hours=1)) as store:
        assert store.subscriptions() == [
            sub(timezone="Europe/Berlin", subscribed_at=NOW),
            sub(channel=11, enabled=False, disabled_reason="deleted channel"),
        ]
        assert store.failures(sub().key) == 1
