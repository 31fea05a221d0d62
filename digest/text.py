"""Text normalisation shared by profile learning and ranking: tokens, light stemming, n-grams."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

# Words that carry no topic in an abstract: the furniture of scientific prose.
PROSE_WORDS = frozenset(
    """
    paper papers propose proposed proposes proposing present presents presented show shows shown
    showing demonstrate demonstrates demonstrated demonstrating introduce introduces introduced
    introducing result results approach approaches method methods methodology novel new based using
    use used uses utilize work works study studies studied investigate investigates find finds found
    able achieve achieves achieved achieving art state existing recent recently significant
    significantly various several different provide provides provided allow allows enable enables
    enabling leverage leverages leveraging furthermore moreover additionally however thus therefore
    also well via extensive experiment experiments experimental evaluate evaluated evaluation
    performance outperform outperforms outperforming improve improves improved improvement
    improvements github com http https www code available publicly open source release released
    project page url website arxiv org doi et al respectively e g i ie eg etc yield yields key main
    important crucial challenge challenges challenging problem problems task tasks framework
    frameworks effective effectively efficient efficiently significant particular particularly
    specifically make makes making remain remains shown give gives given like one two three first
    second third high low large small paradigm strong stronger superior comprehensive extensive
    addition further including include includes included broad wide widely
    """.split()
)

STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | PROSE_WORDS

_TEX_MATH = re.compile(r"\$[^$]*\$|\\\(.*?\\\)|\\\[.*?\\\]", re.S)
_TEX_COMMAND = re.compile(r"\\[a-zA-Z]+\*?")
_WORD = re.compile(r"[a-z][a-z0-9]*(?:'[a-z]+)?|[0-9]+[a-z][a-z0-9]*")
_WHITESPACE = re.compile(r"\s+")


def normalise_whitespace(text: str) -> str:
    """Collapse runs of whitespace to one space and trim."""
    return _WHITESPACE.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lower-case and strip accents (Soljačić -> soljacic) and TeX accents (Schr\\"odinger)."""
    text = re.sub(r"\\[\"'`^~=.]\{?([a-zA-Z])\}?", r"\1", text)
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


_INVARIANT = frozenset({"series", "species", "physics", "data", "bias", "lens", "gas", "ais"})


def stem(word: str) -> str:
    """A light, predictable plural/suffix folding: operators -> operator, studies -> study."""
    if len(word) <= 3 or word.endswith(("ss", "us", "is", "ics")) or word in _INVARIANT:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("'s"):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Folded, stemmed word tokens of a title or abstract, with TeX maths and commands removed."""
    text = _TEX_MATH.sub(" ", text)
    text = _TEX_COMMAND.sub(" ", text)
    words = _WORD.findall(fold(text).replace("-", " "))
    return [stem(w.removesuffix("'s")) for w in words]


_CLAUSE_BREAK = re.compile(r"[.,;:!?()\[\]{}\"]+(?:\s|$)|[()\[\]{}\"]")


def content_tokens(text: str) -> list[str | None]:
    """Tokens with stop words and clause breaks as None, so n-grams never bridge either."""
    out: list[str | None] = []
    for clause in _CLAUSE_BREAK.split(text):
        out.extend(None if t in STOP_WORDS or len(t) < 2 else t for t in tokens(clause))
        out.append(None)
    return out


def ngrams(text: str, max_n: int = 3) -> list[str]:
    """Content unigrams and the n-grams (n <= max_n) that do not cross a stop word."""
    toks = content_tokens(text)
    out: list[str] = []
    for i, tok in enumerate(toks):
        if tok is None:
            continue
        out.append(tok)
        for n in range(2, max_n + 1):
            window = toks[i : i + n]
            if len(window) < n or None in window:
                break
            out.append(" ".join(t for t in window if t is not None))
    return out


def normalise_title(title: str) -> str:
    """The key by which duplicate papers are merged: folded alphanumerics only."""
    return " ".join(re.findall(r"[a-z0-9]+", fold(title)))


def surface_forms(text: str, max_n: int = 3) -> Iterable[tuple[str, str]]:
    """Pairs of (n-gram key, the words as written) for choosing readable display names."""
    cleaned = _TEX_COMMAND.sub(" ", _TEX_MATH.sub(" ", text))
    raw = re.findall(r"[A-Za-z][A-Za-z0-9]*|[0-9]+[A-Za-z][A-Za-z0-9]*", cleaned.replace("-", " "))
    for i in range(len(raw)):
        for n in range(1, max_n + 1):
            words = raw[i : i + n]
            if len(words) < n:
                break
            keys = [stem(fold(w)) for w in words]
            if any(k in STOP_WORDS or len(k) < 2 for k in keys):
                break
            yield " ".join(keys), " ".join(words)
