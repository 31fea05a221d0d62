"""The bot's use cases, free of Discord: subscriptions, profiles, paper look-ups and previews.

Discord commands and scheduled jobs call these. Problems with a request are `UserError`s (the
core's one error type) whose text is shown to the user as it is.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from bot.arxiv_client import ArxivUnavailableError
from bot.library import LOOKUP_BATCH
from bot.sources import shipped_categories
from digest.arxiv_id import BadArxivIdError, parse_arxiv_id
from digest.catalog import find_profile
from digest.categories import DEFAULT_CATEGORIES
from digest.custom import (
    LibraryProfile,
    profile_from_keywords,
    profile_from_library,
    profile_from_papers,
)
from digest.errors import UserError
from digest.feed import FeedError, parse_api, select_papers
from digest.feedback import Feedback, Steering, apply_vote, feedback_from, voted_paper
from digest.library import decode_library, ids_to_look_up, merge_by_id, parse_library
from digest.models import (
    DEFAULT_TIMEZONE,
    CorpusPaper,
    Digest,
    Paper,
    Profile,
    ScoredPaper,
    Subscription,
)
from digest.naming import slug_of
from digest.rank import DayScores, RankIndex, build_index, score_day, score_paper
from digest.schedule import next_post_at
from digest.subscriptions import (
    Defaults,
    SubscribeRequest,
    apply_request,
    pending_since,
    receivable,
)
from digest.vectors import DaySpace, Similar, nearest
from storage import Store, SubscriptionKey

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
OnChange = Callable[[Subscription | None], None]
MAX_CUSTOM_PROFILES = 25
MAX_SLUG = 40  # characters of a server profile's slug
MAX_PROFILE_NAME = 60  # characters: a name is shown in headers and notes, which Discord caps
MAX_KEYWORDS = 40
MAX_PAPER_IDS = 50
MAX_LIBRARY_BYTES = 1024 * 1024  # an attached library file
MAX_LIBRARY_LOOKUPS = 200  # a library's entries that need their abstracts from arXiv
MAX_SUBSCRIPTIONS_PER_CHANNEL = 10
MAX_SUBSCRIPTIONS_PER_SERVER = 250


class PaperSource(Protocol):
    """Fetches API answers for arXiv ids (the arXiv client, or a fake in tests)."""

    async def fetch_papers(self, ids: Sequence[str]) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Upload:
    """A file someone attached: its name, its size as announced, and how to fetch its bytes
    (a `UserError` if they cannot be had)."""

    filename: str
    size: int
    read: Callable[[], Awaitable[bytes]]


class DigestService:
    """Subscriptions, profiles and look-ups over one store, one set of learned profiles."""

    def __init__(self, store: Store, profiles: Sequence[Profile], api: PaperSource,
                 clock: Clock, default_categories: Sequence[str] = DEFAULT_CATEGORIES,
                 known_categories: frozenset[str] | None = None) -> None:
        self.store = store
        self.known_categories = known_categories or shipped_categories()
        self.learned = list(profiles)
        self.api = api
        self.clock = clock
        self.default_categories = tuple(default_categories)
        self._index = build_index(self.learned)
        self._recent: dict[tuple[dt.date, int], _Recent] = {}
        self._scoring: dict[tuple[dt.date, int], asyncio.Future[_Recent]] = {}
        self._window: tuple[tuple[dt.date, int], DaySpace] | None = None
        # Told after every change to subscriptions (the saved one, or None for a removal), so
        # that the scheduler can add a slot; the composition root sets it.
        self.on_change: OnChange = lambda sub: None

    # -- profiles -------------------------------------------------------------------------

    def profiles_for(self, guild_id: int | None) -> list[Profile]:
        """The learned profiles, then the guild's own."""
        custom = self.store.custom_profiles(guild_id) if guild_id else []
        return [*self.learned, *custom]

    def profile(self, guild_id: int | None, slug: str) -> Profile:
        """One profile by slug, or an error naming the nearest slugs."""
        return find_profile(self.profiles_for(guild_id), slug)

    async def create_profile(self, guild_id: int, name: str, spec: str) -> Profile:
        """A guild-custom profile from comma-separated keywords or arXiv ids."""
        slug = self._new_slug(guild_id, name)
        items = [s.strip() for s in spec.split(",") if s.strip()]
        if not items:
            raise UserError("Give at least one keyword or arXiv id, separated by commas.")
        ids = _ids_or_none(items)
        if ids is None and len(items) > MAX_KEYWORDS:
            raise UserError(f"Give at most {MAX_KEYWORDS} keywords (you gave {len(items)}).")
        if ids is not None and len(ids) > MAX_PAPER_IDS:
            raise UserError(f"Give at most {MAX_PAPER_IDS} arXiv ids (you gave {len(ids)}).")
        if ids is not None:
            papers = await self.lookup_many(ids)
            profile = profile_from_papers(slug, name, papers, guild_id)
        else:
            profile = profile_from_keywords(slug, name, items, guild_id)
        return self._save_new(guild_id, name, profile)

    async def create_profile_from_file(self, guild_id: int, name: str, upload: Upload) -> LibraryProfile:
        """A guild-custom profile from a library file (BibTeX, Zotero CSV, arXiv ids, a listing):
        abstracts its entries lack are looked up on arXiv; parsing and learning run in threads."""
        slug = self._new_slug(guild_id, name)
        data = await _download(upload)
        entries, wanted = await asyncio.to_thread(_read_library, data, upload.filename)
        if len(wanted) > MAX_LIBRARY_LOOKUPS:
            raise UserError(f"{upload.filename}: {len(wanted)} entries have an arXiv id but no "
                            f"abstract; the bot looks up at most {MAX_LIBRARY_LOOKUPS} on arXiv. "
                            "Export the abstracts too, or split the file.")
        found = {p.arxiv_id: p for p in await self._fetch_papers(wanted)} if wanted else {}
        made = await asyncio.to_thread(profile_from_library, slug, name, upload.filename, entries,
                                       found, guild_id)
        self._save_new(guild_id, name, made.profile)
        return made

    def _new_slug(self, guild_id: int, name: str) -> str:
        """The slug a new profile of this name would take in the server; a UserError if the name
        or the server's room for profiles rules it out."""
        slug = slug_of(name)[:MAX_SLUG]
        if not slug:
            raise UserError("Give the profile a name with letters or digits in it.")
        if len(name.strip()) > MAX_PROFILE_NAME:
            raise UserError(f"Keep the profile's name to {MAX_PROFILE_NAME} characters.")
        if any(p.slug == slug for p in self.learned):
            raise UserError(f"'{slug}' is a built-in profile; choose another name.")
        custom = self.store.custom_profiles(guild_id)
        if any(p.slug == slug for p in custom):
            raise UserError(f"This server already has a profile '{slug}'; delete it with "
                            f"/server-profile delete {slug} first, or choose another name.")
        if len(custom) >= MAX_CUSTOM_PROFILES:
            raise UserError(f"This server already has {MAX_CUSTOM_PROFILES} custom profiles.")
        return slug

    def _save_new(self, guild_id: int, name: str, profile: Profile) -> Profile:
        """Keep a new profile, checking its name again: another one may have taken it while
        this one's papers were being fetched."""
        self._new_slug(guild_id, name)
        self.store.save_profile(profile)
        self.store.flush()
        return profile

    def delete_profile(self, guild_id: int, slug: str) -> None:
        """Remove a guild-custom profile; subscriptions to it are removed too."""
        if not self.store.delete_profile(guild_id, slug):
            raise UserError(f"This server has no custom profile '{slug}'.")
        for sub in self.store.subscriptions(guild_id=guild_id):
            if sub.profile_slug == slug:
                self.store.unsubscribe(sub.guild_id, sub.channel_id, slug)
        self.store.flush()
        self.on_change(None)

    # -- subscriptions --------------------------------------------------------------------

    def subscribe(self, req: SubscribeRequest) -> tuple[Subscription, bool, dt.datetime]:
        """Create or update a channel's subscription; returns it, whether new, and its next post.
        Reads the channel's record and the server's subscriptions once each."""
        profile = self.profile(req.guild_id, req.profile)
        current = self.store.get_subscription(req.guild_id, req.channel_id, profile.slug)
        in_server = self.store.subscriptions(guild_id=req.guild_id)
        if current is None:
            _check_room(in_server, req.channel_id)
        defaults = Defaults(self.default_categories, _server_zone(in_server), self.known_categories)
        now = self.clock()
        sub = apply_request(current, req, profile.slug, defaults, now)
        self.store.subscribe(sub)
        self.store.flush()
        self.on_change(sub)
        return sub, current is None, next_post_at(sub, now)

    def unsubscribe(self, guild_id: int, channel_id: int, slug: str) -> None:
        """Stop a channel's subscription to a profile."""
        if not self.store.unsubscribe(guild_id, channel_id, slug):
            raise UserError(f"This channel is not subscribed to '{slug}'.")
        self.store.flush()
        self.on_change(None)

    def subscriptions(self, guild_id: int, channel_id: int | None) -> list[Subscription]:
        """A channel's subscriptions, or the whole guild's."""
        return self.store.subscriptions(guild_id=guild_id, channel_id=channel_id)

    # -- papers ---------------------------------------------------------------------------

    def cached_paper(self, text: str) -> Paper | None:
        """A paper the bot has already seen, without asking arXiv (a read: nothing changes)."""
        arxiv_id, _ = parse_arxiv_id(text)
        return self.store.get_paper(arxiv_id)

    async def lookup_paper(self, text: str) -> Paper:
        """A paper by id or URL for someone who asked for it: from the store if seen (and kept
        in full from now on, since someone wanted it), else from the arXiv API."""
        arxiv_id, _ = parse_arxiv_id(text)
        cached = self.store.get_paper(arxiv_id)
        if cached is not None:
            self.store.mark_keep([arxiv_id])
            return cached
        [paper] = await self.lookup_many([arxiv_id])
        return paper

    async def lookup_many(self, ids: Sequence[str]) -> list[Paper]:
        """Papers from the arXiv API, remembered for later; unknown ids are a UserError."""
        papers = await self._fetch_papers(ids)
        found = {p.arxiv_id for p in papers}
        missing = [i for i in ids if i not in found]
        if missing:
            raise UserError(f"arXiv has no paper {', '.join(missing)}.")
        now = self.clock()
        # A paper a feed already brought keeps the feed's record (its announce type and date
        # decide which digests it belongs to); a look-up only marks it worth keeping.
        records = {p.arxiv_id: self.store.paper_record(p.arxiv_id) for p in papers}
        held = [i for i, r in records.items() if r is not None and r.paper is not None]
        for paper in papers:
            record = records[paper.arxiv_id]
            if record is None or record.paper is None:
                self.store.remember_papers([paper], now=now, keep_full=[paper.arxiv_id],
                                           announced=record.announced if record else now.date())
        self.store.mark_keep(held)
        self.store.flush()
        return papers

    async def _fetch_papers(self, ids: Sequence[str]) -> list[Paper]:
        """The papers arXiv's API knows among the ids, asked for `LOOKUP_BATCH` at a time (and
        parsed in a thread); an outage or an unreadable answer is a UserError."""
        papers: list[Paper] = []
        for start in range(0, len(ids), LOOKUP_BATCH):
            batch = list(ids[start : start + LOOKUP_BATCH])
            try:
                body = await self.api.fetch_papers(batch)
                papers += await asyncio.to_thread(parse_api, body)
            except ArxivUnavailableError:
                raise UserError("The arXiv API is not answering right now; try again in a few "
                                "minutes.") from None
            except BadArxivIdError as exc:
                raise UserError(f"arXiv rejected the id: {exc}") from None
            except FeedError:
                log.warning("the arXiv API answered %s with something unreadable", ",".join(batch))
                raise UserError("The arXiv API answered with something that is not a list of "
                                "papers; try again in a few minutes.") from None
        return papers

    def channel_scores(self, paper: Paper, guild_id: int | None, channel_id: int | None) -> list[ScoredPaper]:
        """The paper's score against each profile this channel subscribes to, best first."""
        subs = self.store.subscriptions(guild_id=guild_id, channel_id=channel_id) if guild_id else []
        profiles = self.profiles_for(guild_id)
        by_slug = {p.slug: p for p in profiles}
        scored = [score_paper(by_slug[s.profile_slug], paper) for s in subs if s.profile_slug in by_slug]
        return sorted(scored, key=lambda s: (-s.score, s.profile_slug))

    # -- votes ----------------------------------------------------------------------------

    def vote(self, guild_id: int, channel_id: int, slug: str, arxiv_id: str, member_id: int,
             vote: int) -> VoteOutcome:
        """A member's vote on a paper of this channel's digest of a profile (one vote a member,
        a new one replacing the old), kept for the subscription to learn from."""
        sub = self.store.get_subscription(guild_id, channel_id, slug)
        if sub is None:
            raise UserError(f"This channel no longer follows '{slug}' here, so its digest takes "
                            "no votes; /subscribe to follow it again.")
        known = self.store.voted_paper(sub.key, arxiv_id)
        if known is None:
            paper = self.store.get_paper(arxiv_id)
            if paper is None:
                raise UserError(f"arXiv:{arxiv_id} is older than the {self.store.retention_days} "
                                "days this bot keeps papers, so it can no longer take votes; "
                                "vote on a recent digest.")
            known = voted_paper(paper, {})
        before = dict(known.votes)
        votes = apply_vote(before, member_id, vote)
        if votes != before:  # written by `save_votes` once the click is answered
            self.store.save_votes(sub.key, replace(known, votes=votes), self.clock())
        return VoteOutcome(vote, before.get(member_id), sum(v > 0 for v in votes.values()),
                           sum(v < 0 for v in votes.values()), self.store.voted_count(sub.key))

    def save_votes(self) -> None:
        """Write counted votes to the state file. A click is answered first: with many channels
        the write takes a while, and Discord gives a click 3 s. A failed write (a full disk) is
        logged; the votes stay in memory and go out with the next write."""
        try:
            self.store.flush()
        except OSError as exc:
            log.error("could not save votes to %s: %s; they are kept in memory and saved with "
                      "the next write", self.store.path, exc)

    def votes_learned(self, sub: Subscription) -> int:
        """How many papers a subscription has votes on (what its ranking learns from)."""
        return self.store.voted_count(sub.key)

    def reset_feedback(self, guild_id: int, channel_id: int, slug: str) -> int:
        """Forget a subscription's votes; how many papers had them."""
        if self.store.get_subscription(guild_id, channel_id, slug) is None:
            raise UserError(f"This channel is not subscribed to '{slug}'.")
        count = self.store.forget_votes((guild_id, channel_id, slug))
        self.store.flush()
        return count

    def more_like(self, paper: Paper, now: dt.datetime, limit: int = 5) -> list[Similar]:
        """The recent papers (those still held in full) closest to a paper, with shared terms.
        Pure work: run it off the event loop."""
        since = now.date() - dt.timedelta(days=self.store.full_days + 4)
        key = (since, self.store.papers_generation)
        window = self._window
        if window is None or window[0] != key:  # one term space per window, made when asked
            window = self._window = (key, DaySpace(self.store.papers_announced(since)))
        return nearest(window[1], paper, limit=limit)

    # -- digests --------------------------------------------------------------------------

    def pending_digest(self, sub: Subscription, now: dt.datetime,
                       keep_ids: frozenset[str] = frozenset()) -> Digest:
        """What the subscription's next digest holds: papers from batches not yet digested here.

        `keep_ids` (papers already sent as part of this same digest) stay in, so that a digest
        resumed after a restart keeps its original entries and posts only the rest. Scores the
        papers on the spot if `prepare` has not; the bot prepares first, off the event loop.
        """
        profile = self.profile(sub.guild_id, sub.profile_slug)
        since = self._since(sub, now)
        key = (since, self.store.papers_generation)
        recent = self._recent.get(key) or self._keep(key, self._score_since(since))
        delivered = frozenset(self.store.delivered_ids(sub.channel_id, today=now.date())) - keep_ids
        view = recent.view(sub)
        voted = self.store.voted_papers(sub.key)
        steer = recent.steering(sub.key, feedback_from(voted)) if voted else None
        return recent.day.digest(profile, sub.options, exclude_ids=delivered | view.left_out,
                                 announced=view.announced, adjust=steer)

    async def prepare(self, subs: Iterable[Subscription], now: dt.datetime) -> None:
        """Score, in a worker thread, the papers these subscriptions' next digests choose from,
        so that `pending_digest` finds them ready and the event loop stays free for commands.
        Each distinct coverage date is scored once, however many callers ask at a time; for the
        subscriptions with votes, the batch's term space and their steering are made in the
        worker thread too."""
        by_since: dict[dt.date, list[Subscription]] = {}
        for sub in subs:
            by_since.setdefault(self._since(sub, now), []).append(sub)
        for since in sorted(by_since):
            key = (since, self.store.papers_generation)
            recent = self._recent.get(key)
            if recent is None:
                task = self._scoring.get(key)
                if task is None:
                    papers, preferred = self._papers_since(since)
                    task = self._scoring[key] = asyncio.ensure_future(
                        asyncio.to_thread(_Recent.scored, self._index, papers, preferred))
                try:
                    recent = await asyncio.shield(task)
                finally:
                    if task.done():
                        self._scoring.pop(key, None)
                if key not in self._recent:
                    self._keep(key, recent)
            voters = [(sub.key, feedback_from(self.store.voted_papers(sub.key)))
                      for sub in by_since[since] if self.store.voted_count(sub.key)]
            if voters:
                await asyncio.to_thread(recent.steer_all, voters)

    def _since(self, sub: Subscription, now: dt.datetime) -> dt.date:
        return pending_since(self.store.covered_until(sub.channel_id, sub.profile_slug,
                                                    today=now.date()), now)

    def _keep(self, key: tuple[dt.date, int], recent: _Recent) -> _Recent:
        if len(self._recent) >= 8:  # a handful of dates are in play on any one day
            self._recent.clear()
        self._recent[key] = recent
        return recent

    def _papers_since(self, since: dt.date) -> tuple[list[Paper], Sequence[Paper]]:
        papers = [p for p in self.store.papers_announced(since) if p.announce_type != "unknown"]
        return papers, select_papers(papers, include_cross=True, include_replacements=True)

    def _score_since(self, since: dt.date) -> _Recent:
        """The papers announced since a date, scored once against every learned profile."""
        return _Recent.scored(self._index, *self._papers_since(since))


@dataclass(frozen=True, slots=True)
class VoteOutcome:
    """A vote as counted: the member's vote and the one it replaced, the paper's tallies, and
    how many papers the subscription now has votes on."""

    vote: int
    previous: int | None
    likes: int
    dislikes: int
    papers_voted: int


@dataclass(slots=True)
class _View:
    """What one kind of subscription (categories, cross-lists, replacements) may be sent."""

    left_out: frozenset[str]  # ids of the scored papers it may not be sent
    announced: dt.date | None


@dataclass(slots=True)
class _Recent:
    """Recent papers, their scores against the learned profiles, and per-kind views of them."""

    papers: list[Paper]
    day: DayScores
    views: dict[tuple[tuple[str, ...], bool, bool], _View] = field(default_factory=dict)
    _space: DaySpace | None = None
    _steering: dict[SubscriptionKey, tuple[Feedback, Steering]] = field(default_factory=dict)

    def space(self) -> DaySpace:
        """The scored papers' term space, for votes to steer by (made once, when first asked)."""
        if self._space is None:
            self._space = DaySpace(self.day.papers)
        return self._space

    def steering(self, key: SubscriptionKey, feedback: Feedback) -> Steering:
        """A subscription's steering over these papers, made once for the feedback it has."""
        made = self._steering.get(key)
        if made is None or made[0] != feedback:
            made = self._steering[key] = (feedback, Steering(feedback, self.space()))
        return made[1]

    def steer_all(self, voters: Iterable[tuple[SubscriptionKey, Feedback]]) -> None:
        """Make the steering of these subscriptions ahead of their digests (pure work: run it
        off the event loop)."""
        for key, feedback in voters:
            self.steering(key, feedback)

    @staticmethod
    def scored(index: RankIndex, papers: list[Paper], preferred: Sequence[Paper]) -> _Recent:
        """Score the preferred version of each paper (pure: safe in a worker thread)."""
        return _Recent(papers, score_day(index, preferred))

    def view(self, sub: Subscription) -> _View:
        key = (sub.categories, sub.include_cross, sub.include_replacements)
        found = self.views.get(key)
        if found is None:
            allowed = receivable(self.papers, sub.categories, sub.options)
            left_out = self.day.ids - {p.arxiv_id for p in allowed.papers}
            found = self.views[key] = _View(left_out, allowed.announced)
        return found


async def _download(upload: Upload) -> bytes:
    """An attached library file's bytes, refused over `MAX_LIBRARY_BYTES` before it is fetched."""
    _check_size(upload.filename, upload.size)
    data = await upload.read()
    _check_size(upload.filename, len(data))  # in case it was announced smaller than it is
    return data


def _check_size(filename: str, size: int) -> None:
    if size > MAX_LIBRARY_BYTES:
        raise UserError(f"{filename} is {size:,} bytes; the bot reads library files of at most "
                        f"{MAX_LIBRARY_BYTES:,} bytes (1 MB). Attach a smaller file, or split it.")


def _read_library(data: bytes, source: str) -> tuple[list[CorpusPaper], list[str]]:
    """A library file's entries, merged by arXiv id, and the ids whose abstracts are missing."""
    entries = merge_by_id(parse_library(decode_library(data, source), source).entries)
    return entries, ids_to_look_up(entries)


def _ids_or_none(items: Sequence[str]) -> list[str] | None:
    ids = []
    for item in items:
        try:
            ids.append(parse_arxiv_id(item)[0])
        except BadArxivIdError:
            return None
    return ids


def _check_room(in_server: Sequence[Subscription], channel_id: int) -> None:
    """A new subscription must fit under the per-channel and per-server caps."""
    if sum(s.channel_id == channel_id for s in in_server) >= MAX_SUBSCRIPTIONS_PER_CHANNEL:
        raise UserError(f"This channel already follows {MAX_SUBSCRIPTIONS_PER_CHANNEL} "
                        "profiles, the most one channel may; /unsubscribe one first.")
    if len(in_server) >= MAX_SUBSCRIPTIONS_PER_SERVER:
        raise UserError(f"This server already has {MAX_SUBSCRIPTIONS_PER_SERVER} "
                        "subscriptions, the most one server may; /unsubscribe some first.")


def _server_zone(in_server: Sequence[Subscription]) -> str:
    """The zone a server chose last (its newest subscription's), so a new channel's digest
    follows the server's clock unless told otherwise; UTC for a server's first."""
    dated = [(s.subscribed_at, s.timezone) for s in in_server if s.subscribed_at is not None]
    return max(dated)[1] if dated else DEFAULT_TIMEZONE
