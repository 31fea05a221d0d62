"""Reading a person's library: the real exports in ../shared/fixtures/library, each layout in small
hand-written texts, and the one-line errors naming the file and line.

The counts asserted on the real files were taken without this code, with grep and awk on the files
themselves (the command is beside each number); they agree with the folder's README.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from digest.arxiv_id import find_arxiv_id
from digest.corpus import CorpusFormatError, parse_corpus_text
from digest.library import (
    LibraryFile,
    complete_entries,
    count_looked_up,
    ids_to_look_up,
    merge_by_id,
    parse_library,
)
from digest.models import CorpusPaper


def read(fixtures_dir: Path, name: str) -> LibraryFile:
    path = fixtures_dir / "library" / name
    return parse_library(path.read_text(encoding="utf-8-sig"), name)


def ids(library: LibraryFile) -> list[str]:
    return [entry.arxiv_id for entry in library.entries if entry.arxiv_id]


def test_bibtex_with_eprint_fields(fixtures_dir: Path) -> None:
    library = read(fixtures_dir, "bibtex_distill-gnn-intro.bib")
    assert library.layout == "BibTeX"
    assert len(library.entries) == 66  # grep -c '^@'
    assert library.with_abstract == 51  # grep -ic '^ *abstract *='
    # grep -ic 'eprint *=' gives 39; only 23 say archivePrefix (grep -ic archivePrefix)
    text = (fixtures_dir / "library" / "bibtex_distill-gnn-intro.bib").read_text(encoding="utf-8")
    assert ids(library) == re.findall(r'eprint\s*=\s*"([^"]+)"', text)
    assert len(ids(library)) == 39
    # awk 'BEGIN{RS="\n@"} /eprint *=/ && !/abstract *=/' finds none: nothing to look up
    assert ids_to_look_up(library.entries) == []
    first, corso = library.entries[0], library.entries[2]
    assert (first.source, first.arxiv_id) == ("bibtex_distill-gnn-intro.bib:1", "1806.00770")
    assert first.title == "Dual-Primal Graph Convolutional Networks"  # no archivePrefix, still arXiv
    assert first.abstract.startswith("In recent years, there has been a surge of interest in developing deep")
    assert "Stephan Günnemann" in first.authors  # G{\"u}nnemann, Stephan
    assert corso.authors[-2:] == ("Pietro Liò", "Petar Veličković")  # Li{\`o}, Veli{\v c}kovi{\'c}
    battaglia = library.entries[1]
    assert "between “hand-engineering” and “end-to-end” learning" in battaglia.abstract


def test_bibtex_with_arxiv_links_in_journal(fixtures_dir: Path) -> None:
    library = read(fixtures_dir, "bibtex_awesome-nerf.bib")
    assert len(library.entries) == 48  # grep -c '^@'
    assert library.with_abstract == 0  # grep -ic abstract
    # awk 'BEGIN{RS="\n@"} /arxiv.org\/abs|arXiv:/' counts 26 entries: 23 links, 3 "arXiv preprint
    # arXiv:..." journals; 2011.10379 is in two of them
    assert library.with_id == 26
    assert len(set(ids(library))) == 25
    by_key = {entry.source: entry for entry in library.entries}
    nerd = by_key["bibtex_awesome-nerf.bib:9"]
    assert (nerd.title, nerd.arxiv_id) == (
        "NeRD: Neural Reflectance Decomposition from Image Collections", "2012.03918")
    assert by_key["bibtex_awesome-nerf.bib:79"].arxiv_id == "2012.09790"  # arXiv preprint arXiv:...
    assert "Miloš Hašan" in by_key["bibtex_awesome-nerf.bib:1"].authors  # Milo{\v s} Ha{\v s}an
    assert by_key["bibtex_awesome-nerf.bib:17"].title == (
        "Deep Local Shapes: Learning Local SDF Priors for Detailed 3D Reconstruction")
    assert len(merge_by_id(library.entries)) == 47


def test_zotero_csv_export(fixtures_dir: Path) -> None:
    library = read(fixtures_dir, "zotero_controlnet-annotated-bibliography.csv")
    assert library.layout == "Zotero CSV"
    assert len(library.entries) == 137  # grep -c '^"[A-Z0-9]\{8\}","'
    assert library.with_id == 46  # grep -c 'arxiv.org/abs/' (each also says "arXiv: NNNN" in Extra)
    # 13 rows have an empty 11th column (Abstract Note): grep -c '^"[^"]*",...(10 columns)...,"",'
    assert library.with_abstract == 124
    first, second = library.entries[:2]
    assert first.source == "zotero_controlnet-annotated-bibliography.csv:2"
    assert first.title == "StyleGAN2 Distillation for Feed-Forward Image Manipulation"
    assert first.arxiv_id is None and first.abstract.startswith("StyleGAN2 is a state-of-the-art")
    assert first.authors == ("Yuri Viazovetskyi", "Vladimir Ivashkin", "Evgeny Kashin")
    assert (second.source, second.arxiv_id) == ("zotero_controlnet-annotated-bibliography.csv:3",
                                                "2003.07441")
    assert ids_to_look_up(library.entries) == []  # the 13 without abstracts have no id either


def test_markdown_list_of_arxiv_links(fixtures_dir: Path) -> None:
    library = read(fixtures_dir, "ids_the-gan-zoo.md")
    assert library.layout == "arXiv id list"
    assert len(library.entries) == 501  # grep -c '^\* '
    assert library.with_id == 495  # grep -o 'arxiv.org/[a-z]*/[^) ]*' | wc -l
    assert library.with_abstract == 0
    # ... | sed 's/v[0-9]*$//' | sort -u | wc -l: 1611.06430 and 1707.05474 are there twice
    assert len(ids_to_look_up(library.entries)) == 493
    assert len(merge_by_id(library.entries)) == 493 + 6  # grep '^\* ' | grep -vc arxiv.org
    adagan = next(entry for entry in library.entries if entry.title.startswith("AdaGAN"))
    assert (adagan.title, adagan.arxiv_id) == ("AdaGAN: Boosting Generative Models", "1701.02386")
    assert adagan.source == "ids_the-gan-zoo.md:27"  # [...](https://arxiv.org/abs/1701.02386v1)
    abc = [entry for entry in library.entries if entry.title.startswith("ABC-GAN")]
    assert abc[0].arxiv_id is None and abc[0].source == "ids_the-gan-zoo.md:20"  # a Drive link


def test_jsonl_listing_and_corpus_pages_read_as_before(fixtures_dir: Path, corpus_dir: Path) -> None:
    listing = fixtures_dir / "background" / "2026-02-05_csLG-heavy.jsonl"
    library = parse_library(listing.read_text(encoding="utf-8"), listing.name)
    assert library.layout == "JSON-lines listing"
    assert len(library.entries) == library.with_id == library.with_abstract == 462  # wc -l
    assert library.entries[1].source == f"{listing.name}:2"
    assert len(merge_by_id(library.entries)) == 406  # the README's unique ids
    page = sorted(corpus_dir.glob("*.txt"))[0]
    text = page.read_text(encoding="utf-8")
    assert parse_library(text, page.name) == LibraryFile(
        "corpus page", tuple(parse_corpus_text(text, page.name)))


def test_plain_id_list_one_a_line() -> None:
    text = ("# my reading list\n\n2404.19756\narXiv:2404.19756v2\n"
            "https://arxiv.org/pdf/1701.00160v1.pdf - NIPS 2016 Tutorial: GANs\n"
            "<https://arxiv.org/abs/hep-th/9901001>\nmath.GT/0309136\n")
    library = parse_library(text, "ids.txt")
    assert [(e.arxiv_id, e.title, e.source) for e in library.entries] == [
        ("2404.19756", "", "ids.txt:3"),
        ("2404.19756", "", "ids.txt:4"),
        ("1701.00160", "NIPS 2016 Tutorial: GANs", "ids.txt:5"),
        ("hep-th/9901001", "", "ids.txt:6"),
        ("math/0309136", "", "ids.txt:7"),
    ]
    assert ids_to_look_up(library.entries) == ["2404.19756", "1701.00160", "hep-th/9901001",
                                               "math/0309136"]
    listed = parse_library("Papers:\n\n1. 2404.19756 A title\n2. [B](https://arxiv.org/abs/1701.00160)\n"
                           "- Not on arXiv\n", "list.md")
    assert [(e.arxiv_id, e.title, e.source) for e in listed.entries] == [
        ("2404.19756", "A title", "list.md:3"), ("1701.00160", "B", "list.md:4"),
        (None, "Not on arXiv", "list.md:5")]


def test_bibtex_syntax_macros_comments_and_tex() -> None:
    text = r"""Text before the entries is a comment, as in BibTeX; so is an email: me@example.org
@string{tpami = "IEEE {T}rans. PAMI"}
@comment{ignored @article{nope, title = {no}} }
@preamble{ "\newcommand{\noop}[1]{}" }
@Article(k1,
  title = "A {\"U}ber {G}raph --- of G{\"o}del \& Schr\"odinger's {\v{c}}at~x",
  journal = tpami # " (" # {2020} # ")",
  month = jan, year = 2020,
  abstract = {Nested {braces {deep}}, \emph{marked up}, 50\% ``quoted''.},
  eprint = {9901001}, primaryClass = {hep-th},
)
@misc{k2, title = {{NeRF}: x}, note = {2017arXiv170802025M}}
@misc{k3, title = {y}, eprinttype = {hal}, eprint = {hal-0123}, doi = {10.48550/arXiv.2003.07441}}
"""
    first, second, third = parse_library(text, "refs.bib").entries
    assert first == CorpusPaper(
        title="A Über Graph — of Gödel & Schrödinger's čat x",
        abstract="Nested braces deep, marked up, 50% “quoted”.",
        arxiv_id="hep-th/9901001", source="refs.bib:5")
    assert (second.title, second.arxiv_id) == ("NeRF: x", "1708.02025")  # an ADS bibcode
    assert third.arxiv_id == "2003.07441"  # another archive's eprint; arXiv's DOI


def test_zotero_ids_from_extra_bibcodes_and_urls() -> None:
    header = '"Key","Item Type","Publication Year","Author","Title","Url","Abstract Note","Extra"\n'
    rows = ['"A1","journalArticle","2017","Doe, Jane","One","","",'
            '"ADS Bibcode: 2017arXiv170802025M"',
            '"A2","report","2020","","Two","https://arxiv.org/pdf/2003.07441v2","Cites arXiv:1111.2011",""',
            '"A3","book","2020","","Three","","It has an\nabstract line break","arXiv: hep-th/9901001"']
    entries = parse_library(header + "\n".join(rows) + "\n", "My Library.csv").entries
    assert [(e.arxiv_id, e.source) for e in entries] == [
        ("1708.02025", "My Library.csv:2"), ("2003.07441", "My Library.csv:3"),
        ("hep-th/9901001", "My Library.csv:4")]
    assert entries[0].authors == ("Jane Doe",) and entries[2].abstract == "It has an abstract line break"


@pytest.mark.parametrize(("name", "text", "message"), [
    ("notes.txt", "a single stray line\n", "notes.txt:1: unknown layout: expected BibTeX"),
    ("notes.md", "\n\n# Notes\nSee https://example.org\n", "notes.md:3: unknown layout"),
    ("empty.bib", "\n  \n", "empty.bib:1: no entries: the file is empty"),
    ("refs.bib", "no entries here\n", "refs.bib:1: not BibTeX entries (@article{key, title"),
    ("lib.csv", '"Name","Email"\n"a","b"\n', 'lib.csv:1: not a Zotero CSV export (a header "Key"'),
    ("refs.bib", "@article{ok, title = {x}}\n\n@article{k,\n  title = {unclosed\n}\n",
     "refs.bib:3: @article{k never closes (a missing '}'?)"),
    ("refs.bib", "@article{k,\n  title {x}}\n", "refs.bib:2: expected '=' after 'title' in @article{k"),
    ("refs.bib", '@article{k,\n  title = "x}",\n  year = 2020}\n', "refs.bib:2: a '}' with no '{'"),
    ("refs.bib", '@article{k, archivePrefix = "arXiv",\n eprint = "1806.0077"}',
     "refs.bib:1: @article{k: eprint: not an arXiv id: '1806.0077'"),
    ("ids.txt", "2404.19756\n\nsee also my notes\n",
     "ids.txt:3: expected an arXiv id or link at the start of each line of an id list, found 'see"),
    ("ids.txt", "2404.19756\n1313.00001\n", "ids.txt:2: not an arXiv id: '1313.00001' (13 is not a month)"),
    ("day.jsonl", '{"id": "2404.19756", "title": "t", "summary": "s", "authors": [], '
     '"categories": []}\n{oops\n', "day.jsonl:2: not a listing record (Expecting property name"),
])
def test_a_file_in_no_layout_is_refused_naming_file_and_line(name: str, text: str, message: str) -> None:
    with pytest.raises(CorpusFormatError) as caught:
        parse_library(text, name)
    assert str(caught.value).startswith(message), str(caught.value)


def test_find_arxiv_id_in_free_text() -> None:
    assert find_arxiv_id("http://arxiv.org/licenses/nonexclusive-distrib/1.0/") is None
    assert find_arxiv_id("doi:10.1007/978-3-030-58542-6_11", "arXiv:1313.00001 arXiv:1701.00160v3.") == (
        "1701.00160")  # the first valid one, in order
    assert find_arxiv_id("2014arXiv1412.6980K") == "1412.6980"
    assert find_arxiv_id("arxiv.org/abs/1701.001601") is None  # six digits: not an id


def paper(arxiv_id: str | None, abstract: str = "", title: str = "t", source: str = "f:1") -> CorpusPaper:
    return CorpusPaper(title=title, abstract=abstract, arxiv_id=arxiv_id, source=source)


def test_merging_and_completing_entries_with_arxivs_records() -> None:
    entries = merge_by_id([paper("1701.00160", source="a:1"), paper(None, "own abstract"),
                           paper("1701.00160", "later abstract", source="b:9"), paper(None),
                           paper("2404.19756"), paper("0808.05394")])
    assert entries[0] == paper("1701.00160", "later abstract", source="a:1")
    assert ids_to_look_up(entries) == ["2404.19756", "0808.05394"]
    record = CorpusPaper(title="arXiv's title", abstract="arXiv's abstract", authors=("A. B",),
                         arxiv_id="2404.19756", source="arXiv")
    records = {"2404.19756": record, "0808.05394": None}
    done = complete_entries(entries, records)
    assert done.papers == (entries[0], entries[1], CorpusPaper(
        title="arXiv's title", abstract="arXiv's abstract", authors=("A. B",),
        arxiv_id="2404.19756", source="f:1"))
    assert (done.unknown_ids, done.skipped) == (("0808.05394",), 1)
    assert count_looked_up(entries, records) == 1
