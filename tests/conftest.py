"""Where the shared corpus and real arXiv fixtures live; tests that need them skip with the reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _shared_dir() -> Path:
    return Path(os.environ.get("ARXIV_DIGEST_SHARED", REPO.parent / "shared")).resolve()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The `shared/` folder beside the repo (or $ARXIV_DIGEST_SHARED)."""
    path = _shared_dir()
    if not path.is_dir():
        pytest.skip(f"shared fixtures not found at {path}; set ARXIV_DIGEST_SHARED")
    return path


@pytest.fixture(scope="session")
def corpus_dir(shared_dir: Path) -> Path:
    """The seed corpus: $ARXIV_DIGEST_CORPUS, or shared/corpus."""
    path = Path(os.environ.get("ARXIV_DIGEST_CORPUS", shared_dir / "corpus")).resolve()
    if not path.is_dir():
        pytest.skip(f"seed corpus not found at {path}; set ARXIV_DIGEST_CORPUS")
    return path


@pytest.fixture(scope="session")
def fixtures_dir(shared_dir: Path) -> Path:
    """The real arXiv responses: shared/fixtures (feeds/, api/, background/)."""
    path = shared_dir / "fixtures"
    if not path.is_dir():
        pytest.skip(f"arXiv fixtures not found at {path}")
    return path
