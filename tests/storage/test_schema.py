"""Older files are migrated; corrupt, mis-shaped or newer files are refused and left untouched."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from storage import (
    SCHEMA_VERSION,
    CorruptStateError,
    StateMissingError,
    Store,
    backup_dir,
    check_state,
    restore_latest_backup,
)
from tests.storage.conftest import NOW, paper, sub

V0 = {
    "_default": {
        "1": {"guild": 1, "channel": 10, "topic": "ml", "hour": 7, "tz": "Europe/Berlin",
              "categories": ["cs.LG"]},
        "2": {"guild": 1, "channel": 11, "topic": "rl"},
    },
    "posted": {
        "1": {"channel": 10, "topic": "ml", "date": "2026-11-21",
              "ids": ["2611.00001", "2611.00002"]},
        "2": {"channel": 10, "topic": "ml", "date": "2026-11-21",
              "ids": ["2611.00002", "2611.00003"]},
    },
}


def test_a_version_0_file_is_migrated_and_backed_up(path: Path) -> None:
    raw = json.dumps(V0).encode()
    path.write_bytes(raw)
    assert check_state(path).needs_migration
    with Store.open(path, now=NOW) as store:
        assert store.subscriptions() == [
            sub(post_time=dt.time(7, 0), timezone="Europe/Berlin", categories=("cs.LG",)),
            sub(channel=11, slug="rl"),
        ]
        assert store.delivered_ids(10, "ml", today=NOW.date()) == {"2611.00001", "2611.00002", "2611.00003"}
    assert json.loads(path.read_bytes())["meta"]["schema"]["version"] == SCHEMA_VERSION
    assert (backup_dir(path) / f"{NOW.date()}.json").read_bytes() == raw
    assert not check_state(path).needs_migration


def test_an_empty_version_0_file_migrates_to_an_empty_store(path: Path) -> None:
    path.write_text("{}")
    with Store.open(path, now=NOW) as store:
        assert store.subscriptions() == []


def v1(**tables: object) -> bytes:
    """A version 1 file with empty tables, but for those given."""
    names = ("subscriptions", "profiles", "papers", "deliveries", "feeds")
    return json.dumps({"meta": {"schema": {"version": 1}}, **{name: {} for name in names},
                       **tables}).encode()


CORRUPT = {
    "truncated JSON": b'{"meta":{"schema":{"version":1}},"subscr',
    "not UTF-8": b"\xff\xfe{}",
    "empty file": b"",
    "a list": b"[1, 2, 3]",
    "a table that is not an object": b'{"meta": {"schema": {"version": 1}}, "papers": []}',
    "a version that isn't a number": b'{"meta": {"schema": {"version": "one"}}}',
    "a missing table": b'{"meta": {"schema": {"version": 1}}, "papers": {}}',
    "unknown tables and no version": b'{"users": {}}',
    "a broken subscription": json.dumps({
        "meta": {"schema": {"version": 1}}, "subscriptions": {"1:10:ml": {"guild": 1}},
        "profiles": {}, "papers": {}, "deliveries": {}, "feeds": {}}).encode(),
    "a paper without dates": json.dumps({
        "meta": {"schema": {"version": 1}}, "subscriptions": {}, "profiles": {},
        "papers": {"2611.00001": {"t": "x"}}, "deliveries": {}, "feeds": {}}).encode(),
    "a paper with a date that isn't one": v1(papers={"2611.00001": {"s": "2026-11-22",
                                                                     "a": "yesterday"}}),
    "delivered ids that are a string": v1(deliveries={"10:2026-11-22": {
        "ml": {"i": "2611.00001", "m": [1], "t": 0}}}),
    "a delivery record that is a list": v1(deliveries={"10:2026-11-22": {"ml": []}}),
    "a delivery under a bad id": v1(deliveries={"10-2026-11-22": {}}),
    "a newer schema version": json.dumps(
        {"meta": {"schema": {"version": SCHEMA_VERSION + 1}}}).encode(),
}


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_a_bad_file_is_refused_and_never_overwritten(path: Path, content: bytes) -> None:
    path.write_bytes(content)
    with pytest.raises(CorruptStateError) as caught:
        Store.open(path, now=NOW)
    message = str(caught.value)
    assert str(path) in message
    assert "arxiv-digest state check" in message and "arxiv-digest state restore" in message
    assert path.read_bytes() == content
    assert not backup_dir(path).exists()
    report = check_state(path)
    assert not report.ok
    assert str(path) in report.problem and "arxiv-digest state restore" in report.problem
    with Store.open(path.with_name("other.json"), now=NOW):
        pass  # the lock of the refused file was released; other files are unaffected
    with pytest.raises(CorruptStateError):
        Store.open(path, now=NOW)


def test_a_newer_version_says_to_upgrade(path: Path) -> None:
    path.write_bytes(CORRUPT["a newer schema version"])
    with pytest.raises(CorruptStateError, match=rf"schema version {SCHEMA_VERSION + 1}.*upgrade"):
        Store.open(path, now=NOW)


def test_the_deep_check_finds_what_opening_skips(path: Path) -> None:
    with Store.open(path, now=NOW) as store:
        store.remember_papers([paper(1)], announced=NOW.date(), now=NOW)
    data = json.loads(path.read_bytes())
    data["papers"][paper(1).arxiv_id]["au"] = "Ada Lovelace"
    path.write_text(json.dumps(data))
    assert f"papers/{paper(1).arxiv_id}" in check_state(path).problem
    with Store.open(path, now=NOW):
        pass  # opening checks only what it must, and quickly: not every paper's metadata


def test_an_unreadable_file_is_refused(path: Path) -> None:
    path.mkdir()  # reading it fails, as a file without read permission would
    with pytest.raises(CorruptStateError, match=rf"{path}: cannot be read \(Is a directory\)"):
        Store.open(path, now=NOW)
    assert path.is_dir() and not backup_dir(path).exists()
    assert "cannot be read" in check_state(path).problem


def test_a_lost_file_whose_backups_remain_is_not_started_afresh(path: Path) -> None:
    with Store.open(path, now=NOW) as store:
        store.subscribe(sub())
    with Store.open(path, now=NOW + dt.timedelta(days=1)):
        pass  # backs up the file with its subscription
    path.unlink()
    with pytest.raises(StateMissingError, match=rf"{path} is missing.*arxiv-digest state restore"):
        Store.open(path, now=NOW + dt.timedelta(days=2))
    assert not path.exists()
    restore_latest_backup(path)
    with Store.open(path, now=NOW + dt.timedelta(days=2)) as store:
        assert store.subscriptions() == [sub()]
