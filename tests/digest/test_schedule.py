"""Post times in a subscription's own zone, across daylight-saving changes."""

from __future__ import annotations

import datetime as dt

import pytest

from digest.models import Subscription
from digest.schedule import (
    ScheduleError,
    latest_post_at,
    next_post_at,
    parse_post_time,
    parse_timezone,
    post_time_on,
)
from digest.subscriptions import owed_date

UTC = dt.UTC


def sub(hhmm: str, zone: str) -> Subscription:
    return Subscription(1, 2, "all", post_time=parse_post_time(hhmm), timezone=zone)


def test_parse_post_time_and_zone() -> None:
    assert parse_post_time("9:05") == dt.time(9, 5)
    for bad in ("25:00", "9", "09:60", "nine"):
        with pytest.raises(ScheduleError, match="HH:MM"):
            parse_post_time(bad)
    assert str(parse_timezone("Europe/Berlin")) == "Europe/Berlin"
    for bad in ("Mars/Olympus", "", "../etc/passwd", "Europe", "America/" + "x" * 300):
        with pytest.raises(ScheduleError, match="IANA"):  # "Europe" is a folder of zones
            parse_timezone(bad)


def test_next_post_in_local_time() -> None:
    s = sub("09:00", "America/New_York")
    now = dt.datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # 08:00 EDT
    assert next_post_at(s, now) == dt.datetime(2026, 7, 1, 13, 0, tzinfo=UTC)
    assert next_post_at(s, dt.datetime(2026, 7, 1, 13, 0, tzinfo=UTC)) == dt.datetime(
        2026, 7, 2, 13, 0, tzinfo=UTC)


def test_autumn_change_posts_once_at_first_occurrence() -> None:
    s = sub("01:30", "America/New_York")  # 01:30 happens twice on 2026-11-01
    first = post_time_on(s, dt.date(2026, 11, 1))
    assert first == dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    after = next_post_at(s, first)
    assert after.astimezone(UTC) == dt.datetime(2026, 11, 2, 6, 30, tzinfo=UTC)


def test_spring_gap_posts_after_the_gap() -> None:
    s = sub("02:30", "Europe/Berlin")  # 02:00-03:00 does not exist on 2026-03-29
    at = post_time_on(s, dt.date(2026, 3, 29))
    assert at.astimezone(UTC) == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_the_latest_post_time_and_whether_it_is_still_owed() -> None:
    s = sub("09:00", "Asia/Tokyo")  # 00:00 UTC
    now = dt.datetime(2026, 2, 5, 1, 0, tzinfo=UTC)
    assert latest_post_at(s, now) == dt.datetime(2026, 2, 5, 0, 0, tzinfo=UTC)
    assert owed_date(s, now, dt.timedelta(hours=2)) == dt.date(2026, 2, 5)
    assert owed_date(s, now, dt.timedelta(minutes=30)) is None
