"""The state file's life: locked, loaded (or created, or migrated), backed up, written in batches.

Changes collect in TinyDB's cache and reach the disk in one atomic write when the outermost
`batch()` ends, or on `flush()` and `close()`. The clock is whatever `now` callers pass in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

from filelock import FileLock

from storage.atomic import (
    AtomicJSONStorage,
    WriteBackCache,
    atomic_write_bytes,
    remove_stale_temp_files,
)
from storage.backup import backup_dir, list_backups, make_daily_backup
from storage.encoding import encode_json
from storage.errors import (
    InvalidRecordError,
    StateMissingError,
    StateUnwritableError,
    StoreClosedError,
)
from storage.lock import acquire_lock
from storage.schema import SCHEMA_VERSION, empty_state, read_state
from storage.tables import KeyedTable, StateDB

log = logging.getLogger(__name__)


def utc_date(now: dt.datetime) -> dt.date:
    """The UTC calendar date of an aware instant; InvalidRecordError for a naive one."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidRecordError(f"the store needs aware datetimes, got naive {now.isoformat()}")
    return now.astimezone(dt.UTC).date()


def _refuse_to_start_over(path: Path) -> None:
    # A missing file beside its backups was lost, not never made: starting empty would drop
    # every subscription, and the empty file's backups would push the good ones out in a week.
    backups = list_backups(path)
    if backups:
        raise StateMissingError(
            f"{path} is missing, but {backup_dir(path)} holds {len(backups)} backup(s), the "
            f"newest {backups[0].name}. Run `arxiv-digest state restore` to bring it back, or "
            "move the backups away to start with an empty state"
        )


class StateFile:
    """One state file, held under its lock from `open` to `close`."""

    def __init__(
        self, path: Path, db: StateDB, cache: WriteBackCache, lock: FileLock, *,
        now: dt.datetime, backups: int,
    ) -> None:
        self.path = path
        self.now = now  # the latest time the store was given, never going back
        self.after_write: Callable[[], None] | None = None  # called once a write is on disk
        self._db, self._cache, self._lock = db, cache, lock
        self._backups = backups
        self._depth = 0
        self._closed = False

    @classmethod
    def open(cls, path: Path, *, now: dt.datetime, backups: int = 7) -> StateFile:
        """Lock the file, then load it (migrating and backing up) or create it; a file that is
        missing while its backups exist is a StateMissingError, not a fresh start."""
        today = utc_date(now)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StateUnwritableError(path, f"create the folder {path.parent}", exc) from None
        lock = acquire_lock(path)
        try:
            remove_stale_temp_files(path)
            loaded = read_state(path)
            if loaded is None:
                _refuse_to_start_over(path)
            data, version = loaded if loaded else (empty_state(), None)
            if version is not None:
                make_daily_backup(path, today, backups, again=version < SCHEMA_VERSION)
            if version != SCHEMA_VERSION:
                atomic_write_bytes(path, encode_json(data))
                log.info("wrote %s as schema version %d (it was %s)", path, SCHEMA_VERSION,
                         "new" if version is None else f"version {version}")
            cache = WriteBackCache(AtomicJSONStorage)
            db = StateDB(path, initial=data, storage=cache)
        except BaseException:
            lock.release()
            raise
        return cls(path, db, cache, lock, now=now, backups=backups)

    def observe(self, now: dt.datetime) -> dt.date:
        """Note `now` (`self.now` only ever moves on); its UTC date."""
        today = utc_date(now)
        self.now = max(self.now, now)
        return today

    def table(self, name: str) -> KeyedTable:
        """One of the file's tables."""
        self._require_open()
        return self._db.keyed_table(name)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Group changes: the file is written once, as the outermost batch ends (even on error)."""
        self._require_open()
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self.flush()

    def flush(self) -> None:
        """Write all pending changes in one atomic file write (after the day's backup, if due)."""
        if self._cache.pending:
            make_daily_backup(self.path, utc_date(self.now), self._backups)
            self._cache.flush()
            if self.after_write is not None:
                self.after_write()

    def close(self) -> None:
        """Flush and release the lock; safe to call twice."""
        if self._closed:
            return
        try:
            self.flush()
        finally:
            self._closed = True
            self._db.close()
            self._lock.release()

    def _require_open(self) -> None:
        if self._closed:
            raise StoreClosedError(f"the store for {self.path} is closed")
