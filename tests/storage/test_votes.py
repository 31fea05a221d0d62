"""Votes on digest entries: kept per subscription, newest first, capped, gone with the
subscription, and migrated into files written before votes existed."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from digest.feedback import VotedPaper
from digest.vectors import PaperVector
from storage import SCHEMA_VERSION, CorruptStateError, Store, backup_dir
from tests.storage.conftest import NOW, sub

KEY = (1, 10, "ml")


def voted(n: int, **votes: int) -> VotedPaper:
    vector = PaperVector(f"2611.{n:05d}", f"Paper {n}", (("spike", 0.8), ("neuron", 0.6)))
    return VotedPaper(vector, {int(m[1:]): v for m, v in votes.items()})


def test_votes_survive_a_reopen_newest_first(path: Path) -> None:
    with Store.open(path, now=NOW) as store:
        store.subscribe(sub())
        store.save_votes(KEY, voted(1, m7=1), NOW)
        store.save_votes(KEY, voted(2, m7=-1, m8=-1), NOW + dt.timedelta(minutes=1))
    with Store.open(path, now=NOW) as store:
        assert store.voted_papers(KEY) == [voted(2, m7=-1, m8=-1), voted(1, m7=1)]
        assert store.voted_paper(KEY, "2611.00001") == voted(1, m7=1)
        assert store.voted_paper(KEY, "2611.00009") is None
        assert store.voted_papers((1, 11, "ml")) == []  # another channel's digest has none


def test_past_the_cap_the_paper_voted_on_longest_ago_is_forgotten(store: Store) -> None:
    store.subscribe(sub())
    for n in range(5):
        store.save_votes(KEY, voted(n, m1=1), NOW + dt.timedelta(minutes=n), keep=3)
    store.save_votes(KEY, voted(1, m1=1, m2=1), NOW + dt.timedelta(minutes=9), keep=3)
    assert [v.vector.arxiv_id for v in store.voted_papers(KEY)] == [
        "2611.00001", "2611.00004", "2611.00003"]


def test_unsubscribing_or_resetting_forgets_the_votes(store: Store) -> None:
    store.subscribe(sub())
    store.save_votes(KEY, voted(1, m7=1), NOW)
    store.save_votes(KEY, voted(2, m7=1), NOW)
    assert store.forget_votes(KEY) == 2 and store.voted_papers(KEY) == []
    store.save_votes(KEY, voted(1, m7=1), NOW)
    store.unsubscribe(*KEY)
    store.subscribe(sub())
    assert store.voted_papers(KEY) == []


def test_a_version_1_file_gains_an_empty_votes_table(path: Path) -> None:
    names = ("subscriptions", "profiles", "papers", "deliveries", "feeds")
    raw = json.dumps({"meta": {"schema": {"version": 1}}, **{n: {} for n in names}}).encode()
    path.write_bytes(raw)
    with Store.open(path, now=NOW) as store:
        assert store.voted_papers(KEY) == []
        store.subscribe(sub())
        store.save_votes(KEY, voted(1, m7=1), NOW)
    data = json.loads(path.read_bytes())
    assert data["meta"]["schema"]["version"] == SCHEMA_VERSION == 2
    assert data["votes"]["1:10:ml"]["2611.00001"]["u"] == {"7": 1}
    assert (backup_dir(path) / f"{NOW.date()}.json").read_bytes() == raw


@pytest.mark.parametrize("record", [
    {"u": {"7": 2}, "k": [], "n": "x", "t": 0},  # a vote is 1 or -1
    {"u": {"seven": 1}, "k": [], "n": "x", "t": 0},
    {"u": {"7": 1}, "k": [["spike"]], "n": "x", "t": 0},
    {"u": {"7": 1}, "k": [], "n": "x"},
])
def test_a_malformed_vote_is_refused_with_its_place(path: Path, record: dict[str, object]) -> None:
    with Store.open(path, now=NOW):
        pass
    data = json.loads(path.read_bytes())
    data["votes"] = {"1:10:ml": {"2611.00001": record}}
    path.write_text(json.dumps(data))
    with pytest.raises(CorruptStateError, match="votes/1:10:ml"):
        Store.open(path, now=NOW)
