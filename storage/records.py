"""The store's own value types: what it knows about a feed, a seen paper, and the file itself."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from digest.models import Paper

SubscriptionKey = tuple[int, int, str]
"""(guild_id, channel_id, profile_slug), as `Subscription.key` gives it."""


@dataclass(frozen=True, slots=True)
class FeedState:
    """What the last fetch of one category set saw, so a stale feed serving it again is noticed."""

    fingerprint: str
    fetched_at: dt.datetime
    etag: str | None = None
    last_modified: str | None = None
    announced: dt.date | None = None


@dataclass(frozen=True, slots=True)
class PaperRecord:
    """A seen paper's dates, and its metadata unless it has been compacted to an id."""

    arxiv_id: str
    first_seen: dt.date
    announced: dt.date
    keep: bool = False
    paper: Paper | None = None


@dataclass(frozen=True, slots=True)
class StateReport:
    """What `check_state` found: the problem with the file, or what a good file holds."""

    path: Path
    problem: str = ""
    schema_version: int = 0
    size_bytes: int = 0
    subscriptions: int = 0
    enabled_subscriptions: int = 0
    custom_profiles: int = 0
    papers: int = 0
    full_papers: int = 0
    deliveries: int = 0
    feeds: int = 0
    backups: tuple[Path, ...] = ()
    needs_migration: bool = False

    @property
    def ok(self) -> bool:
        """Whether the file can be used as it is (or after its automatic migration)."""
        return not self.problem

    def summary(self) -> str:
        """A few lines for a person reading `arxiv-digest state check`."""
        newest = f", newest {self.backups[0].name}" if self.backups else ""
        backups = f"  backups: {len(self.backups)}{newest}"
        if not self.ok:
            return f"{self.path}: NOT USABLE\n  {self.problem}\n{backups}\n"
        migration = " (migrated when the bot starts)" if self.needs_migration else ""
        size = f"{self.size_bytes / 1e6:.1f} MB"
        return "\n".join([
            f"{self.path}: OK, schema version {self.schema_version}{migration}, {size}",
            f"  subscriptions: {self.subscriptions} ({self.enabled_subscriptions} enabled)",
            f"  custom profiles: {self.custom_profiles}",
            f"  papers: {self.papers} ({self.full_papers} with full metadata)",
            f"  deliveries: {self.deliveries} channel-profile-days",
            f"  feeds: {self.feeds}",
            backups,
        ]) + "\n"


@dataclass(frozen=True, slots=True)
class Delivery:
    """What was posted to one channel for one profile and digest date, and whether that's all."""

    digest_date: dt.date
    arxiv_ids: tuple[str, ...]
    message_ids: tuple[int, ...]
    posted_at: dt.datetime
    complete: bool = False
    covered_until: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Pruned:
    """What one `prune` removed or compacted."""

    papers_removed: int = 0
    papers_compacted: int = 0
    delivery_days_removed: int = 0
