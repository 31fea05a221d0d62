"""parse_arxiv_id on the forms people paste, the ids arXiv's own files carry, and near misses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from digest.arxiv_id import BadArxivIdError, parse_arxiv_id
from digest.errors import UserError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2404.19756", ("2404.19756", None)),
        ("2404.19756v2", ("2404.19756", 2)),
        ("arXiv:2404.19756", ("2404.19756", None)),
        ("ARXIV:2404.19756v12", ("2404.19756", 12)),
        ("https://arxiv.org/abs/2404.19756", ("2404.19756", None)),
        ("https://www.arxiv.org/abs/2404.19756v3", ("2404.19756", 3)),
        ("http://arxiv.org/pdf/2404.19756v1", ("2404.19756", 1)),
        ("http://arxiv.org/pdf/2404.19756v1.pdf", ("2404.19756", 1)),
        ("https://arxiv.org/pdf/2404.19756.pdf", ("2404.19756", None)),
        ("export.arxiv.org/abs/2404.19756", ("2404.19756", None)),
        ("https://export.arxiv.org/abs/2404.19756v2/", ("2404.19756", 2)),
        ("oai:arXiv.org:2411.17700v1", ("2411.17700", 1)),
        ("  2404.19756\n", ("2404.19756", None)),
        ("0704.0001", ("0704.0001", None)),
        ("1412.9999v1", ("1412.9999", 1)),
        ("hep-th/9901001", ("hep-th/9901001", None)),
        ("hep-th/9901001v3", ("hep-th/9901001", 3)),
        ("math.GT/0309136v1", ("math/0309136", 1)),
        ("arXiv:astro-ph/0601001", ("astro-ph/0601001", None)),
        ("http://arxiv.org/abs/quant-ph/0201082v1", ("quant-ph/0201082", 1)),
        ("https://arxiv.org/pdf/hep-th/9901001v2.pdf", ("hep-th/9901001", 2)),
        ("oai:arXiv.org:cond-mat/0412498", ("cond-mat/0412498", None)),
    ],
)
def test_accepted_forms(text: str, expected: tuple[str, int | None]) -> None:
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("abc", ""),
        ("", ""),
        ("2404.19756 and more", ""),
        ("https://example.org/abs/2404.19756", ""),
        ("arxiv.org/list/2404.19756", ""),
        ("2404.19756v", ""),
        ("2404.19756v0", "versions start at v1"),
        ("2404.19756.pdf", "'.pdf' only ends a pdf link"),
        ("2413.19756", "13 is not a month"),
        ("0000.0000", "00 is not a month"),
        ("0612.0001", "YYMM.NNNN ids start at 0704"),
        ("2404.1975", "ids from 2404 have 5 digits after the dot"),
        ("1412.12345", "ids from 1412 have 4 digits after the dot"),
        ("hep-th/990100", ""),
        ("hep-th/2001001", "archive/YYMMNNN ids run from 9107 to 0703"),
        ("hep-th/9913001", "13 is not a month"),
    ],
)
def test_rejected_forms_quote_the_input(text: str, reason: str) -> None:
    with pytest.raises(BadArxivIdError) as caught:
        parse_arxiv_id(text)
    message = str(caught.value)
    assert message.startswith(f"not an arXiv id: {text!r}")
    assert reason in message
    assert "expected e.g. 2404.19756" in message
    assert isinstance(caught.value, UserError)  # its text is the reply as it stands


def test_every_id_in_the_recorded_feeds_and_answers_parses(fixtures_dir: Path) -> None:
    found = []
    for path in sorted(fixtures_dir.glob("feeds/*.xml")) + sorted(fixtures_dir.glob("api/*.xml")):
        text = path.read_text(encoding="utf-8")
        found += re.findall(r"oai:arXiv\.org:\S+?(?=<)|https?://arxiv\.org/abs/[^<\"]+", text)
    assert len(found) > 1500
    parsed = [parse_arxiv_id(text) for text in found]
    assert ("2411.17700", 1) in parsed
    assert ("astro-ph/0601001", 1) in parsed
    assert ("cond-mat/0412498", 1) in parsed
