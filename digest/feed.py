"""Turn what arXiv serves into Papers: rss.arxiv.org RSS 2.0 feeds, the old RSS 1.0/RDF feeds,
API Atom answers and background JSON-lines listings; then merge batches and pick announce types.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import io
import json
import re
import xml.sax
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from typing import Any

import feedparser

from digest.arxiv_id import BadArxivIdError, parse_arxiv_id
from digest.errors import UserError
from digest.models import ANNOUNCE_TYPES, AnnounceType, DigestOptions, FeedBatch, Paper
from digest.text import normalise_whitespace, split_authors, untex_name


class FeedError(UserError):
    """An arXiv answer that cannot be read as papers."""


class BadCategoryError(FeedError):
    """arXiv answered a feed request with its error feed: a category it does not know."""

    def __init__(self, category: str, detail: str) -> None:
        super().__init__(f"arXiv has no feed for category {category!r}: {detail}")
        self.category = category
        self.detail = detail


class MalformedFeedError(FeedError):
    """Bytes that are not a complete, well-formed feed or API answer (HTML, garbage, truncated XML)."""


class ApiError(FeedError):
    """The arXiv API answered with an error entry that is not about an id's format."""


class MalformedBackgroundError(FeedError):
    """A background listing line that is not a JSON paper record."""


# Off, because feedparser's HTML sanitiser mangles TeX: `$1<p<2$` would become `$1<p><2$`.
_RAW = {"sanitize_html": False, "resolve_relative_uris": False}
_ABSTRACT_PREFIX = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*\S+\s*Abstract:\s*", re.IGNORECASE)
_OLD_TITLE = re.compile(
    r"\.?\s*\(arXiv:(?P<id>\S+?)\s*\[(?P<category>[^\]]*)\](?P<marker>[^()]*)\)\s*$", re.IGNORECASE
)
_OLD_MARKERS: dict[str, AnnounceType] = {"": "new", "CROSS LISTED": "cross", "UPDATED": "replace"}
_FEED_ERROR_TITLE = "Feed error for query"
_RSS_QUERY = re.compile(r"/rss/([^?#]+?)/?(?:[?#]|$)")
_BAD_NAME = re.compile(r"Bad \w+ '([^']*)'")
# When one id shows up twice, the record to keep: a paper's own listing beats a cross-list.
_PREFERENCE = {
    kind: rank for rank, kind in enumerate(("new", "unknown", "cross", "replace", "replace-cross"))
}
_BLOCK_TAGS = frozenset({"p", "br", "div", "li", "ul", "ol", "tr", "td", "blockquote"})


def parse_feed(data: bytes) -> FeedBatch:
    """The batch in an arXiv RSS 2.0 or RSS 1.0/RDF feed; FeedError if the bytes are not one."""
    parsed = _parse_xml(data, "feed")
    version = str(parsed.get("version") or "")
    channel = parsed.get("feed") or {}
    if not version.startswith("rss") or not channel:
        raise MalformedFeedError(f"not an RSS feed: {_describe(data, version)}")
    title = _text(channel.get("title"))
    if title.startswith(_FEED_ERROR_TITLE):
        raise _bad_category(channel)
    announced = _date(channel.get("published") or channel.get("updated"))
    read_item = _rdf_paper if version == "rss10" else _rss_paper
    papers: list[Paper] = []
    skipped: list[str] = []
    for number, entry in enumerate(parsed.entries, start=1):
        try:
            papers.append(read_item(entry, announced))
        except FeedError as exc:  # one bad item costs that item, not the day
            named = normalise_whitespace(_text(entry.get("title")))[:80]
            skipped.append(f"item {number} ({named!r}): {exc}")
    return FeedBatch(
        categories=_feed_categories(title, _text(channel.get("link"))),
        papers=_first_of_each(papers),
        announced=announced,
        empty=not parsed.entries,
        skipped=tuple(skipped),
    )


def parse_api(data: bytes) -> list[Paper]:
    """The papers in an arXiv API (Atom) answer; BadArxivIdError for arXiv's bad-id error entry."""
    parsed = _parse_xml(data, "arXiv API answer")
    version = str(parsed.get("version") or "")
    if not version.startswith("atom"):
        raise MalformedFeedError(f"not an arXiv API (Atom) answer: {_describe(data, version)}")
    papers = []
    for entry in parsed.entries:
        _raise_api_error(entry)
        papers.append(_api_paper(entry))
    return list(_first_of_each(papers))


def parse_background_jsonl(text: str) -> list[Paper]:
    """Papers in a background listing, one JSON object a line, first of each id kept."""
    papers = []
    # Not splitlines(): JSON strings may hold U+2028, which it would treat as a line break.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            papers.append(_background_paper(json.loads(line)))
        except (ValueError, TypeError, BadArxivIdError) as exc:  # ValueError: bad JSON
            raise MalformedBackgroundError(f"background listing line {number}: {exc}") from exc
    return list(_first_of_each(papers))


def select_papers(
    papers: Iterable[Paper], include_cross: bool, include_replacements: bool
) -> tuple[Paper, ...]:
    """Each id once (a paper's own listing over a cross-list), of the announce types asked for."""
    options = DigestOptions(include_cross=include_cross, include_replacements=include_replacements)
    return tuple(p for p in _preferred_of_each(papers) if options.admits(p))


# -- feeds -----------------------------------------------------------------------------------


def _rss_paper(entry: Mapping[str, Any], announced: dt.date | None) -> Paper:
    description = _text(entry.get("summary"))
    arxiv_id, version = _first_id(entry.get("id"), description, entry.get("link"))
    return Paper(
        arxiv_id=arxiv_id,
        title=normalise_whitespace(_text(entry.get("title"))),
        abstract=normalise_whitespace(_ABSTRACT_PREFIX.sub("", description, count=1)),
        authors=split_authors(_author_line(entry)),
        categories=_unique(_text(tag.get("term")) for tag in entry.get("tags") or ()),
        version=version,
        announce_type=_announce_type(_text(entry.get("arxiv_announce_type"))),
        published=_date(entry.get("published")) or announced,
    )


def _rdf_paper(entry: Mapping[str, Any], announced: dt.date | None) -> Paper:
    raw_title = normalise_whitespace(_text(entry.get("title")))
    match = _OLD_TITLE.search(raw_title)
    marker = normalise_whitespace(match["marker"]).upper() if match else ""
    arxiv_id, version = _first_id(
        match["id"] if match else None, entry.get("link"), entry.get("id")
    )
    return Paper(
        arxiv_id=arxiv_id,
        title=raw_title[: match.start()] if match else raw_title,
        abstract=_html_to_text(_text(entry.get("summary"))),
        authors=split_authors(_html_to_text(_author_line(entry))),
        categories=(match["category"].strip(),) if match and match["category"].strip() else (),
        version=version,
        announce_type=_OLD_MARKERS.get(marker, "unknown"),
        published=announced,
    )


def _feed_categories(title: str, link: str) -> tuple[str, ...]:
    query = _RSS_QUERY.search(link)
    if query:
        listed = re.sub("%2b", "+", query[1], flags=re.IGNORECASE).split("+")
    else:
        listed = title.removesuffix(" updates on arXiv.org").split(",")
    return _unique(name.strip() for name in listed)


def _bad_category(channel: Mapping[str, Any]) -> BadCategoryError:
    detail = normalise_whitespace(_text(channel.get("subtitle") or channel.get("description")))
    named = _BAD_NAME.search(detail)
    if named:
        category = named[1]
    else:
        category = "+".join(_feed_categories("", _text(channel.get("link")))) or "?"
    return BadCategoryError(category, detail or _text(channel.get("title")))


def _announce_type(value: str) -> AnnounceType:
    for kind in ANNOUNCE_TYPES:
        if value.strip().lower() == kind:
            return kind
    return "unknown"


def _author_line(entry: Mapping[str, Any]) -> str:
    names = [_text(author.get("name")) for author in entry.get("authors") or ()]
    return ", ".join(names) if names else _text(entry.get("author"))


# -- API --------------------------------------------------------------------------------------


def _raise_api_error(entry: Mapping[str, Any]) -> None:
    entry_id = _text(entry.get("id"))
    if "/api/errors" not in entry_id or _text(entry.get("title")).strip() != "Error":
        return
    message = normalise_whitespace(_text(entry.get("summary"))) or entry_id
    if "incorrect_id_format" in entry_id or "id format" in message:
        raise BadArxivIdError(message)
    raise ApiError(f"arXiv API error: {message}")


def _api_paper(entry: Mapping[str, Any]) -> Paper:
    arxiv_id, version = _first_id(entry.get("id"), entry.get("link"))
    primary = _text((entry.get("arxiv_primary_category") or {}).get("term"))
    tags = (_text(tag.get("term")) for tag in entry.get("tags") or ())
    return Paper(
        arxiv_id=arxiv_id,
        title=normalise_whitespace(_text(entry.get("title"))),
        abstract=normalise_whitespace(_text(entry.get("summary"))),
        authors=tuple(
            untex_name(_text(a.get("name"))) for a in entry.get("authors") or ()
        ),
        categories=_unique([primary, *tags]),
        version=version,
        published=_date(entry.get("published")),
        updated=_date(entry.get("updated")),
        comment=normalise_whitespace(_text(entry.get("arxiv_comment"))),
    )


# -- background listings ----------------------------------------------------------------------


def _background_paper(row: object) -> Paper:
    if not isinstance(row, dict):
        raise TypeError("not a JSON object")
    comment = row.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise TypeError("field 'comment' is neither a string nor null")
    arxiv_id, version = parse_arxiv_id(_string(row, "id"))
    return Paper(
        arxiv_id=arxiv_id,
        title=normalise_whitespace(_string(row, "title")),
        abstract=normalise_whitespace(_string(row, "summary")),
        authors=tuple(untex_name(a) for a in _string_list(row, "authors")),
        categories=_unique(_string_list(row, "categories")),
        version=version,
        announce_type="new",
        comment=normalise_whitespace(comment or ""),
    )


def _string(row: dict[str, object], name: str) -> str:
    value = row.get(name)
    if not isinstance(value, str):
        raise TypeError(f"field {name!r} is missing or not a string")
    return value


def _string_list(row: dict[str, object], name: str) -> list[str]:
    value = row.get(name)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"field {name!r} is missing or not a list of strings")
    return value


# -- shared -----------------------------------------------------------------------------------


def _parse_xml(data: bytes, what: str) -> Any:
    if not data.strip():
        raise MalformedFeedError(f"{what} is empty")
    if b"<html" in data.lstrip()[:200].lower():
        raise MalformedFeedError(f"{what} is an HTML page, not XML ({len(data)} bytes)")
    parsed = feedparser.parse(io.BytesIO(data), **_RAW)
    problem = parsed.get("bozo_exception")
    # Truncated or ill-formed XML: feedparser would still hand over what it salvaged, a silent
    # partial batch. A half-read feed is an error; the caller fetches again.
    if isinstance(problem, xml.sax.SAXException):
        raise MalformedFeedError(f"{what} is not well-formed XML (truncated?): {problem}")
    return parsed


def _first_id(*candidates: object) -> tuple[str, int | None]:
    for candidate in candidates:
        text = _text(candidate)
        for piece in (text, text.split(maxsplit=1)[0] if text.strip() else ""):
            try:
                return parse_arxiv_id(piece)
            except BadArxivIdError:
                continue
    shown = ", ".join(repr(_text(c)[:80]) for c in candidates if c)
    raise MalformedFeedError(f"an item has no arXiv id (looked at {shown or 'nothing'})")


def _first_of_each(papers: Iterable[Paper]) -> tuple[Paper, ...]:
    first: dict[str, Paper] = {}
    for paper in papers:
        first.setdefault(paper.arxiv_id, paper)
    return tuple(first.values())


def _preferred_of_each(papers: Iterable[Paper]) -> tuple[Paper, ...]:
    chosen: dict[str, Paper] = {}
    for paper in papers:
        held = chosen.get(paper.arxiv_id)
        if held is None or _PREFERENCE[paper.announce_type] < _PREFERENCE[held.announce_type]:
            chosen[paper.arxiv_id] = paper
    return tuple(chosen.values())


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def _date(value: object) -> dt.date | None:
    text = _text(value).strip()
    if not text:
        return None
    try:
        return email.utils.parsedate_to_datetime(text).date()
    except (TypeError, ValueError):
        pass
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        return None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _describe(data: bytes, version: str) -> str:
    kind = f"a {version} document" if version else "no feed format recognised"
    return f"{kind}; starts {data.lstrip()[:60]!r}"


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _html_to_text(html: str) -> str:
    reader = _TextOfHtml()
    reader.feed(html)
    reader.close()
    return normalise_whitespace("".join(reader.parts))
