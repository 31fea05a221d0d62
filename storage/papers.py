"""The papers table: remembering a batch, marking papers worth keeping, compacting and pruning.

A paper's age counts in days from the later of its first-seen and announce dates (0 on that day).
It keeps its full metadata while younger than `full_days` (or while it is worth keeping), then only
its id and dates, and is removed once `retention_days` old.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

from digest.models import Paper
from storage.layout import (
    announced_within,
    decode_paper,
    encode_paper,
    is_full,
    keep_paper,
    paper_age_mark,
    paper_announced,
    paper_dates,
    paper_kept,
    strip_paper,
)
from storage.tables import Doc, KeyedTable


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
            first, before = paper_dates(old)
            last, kept = max(announced, before), paper_kept(old)
        docs[paper.arxiv_id] = encode_paper(paper, first, last, kept or paper.arxiv_id in keep)
    table.put_many(docs)
    return new


def mark_keep(table: KeyedTable, arxiv_ids: Iterable[str]) -> int:
    """Flag known papers as worth keeping in full, in one write; how many changed."""
    todo = [i for i in set(arxiv_ids)
            if (doc := table.by_key(i)) is not None and not paper_kept(doc)]
    return table.change(todo, keep_paper)


def announced_between(table: KeyedTable, since: dt.date, until: dt.date | None) -> list[Paper]:
    """Papers with full metadata announced in [since, until], oldest date first, then as stored."""
    found = table.search(announced_within(since, until))
    found.sort(key=paper_announced)
    return [paper for doc in found if (paper := decode_paper(str(doc.doc_id), doc).paper)]


def newest_announced(table: KeyedTable) -> dt.date | None:
    """The latest announcement date of any paper held, if any."""
    dates = [paper_announced(doc) for _, doc in table.keyed()]
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
        age_mark = paper_age_mark(doc)
        if age_mark < drop_before:
            gone.append(key)
        elif age_mark < slim_before and is_full(doc) and not paper_kept(doc):
            slim.append(key)
    return table.drop(gone), table.change(slim, strip_paper)
