"""A small BibTeX reader: entries as maps of field values (`@string` macros expanded, `@comment`
and `@preamble` skipped), and field values as plain text (TeX accents as Unicode, braces dropped).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass

from digest.text import normalise_whitespace, untex_name

_AT = re.compile(r"@\s*([A-Za-z][\w-]*)\s*([{(])")
_KEY = {"}": re.compile(r"[^,\s}]*"), ")": re.compile(r"[^,\s)]*")}
_NAME = re.compile(r"[^\s\"#%'(),={}]+")
_MONTHS = ("January February March April May June July August September October November "
           "December").split()
_MARKUP = re.compile(r"\\(?:emph|text(?:it|bf|sc|rm|sf|tt|up|sl|normal)?|mbox|url|href\s*\{[^{}]*\})"
                     r"\s*\{([^{}]*)\}")
_ESCAPED = re.compile(r"\\([&%#_ ])")
_BRACE = re.compile(r"(?<!\\)[{}]")
_TIE = re.compile(r"(?<!\\)~")
_TEXT_MARKS = (("---", "\u2014"), ("--", "\u2013"), ("``", "\u201c"), ("''", "\u201d"))


class BibtexError(ValueError):
    """Text that breaks BibTeX's syntax at a line (the caller names the file)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class BibEntry:
    """One entry: its type and key in the case written, fields by lower-case name, and the line
    of its `@`."""

    kind: str
    key: str
    fields: Mapping[str, str]
    line: int


def parse_bibtex(text: str) -> list[BibEntry]:
    """The entries of a BibTeX file, in file order; BibtexError at the first broken one."""
    return _Reader(text).entries()


def bib_text(value: str) -> str:
    """A field value as plain text: accents and special letters as Unicode, markup commands
    (\\emph, \\url, ...) unwrapped, braces dropped (TeX maths is left to the tokeniser)."""
    text = value
    while (unwrapped := _MARKUP.sub(r"\1", text)) != text:
        text = unwrapped
    text = untex_name(text)
    for mark, char in _TEXT_MARKS:
        text = text.replace(mark, char)
    text = _BRACE.sub("", _TIE.sub(" ", text))
    return normalise_whitespace(_ESCAPED.sub(r"\1", text))


def bib_authors(value: str) -> tuple[str, ...]:
    """The names in an `author` field, each as `First Last`."""
    names = re.split(r"\s+and\s+", normalise_whitespace(value)) if value.strip() else []
    flipped = (" ".join(reversed(name.split(",", 1))) if "," in name else name for name in names)
    return tuple(bib_text(name) for name in flipped if name.strip())


class _Reader:
    """A cursor over the text; each method reads one piece and moves past it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.macros = {month[:3].lower(): month for month in _MONTHS}
        self._starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def line(self, pos: int) -> int:
        return bisect.bisect_right(self._starts, pos)

    def entries(self) -> list[BibEntry]:
        found = []
        while (at := _AT.search(self.text, self.pos)) is not None:
            kind, close = at[1], "}" if at[2] == "{" else ")"
            self.pos = at.end()
            if kind.lower() in ("comment", "preamble"):
                self.pos = self._balanced(at.end(2) - 1, at[2], close)
            elif kind.lower() == "string":
                name, value = self._field(kind)
                self.macros[name.lower()] = value
                self._close(close, at.start())
            else:
                found.append(self._entry(kind, close, at.start()))
        return found

    def _entry(self, kind: str, close: str, start: int) -> BibEntry:
        self._skip_space()
        found = _KEY[close].match(self.text, self.pos)
        key = found[0] if found else ""
        self.pos += len(key)
        fields: dict[str, str] = {}
        while True:
            self._skip_space()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.text.startswith(close, self.pos):
                self.pos += 1
                return BibEntry(kind, key, fields, self.line(start))
            if self.pos >= len(self.text):
                raise BibtexError(self.line(start), f"@{kind}{{{key} never closes (a missing {close!r}?)")
            name, value = self._field(f"@{kind}{{{key}")
            fields[name.lower()] = value

    def _field(self, where: str) -> tuple[str, str]:
        self._skip_space()
        name = _NAME.match(self.text, self.pos)
        if name is None:
            raise self._unexpected(f"a field name in {where}")
        self.pos = name.end()
        self._skip_space()
        if not self.text.startswith("=", self.pos):
            raise self._unexpected(f"'=' after {name[0]!r} in {where}")
        self.pos += 1
        parts = [self._part(where)]
        while True:  # parts joined with '#'
            self._skip_space()
            if not self.text.startswith("#", self.pos):
                return name[0], "".join(parts)
            self.pos += 1
            parts.append(self._part(where))

    def _part(self, where: str) -> str:
        self._skip_space()
        char = self.text[self.pos : self.pos + 1]
        if char in ('"', "{"):
            start = self.pos
            self.pos = self._balanced(start, char, '"' if char == '"' else "}")
            return self.text[start + 1 : self.pos - 1]
        word = _NAME.match(self.text, self.pos)
        if word is None:
            raise self._unexpected(f"a value in {where}")
        self.pos = word.end()
        return word[0] if word[0].isdigit() else self.macros.get(word[0].lower(), word[0])

    def _balanced(self, start: int, opener: str, close: str) -> int:
        """The position just past the `close` that ends the group opened at `start`."""
        depth = 0
        for pos in range(start + 1, len(self.text)):
            char = self.text[pos]
            if char == close and depth == 0 and not (close == '"' and self.text[pos - 1] == "\\"):
                return pos + 1  # (an unbraced \" accent in a quoted value, as BibTeX would not)
            depth += {"{": 1, "}": -1}.get(char, 0)
            if depth < 0:
                raise BibtexError(self.line(pos), "a '}' with no '{' before it (unbalanced braces)")
        raise BibtexError(self.line(start), f"the {opener!r} here never closes (unbalanced braces?)")

    def _close(self, close: str, start: int) -> None:
        self._skip_space()
        if not self.text.startswith(close, self.pos):
            raise BibtexError(self.line(start), f"expected {close!r} to end the @string here")
        self.pos += 1

    def _skip_space(self) -> None:
        while self.text[self.pos : self.pos + 1].isspace():
            self.pos += 1

    def _unexpected(self, wanted: str) -> BibtexError:
        found = self.text[self.pos : self.pos + 20].split("\n")[0]
        shown = repr(found) if found else "the end of the file"
        return BibtexError(self.line(self.pos), f"expected {wanted}, found {shown}")
