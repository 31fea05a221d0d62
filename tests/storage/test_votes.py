"""Votes on digest entries: kept per subscription, newest first, capped, gone with the
subscription, and migrated from files written before votes existed or kept them as terms."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from digest.feedback import VotedPaper
from storage import SCHEMA_VERSION, CorruptStateError, Store, backup_dir
from tests.storage.conftest import NOW, sub

KEY = (1, 10, "ml")


def voted(n: int, **votes: int) -> VotedPaper:
    return VotedPaper(f"2611.{n:05d}", f"Paper {n}", f"Spiking neurons, part {n}.",
                      {int(m[1:]): v for m, v in votes.items()})


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
    assert [v.arxiv_id for v in store.voted_papers(KEY)] == [
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
    assert data["meta"]["schema"]["version"] == SCHEMA_VERSION == 3
    assert data["votes"]["1:10:ml"]["2611.00001"]["u"] == {"7": 1}
    assert (backup_dir(path) / f"{NOW.date()}.json").read_bytes() == raw


def test_a_version_2_file_keeps_every_vote_and_takes_abstracts_from_held_papers(
        path: Path) -> None:
    """Version 2 kept a voted paper's 40 strongest terms; version 3 keeps its title and abstract.
    The abstract comes from the paper's record if the file still holds it; else the title alone."""
    names = ("subscriptions", "profiles", "deliveries", "feeds")
    held = {"t": "Spiking nets", "b": "Spike trains in spiking networks.", "au": [], "c": ["cs.NE"],
            "y": "new", "s": "2026-11-20", "a": "2026-11-20"}
    old = {"meta": {"schema": {"version": 2}}, **{n: {} for n in names},
           "papers": {"2611.00001": held, "2611.00002": {"s": "2026-11-20", "a": "2026-11-20"}},
           "votes": {"1:10:ml": {
               "2611.00001": {"u": {"7": 1, "8": 1}, "k": [["spike", 1.0]], "n": "Spiking nets",
                              "t": 100},
               "2611.00002": {"u": {"7": -1}, "k": [["graph", 1.0]], "n": "Graph nets", "t": 90},
               "2611.00003": {"u": {"9": 1}, "k": [], "n": "Gone long ago", "t": 80}}}}
    raw = json.dumps(old).encode()
    path.write_bytes(raw)
    with Store.open(path, now=NOW) as store:
        store.subscribe(sub())
        assert store.voted_papers(KEY) == [
            VotedPaper("2611.00001", "Spiking nets", "Spike trains in spiking networks.",
                       {7: 1, 8: 1}),
            VotedPaper("2611.00002", "Graph nets", "", {7: -1}),
            VotedPaper("2611.00003", "Gone long ago", "", {9: 1})]
    data = json.loads(path.read_bytes())
    assert data["meta"]["schema"]["version"] == 3
    assert all("k" not in record for record in data["votes"]["1:10:ml"].values())
    assert (backup_dir(path) / f"{NOW.date()}.json").read_bytes() == raw


@pytest.mark.parametrize("record", [
    {"u": {"7": 2}, "n": "x", "b": "", "t": 0},  # a vote is 1 or -1
    {"u": {"seven": 1}, "n": "x", "b": "", "t": 0},
    {"u": {"7": 1}, "n": "x", "b": ["an abstract"], "t": 0},
    {"u": {"7": 1}, "n": "x", "b": ""},
])
def test_a_malformed_vote_is_refused_with_its_place(path: Path, record: dict[str, object]) -> None:
    with Store.open(path, now=NOW):
        pass
    data = json.loads(path.read_bytes())
    data["votes"] = {"1:10:ml": {"2611.00001": record}}
    path.write_text(json.dumps(data))
    with pytest.raises(CorruptStateError, match="votes/1:10:ml"):
        Store.open(path, now=NOW)
