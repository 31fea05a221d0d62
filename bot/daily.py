"""The daily cycle: poll arXiv for new batches, then post each subscription's digest.

Sending is injected (`Sender`), so the cycle runs the same against Discord, the fake Discord
of the tests, or a function that collects messages. One channel's failure never stops the others.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import gc
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from bot.arxiv_client import ArxivUnavailableError, FeedResponse
from bot.service import Clock, DigestService
from digest.embeds import Embed, VoteButtons, nothing_today, plan_messages
from digest.errors import UserError
from digest.feed import BadCategoryError, FeedError, parse_feed
from digest.models import FeedBatch, Subscription
from digest.schedule import latest_post_at, local_date
from digest.subscriptions import due, owed_date
from storage import FeedState, Store

log = logging.getLogger(__name__)

ARXIV_ZONE = "America/New_York"  # arXiv's announcement day, and the nightly poll window, run on it
MAX_ITEMS_PER_REQUEST = 2000
RETRY_FIRST = dt.timedelta(minutes=5)  # then 10, 20, 40, ... within the grace window
FAILURE_LIMIT = 3
CONCURRENT_CHANNELS = 16  # channels served at once in a slot
# Deliveries are durable in the journal as they happen; the state file folds them in this often
# (and at the end of each slot), so a long slot does not rewrite the whole file every second.
FLUSH_INTERVAL_S = 60.0


class SendError(Exception):
    """A message could not be posted; `permanent` failures count towards disabling."""

    permanent = False


class ChannelGone(SendError):
    """The channel no longer exists (HTTP 404)."""

    permanent = True


class MissingAccess(SendError):
    """The bot may not post in the channel (HTTP 403)."""

    permanent = True


# (channel id, content, embeds, nonce, vote buttons) -> the message's id
Sender = Callable[[int, str, Sequence[Embed], str, VoteButtons | None], Awaitable[int]]


def message_nonce(channel_id: int, profile_slug: str, day: dt.date, number: int) -> str:
    """The nonce of a digest's n-th message (Discord allows 25 characters): the same message
    sent again after a crash carries the same nonce, and Discord answers with the first one."""
    key = f"{channel_id}:{profile_slug}:{day.isoformat()}:{number}".encode()
    return hashlib.sha256(key).hexdigest()[:25]


class FeedFetcher(Protocol):
    """The part of the arXiv client the poller uses."""

    async def fetch_feed(self, categories: Sequence[str], etag: str | None = None,
                         last_modified: str | None = None) -> FeedResponse: ...


PollStatus = Literal["new", "stale", "empty", "not-modified", "failed"]


@dataclass(frozen=True, slots=True)
class PollResult:
    """What one feed request brought."""

    categories: tuple[str, ...]
    status: PollStatus
    papers: int = 0
    detail: str = ""
    bad_category: str = ""  # the one arXiv named when it refused the request


@dataclass(frozen=True, slots=True)
class PostResult:
    """What one subscription's digest run did."""

    key: tuple[int, int, str]
    messages: int
    papers: int
    error: str = ""


class DailyCycle:
    """Polls feeds into the store and posts digests from it."""

    def __init__(self, service: DigestService, fetcher: FeedFetcher, sender: Sender, clock: Clock,
                 *, grace: dt.timedelta = dt.timedelta(hours=6),
                 flush_interval_s: float = FLUSH_INTERVAL_S, concurrency: int = CONCURRENT_CHANNELS,
                 max_items_per_request: int = MAX_ITEMS_PER_REQUEST) -> None:
        self.service = service
        self.store: Store = service.store
        self.fetcher = fetcher
        self.sender = sender
        self.clock = clock
        self.grace = grace
        self.flush_interval_s = flush_interval_s
        self.concurrency = max(1, concurrency)
        self.max_items_per_request = max_items_per_request
        self._lock = asyncio.Lock()
        self._oversized: set[tuple[str, ...]] = set()  # groups whose feed reached the item limit
        self._new_on: dict[tuple[str, ...], dt.date] = {}  # group -> arXiv day of its last new batch
        self._refused: set[str] = set()  # categories arXiv said it does not have
        self._retries: dict[tuple[int, int, str], tuple[int, dt.datetime]] = {}  # key -> (tries, when)

    # -- polling --------------------------------------------------------------------------

    def category_groups(self) -> list[tuple[str, ...]]:
        """The category sets to request: the union of what enabled subscriptions need."""
        cats: set[str] = set()
        for sub in self.store.subscriptions(enabled_only=True):
            cats.update(sub.categories or self.service.default_categories)
        cats -= self._refused  # one server's bad category must not cost the others their feed
        return [tuple(sorted(cats))] if cats else []

    async def poll(self, *, until_new: bool = False) -> list[PollResult]:
        """Fetch every needed feed once; new batches are remembered, stale and empty ones not.

        With `until_new` (the night's scheduled polls), a feed that already brought a new batch
        on this arXiv (US Eastern) day is not asked again.
        """
        day = self.clock().astimezone(ZoneInfo(ARXIV_ZONE)).date()
        results: list[PollResult] = []
        pending = self.category_groups()
        async with self._lock:
            while pending:
                group = pending.pop(0)
                if group in self._oversized:
                    pending[:0] = _halves(group)
                    continue
                if until_new and self._new_on.get(group) == day:
                    continue
                result, batch = await self._poll_group(group)
                if result.bad_category:
                    results.append(result)
                    pending[:0] = self._without_refused(group, result)
                    continue
                too_big = batch is not None and len(batch.papers) >= self.max_items_per_request
                if too_big and len(group) > 1:
                    # Remembered, so that a later 304 for the whole group cannot hide its halves.
                    self._oversized.add(group)
                    pending[:0] = _halves(group)
                    continue
                if result.status == "new":
                    self._new_on[group] = day
                results.append(result)
            if any(r.status == "new" for r in results):
                self.store.prune(self.clock())  # retention runs once per new batch
            self._flush()
        for r in results:
            log.info("poll %s: %s %s", "+".join(r.categories), r.status, r.detail or r.papers)
        if any(r.status == "new" for r in results):
            await self._score_ahead()
        return results

    async def _score_ahead(self) -> None:
        """Score a new batch for the coming digests now, in a worker thread, so that each slot
        starts posting at its time instead of after a day's scoring."""
        started = time.process_time()
        try:
            await self.service.prepare(self.store.subscriptions(enabled_only=True), self.clock())
        except Exception:  # the slots score for themselves then
            log.exception("could not score the new batch ahead of the slots")
            return
        log.info("scored the new batch for the coming digests (%.1f s CPU)", time.process_time() - started)

    async def _poll_group(self, group: tuple[str, ...]) -> tuple[PollResult, FeedBatch | None]:
        state = self.store.feed_state(group)
        try:
            response = await self.fetcher.fetch_feed(
                group, state.etag if state else None, state.last_modified if state else None)
            if response.not_modified or response.body is None:
                return PollResult(group, "not-modified"), None
            batch = await asyncio.to_thread(parse_feed, response.body)
        except BadCategoryError as exc:
            log.warning("feed %s refused: %s", "+".join(group), exc)
            return PollResult(group, "failed", detail=str(exc), bad_category=exc.category), None
        except (ArxivUnavailableError, FeedError) as exc:
            log.warning("feed %s failed: %s", "+".join(group), exc)
            return PollResult(group, "failed", detail=str(exc)), None
        for line in batch.skipped:
            log.warning("feed %s: skipped %s", "+".join(group), line)
        now = self.clock()
        if batch.empty:
            status: PollStatus = "empty"
        elif state is not None and state.fingerprint == batch.fingerprint:
            status = "stale"
        else:
            status = "new"
            self.store.remember_papers(batch.papers, announced=batch.announced or now.date(), now=now)
        self.store.set_feed_state(group, FeedState(
            etag=response.etag, last_modified=response.last_modified,
            fingerprint=batch.fingerprint if not batch.empty else (state.fingerprint if state else ""),
            fetched_at=now, announced=batch.announced))
        return PollResult(group, status, len(batch.papers)), batch

    def _without_refused(self, group: tuple[str, ...], result: PollResult
                         ) -> list[tuple[str, ...]]:
        """What to ask for instead of a group arXiv refused: the group less the category it
        named, or, if it named none of the group's, the group's two halves (so the bad one is
        found by bisection); the rest are served either way."""
        bad = result.bad_category
        if bad in group or len(group) == 1:
            self._refused.update([bad] if bad in group else group)
            log.warning("arXiv has no category %r; polling %s without it", bad, "+".join(group))
            rest = tuple(c for c in group if c != bad and c not in self._refused)
            return [rest] if rest else []
        return _halves(group)

    # -- posting --------------------------------------------------------------------------

    async def post_due(self, subs: Iterable[Subscription] | None = None) -> list[PostResult]:
        """Post the digest of every due subscription (or of the given ones), then flush.

        Channels are served `concurrency` at a time, each channel's subscriptions one after the
        other, so that a slot is paced by Discord's rate limits rather than by the round trip of
        each message. Results come back in the order of the subscriptions given.
        """
        now = self.clock()
        chosen = list(subs) if subs is not None else self.due(now)
        by_channel: dict[int, list[tuple[int, Subscription]]] = {}
        for index, sub in enumerate(chosen):
            by_channel.setdefault(sub.channel_id, []).append((index, sub))
        results: dict[int, PostResult] = {}
        async with self._lock:
            try:
                await self.service.prepare(chosen, now)  # scored off the event loop
            except Exception:  # each digest then scores on its own
                log.exception("could not score the papers ahead of the slot")
            channels = iter(by_channel.values())
            last_flush = time.monotonic()

            async def serve() -> None:
                nonlocal last_flush
                for group in channels:  # shared: each worker takes the next channel
                    for index, sub in group:
                        results[index] = await self._post_one(sub, now)
                    if (time.monotonic() - last_flush >= self.flush_interval_s
                            and (self.store.save_is_due() or self.store.unsaved_since)):
                        last_flush = time.monotonic()
                        self._flush()

            # What exists now (the state, the scored papers) outlives the slot: keep the collector
            # from walking it again and again while the slot makes its short-lived messages. With
            # 50,000 channels each full collection would stall the loop for hundreds of ms, and
            # requests held up by a stall reach Discord bunched together.
            gc.freeze()
            try:
                await asyncio.gather(*(serve() for _ in range(min(self.concurrency, len(by_channel)))))
            finally:
                gc.unfreeze()
                self._flush()
        return [results[i] for i in sorted(results)]

    def _flush(self) -> bool:
        """Write the state; a failure (a full disk) is logged plainly and the bot carries on from
        memory: every later flush tries again, and what was sent is never sent twice meanwhile."""
        try:
            self.store.flush()
        except OSError as exc:
            self.store.unsaved_since = self.store.unsaved_since or self.clock()
            log.error("could not save the state file %s: %s. The bot keeps serving from memory "
                      "and will save again; free space there (or fix its permissions).",
                      self.store.path, exc)
            return False
        return True

    def due(self, now: dt.datetime) -> list[Subscription]:
        """The enabled subscriptions owed a digest at `now` (the core decides, from the store's
        record of which digests were completed)."""
        found = []
        for sub in self.store.subscriptions(enabled_only=True):
            completed = functools.partial(self.store.completed, sub.channel_id, sub.profile_slug)
            try:
                if due(sub, now, self.grace, completed) is not None:
                    found.append(sub)
            except UserError as exc:  # a record saved before its rule existed: skip, say why
                log.warning("subscription %s skipped: %s", sub.key, exc)
        return found

    async def catch_up(self) -> list[PostResult]:
        """On start: post digests missed while the bot was down, if still within the grace window."""
        now = self.clock()
        owed = []
        for sub in self.store.subscriptions(enabled_only=True):
            if owed_date(sub, now, self.grace) is None:
                log.info("no catch-up for %s: last post time %s is past the grace window",
                         sub.key, latest_post_at(sub, now).isoformat())
            else:
                owed.append(sub)
        return await self.post_due(owed) if owed else []

    async def _post_one(self, sub: Subscription, now: dt.datetime) -> PostResult:
        day = local_date(sub, latest_post_at(sub, now))
        record = self.store.delivery(sub.channel_id, sub.profile_slug, day)
        if record is not None and record.complete:
            return PostResult(sub.key, 0, 0, "already posted")
        try:
            return await self._send_digest(sub, now, day, frozenset(record.arxiv_ids if record else ()),
                                           len(record.message_ids) if record else 0)
        except SendError as exc:
            return self._failed(sub, exc)
        except Exception as exc:  # one channel's failure never stops the others
            log.exception("digest for %s failed", sub.key)
            return PostResult(sub.key, 0, 0, f"{type(exc).__name__}: {exc}")

    async def _send_digest(self, sub: Subscription, now: dt.datetime, day: dt.date,
                           sent_today: frozenset[str], sent_messages: int) -> PostResult:
        digest = self.service.pending_digest(sub, now, keep_ids=sent_today)
        self.store.mark_keep([e.paper.arxiv_id for e in digest.entries])
        plans = plan_messages(digest, sent_today)
        if not digest.entries and digest.considered and sub.nothing_today_note and not sent_today:
            nonce = message_nonce(sub.channel_id, sub.profile_slug, day, sent_messages)
            message_id = await self.sender(sub.channel_id, nothing_today(digest), (), nonce, None)
            self.store.record_delivery(sub.channel_id, sub.profile_slug, day, [], [message_id], now)
        messages = papers = 0
        for number, plan in enumerate(plans, start=sent_messages):
            nonce = message_nonce(sub.channel_id, sub.profile_slug, day, number)
            message_id = await self.sender(sub.channel_id, plan.content, plan.embeds, nonce,
                                           plan.votes)
            self.store.record_delivery(sub.channel_id, sub.profile_slug, day, plan.arxiv_ids,
                                       [message_id], now)
            messages, papers = messages + 1, papers + len(plan.arxiv_ids)
        self.store.record_delivery(sub.channel_id, sub.profile_slug, day, [], [], now, complete=True,
                                   covered_until=digest.announced)
        self.store.clear_failures(sub.key)
        self._retries.pop(sub.key, None)
        return PostResult(sub.key, messages, papers)

    def _failed(self, sub: Subscription, exc: SendError) -> PostResult:
        reason = str(exc) or type(exc).__name__
        if exc.permanent:
            count = self.store.record_failure(sub.key, reason)
            if count >= FAILURE_LIMIT:
                self.store.disable(sub.key, reason)
                log.warning("disabled %s after %d failures: %s", sub.key, count, reason)
        else:
            tries = self._retries.get(sub.key, (0, self.clock()))[0] + 1
            when = self.clock() + RETRY_FIRST * 2 ** (tries - 1)
            self._retries[sub.key] = (tries, when)
            log.warning("could not post to channel %s (try %d): %s; trying again at %s",
                        sub.channel_id, tries, reason, when.isoformat(timespec="minutes"))
            return PostResult(sub.key, 0, 0, reason)
        log.warning("could not post to channel %s: %s", sub.channel_id, reason)
        return PostResult(sub.key, 0, 0, reason)

    def failing(self) -> dict[tuple[int, int, str], int]:
        """Subscriptions whose digest is waiting to be tried again, with the tries so far."""
        return {key: tries for key, (tries, _) in self._retries.items()}

    async def retry_failed(self) -> list[PostResult]:
        """Try again the digests that failed for a passing reason (a 5xx, a long rate limit, a
        dropped connection) once their backoff has passed, while still within the grace window;
        what was already sent is not sent again."""
        now = self.clock()
        ready = {key for key, (_, when) in self._retries.items() if when <= now}
        if not ready:
            return []
        subs = [s for s in self.store.subscriptions(enabled_only=True) if s.key in ready]
        for key in ready - {s.key for s in subs}:
            del self._retries[key]
        owed = [s for s in subs if owed_date(s, now, self.grace) is not None]
        for sub in subs:
            if sub not in owed:
                log.warning("gave up on today's digest for %s: past the grace window", sub.key)
                del self._retries[sub.key]
        results = await self.post_due(owed) if owed else []
        for result in results:
            if not result.error or result.error == "already posted":
                self._retries.pop(result.key, None)
        return results


def _halves(group: tuple[str, ...]) -> list[tuple[str, ...]]:
    half = len(group) // 2
    return [group[:half], group[half:]]
