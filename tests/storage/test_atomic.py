"""The atomic file write under the store: all or nothing, and no litter."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from storage import Store
from storage.atomic import atomic_write_bytes
from tests.storage.conftest import NOW, sub


def test_a_write_replaces_the_whole_file_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    target.write_bytes(b"old")
    target.chmod(0o640)
    atomic_write_bytes(target, [b"new ", b"contents"])
    assert target.read_bytes() == b"new contents"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_a_write_syncs_the_data_then_renames_then_syncs_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "f.json"
    steps: list[str] = []
    fsync, replace = os.fsync, os.replace

    def syncing(fd: int) -> None:
        what = "folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        steps.append(f"fsync {what} {os.fstat(fd).st_size if what == 'file' else ''}".strip())
        fsync(fd)

    def replacing(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        steps.append(f"replace {Path(src).parent == tmp_path} {Path(dst).name}")
        replace(src, dst)

    monkeypatch.setattr(os, "fsync", syncing)
    monkeypatch.setattr(os, "replace", replacing)
    atomic_write_bytes(target, b"12345")
    assert steps == ["fsync file 5", "replace True f.json", "fsync folder"]
    assert target.read_bytes() == b"12345"


def test_a_write_that_fails_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "f.json"
    target.write_bytes(b"old")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_a_failed_flush_keeps_the_changes_for_the_next_one(
    path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    with Store.open(path, now=NOW) as store:
        before = path.read_bytes()
        fsync = os.fsync

        def fail_once(fd: int) -> None:
            monkeypatch.setattr(os, "fsync", fsync)
            raise OSError(5, "I/O error")

        monkeypatch.setattr(os, "fsync", fail_once)
        store.subscribe(sub())
        with pytest.raises(OSError):
            store.flush()
        assert path.read_bytes() == before
        store.flush()
    with Store.open(path, now=NOW) as store:
        assert store.subscriptions() == [sub()]


def test_opening_removes_temp_files_left_by_a_killed_writer(path: Path) -> None:
    with Store.open(path, now=NOW) as store:
        store.subscribe(sub())
    leftover = path.with_name(f".{path.name}.abc123.tmp")
    leftover.write_bytes(b'{"half": ')
    with Store.open(path, now=NOW) as store:
        assert store.subscriptions() == [sub()]
    assert not leftover.exists()
