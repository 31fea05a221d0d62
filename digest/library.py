"""A person's own library as learning input: BibTeX, a Zotero CSV export, a list of arXiv ids or
links (one a line, or a Markdown list), a JSON-lines listing, or a corpus page, told apart by content.

Entries may lack an abstract or an arXiv id; `complete_entries` fills abstracts from arXiv's records.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from digest.arxiv_id import BadArxivIdError, find_arxiv_id, parse_arxiv_id
from digest.bibtex import BibEntry, BibtexError, bib_authors, bib_text, parse_bibtex
from digest.corpus import CorpusFormatError, is_corpus_page, parse_corpus_text
from digest.feed import MalformedBackgroundError, parse_background_jsonl
from digest.models import CorpusPaper, Paper
from digest.text import normalise_whitespace

LIBRARY_SUFFIXES = (".txt", ".bib", ".csv", ".md", ".jsonl")
ZOTERO_COLUMNS = ("Key", "Item Type", "Title")
_NOT_IDS = ("title", "abstract")  # fields that may cite other papers' ids

_BIB_ENTRY = re.compile(r"^\s*@\s*[A-Za-z][\w-]*\s*[{(]", re.MULTILINE)
_ITEM = re.compile(r"^\s*(?:[*+-]|\d+[.)])\s+(?P<text>\S.*)$")
_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<url>[^)\s]*)[^)]*\)")
_URL = re.compile(r"<?https?://\S+")
_LOOKS_LIKE_ID = re.compile(
    r"<?(?:(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/|arxiv:)?"
    r"(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)?(?:\.[a-z]{2})?/\d{7})\S*",
    re.IGNORECASE,
)
_UNKNOWN = ("unknown layout: expected BibTeX (@article{...}), a Zotero CSV export, arXiv ids or "
            "links (one a line, or a Markdown list of links), a JSON-lines listing, or a corpus "
            "page ('[ arXiv:... ]' and 'Abstract ...' lines, or a 'Get trending papers' listing)")
_EXPECTED = {
    ".bib": "BibTeX entries (@article{key, title = {...}, ...})",
    ".csv": 'a Zotero CSV export (a header "Key","Item Type",...,"Title",...)',
}


@dataclass(frozen=True, slots=True)
class LibraryFile:
    """One file's entries as read (abstract or id possibly missing) and the layout they were in."""

    layout: str
    entries: tuple[CorpusPaper, ...]

    @property
    def with_id(self) -> int:
        return sum(1 for entry in self.entries if entry.arxiv_id)

    @property
    def with_abstract(self) -> int:
        return sum(1 for entry in self.entries if entry.abstract)


@dataclass(frozen=True, slots=True)
class Completion:
    """Entries with abstracts (some filled from arXiv), ids arXiv had no abstract for, and how
    many entries had neither abstract nor id."""

    papers: tuple[CorpusPaper, ...]
    unknown_ids: tuple[str, ...]
    skipped: int


def decode_library(data: bytes, source: str) -> str:
    """A library file's bytes as text (UTF-8, a byte-order mark dropped); CorpusFormatError names
    the file and the line of the first byte that is not UTF-8."""
    body = data.removeprefix(codecs.BOM_UTF8)  # Zotero writes one
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = exc.start + len(data) - len(body)
        raise CorpusFormatError(source, data.count(b"\n", 0, start) + 1,
                                f"not UTF-8 text (byte {start}); save the file as UTF-8") from None


def parse_library(text: str, source: str) -> LibraryFile:
    """The entries of one library file, its layout told by its content (its suffix a hint);
    CorpusFormatError names the file and line at fault."""
    lines = text.splitlines()
    first = next((n for n, line in enumerate(lines, start=1) if line.strip()), 0)
    if not first:
        raise CorpusFormatError(source, 1, "no entries: the file is empty")
    layout = _layout(text, lines[first - 1].strip(), source.lower())
    if layout is None:
        suffix = source.lower()[source.rfind(".") :] if "." in source else ""
        expected = f"not {_EXPECTED[suffix]}" if suffix in _EXPECTED else _UNKNOWN
        raise CorpusFormatError(source, first, expected)
    return LibraryFile(layout, tuple(_READERS[layout](text, source)))


def _layout(text: str, first: str, name: str) -> str | None:
    if first.startswith("{") or name.endswith(".jsonl"):
        return "JSON-lines listing"
    if set(ZOTERO_COLUMNS) <= set(next(csv.reader([first]))):
        return "Zotero CSV"
    if _BIB_ENTRY.match(_first_uncommented(text)) or (
            name.endswith(".bib") and _BIB_ENTRY.search(text)):  # text before the first entry
        return "BibTeX"
    if is_corpus_page(text):
        return "corpus page"
    if _markdown_items(text) or _LOOKS_LIKE_ID.match(_first_uncommented(text, "#")):
        return "arXiv id list"
    return None


def _first_uncommented(text: str, mark: str = "%") -> str:
    lines = (line.strip() for line in text.splitlines())
    return next((line for line in lines if line and not line.startswith(mark)), "")


def _read_bibtex(text: str, source: str) -> list[CorpusPaper]:
    try:
        entries = parse_bibtex(text)
    except BibtexError as exc:
        raise CorpusFormatError(source, exc.line, exc.message) from None
    return [CorpusPaper(title=bib_text(entry.fields.get("title", "")),
                        abstract=bib_text(entry.fields.get("abstract", "")),
                        authors=bib_authors(entry.fields.get("author", "")),
                        arxiv_id=_bib_id(entry, source), source=f"{source}:{entry.line}")
            for entry in entries]


def _bib_id(entry: BibEntry, source: str) -> str | None:
    """From `eprint` (an arXiv one, or one with no archive named), else any mention outside the
    title and abstract (a `journal` or `url` link, an `arXiv:` note, a bibcode)."""
    fields = entry.fields
    eprint = fields.get("eprint", "").strip()
    archive = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().lower()
    if eprint and archive in ("", "arxiv"):
        if re.fullmatch(r"\d{7}", eprint) and "primaryclass" in fields:  # old: 9901001 + hep-th
            eprint = f"{fields['primaryclass'].strip()}/{eprint}"
        try:
            return parse_arxiv_id(eprint)[0]
        except BadArxivIdError as exc:
            if archive:  # said to be arXiv's, so a typo rather than another archive's number
                raise CorpusFormatError(source, entry.line,
                                        f"@{entry.kind}{{{entry.key}: eprint: {exc}") from None
    return find_arxiv_id(*(value for name, value in fields.items() if name not in _NOT_IDS))


def _read_zotero(text: str, source: str) -> list[CorpusPaper]:
    """Rows under a header naming Zotero's columns; the id from Url, Extra, DOI, then any other
    column but the title and abstract."""
    rows = csv.reader(io.StringIO(text, newline=""))
    papers: list[CorpusPaper] = []
    try:
        header = next(row for row in rows if row)
        start = rows.line_num + 1
        for row in rows:
            values = dict(zip(header, row, strict=False))
            if any(value.strip() for value in row):
                url, extra, doi = values.get("Url", ""), values.get("Extra", ""), values.get("DOI", "")
                others = (v for name, v in values.items() if name not in ("Title", "Abstract Note"))
                papers.append(CorpusPaper(
                    title=normalise_whitespace(values.get("Title", "")),
                    abstract=normalise_whitespace(values.get("Abstract Note", "")),
                    authors=tuple(" ".join(reversed(name.split(", ", 1))).strip()
                                  for name in values.get("Author", "").split("; ") if name.strip()),
                    arxiv_id=find_arxiv_id(url, extra, doi, *others), source=f"{source}:{start}"))
            start = rows.line_num + 1
    except csv.Error as exc:
        raise CorpusFormatError(source, rows.line_num, f"not readable as CSV: {exc}") from None
    return papers


def _markdown_items(text: str) -> list[tuple[int, str]]:
    """A Markdown list's items, if any item links to arXiv; else none."""
    items = [(n, match["text"]) for n, line in enumerate(text.splitlines(), start=1)
             if (match := _ITEM.match(line))]
    return items if any(_item_id(item) for _, item in items) else []


def _item_id(item: str) -> str | None:
    """A list item's id: its first word if that is one, else the first one it links to."""
    try:
        return parse_arxiv_id(item.split(maxsplit=1)[0].strip("<>,;"))[0]
    except BadArxivIdError:
        return find_arxiv_id(item)


def _read_id_list(text: str, source: str) -> list[CorpusPaper]:
    """A Markdown list: every item an entry, its title the first link's text. Else one id or link
    at the start of each line (`#` lines are comments), the rest of the line its title."""
    items = _markdown_items(text)
    if items:
        return [CorpusPaper(title=_item_title(item), abstract="", arxiv_id=_item_id(item),
                            source=f"{source}:{n}") for n, item in items]
    papers = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        token, _, rest = line.partition(" ")
        if not _LOOKS_LIKE_ID.fullmatch(token):
            raise CorpusFormatError(source, n, f"expected an arXiv id or link at the start of each "
                                               f"line of an id list, found {line[:60]!r}")
        try:
            arxiv_id = parse_arxiv_id(token.strip("<>,;"))[0]
        except BadArxivIdError as exc:
            raise CorpusFormatError(source, n, str(exc)) from None
        papers.append(CorpusPaper(title=rest.strip(" -\u2013|:\t"), abstract="", arxiv_id=arxiv_id,
                                  source=f"{source}:{n}"))
    return papers


def _item_title(item: str) -> str:
    link = _LINK.search(item)
    text = link["text"] if link else _LOOKS_LIKE_ID.sub(" ", _URL.sub(" ", item))
    return normalise_whitespace(re.sub(r"[*_`]", "", text))


def _read_jsonl(text: str, source: str) -> list[CorpusPaper]:
    papers = []
    for n, line in enumerate(text.split("\n"), start=1):  # JSON may hold U+2028: not splitlines
        if not line.strip():
            continue
        try:
            [paper] = parse_background_jsonl(line)
        except MalformedBackgroundError as exc:
            raise CorpusFormatError(source, n, f"not a listing record ({exc.__cause__ or exc})") from None
        papers.append(CorpusPaper(title=paper.title, abstract=paper.abstract, authors=paper.authors,
                                  arxiv_id=paper.arxiv_id, source=f"{source}:{n}"))
    return papers


_READERS: Mapping[str, Callable[[str, str], list[CorpusPaper]]] = {
    "BibTeX": _read_bibtex,
    "Zotero CSV": _read_zotero,
    "arXiv id list": _read_id_list,
    "JSON-lines listing": _read_jsonl,
    "corpus page": parse_corpus_text,
}


def merge_by_id(entries: Iterable[CorpusPaper]) -> list[CorpusPaper]:
    """Each arXiv id once, at its first entry, a missing title, abstract or authors taken from
    its later ones; entries without an id as they are."""
    merged: dict[str | int, CorpusPaper] = {}
    for n, entry in enumerate(entries):
        first = merged.setdefault(entry.arxiv_id or n, entry)
        if first is not entry:
            merged[entry.arxiv_id or n] = replace(first, title=first.title or entry.title,
                                                  abstract=first.abstract or entry.abstract,
                                                  authors=first.authors or entry.authors)
    return list(merged.values())


def ids_to_look_up(entries: Iterable[CorpusPaper]) -> list[str]:
    """The distinct arXiv ids of the entries that have no abstract, first seen first."""
    return list(dict.fromkeys(e.arxiv_id for e in entries if e.arxiv_id and not e.abstract))


def complete_entries(entries: Sequence[CorpusPaper],
                     records: Mapping[str, CorpusPaper | Paper | None]) -> Completion:
    """The entries with abstracts: their own, else arXiv's record (its title, abstract, authors)
    by id; `records` maps an id to arXiv's record, or None where arXiv does not know it."""
    papers, unknown, skipped = [], [], 0
    for entry in entries:
        record = records.get(entry.arxiv_id) if entry.arxiv_id else None
        if entry.abstract:
            papers.append(entry)
        elif record is not None and record.abstract:
            papers.append(replace(entry, title=record.title or entry.title, abstract=record.abstract,
                                  authors=record.authors or entry.authors))
        elif entry.arxiv_id:
            unknown.append(entry.arxiv_id)
        else:
            skipped += 1
    return Completion(tuple(papers), tuple(dict.fromkeys(unknown)), skipped)


def count_looked_up(entries: Iterable[CorpusPaper], records: Mapping[str, CorpusPaper | None]) -> int:
    """How many of the entries take their abstract from arXiv's records."""
    return sum(1 for entry in entries if not entry.abstract and entry.arxiv_id
               and (record := records.get(entry.arxiv_id)) is not None and record.abstract)
