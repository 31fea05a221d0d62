"""Server profiles from a library file: decoding it, and learning from its entries and arXiv's records."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from digest.corpus import CorpusFormatError
from digest.custom import MAX_EXEMPLARS, CustomProfileError, profile_from_library
from digest.library import decode_library, ids_to_look_up, merge_by_id, parse_library
from digest.models import CorpusPaper, Paper
from digest.rank import score_paper


def entries(fixtures_dir: Path, name: str) -> list[CorpusPaper]:
    data = (fixtures_dir / "library" / name).read_bytes()
    return merge_by_id(parse_library(decode_library(data, name), name).entries)


def test_a_library_is_read_as_utf8_without_its_byte_order_mark() -> None:
    assert decode_library(b"\xef\xbb\xbf\"Key\",\"Title\"\n", "My Library.csv") == '"Key","Title"\n'
    with pytest.raises(CorpusFormatError) as caught:
        decode_library(b"\xef\xbb\xbf@article{a,\n  title = {Caf\xe9}}\n", "refs.bib")
    assert str(caught.value) == "refs.bib:2: not UTF-8 text (byte 29); save the file as UTF-8"


def test_a_profile_from_a_bibtex_library_uses_the_entries_with_abstracts(fixtures_dir: Path) -> None:
    gnn = entries(fixtures_dir, "bibtex_distill-gnn-intro.bib")
    made = profile_from_library("gnn", "GNN", "gnn.bib", gnn, {}, 7)
    assert (made.profile.size, made.skipped, made.unknown_ids) == (51, 15, ())
    assert made.profile.terms[0].text == "graph"
    papers = [Paper(e.arxiv_id or "", e.title, e.abstract) for e in gnn if e.abstract]
    median = statistics.median(score_paper(made.profile, p).score for p in papers)
    assert median == pytest.approx(1.0, abs=1e-3)  # calibrated on its own papers
    assert any(e.arxiv_id is None for e in made.profile.exemplars)  # no placeholder ids


def test_missing_abstracts_come_from_arxivs_records(fixtures_dir: Path) -> None:
    nerf = entries(fixtures_dir, "bibtex_awesome-nerf.bib")
    wanted = ids_to_look_up(nerf)
    records: dict[str, CorpusPaper | None] = dict.fromkeys(wanted)
    with pytest.raises(CustomProfileError, match=r"^nerf\.bib: none of its 47 papers has an "
                                                 r"abstract, and arXiv has none for its 25 arXiv ids"):
        profile_from_library("nerf", "NeRF", "nerf.bib", nerf, records, 7)
    records[wanted[0]] = CorpusPaper("Neural radiance fields for scenes",
                                     "We render novel views of scenes with neural radiance fields.")
    records[wanted[1]] = CorpusPaper("Faster neural radiance fields",
                                     "Neural radiance fields render views faster with a grid.")
    made = profile_from_library("nerf", "NeRF", "nerf.bib", nerf, records, 7)
    assert made.profile.size == 2 and len(made.unknown_ids) == 23 and made.unused == 45
    assert "neural radiance field" in [t.key for t in made.profile.terms]
    assert [e.arxiv_id for e in made.profile.exemplars] == wanted[:2]


def test_a_large_library_lists_a_bounded_number_of_exemplars(fixtures_dir: Path) -> None:
    zotero = entries(fixtures_dir, "zotero_controlnet-annotated-bibliography.csv")
    made = profile_from_library("cn", "ControlNet", "lib.csv", zotero, {}, 7)
    assert made.profile.size == 124 and len(made.profile.exemplars) == MAX_EXEMPLARS
