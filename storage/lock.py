"""One process per state file: a non-blocking lock file beside it."""

from __future__ import annotations

import os
from pathlib import Path

from filelock import FileLock, Timeout

from storage.errors import StateLockedError, StateUnwritableError


def lock_path(path: Path) -> Path:
    """Where the lock for a state file lives: beside the file itself, whatever symlinks or
    relative steps lead to it, so two paths to one file take one lock."""
    real = path.resolve()
    return real.with_name(real.name + ".lock")


def acquire_lock(path: Path) -> FileLock:
    """Take the state file's lock now, or raise StateLockedError if another process holds it
    (StateUnwritableError if the lock file cannot even be made: a read-only or missing folder)."""
    where = lock_path(path)
    try:  # filelock would report a lock file it may not create as one held by someone else
        os.close(os.open(where, os.O_RDWR | os.O_CREAT, 0o644))
    except OSError as exc:
        raise StateUnwritableError(path, f"create the lock file {where}", exc) from None
    lock = FileLock(str(where))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise StateLockedError(path) from None
    return lock
