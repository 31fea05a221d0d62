"""Configuration from the environment, and the token kept out of logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import ConfigError, RedactingFilter, Settings

TOKEN = "MTIz.secret-token-value"


def test_settings_from_env() -> None:
    s = Settings.from_env({"DISCORD_TOKEN": TOKEN, "ARXIV_DIGEST_DEV_GUILD": "42",
                           "ARXIV_DIGEST_STATE": "/tmp/x.json", "ARXIV_DIGEST_LOG_LEVEL": "debug"})
    assert (s.dev_guild_id, s.state_path, s.log_level) == (42, Path("/tmp/x.json"), "DEBUG")
    assert TOKEN not in repr(s)
    default = Settings.from_env({"DISCORD_TOKEN": TOKEN})
    assert default.state_path == Path("data/state.json") and default.dev_guild_id is None


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
