"""The domain vocabulary shared by every layer: papers, profiles, scores, digests, subscriptions."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Literal

AnnounceType = Literal["new", "cross", "replace", "replace-cross", "unknown"]
ANNOUNCE_TYPES: tuple[AnnounceType, ...] = ("new", "cross", "replace", "replace-cross", "unknown")

ABS_URL = "https://arxiv.org/abs/{}"
PDF_URL = "https://arxiv.org/pdf/{}"
ALL_SLUG = "all"  # the profile of the whole corpus
DEFAULT_TIMEZONE = "UTC"  # a server's first subscription, unless told otherwise


@dataclass(frozen=True, slots=True)
class Paper:
    """One arXiv paper as a feed, the API or a background file describes it."""

    arxiv_id: str
    title: str
    abstract: str
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    version: int | None = None
    announce_type: AnnounceType = "unknown"
    published: dt.date | None = None
    updated: dt.date | None = None
    comment: str = ""

    @property
    def abs_url(self) -> str:
        return ABS_URL.format(self.arxiv_id)

    @property
    def pdf_url(self) -> str:
        return PDF_URL.format(self.arxiv_id)

    @property
    def primary_category(self) -> str:
        return self.categories[0] if self.categories else ""


@dataclass(frozen=True, slots=True)
class CorpusPaper:
    """A paper read from a corpus file; `source` is `file:line` of its title."""

    title: str
    abstract: str
    authors: tuple[str, ...] = ()
    arxiv_id: str | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class Term:
    """A weighted keyword or phrase; `key` is its normalised (stemmed) form, `text` its display form."""

    key: str
    text: str
    weight: float

    @property
    def is_phrase(self) -> bool:
        return " " in self.key


@dataclass(frozen=True, slots=True)
class Exemplar:
    """A corpus paper that typifies a profile."""

    title: str
    arxiv_id: str | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    """A named topic: weighted terms, exemplar papers, and the raw score that maps to 1.0.

    `scale` is the calibration point (a typical exemplar's raw score), so that scores
    mean the same thing on every day and feed. `guild_id` is set for guild-custom profiles.
    """

    slug: str
    name: str
    terms: tuple[Term, ...]
    exemplars: tuple[Exemplar, ...] = ()
    size: int = 0
    scale: float = 1.0
    guild_id: int | None = None

    def top_terms(self, n: int) -> tuple[Term, ...]:
        return self.terms[:n]


@dataclass(frozen=True, slots=True)
class Hit:
    """One profile term found in a paper, and where."""

    term: str
    in_title: bool
    contribution: float
    key: str = ""


@dataclass(frozen=True, slots=True)
class Shift:
    """What a channel's votes added to a paper's score, and how many of the papers it voted on
    (liked; marked not for it) this paper is close to."""

    value: float
    liked: int = 0
    disliked: int = 0


@dataclass(frozen=True, slots=True)
class ScoredPaper:
    """A paper's calibrated score against one profile, with the hits that explain it (and the
    shift its channel's votes made, included in `score`)."""

    paper: Paper
    profile_slug: str
    score: float
    hits: tuple[Hit, ...] = ()
    shift: Shift | None = None

    @property
    def matched_terms(self) -> tuple[str, ...]:
        return tuple(h.term for h in self.hits)


@dataclass(frozen=True, slots=True)
class FeedBatch:
    """One fetched announcement: its papers (deduped), whether the feed was empty, when, and the
    items left out because they could not be read."""

    categories: tuple[str, ...]
    papers: tuple[Paper, ...]
    announced: dt.date | None = None
    empty: bool = False
    skipped: tuple[str, ...] = ()  # one line per item that could not be read, naming it

    @property
    def fingerprint(self) -> str:
        """A stable identity of the batch, so a stale feed serving it again is recognised."""
        ids = ",".join(sorted(f"{p.arxiv_id}v{p.version or 0}:{p.announce_type}" for p in self.papers))
        return hashlib.sha256(ids.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class DigestOptions:
    """What a reader asked for: threshold, length and which announce types count."""

    min_score: float = 0.35
    max_papers: int = 10
    include_cross: bool = True
    include_replacements: bool = False

    def admits(self, paper: Paper) -> bool:
        """Whether the paper's announce type is one asked for: new (and a listing's undated
        papers) always, cross-lists and replacements on request. The one home of this rule."""
        kind = paper.announce_type
        if kind in ("replace", "replace-cross"):
            return self.include_replacements
        if kind == "cross":
            return self.include_cross
        return True


@dataclass(frozen=True, slots=True)
class Digest:
    """The ranked papers one profile picked from one batch, best first."""

    profile: Profile
    entries: tuple[ScoredPaper, ...]
    announced: dt.date | None = None
    considered: int = 0
    options: DigestOptions = field(default_factory=DigestOptions)


@dataclass(frozen=True, slots=True)
class Subscription:
    """A channel's standing order for one profile's daily digest."""

    guild_id: int
    channel_id: int
    profile_slug: str
    post_time: dt.time = dt.time(9, 0)
    timezone: str = DEFAULT_TIMEZONE
    categories: tuple[str, ...] = ()
    min_score: float = 0.35
    max_papers: int = 10
    include_cross: bool = True
    include_replacements: bool = False
    nothing_today_note: bool = False
    subscribed_by: int = 0
    subscribed_at: dt.datetime | None = None
    enabled: bool = True
    disabled_reason: str = ""

    @property
    def key(self) -> tuple[int, int, str]:
        return (self.guild_id, self.channel_id, self.profile_slug)

    @property
    def options(self) -> DigestOptions:
        return DigestOptions(
            min_score=self.min_score,
            max_papers=self.max_papers,
            include_cross=self.include_cross,
            include_replacements=self.include_replacements,
        )
