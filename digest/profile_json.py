"""Profiles as a JSON document: one term or exemplar a line, floats to six places, checked on read."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from digest.errors import UserError
from digest.models import Exemplar, Profile, Term

JSON_VERSION = 1


class ProfileDataError(UserError):
    """A profiles JSON document that is malformed or of an unknown version."""


def profiles_to_json(profiles: Sequence[Profile]) -> str:
    """A stable JSON document of the profiles, one term or exemplar a line, floats to 6 places."""
    body = ",\n".join(_profile_json(p) for p in profiles)
    return f'{{\n "version": {JSON_VERSION},\n "profiles": [\n{body}\n ]\n}}\n'


def _profile_json(p: Profile) -> str:
    fields = {
        "slug": p.slug,
        "name": p.name,
        "size": p.size,
        "scale": round(p.scale, 6),
        "guild_id": p.guild_id,
        "terms": [[t.key, t.text, round(t.weight, 6)] for t in p.terms],
        "exemplars": [[e.title, e.arxiv_id] for e in p.exemplars],
    }
    lines = []
    for key, value in fields.items():
        if isinstance(value, list):
            rows = ",\n".join(f"    {json.dumps(row, ensure_ascii=False)}" for row in value)
            value_text = f"[\n{rows}\n   ]" if value else "[]"
        else:
            value_text = json.dumps(value, ensure_ascii=False)
        lines.append(f"   {json.dumps(key)}: {value_text}")
    return "  {\n" + ",\n".join(lines) + "\n  }"


def profiles_from_json(text: str) -> list[Profile]:
    """The profiles in a `profiles_to_json` document; ProfileDataError says what is wrong."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileDataError(f"profiles document is not valid JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("version") != JSON_VERSION:
        raise ProfileDataError(
            f'profiles document must be an object with "version": {JSON_VERSION}'
        )
    if not isinstance(document.get("profiles"), list):
        raise ProfileDataError('profiles document has no "profiles" list')
    profiles = [_profile_from_dict(n, d) for n, d in enumerate(document["profiles"])]
    slugs = Counter(p.slug for p in profiles)
    if duplicates := sorted(s for s, n in slugs.items() if n > 1):
        raise ProfileDataError(f"profiles document repeats slugs: {', '.join(duplicates)}")
    return profiles


def _profile_from_dict(index: int, d: Any) -> Profile:
    try:
        return Profile(
            slug=_text(d["slug"]),
            name=_text(d["name"]),
            terms=tuple(Term(_text(k), _text(t), _number(w)) for k, t, w in d["terms"]),
            exemplars=tuple(
                Exemplar(_text(t), None if i is None else _text(i)) for t, i in d["exemplars"]
            ),
            size=int(_number(d["size"])),
            scale=_number(d["scale"]),
            guild_id=None if d.get("guild_id") is None else int(_number(d["guild_id"])),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProfileDataError(
            f"profile #{index} is malformed: {type(exc).__name__}: {exc}"
        ) from None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)
