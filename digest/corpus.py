"""Parsing corpus files: titles and abstracts in one of three known page layouts, minus furniture.

Layouts: a lab's publication page (title / authors / `[ arXiv:... ]` blocks, then `Abstract ...`),
and a listing site's page, compact (title and abstract lines alternate) or spaced (blank-separated).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from digest.arxiv_id import BadArxivIdError, parse_arxiv_id
from digest.errors import UserError
from digest.models import CorpusPaper
from digest.text import normalise_title, normalise_whitespace, split_authors

Line = tuple[int, str]  # (1-based line number, stripped text)

_ABSTRACT = re.compile(r"^Abstract(?:\s+|$)")
_REFERENCE = re.compile(r"\[\s*(?:arXiv:\s*(?P<id>[^\s|\]]+))?\s*(?:\|[^\]]*)?\]$", re.IGNORECASE)
_TRENDING = re.compile(r"^Get trending papers in your email inbox\b.*$", re.IGNORECASE)
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_DATE = rf"(?:{_MONTHS})[a-z]* \d{{1,2}}(?:, \d{{4}})?"
_LISTING_FURNITURE = re.compile(
    rf"^(?:new|subscribe|by\s*AK and the research community|{_DATE})$", re.IGNORECASE
)
_GLUED_SUBSCRIBE = re.compile(r"^Subscribe(?=\S)")

MAX_TITLE_CHARS = 300
MIN_ABSTRACT_CHARS = 80


class CorpusFormatError(UserError):
    """A corpus text in no known layout, or one that breaks its layout at some line."""

    def __init__(self, source: str, line: int, message: str) -> None:
        self.source = source
        self.line = line
        self.message = message
        super().__init__(f"{source}:{line}: {message}")


def parse_corpus_text(text: str, source: str) -> list[CorpusPaper]:
    """The papers in one corpus file's text; CorpusFormatError names the file and line at fault."""
    numbered = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1)]
    content = [(n, line) for n, line in numbered if line]
    if not content:
        raise CorpusFormatError(source, 1, "no papers: the text is empty")
    layout = _layout(content)
    if layout == "publication":
        return _parse_publication_page(numbered, source)
    if layout == "listing":
        return _parse_listing(content, source)
    raise CorpusFormatError(
        source,
        content[0][0],
        "unknown layout: expected a publication page ('[ arXiv:... ]' reference lines and "
        "'Abstract ...' paragraphs) or a paper listing ('Get trending papers ...' header, then "
        "title and abstract lines)",
    )


def is_corpus_page(text: str) -> bool:
    """Whether a text is in one of the corpus page layouts that parse_corpus_text reads."""
    lines = (line.strip() for line in text.splitlines())
    return _layout([(n, line) for n, line in enumerate(lines, start=1) if line]) is not None


def _layout(content: Sequence[Line]) -> str | None:
    if any(_ABSTRACT.match(line) for _, line in content) and any(
        _REFERENCE.search(line) for _, line in content
    ):
        return "publication"
    if any(_TRENDING.match(line) for _, line in content[:8]):
        return "listing"
    return None


def _parse_listing(content: Sequence[Line], source: str) -> list[CorpusPaper]:
    """Title and abstract lines in turn, after the site's header (compact or spaced layout)."""
    body = [(n, line) for n, line in content if not _is_listing_furniture(line)]
    if body and _GLUED_SUBSCRIBE.match(body[0][1]):
        body[0] = (body[0][0], _GLUED_SUBSCRIBE.sub("", body[0][1]))
    if not body:
        raise CorpusFormatError(source, content[-1][0], "a listing header but no papers after it")
    if len(body) % 2:
        n, title = body[-1]
        raise CorpusFormatError(source, n, f"title with no abstract after it: {title[:60]!r}")
    papers = []
    for (title_no, title), (abstract_no, abstract) in zip(body[0::2], body[1::2], strict=False):
        if len(title) > MAX_TITLE_CHARS:
            raise CorpusFormatError(source, title_no, "expected a title, found a paragraph")
        if len(abstract) < max(MIN_ABSTRACT_CHARS, len(title)):
            raise CorpusFormatError(
                source,
                abstract_no,
                f"expected the abstract of {title[:40]!r}, found {abstract[:40]!r}",
            )
        papers.append(
            CorpusPaper(
                title=normalise_whitespace(title),
                abstract=normalise_whitespace(abstract),
                source=f"{source}:{title_no}",
            )
        )
    return papers


def _is_listing_furniture(line: str) -> bool:
    return bool(_TRENDING.match(line) or _LISTING_FURNITURE.match(line))


def _blocks(numbered: Sequence[Line]) -> list[list[Line]]:
    """Runs of non-blank lines."""
    blocks: list[list[Line]] = []
    current: list[Line] = []
    for n, line in [*numbered, (0, "")]:
        if line:
            current.append((n, line))
        elif current:
            blocks.append(current)
            current = []
    return blocks


def _parse_publication_page(numbered: Sequence[Line], source: str) -> list[CorpusPaper]:
    """Blocks of title / authors / reference line, each followed by an `Abstract ...` block."""
    papers: list[CorpusPaper] = []
    pending: list[Line] | None = None
    for block in _blocks(numbered):
        first_no, first = block[0]
        if _ABSTRACT.match(first):
            if pending is None:
                raise CorpusFormatError(
                    source, first_no, "an abstract with no title block before it"
                )
            abstract = normalise_whitespace(_ABSTRACT.sub("", " ".join(line for _, line in block)))
            if not abstract:
                raise CorpusFormatError(source, first_no, "an empty abstract")
            papers.append(_publication_paper(pending, abstract, source))
            pending = None
        elif pending is not None:
            raise _no_abstract(pending, source)
        elif len(block) >= 2 and _REFERENCE.search(block[-1][1]):
            pending = block
        elif len(block) > 1:
            raise CorpusFormatError(
                source,
                first_no,
                "expected a title / authors / '[ arXiv:... ]' block or an abstract",
            )
        # else: a one-line section header such as "Pre-prints"
    if pending is not None:
        raise _no_abstract(pending, source)
    return papers


def _no_abstract(block: Sequence[Line], source: str) -> CorpusFormatError:
    title_no, title = block[0]
    return CorpusFormatError(source, title_no, f"title with no abstract: {title[:60]!r}")


def _publication_paper(block: Sequence[Line], abstract: str, source: str) -> CorpusPaper:
    """A paper from its title block (title, author lines, reference line) and abstract."""
    title_no, title = block[0]
    reference_no, reference = block[-1]
    match = _REFERENCE.search(reference)
    raw_id = match["id"] if match else None
    try:
        arxiv_id = parse_arxiv_id(raw_id)[0] if raw_id else None
    except BadArxivIdError as exc:
        raise CorpusFormatError(source, reference_no, f"bad arXiv id: {exc}") from None
    return CorpusPaper(
        title=normalise_whitespace(title),
        abstract=abstract,
        authors=split_authors(" ".join(line for _, line in block[1:-1])),
        arxiv_id=arxiv_id,
        source=f"{source}:{title_no}",
    )


def dedupe_papers(papers: Iterable[CorpusPaper]) -> list[CorpusPaper]:
    """Papers merged by normalised title, first seen first; a missing id or authors is filled in."""
    merged: dict[str, CorpusPaper] = {}
    for paper in papers:
        key = normalise_title(paper.title) or paper.title
        first = merged.get(key)
        if first is None:
            merged[key] = paper
        elif (first.arxiv_id is None and paper.arxiv_id) or (not first.authors and paper.authors):
            merged[key] = replace(
                first,
                arxiv_id=first.arxiv_id or paper.arxiv_id,
                authors=first.authors or paper.authors,
            )
    return list(merged.values())
