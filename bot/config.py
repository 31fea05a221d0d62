"""The bot's configuration, read from the environment once, at start-up."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import discord

from digest.errors import UserError


class ConfigError(UserError):
    """The environment does not configure a runnable bot."""


DEFAULT_STATE_PATH = Path("data/state.json")
ENVIRONMENT_HELP = """\
  DISCORD_TOKEN                the bot token (required for run; never logged)
  ARXIV_DIGEST_STATE           the TinyDB state file (default data/state.json)
  ARXIV_DIGEST_DEV_GUILD       a server id whose commands sync at once (development)
  ARXIV_DIGEST_LOG_LEVEL       DEBUG, INFO, WARNING, ... (default INFO)
  ARXIV_DIGEST_PROFILES        profiles JSON from `arxiv-digest learn` (default: the shipped ones)
  ARXIV_DIGEST_CORPUS          the corpus `learn` reads by default (default ../shared/corpus)
  ARXIV_DIGEST_CACHE           where `learn` keeps abstracts it looked up on arXiv
                               (default $XDG_CACHE_HOME/arxiv-digest or ~/.cache/arxiv-digest)
  ARXIV_DIGEST_RETENTION_DAYS  days seen papers and deliveries are kept (default 30, at least 1)
  ARXIV_DIGEST_GRACE_HOURS     how late a missed digest may still post (default 6, 0 = never late)
  ARXIV_DIGEST_CONTACT         your email or URL, sent to arXiv in the User-Agent (arXiv asks)
  HTTPS_PROXY, HTTP_PROXY      a proxy to reach arXiv through
"""
NO_TOKEN = ("DISCORD_TOKEN is not set. Create a bot token in the Discord developer portal "
            "and export DISCORD_TOKEN=... before `arxiv-digest run`.")
DEFAULT_CORPUS_PATH = Path("../shared/corpus")
DEFAULT_CACHE_DIR = Path(".cache/arxiv-digest")  # relative only when $HOME is unknown


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the commands read from the environment; the token is kept out of repr and logs.

    `from_env` is the one place the environment is read. Only `arxiv-digest run` needs a token;
    the other commands read the same settings without one.
    """

    token: str = field(repr=False, default="")
    state_path: Path = DEFAULT_STATE_PATH
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    profiles_path: Path | None = None
    corpus_path: Path = DEFAULT_CORPUS_PATH
    cache_dir: Path = DEFAULT_CACHE_DIR
    contact: str = ""  # for arXiv's logs: who runs this bot (an email or URL)
    retention_days: int = 30
    grace: dt.timedelta = dt.timedelta(hours=6)

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, need_token: bool = True) -> Settings:
        """Settings from environment variables; a missing token (when needed) or a bad value is
        a ConfigError that names the variable."""
        token = env.get("DISCORD_TOKEN", "").strip()
        if need_token and not token:
            raise ConfigError(NO_TOKEN)
        level = env.get("ARXIV_DIGEST_LOG_LEVEL", "INFO").upper()
        if not isinstance(logging.getLevelName(level), int):
            raise ConfigError(f"ARXIV_DIGEST_LOG_LEVEL={level!r} is not a log level (try INFO or DEBUG)")
        return cls(
            token=token,
            state_path=Path(env.get("ARXIV_DIGEST_STATE") or DEFAULT_STATE_PATH),
            dev_guild_id=_int(env, "ARXIV_DIGEST_DEV_GUILD"),
            log_level=level,
            profiles_path=Path(env["ARXIV_DIGEST_PROFILES"]) if env.get("ARXIV_DIGEST_PROFILES") else None,
            corpus_path=Path(env.get("ARXIV_DIGEST_CORPUS") or DEFAULT_CORPUS_PATH),
            cache_dir=_cache_dir(env),
            contact=env.get("ARXIV_DIGEST_CONTACT", "").strip(),
            retention_days=_at_least(env, "ARXIV_DIGEST_RETENTION_DAYS", 1, default=30),
            grace=dt.timedelta(hours=_at_least(env, "ARXIV_DIGEST_GRACE_HOURS", 0, default=6)),
        )


def require_token(settings: Settings) -> Settings:
    """The settings, if they carry a token; a ConfigError saying how to get one if not."""
    if not settings.token:
        raise ConfigError(NO_TOKEN)
    return settings


def _cache_dir(env: Mapping[str, str]) -> Path:
    """$ARXIV_DIGEST_CACHE, else the XDG cache folder ($XDG_CACHE_HOME or ~/.cache)/arxiv-digest."""
    if env.get("ARXIV_DIGEST_CACHE"):
        return Path(env["ARXIV_DIGEST_CACHE"])
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]) / "arxiv-digest"
    if env.get("HOME"):
        return Path(env["HOME"]) / ".cache" / "arxiv-digest"
    return DEFAULT_CACHE_DIR


def _at_least(env: Mapping[str, str], name: str, low: int, *, default: int) -> int:
    value = _int(env, name)
    if value is None:
        return default
    if value < low:
        raise ConfigError(f"{name}={value} is too small: set it to {low} or more, or unset it "
                          f"for the default ({default})")
    return value


def _int(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} must be a whole number; fix or unset it") from None


class RedactingFilter(logging.Filter):
    """Replaces a secret with '[redacted]' in every log record passing through, tracebacks too."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secret:
            return True
        message = record.getMessage()
        if self._secret in message:
            record.msg, record.args = self._redact(message), None
        if record.exc_info and not record.exc_text:
            # Rendered and redacted once, here; without exc_info no formatter (discord.py's
            # colour one re-renders it) can print the traceback unredacted.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True

    def _redact(self, text: str) -> str:
        return text.replace(self._secret, "[redacted]")


def _not_about_voice(record: logging.LogRecord) -> bool:
    """discord.py warns at every start that voice needs extra packages; the bot has no voice."""
    return not (record.name == "discord.client" and "voice will NOT be supported" in record.getMessage())


def configure_logging(settings: Settings) -> None:
    """Log to stderr at the configured level as discord.py sets it up (its format, in colour on
    a terminal), through one handler that redacts the token everywhere."""
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter(settings.token))
    handler.addFilter(_not_about_voice)
    logging.getLogger().handlers.clear()  # this handler is the only way out
    discord.utils.setup_logging(handler=handler, level=logging.getLevelNamesMapping()[settings.log_level],
                                root=True)
