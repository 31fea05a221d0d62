"""Configuration from the environment, and the token kept out of logs."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import ConfigError, RedactingFilter, Settings, configure_logging, require_token

TOKEN = "MTIz.secret-token-value"


def test_settings_from_env() -> None:
    s = Settings.from_env({"DISCORD_TOKEN": TOKEN, "ARXIV_DIGEST_DEV_GUILD": "42",
                           "ARXIV_DIGEST_STATE": "/tmp/x.json", "ARXIV_DIGEST_LOG_LEVEL": "debug"})
    assert (s.dev_guild_id, s.state_path, s.log_level) == (42, Path("/tmp/x.json"), "DEBUG")
    assert TOKEN not in repr(s)
    default = Settings.from_env({"DISCORD_TOKEN": TOKEN})
    assert default.state_path == Path("data/state.json") and default.dev_guild_id is None
    assert (default.profiles_path, default.corpus_path) == (None, Path("../shared/corpus"))


def test_commands_other_than_run_read_the_same_settings_without_a_token() -> None:
    s = Settings.from_env({"ARXIV_DIGEST_PROFILES": "mine.json", "ARXIV_DIGEST_CORPUS": "papers/",
                           "ARXIV_DIGEST_STATE": "/srv/state.json"}, need_token=False)
    assert (s.token, s.profiles_path, s.corpus_path, s.state_path) == (
        "", Path("mine.json"), Path("papers"), Path("/srv/state.json"))
    with pytest.raises(ConfigError, match="DISCORD_TOKEN is not set"):
        require_token(s)
    assert require_token(Settings(token=TOKEN)).token == TOKEN


@pytest.mark.parametrize("env, message", [
    ({}, "DISCORD_TOKEN is not set"),
    ({"DISCORD_TOKEN": "  "}, "DISCORD_TOKEN is not set"),
    ({"DISCORD_TOKEN": TOKEN, "ARXIV_DIGEST_DEV_GUILD": "abc"}, "must be a whole number"),
    ({"DISCORD_TOKEN": TOKEN, "ARXIV_DIGEST_LOG_LEVEL": "LOUD"}, "not a log level"),
])
def test_bad_environment_is_a_clear_error(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_token_is_redacted_from_log_records(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redaction")
    logger.addFilter(RedactingFilter(TOKEN))
    with caplog.at_level(logging.INFO, logger="test.redaction"):
        logger.info("connecting with %s", TOKEN)
        logger.info("Authorization: Bot " + TOKEN)
    assert TOKEN not in caplog.text
    assert caplog.text.count("[redacted]") == 2


@pytest.fixture
def root_logging() -> Iterator[None]:
    """Restore the root logger's handlers and level after a test reconfigures them."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_configured_logging_redacts_the_token_in_messages_and_tracebacks(
        capsys: pytest.CaptureFixture[str], root_logging: None) -> None:
    configure_logging(Settings(token=TOKEN, log_level="DEBUG"))
    log = logging.getLogger("discord.http")  # any library's logger reaches the same handler
    log.debug("headers: %s", {"Authorization": f"Bot {TOKEN}"})
    try:
        raise RuntimeError(f"login failed for {TOKEN}")
    except RuntimeError:
        log.exception("start-up failed")
    err = capsys.readouterr().err
    assert TOKEN not in err
    assert "'Authorization': 'Bot [redacted]'" in err and "RuntimeError: login failed for [redacted]" in err


def test_zero_grace_means_never_late_and_is_kept() -> None:
    s = Settings.from_env({"ARXIV_DIGEST_GRACE_HOURS": "0", "ARXIV_DIGEST_RETENTION_DAYS": "1"},
                          need_token=False)
    assert (s.grace, s.retention_days) == (dt.timedelta(0), 1)
