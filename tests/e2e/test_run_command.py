"""`arxiv-digest run` against the fake Discord: what a user sees when Discord refuses the token."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from tests.e2e.conftest import CHANNELS, GUILD
from tests.support.fake_discord import TOKEN, FakeDiscord
from tests.support.patch import patch_discord


@pytest.fixture
def fake_in_thread() -> Iterator[FakeDiscord]:
    """The fake Discord on its own event loop and thread, so that the CLI can run its own."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    fake = FakeDiscord({GUILD: CHANNELS}, token=TOKEN)
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result(10)
    try:
        with patch_discord(fake.url):
            yield fake
    finally:
        asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_a_rejected_token_ends_run_with_one_clear_line(
        fake_in_thread: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    wrong = "MTIz.wrong-token.value"
    monkeypatch.setenv("DISCORD_TOKEN", wrong)
    monkeypatch.setenv("ARXIV_DIGEST_STATE", str(tmp_path / "state.json"))
    monkeypatch.setattr(logging.getLogger("aiohttp.access"), "disabled", True)  # the fake's own log
    root = logging.getLogger()  # `run` configures logging; the other tests keep theirs
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    code = main(["run"])
    out, err = capsys.readouterr()
    assert code == 1
    *log_lines, last = err.splitlines()
    assert last == ("arxiv-digest: Discord refused the token in DISCORD_TOKEN (401 Unauthorized). "
                    "Copy the bot's token again from the Developer Portal (Bot, Reset Token), "
                    "export it and run again.")
    # Before it, only the bot's ordinary start-up log: no traceback, no error, no voice warning.
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in log_lines]  # colour on a terminal
    assert all(re.search(r"\bINFO\b", line) for line in plain), plain
    assert len(log_lines) <= 3 and wrong not in out + err
    [login] = [r for r in fake_in_thread.requests if r.path == "/users/@me"]
    assert fake_in_thread.statuses[login.seq] == 401
    assert (tmp_path / "state.json").exists()  # the store opened and closed cleanly


def test_run_with_discord_unreachable_ends_with_one_clear_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on: refused at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(logging.getLogger("aiohttp.access"), "disabled", True)
    root = logging.getLogger()  # `run` configures logging; the other tests keep theirs
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    with patch_discord(f"http://127.0.0.1:{port}"):
        code = main(["run"], env={"DISCORD_TOKEN": TOKEN, "ARXIV_DIGEST_STATE": str(tmp_path / "s.json")})
    err = capsys.readouterr().err
    assert code == 1
    assert err.splitlines()[-1].startswith("arxiv-digest: could not reach Discord to log in (")
    assert err.splitlines()[-1].endswith("check the network or proxy, then run again.")
    assert "Traceback" not in err
