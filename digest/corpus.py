"""Reading corpus text files of titles and abstracts in the three layouts the seed corpus uses.

1. a lab's publication page: blank-separated blocks of title / authors / reference line, then
   a block `Abstract ...`; single-line section headers between them;
2. a listing site, compact: header lines, `Subscribe` glued to the first title, then strictly
   alternating title and abstract lines;
3. the same site, spaced: header lines, then title / blank / abstract / blank ...
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from digest.arxiv_id import BadArxivIdError, parse_arxiv_id
from digest.models import CorpusPaper
from digest.text import normalise_title, normalise_whitespace

_REFERENCE = re.compile(r"\[\s*(?:arXiv:\s*(?P<id>[^\s|\]]+))?\s*(?:\|[^\]]*)?\]\s*$")
_SITE_HEADERS = re.compile(
    r"^(new|subscribe|get trending papers in your email inbox.*|by\s*ak and the research community"
    r"|[A-Z][a-z]{2} \d{1,2}(, \d{4})?)$",
    re.IGNORECASE,
)
_GLUED_SUBSCRIBE = re.compile(r"^Subscribe(?=\S)")
MAX_TITLE_CHARS = 400
MIN_ABSTRACT_CHARS = 40


class CorpusFormatError(ValueError):
    """A corpus file is in no known layout, or breaks its layout at some line."""

    def __init__(self, source: str, line: int, message: str) -> None:
        self.source, self.line = source, line
        super().__init__(f"{source}:{line}: {message}")


def parse_corpus_text(text: str, source: str) -> list[CorpusPaper]:
    """The papers in one corpus file's text; CorpusFormatError names the file and line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    numbered = [(i + 1, line.strip()) for i, line in enumerate(lines)]
    content = [(n, line) for n, line in numbered if line]
    if not content:
        raise CorpusFormatError(source, 1, "the file is empty")
    if any(line.startswith("Abstract ") for _, line in content):
        return _parse_publication_page(numbered, source)
    body = [(n, line) for n, line in content if not _SITE_HEADERS.match(line)]
    if any(_GLUED_SUBSCRIBE.match(line) for _, line in body[:1]):
        body[0] = (body[0][0], _GLUED_SUBSCRIBE.sub("", body[0][1]))
    if len(body) < len(content) or _alternates(body):
        return _parse_alternating(body, source)
    raise CorpusFormatError(
        source, content[0][0],
        "unknown layout: expected a publication page ('Abstract ...' blocks) or a listing of "
        "alternating title and abstract lines after the site's header",
    )


def _alternates(body: Sequence[tuple[int, str]]) -> bool:
    """Whether lines look like title, abstract, title, abstract ... with no header at all."""
    titles, abstracts = body[0::2], body[1::2]
    return (len(body) >= 2 and len(body) % 2 == 0
            and all(len(t) <= MAX_TITLE_CHARS for _, t in titles)
            and sum(len(a) for _, a in abstracts) > 3 * sum(len(t) for _, t in titles))


def _parse_alternating(body: Sequence[tuple[int, str]], source: str) -> list[CorpusPaper]:
    if len(body) % 2:
        n, line = body[-1]
        raise CorpusFormatError(source, n, f"title without an abstract: {line[:60]!r}")
    papers = []
    for (title_no, title), (abstract_no, abstract) in zip(body[0::2], body[1::2]):
        if len(title) > MAX_TITLE_CHARS:
            raise CorpusFormatError(source, title_no, "expected a title here, found a long paragraph")
        if len(abstract) < MIN_ABSTRACT_CHARS:
            raise CorpusFormatError(source, abstract_no, f"expected an abstract, found {abstract!r}")
        papers.append(CorpusPaper(normalise_whitespace(title), normalise_whitespace(abstract),
                                  source=f"{source}:{title_no}"))
    return papers


def _blocks(numbered: Sequence[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    blocks: list[list[tuple[int, str]]] = [[]]
    for n, line in numbered:
        if line:
            blocks[-1].append((n, line))
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _parse_publication_page(numbered: Sequence[tuple[int, str]], source: str) -> list[CorpusPaper]:
    papers = []
    pending: list[tuple[int, str]] | None = None
    for block in _blocks(numbered):
        first_no, first = block[0]
        if first.startswith("Abstract "):
            if pending is None:
                raise CorpusFormatError(source, first_no, "abstract without a title block before it")
            abstract = normalise_whitespace(" ".join(line for _, line in block)[len("Abstract "):])
            papers.append(_publication_paper(pending, abstract, source))
            pending = None
        elif len(block) >= 3 and _REFERENCE.search(block[-1][1]):
            pending = block
        elif len(block) == 1 and pending is None:
            continue  # a section header such as "Pre-prints"
        else:
            raise CorpusFormatError(source, first_no, "expected a title / authors / [ arXiv:... ] block")
    if pending is not None:
        raise CorpusFormatError(source, pending[0][0], "title block without an abstract")
    return papers


def _publication_paper(block: Sequence[tuple[int, str]], abstract: str, source: str) -> CorpusPaper:
    title_no, title = block[0]
    match = _REFERENCE.search(block[-1][1])
    raw_id = match.group("id") if match else None
    try:
        arxiv_id = parse_arxiv_id(raw_id)[0] if raw_id else None
    except BadArxivIdError as exc:
        raise CorpusFormatError(source, block[-1][0], str(exc)) from None
    authors_line = " ".join(line for _, line in block[1:-1])
    return CorpusPaper(
        title=normalise_whitespace(title),
        abstract=abstract,
        authors=split_author_list(authors_line),
        arxiv_id=arxiv_id,
        source=f"{source}:{title_no}",
    )


def split_author_list(line: str) -> tuple[str, ...]:
    """'A, B and C' as ('A', 'B', 'C')."""
    parts = re.split(r",\s*|\s+and\s+", line)
    return tuple(normalise_whitespace(p) for p in parts if p.strip())


def dedupe_papers(papers: Iterable[CorpusPaper]) -> list[CorpusPaper]:
    """Papers merged by normalised title, first occurrence first; gaps filled from later copies."""
    merged: dict[str, CorpusPaper] = {}
    for paper in papers:
        key = normalise_title(paper.title)
        first = merged.get(key)
        if first is None:
            merged[key] = paper
            continue
        merged[key] = replace(
            first,
            arxiv_id=first.arxiv_id or paper.arxiv_id,
            authors=first.authors or paper.authors,
            abstract=first.abstract if len(first.abstract) >= len(paper.abstract) else paper.abstract,
        )
    return list(merged.values())
