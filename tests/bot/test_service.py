"""The service's use cases over a real store, a dict-backed arXiv API and a fixed clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from bot.arxiv_client import ArxivUnavailableError
from bot.service import (
    MAX_LIBRARY_BYTES,
    MAX_LIBRARY_LOOKUPS,
    DigestService,
    SubscribeRequest,
    Upload,
)
from digest.errors import UserError
from digest.models import Paper, Profile, Subscription, Term
from storage import Store

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
PROFILES = [
    Profile(
        "neural-operators", "Neural Operators", (Term("neural operator", "neural operators", 1.0),), size=20
    ),
    Profile("neural-fields", "Neural Fields", (Term("neural field", "neural fields", 1.0),), size=15),
]


class Api:
    """Serves recorded arXiv API answers by id; anything else is an outage."""

    def __init__(self, answers: dict[str, bytes]) -> None:
        self.answers = answers
        self.calls: list[list[str]] = []

    async def fetch_papers(self, ids: Sequence[str]) -> bytes:
        self.calls.append(list(ids))
        key = ",".join(ids)
        if key not in self.answers:
            raise ArxivUnavailableError("api", "HTTP 500", 4)
        return self.answers[key]


@pytest.fixture
def api(fixtures_dir: Path) -> Api:
    d = fixtures_dir / "api"
    return Api(
        {
            "1707.08567": (d / "api_2026_id_1707.08567_s0_m100.xml").read_bytes(),
            "1605.08386": (d / "api_2026_id_1605.08386_s0_m100.xml").read_bytes(),
            # arXiv answers an id it does not know with an empty feed, as recorded for 0808.05394.
            "2404.99999": (d / "api_2026_id_0808.05394_s0_m100.xml").read_bytes(),
            "2404.99999,1707.08567": (d / "api_2026_id_0808.05394_1707.08567_s0_m100.xml").read_bytes(),
        }
    )


@pytest.fixture
def service(tmp_path: Path, api: Api) -> Iterator[DigestService]:
    store = Store.open(tmp_path / "state.json", now=NOW)
    yield DigestService(store, PROFILES, api, lambda: NOW)
    store.close()


def test_subscribe_creates_then_updates_without_duplicates(service: DigestService) -> None:
    sub, created, next_at = service.subscribe(
        SubscribeRequest(1, 10, 99, "neural-operators", time="08:30", timezone="America/New_York")
    )
    assert created and sub.timezone == "America/New_York" and sub.subscribed_by == 99
    # 2026-03-08 is the spring-forward day in New York: 08:30 EDT is 12:30 UTC.
    assert next_at == dt.datetime(2026, 3, 8, 12, 30, tzinfo=UTC)
    again, created, _ = service.subscribe(SubscribeRequest(1, 10, 77, "neural-operators", max_papers=5))
    assert not created and again.max_papers == 5 and again.post_time == dt.time(8, 30)
    assert again.subscribed_by == 99
    assert len(service.subscriptions(1, 10)) == 1


def test_a_new_channel_follows_the_servers_last_chosen_zone(service: DigestService) -> None:
    ticks = iter(range(100))
    service.clock = lambda: NOW + dt.timedelta(seconds=next(ticks))  # each subscription later
    first, _, _ = service.subscribe(SubscribeRequest(1, 10, 99, "neural-operators"))
    assert first.timezone == "UTC" and first.post_time == dt.time(9, 0)
    service.subscribe(SubscribeRequest(1, 11, 99, "neural-fields", timezone="Asia/Tokyo"))
    third, _, next_at = service.subscribe(SubscribeRequest(1, 12, 99, "neural-operators"))
    assert third.timezone == "Asia/Tokyo"
    assert next_at == dt.datetime(2026, 3, 9, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo
    elsewhere, _, _ = service.subscribe(SubscribeRequest(2, 20, 99, "neural-operators"))
    assert elsewhere.timezone == "UTC"  # another server keeps its own default


@pytest.mark.parametrize(
    "request_fields, message",
    [
        ({"profile": "neural-operator"}, "Did you mean: neural-operators"),
        ({"profile": "neural-operators", "time": "25:00"}, "HH:MM"),
        ({"profile": "neural-operators", "timezone": "Moon/Base"}, "IANA"),
        ({"profile": "neural-operators", "max_papers": 500}, "max_papers must be between 1 and 50"),
        ({"profile": "neural-operators", "categories": "cs.LG+!!"}, "arXiv has no category '!!'"),
        ({"profile": "neural-operators", "categories": "quant-phh"}, "did you mean quant-ph, "),
        ({"profile": "neural-operators", "timezone": "Europe"}, "IANA"),
    ],
)
def test_subscribe_refuses_bad_input_clearly(
    service: DigestService, request_fields: dict[str, object], message: str
) -> None:
    with pytest.raises(UserError, match=message):
        service.subscribe(SubscribeRequest(1, 10, 99, **request_fields))  # type: ignore[arg-type]
    assert service.subscriptions(1, 10) == []


def test_unsubscribe(service: DigestService) -> None:
    service.subscribe(SubscribeRequest(1, 10, 99, "neural-fields"))
    service.unsubscribe(1, 10, "neural-fields")
    with pytest.raises(UserError, match="not subscribed to 'neural-fields'"):
        service.unsubscribe(1, 10, "neural-fields")


async def test_paper_lookup_asks_the_api_once_then_answers_from_the_store(
    service: DigestService, api: Api
) -> None:
    paper = await service.lookup_paper("https://arxiv.org/abs/1707.08567v1")
    assert paper.arxiv_id == "1707.08567" and paper.title
    assert service.cached_paper("arXiv:1707.08567") == paper
    assert await service.lookup_paper("1707.08567") == paper
    assert api.calls == [["1707.08567"]]


async def test_an_unreadable_api_answer_is_a_plain_user_error(service: DigestService, api: Api) -> None:
    api.answers["1707.08567"] = b"<!DOCTYPE html><html><body>Internal Server Error</body></html>"
    with pytest.raises(UserError, match="not a list of papers; try again"):
        await service.lookup_paper("1707.08567")


async def test_a_server_profile_name_is_not_silently_reused(service: DigestService) -> None:
    first = await service.create_profile(1, "Graph nets", "graph neural networks")
    with pytest.raises(UserError, match="already has a profile 'graph-nets'"):
        await service.create_profile(1, "graph nets", "message passing")
    assert service.store.custom_profiles(1) == [first]
    assert (await service.create_profile(2, "Graph nets", "message passing")).guild_id == 2


async def test_caps_on_what_one_server_may_hold(
    service: DigestService, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.service as service_module

    with pytest.raises(UserError, match="to 60 characters"):
        await service.create_profile(1, "n" * 10_000, "graph neural networks")
    with pytest.raises(UserError, match="at most 40 keywords"):
        await service.create_profile(1, "Many", ", ".join(f"topic{n}" for n in range(900)))
    monkeypatch.setattr(service_module, "MAX_SUBSCRIPTIONS_PER_CHANNEL", 1)
    monkeypatch.setattr(service_module, "MAX_SUBSCRIPTIONS_PER_SERVER", 2)
    service.subscribe(SubscribeRequest(1, 10, 99, "neural-operators"))
    service.subscribe(SubscribeRequest(1, 10, 99, "neural-operators", time="10:00"))  # an update
    with pytest.raises(UserError, match="This channel already follows 1 profiles"):
        service.subscribe(SubscribeRequest(1, 10, 99, "neural-fields"))
    service.subscribe(SubscribeRequest(1, 11, 99, "neural-fields"))
    with pytest.raises(UserError, match="This server already has 2 subscriptions"):
        service.subscribe(SubscribeRequest(1, 12, 99, "neural-fields"))
    service.subscribe(SubscribeRequest(2, 20, 99, "neural-fields"))  # another server is not held
    assert len(service.store.subscriptions(guild_id=1)) == 2


async def test_a_look_up_never_overwrites_what_a_feed_brought(service: DigestService) -> None:
    """Another server's `/server-profile create` from ids must not hide the paper from digests: the
    feed's record (announce type, date) stays; the look-up only marks it worth keeping."""
    day = dt.date(2026, 3, 7)
    from_feed = Paper(
        "1707.08567", "As the feed listed it", "Feed abstract.", announce_type="new", published=day
    )
    service.store.remember_papers([from_feed], announced=day, now=NOW)
    [looked_up] = await service.lookup_many(["1707.08567"])
    assert looked_up.announce_type == "unknown" and looked_up.title != from_feed.title
    record = service.store.paper_record("1707.08567")
    assert record is not None and record.paper == from_feed
    assert record.announced == day and record.keep
    assert from_feed in service.store.papers_announced(day)


async def test_a_paper_looked_up_from_the_store_is_kept_in_full(service: DigestService) -> None:
    seen = Paper("2602.00001", "Neural operators for weather", "We forecast with operators.")
    service.store.remember_papers([seen], announced=NOW.date(), now=NOW)
    assert service.cached_paper("2602.00001v2") == seen
    assert not service.store.paper_record("2602.00001").keep  # type: ignore[union-attr]
    assert await service.lookup_paper("2602.00001v2") == seen  # a member asked for it
    assert service.store.paper_record("2602.00001").keep  # type: ignore[union-attr]
    assert service.cached_paper("2602.00002") is None


async def test_paper_lookup_errors_are_clear(service: DigestService) -> None:
    with pytest.raises(UserError, match="not an arXiv id: 'abc'"):
        await service.lookup_paper("abc")
    with pytest.raises(UserError, match=r"not an arXiv id: '0808\.05394'"):
        await service.lookup_paper("0808.05394")
    with pytest.raises(UserError, match=r"arXiv has no paper 2404\.99999"):
        await service.lookup_paper("2404.99999")
    with pytest.raises(UserError, match="not answering right now"):
        await service.lookup_paper("2404.19756")


async def test_custom_profiles_from_keywords_and_from_papers(service: DigestService) -> None:
    mine = await service.create_profile(1, "Graph Nets", "graph neural networks, message passing")
    assert mine.slug == "graph-nets" and [t.key for t in mine.terms] == [
        "graph neural network",
        "message passing",
    ]
    from_ids = await service.create_profile(1, "From papers", "1605.08386")
    assert len(from_ids.exemplars) == 1 and from_ids.terms
    with pytest.raises(UserError, match=r"arXiv has no paper 2404\.99999"):
        await service.create_profile(1, "Two papers", "2404.99999, arXiv:1707.08567")
    assert [p.slug for p in service.profiles_for(1)][-2:] == ["from-papers", "graph-nets"]
    assert [p.slug for p in service.profiles_for(2)] == ["neural-operators", "neural-fields"]
    with pytest.raises(UserError, match="built-in profile"):
        await service.create_profile(1, "Neural Operators", "x")
    # a name in any script keeps its letters: the slug is what members type
    assert (await service.create_profile(3, "Réseaux de neurones", "neural networks")).slug == (
        "réseaux-de-neurones"
    )
    assert (await service.create_profile(3, "ニューラル 演算子", "neural operator")).slug == (
        "ニューラル-演算子"
    )
    service.subscribe(SubscribeRequest(1, 10, 99, "graph-nets"))
    service.delete_profile(1, "graph-nets")
    assert service.subscriptions(1, 10) == []


def test_pending_digests_read_off_one_scoring_match_ranking_each_alone(
    tmp_path: Path, fixtures_dir: Path, api: Api
) -> None:
    """The day is scored once against every learned profile; each subscription's digest must be
    exactly what ranking its own papers alone would give (categories, cross-lists, replacements,
    papers already delivered, a server's own profile)."""
    from bot.sources import load_profiles
    from digest.categories import in_categories
    from digest.feed import parse_feed, select_papers
    from digest.rank import build_digest

    day = parse_feed((fixtures_dir / "feeds" / "quant-ph_2025-04-28.xml").read_bytes())
    store = Store.open(tmp_path / "state.json", now=NOW)
    service = DigestService(store, load_profiles(), api, lambda: NOW)
    store.remember_papers(day.papers, announced=NOW.date(), now=NOW)
    service.store.save_profile(
        Profile("qubits", "Qubits", (Term("qubit", "qubits", 1.0),), (), 0, 2.25, guild_id=1)
    )
    subs = [
        service.subscribe(SubscribeRequest(1, 10, 99, "quantum", categories="quant-ph", min_score=0.1))[0],
        service.subscribe(SubscribeRequest(1, 14, 99, "quantum"))[0],  # cs.LG, stat.ML, ...
        service.subscribe(
            SubscribeRequest(1, 11, 99, "quantum", categories="quant-ph", include_cross=False, max_papers=3)
        )[0],
        service.subscribe(
            SubscribeRequest(
                1, 12, 99, "quantum", categories="cond-mat", include_replacements=True, min_score=0.0
            )
        )[0],
        service.subscribe(SubscribeRequest(1, 13, 99, "qubits", include_replacements=True))[0],
    ]
    first = service.pending_digest(subs[0], NOW)
    assert first.entries
    store.record_delivery(10, "quantum", NOW.date(), [first.entries[0].paper.arxiv_id], [1], NOW)
    sizes = []
    for sub in subs:
        inside = [p for p in day.papers if in_categories(p, sub.categories)]
        alone = build_digest(
            select_papers(inside, sub.include_cross, sub.include_replacements),
            service.profile(1, sub.profile_slug),
            sub.options,
            exclude_ids=frozenset(store.delivered_ids(sub.channel_id, today=NOW.date())),
            announced=max((p.published for p in inside if p.published), default=None),
        )
        assert service.pending_digest(sub, NOW) == alone, sub.key
        sizes.append((len(alone.entries), alone.considered))
    assert sizes[0] == (10, 49)  # the 50 new and cross-listed papers, less the one delivered
    assert sizes[2] == (3, 40)  # the 40 new ones only, at most 3
    assert all(n > 0 for n, _ in sizes)
    assert first.entries[0].paper.arxiv_id not in {
        e.paper.arxiv_id for e in service.pending_digest(subs[0], NOW).entries
    }
    # A new batch is scored too: the day's scores are rebuilt when the store's papers change.
    ml_day = parse_feed((fixtures_dir / "feeds" / "all-archives_2024-11-28.xml").read_bytes())
    store.remember_papers(ml_day.papers, announced=NOW.date(), now=NOW)
    assert service.pending_digest(subs[1], NOW).considered > sizes[1][1]
    store.close()


def quantum_channel(tmp_path: Path, fixtures_dir: Path, api: Api
                    ) -> tuple[Store, DigestService, Subscription]:
    """A service holding a real quant-ph day, and channel 10 of server 1 following `quantum`
    with no threshold."""
    from bot.sources import load_profiles
    from digest.feed import parse_feed

    day = parse_feed((fixtures_dir / "feeds" / "quant-ph_2025-04-28.xml").read_bytes())
    store = Store.open(tmp_path / "state.json", now=NOW)
    service = DigestService(store, load_profiles(), api, lambda: NOW)
    store.remember_papers(day.papers, announced=NOW.date(), now=NOW)
    ours, _, _ = service.subscribe(SubscribeRequest(1, 10, 99, "quantum", categories="quant-ph",
                                                    min_score=0.0, max_papers=10))
    return store, service, ours


def test_votes_steer_the_next_digest_of_that_channel_only(
    tmp_path: Path, fixtures_dir: Path, api: Api
) -> None:
    """A 👎 on the top paper and a 👍 on a lower one change the channel's next digest: the liked
    paper's neighbours rise, said so in their entry; another channel of the same profile (and a
    member of another server clicking here) change nothing."""
    _, service, ours = quantum_channel(tmp_path, fixtures_dir, api)
    theirs, _, _ = service.subscribe(SubscribeRequest(2, 20, 99, "quantum", categories="quant-ph",
                                                      min_score=0.0, max_papers=10))
    before = service.pending_digest(ours, NOW)
    top, liked = before.entries[0].paper.arxiv_id, before.entries[9].paper.arxiv_id
    with pytest.raises(UserError, match="no longer follows 'quantum' here"):
        service.vote(2, 10, "quantum", top, 5, -1)  # server 2's member, server 1's channel
    outcome = service.vote(1, 10, "quantum", top, 5, -1)
    assert (outcome.vote, outcome.previous, outcome.likes, outcome.dislikes) == (-1, None, 0, 1)
    again = service.vote(1, 10, "quantum", top, 5, -1)
    assert again.previous == -1 and again.papers_voted == 1
    service.vote(1, 10, "quantum", liked, 5, 1)
    service.vote(1, 10, "quantum", liked, 6, 1)
    assert service.votes_learned(ours) == 2
    after = service.pending_digest(ours, NOW)
    assert after != before
    shifted = {e.paper.arxiv_id: e for e in after.entries if e.shift}
    assert shifted and all(abs(e.shift.value) <= 0.5 for e in shifted.values() if e.shift)
    assert shifted[liked].score == before.entries[9].score  # scores stay the profile's
    assert shifted[liked].shift is not None and shifted[liked].shift.liked >= 1
    ranks_before = [e.paper.arxiv_id for e in before.entries]
    ranks_after = [e.paper.arxiv_id for e in after.entries]
    assert top not in ranks_after[:1] and liked in ranks_after
    assert ranks_after.index(liked) < ranks_before.index(liked)
    assert service.pending_digest(theirs, NOW) == before  # the other server's: as it was
    assert service.reset_feedback(1, 10, "quantum") == 2
    assert service.pending_digest(ours, NOW) == before


async def test_steering_made_ahead_follows_later_votes(
    tmp_path: Path, fixtures_dir: Path, api: Api
) -> None:
    """`prepare` makes a voting channel's steering in a worker thread; a vote cast after that
    still counts in the next digest, and the digest is the same as one made without preparing."""
    store, service, ours = quantum_channel(tmp_path, fixtures_dir, api)
    plain = service.pending_digest(ours, NOW)
    liked = plain.entries[9].paper.arxiv_id
    service.vote(1, 10, "quantum", liked, 5, 1)
    await service.prepare([ours], NOW)
    prepared = service.pending_digest(ours, NOW)
    fresh = DigestService(store, service.learned, api, lambda: NOW)  # nothing made ahead
    assert prepared == fresh.pending_digest(ours, NOW) != plain
    service.vote(1, 10, "quantum", liked, 5, -1)  # changed after the steering was made
    turned = service.pending_digest(ours, NOW)
    assert liked in [e.paper.arxiv_id for e in prepared.entries]  # lifted by the 👍
    assert liked not in [e.paper.arxiv_id for e in turned.entries]  # 10th before, now pushed out
    store.close()


def test_a_vote_on_a_paper_past_retention_is_refused_clearly(service: DigestService) -> None:
    service.subscribe(SubscribeRequest(1, 10, 99, "neural-operators"))
    with pytest.raises(UserError, match=r"arXiv:2401\.00001 is older than the 30 days"):
        service.vote(1, 10, "neural-operators", "2401.00001", 5, 1)


# -- server profiles from library files ----------------------------------------------------------

BIB = """@article{known, title = {Graph networks for physics}, eprint = {2101.00001},
  abstract = {Graph neural networks learn to simulate physics with message passing on meshes.}}
@article{other, title = {Message passing on molecules},
  abstract = {We apply graph neural networks with message passing to molecular property prediction.}}
@article{unknown, title = {Only an id arXiv does not know}, eprint = {2404.99999}}
@article{lookup, title = {Only an id}, eprint = {1707.08567}}
@article{nothing, title = {Neither an abstract nor an id}}
"""


def upload(text: str | bytes, filename: str = "library.bib", size: int | None = None) -> Upload:
    """An attached file whose bytes are `text`, announced as `size` bytes (its own by default)."""
    data = text.encode() if isinstance(text, str) else text

    async def read() -> bytes:
        return data

    return Upload(filename, len(data) if size is None else size, read)


def unread(filename: str, size: int) -> Upload:
    """An attached file that must not be downloaded."""

    async def read() -> bytes:
        raise AssertionError(f"{filename} was downloaded")

    return Upload(filename, size, read)


async def test_a_profile_from_a_library_file_counts_what_it_skipped(
    service: DigestService, api: Api
) -> None:
    made = await service.create_profile_from_file(1, "Graph physics", upload(BIB))
    assert api.calls == [["2404.99999", "1707.08567"]]  # the entries with only an id, at once
    assert (made.skipped, made.unknown_ids, made.unused) == (1, ("2404.99999",), 2)
    profile = made.profile
    assert (profile.slug, profile.size, profile.guild_id) == ("graph-physics", 3, 1)
    assert [e.arxiv_id for e in profile.exemplars] == ["2101.00001", None, "1707.08567"]
    assert profile.exemplars[2].title.startswith("Proceedings of Workshop AEW10")  # arXiv's title
    assert {"graph neural network", "message passing"} <= {t.key for t in profile.terms}
    assert service.store.custom_profiles(1) == [profile]
    assert service.store.get_paper("1707.08567") is None  # a library's look-ups are not kept


async def test_library_look_ups_go_in_batches_and_arxiv_outages_are_user_errors(
    service: DigestService, api: Api, fixtures_dir: Path
) -> None:
    ids = [f"2401.{n:05d}" for n in range(1, 151)]
    empty = (fixtures_dir / "api" / "api_2026_id_0808.05394_s0_m100.xml").read_bytes()
    api.answers |= {",".join(ids[:100]): empty, ",".join(ids[100:]): empty}
    with pytest.raises(UserError, match=r"^ids\.txt: none of its 150 papers has an abstract, "
                                        r"and arXiv has none for its 150 arXiv ids"):
        await service.create_profile_from_file(1, "Ids", upload("\n".join(ids), "ids.txt"))
    assert [len(batch) for batch in api.calls] == [100, 50]
    with pytest.raises(UserError, match="not answering right now"):
        await service.create_profile_from_file(1, "Ids", upload("2402.00001\n", "ids.txt"))
    too_many = "\n".join(f"2401.{n:05d}" for n in range(1, MAX_LIBRARY_LOOKUPS + 2))
    with pytest.raises(UserError, match=rf"^many\.txt: {MAX_LIBRARY_LOOKUPS + 1} entries have an "
                                        rf"arXiv id but no abstract; the bot looks up at most "
                                        rf"{MAX_LIBRARY_LOOKUPS} on arXiv"):
        await service.create_profile_from_file(1, "Many", upload(too_many, "many.txt"))
    assert len(api.calls) == 3 and service.store.custom_profiles(1) == []


async def test_a_library_file_is_refused_by_its_size_and_its_encoding(service: DigestService) -> None:
    with pytest.raises(UserError, match=r"^big\.bib is 1,048,577 bytes; the bot reads library files "
                                        r"of at most 1,048,576 bytes \(1 MB\)"):
        await service.create_profile_from_file(1, "Big", unread("big.bib", MAX_LIBRARY_BYTES + 1))
    with pytest.raises(UserError, match=r"^small\.bib is 1,048,577 bytes"):  # announced smaller
        await service.create_profile_from_file(
            1, "Big", upload(b"%" * (MAX_LIBRARY_BYTES + 1), "small.bib", size=10))
    with pytest.raises(UserError, match=r"^latin\.csv:3: not UTF-8 text \(byte \d+\)"):
        await service.create_profile_from_file(1, "Latin", upload(b"a\nb\n\xe9t\xe9\n", "latin.csv"))
    with pytest.raises(UserError, match=r"^notes\.bib:1: not BibTeX entries"):
        await service.create_profile_from_file(1, "Notes", upload("just some notes\n", "notes.bib"))
    assert service.store.custom_profiles(1) == []


async def test_keywords_ids_and_files_share_the_name_checks(
    service: DigestService, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.service as service_module

    await service.create_profile(1, "Graph nets", "graph neural networks")
    for name, message in [("graph nets", "already has a profile 'graph-nets'"),
                          ("Neural Operators", "built-in profile"), ("!!", "letters or digits"),
                          ("n" * 61, "to 60 characters")]:
        with pytest.raises(UserError, match=message):  # refused before the file is downloaded
            await service.create_profile_from_file(1, name, unread("library.bib", 100))
        with pytest.raises(UserError, match=message):
            await service.create_profile(1, name, "1605.08386")
    monkeypatch.setattr(service_module, "MAX_CUSTOM_PROFILES", 1)
    with pytest.raises(UserError, match="already has 1 custom profiles"):
        await service.create_profile_from_file(1, "Another", unread("library.bib", 100))


async def test_a_name_taken_while_a_file_was_read_is_not_saved_twice(service: DigestService) -> None:
    async def read() -> bytes:  # meanwhile, another member makes a profile of the same name
        await service.create_profile(1, "Graph physics", "graph neural networks")
        return BIB.encode()

    with pytest.raises(UserError, match="already has a profile 'graph-physics'"):
        await service.create_profile_from_file(1, "Graph physics", Upload("library.bib", 100, read))
    [kept] = service.store.custom_profiles(1)
    assert kept.exemplars == ()  # the keyword profile, not the file's
