"""Parsing corpus layouts: the real seed corpus, small inline texts of each layout, and errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from digest.corpus import CorpusFormatError, dedupe_papers, parse_corpus_text
from digest.models import CorpusPaper
from digest.text import split_authors

EXPECTED_COUNTS = {"000": 81, "001": 194, "002": 77, "003": 282, "004": 124}
FURNITURE = {
    "IAIFI Foundational AI Papers",
    "Foundational AI",
    "Pre-prints",
    "Published",
    "new",
    "Subscribe",
    "byAK and the research community",
    "Mar 14",
    "Get trending papers in your email inbox!",
    "Get trending papers in your email inbox once a day!",
}


@pytest.fixture(scope="module")
def corpus(corpus_dir: Path) -> dict[str, list[CorpusPaper]]:
    return {
        path.name[:3]: parse_corpus_text(path.read_text(encoding="utf-8"), path.name)
        for path in sorted(corpus_dir.glob("*.txt"))
    }


@pytest.fixture(scope="module")
def everything(corpus: dict[str, list[CorpusPaper]]) -> list[CorpusPaper]:
    return [paper for papers in corpus.values() for paper in papers]


def test_each_file_yields_its_expected_paper_count(corpus: dict[str, list[CorpusPaper]]) -> None:
    assert {name: len(papers) for name, papers in corpus.items()} == EXPECTED_COUNTS


def test_page_furniture_never_becomes_a_paper(everything: list[CorpusPaper]) -> None:
    titles = [p.title for p in everything]
    assert not set(titles) & FURNITURE
    assert not [t for t in titles if t.startswith("Subscribe") or ("[" in t and "arXiv" in t)]
    assert not [t for t in titles if re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}", t)]
    assert not [p for p in everything if p.abstract.startswith("Abstract")]


def test_subscribe_glued_to_the_first_title_is_stripped(
    corpus: dict[str, list[CorpusPaper]],
) -> None:
    assert corpus["001"][0].title == (
        "Learning Feynman integrals from differential equations with neural networks"
    )
    assert corpus["003"][0].title.startswith("AutoReP: Automatic ReLU Replacement")
    assert corpus["004"][0].title.startswith("Spatiotemporal Entropy Model")
    assert corpus["002"][0].title.startswith("S3IM: Stochastic Structural SIMilarity")
    assert corpus["001"][0].source == "001_91c5219f8a613968.txt:3"
    assert corpus["002"][0].source == "002_4db0ad5ce510da9a.txt:11"


def test_publication_page_gives_authors_ids_and_bare_abstracts(
    corpus: dict[str, list[CorpusPaper]],
) -> None:
    page = {p.title: p for p in corpus["000"]}
    kan = page["KAN: Kolmogorov-Arnold Networks"]
    assert kan.arxiv_id == "2404.19756"
    assert kan.source == "000_385a860a167ea3bb.txt:13"
    assert kan.authors[:2] == ("Ziming Liu", "Yixuan Wang") and "Marin Soljačić" in kan.authors
    assert kan.abstract.startswith("Inspired by the Kolmogorov-Arnold representation theorem")
    topogivity = next(p for t, p in page.items() if t.startswith("Topogivity"))
    assert topogivity.arxiv_id == "2202.05255"  # written as a URL inside the brackets
    with_ids = [p for p in corpus["000"] if p.arxiv_id]
    assert 70 <= len(with_ids) < 81  # "[ ]" and "[ | code ]" carry no id
    authors = [a for p in corpus["000"] for a in p.authors]
    assert "Alexander Rakhlin" in authors and "Demba Ba" in authors
    assert not [a for a in authors if a.startswith("and ") or " and " in a or not a.strip()]


def test_listing_layouts_have_neither_ids_nor_authors(
    corpus: dict[str, list[CorpusPaper]],
) -> None:
    for name in ("001", "002", "003", "004"):
        assert all(p.arxiv_id is None and p.authors == () for p in corpus[name])


def test_titles_and_abstracts_are_whitespace_normalised(everything: list[CorpusPaper]) -> None:
    for paper in everything:
        for text in (paper.title, paper.abstract):
            assert text and text == text.strip() and "  " not in text and "\n" not in text
        assert len(paper.abstract) > 2 * len(paper.title)


def test_dedupe_merges_repeats_in_first_seen_order(everything: list[CorpusPaper]) -> None:
    unique = dedupe_papers(everything)
    assert len(everything) - len(unique) >= 55
    assert len(unique) == 703
    assert unique[0] == everything[0]
    sources = [p.source for p in unique]
    assert sources == [p.source for p in everything if p.source in set(sources)]


def test_dedupe_fills_a_missing_id_and_authors_from_a_later_copy() -> None:
    first = CorpusPaper("Neural Operators!", "The first abstract.", source="a.txt:1")
    later = CorpusPaper("neural  operators", "Another.", ("Ann Lee",), "2108.08481", "b.txt:9")
    other = CorpusPaper("Something else", "Text.", source="a.txt:3")
    merged, kept = dedupe_papers([first, other, later])
    assert merged == CorpusPaper(
        "Neural Operators!", "The first abstract.", ("Ann Lee",), "2108.08481", "a.txt:1"
    )
    assert kept == other


PAGE = """Lab Foundational AI Papers

Pre-prints

Fourier   Neural Operator
Zongyi Li, Nikola Kovachki, and Anima Anandkumar
ICLR 2021 [ arXiv:2010.08895 | code ]

Abstract We learn $\\mathcal{O}(n)$ maps for {\\em Schr\\"odinger} equations, as Soljačić did.

Published

Untitled Paper
Jane Doe and John Roe
Some Venue, 2023 [ ]

Abstract   An abstract
with no identifier.
"""


TEX = 'We learn $\\mathcal{O}(n)$ maps for {\\em Schr\\"odinger} equations, as Soljačić did.'


def test_inline_publication_page() -> None:
    first, second = parse_corpus_text(PAGE, "page.txt")
    assert first == CorpusPaper(
        title="Fourier Neural Operator",
        abstract=TEX,
        authors=("Zongyi Li", "Nikola Kovachki", "Anima Anandkumar"),
        arxiv_id="2010.08895",
        source="page.txt:5",
    )
    assert second == CorpusPaper(
        "Untitled Paper",
        "An abstract with no identifier.",
        ("Jane Doe", "John Roe"),
        None,
        "page.txt:13",
    )


ABSTRACT_1 = (
    'We study $\\alpha$-stable {\\em operators} in Schr\\"odinger problems, as Soljačić and'
    " others did before us."
)
ABSTRACT_2 = "A second abstract, comfortably longer than its own title line, as real abstracts are."


def test_inline_compact_listing() -> None:
    text = (
        "Get trending papers in your email inbox once a day!\n"
        "Get trending papers in your email inbox!\n"
        f"SubscribeFirst  Title\n{ABSTRACT_1}\nSecond Title\n{ABSTRACT_2}\n"
    )
    first, second = parse_corpus_text(text, "c.txt")
    assert (first.title, first.abstract, first.source) == ("First Title", ABSTRACT_1, "c.txt:3")
    assert (second.title, second.source) == ("Second Title", "c.txt:5")
    assert first.authors == () and first.arxiv_id is None


def test_inline_spaced_listing() -> None:
    text = (
        "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\n"
        "byAK and the research community\n\nMar 14\n\n"
        f"Only Title\n\n{ABSTRACT_2}\n\nAnother Title\n\n{ABSTRACT_1}\n"
    )
    papers = parse_corpus_text(text, "s.txt")
    assert [(p.title, p.source) for p in papers] == [
        ("Only Title", "s.txt:11"),
        ("Another Title", "s.txt:15"),
    ]
    assert papers[1].abstract == ABSTRACT_1


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        ("Just some notes\nabout nothing in particular.\n", "x.txt:1", "unknown layout"),
        ("\n\n   \n", "x.txt:1", "empty"),
        ("\n\nA Title\n" + ABSTRACT_2 + "\n", "x.txt:3", "unknown layout"),
        (
            "Get trending papers in your email inbox!\nSubscribeA Title\n"
            + ABSTRACT_2
            + "\nDangling Title\n",
            "x.txt:4",
            "no abstract",
        ),
        (
            "Get trending papers in your email inbox!\nA Title\nSecond Title\nThird\n"
            + ABSTRACT_2
            + "\n",
            "x.txt:3",
            "expected the abstract",
        ),
        (
            (
                "A Title\nAn Author\n[ arXiv:2010.08895 ]\n\nAbstract Fine.\n\n"
                "Lone Title\nSomeone\n[ ]\n\nNext Title\nSomebody\n[ ]\n\nAbstract Text.\n"
            ),
            "x.txt:7",
            "title with no abstract",
        ),
        (
            (
                "A Title\nAn Author\n[ arXiv:2010.08895 ]\n\nAbstract Fine.\n\n"
                "Stray paragraph\nthat is no block\n"
            ),
            "x.txt:7",
            "expected a title",
        ),
        ("A Title\nAn Author\n[ arXiv:not-an-id ]\n\nAbstract Text.\n", "x.txt:3", "arXiv id"),
    ],
)
def test_bad_text_raises_naming_file_and_line(text: str, where: str, says: str) -> None:
    with pytest.raises(CorpusFormatError, match=f"^{re.escape(where)}: .*{says}") as caught:
        parse_corpus_text(text, "x.txt")
    assert f"{caught.value.source}:{caught.value.line}" == where


def test_split_authors_handles_a_final_and() -> None:
    assert split_authors("A. One, B. Two, and C. Three") == ("A. One", "B. Two", "C. Three")
    assert split_authors("A. One and B. Two") == ("A. One", "B. Two")
    assert split_authors("The LSST Dark Energy Science Collaboration") == (
        "The LSST Dark Energy Science Collaboration",
    )
    assert split_authors("") == ()
