"""The service's state behind typed methods in domain terms; the only door to the state file.

The store is synchronous (nothing inside awaits), so callers on one event loop can't interleave.
Changes are held in memory until a known point: the end of the outermost `batch()`, `flush()`, or
`close()`; each writes the whole file once, atomically.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from digest.feedback import MAX_VOTED_PAPERS, VotedPaper
from digest.models import Paper, Profile, Subscription
from storage import deliveries, layout, papers, subscriptions
from storage.errors import InvalidRecordError
from storage.journal import Journal, journal_path
from storage.layout import DELIVERIES, FEEDS, PAPERS, PROFILES, SUBSCRIPTIONS, VOTES
from storage.records import Delivery, FeedState, PaperRecord, Pruned, SubscriptionKey
from storage.statefile import StateFile, utc_date
from storage.tables import KeyedTable

log = logging.getLogger(__name__)


PRUNE_MARGIN_DAYS = 5  # how far past arXiv's newest announcement pruning may count (a long weekend)


class Store:
    """The bot's memory: subscriptions, custom profiles, seen papers, deliveries and feed state."""

    def __init__(self, file: StateFile, *, retention_days: int = 30, full_days: int = 3) -> None:
        _check_days(retention_days, full_days)
        self.retention_days = retention_days
        self.full_days = full_days
        self._file = file
        self._announced: dict[tuple[dt.date, dt.date | None], list[Paper]] = {}
        self._delivery_days: dict[int, set[dt.date]] | None = None  # built when first asked
        self._generation = 0
        self._journal = Journal(journal_path(file.path))
        self._saved_size = _size(file.path)
        self.unsaved_since: dt.datetime | None = None  # when a write or journal append failed
        file.after_write = self._saved
        self._replay_journal()

    @classmethod
    def open(
        cls, path: str | Path, *, now: dt.datetime, retention_days: int = 30, full_days: int = 3,
        backups: int = 7,
    ) -> Store:
        """Open or create the state file, and hold its lock until `close()`. A symlink is followed
        first, so writes replace the file it points to, not the link."""
        _check_days(retention_days, full_days)
        file = StateFile.open(Path(path).resolve(), now=now, backups=backups)
        return cls(file, retention_days=retention_days, full_days=full_days)

    @property
    def path(self) -> Path:
        """The state file."""
        return self._file.path

    def batch(self) -> AbstractContextManager[None]:
        """Group changes: the file is written once, as the outermost batch ends (even on error)."""
        return self._file.batch()

    def flush(self) -> None:
        """Write all pending changes now, in one atomic file write."""
        self._file.flush()

    def save_is_due(self) -> bool:
        """Whether the deliveries journaled since the file was last written add up to as many
        bytes as the file itself. Writing it only then keeps the cost of all writes in proportion
        to what was posted (a write costs the whole file); the journal keeps every delivery
        durable in between."""
        return self._journal.size >= self._saved_size

    def close(self) -> None:
        """Flush and release the file's lock; safe to call twice."""
        try:
            self._file.close()
        finally:
            self._journal.close()

    def _saved(self) -> None:
        """The state file now holds everything: the journal's records are redundant."""
        self._journal.clear()
        self.unsaved_since = None
        self._saved_size = _size(self.path)

    def _replay_journal(self) -> None:
        """Apply deliveries journaled after the state file's last write (a crash came between),
        then write them into the file."""
        records = self._journal.read()
        for record in records:
            try:
                entry = layout.decode_journal(record)
                deliveries.record(self._table(DELIVERIES), entry.channel_id, entry.profile_slug,
                                  entry.day, entry.arxiv_ids, entry.message_ids, entry.unix_s,
                                  complete=entry.complete, covered_until=entry.covered_until)
                papers.mark_keep(self._table(PAPERS), entry.arxiv_ids)
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("skipped a malformed journal record %r: %s", record, exc)
        if records:
            log.info("replayed %d journaled deliveries into %s", len(records), self.path)
            self._file.flush()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None,
    ) -> None:
        self.close()

    # Subscriptions

    def subscribe(self, sub: Subscription) -> bool:
        """Save a subscription as given (replacing one with its key, its failure count reset);
        whether it is new."""
        return subscriptions.save(self._table(SUBSCRIPTIONS), sub)

    def unsubscribe(self, guild_id: int, channel_id: int, slug: str) -> bool:
        """Remove a subscription and its votes; whether there was one."""
        doc_id = layout.subscription_id((guild_id, channel_id, slug))
        self._table(VOTES).drop([doc_id])
        return bool(self._table(SUBSCRIPTIONS).drop([doc_id]))

    def get_subscription(self, guild_id: int, channel_id: int, slug: str) -> Subscription | None:
        """One subscription by its key."""
        key = layout.subscription_id((guild_id, channel_id, slug))
        doc = self._table(SUBSCRIPTIONS).by_key(key)
        return None if doc is None else layout.decode_subscription(doc)

    def subscriptions(
        self, *, guild_id: int | None = None, channel_id: int | None = None,
        enabled_only: bool = False,
    ) -> list[Subscription]:
        """Matching subscriptions, ordered by (guild, channel, profile)."""
        table = self._table(SUBSCRIPTIONS)
        return subscriptions.matching(table, guild_id, channel_id, enabled_only)

    def failures(self, key: SubscriptionKey) -> int:
        """A subscription's consecutive failed posts."""
        return subscriptions.failures(self._table(SUBSCRIPTIONS), key)

    def record_failure(self, key: SubscriptionKey, reason: str) -> int:
        """Count one more consecutive failed post; the new count (0 if no such subscription)."""
        count = self.failures(key) + 1
        found = self._edit(key, failures=count, last_failure=reason)
        return count if found else 0

    def clear_failures(self, key: SubscriptionKey) -> None:
        """Reset the consecutive failure count after a successful post (no write if already 0)."""
        if self.failures(key):
            self._edit(key, failures=0, last_failure="")

    def disable(self, key: SubscriptionKey, reason: str) -> bool:
        """Stop posting a subscription, saying why; whether it exists."""
        return self._edit(key, enabled=False, reason=reason)

    def completed(self, channel_id: int, profile_slug: str, digest_date: dt.date) -> bool:
        """Whether the channel's digest of a profile for a local date was recorded as all posted."""
        if digest_date not in self._days_of(channel_id):
            return False
        return deliveries.completed(self._table(DELIVERIES), channel_id, profile_slug, digest_date)

    # Custom profiles

    def save_profile(self, profile: Profile) -> bool:
        """Save a guild's custom profile (replacing one with its slug); whether it is new."""
        if profile.guild_id is None:
            raise InvalidRecordError(f"profile {profile.slug!r} has no guild_id: it isn't custom")
        doc_id = layout.profile_id(profile.guild_id, profile.slug)
        return self._table(PROFILES).put(doc_id, layout.encode_profile(profile))

    def delete_profile(self, guild_id: int, slug: str) -> bool:
        """Delete a guild's custom profile; whether there was one."""
        return bool(self._table(PROFILES).drop([layout.profile_id(guild_id, slug)]))

    def custom_profiles(self, guild_id: int) -> list[Profile]:
        """A guild's custom profiles, by slug."""
        found = self._table(PROFILES).search(layout.profiles_of(guild_id))
        return sorted((layout.decode_profile(doc) for doc in found), key=lambda p: p.slug)

    # Papers

    def remember_papers(
        self, batch: Iterable[Paper], *, announced: dt.date, now: dt.datetime,
        keep_full: Iterable[str] = (),
    ) -> int:
        """Store a batch's papers (their announce date, first seen `now`); how many were new."""
        today = self._file.observe(now)
        self._papers_changed()
        return papers.remember(self._table(PAPERS), batch, announced=announced, today=today,
                               keep=set(keep_full))

    def mark_keep(self, arxiv_ids: Iterable[str]) -> None:
        """Keep these known papers' full metadata past `full_days` (scored, posted or looked up)."""
        papers.mark_keep(self._table(PAPERS), arxiv_ids)

    def paper_record(self, arxiv_id: str) -> PaperRecord | None:
        """What the store knows of a paper: dates always, metadata unless compacted."""
        doc = self._table(PAPERS).by_key(arxiv_id)
        return None if doc is None else layout.decode_paper(arxiv_id, doc)

    def get_paper(self, arxiv_id: str) -> Paper | None:
        """A paper's full metadata, if the store still holds it."""
        record = self.paper_record(arxiv_id)
        return None if record is None else record.paper

    @property
    def papers_generation(self) -> int:
        """A number that changes whenever the papers held change, for caches built on them."""
        return self._generation

    def _papers_changed(self) -> None:
        self._announced.clear()
        self._generation += 1

    def papers_announced(self, since: dt.date, until: dt.date | None = None) -> list[Paper]:
        """Papers with full metadata announced from `since` (to `until`), oldest date first."""
        key = (since, until)
        if key not in self._announced:
            self._announced[key] = papers.announced_between(self._table(PAPERS), since, until)
        return list(self._announced[key])

    def prune(self, now: dt.datetime) -> Pruned:
        """Drop papers and deliveries past retention, and compact papers past their full days."""
        today = self._file.observe(now)
        newest = papers.newest_announced(self._table(PAPERS))
        if newest is not None:  # a clock run ahead of arXiv's days must not age out real records
            today = min(today, newest + dt.timedelta(days=PRUNE_MARGIN_DAYS))
        self._papers_changed()
        removed, compacted = papers.prune(self._table(PAPERS), today=today,
                                          retention_days=self.retention_days,
                                          full_days=self.full_days)
        days = deliveries.prune(self._table(DELIVERIES),
                                before=today - dt.timedelta(days=self.retention_days - 1))
        self._delivery_days = None
        log.info("pruned %d papers, compacted %d, dropped %d delivery days",
                 removed, compacted, days)
        return Pruned(removed, compacted, days)

    # Deliveries

    def record_delivery(
        self, channel_id: int, profile_slug: str, digest_date: dt.date, arxiv_ids: Iterable[str],
        message_ids: Iterable[int], now: dt.datetime, *, complete: bool = False,
        covered_until: dt.date | None = None,
    ) -> None:
        """Record what was just posted, adding to that day's record (posted papers are kept).

        Pass `complete` once the day's whole digest is out; until then the day stays due.
        `covered_until` is the newest announcement date the digest drew from.
        """
        self._file.observe(now)
        ids, messages = list(arxiv_ids), list(message_ids)
        record = layout.encode_journal(layout.JournalEntry(
            channel_id, profile_slug, digest_date, ids, messages, int(now.timestamp()), complete,
            covered_until))
        try:  # durable before the next message goes out, without rewriting the whole file
            self._journal.append(record)
        except OSError as exc:
            self.unsaved_since = self.unsaved_since or now
            log.error("could not journal a delivery to channel %s (%s); it is kept in memory, "
                      "and written once the disk takes it", channel_id, exc)
        deliveries.record(self._table(DELIVERIES), channel_id, profile_slug, digest_date, ids,
                          messages, int(now.timestamp()), complete=complete,
                          covered_until=covered_until)
        if self._delivery_days is not None:
            self._delivery_days.setdefault(channel_id, set()).add(digest_date)
        papers.mark_keep(self._table(PAPERS), ids)

    def delivered_ids(self, channel_id: int, profile_slug: str | None = None, *,
                      today: dt.date) -> set[str]:
        """arXiv ids posted to a channel (for one profile, or any) on digest dates within
        retention of `today` (the caller's UTC date)."""
        found = deliveries.entries(self._table(DELIVERIES), channel_id, profile_slug,
                                   self._window(today, channel_id))
        return {i for records in found.values() for entry in records for i in layout.day_ids(entry)}

    def delivery(self, channel_id: int, profile_slug: str, digest_date: dt.date) -> Delivery | None:
        """What was posted to a channel for a profile and digest date, if anything."""
        if digest_date not in self._days_of(channel_id):
            return None
        return deliveries.delivery(self._table(DELIVERIES), channel_id, profile_slug, digest_date)

    def covered_until(self, channel_id: int, profile_slug: str, *,
                      today: dt.date) -> dt.date | None:
        """The newest announcement date that a complete digest of this channel and profile, on a
        digest date within retention of `today`, drew from."""
        for day in self._window(today, channel_id):
            found = self.delivery(channel_id, profile_slug, day)
            if found is not None and found.complete and found.covered_until is not None:
                return found.covered_until
        return None

    # Votes

    def voted_papers(self, key: SubscriptionKey) -> list[VotedPaper]:
        """The papers a subscription's channel voted on, the latest vote first."""
        doc = self._table(VOTES).by_key(layout.subscription_id(key)) or {}
        ordered = sorted(doc.items(), key=lambda item: (-layout.voted_at(item[1]), item[0]))
        return [layout.decode_voted(arxiv_id, record) for arxiv_id, record in ordered]

    def voted_paper(self, key: SubscriptionKey, arxiv_id: str) -> VotedPaper | None:
        """One paper's votes in a subscription's channel, if any."""
        doc = self._table(VOTES).by_key(layout.subscription_id(key)) or {}
        record = doc.get(arxiv_id)
        return None if record is None else layout.decode_voted(arxiv_id, record)

    def voted_count(self, key: SubscriptionKey) -> int:
        """How many papers a subscription's channel has votes on."""
        return len(self._table(VOTES).by_key(layout.subscription_id(key)) or {})

    def save_votes(self, key: SubscriptionKey, voted: VotedPaper, now: dt.datetime, *,
                   keep: int = MAX_VOTED_PAPERS) -> None:
        """Record a paper's votes in a subscription's channel; past `keep` papers, the one voted
        on longest ago is forgotten."""
        self._file.observe(now)
        doc_id = layout.subscription_id(key)
        table = self._table(VOTES)
        doc = dict(table.by_key(doc_id) or {})
        doc[voted.arxiv_id] = layout.encode_voted(voted, int(now.timestamp()))
        if len(doc) > keep:
            oldest = sorted(doc, key=lambda i: (layout.voted_at(doc[i]), i))[:len(doc) - keep]
            for arxiv_id in oldest:
                del doc[arxiv_id]
        table.put(doc_id, doc)

    def forget_votes(self, key: SubscriptionKey) -> int:
        """Forget every vote of a subscription's channel; how many papers had votes."""
        count = self.voted_count(key)
        self._table(VOTES).drop([layout.subscription_id(key)])
        return count

    # Feeds

    def feed_state(self, categories: Iterable[str]) -> FeedState | None:
        """What the last fetch of this category set saw."""
        doc = self._table(FEEDS).by_key(layout.feed_id(categories))
        return None if doc is None else layout.decode_feed(doc)

    def set_feed_state(self, categories: Iterable[str], state: FeedState) -> None:
        """Remember what a fetch of this category set saw."""
        self._file.observe(state.fetched_at)
        self._table(FEEDS).put(layout.feed_id(categories), layout.encode_feed(state))

    # Internals

    def _table(self, name: str) -> KeyedTable:
        return self._file.table(name)

    def _window(self, today: dt.date, channel_id: int) -> list[dt.date]:
        # Digest dates that can be on record, newest first: local dates run up to a day ahead of
        # the UTC date, of `today` or of the newest instant the store has recorded (a clock that
        # ran ahead and came back leaves digests dated ahead), and back over retention; of those,
        # the dates the channel has records for.
        top = max(today, utc_date(self._file.now)) + dt.timedelta(days=1)
        bottom = today - dt.timedelta(days=self.retention_days)
        held = self._days_of(channel_id)
        return sorted((d for d in held if bottom <= d <= top), reverse=True)

    def _days_of(self, channel_id: int) -> set[dt.date]:
        """The digest dates a channel has delivery records for. The index is built from the
        table's keys once (and again after pruning), so that asking about the dates of a
        channel's window costs a lookup per record it has, not one per date."""
        if self._delivery_days is None:
            index: dict[int, set[dt.date]] = {}
            for key in self._table(DELIVERIES).keys():
                channel, day = layout.split_delivery_id(key)
                index.setdefault(channel, set()).add(day)
            self._delivery_days = index
        return self._delivery_days.get(channel_id, set())

    def _edit(self, key: SubscriptionKey, **fields: Any) -> bool:
        return subscriptions.edit(self._table(SUBSCRIPTIONS), key, fields)


def _check_days(retention_days: int, full_days: int) -> None:
    if not 0 <= full_days <= retention_days or retention_days < 1:
        raise InvalidRecordError(
            f"need 0 <= full_days <= retention_days >= 1, got {full_days} and {retention_days}"
        )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
