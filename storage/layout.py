"""The state file's document layout: the only code that knows its keys, turning documents into domain
values and back (and building the queries over them).

The file is one TinyDB JSON object of tables; document ids are natural keys (strings), so a lookup
by key is a dict access and never a scan. Dates are ISO strings, instants ISO 8601 with offset.

    meta           "schema"               {"version": 3}
    subscriptions  "<guild>:<channel>:<slug>"
                   {"guild", "channel", "profile", "time": "HH:MM", "tz", "categories": [...],
                    "min_score", "max_papers", "cross", "replacements", "note", "by", "at",
                    "enabled", "reason", "failures", "last_failure"}
    profiles       "<guild>:<slug>"
                   {"guild", "slug", "name", "terms": [[key, text, weight], ...],
                    "exemplars": [[title, arxiv_id|null], ...], "size", "scale"}
    papers         "<arxiv_id>"
                   full:     {"t": title, "b": abstract, "au": [...], "c": [...], "v": version,
                              "y": announce type, "p": published, "u": updated, "m": comment,
                              "s": first seen, "a": announced, "k": 1 if worth keeping}
                   id only:  {"s": first seen, "a": announced}
    deliveries     "<channel>:<digest date>"
                   {"<slug>": {"i": [arxiv ids], "m": [message ids], "t": unix time of last post,
                               "c": 1 once the whole digest is posted,
                               "w": newest announce date the digest drew from}}
    feeds          "<cat>+<cat>" (sorted) {"etag", "modified", "fingerprint", "fetched",
                                           "announced"}
    votes          "<guild>:<channel>:<slug>" (the subscription's id)
                   {"<arxiv id>": {"u": {"<member>": 1 | -1}, "n": title, "b": abstract,
                                   "t": unix time of the last vote}}

The two big tables (papers, deliveries) use one-letter keys and leave out fields at their default
value. A write touches only the documents it changes: a day's posts add that day's deliveries
documents, and history is read by looking up each date of the retention window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, cast, get_args

from tinydb import Query, where
from tinydb.queries import QueryInstance

from digest.feedback import VotedPaper
from digest.models import AnnounceType, Exemplar, Paper, Profile, Subscription, Term
from storage.records import Delivery, FeedState, PaperRecord, SubscriptionKey

Doc = dict[str, Any]

META, SUBSCRIPTIONS, PROFILES = "meta", "subscriptions", "profiles"
PAPERS, DELIVERIES, FEEDS, VOTES = "papers", "deliveries", "feeds", "votes"
TABLES = (META, SUBSCRIPTIONS, PROFILES, PAPERS, DELIVERIES, FEEDS, VOTES)
SCHEMA_DOC = "schema"
_TYPES: tuple[str, ...] = get_args(AnnounceType)
_PAPER_DATES = frozenset({"s", "a"})


class LayoutError(ValueError):
    """A document that doesn't have the layout this version writes."""


def subscription_id(key: SubscriptionKey) -> str:
    """The document id of a subscription."""
    guild_id, channel_id, slug = key
    return f"{guild_id}:{channel_id}:{slug}"


def profile_id(guild_id: int, slug: str) -> str:
    """The document id of a guild's custom profile."""
    return f"{guild_id}:{slug}"


def profiles_of(guild_id: int) -> QueryInstance:
    """The query for a guild's custom profile documents."""
    query: QueryInstance = where("guild") == guild_id
    return query


def feed_id(categories: Iterable[str]) -> str:
    """The document id of a category set's feed state; order and repeats don't matter."""
    return "+".join(sorted(set(categories)))


def _get(doc: Mapping[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    try:
        value = doc[name]
    except KeyError:
        raise LayoutError(f"missing field {name!r}") from None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise LayoutError(f"field {name!r} has {type(value).__name__} {value!r}")
    return value


def _opt(doc: Mapping[str, Any], name: str, kind: type, default: Any) -> Any:
    return _get(doc, name, kind) if doc.get(name) is not None else default


def parse_date(text: str) -> dt.date:
    """The date an ISO string names; LayoutError if it names none."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise LayoutError(f"{text!r} is not an ISO date") from None


def _instant(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise LayoutError(f"{text!r} is not an ISO date and time") from None
    if value.tzinfo is None:
        raise LayoutError(f"{text!r} has no UTC offset")
    return value


def _strings(doc: Mapping[str, Any], name: str) -> tuple[str, ...]:
    values = _opt(doc, name, list, [])
    if not all(isinstance(v, str) for v in values):
        raise LayoutError(f"field {name!r} must be a list of strings")
    return tuple(values)


def encode_subscription(sub: Subscription, failures: int = 0, last_failure: str = "") -> Doc:
    """A subscription as its document, with the store-only failure counter."""
    return {
        "guild": sub.guild_id, "channel": sub.channel_id, "profile": sub.profile_slug,
        "time": sub.post_time.strftime("%H:%M"), "tz": sub.timezone,
        "categories": list(sub.categories), "min_score": sub.min_score,
        "max_papers": sub.max_papers, "cross": sub.include_cross,
        "replacements": sub.include_replacements, "note": sub.nothing_today_note,
        "by": sub.subscribed_by,
        "at": sub.subscribed_at.isoformat() if sub.subscribed_at else None,
        "enabled": sub.enabled, "reason": sub.disabled_reason,
        "failures": failures, "last_failure": last_failure,
    }


def subscription_failures(doc: Mapping[str, Any]) -> int:
    """A subscription document's count of consecutive failed posts."""
    return int(doc["failures"])


def subscription_enabled(doc: Mapping[str, Any]) -> bool:
    """Whether a subscription document is enabled."""
    return bool(doc["enabled"])


def subscriptions_where(guild_id: int | None, channel_id: int | None,
                        enabled_only: bool) -> QueryInstance:
    """The query for subscription documents that match every filter given."""
    cond: QueryInstance = Query().noop()
    if guild_id is not None:
        cond &= where("guild") == guild_id
    if channel_id is not None:
        cond &= where("channel") == channel_id
    if enabled_only:
        cond &= where("enabled") == True  # noqa: E712 -- a TinyDB query, not a comparison
    return cond


def decode_subscription(doc: Mapping[str, Any]) -> Subscription:
    """The subscription a document holds; LayoutError if it is malformed."""
    text = _get(doc, "time", str)
    try:
        post_time = dt.time.fromisoformat(text)
    except ValueError:
        raise LayoutError(f"'time' {text!r} is not HH:MM") from None
    at = _opt(doc, "at", str, None)
    return Subscription(
        guild_id=_get(doc, "guild", int), channel_id=_get(doc, "channel", int),
        profile_slug=_get(doc, "profile", str), post_time=post_time, timezone=_get(doc, "tz", str),
        categories=_strings(doc, "categories"),
        min_score=float(_get(doc, "min_score", (int, float))),
        max_papers=_get(doc, "max_papers", int), include_cross=_get(doc, "cross", bool),
        include_replacements=_get(doc, "replacements", bool),
        nothing_today_note=_get(doc, "note", bool), subscribed_by=_get(doc, "by", int),
        subscribed_at=_instant(at) if at else None, enabled=_get(doc, "enabled", bool),
        disabled_reason=_get(doc, "reason", str),
    )


def encode_profile(profile: Profile) -> Doc:
    """A guild's custom profile as its document."""
    return {
        "guild": profile.guild_id, "slug": profile.slug, "name": profile.name,
        "terms": [[t.key, t.text, t.weight] for t in profile.terms],
        "exemplars": [[e.title, e.arxiv_id] for e in profile.exemplars],
        "size": profile.size, "scale": profile.scale,
    }


def decode_profile(doc: Mapping[str, Any]) -> Profile:
    """The profile a document holds; LayoutError if it is malformed."""
    raw_terms, raw_exemplars = _get(doc, "terms", list), _get(doc, "exemplars", list)
    try:
        terms = tuple(Term(str(k), str(t), float(w)) for k, t, w in raw_terms)
        exemplars = tuple(
            Exemplar(str(title), None if aid is None else str(aid)) for title, aid in raw_exemplars
        )
    except (TypeError, ValueError):
        raise LayoutError("'terms' or 'exemplars' is not a list of pairs/triples") from None
    return Profile(
        slug=_get(doc, "slug", str), name=_get(doc, "name", str), terms=terms,
        exemplars=exemplars, size=_get(doc, "size", int),
        scale=float(_get(doc, "scale", (int, float))), guild_id=_get(doc, "guild", int),
    )


def encode_paper(paper: Paper, first_seen: dt.date, announced: dt.date, keep: bool) -> Doc:
    """A paper's full document; fields at their default value are left out."""
    doc: Doc = {"t": paper.title, "b": paper.abstract}
    optional = {
        "au": list(paper.authors), "c": list(paper.categories), "v": paper.version,
        "y": None if paper.announce_type == "unknown" else paper.announce_type,
        "p": paper.published.isoformat() if paper.published else None,
        "u": paper.updated.isoformat() if paper.updated else None, "m": paper.comment,
    }
    doc.update((k, v) for k, v in optional.items() if v not in (None, "", []))
    doc.update(compact_paper(first_seen, announced))
    if keep:
        doc["k"] = 1
    return doc


def compact_paper(first_seen: dt.date, announced: dt.date) -> Doc:
    """The id-only document of a paper past its full-metadata days."""
    return {"s": first_seen.isoformat(), "a": announced.isoformat()}


def is_full(doc: Mapping[str, Any]) -> bool:
    """Whether a paper document still holds its metadata."""
    return "t" in doc


def paper_dates(doc: Mapping[str, Any]) -> tuple[dt.date, dt.date]:
    """A paper document's first-seen and announcement dates."""
    return parse_date(_get(doc, "s", str)), parse_date(_get(doc, "a", str))


def paper_age_mark(doc: Mapping[str, Any]) -> str:
    """The later of a paper's first-seen and announce dates, as its ISO text (sorts as dates)."""
    return max(str(doc["s"]), str(doc["a"]))


def paper_announced(doc: Mapping[str, Any]) -> str:
    """A paper's announcement date, as its ISO text (sorts as dates)."""
    return str(doc["a"])


def paper_kept(doc: Mapping[str, Any]) -> bool:
    """Whether a paper is flagged as worth keeping in full."""
    return bool(doc.get("k"))


def keep_paper(doc: MutableMapping[str, Any]) -> None:
    """Flag a paper document as worth keeping in full."""
    doc["k"] = 1


def strip_paper(doc: MutableMapping[str, Any]) -> None:
    """Cut a paper document down to its id-only form (its dates)."""
    for name in [k for k in doc if k not in _PAPER_DATES]:
        del doc[name]


def announced_within(since: dt.date, until: dt.date | None) -> QueryInstance:
    """The query for full paper documents announced in [since, until]."""
    lo, hi = since.isoformat(), (until or dt.date.max).isoformat()
    return (where("a") >= lo) & (where("a") <= hi) & where("t").exists()


def decode_paper(arxiv_id: str, doc: Mapping[str, Any]) -> PaperRecord:
    """The record a paper document holds; LayoutError if it is malformed."""
    paper = None
    if is_full(doc):
        kind = _opt(doc, "y", str, "unknown")
        if kind not in _TYPES:
            raise LayoutError(f"announce type {kind!r} is not one of {', '.join(_TYPES)}")
        published, updated = _opt(doc, "p", str, None), _opt(doc, "u", str, None)
        paper = Paper(
            arxiv_id=arxiv_id, title=_get(doc, "t", str), abstract=_get(doc, "b", str),
            authors=_strings(doc, "au"), categories=_strings(doc, "c"),
            version=_opt(doc, "v", int, None), announce_type=cast(AnnounceType, kind),
            published=parse_date(published) if published else None,
            updated=parse_date(updated) if updated else None, comment=_opt(doc, "m", str, ""),
        )
    return PaperRecord(
        arxiv_id=arxiv_id, first_seen=parse_date(_get(doc, "s", str)),
        announced=parse_date(_get(doc, "a", str)), keep=bool(doc.get("k")), paper=paper,
    )


def delivery_id(channel_id: int, day: dt.date) -> str:
    """The document id of a channel's deliveries on one digest date."""
    return f"{channel_id}:{day.isoformat()}"


def split_delivery_id(doc_id: str) -> tuple[int, dt.date]:
    """The channel and digest date a deliveries document id names; LayoutError if malformed."""
    channel, _, day = doc_id.rpartition(":")
    try:
        return int(channel), parse_date(day)
    except ValueError:
        raise LayoutError(f"{doc_id!r} is not <channel>:<date>") from None


def encode_day(arxiv_ids: Iterable[str], message_ids: Iterable[int], unix_s: int) -> Doc:
    """One channel-profile-day delivery record."""
    return {"i": list(arxiv_ids), "m": list(message_ids), "t": unix_s}


def add_to_day(record: MutableMapping[str, Any], arxiv_ids: Sequence[str],
               message_ids: Sequence[int], unix_s: int, *, complete: bool,
               covered_until: dt.date | None) -> None:
    """Add posted ids and message ids to a delivery record (repeats are ignored)."""
    for name, values in (("i", arxiv_ids), ("m", message_ids)):
        known = set(record[name])
        record[name].extend(v for v in dict.fromkeys(values) if v not in known)
    record["t"] = unix_s
    if complete:
        record["c"] = 1
    if covered_until is not None:
        record["w"] = covered_until.isoformat()


def day_ids(record: Mapping[str, Any]) -> list[str]:
    """The arXiv ids a delivery record says were posted."""
    return list(record["i"])


def day_complete(record: Mapping[str, Any]) -> bool:
    """Whether a delivery record marks the day's digest as wholly posted."""
    return bool(record.get("c"))


def decode_day(day: dt.date, record: Mapping[str, Any]) -> Delivery:
    """The delivery a channel-profile-day record holds."""
    return Delivery(
        digest_date=day, arxiv_ids=tuple(record["i"]), message_ids=tuple(record["m"]),
        posted_at=dt.datetime.fromtimestamp(record["t"], dt.UTC), complete=day_complete(record),
        covered_until=parse_date(record["w"]) if "w" in record else None,
    )


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One delivery as the journal holds it, to be replayed into the state after a crash."""

    channel_id: int
    profile_slug: str
    day: dt.date
    arxiv_ids: list[str]
    message_ids: list[int]
    unix_s: int
    complete: bool
    covered_until: dt.date | None


def encode_journal(entry: JournalEntry) -> Doc:
    """A journal line's object."""
    return {"c": entry.channel_id, "s": entry.profile_slug, "d": entry.day.isoformat(),
            "i": entry.arxiv_ids, "m": entry.message_ids, "t": entry.unix_s, "x": entry.complete,
            "w": entry.covered_until.isoformat() if entry.covered_until else None}


def decode_journal(record: Mapping[str, Any]) -> JournalEntry:
    """A journal line's delivery; KeyError, TypeError or ValueError if it is malformed."""
    return JournalEntry(
        int(record["c"]), str(record["s"]), parse_date(record["d"]),
        [str(i) for i in record["i"]], [int(m) for m in record["m"]], int(record["t"]),
        bool(record["x"]), parse_date(record["w"]) if record.get("w") else None)


def check_day(record: Mapping[str, Any]) -> None:
    """Raise LayoutError unless a channel-profile-day delivery record is well formed."""
    if not all(isinstance(i, str) for i in _get(record, "i", list)):
        raise LayoutError("delivered ids must be strings")
    if not all(isinstance(m, int) for m in _get(record, "m", list)):
        raise LayoutError("message ids must be integers")
    _get(record, "t", int)
    _opt(record, "c", int, 0)
    covered = _opt(record, "w", str, None)
    if covered is not None:
        parse_date(covered)


def encode_feed(state: FeedState) -> Doc:
    """A category set's feed state as its document."""
    return {
        "etag": state.etag, "modified": state.last_modified, "fingerprint": state.fingerprint,
        "fetched": state.fetched_at.isoformat(),
        "announced": state.announced.isoformat() if state.announced else None,
    }


def decode_feed(doc: Mapping[str, Any]) -> FeedState:
    """The feed state a document holds; LayoutError if it is malformed."""
    announced = _opt(doc, "announced", str, None)
    return FeedState(
        fingerprint=_get(doc, "fingerprint", str), fetched_at=_instant(_get(doc, "fetched", str)),
        etag=_opt(doc, "etag", str, None), last_modified=_opt(doc, "modified", str, None),
        announced=parse_date(announced) if announced else None,
    )


def encode_voted(voted: VotedPaper, unix_s: int) -> Doc:
    """One voted paper's record in a subscription's votes document."""
    return {"u": {str(m): v for m, v in sorted(voted.votes.items())}, "n": voted.title,
            "b": voted.abstract, "t": unix_s}


def decode_voted(arxiv_id: str, record: Mapping[str, Any]) -> VotedPaper:
    """The voted paper a record holds; LayoutError if it is malformed."""
    votes = _get(record, "u", dict)
    try:
        members = {int(m): int(v) for m, v in votes.items()}
    except (TypeError, ValueError):
        raise LayoutError("'u' must map members to votes") from None
    if any(v not in (1, -1) for v in members.values()):
        raise LayoutError("a vote is 1 or -1")
    _get(record, "t", int)
    return VotedPaper(arxiv_id, _get(record, "n", str), _get(record, "b", str), members)


def voted_at(record: Mapping[str, Any]) -> int:
    """When a voted paper's record last changed (unix seconds)."""
    return int(record["t"])
