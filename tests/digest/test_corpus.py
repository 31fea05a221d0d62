"""Parsing the three corpus layouts, on the real seed corpus and on small inline texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.corpus import CorpusFormatError, dedupe_papers, parse_corpus_text
from digest.models import CorpusPaper

EXPECTED_COUNTS = {"000": 81, "001": 194, "002": 77, "003": 282, "004": 124}
FURNITURE = ("IAIFI Foundational AI Papers", "Foundational AI", "Pre-prints", "Published", "new",
             "Subscribe", "byAK and the research community", "Mar 14",
             "Get trending papers in your email inbox!", "Get trending papers in your email inbox once a day!")


@pytest.fixture(scope="module")
def corpus(corpus_dir: Path) -> dict[str, list[CorpusPaper]]:
    return {f.name[:3]: parse_corpus_text(f.read_text(encoding="utf-8"), f.name)
            for f in sorted(corpus_dir.glob("*.txt"))}


def test_counts_per_file(corpus: dict[str, list[CorpusPaper]]) -> None:
    assert {k: len(v) for k, v in corpus.items()} == EXPECTED_COUNTS


def test_no_furniture_becomes_a_paper(corpus: dict[str, list[CorpusPaper]]) -> None:
    titles = {p.title for papers in corpus.values() for p in papers}
    assert not titles & set(FURNITURE)
    assert not any(t.startswith("Subscribe") or "[ arXiv" in t for t in titles)
    assert corpus["001"][0].title == "Learning Feynman integrals from differential equations with neural networks"
    assert corpus["002"][0].title.startswith("S3IM: Stochastic Structural SIMilarity")


def test_publication_page_gives_authors_and_ids(corpus: dict[str, list[CorpusPaper]]) -> None:
    kan = next(p for p in corpus["000"] if p.title == "KAN: Kolmogorov-Arnold Networks")
    assert kan.arxiv_id == "2404.19756"
    assert kan.authors[:2] == ("Ziming Liu", "Yixuan Wang") and "Marin Soljačić" in kan.authors
    assert kan.abstract.startswith("Inspired by the Kolmogorov-Arnold representation theorem")
    assert kan.source == "000_385a860a167ea3bb.txt:13"
    with_ids = [p for p in corpus["000"] if p.arxiv_id]
    assert 70 <= len(with_ids) < 81  # a few papers on the page have no arXiv id
    topogivity = next(p for p in corpus["000"] if p.title.startswith("Topogivity"))
    assert topogivity.arxiv_id == "2202.05255"  # given as a URL inside the brackets


def test_listing_layouts_have_no_ids_or_authors(corpus: dict[str, list[CorpusPaper]]) -> None:
    for key in ("001", "002", "003", "004"):
        assert all(p.arxiv_id is None and p.authors == () for p in corpus[key])
        assert all(len(p.abstract) > 40 for p in corpus[key])


def test_dedupe_merges_by_normalised_title(corpus: dict[str, list[CorpusPaper]]) -> None:
    everything = [p for papers in corpus.values() for p in papers]
    unique = dedupe_papers(everything)
    assert len(everything) - len(unique) >= 55
    assert len({p.title.lower() for p in unique}) == len(unique)


def test_dedupe_fills_ids_from_later_copies() -> None:
    a = CorpusPaper("Neural Operators!", "short", source="x:1")
    b = CorpusPaper("neural operators", "a longer abstract", ("Ann",), "2108.08481", "y:5")
    [merged] = dedupe_papers([a, b])
    assert (merged.source, merged.arxiv_id, merged.authors, merged.abstract) == (
        "x:1", "2108.08481", ("Ann",), "a longer abstract")


PAGE = """Lab Papers

Published

Fourier Neural Operator
Zongyi Li, Nikola Kovachki and Anima Anandkumar
ICLR 2021 [ arXiv:2010.08895 | code ]

Abstract We learn $\\mathcal{O}(n)$ operators for Schr\\"odinger equations.

Untitled Paper
Jane Doe
Some Venue [ ]

Abstract An abstract with no id.
"""


def test_inline_publication_page_keeps_tex() -> None:
    first, second = parse_corpus_text(PAGE, "page.txt")
    assert first.authors == ("Zongyi Li", "Nikola Kovachki", "Anima Anandkumar")
    assert first.arxiv_id == "2010.08895" and first.source == "page.txt:5"
    assert first.abstract == 'We learn $\\mathcal{O}(n)$ operators for Schr\\"odinger equations.'
    assert second.arxiv_id is None


def test_inline_compact_and_spaced_listings() -> None:
    compact = ("Get trending papers in your email inbox!\nSubscribeA Title\n" + "An abstract. " * 10
               + "\nSecond Title\n" + "Another abstract. " * 10 + "\n")
    assert [p.title for p in parse_corpus_text(compact, "c.txt")] == ["A Title", "Second Title"]
    spaced = "new\n\nSubscribe\n\nMar 14\n\nOnly Title\n\n" + "Some abstract words here. " * 5 + "\n"
    [paper] = parse_corpus_text(spaced, "s.txt")
    assert (paper.title, paper.source) == ("Only Title", "s.txt:7")


@pytest.mark.parametrize("text, where", [
    ("just one line of something", "x.txt:1"),
    ("", "x.txt:1"),
    ("Get trending papers in your email inbox!\nSubscribeTitle\n" + "abstract " * 10 + "\nDangling title\n",
     "x.txt:4"),
    ("Title\nAuthors\n[ arXiv:2010.08895 ]\n\nAbstract fine\n\nStray paragraph\nthat is not a block\n",
     "x.txt:7"),
])
def test_unknown_or_broken_layout_names_file_and_line(text: str, where: str) -> None:
    with pytest.raises(CorpusFormatError, match=f"^{where}: "):
        parse_corpus_text(text, "x.txt")
