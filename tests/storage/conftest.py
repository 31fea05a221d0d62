"""Shared pieces for the store's tests: a fixed clock, a store on tmp_path, papers, subs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.models import Paper, Subscription
from storage import Store

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def at(day: dt.date, hour: int = 8, minute: int = 0) -> dt.datetime:
    """An aware UTC instant on `day`."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def paper(n: int, **fields: object) -> Paper:
    """A realistic-looking paper with id 2611.<n>."""
    values: dict[str, object] = {
        "arxiv_id": f"2611.{n:05d}",
        "title": f"Paper number {n} on learning things",
        "abstract": f"We study problem {n}. " * 20,
        "authors": ("Ada Lovelace", "Alan Turing"),
        "categories": ("cs.LG", "stat.ML"),
        "version": 1,
        "announce_type": "new",
        "published": dt.date(2026, 11, 20),
    }
    values.update(fields)
    return Paper(**values)  # type: ignore[arg-type]


def sub(guild: int = 1, channel: int = 10, slug: str = "ml", **fields: object) -> Subscription:
    """A subscription with sensible defaults."""
    return Subscription(guild_id=guild, channel_id=channel, profile_slug=slug, **fields)  # type: ignore[arg-type]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state.json"


@pytest.fixture
def store(path: Path) -> Iterator[Store]:
    with Store.open(path, now=NOW) as opened:
        yield opened
