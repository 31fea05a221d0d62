"""Crash-safe JSON files, and the TinyDB storage and write-back cache built on them.

Every write goes to a temp file in the same directory (flushed, fsynced), replaces the target with
`os.replace`, then fsyncs the directory: a crash leaves the old file or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import cast

from tinydb.middlewares import CachingMiddleware
from tinydb.storages import Storage

from storage.encoding import IncrementalEncoder, Tables

log = logging.getLogger(__name__)

TEMP_SUFFIX = ".tmp"


def atomic_write_bytes(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Replace `path` with `data` (bytes, or chunks of it), so that a crash at any moment leaves
    the old file or the new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with contextlib.suppress(FileNotFoundError):
            os.fchmod(fd, stat.S_IMODE(path.stat().st_mode))
        with os.fdopen(fd, "wb") as handle:
            handle.writelines([data] if isinstance(data, bytes) else data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    """Make a rename inside `directory` durable (a no-op where directories can't be opened)."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(directory, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temp_files(path: Path) -> int:
    """Delete temp files a killed writer left beside `path`; call only while holding its lock."""
    removed = 0
    for leftover in path.parent.glob(f".{path.name}.*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
            removed += 1
    if removed:
        log.info("removed %d temp file(s) left by an interrupted write beside %s", removed, path)
    return removed


class AtomicJSONStorage(Storage):
    """A TinyDB storage whose every write atomically replaces the whole JSON file.

    `initial` hands over data already read and validated, so the file isn't parsed twice. Tables
    report the documents they write with `touch`, so unchanged ones aren't encoded again.
    """

    def __init__(self, path: str | Path, initial: Tables | None = None) -> None:
        self.path = Path(path)
        self._initial = initial
        self._encoder = IncrementalEncoder()

    def touch(self, table: str, keys: Iterable[str] | None) -> None:
        """Note documents written to `table` since the last write (None: maybe all)."""
        self._encoder.touch(table, keys)

    def read(self) -> Tables | None:
        if self._initial is not None:
            data, self._initial = self._initial, None
            return data
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        loaded: Tables = json.loads(raw)
        return loaded

    def write(self, data: Tables) -> None:
        atomic_write_bytes(self.path, self._encoder.encode(data))


class WriteBackCache(CachingMiddleware):
    """TinyDB's caching middleware without its write-count trigger: it writes on `flush()` only."""

    WRITE_CACHE_SIZE = sys.maxsize

    def __init__(self, storage_cls: type[Storage]) -> None:
        super().__init__(storage_cls)  # type: ignore[no-untyped-call]  # tinydb leaves it unannotated
        self.pending = 0

    def write(self, data: Tables) -> None:
        super().write(data)  # type: ignore[no-untyped-call]
        self.pending += 1

    def flush(self) -> None:
        super().flush()  # type: ignore[no-untyped-call]
        self.pending = 0

    def touch(self, table: str, keys: Iterable[str] | None) -> None:
        """Pass on which documents a table wrote (see `AtomicJSONStorage.touch`)."""
        cast(AtomicJSONStorage, self.storage).touch(table, keys)
