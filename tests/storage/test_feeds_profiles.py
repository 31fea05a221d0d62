"""Feed state per category set, and guild-defined custom profiles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from digest.models import Exemplar, Profile, Term
from storage import FeedState, InvalidRecordError, Store
from tests.storage.conftest import NOW


def profile(guild: int | None, slug: str, name: str = "Custom") -> Profile:
    return Profile(
        slug=slug, name=name,
        terms=(Term("graph neural", "graph neural", 2.5), Term("gnn", "GNN", 1.0)),
        exemplars=(Exemplar("A GNN paper", "2401.00001"), Exemplar("Untitled")),
        size=12, scale=3.25, guild_id=guild,
    )


def test_feed_state_round_trips_and_ignores_category_order(path: Path) -> None:
    state = FeedState(fingerprint="abc123", fetched_at=NOW, etag='W/"x"',
                      last_modified="Sun, 22 Nov 2026 01:00:00 GMT", announced=NOW.date())
    with Store.open(path, now=NOW) as store:
        assert store.feed_state(["cs.LG", "stat.ML"]) is None
        store.set_feed_state(["stat.ML", "cs.LG"], state)
        assert store.feed_state(["cs.LG", "stat.ML"]) == state
    with Store.open(path, now=NOW) as store:
        assert store.feed_state(("stat.ML", "cs.LG", "cs.LG")) == state
        newer = FeedState(fingerprint="def", fetched_at=NOW + dt.timedelta(days=1))
        store.set_feed_state(["cs.LG", "stat.ML"], newer)
        assert store.feed_state(["cs.LG", "stat.ML"]) == newer
        assert store.feed_state(["cs.LG"]) is None


def test_custom_profiles_per_guild(path: Path) -> None:
    with Store.open(path, now=NOW) as store:
        assert store.save_profile(profile(1, "gnn")) is True
        assert store.save_profile(profile(1, "abc")) is True
        assert store.save_profile(profile(2, "gnn")) is True
        assert store.save_profile(profile(1, "gnn", name="Renamed")) is False
    with Store.open(path, now=NOW) as store:
        assert store.custom_profiles(1) == [profile(1, "abc"), profile(1, "gnn", name="Renamed")]
        assert store.delete_profile(1, "gnn") is True
        assert store.delete_profile(1, "gnn") is False
        assert store.custom_profiles(1) == [profile(1, "abc")]
        assert store.custom_profiles(2) == [profile(2, "gnn")]
        assert store.custom_profiles(3) == []


def test_a_profile_without_a_guild_is_refused(store: Store) -> None:
    with pytest.raises(InvalidRecordError):
        store.save_profile(profile(None, "learned"))
