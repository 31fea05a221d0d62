"""Older files are migrated; corrupt, mis-shaped or newer files are refused and left untouched."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from storage import SCHEMA_VERSION, CorruptStateError, Store, backup_dir, check_state
from tests.storage.conftest import NOW, sub

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
        assert store.delivered_ids(10, "ml") == {"2611.00001", "2611.00002", "2611.00003"}
    assert json.loads(path.read_bytes())["meta"]["schema"]["version"] == SCHEMA_VERSION
    assert (backup_dir(path) / f"{NOW.date()}.json").read_bytes() == raw
    assert not check_state(path).needs_migration


def test_an_empty_version_0_file_migrates_to_an_empty_store(path: Path) -> None:
    path.write_text("{}")
    with Store.open(path, now=NOW) as store:
        assert store.subscriptions() == []


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
        store.record_delivery(10, "ml", NOW.date(), ["a"], [1], NOW)
    data = json.loads(path.read_bytes())
    data["deliveries"]["10:2026-11-22"]["ml"]["m"] = ["not a number"]
    path.write_text(json.dumps(data))
    assert "deliveries/10:2026-11-22" in check_state(path).problem
    with Store.open(path, now=NOW):
        pass  # opening checks only what it must, and quickly
