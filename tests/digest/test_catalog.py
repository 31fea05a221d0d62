"""Profile lookup, suggestions for a mistyped slug, and autocomplete order."""

from __future__ import annotations

import pytest

from digest.catalog import UnknownProfileError, find_profile, match_profiles
from digest.models import Profile, Term

PROFILES = [
    Profile(slug, slug.replace("-", " ").title(), (Term(slug, slug, 1.0),))
    for slug in ["neural-operators", "neural-fields", "mechanistic-interpretability",
                 "private-inference", "all"]
]


def test_find_profile_exact() -> None:
    assert find_profile(PROFILES, "Neural-Operators ").slug == "neural-operators"


def test_unknown_profile_suggests_nearest() -> None:
    with pytest.raises(UnknownProfileError) as err:
        find_profile(PROFILES, "neural-operator")
    assert err.value.suggestions[0] == "neural-operators"
    assert "Did you mean: neural-operators" in str(err.value)


def test_autocomplete_prefix_first_and_limited() -> None:
    slugs = [p.slug for p in match_profiles(PROFILES, "neural")]
    assert slugs == ["neural-fields", "neural-operators"]
    assert [p.slug for p in match_profiles(PROFILES, "interp")] == ["mechanistic-interpretability"]
    assert len(match_profiles(PROFILES * 10, "", limit=25)) == 25
