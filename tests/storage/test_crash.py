"""Crash safety: a writer SIGKILLed at random moments, and in the middle of its large writes,
always leaves one complete version of the file."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from storage import Store, check_state
from tests.storage.conftest import NOW

REPO = Path(__file__).resolve().parents[2]
PAPERS = 3000  # about 3.7 MB a write
RANDOM_KILLS = 10
MID_WRITE_KILLS = 20

WRITER = textwrap.dedent(f"""
    import datetime as dt, sys
    from digest.models import Paper
    from storage import FeedState, Store
    now = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)
    abstract = "We study a problem of some size. " * 35
    with Store.open(sys.argv[1], now=now) as store:
        state = store.feed_state(["cs.LG"])
        version = int(state.fingerprint) if state else 0
        print("ready", version, flush=True)
        while True:
            version += 1
            batch = [Paper(f"2611.{{i:05d}}", f"version {{version}}", abstract)
                     for i in range({PAPERS})]
            with store.batch():
                store.remember_papers(batch, announced=now.date(), now=now)
                store.set_feed_state(["cs.LG"], FeedState(str(version), now))
            print(version, flush=True)
""")

Wait = Callable[[Path, random.Random], None]


def temp_files(path: Path) -> list[Path]:
    """Temp files of a write to `path` that has started and not yet replaced it."""
    return list(path.parent.glob(f".{path.name}.*.tmp"))


def any_moment(path: Path, rng: random.Random) -> None:
    time.sleep(rng.uniform(0.0, 0.3))


def mid_write(path: Path, rng: random.Random) -> None:
    """Return while a write of the state file is under way (its temp file exists)."""
    deadline = time.monotonic() + 20
    while not temp_files(path):
        assert time.monotonic() < deadline, "the writer never started a write"
    time.sleep(rng.uniform(0.0, 0.001))


def kill_writer(path: Path, rng: random.Random, wait: Wait) -> tuple[int, bool]:
    """Run the writer, SIGKILL it once `wait` returns; (last version it saw written, killed while
    a temp file existed)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    ready = writer.stdout.readline().split()
    assert ready[0] == "ready", ready
    wait(path, rng)
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    assert writer.returncode == -signal.SIGKILL
    printed = [int(line) for line in writer.stdout.read().split()]
    writer.stdout.close()
    return (printed[-1] if printed else int(ready[1])), bool(temp_files(path))


def assert_one_whole_version(path: Path, confirmed: int) -> None:
    """The file holds exactly one written version: the last confirmed one, or the next."""
    assert check_state(path).ok  # parses and validates, every document
    data = json.loads(path.read_bytes())
    version = int(data["feeds"]["cs.LG"]["fingerprint"]) if data["feeds"] else 0
    assert confirmed <= version <= confirmed + 1
    assert len(data["papers"]) == (PAPERS if version else 0)
    assert {doc["t"] for doc in data["papers"].values()} <= {f"version {version}"}


@pytest.mark.slow
def test_sigkill_at_any_moment_or_mid_write_never_tears_the_file(path: Path) -> None:
    rng = random.Random(7)
    waits = [any_moment] * RANDOM_KILLS + [mid_write] * MID_WRITE_KILLS
    rng.shuffle(waits)
    interrupted = 0
    for wait in waits:
        confirmed, torn = kill_writer(path, rng, wait)
        interrupted += torn
        assert_one_whole_version(path, confirmed)
    # A kill leaves a temp file only if it landed between the temp file's creation and the
    # rename; most of the aimed kills must have, or this test proved nothing about writes.
    assert interrupted >= MID_WRITE_KILLS // 2, f"only {interrupted} kills interrupted a write"
    with Store.open(path, now=NOW):
        assert not temp_files(path)  # leftovers are cleaned up
    print(f"{len(waits)} kills, {interrupted} of them in the middle of a write")
