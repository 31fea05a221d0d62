"""Which subscriptions are due: each in its own time zone, across DST changes, never twice a day."""

from __future__ import annotations

import datetime as dt

from storage import Store, SubscriptionKey
from tests.storage.conftest import UTC, sub

GRACE = dt.timedelta(minutes=15)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def due_keys(store: Store, now: dt.datetime, grace: dt.timedelta = GRACE) -> list[SubscriptionKey]:
    return [s.key for s in store.due_subscriptions(now, grace)]


def test_each_subscription_is_due_at_its_own_local_time(store: Store) -> None:
    with store.batch():
        store.subscribe(sub(channel=1, timezone="UTC"))                      # 09:00Z
        store.subscribe(sub(channel=2, timezone="Asia/Tokyo"))               # 00:00Z
        store.subscribe(sub(channel=3, timezone="America/Los_Angeles"))      # 17:00Z (PST)
        store.subscribe(sub(channel=4, timezone="Pacific/Auckland"))         # 20:00Z the day before
    assert due_keys(store, utc(2026, 11, 22, 0, 5)) == [(1, 2, "ml")]
    assert due_keys(store, utc(2026, 11, 22, 9, 0)) == [(1, 1, "ml")]
    assert due_keys(store, utc(2026, 11, 22, 9, 16)) == []
    assert due_keys(store, utc(2026, 11, 22, 17, 10)) == [(1, 3, "ml")]
    assert due_keys(store, utc(2026, 11, 22, 20, 1)) == [(1, 4, "ml")]
    assert due_keys(store, utc(2026, 11, 22, 8, 59)) == []


def test_a_delivery_for_the_local_date_stops_it_being_due(store: Store) -> None:
    store.subscribe(sub(timezone="Pacific/Auckland"))
    now = utc(2026, 11, 21, 20, 5)  # 09:05 on the 22nd in Auckland
    assert due_keys(store, now) == [sub().key]
    store.record_delivery(10, "ml", dt.date(2026, 11, 22), ["2611.00001"], [555], now,
                          complete=True)
    assert due_keys(store, now + dt.timedelta(minutes=5)) == []
    assert store.delivered_ids(10, "ml") == {"2611.00001"}
    assert due_keys(store, utc(2026, 11, 22, 20, 5)) == [sub().key]  # the next local day


def test_disabled_subscriptions_are_never_due(store: Store) -> None:
    store.subscribe(sub(enabled=False, disabled_reason="deleted channel"))
    assert due_keys(store, utc(2026, 11, 22, 9, 1)) == []


def test_spring_forward_keeps_the_local_time(store: Store) -> None:
    store.subscribe(sub(timezone="Europe/Berlin"))  # 09:00 local
    # Saturday 28 March 2026 is still CET (UTC+1); Sunday 29 March is CEST (UTC+2).
    assert due_keys(store, utc(2026, 3, 28, 8, 5)) == [sub().key]
    assert due_keys(store, utc(2026, 3, 29, 7, 5)) == [sub().key]
    assert due_keys(store, utc(2026, 3, 29, 8, 5)) == []


def test_a_post_time_skipped_by_spring_forward_posts_after_the_gap(store: Store) -> None:
    store.subscribe(sub(post_time=dt.time(2, 30), timezone="America/New_York"))
    # 8 March 2026: 02:00 EST jumps to 03:00 EDT, so 02:30 doesn't exist; it posts at 03:30 EDT.
    assert due_keys(store, utc(2026, 3, 8, 7, 29)) == []
    assert due_keys(store, utc(2026, 3, 8, 7, 31)) == [sub().key]


def test_a_post_time_repeated_by_fall_back_posts_once(store: Store) -> None:
    store.subscribe(sub(post_time=dt.time(1, 30), timezone="America/New_York"))
    # 1 November 2026: 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
    first = utc(2026, 11, 1, 5, 31)
    assert due_keys(store, first) == [sub().key]
    store.record_delivery(10, "ml", dt.date(2026, 11, 1), [], [1], first, complete=True)
    wide = dt.timedelta(hours=3)
    assert due_keys(store, utc(2026, 11, 1, 6, 31), wide) == []


def test_a_late_check_within_grace_still_posts_yesterdays_digest(store: Store) -> None:
    store.subscribe(sub(post_time=dt.time(23, 55)))
    assert due_keys(store, utc(2026, 11, 23, 0, 5)) == [sub().key]
    store.record_delivery(10, "ml", dt.date(2026, 11, 22), [], [1], utc(2026, 11, 23, 0, 5),
                          complete=True)
    assert due_keys(store, utc(2026, 11, 23, 0, 6)) == []
