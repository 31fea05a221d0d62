"""The deliveries table: what each channel was sent, per digest date and profile.

One document per channel and digest date, "<channel>:<date>" -> {slug: record}: a day's posts
write only that day's documents, and a channel's history is one lookup per date of the window the
caller asks about (the retention window), never a scan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, MutableMapping, Sequence
from typing import Any

from storage.layout import add_to_day, day_complete, decode_day, delivery_id, encode_day
from storage.records import Delivery
from storage.tables import Doc, KeyedTable


def record(
    table: KeyedTable, channel_id: int, slug: str, day: dt.date, arxiv_ids: Sequence[str],
    message_ids: Sequence[int], unix_s: int, *, complete: bool, covered_until: dt.date | None = None,
) -> None:
    """Add posted ids and message ids to a channel-profile-day record (repeats are ignored);
    `complete` marks the day's digest as wholly posted, for good."""
    def add(doc: MutableMapping[str, Any]) -> None:
        add_to_day(doc.setdefault(slug, encode_day([], [], unix_s)), arxiv_ids, message_ids,
                   unix_s, complete=complete, covered_until=covered_until)

    key = delivery_id(channel_id, day)
    if table.by_key(key) is None:
        doc: Doc = {}
        add(doc)
        table.put(key, doc)
    else:
        table.change([key], add)


def entries(
    table: KeyedTable, channel_id: int, slug: str | None, days: Iterable[dt.date],
) -> dict[dt.date, list[Doc]]:
    """The records of a channel (for one profile, or all) on those of `days` that have any."""
    found: dict[dt.date, list[Doc]] = {}
    for day in days:
        doc = table.by_key(delivery_id(channel_id, day))
        if doc is None:
            continue
        records = list(doc.values()) if slug is None else [doc[slug]] if slug in doc else []
        if records:
            found[day] = records
    return found


def delivery(table: KeyedTable, channel_id: int, slug: str, day: dt.date) -> Delivery | None:
    """The record of one channel-profile-day, if anything was posted."""
    records = entries(table, channel_id, slug, [day]).get(day)
    if not records:
        return None
    return decode_day(day, records[0])


def completed(table: KeyedTable, channel_id: int, slug: str, day: dt.date) -> bool:
    """Whether the channel-profile-day digest was recorded as wholly posted."""
    records = entries(table, channel_id, slug, [day]).get(day, [])
    return any(day_complete(entry) for entry in records)


def prune(table: KeyedTable, *, before: dt.date) -> int:
    """Drop the channel-day documents dated before `before`; how many records went."""
    cut = before.isoformat()
    old = [(key, len(doc)) for key, doc in table.keyed() if key.rpartition(":")[2] < cut]
    table.drop([key for key, _ in old])
    return sum(count for _, count in old)
