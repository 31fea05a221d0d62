"""Text normalisation shared by profile learning and ranking: tokens, light stemming, n-grams."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

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
    addition further including include includes included broad wide widely higher lower non aim aims
    aimed interest tend tends overview finally example examples potential potentially future enhance
    enhanced enhances enhancing enhancement insight insights highlight highlights highlighting
    reveal reveals revealed revealing offer offers offering address addresses addressed addressing
    despite typically largely especially notably substantially consistently directly explicitly
    systematically systematic promising critical essential fundamental diverse remarkable remarkably
    powerful effectiveness finding findings question questions overall thereby shed sheds crucially
    importantly interestingly surprisingly surprising unfortunately consequently intuitively success
    successful successfully aspect aspects idea ideas notion help helps need needs needed way ways
    role roles impact impacts importance contribution contributions advance advances advancing
    advancement advancements progress emerging emerged growing increasingly rapid rapidly year years
    article discuss discusses argue argues suggest suggests suggesting indicate indicates indicating
    conduct conducted perform performs performed performing obtain obtains obtained consider
    considers considered examine examines explore explores exploring explored assess assesses
    analyze analyzes analyse analyzing report reports reported describe describes illustrate
    illustrates yielding produce produces lead leads leading allowing facilitate facilitates ensure
    ensures ensuring require requires requiring required involve involves involving remaining simple
    simply easily better best good great easy difficult hard able unable possible typical certain
    """.split()
)

# Hyphenated compounds that are prose however they are joined ("state-of-the-art").
PROSE_COMPOUNDS = frozenset(
    """
    state-of-the-art end-to-end easy-to-use out-of-the-box up-to-date one-to-one real-to-sim
    plug-and-play trade-off trade-offs
    """.split()
)

# English function words. Kept here rather than imported from scikit-learn so that the bot,
# which only ranks, never loads scikit-learn and SciPy (about 100 MB of resident memory).
FUNCTION_WORDS = frozenset(
    """
    a about above across after afterwards again against all almost alone along already also although
    always am among amongst an and another any anyhow anyone anything anyway anywhere are around as
    at be became because become becomes becoming been before beforehand behind being below beside
    besides between beyond both but by can cannot could did do does doing done down due during each
    either else elsewhere enough even ever every everyone everything everywhere except few for
    former formerly from further had has have having he hence her here hereafter hereby herein hers
    herself him himself his how however i if in indeed instead into is it its itself just last
    latter latterly least less many may me meanwhile might mine more moreover most mostly much must
    my myself namely neither never nevertheless next no nobody none nor not nothing now nowhere of
    off often on once only onto or other others otherwise our ours ourselves out over own per
    perhaps rather same seem seemed seeming seems several she should since so some somehow someone
    something sometime sometimes somewhere still such than that the their theirs them themselves
    then thence there thereafter thereby therefore therein thereupon these they this those though
    through throughout thru thus to together too toward towards under until up upon us very was we
    were what whatever when whence whenever where whereafter whereas whereby wherein whereupon
    wherever whether which while whither who whoever whole whom whose why will with within without
    would yet you your yours yourself yourselves four five six seven eight nine ten hundred get go
    made take see put back de re
    """.split()
)

STOP_WORDS = FUNCTION_WORDS | PROSE_WORDS | {c.replace("-", "_") for c in PROSE_COMPOUNDS}

_TEX_MATH = re.compile(r"\$[^$]*\$|\\\(.*?\\\)|\\\[.*?\\\]", re.DOTALL)
_TEX_COMMAND = re.compile(r"\\[a-zA-Z]+\*?")
_WORD = re.compile(r"[a-z][a-z0-9_]*(?:'[a-z]+)?|[0-9]+[a-z][a-z0-9_]*")
_WHITESPACE = re.compile(r"\s+")
_SURFACE_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*|[0-9]+[A-Za-z][A-Za-z0-9_]*")


def normalise_whitespace(text: str) -> str:
    """Collapse runs of whitespace to one space and trim."""
    return _WHITESPACE.sub(" ", text).strip()


_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
            "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
            "c": "\u0327", "k": "\u0328", "r": "\u030a"}
_TEX_ACCENT = re.compile(
    r"""\\([`'^"~=.]|[uvHckr](?![A-Za-z]))\s*(\{\s*)?(\\[ij]\b|[A-Za-z])(?(2)\s*\})""")
_TEX_LETTER = re.compile(r"\\(ss|aa|AA|ae|AE|oe|OE|o|O|l|L)\b\s?")
_LETTERS = {"ss": "ß", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
            "o": "ø", "O": "Ø", "l": "ł", "L": "Ł"}


def untex_name(name: str) -> str:
    """A person's name with TeX accents and letters as Unicode (`Hajdu\\v{s}ek` -> `Hajdušek`)."""
    if "\\" not in name:
        return normalise_whitespace(name)
    text = _TEX_ACCENT.sub(lambda m: m.group(3).lstrip("\\") + _ACCENTS[m.group(1)], name)
    text = _TEX_LETTER.sub(lambda m: _LETTERS[m.group(1)], text)
    text = re.sub(r"\{([^{}\\]*)\}", r"\1", text)
    return normalise_whitespace(unicodedata.normalize("NFC", text))


_TEX_ACCENT_FOLD = re.compile(r"\\[\"'`^~=.]\{?([a-zA-Z])\}?")


def fold(text: str) -> str:
    """Lower-case and strip accents (Soljačić -> soljacic) and TeX accents (Schr\\"odinger)."""
    if "\\" in text:
        text = _TEX_ACCENT_FOLD.sub(r"\1", text)
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


_INVARIANT = frozenset({"series", "species", "physics", "data", "bias", "lens", "gas", "ais"})
_IRREGULAR = {"matrices": "matrix", "vertices": "vertex", "indices": "index", "biases": "bias",
              "analyses": "analysis", "hypotheses": "hypothesis", "theses": "thesis",
              "axes": "axis", "lenses": "lens", "gases": "gas"}


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light, predictable plural/suffix folding: operators -> operator, studies -> study."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or word.endswith(("ss", "us", "is", "ics")) or word in _INVARIANT:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("'s"):
        return word[:-1]
    return word


_NEGATED = re.compile(r"\bnon-(?=[a-z])", re.IGNORECASE)  # non-linear -> nonlinear
_JOINER = re.compile(  # a function word between hyphens: the sign of a compound to keep whole
    r"-(?:" + "|".join(sorted(FUNCTION_WORDS, key=len, reverse=True)) + r")-", re.IGNORECASE)
_COMPOUND = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]++(?:-[A-Za-z0-9]++)+")  # possessive: no backtracking


def _join_compounds(text: str) -> str:
    """Hyphenated compounds with a function word inside ("chain-of-thought", "sim-to-real")
    joined into one word, so that the stop word does not split them; other hyphens are spaces."""

    def join(match: re.Match[str]) -> str:
        parts = match.group(0).split("-")
        inner = [p.lower() for p in parts[1:-1]]
        if inner and any(p in FUNCTION_WORDS for p in inner):
            return "_".join(parts)
        return " ".join(parts)

    if "-" not in text:
        return text
    if "on-" in text or "ON-" in text or "On-" in text:
        text = _NEGATED.sub("non", text)
    return _COMPOUND.sub(join, text) if _JOINER.search(text) else text


def _clean(text: str) -> str:
    """The text without TeX maths and commands, compounds joined, other hyphens as spaces."""
    if "$" in text or "\\" in text:
        text = _TEX_COMMAND.sub(" ", _TEX_MATH.sub(" ", text))
    return _join_compounds(text).replace("-", " ")


def tokens(text: str) -> list[str]:
    """Folded, stemmed word tokens of a title or abstract, with TeX maths and commands removed."""
    return [stem(w.removesuffix("'s")) for w in _WORD.findall(fold(_clean(text)))]

_CLAUSE_BREAK = re.compile(r"[.,;:!?()\[\]{}\"]+(?:\s|$)|[()\[\]{}\"]")


_CONTENT: dict[str, str | None] = {}  # word as written (folded) -> its token, None if a stop word
_MAX_CONTENT = 1 << 18


def _content(word: str) -> str | None:
    token: str | None = stem(word.removesuffix("'s"))
    if token in STOP_WORDS or len(token) < 2:  # type: ignore[arg-type]
        token = None
    if len(_CONTENT) >= _MAX_CONTENT:
        _CONTENT.clear()
    _CONTENT[word] = token
    return token


_WORD_OR_BREAK = re.compile(rf"({_WORD.pattern})|{_CLAUSE_BREAK.pattern}")


def content_tokens(text: str) -> list[str | None]:
    """Tokens with stop words and clause breaks as None, so n-grams never bridge either."""
    known = _CONTENT
    out: list[str | None] = [
        (known[w] if w in known else _content(w)) if w else None
        for w in _WORD_OR_BREAK.findall(fold(_clean(text)))
    ]
    out.append(None)
    return out


def ngrams(text: str, max_n: int = 3) -> list[str]:
    """Content unigrams, then bigrams, ... up to `max_n` words, none crossing a stop word or a
    clause break."""
    tokens_ = content_tokens(text)
    out = [t for t in tokens_ if t is not None]
    grams: list[str | None] = list(tokens_)
    for n in range(2, max_n + 1):
        grams = [f"{a} {b}" if a is not None and b is not None else None
                 for a, b in zip(grams, tokens_[n - 1:], strict=False)]
        out.extend(g for g in grams if g is not None)
    return out


# Prose words that tokenising keeps (taking them out would change every n-gram and statistic
# built on the text) but that no profile weighs, so none is shown as a reason: words of any field's
# prose, and stop words whose stem is not itself a stop word ("perhaps" -> "perhap").
_UNWEIGHED = """
    hamper hampers hampered hampering suited albeit immediately paramount nicely lastly anytime
    arrive arrives try tries tried intriguing pivotal encompassing encompass corroborate
    corroborates qualitatively usefulness perfectly progressively commonly traditionally later
    going depending simpler discovering identified selecting retaining discarding categorize
    capturing composed assumed imposing prominent originating revolutionized revolutionize greatly
    powered pave paves paved paving currently standing empirically validate validates validated
    validating technique techniques faster
"""


@functools.cache
def _unweighed_words() -> frozenset[str]:
    return frozenset(stem(w) for w in (*_UNWEIGHED.split(), *STOP_WORDS))


def holds_prose(key: str) -> bool:
    """Whether an n-gram key holds a word that no profile weighs."""
    unweighed = _unweighed_words()
    return any(word in unweighed for word in key.split())


def normalise_title(title: str) -> str:
    """The key by which duplicate papers are merged: folded alphanumerics only."""
    return " ".join(re.findall(r"[a-z0-9]+", fold(title)))


def surface_forms(text: str, max_n: int = 3) -> Iterable[tuple[str, str]]:
    """Pairs of (n-gram key, the words as written) for choosing readable display names."""
    raw = [w.replace("_", "-") for w in _SURFACE_WORD.findall(_clean(text))]
    keys = [stem(fold(w).replace("-", "_")) for w in raw]
    usable = [k not in STOP_WORDS and len(k) >= 2 for k in keys]
    for i in range(len(raw)):
        for n in range(1, min(max_n, len(raw) - i) + 1):
            if not usable[i + n - 1]:
                break
            yield " ".join(keys[i : i + n]), " ".join(raw[i : i + n])


_AND = re.compile(r"(?:^|\s)and\s+")


def split_authors(text: str) -> tuple[str, ...]:
    """Names in a one-line author list (arXiv's, or a corpus page's 'A, B, and C'); parenthesised
    affiliations are dropped."""
    balanced = text.count("(") == text.count(")")
    names: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if balanced and char in "()":
            depth += 1 if char == "(" else -1
        elif depth == 0 and char == ",":
            names.append("".join(current))
            current = []
        elif depth == 0:
            current.append(char)
    names.append("".join(current))
    parts = (untex_name(part) for name in names for part in _AND.split(name))
    return tuple(part for part in parts if part)
