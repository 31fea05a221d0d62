"""The service's state file: the `Store` and its value types, backups, check and restore."""

from storage.backup import backup_dir, check_state, list_backups, restore_latest_backup
from storage.errors import (
    CorruptStateError,
    InvalidRecordError,
    NoGoodBackupError,
    StateError,
    StateInUseError,
    StateLockedError,
    StateMissingError,
    StateUnwritableError,
    StoreClosedError,
)
from storage.records import (
    Delivery,
    FeedState,
    PaperRecord,
    Pruned,
    StateReport,
    SubscriptionKey,
)
from storage.schema import SCHEMA_VERSION
from storage.store import Store

__all__ = [
    "SCHEMA_VERSION",
    "CorruptStateError",
    "Delivery",
    "FeedState",
    "InvalidRecordError",
    "NoGoodBackupError",
    "PaperRecord",
    "Pruned",
    "StateError",
    "StateInUseError",
    "StateLockedError",
    "StateMissingError",
    "StateReport",
    "StateUnwritableError",
    "Store",
    "StoreClosedError",
    "SubscriptionKey",
    "backup_dir",
    "check_state",
    "list_backups",
    "restore_latest_backup",
]
