"""arXiv's categories: reading the shipped list, and checking what a user asks for against it."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Sequence

from digest.errors import UserError
from digest.models import Paper

_SEPARATORS = re.compile(r"[+,\s]+")


# The corpus is machine learning (cs.LG, stat.ML) and its use in the physical sciences
# (physics.comp-ph); most of its physics, astronomy and security papers are cross-listed into
# cs.LG, so these three feeds carry what it reads without a day's worth of unrelated physics.
DEFAULT_CATEGORIES: tuple[str, ...] = ("cs.LG", "stat.ML", "physics.comp-ph")


class CategoryError(UserError):
    """Categories that arXiv does not have; the text says which and what was probably meant."""


def categories_from_text(text: str) -> frozenset[str]:
    """The categories of the shipped list: one a line, '#' starts a comment."""
    return frozenset(line.split("#", 1)[0].strip() for line in text.splitlines()) - {""}


def parse_categories(text: str, known: Collection[str]) -> tuple[str, ...]:
    """'cs.LG+stat.ML' or 'cs.LG, stat.ML' as a tuple of known categories (each once, in order);
    CategoryError names any unknown one and the nearest real ones."""
    parts = [p for p in _SEPARATORS.split(text.strip()) if p]
    if not parts:
        raise CategoryError("Give at least one arXiv category, like cs.LG+stat.ML.")
    by_lower = {c.lower(): c for c in known}
    unknown = [p for p in parts if p.lower() not in by_lower]
    if unknown:
        hints = []
        for bad in unknown:
            near = difflib.get_close_matches(bad.lower(), list(by_lower), n=3, cutoff=0.6)
            hint = f" (did you mean {', '.join(by_lower[n] for n in near)}?)" if near else ""
            hints.append(f"'{bad[:40]}'{hint}")
        raise CategoryError(f"arXiv has no category {'; '.join(hints)}. Categories look like "
                            "cs.LG or quant-ph; see https://arxiv.org/category_taxonomy.")
    return tuple(dict.fromkeys(by_lower[p.lower()] for p in parts))


def in_categories(paper: Paper, categories: Sequence[str]) -> bool:
    """Whether a paper is listed in any of the categories (a whole archive names all of its
    categories); papers and requests without categories match everything."""
    if not categories or not paper.categories:
        return True
    wanted = set(categories)
    return any(c in wanted or c.split(".")[0] in wanted for c in paper.categories)
