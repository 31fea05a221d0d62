"""The papers table: remembering a batch, marking papers worth keeping, compacting and pruning.

A paper's age counts in days from the later of its first-seen and announce dates (0 on that day).
It keeps its full metadata while younger than `full_days` (or while it is worth keeping), then only
its id and dates, and is removed once `retention_days` old.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, MutableMapping
from typing import Any

from tinydb import where

from digest.models import Paper
from storage.layout import decode_paper, encode_paper, is_full
from storage.tables import Doc, KeyedTable

_DATES = frozenset({"s", "a"})


def remember(
    table: KeyedTable, papers: Iterable[Paper], *, announced: dt.date, today: dt.date,
    keep: Collection[str],
) -> int:
    """Store a batch's papers, refreshing known ones (first-seen date kept); how many are new."""
    docs: dict[str, Doc] = {}
    new = 0
    for paper in papers:
        old = docs.get(paper.arxiv_id) or table.by_key(paper.arxiv_id)
        if old is None:
            new += 1
            first, last, kept = today, announced, False
        else:
            first = dt.date.fromisoformat(old["s"])
            last = max(announced, dt.date.fromisoformat(old["a"]))
            kept = bool(old.get("k"))
        docs[paper.arxiv_id] = encode_paper(paper, first, last, kept or paper.arxiv_id in keep)
    table.put_many(docs)
    return new


def mark_keep(table: KeyedTable, arxiv_ids: Iterable[str]) -> int:
    """Flag known papers as worth keeping in full, in one write; how many changed."""
    todo = [i for i in set(arxiv_ids) if (doc := table.by_key(i)) is not None and not doc.get("k")]
    return table.change(todo, _keep)


def announced_between(table: KeyedTable, since: dt.date, until: dt.date | None) -> list[Paper]:
    """Papers with full metadata announced in [since, until], oldest date first, then as stored."""
    lo, hi = since.isoformat(), (until or dt.date.max).isoformat()
    found = table.search((where("a") >= lo) & (where("a") <= hi) & where("t").exists())
    found.sort(key=lambda doc: str(doc["a"]))
    return [paper for doc in found if (paper := decode_paper(str(doc.doc_id), doc).paper)]


def newest_announced(table: KeyedTable) -> dt.date | None:
    """The latest announcement date of any paper held, if any."""
    dates = [doc["a"] for _, doc in table.keyed()]
    return dt.date.fromisoformat(max(dates)) if dates else None


def prune(
    table: KeyedTable, *, today: dt.date, retention_days: int, full_days: int,
) -> tuple[int, int]:
    """Remove papers past retention and compact those past their full days; (removed, compacted)."""
    drop_before = (today - dt.timedelta(days=retention_days - 1)).isoformat()
    slim_before = (today - dt.timedelta(days=full_days - 1)).isoformat()
    gone: list[str] = []
    slim: list[str] = []
    for key, doc in table.keyed():
        age_mark = max(doc["s"], doc["a"])
        if age_mark < drop_before:
            gone.append(key)
        elif age_mark < slim_before and is_full(doc) and not doc.get("k"):
            slim.append(key)
    return table.drop(gone), table.change(slim, _strip)


def _keep(doc: MutableMapping[str, Any]) -> None:
    doc["k"] = 1


def _strip(doc: MutableMapping[str, Any]) -> None:
    for name in [k for k in doc if k not in _DATES]:
        del doc[name]
