"""Feed, API and background parsing on the real arXiv files in shared/fixtures, plus merge and select."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from digest.arxiv_id import BadArxivIdError
from digest.feed import (
    ApiError,
    BadCategoryError,
    FeedError,
    MalformedBackgroundError,
    MalformedFeedError,
    parse_api,
    parse_background_jsonl,
    parse_feed,
    select_papers,
)
from digest.models import FeedBatch, Paper
from digest.text import split_authors

MONDAY = dt.date(2025, 4, 28)
THANKSGIVING = dt.date(2024, 11, 28)


def read(fixtures_dir: Path, name: str) -> bytes:
    return (fixtures_dir / name).read_bytes()


@pytest.fixture(scope="module")
def quant_ph_bytes(fixtures_dir: Path) -> bytes:
    return read(fixtures_dir, "feeds/quant-ph_2025-04-28.xml")


@pytest.fixture(scope="module")
def quant_ph(quant_ph_bytes: bytes) -> FeedBatch:
    return parse_feed(quant_ph_bytes)


@pytest.fixture(scope="module")
def all_archives(fixtures_dir: Path) -> FeedBatch:
    return parse_feed(read(fixtures_dir, "feeds/all-archives_2024-11-28.xml"))


def by_id(batch: FeedBatch | list[Paper], arxiv_id: str) -> Paper:
    papers = batch.papers if isinstance(batch, FeedBatch) else batch
    [found] = [p for p in papers if p.arxiv_id == arxiv_id]
    return found


# -- RSS 2.0 (rss.arxiv.org) ------------------------------------------------------------------


def test_quant_ph_feed_counts_per_announce_type(quant_ph: FeedBatch) -> None:
    assert len(quant_ph.papers) == 81
    assert Counter(p.announce_type for p in quant_ph.papers) == {
        "new": 40,
        "cross": 10,
        "replace": 22,
        "replace-cross": 9,
    }
    assert (quant_ph.categories, quant_ph.announced, quant_ph.empty) == (
        ("quant-ph",),
        MONDAY,
        False,
    )


def test_all_archives_feed_counts_and_its_plus_joined_categories(all_archives: FeedBatch) -> None:
    assert len(all_archives.papers) == 1504
    assert Counter(p.announce_type for p in all_archives.papers) == {
        "new": 926,
        "cross": 9,
        "replace": 569,
    }
    assert sum("cs.LG" in p.categories for p in all_archives.papers) == 218
    assert all_archives.categories == (
        "astro-ph", "cond-mat", "physics", "quant-ph", "math", "cs", "econ", "eess", "gr-qc",
        "hep-ex", "hep-lat", "hep-ph", "hep-th", "math-ph", "nlin", "nucl-ex", "nucl-th", "q-bio",
        "q-fin", "stat",
    )  # fmt: skip
    assert all_archives.announced == THANKSGIVING


def test_a_cross_list_is_read_whole(quant_ph: FeedBatch) -> None:
    assert by_id(quant_ph, "2504.18220") == Paper(
        arxiv_id="2504.18220",
        title="Quantum droplets in a beyond-mean-field density-dependent gauge theory",
        abstract=(
            "The beyond-mean-field corrections appropriate to a bosonic many-body system "
            "experiencing a density-dependent gauge potential are derived, and from this the "
            "dimensional hierarchy of quantum droplet solutions are explored. Non-stationary quantum "
            "droplet solutions are supported by a single interaction parameter characterising the "
            "strength of the gauge potential, while in one dimension the beyond-mean-field theory "
            "can be solved exactly to yield chiral quantum droplets and dark soliton-like "
            "excitations. Numerical simulations of single and pairs of chiral droplets indicate a "
            "rich dynamics in the beyond-mean-field regime."
        ),
        authors=("Matthew Edmonds", "Patrik Öhberg"),
        categories=("cond-mat.quant-gas", "quant-ph"),
        version=1,
        announce_type="cross",
        published=MONDAY,
    )


def test_the_first_paper_keeps_its_tex(quant_ph: FeedBatch) -> None:
    first = quant_ph.papers[0]
    assert (first.arxiv_id, first.version, first.announce_type) == ("2504.17830", 1, "new")
    assert first.authors == ("Radmir Kokoulin",)
    assert first.abstract.startswith(
        r"We introduce a self-adjoint time operator \(T_w = i\hbar\bigl(\partial_E + \tfrac12"
    )
    assert first.abstract.endswith("which in turn leaves the Hamiltonian spectrum unbounded.")


def test_a_replaced_cross_list_has_its_primary_category_first(quant_ph: FeedBatch) -> None:
    paper = by_id(quant_ph, "2504.14362")
    assert (paper.version, paper.announce_type) == (2, "replace-cross")
    assert paper.categories == ("hep-th", "cond-mat.stat-mech", "quant-ph")
    assert paper.title == "Average Spread Complexity and the Higher-Order Level Spacing"
    assert paper.authors == ("Amin Faraji Astaneh", "Niloofar Vardian")


def test_affiliations_with_commas_do_not_split_authors(quant_ph: FeedBatch) -> None:
    assert by_id(quant_ph, "2504.18264").authors == (
        "M. R. Nirmal",
        "Ankit Khandelwal",
        "Manoj Nambiar",
        "Sharma S. R. K. C. Yamijala",
    )


def test_tex_names_become_unicode_and_collaborations_survive_splitting(
    all_archives: FeedBatch, quant_ph: FeedBatch
) -> None:
    assert by_id(all_archives, "2402.19390").authors == (
        "Patrik Penc",
        "Cătălin Paşcu Moca",
        "Örs Legeza",
        "Tomaž Prosen",
        "Gergely Zaránd",
        "Miklós Antal Werner",
    )
    assert "Michal Hajdušek" in by_id(quant_ph, "2504.18334").authors
    nova = by_id(all_archives, "2403.07266")
    assert len(nova.authors) == 207
    assert nova.authors[:3] == ("NOvA Collaboration", "M. A. Acero", "B. Acharya")
    assert by_id(all_archives, "2411.17801").authors == ("Aaron B. Pearlman",)


def test_maths_with_less_than_signs_and_ampersands_is_kept_verbatim(
    all_archives: FeedBatch,
) -> None:
    # feedparser's HTML sanitiser would turn `$\frac{1}{3}<s<1$` into `<s><1` and `E&E` into `E&amp;E`.
    assert r"where $\frac{1}{3}<s<1$ and" in by_id(all_archives, "2411.17730").abstract
    assert "Explore and Exploit (E&E)" in by_id(all_archives, "2411.17942").abstract
    assert "temperature, $T<T_{RW}$," in by_id(all_archives, "2103.07442").abstract


def test_every_item_yields_its_guid_id_and_version(
    quant_ph_bytes: bytes, quant_ph: FeedBatch
) -> None:
    guids = re.findall(rb"oai:arXiv\.org:(\S+?)v(\d+)</guid>", quant_ph_bytes)
    expected = [(i.decode(), int(v)) for i, v in guids]
    assert [(p.arxiv_id, p.version) for p in quant_ph.papers] == expected


def test_no_abstract_keeps_the_announcement_prefix(
    quant_ph: FeedBatch, all_archives: FeedBatch
) -> None:
    papers = quant_ph.papers + all_archives.papers
    assert [p.arxiv_id for p in papers if "Announce Type" in p.abstract[:80]] == []
    assert [
        p.arxiv_id for p in papers if p.abstract != p.abstract.strip() or "\n" in p.abstract
    ] == []
    assert all(p.published == THANKSGIVING for p in all_archives.papers)


def test_a_repeated_item_is_kept_once_first_wins(quant_ph_bytes: bytes) -> None:
    start = quant_ph_bytes.index(b"<item>")
    item = quant_ph_bytes[start : quant_ph_bytes.index(b"</item>") + len(b"</item>")]
    again = item.replace(b"Announce Type: new", b"Announce Type: cross").replace(
        b"<arxiv:announce_type>new", b"<arxiv:announce_type>cross"
    )
    doubled = quant_ph_bytes.replace(b"</channel>", again + b"</channel>")
    papers = parse_feed(doubled).papers
    assert len(papers) == 81
    assert (papers[0].arxiv_id, papers[0].announce_type) == ("2504.17830", "new")


@pytest.mark.parametrize("replacement", [b"nothing", b"2513.00001"])
def test_an_item_without_a_readable_id_is_skipped_and_named(quant_ph_bytes: bytes,
                                                            replacement: bytes) -> None:
    """One bad item costs that item, not the day: the other 80 papers are served."""
    broken = re.sub(rb"2504\.17830(v1)?", replacement, quant_ph_bytes)
    batch = parse_feed(broken)
    assert len(batch.papers) == 80 and "2504.17830" not in {p.arxiv_id for p in batch.papers}
    [line] = batch.skipped
    assert line.startswith("item 1 ('Self-Adjoint Time Operator in a Weighted Energy Space'): ")
    assert "no arXiv id" in line and replacement.decode() in line


def test_a_weekend_feed_is_empty_not_an_error(fixtures_dir: Path) -> None:
    batch = parse_feed(read(fixtures_dir, "feeds/empty_skipdays.xml"))
    assert batch == FeedBatch(categories=("test",), papers=(), announced=THANKSGIVING, empty=True)


def test_a_bad_category_feed_names_the_category(fixtures_dir: Path) -> None:
    with pytest.raises(BadCategoryError) as caught:
        parse_feed(read(fixtures_dir, "feeds/error_bad_archive.xml"))
    assert caught.value.category == "astroph"
    assert str(caught.value).startswith("arXiv has no feed for category 'astroph': Bad archive")
    assert isinstance(caught.value, FeedError)


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"<html><head><title>503</title></head><body><p>Busy</body></html>", "HTML page"),
        (b"<!DOCTYPE html><html><body><p>Service unavailable</p></body></html>", "HTML page"),
        (b'{"error": "rate limited"}', "not well-formed"),
        (b"\x00\xff\xfe garbage", "not well-formed"),
        (b'<?xml version="1.0"?><note><to>you</to></note>', "no feed format recognised"),
        (b'<?xml version="1.0"?><rss version="2.0"></rss>', "not an RSS feed"),
    ],
)
def test_bytes_that_are_not_a_feed_are_malformed(data: bytes, hint: str) -> None:
    with pytest.raises(MalformedFeedError, match=hint):
        parse_feed(data)


def test_an_api_answer_is_not_a_feed(fixtures_dir: Path) -> None:
    data = read(fixtures_dir, "api/api_2026_id_1605.08386_s0_m100.xml")
    with pytest.raises(MalformedFeedError, match="not an RSS feed: a atom10 document"):
        parse_feed(data)


@pytest.mark.parametrize("where", ["header", "mid-item", "after-an-item", "before-the-end"])
def test_a_truncated_feed_is_an_error_even_when_items_were_read(
    quant_ph_bytes: bytes, where: str
) -> None:
    cut = {
        "header": 300,
        "mid-item": len(quant_ph_bytes) // 2,
        "after-an-item": quant_ph_bytes.index(b"</item>") + len(b"</item>"),
        "before-the-end": len(quant_ph_bytes) - len(b"</rss>\n"),
    }[where]
    with pytest.raises(MalformedFeedError, match=r"not well-formed XML \(truncated\?\)"):
        parse_feed(quant_ph_bytes[:cut])


# -- the old RSS 1.0/RDF format ---------------------------------------------------------------


def test_old_rdf_feed_maps_title_markers_to_announce_types(fixtures_dir: Path) -> None:
    batch = parse_feed(read(fixtures_dir, "feeds/old_rdf_hep-ex_2018-05-23_trimmed.xml"))
    assert (batch.categories, batch.announced, batch.empty) == (
        ("hep-ex",),
        dt.date(2018, 5, 23),
        False,
    )
    new, cross, updated = batch.papers
    assert cross == Paper(
        arxiv_id="1805.09166",
        title="Recent Top quark results from the Tevatron",
        abstract="We present recent measurements",
        authors=("Boris Tuchming",),
        categories=("hep-ex",),
        version=1,
        announce_type="cross",
        published=dt.date(2018, 5, 23),
    )
    assert updated == Paper(
        arxiv_id="1805.06430",
        title="New Perspective on Hybrid Mesons",
        abstract=(
            "It is thought that strong interactions within the Standard Model can generate "
            "bound-states in which non-Abelian gauge-bosons play a dual role, serving both as force "
            "and matter fields."
        ),
        authors=(
            "Shu-Sheng Xu",
            "Zhu-Fang Cui",
            "Lei Chang",
            "Joannis Papavassiliou",
            "Craig D. Roberts",
            "Hong-Shi Zong",
        ),
        categories=("nucl-th",),
        version=2,
        announce_type="replace",
        published=dt.date(2018, 5, 23),
    )
    assert (new.arxiv_id, new.version, new.announce_type) == ("1805.08875", 1, "new")
    assert new.title == "Measurement of Transverse Single Spin Asymmetries"
    assert new.authors == ("Christopher Dilks",)
    assert new.abstract.startswith("In 2015 the first collisions between polarized protons")
    assert r"range of $2.6<\eta<4$. Within" in new.abstract  # HTML entities decoded, TeX kept
    assert new.abstract.endswith("to those in $p+A$ production.")


# -- author lists -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("Ada Lovelace", ("Ada Lovelace",)),
        ("A. One, B. Two and C. Three", ("A. One", "B. Two", "C. Three")),
        ("A. One, B. Two, and C. Three", ("A. One", "B. Two", "C. Three")),
        ("Ann Anderson and Andy Sandberg", ("Ann Anderson", "Andy Sandberg")),
        ("X (Andrew and Peggy Cherng Dept, Caltech), Y", ("X", "Y")),
        ("Unclosed (MIT, Jane Doe", ("Unclosed (MIT", "Jane Doe")),
        ("  Spaced \n  Out ,, ", ("Spaced Out",)),
        ("", ()),
    ],
)
def test_split_authors(line: str, names: tuple[str, ...]) -> None:
    assert split_authors(line) == names


# -- the API (Atom) ---------------------------------------------------------------------------


def api(fixtures_dir: Path, name: str) -> list[Paper]:
    return parse_api(read(fixtures_dir, f"api/{name}"))


def test_api_single_id_is_read_whole(fixtures_dir: Path) -> None:
    assert api(fixtures_dir, "api_2026_id_1605.08386_s0_m100.xml") == [
        Paper(
            arxiv_id="1605.08386",
            title="Heat-bath random walks with Markov bases",
            abstract=(
                "Graphs on lattice points are studied whose edges come from a finite set of allowed "
                "moves of arbitrary length. We show that the diameter of these graphs on fibers of a "
                "fixed integer matrix can be bounded from above by a constant. We then study the "
                "mixing behaviour of heat-bath random walks on these graphs. We also state explicit "
                "conditions on the set of moves so that the heat-bath random walk, a generalization "
                "of the Glauber dynamics, is an expander in fixed dimension."
            ),
            authors=("Caprice Stanley", "Tobias Windisch"),
            categories=("math.CO", "math.ST"),
            version=1,
            announce_type="unknown",
            published=dt.date(2016, 5, 26),
            updated=dt.date(2016, 5, 26),
            comment="20 pages, 3 figures",
        )
    ]


def test_api_two_ids_of_which_one_is_unknown(fixtures_dir: Path) -> None:
    [paper] = api(fixtures_dir, "api_2026_id_0808.05394_1707.08567_s0_m100.xml")
    assert (paper.arxiv_id, paper.version, paper.categories) == ("1707.08567", 1, ("cs.IT",))
    assert len(paper.authors) == 34
    assert paper.authors[:2] == ("Kees A. Schouhamer Immink", "Stan Baggen")
    assert paper.authors[-2:] == ("Dirk Wübben", "Hirosuke Yamamoto")
    assert (
        paper.comment == "44 pages, editors for the proceedings: Yanling Chen and A. J. Han Vinck"
    )


def test_api_old_style_id(fixtures_dir: Path) -> None:
    [paper] = api(fixtures_dir, "api_2026_id_astro-ph_0601001_s0_m100.xml")
    assert (paper.arxiv_id, paper.version, paper.categories) == (
        "astro-ph/0601001",
        1,
        ("astro-ph",),
    )
    assert paper.authors == ("Andrew Gould", "Susan Dorsher", "B. Scott Gaudi", "Andrzej Udalski")
    assert paper.published == dt.date(2006, 1, 2)
    assert paper.abstract.startswith(
        "We derive the frequencies of hot Jupiters (HJs) with 3--5 day"
    )
    assert "Gould & Morgan (2003)" in paper.abstract
    assert "limit of V_max<17.5." in paper.abstract
    assert paper.comment.startswith("62 pages including 16 figures and 9 tables.")


def test_api_versioned_ids(fixtures_dir: Path) -> None:
    [crypto] = api(fixtures_dir, "api_2026_id_2104.12255v1_s0_m100.xml")
    assert (crypto.arxiv_id, crypto.version, crypto.title, crypto.comment) == (
        "2104.12255",
        1,
        "0",
        "",
    )
    [old] = api(fixtures_dir, "api_2026_id_quant-ph_0201082v1_s0_m100.xml")
    assert (old.arxiv_id, old.version, old.categories) == (
        "quant-ph/0201082",
        1,
        ("quant-ph", "cs.PL"),
    )


def test_api_2016_answer_with_wrapped_title_and_later_update(fixtures_dir: Path) -> None:
    [paper] = api(fixtures_dir, "api_old2016_id_list_1111.2011v2.xml")
    assert paper.title == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )
    assert (paper.arxiv_id, paper.version) == ("1111.2011", 2)
    assert (paper.published, paper.updated) == (dt.date(2011, 11, 8), dt.date(2012, 4, 2))
    assert paper.categories == ("cond-mat.str-el", "cond-mat.stat-mech")
    assert paper.comment == "8 pages, 3 figures. Published version"


def test_api_puts_the_primary_category_first(fixtures_dir: Path) -> None:
    data = read(fixtures_dir, "api/api_2026_id_1605.08386_s0_m100.xml")
    data = data.replace(
        b'<arxiv:primary_category term="math.CO"/>', b'<arxiv:primary_category term="math.ST"/>'
    )
    [paper] = parse_api(data)
    assert paper.categories == ("math.ST", "math.CO")


def test_api_search_pages(fixtures_dir: Path) -> None:
    papers = api(fixtures_dir, "api_2026_q_testing_s0_m100.xml")
    assert len(papers) == len({p.arxiv_id for p in papers}) == 100
    assert all(p.title and p.abstract and p.authors and p.categories and p.version for p in papers)


def test_api_bad_id_answer_raises_bad_arxiv_id(fixtures_dir: Path) -> None:
    with pytest.raises(BadArxivIdError) as caught:
        api(fixtures_dir, "api_2026_id_abc_s0_m100.xml")
    assert str(caught.value) == "incorrect id format for abc"


def test_api_other_error_entries_raise_api_error(fixtures_dir: Path) -> None:
    data = read(fixtures_dir, "api/api_2026_id_abc_s0_m100.xml")
    data = data.replace(b"incorrect_id_format_for_abc", b"max_results_too_large").replace(
        b"incorrect id format for abc", b"max_results must be at most 30000"
    )
    with pytest.raises(ApiError, match=r"^arXiv API error: max_results must be at most 30000$"):
        parse_api(data)


@pytest.mark.parametrize(
    "name", ["api_2026_id_0000.0000_s0_m100.xml", "api_2026_id_0808.05394_s0_m100.xml"]
)
def test_api_empty_answers_are_empty_lists(fixtures_dir: Path, name: str) -> None:
    assert api(fixtures_dir, name) == []


def test_api_refuses_feeds_and_truncated_answers(fixtures_dir: Path, quant_ph_bytes: bytes) -> None:
    with pytest.raises(MalformedFeedError, match="not an arXiv API"):
        parse_api(quant_ph_bytes)
    data = read(fixtures_dir, "api/api_2026_q_testing_s0_m10.xml")
    with pytest.raises(MalformedFeedError, match="truncated"):
        parse_api(data[: len(data) // 2])


# -- background listings ----------------------------------------------------------------------


def test_background_listing_keeps_the_first_of_each_id(fixtures_dir: Path) -> None:
    text = read(fixtures_dir, "background/2026-02-05_csLG-heavy.jsonl").decode("utf-8")
    rows = [json.loads(line) for line in text.splitlines()]
    papers = parse_background_jsonl(text)
    assert (len(rows), len(papers)) == (462, 406)
    assert [p.arxiv_id for p in papers] == list(dict.fromkeys(r["id"] for r in rows))
    assert papers[0] == Paper(
        arxiv_id="2602.02592",
        title=(
            "Learnable Koopman-Enhanced Transformer-Based Time Series Forecasting with Spectral "
            "Control"
        ),
        abstract=rows[0]["summary"],
        authors=("Ali Forootani", "Raffaele Iervolino"),
        categories=("cs.LG", "cs.AI", "eess.SY"),
        announce_type="new",
    )


def test_second_background_listing(fixtures_dir: Path) -> None:
    text = read(fixtures_dir, "background/2026-06-30_csCV-csCL-csAI.jsonl").decode("utf-8")
    papers = parse_background_jsonl(text)
    assert (len(text.splitlines()), len(papers)) == (674, 532)
    first = papers[0]
    assert (first.arxiv_id, first.categories, first.comment) == ("2606.28729", ("cs.IT",), "")
    assert "\n" not in first.abstract  # the two-paragraph summary is one line of text
    assert sum(bool(p.comment) for p in papers) > 0


def record(**fields: object) -> str:
    row: dict[str, object] = {
        "id": "2602.00001",
        "categories": ["cs.LG"],
        "authors": ["A. Author"],
        "title": "A title",
        "comment": None,
        "summary": "An abstract.",
    }
    row.update(fields)
    return json.dumps(row, ensure_ascii=False)


def test_background_line_separators_inside_strings_do_not_split_lines() -> None:
    text = "\n" + record(summary="one\u2028two") + "\n\n"
    [paper] = parse_background_jsonl(text)
    assert paper.abstract == "one two"


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ("{not json", "Expecting property name"),
        ("[1, 2]", "not a JSON object"),
        (record(title=None), "field 'title' is missing or not a string"),
        (record(authors="A. Author"), "field 'authors' is missing or not a list of strings"),
        (record(comment=3), "field 'comment' is neither a string nor null"),
        (record(id="nonsense"), "not an arXiv id: 'nonsense'"),
    ],
)
def test_a_malformed_background_line_is_named(bad_line: str, reason: str) -> None:
    text = "\n".join([record(), record(id="2602.00002"), bad_line])
    with pytest.raises(
        MalformedBackgroundError, match=rf"^background listing line 3: .*{re.escape(reason)}"
    ):
        parse_background_jsonl(text)
    assert issubclass(MalformedBackgroundError, FeedError)


# -- merging and selecting --------------------------------------------------------------------


def paper(arxiv_id: str, kind: str = "new", title: str = "") -> Paper:
    return Paper(arxiv_id, title or f"{kind} {arxiv_id}", "", announce_type=kind)  # type: ignore[arg-type]


def test_a_cross_list_in_two_feeds_counts_once_as_its_own_listing() -> None:
    cs = (paper("1", "new"), paper("2", "cross"))
    math = (paper("2", "new"), paper("1", "cross"), paper("3"))
    chosen = select_papers(cs + math, include_cross=True, include_replacements=True)
    assert chosen == (paper("1", "new"), paper("2", "new"), paper("3"))


def test_real_feeds_together_give_each_id_once(quant_ph: FeedBatch, all_archives: FeedBatch) -> None:
    chosen = select_papers(quant_ph.papers + all_archives.papers + quant_ph.papers,
                           include_cross=True, include_replacements=True)
    ids = [p.arxiv_id for p in quant_ph.papers + all_archives.papers]
    assert sorted(p.arxiv_id for p in chosen) == sorted(set(ids))


@pytest.mark.parametrize(
    ("include_cross", "include_replacements", "count"),
    [(False, False, 40), (True, False, 50), (False, True, 71), (True, True, 81)],
)
def test_select_by_announce_type(
    quant_ph: FeedBatch, include_cross: bool, include_replacements: bool, count: int
) -> None:
    chosen = select_papers(quant_ph.papers, include_cross, include_replacements)
    assert len(chosen) == count
    assert all(p.announce_type == "new" for p in chosen[:40])


def test_select_prefers_the_new_record_and_counts_unknown_as_new() -> None:
    papers = [
        paper("1", "cross"),
        paper("2", "unknown"),
        paper("1", "new"),
        paper("3", "replace-cross"),
    ]
    assert select_papers(papers, include_cross=False, include_replacements=False) == (
        paper("1", "new"),
        paper("2", "unknown"),
    )
    assert select_papers(papers, include_cross=False, include_replacements=True) == (
        paper("1", "new"),
        paper("2", "unknown"),
        paper("3", "replace-cross"),
    )
