"""The delivery journal: an append-only, fsynced log of what was posted, beside the state file.

Writing the whole state file after every message would cost a full rewrite per message. Instead
each delivery is appended here (a few hundred bytes, one fsync) before the next message goes out;
the journal is emptied once the state file holding those deliveries is safely written, and
replayed into the state when the store opens after a crash. A line torn by a kill mid-append is
ignored: its message is the one in flight, which the send's nonce keeps from being posted twice.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def journal_path(path: Path) -> Path:
    """Where a state file's journal lives."""
    return path.with_name(path.name + ".journal")


class Journal:
    """Appends records durably; reads back the whole ones; empties itself."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = 0  # bytes appended since the journal was last emptied
        self._fd: int | None = None

    def append(self, record: Mapping[str, Any]) -> None:
        """Add one record and fsync it; OSError (a full disk) is the caller's to handle."""
        line = (json.dumps(record, separators=(",", ":"), sort_keys=True) + "\n").encode()
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        written = os.write(self._fd, line)
        if written != len(line):
            raise OSError(f"short write to {self.path} ({written} of {len(line)} bytes)")
        os.fsync(self._fd)
        self.size += written

    def read(self) -> list[dict[str, Any]]:
        """The whole records, in order; a torn or garbled line is skipped with a log line."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        records = []
        for number, line in enumerate(data.split(b"\n"), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                log.warning("%s line %d is torn (a crash mid-write); skipped", self.path, number)
                continue
            if isinstance(record, dict):
                records.append(record)
        return records

    def clear(self) -> None:
        """Empty the journal, durably (its records are in the state file now)."""
        self.close()
        with open(self.path, "wb") as handle:
            handle.flush()
            os.fsync(handle.fileno())
        self.size = 0

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
