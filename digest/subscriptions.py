"""The rules of a subscription, in one place: its settings (a request applied and validated
once), the papers it may be sent, the date its next digest covers from, and whether a digest is
due. Pure: the caller brings the stored facts (what was delivered, which dates are complete).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace

from digest.categories import in_categories, parse_categories
from digest.errors import UserError
from digest.feed import select_papers
from digest.models import DigestOptions, Paper, Subscription
from digest.schedule import latest_post_at, parse_post_time, parse_timezone

PENDING_DAYS = 3  # a new subscription's first digest reaches back over this many days
MIN_SCORE_RANGE = (0.0, 10.0)
MAX_PAPERS_RANGE = (1, 50)


class SubscriptionError(UserError):
    """A setting a subscription cannot have; the text says which and what it may be."""


@dataclass(frozen=True, slots=True)
class SubscribeRequest:
    """What /subscribe was given; None means 'keep the current value or the default'."""

    guild_id: int
    channel_id: int
    user_id: int
    profile: str
    time: str | None = None
    timezone: str | None = None
    min_score: float | None = None
    max_papers: int | None = None
    categories: str | None = None
    include_cross: bool | None = None
    include_replacements: bool | None = None
    nothing_today_note: bool | None = None


@dataclass(frozen=True, slots=True)
class Defaults:
    """What a new subscription starts from, and the categories that exist."""

    categories: tuple[str, ...]
    timezone: str
    known_categories: Collection[str]


def apply_request(current: Subscription | None, req: SubscribeRequest, profile_slug: str,
                  defaults: Defaults, now: dt.datetime) -> Subscription:
    """The subscription after a /subscribe: the current one (or a new one from `defaults`) with
    each given setting parsed and checked, enabled again. Keeps who subscribed first, and when."""
    base = current or Subscription(req.guild_id, req.channel_id, profile_slug,
                                   categories=defaults.categories, timezone=defaults.timezone)
    sub = replace(
        base,
        post_time=parse_post_time(req.time) if req.time else base.post_time,
        timezone=str(parse_timezone(req.timezone)) if req.timezone else base.timezone,
        min_score=_within(req.min_score, base.min_score, MIN_SCORE_RANGE, "min_score"),
        max_papers=int(_within(req.max_papers, base.max_papers, MAX_PAPERS_RANGE, "max_papers")),
        categories=(parse_categories(req.categories, defaults.known_categories)
                    if req.categories else base.categories),
        include_cross=_given(req.include_cross, base.include_cross),
        include_replacements=_given(req.include_replacements, base.include_replacements),
        nothing_today_note=_given(req.nothing_today_note, base.nothing_today_note),
        subscribed_by=base.subscribed_by or req.user_id,
        subscribed_at=base.subscribed_at or now,
        enabled=True, disabled_reason="",
    )
    check(sub)
    return sub


def check(sub: Subscription) -> None:
    """The invariants every subscription holds; a SubscriptionError names the broken one."""
    parse_timezone(sub.timezone)
    post = sub.post_time
    if post.second or post.microsecond or post.tzinfo is not None:
        raise SubscriptionError(f"subscription {sub.key}: post_time {post.isoformat()} must be a "
                                "plain HH:MM (the zone is `timezone`)")
    low, high = MAX_PAPERS_RANGE
    if not low <= sub.max_papers <= high:
        raise SubscriptionError(f"max_papers must be between {low} and {high}.")
    low_score, high_score = MIN_SCORE_RANGE
    if not low_score <= sub.min_score <= high_score:
        raise SubscriptionError(f"min_score must be between {low_score:g} and {high_score:g}.")
    if sub.subscribed_at is not None and sub.subscribed_at.utcoffset() is None:
        raise SubscriptionError(f"subscription {sub.key}: subscribed_at must be aware")


def pending_since(covered_until: dt.date | None, now: dt.datetime) -> dt.date:
    """The first announcement date the next digest draws from: the day after the newest one a
    complete digest drew from, or, for a subscription that has had none, a few days back."""
    if covered_until is not None:
        return covered_until + dt.timedelta(days=1)
    return now.date() - dt.timedelta(days=PENDING_DAYS)


@dataclass(frozen=True, slots=True)
class Receivable:
    """The papers of a window that a subscription may be sent, and the newest announcement."""

    papers: tuple[Paper, ...]
    announced: dt.date | None


def receivable(papers: Iterable[Paper], categories: Sequence[str],
               options: DigestOptions) -> Receivable:
    """Which papers a digest (a subscription's, or a preview's) may hold: in its categories,
    each id once, of the announce types its options ask for. (Papers already sent are the
    caller's to leave out, from the deliveries on record.)"""
    inside = [p for p in papers if in_categories(p, categories)]
    chosen = select_papers(inside, options.include_cross, options.include_replacements)
    return Receivable(chosen, max((p.published for p in inside if p.published), default=None))


def due(sub: Subscription, now: dt.datetime, grace: dt.timedelta,
        completed: Callable[[dt.date], bool]) -> dt.date | None:
    """The local date whose digest the subscription is owed at `now`, if any: its post time
    passed within `grace` and `completed(date)` says that day's digest is not yet all posted.
    A disabled subscription is owed nothing."""
    day = owed_date(sub, now, grace)
    if day is None or not sub.enabled or completed(day):
        return None
    return day


def owed_date(sub: Subscription, now: dt.datetime, grace: dt.timedelta) -> dt.date | None:
    """The local date of the post time that passed within `grace` of `now`, if one did."""
    at = latest_post_at(sub, now)
    if now - at > grace:
        return None
    return at.astimezone(parse_timezone(sub.timezone)).date()


def _given(value: bool | None, default: bool) -> bool:
    return default if value is None else value


def _within(value: float | None, default: float, bounds: Sequence[float], name: str) -> float:
    if value is None:
        return default
    low, high = bounds
    if not low <= value <= high:
        raise SubscriptionError(f"{name} must be between {low:g} and {high:g}.")
    return value
