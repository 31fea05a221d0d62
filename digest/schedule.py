"""When a subscription's digest is due: pure functions of (subscription, now) in its own time zone."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest.errors import UserError
from digest.models import Subscription

_HHMM = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")


class ScheduleError(UserError):
    """A post time or time zone that cannot be used."""


def parse_post_time(text: str) -> dt.time:
    """'9:00' or '21:30' as a time; anything else is a ScheduleError."""
    match = _HHMM.match(text)
    if not match:
        raise ScheduleError(f"'{text}' is not a time of day; use 24-hour HH:MM, e.g. 09:00")
    return dt.time(int(match.group(1)), int(match.group(2)))


MAX_ZONE_CHARS = 64  # the longest IANA names are about 30 characters


def parse_timezone(name: str) -> ZoneInfo:
    """An IANA zone such as 'Europe/Berlin'; anything else is a ScheduleError."""
    try:
        if not name or len(name) > MAX_ZONE_CHARS or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: "Europe" is a folder
        shown = name if len(name) <= MAX_ZONE_CHARS else name[:MAX_ZONE_CHARS] + "…"
        raise ScheduleError(
            f"'{shown}' is not an IANA time zone; use a name like Europe/Berlin or America/New_York"
        ) from exc


def local_date(sub: Subscription, now: dt.datetime) -> dt.date:
    """The calendar date in the subscription's zone at `now`."""
    return now.astimezone(parse_timezone(sub.timezone)).date()


def post_time_on(sub: Subscription, day: dt.date) -> dt.datetime:
    """The instant (in UTC) of the subscription's post time on a local date.

    A time skipped by a spring-forward change posts at the first valid minute after it; a
    time that occurs twice in autumn posts at its first occurrence.
    """
    zone = parse_timezone(sub.timezone)
    naive = dt.datetime.combine(day, sub.post_time)
    candidate = naive.replace(tzinfo=zone, fold=0)
    roundtrip = candidate.astimezone(dt.UTC).astimezone(zone)
    if roundtrip.replace(tzinfo=None) != naive:  # in a gap: shift by the gap's length
        return roundtrip.astimezone(dt.UTC)
    return candidate.astimezone(dt.UTC)


def next_post_at(sub: Subscription, now: dt.datetime) -> dt.datetime:
    """The first post instant strictly after `now`."""
    today = local_date(sub, now)
    for offset in range(3):
        at = post_time_on(sub, today + dt.timedelta(days=offset))
        if at > now:
            return at
    raise AssertionError("unreachable: a post time occurs every day")


def latest_post_at(sub: Subscription, now: dt.datetime) -> dt.datetime:
    """The most recent post instant at or before `now`."""
    today = local_date(sub, now)
    at = post_time_on(sub, today)
    return at if at <= now else post_time_on(sub, today - dt.timedelta(days=1))
