"""The errors the state store raises; the CLI and the bot turn them into messages."""

from __future__ import annotations

from pathlib import Path

from digest.errors import UserError

RECOVERY = (
    "The file was left untouched. Run `arxiv-digest state check` to see what is wrong, "
    "or `arxiv-digest state restore` to put back the newest good backup from {backups}."
)


class StateError(UserError):
    """Anything that stops the state file from being used."""


class CorruptStateError(StateError):
    """The state file is unreadable, has the wrong shape, or comes from a newer version."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        backups = path.with_name(path.name + ".bak")
        super().__init__(f"{path}: {problem}. " + RECOVERY.format(backups=backups))


class StateLockedError(StateError):
    """Another process holds the state file's lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"another arxiv-digest is using {path} (its lock {path}.lock is held); "
            "stop that process first, or point this one at a different state file"
        )


class StateUnwritableError(StateError):
    """The state file, its folder or its lock cannot be created or written."""

    def __init__(self, path: Path, what: str, cause: OSError) -> None:
        self.path = path
        super().__init__(
            f"cannot {what} ({cause.strerror or type(cause).__name__}); make that folder writable, "
            "or point ARXIV_DIGEST_STATE (or --state) at a file in a writable folder")


class StateMissingError(StateError):
    """There is no state file where one was expected."""


class NoGoodBackupError(StateError):
    """No backup of the state file could be read back."""


class StateInUseError(StateError):
    """A restore was asked for while the current state file is still good."""


class StoreClosedError(StateError):
    """The store was used after `close()`."""


class InvalidRecordError(StateError, ValueError):
    """A value that the store cannot save as given."""
