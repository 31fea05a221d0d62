"""One process per state file: a second opener gets a clear StateLockedError."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from storage import StateLockedError, Store
from tests.storage.conftest import NOW

REPO = Path(__file__).resolve().parents[2]

HOLDER = textwrap.dedent("""
    import datetime as dt, sys
    from storage import Store
    now = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)
    with Store.open(sys.argv[1], now=now):
        print("holding", flush=True)
        sys.stdin.readline()
""")


def test_a_second_process_cannot_open_a_held_file(path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], cwd=REPO, env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        with pytest.raises(StateLockedError, match=f"another arxiv-digest is using {path}"):
            Store.open(path, now=NOW)
    finally:
        holder.communicate("done\n", timeout=10)
    assert holder.returncode == 0
    with Store.open(path, now=NOW):
        pass


def test_a_second_open_in_the_same_process_is_refused_too(path: Path) -> None:
    with Store.open(path, now=NOW), pytest.raises(StateLockedError):
        Store.open(path, now=NOW)
    with Store.open(path, now=NOW):
        pass


def test_two_paths_to_one_file_take_one_lock(path: Path, tmp_path: Path) -> None:
    """A second bot started through a symlink to the state file must not run beside the first."""
    with Store.open(path, now=NOW):
        pass  # the file exists now
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = elsewhere / "state.json"
    link.symlink_to(path)
    with Store.open(path, now=NOW), pytest.raises(StateLockedError):
        Store.open(link, now=NOW)
    with Store.open(link, now=NOW) as store:
        store.flush()
    assert link.is_symlink() and link.resolve() == path  # writes went through the link
