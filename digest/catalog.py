"""Finding profiles by slug: exact lookup, nearest-slug suggestions and autocomplete order."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from digest.errors import UserError
from digest.models import Profile


class UnknownProfileError(UserError):
    """No profile has the asked-for slug."""

    def __init__(self, slug: str, suggestions: Sequence[str]) -> None:
        self.slug = slug
        self.suggestions = tuple(suggestions)
        hint = f" Did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"Unknown profile '{slug}'.{hint}")


def find_profile(profiles: Sequence[Profile], slug: str) -> Profile:
    """The profile with this slug, or UnknownProfileError suggesting what autocomplete would
    offer for it (so `pde` suggests pde-solvers first, not whatever is spelt alike)."""
    wanted = slug.strip().lower()
    for profile in profiles:
        if profile.slug == wanted:
            return profile
    raise UnknownProfileError(slug, [p.slug for p in match_profiles(profiles, wanted, limit=3)])


def match_profiles(profiles: Sequence[Profile], query: str, limit: int = 25) -> list[Profile]:
    """Profiles for an autocomplete box: prefix matches, then substring, then fuzzy; at most `limit`."""
    q = query.strip().lower()
    if not q:
        return list(profiles[:limit])

    def rank(p: Profile) -> tuple[int, float, str]:
        haystack = f"{p.slug} {p.name.lower()} {' '.join(t.text.lower() for t in p.terms[:10])}"
        if p.slug.startswith(q):
            tier = 0
        elif q in p.slug or q in p.name.lower():
            tier = 1
        elif q in haystack:
            tier = 2
        else:
            tier = 3
        ratio = difflib.SequenceMatcher(None, q, p.slug).ratio()
        return (tier, -ratio, p.slug)

    ranked = sorted(profiles, key=rank)
    return [p for p in ranked if rank(p)[0] < 3 or rank(p)[1] <= -0.6][:limit]
