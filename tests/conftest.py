"""Where the shared corpus and real arXiv fixtures live; tests that need them skip with the reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _shared_dir() -> Path:
    return Path(os.environ.get("ARXIV_DIGEST_SHARED", REPO.parent / "shared")).resolve()


MISSING = ("THE SHARED TEST DATA IS MISSING: {path} does not exist, so every test that needs the seed "
           "corpus, the real arXiv feeds or Discord's API description is skipped. Put the "
           "project's `shared/` folder beside the checkout, or set ARXIV_DIGEST_SHARED to it.")


def pytest_report_header() -> str:
    path = _shared_dir()
    return f"shared test data: {path}" if path.is_dir() else MISSING.format(path=path)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    path = _shared_dir()
    if not path.is_dir():
        terminalreporter.write_sep("!", MISSING.format(path=path), red=True, bold=True)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The `shared/` folder beside the repo (or $ARXIV_DIGEST_SHARED)."""
    path = _shared_dir()
    if not path.is_dir():
        pytest.skip(MISSING.format(path=path))
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


@pytest.fixture(scope="session")
def corpus_papers(corpus_dir: Path) -> list:  # type: ignore[type-arg]
    """The seed corpus, parsed and deduplicated."""
    from digest.corpus import dedupe_papers, parse_corpus_text

    files = sorted(corpus_dir.glob("*.txt"))
    return dedupe_papers(
        p for f in files for p in parse_corpus_text(f.read_text(encoding="utf-8"), f.name))


@pytest.fixture(scope="session")
def learned_profiles(corpus_papers: list) -> list:  # type: ignore[type-arg]
    """Profiles learned once per session from the seed corpus and the shipped statistics."""
    from digest.background import background_from_json
    from digest.profiles import learn_profiles

    shipped = (REPO / "digest" / "data" / "background.json").read_text(encoding="utf-8")
    return learn_profiles(corpus_papers, background_from_json(shipped))


@pytest.fixture(scope="session")
def discord_contract(shared_dir: Path):  # type: ignore[no-untyped-def]
    """Discord's OpenAPI description of its HTTP API (shared/discord/openapi.json), with the
    documented limits it leaves out: what the fake Discord holds requests and answers to."""
    from tests.support.discord_contract import Contract

    spec = shared_dir / "discord" / "openapi.json"
    if not spec.is_file():
        pytest.skip(f"Discord's OpenAPI description not found at {spec}")
    return Contract(spec)
