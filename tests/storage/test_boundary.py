"""The store speaks in domain values: no TinyDB type or raw document crosses its public methods."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterator

from digest.models import Profile, Term
from storage import FeedState, Store
from tests.storage.conftest import NOW, paper, sub


def public_methods() -> Iterator[tuple[str, object]]:
    for name, member in inspect.getmembers(Store):
        if not name.startswith("_") and callable(member):
            yield name, member


def named_types(hint: object) -> Iterator[object]:
    """Every type a hint mentions, e.g. list[tuple[str, int]] -> list, tuple, str, int."""
    yield typing.get_origin(hint) or hint
    for arg in typing.get_args(hint):
        yield from named_types(arg)


def leaks(hint: object) -> list[object]:
    """The types in a hint that are TinyDB's (or built on them), documents, or Any."""
    def bad(t: object) -> bool:
        if t is typing.Any:
            return True
        return inspect.isclass(t) and (
            issubclass(t, dict) or any(c.__module__.startswith("tinydb") for c in t.__mro__))

    return [t for t in named_types(hint) if bad(t)]


def test_no_public_signature_mentions_tinydb_or_raw_documents() -> None:
    offenders = {}
    for name, method in public_methods():
        found = [t for hint in typing.get_type_hints(method).values() for t in leaks(hint)]
        if found:
            offenders[name] = found
    assert offenders == {}
    assert leaks(typing.get_type_hints(Store._table)["return"])  # the check does see a table
    assert {name for name, _ in public_methods()} >= {
        "subscribe", "completed", "record_delivery", "delivered_ids", "remember_papers"}


def test_what_comes_back_is_values_not_documents(store: Store) -> None:
    profile = Profile("gnn", "GNN", (Term("gnn", "GNN", 1.0),), (), 1, 1.0, guild_id=1)
    with store.batch():
        store.subscribe(sub())
        store.subscribe(sub(channel=11))
        store.save_profile(profile)
        store.remember_papers([paper(1)], announced=NOW.date(), now=NOW)
        store.record_delivery(10, "ml", NOW.date(), [paper(1).arxiv_id], [5], NOW, complete=True)
        store.set_feed_state(["cs.LG"], FeedState("f", NOW))
    results: list[object] = [
        *store.subscriptions(), store.get_subscription(1, 10, "ml"), *store.custom_profiles(1),
        store.paper_record(paper(1).arxiv_id), store.get_paper(paper(1).arxiv_id),
        *store.papers_announced(NOW.date()), store.delivery(10, "ml", NOW.date()),
        store.feed_state(["cs.LG"]), store.prune(NOW),
    ]
    assert results and not [r for r in results if isinstance(r, dict) or r is None]
    assert all(type(i) is str for i in store.delivered_ids(10, today=NOW.date()))
