"""One process per state file: a non-blocking lock file beside it."""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout

from storage.errors import StateLockedError


def lock_path(path: Path) -> Path:
    """Where the lock for a state file lives: beside the file itself, whatever symlinks or
    relative steps lead to it, so two paths to one file take one lock."""
    real = path.resolve()
    return real.with_name(real.name + ".lock")


def acquire_lock(path: Path) -> FileLock:
    """Take the state file's lock now, or raise StateLockedError if another process holds it."""
    lock = FileLock(str(lock_path(path)))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise StateLockedError(path) from None
    return lock
