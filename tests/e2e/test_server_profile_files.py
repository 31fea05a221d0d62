"""`/server-profile create` with an attached library file, end to end: the member attaches the real
exports in ../shared/fixtures/library, the bot downloads them from the fake Discord's CDN, looks up
missing abstracts on the fake arXiv and answers with what it made and what it skipped."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import aiohttp
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from bot.service import MAX_LIBRARY_BYTES, MAX_LIBRARY_LOOKUPS
from tests.e2e.conftest import CHANNELS, GUILD, BotFactory, Clock, FakeArxiv
from tests.support.discord_contract import SPEC_URI, Contract, reference_class
from tests.support.fake_discord import (
    ATTACHMENT_OPTION,
    EPHEMERAL,
    FakeDiscord,
    attachment_option,
    option,
)

NOW = dt.datetime(2025, 4, 28, 6, 0, tzinfo=dt.UTC)
GNN_BIB = "bibtex_distill-gnn-intro.bib"  # 66 entries: 51 with abstracts, 15 with neither
ZOTERO_CSV = "zotero_controlnet-annotated-bibliography.csv"  # 137 rows: 124 with abstracts
NERF_BIB = "bibtex_awesome-nerf.bib"  # 48 entries, no abstracts; 25 distinct arXiv ids
GAN_ZOO = "ids_the-gan-zoo.md"  # 493 distinct arXiv ids, no abstracts


async def create_from_file(fake: FakeDiscord, name: str, filename: str, content: bytes,
                           **options: Any) -> tuple[str, dict[str, Any]]:
    """Attach a file to `/server-profile create`; the interaction id and the attachment."""
    attachment = fake.attach(filename, content)
    extra = [option(key, value) for key, value in options.items()]
    iid = await fake.slash("server-profile",
                           [option("name", name), attachment_option("file", attachment), *extra],
                           subcommand="create", guild_id=GUILD, channel_id=CHANNELS[0])
    return iid, attachment


def api_hits(arxiv: FakeArxiv) -> list[str]:
    return [hit for hit in arxiv.hits if hit.startswith("api:")]


async def test_the_create_command_offers_an_attachment_option(
    start_bot: BotFactory, fake_discord: FakeDiscord
) -> None:
    async with start_bot(Clock(NOW)):
        [command] = [c for c in fake_discord.commands["global"] if c["name"] == "server-profile"]
    [create] = [o for o in command["options"] if o["name"] == "create"]
    options = {o["name"]: o for o in create["options"]}
    assert [o["name"] for o in create["options"]] == ["name", "keywords_or_ids", "file"]
    assert options["name"]["required"] and not options["keywords_or_ids"].get("required")
    assert options["file"]["type"] == ATTACHMENT_OPTION and not options["file"].get("required")
    assert options["file"]["description"] == (
        "A BibTeX, Zotero CSV, id list or .jsonl file of papers to learn from")


async def test_profiles_are_learned_from_an_attached_bibtex_file_and_zotero_export(
    start_bot: BotFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, fixtures_dir: Path
) -> None:
    library = fixtures_dir / "library"
    async with start_bot(Clock(NOW)) as runtime:
        iid, bib = await create_from_file(fake_discord, "GNN intro", GNN_BIB,
                                          (library / GNN_BIB).read_bytes())
        assert (await fake_discord.wait_for_callback(iid)).body == {"type": 5, "data": {"flags": EPHEMERAL}}
        from_bib = await fake_discord.answer(iid)
        iid, csv = await create_from_file(fake_discord, "ControlNet reading", ZOTERO_CSV,
                                          (library / ZOTERO_CSV).read_bytes())
        from_csv = await fake_discord.answer(iid, timeout=10)
        kept = {p.slug: p for p in runtime.store.custom_profiles(GUILD)}
    assert from_bib["flags"] == EPHEMERAL
    assert from_bib["content"].startswith(
        f"Created `gnn-intro` from 51 papers of {GNN_BIB}, with 40 terms: graph, ")
    assert from_bib["content"].endswith(
        " Skipped 15 entries: 15 with neither an abstract nor an arXiv id.")
    assert from_csv["content"].startswith(f"Created `controlnet-reading` from 124 papers of {ZOTERO_CSV}, ")
    assert from_csv["content"].endswith(" Skipped 13 entries: 13 with neither an abstract nor an arXiv id.")
    assert fake_discord.downloads == [bib["id"], csv["id"]]
    assert api_hits(fake_arxiv) == []  # every entry with an id has its abstract
    gnn = kept["gnn-intro"]
    assert (gnn.size, gnn.name, gnn.guild_id) == (51, "GNN intro", GUILD)
    assert {"graph", "graph neural networks"} <= {t.text for t in gnn.terms[:10]}
    assert gnn.exemplars[0].title == "Dual-Primal Graph Convolutional Networks"
    assert gnn.exemplars[0].arxiv_id == "1806.00770"
    assert kept["controlnet-reading"].size == 124


async def test_entries_without_abstracts_are_looked_up_on_arxiv(
    start_bot: BotFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, fixtures_dir: Path
) -> None:
    library = fixtures_dir / "library"
    # The GNN bibliography after an entry that gives only an arXiv id (the fake arXiv knows it).
    extra = b'@misc{lookup, title = "To be looked up", eprint = "1707.08567"}\n\n'
    async with start_bot(Clock(NOW)) as runtime:
        iid, _ = await create_from_file(fake_discord, "GNN plus", "gnn-plus.bib",
                                        extra + (library / GNN_BIB).read_bytes())
        plus = await fake_discord.answer(iid)
        # Two ids together: the fake arXiv holds no answer for the pair, so it knows neither.
        unknown = extra + b'@misc{new, title = "Too new", eprint = "2404.99999"}\n\n'
        iid, _ = await create_from_file(fake_discord, "GNN unknown", "gnn-unknown.bib",
                                        unknown + (library / GNN_BIB).read_bytes())
        partly = await fake_discord.answer(iid)
        iid, _ = await create_from_file(fake_discord, "NeRF", NERF_BIB, (library / NERF_BIB).read_bytes())
        nerf = await fake_discord.answer(iid)
        kept = {p.slug: p for p in runtime.store.custom_profiles(GUILD)}
    assert plus["content"].startswith("Created `gnn-plus` from 52 papers of gnn-plus.bib, ")
    assert "Skipped 15 entries" in plus["content"]
    assert api_hits(fake_arxiv)[0] == "api:1707.08567"
    first = kept["gnn-plus"].exemplars[0]
    assert (first.arxiv_id, first.title) == (
        "1707.08567", "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications")
    assert partly["content"].startswith("Created `gnn-unknown` from 51 papers of gnn-unknown.bib, ")
    assert partly["content"].endswith(
        " Skipped 17 entries: 15 with neither an abstract nor an arXiv id; 2 whose arXiv id arXiv "
        "has no abstract for (1707.08567, 2404.99999).")
    # arXiv (here: its empty answer for ids the fake holds no answer for) knows none of NeRF's ids.
    [_, pair, nerf_hit] = api_hits(fake_arxiv)
    assert pair == "api:1707.08567,2404.99999"
    assert len(nerf_hit.removeprefix("api:").split(",")) == 25
    assert nerf["flags"] == EPHEMERAL and nerf["content"] == (
        f"{NERF_BIB}: none of its 47 papers has an abstract, and arXiv has none for its 25 arXiv "
        "ids; export the abstracts with the entries.")
    assert set(kept) == {"gnn-plus", "gnn-unknown"}


async def test_files_the_bot_cannot_use_are_refused_with_their_name(
    start_bot: BotFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, fixtures_dir: Path
) -> None:
    gnn = (fixtures_dir / "library" / GNN_BIB).read_bytes()
    async with start_bot(Clock(NOW)) as runtime:
        iid, _ = await create_from_file(fake_discord, "Notes", "notes.txt",
                                        b"\n# my reading\nsome papers I liked\n")
        unknown = await fake_discord.answer(iid)
        iid, _ = await create_from_file(fake_discord, "Latin", "latin.bib",
                                        b"@article{a,\n title = {Na\xefve graphs}}\n")
        latin = await fake_discord.answer(iid)
        iid, big = await create_from_file(fake_discord, "Big", "big.bib",
                                          gnn * (MAX_LIBRARY_BYTES // len(gnn) + 1))
        too_big = await fake_discord.answer(iid)
        iid, _ = await create_from_file(fake_discord, "GAN zoo", GAN_ZOO,
                                        (fixtures_dir / "library" / GAN_ZOO).read_bytes())
        many = await fake_discord.answer(iid)
        iid, _ = await create_from_file(fake_discord, "Both", GNN_BIB, gnn, keywords_or_ids="graphs")
        both = await fake_discord.answer(iid)
        iid = await fake_discord.slash("server-profile", [option("name", "Neither")],
                                       subcommand="create", guild_id=GUILD, channel_id=CHANNELS[0])
        neither = await fake_discord.answer(iid)
        assert runtime.store.custom_profiles(GUILD) == []
    assert unknown["content"].startswith("notes.txt:2: unknown layout: expected BibTeX")
    assert latin["content"] == "latin.bib:2: not UTF-8 text (byte 24); save the file as UTF-8"
    assert too_big["content"] == (
        f"big.bib is {big['size']:,} bytes; the bot reads library files of at most 1,048,576 bytes "
        "(1 MB). Attach a smaller file, or split it.")
    assert many["content"] == (
        f"{GAN_ZOO}: 493 entries have an arXiv id but no abstract; the bot looks up at most "
        f"{MAX_LIBRARY_LOOKUPS} on arXiv. Export the abstracts too, or split the file.")
    assert both["content"] == "Give keywords_or_ids or a file to learn the profile from, not both."
    assert neither["content"].startswith("Give keywords_or_ids, or attach a file of papers")
    assert all(a["flags"] == EPHEMERAL for a in (unknown, latin, too_big, many, both, neither))
    assert big["id"] not in fake_discord.downloads  # refused by its announced size, unread
    assert api_hits(fake_arxiv) == []


async def test_the_fake_serves_attachments_as_discord_describes_them(
    fake_discord: FakeDiscord, discord_contract: Contract
) -> None:
    attachment = fake_discord.attach("My Library.csv", b"Key,Title\n")
    registry: Registry[Any] = Registry().with_resource(
        SPEC_URI, Resource.from_contents(discord_contract.spec, default_specification=DRAFT202012))
    schema = {"$ref": f"{SPEC_URI}#/components/schemas/AttachmentResponse"}
    problems = list(reference_class(lenient=False)(schema, registry=registry).iter_errors(attachment))
    assert problems == []
    assert attachment["filename"] == "My_Library.csv" and attachment["size"] == 10
    assert attachment["url"].startswith(f"{fake_discord.url}/ephemeral-attachments/")
    async with aiohttp.ClientSession() as session:
        for url in (attachment["url"], attachment["proxy_url"]):
            async with session.get(url) as response:
                assert (response.status, await response.read()) == (200, b"Key,Title\n")
        async with session.get(attachment["url"].split("?")[0]) as unsigned:
            assert unsigned.status == 404
    assert fake_discord.downloads == [attachment["id"]] * 2
