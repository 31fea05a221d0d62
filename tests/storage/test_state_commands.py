"""The store's errors and recovery as a user meets them: `arxiv-digest state check|restore`, and
`arxiv-digest run` on a held or corrupt file: the command line's entry point, with its exit
status and output, and once as a real process."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from storage import SCHEMA_VERSION, Store, list_backups
from tests.storage.conftest import NOW, sub

REPO = Path(__file__).resolve().parents[2]
Cli = Callable[..., "subprocess.CompletedProcess[str]"]


def arxiv_digest(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the command line as a user would, in a fresh process."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **env}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=REPO, env=full_env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
        ) -> Callable[..., subprocess.CompletedProcess[str]]:
    """The command line's entry point, in this process, with an environment of its own (and the
    root logger put back afterwards: `run` sets up logging for the whole process)."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        code = main(list(args), env=env)
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, out, err)
    return run


def test_check_then_restore_a_corrupt_file(path: Path, cli: Cli) -> None:
    with Store.open(path, now=NOW) as store:
        store.subscribe(sub())
    with Store.open(path, now=NOW + dt.timedelta(days=1)):
        pass  # today's backup now holds the subscription
    good = cli("state", "check", "--state", str(path))
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith(f"{path}: OK, schema version {SCHEMA_VERSION}")
    assert "subscriptions: 1 (1 enabled)" in good.stdout

    path.write_text('{"meta": ')
    bad = cli("state", "check", "--state", str(path))
    assert bad.returncode == 1
    assert bad.stdout.startswith(f"{path}: NOT USABLE\n  {path}: is not valid JSON")
    assert path.read_text() == '{"meta": '

    restored = cli("state", "restore", "--state", str(path))
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout == f"Restored {path} from {list_backups(path)[0]}.\n"
    assert [p.read_text() for p in path.parent.glob("state.json.corrupt-*")] == ['{"meta": ']
    with Store.open(path, now=NOW + dt.timedelta(days=1)) as store:
        assert store.subscriptions() == [sub()]

    again = cli("state", "restore", "--state", str(path))
    assert again.returncode == 1
    assert again.stderr.startswith(f"arxiv-digest: {path} is a good state file; nothing to restore")


def test_check_of_a_missing_file_says_so(path: Path, cli: Cli) -> None:
    result = cli("state", "check", ARXIV_DIGEST_STATE=str(path))
    assert result.returncode == 1
    assert result.stderr.startswith(f"arxiv-digest: {path} does not exist")
    assert not path.exists()


def test_a_second_run_on_a_held_file_refuses_to_start(path: Path) -> None:
    with Store.open(path, now=NOW):
        result = arxiv_digest("run", DISCORD_TOKEN="not-a-token", ARXIV_DIGEST_STATE=str(path))
    assert result.returncode == 1
    assert result.stderr.startswith(f"arxiv-digest: another arxiv-digest is using {path}")


def test_run_on_a_corrupt_file_stops_and_says_how_to_recover(path: Path, cli: Cli) -> None:
    path.write_text('{"meta": {"schema": {"version": 99}}}')
    result = cli("run", DISCORD_TOKEN="not-a-token", ARXIV_DIGEST_STATE=str(path))
    assert result.returncode == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"arxiv-digest: {path}: has schema version 99, newer than the {SCHEMA_VERSION}")
    assert "arxiv-digest state check" in first and "arxiv-digest state restore" in first
    assert path.read_text() == '{"meta": {"schema": {"version": 99}}}'


def test_a_state_file_where_none_can_be_written_is_named_with_the_fix(tmp_path: Path, cli: Cli) -> None:
    # /proc takes no new files; a path through a plain file cannot become a folder
    result = cli("run", DISCORD_TOKEN="t", ARXIV_DIGEST_STATE="/proc/state.json")
    assert result.returncode == 1
    assert result.stderr.startswith("arxiv-digest: cannot create the lock file /proc/state.json.lock (")
    assert "point ARXIV_DIGEST_STATE (or --state) at a file in a writable folder" in result.stderr
    assert "another arxiv-digest" not in result.stderr
    (tmp_path / "plain").write_text("")
    result = cli("run", DISCORD_TOKEN="t", ARXIV_DIGEST_STATE=str(tmp_path / "plain" / "state.json"))
    assert result.returncode == 1
    assert result.stderr.startswith(f"arxiv-digest: cannot create the folder {tmp_path / 'plain'} (")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_restore_with_nothing_to_restore_leaves_no_lock_behind(path: Path, cli: Cli) -> None:
    path.write_text('{"meta": ')
    result = cli("state", "restore", "--state", str(path))
    assert result.returncode == 1
    assert result.stderr.startswith(f"arxiv-digest: no good backup of {path}")
    assert sorted(p.name for p in path.parent.iterdir()) == ["state.json"]
    result = cli("state", "restore", "--state", "/proc/state.json")
    assert result.returncode == 1 and "cannot create the lock file" in result.stderr
