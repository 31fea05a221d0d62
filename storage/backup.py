"""Daily backups of the state file, and the check and restore behind `arxiv-digest state`.

Backups live beside the file, e.g. `state.json.bak/2026-11-22.json`: at most one per (UTC) day,
a copy of the last good file made before the first write of that day (or on opening it); the
newest `keep` are kept.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from pathlib import Path

from storage.atomic import atomic_write_bytes
from storage.errors import (
    CorruptStateError,
    NoGoodBackupError,
    StateInUseError,
    StateMissingError,
    StateUnwritableError,
)
from storage.layout import (
    DELIVERIES,
    FEEDS,
    PAPERS,
    PROFILES,
    SUBSCRIPTIONS,
    is_full,
    subscription_enabled,
)
from storage.lock import acquire_lock, lock_path
from storage.records import StateReport
from storage.schema import SCHEMA_VERSION, read_state

log = logging.getLogger(__name__)

_BACKUP_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")


def backup_dir(path: Path) -> Path:
    """The folder holding a state file's backups."""
    return path.with_name(path.name + ".bak")


def list_backups(path: Path) -> list[Path]:
    """A state file's daily backups, newest first."""
    folder = backup_dir(path)
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if _BACKUP_NAME.match(p.name)]
    # Newest written first: a backup named for a date a wrong clock gave must not pass for new.
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)


def make_daily_backup(path: Path, today: dt.date, keep: int, *, again: bool = False) -> Path | None:
    """Copy the state file to today's backup unless one exists (or `again`); keep the newest `keep`.

    Call it only while the file is known to be good. Returns the backup written, if any.
    """
    target = backup_dir(path) / f"{today.isoformat()}.json"
    if keep <= 0 or not path.exists() or (target.exists() and not again):
        return None
    target.parent.mkdir(exist_ok=True)
    atomic_write_bytes(target, path.read_bytes())
    for old in list_backups(path)[keep:]:
        old.unlink()
        log.debug("dropped old backup %s", old)
    log.info("backed up %s to %s", path, target)
    return target


def check_state(path: Path) -> StateReport:
    """Validate every document of a state file: what it holds, or what is wrong with it.

    A missing file is a StateMissingError; it is never written to.
    """
    path = Path(path)
    try:
        loaded = read_state(path, deep=True)
    except CorruptStateError as exc:
        return StateReport(path=path, problem=str(exc), backups=tuple(list_backups(path)))
    if loaded is None:
        raise StateMissingError(f"{path} does not exist (a new one is made when the bot starts)")
    data, version = loaded
    subscriptions = data[SUBSCRIPTIONS].values()
    return StateReport(
        path=path,
        schema_version=version,
        size_bytes=path.stat().st_size,
        subscriptions=len(subscriptions),
        enabled_subscriptions=sum(1 for s in subscriptions if subscription_enabled(s)),
        custom_profiles=len(data[PROFILES]),
        papers=len(data[PAPERS]),
        full_papers=sum(1 for p in data[PAPERS].values() if is_full(p)),
        deliveries=sum(len(doc) for doc in data[DELIVERIES].values()),
        feeds=len(data[FEEDS]),
        backups=tuple(list_backups(path)),
        needs_migration=version < SCHEMA_VERSION,
    )


def restore_latest_backup(path: Path, *, force: bool = False) -> Path:
    """Move a bad state file aside and put back the newest backup that validates; return it.

    The bad file goes to `<name>.corrupt-<its modification time, UTC>`. A good state file is left
    alone (StateInUseError) unless `force`. The file is locked meanwhile.
    """
    path = Path(path)
    had_lock_file = lock_path(path).exists()
    lock = acquire_lock(path)
    try:
        if not force and _is_good(path):
            raise StateInUseError(
                f"{path} is a good state file; nothing to restore (to roll back anyway, stop the "
                f"bot and copy a backup from {backup_dir(path)} over it)"
            )
        for candidate in list_backups(path):
            if not _is_good(candidate):
                continue
            try:
                if path.exists():
                    aside = _aside(path)
                    os.replace(path, aside)
                    log.warning("moved %s aside to %s", path, aside)
                atomic_write_bytes(path, candidate.read_bytes())
            except OSError as exc:
                raise StateUnwritableError(path, f"write {path}", exc) from None
            log.warning("restored %s from %s", path, candidate)
            return candidate
        raise NoGoodBackupError(f"no good backup of {path} in {backup_dir(path)}")
    finally:
        lock.release()
        if not had_lock_file:  # a restore that found nothing to do leaves nothing behind
            lock_path(path).unlink(missing_ok=True)


def _aside(path: Path) -> Path:
    modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    stem = f"{path.name}.corrupt-{modified:%Y%m%dT%H%M%SZ}"
    aside, n = path.with_name(stem), 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{stem}-{n}")
    return aside


def _is_good(path: Path) -> bool:
    try:
        return read_state(path, deep=True) is not None
    except CorruptStateError as exc:
        log.warning("%s", exc)
        return False
