"""`learn`'s inputs from a person's library: files and folders in any known layout, the abstracts
they lack looked up on the arXiv API (batches of ids, at arXiv's spacing) and kept in an on-disk
cache, so that a second run asks arXiv nothing it asked before.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import aiohttp

from bot.arxiv_client import ArxivClient, ArxivUnavailableError, ClientSettings, user_agent
from bot.sources import InputError, read_library_files
from digest.arxiv_id import BadArxivIdError
from digest.corpus import dedupe_papers
from digest.errors import UserError
from digest.feed import FeedError, parse_api
from digest.library import (
    LibraryFile,
    complete_entries,
    count_looked_up,
    ids_to_look_up,
    merge_by_id,
)
from digest.models import CorpusPaper, Paper
from storage.atomic import atomic_write_bytes

LOOKUP_BATCH = 100  # ids per API request
CACHE_FILE = "arxiv-abstracts.json"
CACHE_VERSION = 1
MAX_IDS_SHOWN = 10

ClientFactory = Callable[[aiohttp.ClientSession], ArxivClient]
Say = Callable[[str], None]
Records = dict[str, CorpusPaper | None]  # arXiv's record by id; None: arXiv does not know the id


def connect_to_arxiv(contact: str) -> ClientFactory:
    """Clients of arXiv itself (at its spacing), naming the operator's contact to it."""
    settings = ClientSettings(user_agent=user_agent(contact))
    return lambda session: ArxivClient(session, settings)


def read_library(paths: Iterable[Path], cache_dir: Path, connect: ClientFactory,
                 say: Say) -> list[CorpusPaper]:
    """The papers of the library files and folders, deduplicated, with abstracts looked up on
    arXiv where missing; a line per file, and per kind of entry skipped, goes to `say`."""
    files = read_library_files(paths)
    entries = merge_by_id(entry for _, library in files for entry in library.entries)
    wanted = ids_to_look_up(entries)
    records = look_up(wanted, entries, cache_dir / CACHE_FILE, connect, say) if wanted else {}
    for file, library in files:
        say(_counts(file.name, library, records, bool(wanted)))
    completion = complete_entries(entries, records)
    if completion.skipped:
        say(f"{completion.skipped} entries had no abstract and no arXiv id; skipped")
    unknown = completion.unknown_ids
    if unknown:
        more = f" and {len(unknown) - MAX_IDS_SHOWN} more" if len(unknown) > MAX_IDS_SHOWN else ""
        say(f"arXiv has no abstract for {len(unknown)} ids (unknown or withdrawn): "
            f"{', '.join(unknown[:MAX_IDS_SHOWN])}{more}; skipped")
    return dedupe_papers(completion.papers)


def _counts(name: str, library: LibraryFile, records: Records, looked: bool) -> str:
    if library.layout == "corpus page":  # every entry has its abstract and most an id
        return f"{name}: {len(library.entries)} papers"
    counts = (f"{name} ({library.layout}): {len(library.entries)} entries, {library.with_id} "
              f"with an arXiv id, {library.with_abstract} with an abstract")
    return f"{counts}, {count_looked_up(library.entries, records)} looked up" if looked else counts


def look_up(wanted: Sequence[str], entries: Sequence[CorpusPaper], cache: Path,
            connect: ClientFactory, say: Say) -> Records:
    """arXiv's records for the wanted ids: from the cache, else asked for and added to it."""
    cached = load_cache(cache)
    missing = [arxiv_id for arxiv_id in wanted if arxiv_id not in cached]
    say(f"{len(wanted)} arXiv ids need abstracts: {len(wanted) - len(missing)} in the cache "
        f"({cache}), {len(missing)} to ask arXiv for")
    if missing:
        asyncio.run(_fetch(missing, entries, cached, cache, connect, say))
    return {arxiv_id: cached.get(arxiv_id) for arxiv_id in wanted}


async def _fetch(ids: Sequence[str], entries: Sequence[CorpusPaper], cached: Records, cache: Path,
                 connect: ClientFactory, say: Say) -> None:
    """Add arXiv's records for the ids to `cached`, saving the cache after every batch; a
    failure is one line saying how many entries still lack abstracts."""
    batches = [ids[start : start + LOOKUP_BATCH] for start in range(0, len(ids), LOOKUP_BATCH)]
    async with aiohttp.ClientSession(trust_env=True) as session:  # HTTPS_PROXY and friends
        client = connect(session)
        for number, batch in enumerate(batches, start=1):
            say(f"asking arXiv for {len(batch)} abstracts ({number} of {len(batches)}) ...")
            try:
                found = {paper.arxiv_id: paper for paper in parse_api(await client.fetch_papers(batch))}
            except (ArxivUnavailableError, FeedError, BadArxivIdError) as exc:
                left = [i for later in batches[number - 1 :] for i in later]
                raise _unfinished(exc, left, entries, len(ids) - len(left), cache) from None
            cached.update({arxiv_id: _record(found.get(arxiv_id)) for arxiv_id in batch})
            save_cache(cache, cached)


def _record(paper: Paper | None) -> CorpusPaper | None:
    if paper is None:
        return None
    return CorpusPaper(title=paper.title, abstract=paper.abstract, authors=paper.authors,
                       arxiv_id=paper.arxiv_id, source="arXiv")


def _unfinished(exc: UserError, left: Sequence[str], entries: Sequence[CorpusPaper], fetched: int,
                cache: Path) -> InputError:
    waiting = set(left)
    count = sum(1 for entry in entries if entry.arxiv_id in waiting and not entry.abstract)
    why = exc.cause if isinstance(exc, ArxivUnavailableError) else str(exc)
    kept = f"the {fetched} fetched before are kept in {cache}" if fetched else f"cache: {cache}"
    return InputError(f"{count} entries still need their abstracts from arXiv, which did not "
                      f"answer ({why}); run learn again when it can be reached ({kept})")


def load_cache(path: Path) -> Records:
    """The records cached at `path`; none if it does not exist or cannot be read (a cache)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = data["papers"] if data.get("version") == CACHE_VERSION else {}
        return {arxiv_id: None if row is None else CorpusPaper(
                    title=row["title"], abstract=row["abstract"], authors=tuple(row["authors"]),
                    arxiv_id=arxiv_id, source="arXiv") for arxiv_id, row in rows.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def save_cache(path: Path, records: Records) -> None:
    """Write the records to the cache at `path`, replacing the file atomically."""
    rows = {arxiv_id: None if r is None else
            {"title": r.title, "abstract": r.abstract, "authors": list(r.authors)}
            for arxiv_id, r in sorted(records.items())}
    text = json.dumps({"version": CACHE_VERSION, "papers": rows}, ensure_ascii=False, indent=1)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, text.encode("utf-8") + b"\n")
    except OSError as exc:
        raise InputError(f"{path}: cannot write the abstracts cache ({exc.strerror}); choose "
                         "another folder with --cache or ARXIV_DIGEST_CACHE") from None
