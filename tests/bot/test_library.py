"""`learn` on a person's library: missing abstracts asked of an arXiv API on loopback (a real
aiohttp server answering Atom as arXiv does), in batches, at arXiv's spacing on an injected clock,
and cached on disk so that a second run asks nothing again; and one line when arXiv cannot answer.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot import library as shell
from bot.arxiv_client import ArxivClient, ClientSettings
from bot.cli import main
from bot.config import Settings
from digest.feed import parse_background_jsonl
from digest.library import ids_to_look_up, parse_library
from digest.models import Paper
from tests.support.fake_clock import FakeClock

UNKNOWN = "2012.99999"  # well formed, no such paper: arXiv answers with no entry, as for 0000.0000
NERF = "bibtex_awesome-nerf.bib"  # 48 entries, 26 with an arXiv id (25 distinct), no abstracts


@dataclass
class FakeApi:
    """arXiv's API for id_list queries: an entry per id it knows (the title and abstract lent by
    a real listing's papers, in the order ids are first asked for), none for one it does not."""

    lenders: list[Paper]
    clock: FakeClock
    requests: list[tuple[list[str], float]] = field(default_factory=list)
    fail_from: int | None = None  # answer 503 from this request on (0 = the first)
    lent: dict[str, Paper] = field(default_factory=dict)

    async def handle(self, request: web.Request) -> web.Response:
        ids = request.query["id_list"].split(",")
        self.requests.append((ids, self.clock.now))
        if self.fail_from is not None and len(self.requests) > self.fail_from:
            return web.Response(status=503, text="Service Unavailable")
        entries = "".join(self.entry(arxiv_id) for arxiv_id in ids if arxiv_id != UNKNOWN)
        body = ("<?xml version='1.0' encoding='UTF-8'?>\n<feed xmlns:opensearch="
                '"http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" '
                'xmlns="http://www.w3.org/2005/Atom">\n  <title>arXiv Query: id_list='
                f"{escape(','.join(ids))}</title>\n{entries}</feed>\n")
        return web.Response(body=body.encode(), content_type="application/atom+xml")

    def entry(self, arxiv_id: str) -> str:
        paper = self.lent.setdefault(arxiv_id, self.lenders[len(self.lent) % len(self.lenders)])
        return (f"  <entry>\n    <id>http://arxiv.org/abs/{arxiv_id}v1</id>\n"
                f"    <title>{escape(paper.title)}</title>\n"
                f"    <summary>{escape(paper.abstract)}</summary>\n"
                "    <updated>2020-12-07T18:59:59Z</updated>\n"
                "    <published>2020-12-07T18:59:59Z</published>\n"
                + "".join(f"    <author><name>{escape(a)}</name></author>\n" for a in paper.authors)
                + '    <arxiv:primary_category term="cs.CV"/>\n  </entry>\n')

    @property
    def asked(self) -> list[str]:
        return [arxiv_id for ids, _ in self.requests for arxiv_id in ids]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def api(fixtures_dir: Path, clock: FakeClock) -> AsyncIterator[tuple[FakeApi, str]]:
    listing = fixtures_dir / "days" / "2025-06-11_cs-wide.jsonl"
    fake = FakeApi(parse_background_jsonl(listing.read_text(encoding="utf-8")), clock)
    app = web.Application()
    app.router.add_get("/api/query", fake.handle)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    yield fake, str(server.make_url("/api/query"))
    await server.close()


def connect_to(url: str, clock: FakeClock) -> shell.ClientFactory:
    """ArxivClients for the loopback API, at arXiv's 3 s spacing on the fake clock."""
    settings = ClientSettings(api_base=url, timeout_s=5.0, backoff_s=0.5)
    assert settings.min_interval_s == 3.0
    return lambda session: ArxivClient(session, settings, sleep=clock.sleep, monotonic=clock.monotonic)


async def learn(capsys: pytest.CaptureFixture[str], *argv: str, connect: shell.ClientFactory,
                env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run `arxiv-digest learn` off the loop that serves the fake API; its status and stderr."""
    code = await asyncio.to_thread(main, ["learn", *argv], env or {}, connect=connect)
    return code, capsys.readouterr().err


async def test_learn_looks_up_missing_abstracts_once_and_then_reads_the_cache(
        api: tuple[FakeApi, str], clock: FakeClock, fixtures_dir: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    fake, url = api
    monkeypatch.setattr(shell, "LOOKUP_BATCH", 10)  # three requests for 26 ids
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "reading.md").write_text(  # one id the .bib has too, and one arXiv does not know
        "* NSG - [Neural Scene Graphs](https://arxiv.org/abs/2011.10379v2)\n"
        f"* [Lost](https://arxiv.org/abs/{UNKNOWN})\n")
    (folder / "README.md").write_text("Not a library file: a folder's README is left out.\n")
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4")
    out, cache = tmp_path / "profiles.json", tmp_path / "cache"
    nerf = str(fixtures_dir / "library" / NERF)

    code, err = await learn(capsys, nerf, str(folder), "-o", str(out), "--cache", str(cache),
                            connect=connect_to(url, clock))
    assert code == 0, err
    assert [len(ids) for ids, _ in fake.requests] == [10, 10, 6]
    times = [at for _, at in fake.requests]
    assert [b - a for a, b in itertools.pairwise(times)] == [3.0, 3.0]
    assert clock.sleeps == [3.0, 3.0]  # the spacing was waited for on the injected clock
    assert f"{NERF} (BibTeX): 48 entries, 26 with an arXiv id, 0 with an abstract, 26 looked up" in err
    assert "reading.md (arXiv id list): 2 entries, 2 with an arXiv id, 0 with an abstract, 1 looked up" in err
    assert "22 entries had no abstract and no arXiv id; skipped" in err
    assert f"arXiv has no abstract for 1 ids (unknown or withdrawn): {UNKNOWN}; skipped" in err
    assert "from 25 unique papers" in err
    profiles = json.loads(out.read_text())["profiles"]
    assert profiles[0]["slug"] == "all" and profiles[0]["size"] == 25
    assert [p.name for p in cache.iterdir()] == ["arxiv-abstracts.json"]  # no temp file left

    out.unlink()
    code, err = await learn(capsys, nerf, str(folder), "-o", str(out), connect=connect_to(url, clock),
                            env={"ARXIV_DIGEST_CACHE": str(cache)})
    assert code == 0, err
    assert len(fake.requests) == 3 and max(Counter(fake.asked).values()) == 1
    assert "26 arXiv ids need abstracts: 26 in the cache" in err and "0 to ask arXiv for" in err
    assert json.loads(out.read_text())["profiles"] == profiles


async def test_when_arxiv_stops_answering_learn_says_what_is_left_and_a_rerun_fetches_only_that(
        api: tuple[FakeApi, str], clock: FakeClock, fixtures_dir: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    fake, url = api
    monkeypatch.setattr(shell, "LOOKUP_BATCH", 10)
    nerf, out, cache = fixtures_dir / "library" / NERF, tmp_path / "p.json", tmp_path / "cache"
    fake.fail_from = 1
    code, err = await learn(capsys, str(nerf), "-o", str(out), "--cache", str(cache),
                            connect=connect_to(url, clock))
    lines = err.strip().splitlines()
    assert code == 1 and "Traceback" not in err
    assert lines[-1] == (
        "arxiv-digest: 15 entries still need their abstracts from arXiv, which did not answer "
        "(HTTP 503); run learn again when it can be reached (the 10 fetched before are kept in "
        f"{cache / 'arxiv-abstracts.json'})")
    assert not out.exists()
    assert len(fake.requests) == 1 + 4  # a good batch, then the next one tried four times

    fetched = set(fake.requests[0][0])
    fake.fail_from = None
    code, err = await learn(capsys, str(nerf), "-o", str(out), "--cache", str(cache),
                            connect=connect_to(url, clock))
    assert code == 0, err
    again = [arxiv_id for ids, _ in fake.requests[5:] for arxiv_id in ids]
    assert len(again) == 15 and not fetched & set(again)
    assert out.exists()


async def test_look_up_asks_for_at_most_100_ids_a_request(
        api: tuple[FakeApi, str], clock: FakeClock, fixtures_dir: Path, tmp_path: Path) -> None:
    fake, url = api
    path = fixtures_dir / "library" / "ids_the-gan-zoo.md"
    entries = parse_library(path.read_text(encoding="utf-8"), path.name).entries
    wanted = ids_to_look_up(entries)
    cache = tmp_path / "abstracts.json"
    records = await asyncio.to_thread(shell.look_up, wanted, entries, cache, connect_to(url, clock),
                                      lambda line: None)
    assert [len(ids) for ids, _ in fake.requests] == [100, 100, 100, 100, 93]
    assert clock.sleeps == [3.0] * 4
    assert sorted(records) == sorted(wanted) and all(records.values())
    assert shell.load_cache(cache) == records
    again = await asyncio.to_thread(shell.look_up, wanted, entries, cache, connect_to(url, clock),
                                    lambda line: None)
    assert again == records and len(fake.requests) == 5


async def test_a_library_that_has_every_abstract_never_asks_arxiv(
        fixtures_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def no_network(session: aiohttp.ClientSession) -> ArxivClient:
        raise AssertionError("arXiv was asked")

    zotero = fixtures_dir / "library" / "zotero_controlnet-annotated-bibliography.csv"
    shutil.copy(zotero, tmp_path / zotero.name)  # a folder holding one library file
    code, err = await learn(capsys, str(tmp_path), "-o", str(tmp_path / "p.json"),
                            "--cache", str(tmp_path / "cache"), connect=no_network)
    assert code == 0, err
    assert (f"{zotero.name} (Zotero CSV): 137 entries, 46 with an arXiv id, 124 with an abstract\n"
            in err)
    assert "13 entries had no abstract and no arXiv id; skipped" in err
    assert (tmp_path / "p.json").exists() and not (tmp_path / "cache").exists()


def test_the_cache_folder_comes_from_the_environment() -> None:
    assert Settings.from_env({"ARXIV_DIGEST_CACHE": "/c", "XDG_CACHE_HOME": "/x"},
                             need_token=False).cache_dir == Path("/c")
    assert Settings.from_env({"XDG_CACHE_HOME": "/x", "HOME": "/h"},
                             need_token=False).cache_dir == Path("/x/arxiv-digest")
    assert Settings.from_env({"HOME": "/h"}, need_token=False).cache_dir == Path(
        "/h/.cache/arxiv-digest")
