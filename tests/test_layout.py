"""The import direction is bot -> storage -> digest, and digest/ does no I/O of its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "digest": {"bot", "storage", "discord", "aiohttp", "tinydb", "apscheduler", "os", "pathlib",
               "socket", "urllib.request", "requests", "time", "filelock"},
    "storage": {"bot", "discord", "aiohttp", "apscheduler"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _forbidden(path: Path, package: str) -> list[str]:
    """The modules `path` imports that `package` may not: a name or anything below it."""
    return sorted(name for name in _imports(path) for banned in FORBIDDEN[package]
                  if name == banned or name.startswith(banned + "."))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_inward(package: str) -> None:
    offenders = {
        str(path.relative_to(REPO)): sorted(_imports(path) & FORBIDDEN[package])
        for path in sorted((REPO / package).rglob("*.py"))
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_digest_reads_no_clock() -> None:
    calls = []
    for path in sorted((REPO / "digest").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for needle in ("datetime.now(", "dt.datetime.now(", "date.today(", "time.time(", "open("):
            if needle in source:
                calls.append(f"{path.name}: {needle}")
    assert calls == []
