"""A subscription's rules without a store: its settings, the papers it may be sent, where its next
digest starts, and when one is due, each in its own time zone and across daylight-saving changes."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from digest.errors import UserError
from digest.models import DigestOptions, Paper, Subscription
from digest.subscriptions import (
    Defaults,
    SubscribeRequest,
    apply_request,
    check,
    due,
    pending_since,
    receivable,
)

UTC = dt.UTC
GRACE = dt.timedelta(minutes=15)
KNOWN = frozenset({"cs.LG", "stat.ML", "quant-ph", "math.AP"})
DEFAULTS = Defaults(("cs.LG", "stat.ML"), "Europe/Berlin", KNOWN)
NOW = dt.datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def sub(**fields: object) -> Subscription:
    return Subscription(1, 10, "ml", **fields)  # type: ignore[arg-type]


def utc(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def owed(s: Subscription, now: dt.datetime, grace: dt.timedelta = GRACE,
         done: frozenset[dt.date] = frozenset()) -> dt.date | None:
    return due(s, now, grace, done.__contains__)


# -- settings ----------------------------------------------------------------------------------

def test_a_new_subscription_starts_from_the_defaults_and_the_request() -> None:
    req = SubscribeRequest(1, 10, 77, "ml", time="7:30", min_score=0.5, categories="quant-ph")
    made = apply_request(None, req, "ml", DEFAULTS, NOW)
    assert made == Subscription(1, 10, "ml", post_time=dt.time(7, 30), timezone="Europe/Berlin",
                                categories=("quant-ph",), min_score=0.5, subscribed_by=77,
                                subscribed_at=NOW)


def test_an_update_keeps_what_was_not_given_and_who_subscribed_first() -> None:
    first = apply_request(None, SubscribeRequest(1, 10, 77, "ml", timezone="Asia/Tokyo"), "ml",
                          DEFAULTS, NOW)
    disabled = dataclasses.replace(first, enabled=False, disabled_reason="deleted channel")
    later = NOW + dt.timedelta(days=3)
    again = apply_request(disabled, SubscribeRequest(1, 10, 88, "ml", max_papers=5), "ml",
                          DEFAULTS, later)
    assert (again.timezone, again.max_papers, again.subscribed_by, again.subscribed_at) == (
        "Asia/Tokyo", 5, 77, NOW)
    assert (again.enabled, again.disabled_reason) == (True, "")


@pytest.mark.parametrize(("req", "message"), [
    (SubscribeRequest(1, 10, 7, "ml", time="25:00"), "not a time of day"),
    (SubscribeRequest(1, 10, 7, "ml", timezone="Mars/Olympus"), "not an IANA time zone"),
    (SubscribeRequest(1, 10, 7, "ml", min_score=11.0), "min_score must be between 0 and 10"),
    (SubscribeRequest(1, 10, 7, "ml", max_papers=0), "max_papers must be between 1 and 50"),
    (SubscribeRequest(1, 10, 7, "ml", categories="cs.LGG"), "arXiv has no category 'cs.LGG'"),
])
def test_a_bad_setting_is_refused_with_a_reply_that_names_it(req: SubscribeRequest,
                                                              message: str) -> None:
    with pytest.raises(UserError, match=message):
        apply_request(None, req, "ml", DEFAULTS, NOW)


@pytest.mark.parametrize("bad", [
    sub(timezone="Mars/Olympus"), sub(max_papers=0),
    sub(subscribed_at=dt.datetime(2026, 1, 1, 9, 0)),
    sub(post_time=dt.time(9, 0, 30)),  # the file keeps HH:MM; seconds would be lost
    sub(post_time=dt.time(9, 0, tzinfo=UTC)),  # the zone is `timezone`, not the time's
])
def test_subscriptions_that_cannot_be_kept_are_refused(bad: Subscription) -> None:
    with pytest.raises(UserError):
        check(bad)


# -- papers ------------------------------------------------------------------------------------

def paper(arxiv_id: str, kind: str, categories: tuple[str, ...], day: int) -> Paper:
    return Paper(arxiv_id, f"title {arxiv_id}", "abstract", categories=categories,
                 announce_type=kind, published=dt.date(2026, 11, day))  # type: ignore[arg-type]


def _kind(s: Subscription) -> tuple[tuple[str, ...], DigestOptions]:
    return s.categories, s.options


def test_receivable_papers_are_in_its_categories_once_each_of_the_types_it_asked_for() -> None:
    papers = [paper("1", "new", ("cs.LG",), 20), paper("2", "cross", ("math.AP", "cs.LG"), 20),
              paper("2", "new", ("math.AP", "cs.LG"), 20), paper("3", "replace", ("cs.LG",), 21),
              paper("4", "new", ("quant-ph",), 22)]
    plain = receivable(papers, *_kind(sub(categories=("cs.LG",))))
    assert [(p.arxiv_id, p.announce_type) for p in plain.papers] == [("1", "new"), ("2", "new")]
    assert plain.announced == dt.date(2026, 11, 21)  # the newest in its categories
    revised = receivable(papers, *_kind(sub(categories=("cs.LG",), include_replacements=True,
                                            include_cross=False)))
    assert [p.arxiv_id for p in revised.papers] == ["1", "2", "3"]
    assert receivable(papers, *_kind(sub(categories=("math",)))).papers == (papers[2],)  # a whole archive


def test_the_next_digest_starts_after_what_was_covered_or_a_few_days_back() -> None:
    assert pending_since(dt.date(2026, 11, 20), NOW) == dt.date(2026, 11, 21)
    assert pending_since(None, NOW) == dt.date(2026, 11, 19)


# -- when it is due ----------------------------------------------------------------------------

def test_each_subscription_is_due_at_its_own_local_time() -> None:
    subs = {1: sub(timezone="UTC"),                     # 09:00Z
            2: sub(timezone="Asia/Tokyo"),              # 00:00Z
            3: sub(timezone="America/Los_Angeles"),     # 17:00Z (PST)
            4: sub(timezone="Pacific/Auckland")}        # 20:00Z the day before

    def due_at(now: dt.datetime) -> list[int]:
        return [n for n, s in subs.items() if owed(s, now) is not None]

    assert due_at(utc(2026, 11, 22, 0, 5)) == [2]
    assert due_at(utc(2026, 11, 22, 9, 0)) == [1]
    assert due_at(utc(2026, 11, 22, 9, 16)) == []
    assert due_at(utc(2026, 11, 22, 17, 10)) == [3]
    assert due_at(utc(2026, 11, 22, 20, 1)) == [4]
    assert due_at(utc(2026, 11, 22, 8, 59)) == []


def test_a_completed_digest_for_the_local_date_stops_it_being_due() -> None:
    s = sub(timezone="Pacific/Auckland")
    now = utc(2026, 11, 21, 20, 5)  # 09:05 on the 22nd in Auckland
    assert owed(s, now) == dt.date(2026, 11, 22)
    done = frozenset({dt.date(2026, 11, 22)})
    assert owed(s, now + dt.timedelta(minutes=5), done=done) is None
    assert owed(s, utc(2026, 11, 22, 20, 5), done=done) == dt.date(2026, 11, 23)


def test_disabled_subscriptions_are_never_due() -> None:
    assert owed(sub(enabled=False, disabled_reason="deleted channel"), utc(2026, 11, 22, 9, 1)) is None


def test_spring_forward_keeps_the_local_time() -> None:
    s = sub(timezone="Europe/Berlin")  # 09:00 local
    # Saturday 28 March 2026 is still CET (UTC+1); Sunday 29 March is CEST (UTC+2).
    assert owed(s, utc(2026, 3, 28, 8, 5)) == dt.date(2026, 3, 28)
    assert owed(s, utc(2026, 3, 29, 7, 5)) == dt.date(2026, 3, 29)
    assert owed(s, utc(2026, 3, 29, 8, 5)) is None


def test_a_post_time_skipped_by_spring_forward_posts_after_the_gap() -> None:
    s = sub(post_time=dt.time(2, 30), timezone="America/New_York")
    # 8 March 2026: 02:00 EST jumps to 03:00 EDT, so 02:30 doesn't exist; it posts at 03:30 EDT.
    assert owed(s, utc(2026, 3, 8, 7, 29)) is None
    assert owed(s, utc(2026, 3, 8, 7, 31)) == dt.date(2026, 3, 8)


def test_a_post_time_repeated_by_fall_back_posts_once() -> None:
    s = sub(post_time=dt.time(1, 30), timezone="America/New_York")
    # 1 November 2026: 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
    assert owed(s, utc(2026, 11, 1, 5, 31)) == dt.date(2026, 11, 1)
    wide = dt.timedelta(hours=3)
    assert owed(s, utc(2026, 11, 1, 6, 31), wide, frozenset({dt.date(2026, 11, 1)})) is None


def test_a_late_check_within_grace_still_posts_yesterdays_digest() -> None:
    s = sub(post_time=dt.time(23, 55))
    assert owed(s, utc(2026, 11, 23, 0, 5)) == dt.date(2026, 11, 22)
    assert owed(s, utc(2026, 11, 23, 0, 6), done=frozenset({dt.date(2026, 11, 22)})) is None
    assert owed(s, utc(2026, 11, 23, 0, 11)) is None  # past the grace


