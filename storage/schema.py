"""Reading a state file: parse, check the schema version, migrate older layouts, validate.

Version 0 is the prototype's file: no `meta` table; subscriptions in TinyDB's `_default` table
under integer ids as {"guild", "channel", "topic", "hour", "tz", "categories"}; posted papers in a
`posted` table as {"channel", "topic", "date", "ids"}. Version 1 had no `votes` table; version 2 is
the layout in `storage.layout`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from digest.models import Subscription
from storage.encoding import Tables
from storage.errors import CorruptStateError
from storage.layout import (
    DELIVERIES,
    FEEDS,
    META,
    PAPERS,
    PROFILES,
    SCHEMA_DOC,
    SUBSCRIPTIONS,
    TABLES,
    VOTES,
    LayoutError,
    check_day,
    decode_feed,
    decode_paper,
    decode_profile,
    decode_subscription,
    decode_voted,
    delivery_id,
    encode_day,
    encode_subscription,
    parse_date,
    profile_id,
    split_delivery_id,
    subscription_id,
)

SCHEMA_VERSION = 3
V0_TABLES = frozenset({"_default", "posted"})


def empty_state() -> Tables:
    """The contents of a new state file."""
    state: Tables = {name: {} for name in TABLES}
    state[META][SCHEMA_DOC] = {"version": SCHEMA_VERSION}
    return state


def read_state(path: Path, *, deep: bool = False) -> tuple[Tables, int] | None:
    """A state file's contents, migrated to the current layout and validated, with the version it
    had; None if there is no file. `deep` also decodes every paper's metadata."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CorruptStateError(path, f"cannot be read ({exc.strerror})") from exc
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise CorruptStateError(path, f"is not valid JSON ({exc})") from exc
    try:
        version = schema_version(data)
        if version > SCHEMA_VERSION:
            raise LayoutError(
                f"has schema version {version}, newer than the {SCHEMA_VERSION} this arxiv-digest "
                "understands (upgrade arxiv-digest to use it)"
            )
        data = migrate(data, version)
        validate(data, deep=deep)
    except LayoutError as exc:
        raise CorruptStateError(path, str(exc)) from exc
    return data, version


def schema_version(data: object) -> int:
    """The schema version a parsed file declares (0 for the prototype's unversioned file)."""
    if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
        raise LayoutError("is not a JSON object of tables (objects)")
    if META not in data:
        unknown = sorted(set(data) - V0_TABLES)
        if unknown:
            raise LayoutError(f"has no schema version, and tables ({', '.join(unknown)}) "
                              "that no known version has")
        return 0
    doc = data[META].get(SCHEMA_DOC)
    version = doc.get("version") if isinstance(doc, dict) else None
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise LayoutError(f"has an unreadable schema version {version!r} in meta/{SCHEMA_DOC}")
    return version


def migrate(data: Tables, version: int) -> Tables:
    """Bring a file's contents from `version` up to SCHEMA_VERSION, one step at a time."""
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
    return data


def _v0_to_v1(old: Tables) -> Tables:
    new = empty_state()
    try:
        for doc in old.get("_default", {}).values():
            sub = Subscription(
                guild_id=int(doc["guild"]), channel_id=int(doc["channel"]),
                profile_slug=str(doc["topic"]), post_time=dt.time(int(doc.get("hour", 9)), 0),
                timezone=str(doc.get("tz", "UTC")),
                categories=tuple(str(c) for c in doc.get("categories", ())),
            )
            new[SUBSCRIPTIONS][subscription_id(sub.key)] = encode_subscription(sub)
        for doc in old.get("posted", {}).values():
            doc_id = delivery_id(int(doc["channel"]), dt.date.fromisoformat(doc["date"]))
            record = new[DELIVERIES].setdefault(doc_id, {}).setdefault(
                str(doc["topic"]), encode_day([], [], 0)
            )
            record["i"].extend(str(i) for i in doc["ids"] if str(i) not in record["i"])
    except (KeyError, TypeError, ValueError) as exc:
        raise LayoutError(f"is a version 0 file that cannot be migrated ({exc!r})") from exc
    return new


def _v1_to_v2(old: Tables) -> Tables:
    """Version 2 adds the channels' votes on digest entries."""
    new = {**old, VOTES: {}}
    new[META] = {**old[META], SCHEMA_DOC: {"version": 2}}
    return new


def _v2_to_v3(old: Tables) -> Tables:
    """Version 3 keeps a voted paper's title and abstract (what the votes are weighed by) in
    place of its 40 strongest terms: the abstract comes from the paper's record where the file
    still holds it, and is left empty (the title alone) where it does not. Every vote is kept."""
    papers = old.get(PAPERS, {})
    votes: Tables = {}
    try:
        for sub_id, doc in old.get(VOTES, {}).items():
            votes[sub_id] = {}
            for arxiv_id, record in doc.items():
                held = papers.get(arxiv_id)
                abstract = held.get("b", "") if isinstance(held, dict) else ""
                kept = {k: v for k, v in record.items() if k != "k"}
                votes[sub_id][arxiv_id] = {**kept, "b": abstract if isinstance(abstract, str) else ""}
    except (AttributeError, TypeError) as exc:
        raise LayoutError(f"is a version 2 file whose votes cannot be migrated ({exc!r})") from exc
    new = {**old, VOTES: votes}
    new[META] = {**old[META], SCHEMA_DOC: {"version": 3}}
    return new


MIGRATIONS: dict[int, Callable[[Tables], Tables]] = {0: _v0_to_v1, 1: _v1_to_v2, 2: _v2_to_v3}


def validate(data: Tables, *, deep: bool = False) -> None:
    """Raise LayoutError naming the first document that doesn't fit the current layout."""
    for name in TABLES:
        if name not in data:
            raise LayoutError(f"has no {name!r} table")
    _each(data, SUBSCRIPTIONS, lambda key, doc: _same(key, subscription_id(
        decode_subscription(doc).key)))
    _each(data, PROFILES, lambda key, doc: _same(key, _profile_key(doc)))
    _each(data, FEEDS, lambda key, doc: decode_feed(doc))
    _each(data, DELIVERIES, _check_day_doc)  # what stops a paper being posted twice
    _each(data, PAPERS, decode_paper if deep else _check_dates)
    _each(data, VOTES, _check_votes_doc)


def _each(data: Tables, table: str, check: Callable[[str, Mapping[str, Any]], object]) -> None:
    for key, doc in data[table].items():
        try:
            if not isinstance(doc, dict):
                raise LayoutError(f"is a {type(doc).__name__}, not an object")
            check(key, doc)
        except LayoutError as exc:
            raise LayoutError(f"has a bad document {table}/{key}: {exc}") from None


def _same(key: str, expected: str) -> None:
    if key != expected:
        raise LayoutError(f"its id should be {expected!r}")


def _profile_key(doc: Mapping[str, Any]) -> str:
    profile = decode_profile(doc)
    return profile_id(profile.guild_id or 0, profile.slug)


def _check_dates(key: str, doc: Mapping[str, Any]) -> None:
    # Pruning compares these as strings, so they must be ISO dates, not merely strings.
    for name in ("s", "a"):
        value = doc.get(name)
        if not isinstance(value, str):
            raise LayoutError("needs first-seen 's' and announced 'a' dates")
        parse_date(value)


def _check_votes_doc(key: str, doc: Mapping[str, Any]) -> None:
    for arxiv_id, record in doc.items():
        if not isinstance(record, dict):
            raise LayoutError(f"the record for {arxiv_id!r} is not an object")
        decode_voted(arxiv_id, record)


def _check_day_doc(key: str, doc: Mapping[str, Any]) -> None:
    split_delivery_id(key)
    for slug, record in doc.items():
        if not isinstance(record, dict):
            raise LayoutError(f"the record for {slug!r} is not an object")
        check_day(record)
