"""The subscriptions table: saving, querying and flagging subscriptions."""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

from digest.models import Subscription
from storage.layout import (
    decode_subscription,
    encode_subscription,
    subscription_failures,
    subscription_id,
    subscriptions_where,
)
from storage.records import SubscriptionKey
from storage.tables import KeyedTable

log = logging.getLogger(__name__)


def save(table: KeyedTable, sub: Subscription) -> bool:
    """Insert or replace a subscription (its failure count starts again); whether it is new.
    The core's `digest.subscriptions` decides what a valid subscription is; this saves it."""
    doc_id = subscription_id(sub.key)
    new = table.by_key(doc_id) is None
    table.put(doc_id, encode_subscription(sub))
    return new


def matching(
    table: KeyedTable, guild_id: int | None, channel_id: int | None, enabled_only: bool,
) -> list[Subscription]:
    """Subscriptions that match every filter given, ordered by key."""
    cond = subscriptions_where(guild_id, channel_id, enabled_only)
    return sorted((decode_subscription(doc) for doc in table.search(cond)), key=lambda s: s.key)


def failures(table: KeyedTable, key: SubscriptionKey) -> int:
    """A subscription's consecutive failed posts (0 if there is no such subscription)."""
    doc = table.by_key(subscription_id(key))
    return 0 if doc is None else subscription_failures(doc)


def edit(table: KeyedTable, key: SubscriptionKey, fields: dict[str, Any]) -> bool:
    """Set fields of one subscription's document; whether it exists."""
    def apply(doc: MutableMapping[str, Any]) -> None:
        doc.update(fields)

    return bool(table.change([subscription_id(key)], apply))
