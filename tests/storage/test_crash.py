"""Crash safety: a writer SIGKILLed at random moments always leaves one complete version."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from storage import Store, check_state
from tests.storage.conftest import NOW

REPO = Path(__file__).resolve().parents[2]
KILLS = 25

WRITER = textwrap.dedent("""
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
            batch = [Paper(f"2611.{i:05d}", f"version {version}", abstract) for i in range(1500)]
            with store.batch():
                store.remember_papers(batch, announced=now.date(), now=now)
                store.set_feed_state(["cs.LG"], FeedState(str(version), now))
            print(version, flush=True)
""")


def kill_at_random(path: Path, rng: random.Random) -> tuple[int, bool]:
    """Run the writer, SIGKILL it at a random moment; (last version it saw written, torn write?)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    ready = writer.stdout.readline().split()
    assert ready[0] == "ready", ready
    time.sleep(rng.uniform(0.0, 0.25))
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    printed = [int(line) for line in writer.stdout.read().split()]
    writer.stdout.close()
    torn = any(path.parent.glob(f".{path.name}.*.tmp"))
    return (printed[-1] if printed else int(ready[1])), torn


def test_sigkill_at_random_moments_never_tears_the_file(path: Path) -> None:
    rng = random.Random(7)
    torn_writes = 0
    for _ in range(KILLS):
        confirmed, torn = kill_at_random(path, rng)
        torn_writes += torn
        check_state(path)  # parses and validates, every document
        data = json.loads(path.read_bytes())
        version = int(data["feeds"]["cs.LG"]["fingerprint"]) if data["feeds"] else 0
        assert confirmed <= version <= confirmed + 1
        assert len(data["papers"]) == (1500 if version else 0)
        assert {doc["t"] for doc in data["papers"].values()} <= {f"version {version}"}
    with Store.open(path, now=NOW):
        assert not list(path.parent.glob(f".{path.name}.*.tmp"))  # leftovers are cleaned up
    print(f"{KILLS} kills, {torn_writes} of them in the middle of a write")
