"""A full disk mid-slot: every channel still gets its digest, the bot says plainly what failed,
and once the disk takes writes again nothing is sent twice, in this run or after a restart."""

from __future__ import annotations

import datetime as dt
import errno
import logging
from pathlib import Path

import pytest

from bot.daily import DailyCycle
from bot.service import DigestService
from storage import Store
from storage.atomic import AtomicJSONStorage
from storage.journal import Journal
from tests.bot.test_daily import QUANTUM, Channels, Clock, Feeds, subscribe

UTC = dt.UTC


def _full(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


async def test_a_full_disk_stops_no_digest_and_nothing_is_sent_twice(
        tmp_path: Path, fixtures_dir: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock(dt.datetime(2025, 4, 28, 6, 0, tzinfo=UTC))
    feeds = Feeds({"quant-ph": (fixtures_dir / "feeds" / "quant-ph_2025-04-28.xml").read_bytes()})
    channels = Channels()
    state = tmp_path / "state.json"
    store = Store.open(state, now=clock())
    service = DigestService(store, [QUANTUM], feeds, clock, default_categories=("quant-ph",))
    cycle = DailyCycle(service, feeds, channels.send, clock, flush_interval_s=0.0)
    for channel in range(10, 30):
        subscribe(store, channel, max_papers=25)
    await cycle.poll()
    clock.now = dt.datetime(2025, 4, 28, 7, 0, tzinfo=UTC)  # 09:00 in Berlin: all 20 are due

    with monkeypatch.context() as disk_full:
        disk_full.setattr(AtomicJSONStorage, "write", _full)
        disk_full.setattr(Journal, "append", _full)
        with caplog.at_level(logging.ERROR):
            results = await cycle.post_due()
    assert [r.error for r in results] == [""] * 20  # every channel got its digest
    assert "No space left on device" in caplog.text and "keeps serving from memory" in caplog.text
    sent = {c: channels.papers(c) for c in range(10, 30)}
    assert all(sent.values()) and store.unsaved_since is not None

    # Still full at the next slot run (a double fire): memory knows what went out.
    assert sum(r.messages for r in await cycle.post_due()) == 0
    # The disk is back: the next flush writes everything; a restart sends nothing again.
    assert cycle._flush() and store.unsaved_since is None
    store.close()
    reopened = Store.open(state, now=clock())
    service2 = DigestService(reopened, [QUANTUM], feeds, clock, default_categories=("quant-ph",))
    cycle2 = DailyCycle(service2, feeds, channels.send, clock)
    assert sum(r.messages for r in await cycle2.catch_up()) == 0
    assert {c: channels.papers(c) for c in range(10, 30)} == sent
    reopened.close()


def test_votes_on_a_full_disk_are_kept_and_written_once_it_takes_writes(
        tmp_path: Path, fixtures_dir: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    from digest.feed import parse_feed

    clock = Clock(dt.datetime(2025, 4, 28, 6, 0, tzinfo=UTC))
    day = parse_feed((fixtures_dir / "feeds" / "quant-ph_2025-04-28.xml").read_bytes())
    state = tmp_path / "state.json"
    store = Store.open(state, now=clock())
    service = DigestService(store, [QUANTUM], None, clock, default_categories=("quant-ph",))  # type: ignore[arg-type]
    subscribe(store, 10)
    store.remember_papers(day.papers, announced=clock().date(), now=clock())
    store.flush()
    paper = day.papers[0].arxiv_id
    with monkeypatch.context() as disk_full:
        disk_full.setattr(AtomicJSONStorage, "write", _full)
        service.vote(1, 10, QUANTUM.slug, paper, 7, 1)
        with caplog.at_level(logging.ERROR):
            service.save_votes()  # logged, not raised: the click was already answered
    assert "could not save votes" in caplog.text and "No space left on device" in caplog.text
    assert [v.arxiv_id for v in store.voted_papers((1, 10, QUANTUM.slug))] == [paper]
    service.save_votes()  # the disk takes writes again
    store.close()
    with Store.open(state, now=clock()) as reopened:
        assert [dict(v.votes) for v in reopened.voted_papers((1, 10, QUANTUM.slug))] == [{7: 1}]
