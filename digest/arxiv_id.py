"""arXiv identifiers: recognise the forms people paste (bare ids, arXiv:, OAI ids, abs/pdf links)
and split each into its canonical id and version; find one mentioned in free text.
"""

from __future__ import annotations

import re

from digest.errors import UserError


class BadArxivIdError(UserError):
    """Text that is not an arXiv identifier, or an id arXiv itself rejected."""


_PREFIX = (
    r"(?:(?P<url>(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?P<kind>abs|pdf)/)"
    r"|arxiv:|oai:arxiv\.org:)?"
)
_NEW_ID = r"(?P<yymm>\d{4})\.(?P<number>\d{4,5})"
_OLD_ID = r"(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[a-z][a-z-]*)?/(?P<old>\d{7})"
_ARXIV_ID = re.compile(
    rf"{_PREFIX}(?:{_NEW_ID}|{_OLD_ID})(?:v(?P<version>\d+))?(?P<pdf>\.pdf)?/?",
    re.IGNORECASE,
)
# The YYMM.NNNN scheme began in April 2007; five-digit numbers from January 2015.
_NEW_SCHEME_START = 704
_FIVE_DIGITS_FROM = 1501

EXAMPLES = "2404.19756, arXiv:2404.19756v2, hep-th/9901001 or https://arxiv.org/abs/2404.19756"


def parse_arxiv_id(text: str) -> tuple[str, int | None]:
    """The canonical id (no version) and the version, or None, of a pasted arXiv id or link."""
    match = _ARXIV_ID.fullmatch(text.strip())
    if match is None:
        raise _bad(text)
    if match["pdf"] and match["kind"] != "pdf":
        raise _bad(text, "'.pdf' only ends a pdf link")
    version = int(match["version"]) if match["version"] else None
    if version == 0:
        raise _bad(text, "versions start at v1")
    if match["yymm"]:
        _check_new_style(text, match["yymm"], match["number"])
        return f"{match['yymm']}.{match['number']}", version
    _check_old_style(text, match["old"])
    # Old ids may carry a subject class (math.GT/0309136); arXiv's canonical form drops it.
    return f"{match['archive'].lower()}/{match['old']}", version


# An id inside other text: an abs/pdf link, an `arXiv:` tag, arXiv's DOI (10.48550/arXiv.ID), or
# an ADS bibcode (2017arXiv170802025M).
_ANY_ID = r"(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)?(?:\.[a-z]{2})?/\d{7})(?:v\d+)?(?!\d)"
_MENTION = re.compile(
    rf"arxiv\.org/(?:abs|pdf)/(?P<link>{_ANY_ID})|\barxiv:\s*(?P<tag>{_ANY_ID})"
    rf"|10\.48550/arxiv\.(?P<doi>{_ANY_ID})"
    r"|(?<!\d)(?:19|20)\d\darxiv(?P<yymm>\d{4})\.?(?P<number>\d{4,5})(?!\d)",
    re.IGNORECASE,
)


def find_arxiv_id(*texts: str) -> str | None:
    """The canonical id of the first valid arXiv id mentioned in the texts (links, `arXiv:` tags,
    arXiv DOIs, ADS bibcodes), in the order given; None if none is."""
    for text in texts:
        for match in _MENTION.finditer(text):
            found = (match["link"] or match["tag"] or match["doi"]
                     or f"{match['yymm']}.{match['number']}")
            try:
                return parse_arxiv_id(found)[0]
            except BadArxivIdError:
                continue
    return None


def _check_new_style(text: str, yymm: str, number: str) -> None:
    _check_month(text, yymm[2:])
    if int(yymm) < _NEW_SCHEME_START:
        raise _bad(text, "YYMM.NNNN ids start at 0704")
    digits = 5 if int(yymm) >= _FIVE_DIGITS_FROM else 4
    if len(number) != digits:
        raise _bad(text, f"ids from {yymm} have {digits} digits after the dot")


def _check_old_style(text: str, number: str) -> None:
    _check_month(text, number[2:4])
    if 7 < int(number[:2]) < 91:
        raise _bad(text, "archive/YYMMNNN ids run from 9107 to 0703")


def _check_month(text: str, month: str) -> None:
    if not 1 <= int(month) <= 12:
        raise _bad(text, f"{month} is not a month")


def _bad(text: str, reason: str = "") -> BadArxivIdError:
    why = f" ({reason})" if reason else ""
    return BadArxivIdError(f"not an arXiv id: {text!r}{why}; expected e.g. {EXAMPLES}")
