"""Profile lookup, suggestions for a mistyped slug, and autocomplete order."""

from __future__ import annotations

import re

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


def test_categories_are_checked_against_arxivs_list() -> None:
    from digest.categories import CategoryError, categories_from_text, parse_categories

    known = categories_from_text("# archives and categories\ncs\ncs.LG\nstat.ML\nquant-ph\n")
    assert parse_categories("cs.lg+stat.ML, quant-ph cs.LG", known) == ("cs.LG", "stat.ML",
                                                                        "quant-ph")
    assert parse_categories("cs", known) == ("cs",)
    for bad, says in [("quant-phh", "'quant-phh' (did you mean quant-ph?)"), ("", "at least one"),
                      ("cs.LG+astroph", "no category 'astroph'")]:
        with pytest.raises(CategoryError, match=re.escape(says)):
            parse_categories(bad, known)


def test_the_shipped_category_list_is_arxivs() -> None:
    from bot.sources import shipped_categories

    known = shipped_categories()
    assert {"cs", "cs.LG", "stat.ML", "quant-ph", "physics.comp-ph", "math.AP", "q-bio.NC",
            "astro-ph.CO", "econ.EM", "eess.SP", "hep-th", "nlin.CD", "cs.GL"} <= known
    assert "astroph" not in known and "quant-phh" not in known and 150 <= len(known) <= 200
