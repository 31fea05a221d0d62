"""How learned terms and profiles read: each n-gram key's usual spelling, slugs and display names."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence

from digest.models import CorpusPaper
from digest.text import surface_forms


def display_forms(papers: Sequence[CorpusPaper], only: Collection[str] | None = None,
                  max_n: int = 3) -> dict[str, str]:
    """Each n-gram key's usual spelling (of the keys in `only`, if given): its commonest wording,
    each word cased as abstracts usually case it ("neural operators", "PDEs", "Gaussian
    processes"); titles' case is ignored."""
    wordings: dict[str, Counter[str]] = {}
    casings: dict[str, Counter[str]] = {}
    for text, in_abstract in (
        (t, a) for p in papers for t, a in ((p.title, False), (p.abstract, True))
    ):
        for key, form in surface_forms(text, max_n):
            if in_abstract and " " not in form:
                casings.setdefault(form.lower(), Counter())[form] += 1
            if only is None or key in only:
                wordings.setdefault(key, Counter())[form.lower()] += 1
    used = {w for counts in wordings.values() for w in commonest(counts).split()}
    cased = {w: commonest(casings[w]) for w in used if w in casings}
    return {
        key: " ".join(cased.get(w, w) for w in commonest(counts).split())
        for key, counts in wordings.items()
    }


def commonest(counts: Counter[str]) -> str:
    """The most frequent form, in lower case unless a cased form is over twice as frequent."""
    form = min(counts, key=lambda f: (-counts[f], f != f.lower(), f))
    return form if counts[form] > 2 * counts.get(form.lower(), 0) else form.lower()


def slug_of(text: str) -> str:
    """A name as a slug: letters and digits of any script, lower case, runs joined by '-'."""
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def display_name(text: str) -> str:
    return " ".join(w if w.lower() != w else w.capitalize() for w in text.split())
