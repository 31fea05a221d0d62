"""The subscriptions table: saving, querying and flagging subscriptions, and which ones are due."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import MutableMapping
from typing import Any

from tinydb import Query, where
from tinydb.queries import QueryInstance

from digest.models import Subscription
from digest.schedule import ScheduleError, missed_within, parse_timezone
from storage import deliveries
from storage.errors import InvalidRecordError
from storage.layout import decode_subscription, encode_subscription, subscription_id
from storage.records import SubscriptionKey
from storage.tables import KeyedTable

log = logging.getLogger(__name__)


def save(table: KeyedTable, sub: Subscription) -> tuple[Subscription, bool]:
    """Insert or update a subscription, keeping who first subscribed and when; (saved, is new)."""
    _check(sub)
    doc_id = subscription_id(sub.key)
    old = table.by_key(doc_id)
    if old is not None:
        first = decode_subscription(old)
        sub = dataclasses.replace(
            sub, subscribed_by=first.subscribed_by or sub.subscribed_by,
            subscribed_at=first.subscribed_at or sub.subscribed_at,
        )
    doc = encode_subscription(sub)
    table.put(doc_id, doc)
    return decode_subscription(doc), old is None


def matching(
    table: KeyedTable, guild_id: int | None, channel_id: int | None, enabled_only: bool,
) -> list[Subscription]:
    """Subscriptions that match every filter given, ordered by key."""
    cond: QueryInstance = Query().noop()
    if guild_id is not None:
        cond &= where("guild") == guild_id
    if channel_id is not None:
        cond &= where("channel") == channel_id
    if enabled_only:
        cond &= where("enabled") == True  # a TinyDB query, not a comparison
    return sorted((decode_subscription(doc) for doc in table.search(cond)), key=lambda s: s.key)


def failures(table: KeyedTable, key: SubscriptionKey) -> int:
    """A subscription's consecutive failed posts (0 if there is no such subscription)."""
    doc = table.by_key(subscription_id(key))
    return 0 if doc is None else int(doc["failures"])


def edit(table: KeyedTable, key: SubscriptionKey, fields: dict[str, Any]) -> bool:
    """Set fields of one subscription's document; whether it exists."""
    def apply(doc: MutableMapping[str, Any]) -> None:
        doc.update(fields)

    return bool(table.change([subscription_id(key)], apply))


def due(
    subs: list[Subscription], delivered: KeyedTable, now: dt.datetime, grace: dt.timedelta,
) -> list[Subscription]:
    """Those of `subs` whose post time passed within `grace` of `now` in their own zone, and that
    have no complete delivery recorded for that local date."""
    found = []
    for sub in subs:
        try:
            day = missed_within(sub, now, grace)
        except ScheduleError:
            log.warning("subscription %s has a bad time zone %r; skipped", sub.key, sub.timezone)
            continue
        if day is None:
            continue
        if not deliveries.completed(delivered, sub.channel_id, sub.profile_slug, day):
            found.append(sub)
    return found


def _check(sub: Subscription) -> None:
    try:
        parse_timezone(sub.timezone)
    except ScheduleError as exc:
        raise InvalidRecordError(str(exc)) from exc
    post = sub.post_time
    if post.second or post.microsecond or post.tzinfo is not None:
        raise InvalidRecordError(
            f"subscription {sub.key}: post_time {post.isoformat()} must be a plain HH:MM "
            "(the zone is `timezone`)"
        )
    if sub.max_papers < 1:
        raise InvalidRecordError(f"subscription {sub.key}: max_papers must be at least 1")
    if sub.subscribed_at is not None and sub.subscribed_at.utcoffset() is None:
        raise InvalidRecordError(f"subscription {sub.key}: subscribed_at must be aware")
