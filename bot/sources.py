"""Reading the program's inputs from disk and the network: corpus files, profile data, feeds.

This is the shell around `digest/`: it does the I/O and hands bytes and text to the pure core.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib.resources
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import aiohttp

from bot.arxiv_client import ArxivClient, ClientSettings
from digest.background import Background, background_from_json, background_from_papers
from digest.categories import categories_from_text
from digest.corpus import dedupe_papers, parse_corpus_text
from digest.errors import UserError
from digest.feed import FeedError, parse_background_jsonl, parse_feed
from digest.library import LIBRARY_SUFFIXES, LibraryFile, parse_library
from digest.models import CorpusPaper, FeedBatch, Paper, Profile
from digest.profile_json import ProfileDataError, profiles_from_json

log = logging.getLogger(__name__)



class InputError(UserError):
    """An input file or folder is missing or unreadable."""


def _expand(paths: Iterable[Path], suffixes: tuple[str, ...], what: str) -> list[Path]:
    """The files named, folders expanded to their files with these suffixes (not READMEs), in
    name order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.suffix in suffixes and p.stem.lower() != "readme")
            if not found:
                raise InputError(f"{path}: no {' or '.join(suffixes)} {what} in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    return files


def corpus_files(paths: Iterable[Path]) -> list[Path]:
    """The corpus text files named, folders expanded to their *.txt files in name order."""
    return _expand(paths, (".txt",), "corpus files")


def library_files(paths: Iterable[Path]) -> list[Path]:
    """The library files named, folders expanded to their files of the known suffixes."""
    return _expand(paths, LIBRARY_SUFFIXES, "library files")


def read_library_files(paths: Iterable[Path]) -> list[tuple[Path, LibraryFile]]:
    """Each library file named or in a folder named, with its entries."""
    return [(file, parse_library(read_text(file, "a corpus file"), file.name))
            for file in library_files(paths)]


def read_corpus(paths: Iterable[Path]) -> tuple[list[CorpusPaper], dict[str, int]]:
    """The deduplicated papers of a corpus, and how many each file held before dedupe."""
    papers: list[CorpusPaper] = []
    counts: dict[str, int] = {}
    for file in corpus_files(paths):
        parsed = parse_corpus_text(read_text(file, "a corpus file"), file.name)
        counts[file.name] = len(parsed)
        papers.extend(parsed)
    return dedupe_papers(papers), counts


def shipped_profiles_text() -> str:
    """The learned profiles that ship inside the package."""
    return (importlib.resources.files("digest") / "data" / "profiles.json").read_text("utf-8")


def shipped_categories() -> frozenset[str]:
    """arXiv's archives and categories, as shipped inside the package."""
    text = (importlib.resources.files("digest") / "data" / "categories.txt").read_text("utf-8")
    return categories_from_text(text)


def shipped_background() -> Background:
    """The background statistics that ship inside the package: what arXiv at large writes."""
    text = (importlib.resources.files("digest") / "data" / "background.json").read_text("utf-8")
    return background_from_json(text)


def listing_files(paths: Iterable[Path]) -> list[Path]:
    """The saved listings named (.jsonl background files, .xml feeds), folders expanded."""
    return _expand(paths, (".jsonl", ".xml"), "listings")


def read_background(paths: Iterable[Path]) -> tuple[Background, list[Paper]]:
    """Saved listings or feeds: their statistics, and their papers."""
    files = listing_files(paths)
    papers = [paper for file in files for paper in papers_from_file(file).papers]
    return background_from_papers(papers, [file.name for file in files]), papers


def load_profiles(path: Path | None = None) -> list[Profile]:
    """Profiles from a file, else the shipped ones."""
    chosen = path
    if chosen is None:
        return profiles_from_json(shipped_profiles_text())
    try:
        return profiles_from_json(read_text(chosen, "a profiles JSON file"))
    except ProfileDataError as exc:
        raise InputError(f"{chosen}: {exc}; make one with `arxiv-digest learn -o FILE`") from None


def papers_from_file(path: Path) -> FeedBatch:
    """A saved RSS/RDF feed (.xml) or a background listing (.jsonl) as a batch."""
    what = "a background listing (.jsonl)" if path.suffix == ".jsonl" else "a saved feed (.xml)"
    try:
        if path.suffix == ".jsonl":
            papers: Sequence[Paper] = parse_background_jsonl(read_text(path, what))
            batch = FeedBatch(categories=(), papers=tuple(papers), announced=_date_in_name(path))
        else:
            batch = parse_feed(read_bytes(path, what))  # the XML says its own encoding
    except FeedError as exc:
        raise InputError(f"{path}: {exc}") from None
    if not batch.papers and not batch.empty:  # a feed saying "no announcement" is not an error
        raise InputError(f"{path}: holds no papers; give {what} with at least one")
    return batch


def read_bytes(path: Path, what: str) -> bytes:
    """A text file's bytes, or one line saying why it cannot be had (binary data included)."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; give {what}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror}); check it exists and "
                         "that you may read it") from None
    if b"\0" in data[:8192]:
        raise InputError(f"{path}: is binary data, not {what}")
    return data


def read_text(path: Path, what: str) -> str:
    """A UTF-8 text file's text, or one line saying why it cannot be had."""
    data = read_bytes(path, what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: is not UTF-8 text (byte {exc.start}); give {what} saved "
                         "as UTF-8") from None


def _date_in_name(path: Path) -> dt.date | None:
    """The announcement date a listing's file name starts with (2026-02-05_cs.jsonl), if any."""
    try:
        return dt.date.fromisoformat(path.name[:10])
    except ValueError:
        return None


async def fetch_batch(url_or_categories: str, settings: ClientSettings) -> FeedBatch:
    """Fetch and parse one feed: a full URL, or categories joined with '+'."""
    async with aiohttp.ClientSession(trust_env=True) as session:  # HTTPS_PROXY and friends
        client = ArxivClient(session, settings)
        if url_or_categories.startswith(("http://", "https://")):
            body = await client.fetch_url(url_or_categories)
        else:
            response = await client.fetch_feed(url_or_categories.split("+"))
            body = response.body or b""
    return await asyncio.to_thread(parse_feed, body)
