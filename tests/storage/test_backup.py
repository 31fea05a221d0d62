"""Daily backups, their rotation, and the check and restore behind `arxiv-digest state`."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from storage import (
    SCHEMA_VERSION,
    NoGoodBackupError,
    StateInUseError,
    StateLockedError,
    StateMissingError,
    StateReport,
    Store,
    backup_dir,
    check_state,
    list_backups,
    restore_latest_backup,
)
from tests.storage.conftest import NOW, paper, sub

DAY = dt.timedelta(days=1)


def run_days(path: Path, days: int, *, backups: int = 7) -> None:
    """Open the store once and write to it on each of `days` days, twice a day."""
    with Store.open(path, now=NOW, backups=backups) as store:
        for n in range(days):
            for hour in (1, 13):
                now = NOW + n * DAY + dt.timedelta(hours=hour)
                store.record_delivery(10, "ml", now.date(), [f"p{n}-{hour}"], [n], now)
                store.flush()


def test_at_most_one_backup_a_day_and_only_the_last_seven(path: Path) -> None:
    run_days(path, 10)
    names = [p.name for p in list_backups(path)]
    assert names == [f"{NOW.date() + n * DAY}.json" for n in range(9, 2, -1)]


def test_a_backup_is_the_state_before_the_days_first_write(path: Path) -> None:
    run_days(path, 3)
    newest = json.loads(list_backups(path)[0].read_bytes())
    days = sorted(newest["deliveries"])
    assert days == ["10:2026-11-22", "10:2026-11-23"]  # day 3's writes came after its backup


def test_opening_on_a_new_day_backs_up_the_good_file(path: Path) -> None:
    with Store.open(path, now=NOW) as store:
        store.subscribe(sub())
    assert list_backups(path) == [backup_dir(path) / f"{NOW.date()}.json"]  # the new empty file
    with Store.open(path, now=NOW + DAY):
        pass
    assert next(p.name for p in list_backups(path)) == f"{NOW.date() + DAY}.json"
    assert list_backups(path)[0].read_bytes() == path.read_bytes()


def test_backups_can_be_turned_off(path: Path) -> None:
    run_days(path, 2, backups=0)
    assert list_backups(path) == []


def test_check_state_reports_what_the_file_holds(path: Path) -> None:
    with Store.open(path, now=NOW) as store:
        store.subscribe(sub())
        store.subscribe(sub(channel=11, enabled=False, disabled_reason="deleted channel"))
        store.remember_papers([paper(1), paper(2)], announced=NOW.date(), now=NOW)
        store.record_delivery(10, "ml", NOW.date(), [paper(1).arxiv_id], [5], NOW)
        store.record_delivery(10, "rl", NOW.date(), [], [6], NOW)
    assert check_state(path) == StateReport(
        path=path, schema_version=SCHEMA_VERSION, size_bytes=path.stat().st_size, subscriptions=2,
        enabled_subscriptions=1, custom_profiles=0, papers=2, full_papers=2, deliveries=2,
        feeds=0, backups=tuple(list_backups(path)),
    )


def test_check_state_summarises_for_people(path: Path) -> None:
    run_days(path, 2)
    report = check_state(path)
    assert report.ok
    assert report.summary().splitlines()[:2] == [
        f"{path}: OK, schema version {SCHEMA_VERSION}, {path.stat().st_size / 1e6:.1f} MB",
        "  subscriptions: 0 (0 enabled)",
    ]
    path.write_text("{")
    report = check_state(path)
    assert not report.ok
    assert report.summary().splitlines()[0] == f"{path}: NOT USABLE"
    assert "arxiv-digest state restore" in report.summary()


def test_check_state_of_a_missing_file(path: Path) -> None:
    with pytest.raises(StateMissingError):
        check_state(path)


def test_restore_puts_back_the_newest_good_backup(path: Path) -> None:
    run_days(path, 4)
    newest, second = list_backups(path)[:2]
    newest.write_text("{ torn")  # a damaged backup is skipped
    good = second.read_bytes()
    path.write_text('{"meta": nonsense')
    os.utime(path, (0, 1_795_000_000))
    assert restore_latest_backup(path) == second
    assert path.read_bytes() == good
    aside = path.with_name("state.json.corrupt-20261118T110640Z")
    assert aside.read_text() == '{"meta": nonsense'
    with Store.open(path, now=NOW + 5 * DAY) as store:
        assert store.delivered_ids(10, "ml", today=(NOW + 5 * DAY).date())


def test_restore_refuses_to_roll_back_a_good_file_unless_forced(path: Path) -> None:
    run_days(path, 2)
    current = path.read_bytes()
    with pytest.raises(StateInUseError):
        restore_latest_backup(path)
    assert path.read_bytes() == current
    restored = restore_latest_backup(path, force=True)
    assert path.read_bytes() == restored.read_bytes() != current


def test_restore_without_any_good_backup(path: Path) -> None:
    path.write_text("garbage")
    with pytest.raises(NoGoodBackupError):
        restore_latest_backup(path)
    assert path.read_text() == "garbage"


def test_restore_while_the_bot_runs_is_refused(path: Path) -> None:
    with Store.open(path, now=NOW), pytest.raises(StateLockedError):
        restore_latest_backup(path, force=True)


def test_a_backup_named_for_a_future_date_does_not_pass_for_the_newest(path: Path) -> None:
    """Written while the clock was 43 days ahead, it must not be what `state restore` picks."""
    with Store.open(path, now=NOW + 43 * DAY) as store:
        store.subscribe(sub())
    future = backup_dir(path) / f"{NOW.date() + 43 * DAY}.json"
    assert future.exists()
    past = future.stat().st_mtime_ns
    os.utime(future, ns=(past - 10**9, past - 10**9))  # written a second before the next one
    with Store.open(path, now=NOW + DAY) as store:
        store.subscribe(sub(channel=11))
    assert list_backups(path)[0].name == f"{NOW.date() + DAY}.json"
