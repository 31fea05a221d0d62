"""Discord's REST contract, read from its OpenAPI 3.1 spec, for the fake Discord to keep.

`Contract.check_request` answers what Discord would answer a request body: None when it would accept
it, else its 400 "Invalid Form Body" error with errors nested per field. It applies the spec's request
schema and the documented limits the spec leaves out (shared/discord/README.md). `check_response`
lists what is wrong with a response the fake sends: body, status and rate-limit headers.

Reading rules (from the spec's notes, and why they are implemented as they are):
- Fields typed `integer` accept int-parseable strings (snowflakes are usually sent as strings), so the
  request validator's type checker takes "123" as an integer, and `enum`, `const`, `minimum` and
  `maximum` compare such a string as the number it spells. Responses are held to plain JSON types:
  the fake should send what Discord sends, and discord.py reads the types it gets.
- `oneOf` (and `anyOf`) mean "at least one branch matches". The spec's notes say a union means
  exactly one of its shapes, but with the integer leniency above branches such as
  `integer | string` (a nonce) overlap: "123" matches both, and a strict `oneOf` would refuse it.
- `format` rejects nothing except `date-time`, checked on purpose (Discord refuses an embed timestamp
  it cannot parse); snowflakes are already held to a pattern.

Where the spec refuses what Discord really takes or sends: a snowflake in a request may be a JSON
integer (`_Walker._kind`), and a field's `_errors` carry string codes (`SPEC_ERRATA`).

Speed: a validator is built once per route and status, with every `$ref` resolved once. jsonschema's
descent makes a validator per subschema, too slow for thousands of requests, so a body is first
judged by a walk over the schema that runs jsonschema's own keyword functions (`_Walker`); only a
refused body is explained through `iter_errors`. The tests hold the walk to plain jsonschema.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

Json = dict[str, Any]
Keyword = Callable[[Validator, Any, Any, Json], Iterator[ValidationError]]
FieldPath = tuple[str, ...]

API_PREFIX = "/api/v10"
SPEC_URI = "urn:discord:openapi"
HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
INVALID_FORM_BODY = 50035

# Documented limits the spec leaves out (or states more loosely).
CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
CHOICES_MAX = 25
CHOICE_NAME = (1, 100)
COMMAND_NAME = (1, 32)
COMMAND_DESCRIPTION = (1, 100)
OPTIONS_MAX = 25
CHAT_INPUT = 1
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
CALLBACK_MESSAGE, CALLBACK_UPDATE, CALLBACK_AUTOCOMPLETE = 4, 7, 8

MESSAGE_OPERATIONS = frozenset(
    {
        "create_message",
        "update_message",
        "execute_webhook",
        "update_webhook_message",
        "update_original_webhook_message",
    }
)
COMMAND_OPERATIONS = frozenset({"create_application_command", "create_guild_application_command"})
COMMAND_LIST_OPERATIONS = frozenset({"bulk_set_application_commands", "bulk_set_guild_application_commands"})
CALLBACK_OPERATION = "create_interaction_response"

# Where the spec refuses what Discord really sends: (JSON pointer, replacement schema, why).
SPEC_ERRATA: tuple[tuple[str, Json, str], ...] = (
    (
        "/components/schemas/InnerErrors/properties/_errors/items",
        {
            "type": "object",
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            "required": ["code", "message"],
        },
        (
            "a field's errors carry string codes (BASE_TYPE_MAX_LENGTH, ...); the spec reuses the "
            "top-level Error there, whose code is an integer"
        ),
    ),
)

_INT_STRING = re.compile(r"-?[0-9]+")
_NUMBER_STRING = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def malformed_body_error() -> Json:
    """Discord's 400 body for a request body that is not valid JSON."""
    return {"code": 50109, "message": "The request body contains invalid JSON."}


def invalid_form_body(errors: Json) -> Json:
    """Discord's 400 body for a body that breaks the contract, `errors` nested per field."""
    return {"code": INVALID_FORM_BODY, "message": "Invalid Form Body", "errors": errors}


# -- validators -------------------------------------------------------------------------------


def _is_int_string(instance: Any) -> bool:
    return isinstance(instance, str) and _INT_STRING.fullmatch(instance) is not None


def _lenient_integer(checker: Any, instance: Any) -> bool:
    """An integer, or a string that spells one (Discord parses such strings)."""
    return _is_int_string(instance) or Draft202012Validator.TYPE_CHECKER.is_type(instance, "integer")


# Steps of the walk: the applicators it follows itself, and any other keyword.
_KEYWORD, _TYPE, _PROPERTIES, _ITEMS, _SCHEMA, _ALL, _SOME = range(7)
_STEPS = {
    "type": _TYPE,
    "properties": _PROPERTIES,
    "items": _ITEMS,
    "$ref": _SCHEMA,
    "allOf": _ALL,
    "oneOf": _SOME,
    "anyOf": _SOME,
}


class _Walker:
    """Judges bodies fast with jsonschema's keyword functions, sharing one contract's caches.

    jsonschema's `descend` makes a validator and a resolver for every subschema, which is most of
    the cost of a body. `passes` instead walks the schema itself: applicators (properties, items,
    unions, allOf, `$ref` from the contract's cache) recurse through it, and every other keyword is
    jsonschema's own function, run on the one validator (leaf keywords use it only for its type
    and format checkers). It answers only yes or no: a body it refuses is validated again by
    `iter_errors` for errors with their paths, through the keyword functions below, which mean the
    same as the walk (and skip a subschema the walk accepts). One walker serves one validator class.
    """

    def __init__(self, lookup: Callable[[str], Any], *, snowflake_ints: bool = False) -> None:
        self._lookup = lookup
        self._snowflake_ints = snowflake_ints
        self._plans: dict[int, tuple[Any, tuple[tuple[int, Any, Keyword], ...]]] = {}
        self._orders: dict[int, tuple[Any, tuple[tuple[int, Any], ...]]] = {}
        self._kinds: dict[tuple[type, tuple[tuple[str, ...], bool]], bool] = {}

    # the walk

    def passes(self, validator: Validator, instance: Any, schema: Any) -> bool:
        """Whether the schema accepts the instance."""
        if isinstance(schema, bool):
            return schema
        entry = self._plans.get(id(schema))
        plan = entry[1] if entry is not None and entry[0] is schema else self._plan(validator, schema)
        for step, value, check in plan:
            if step == _TYPE:
                known = self._kinds.get((instance.__class__, value))
                if known is None:
                    known = self._kind(validator, value, instance)
                if not known:
                    return False
            elif step == _PROPERTIES:
                if isinstance(instance, dict):
                    for name, item in instance.items():
                        subschema = value.get(name)
                        if subschema is not None and not self.passes(validator, item, subschema):
                            return False
            elif step == _ITEMS:
                if isinstance(instance, list):
                    for item in instance:
                        if not self.passes(validator, item, value):
                            return False
            elif step == _SCHEMA:
                if not self.passes(validator, instance, value):
                    return False
            elif step == _ALL:
                for branch in value:
                    if not self.passes(validator, instance, branch):
                        return False
            elif step == _SOME:
                if not any(self.passes(validator, instance, branch) for branch in value):
                    return False
            else:
                for _ in check(validator, value, instance, schema) or ():
                    return False
        return True

    def _plan(self, validator: Validator, schema: Json) -> tuple[tuple[int, Any, Keyword], ...]:
        """The schema's keywords as walk steps (step, value, keyword function), cached.

        Cached by the schema's id, holding the schema so that the id stays its own. A `$ref` step
        holds the schema it refers to; a union's branches are in `_order`.
        """
        steps = []
        for keyword, value in schema.items():
            check = validator.VALIDATORS.get(keyword)
            if check is None:
                continue
            step = _STEPS.get(keyword, _KEYWORD)
            if step == _TYPE:
                value = (
                    tuple(value) if isinstance(value, list) else (value,),
                    self._snowflake_ints and schema.get("format") == "snowflake",
                )
            elif step == _ITEMS and ("prefixItems" in schema or isinstance(value, bool)):
                step = _KEYWORD
            elif step == _SCHEMA:
                value = self._lookup(value).contents
            elif step == _SOME:
                value = tuple(branch for _, branch in self._order(value))
            steps.append((step, value, check))
        plan = tuple(steps)
        self._plans[id(schema)] = (schema, plan)
        return plan

    def _kind(self, validator: Validator, kind: tuple[tuple[str, ...], bool], instance: Any) -> bool:
        """Whether the instance is of one of the types (a `_TYPE` step's value), remembered per
        Python class where the class alone decides it.

        A snowflake step (`snowflake_ints`, format "snowflake") also takes a non-negative integer:
        the spec types snowflakes as strings, but Discord reads both, and discord.py sends an
        upload's attachment id as its index.
        """
        types, snowflake = kind
        cls = instance.__class__
        if snowflake and cls is int:
            return instance >= 0 or any(validator.is_type(instance, name) for name in types)
        known = any(validator.is_type(instance, name) for name in types)
        if not ("integer" in types and cls in (str, float)):
            self._kinds[(cls, kind)] = known
        return known

    def _some_pass(self, validator: Validator, branches: Sequence[Json], instance: Any) -> bool:
        return any(self.passes(validator, instance, branch) for _, branch in self._order(branches))

    def _order(self, branches: Sequence[Json]) -> tuple[tuple[int, Any], ...]:
        """The branches, a bare `{"type": "null"}` last: most values fail it."""
        entry = self._orders.get(id(branches))
        if entry is None or entry[0] is not branches:
            ordered = sorted(enumerate(branches), key=lambda b: b[1] == {"type": "null"})
            entry = self._orders[id(branches)] = (branches, tuple(ordered))
        return entry[1]

    # keyword functions, for errors

    def descend(
        self,
        validator: Validator,
        instance: Any,
        schema: Any,
        path: str | int | None = None,
        schema_path: str | int | None = None,
    ) -> Iterator[ValidationError]:
        """`validator.descend`, skipped when the subschema accepts the instance."""
        if self.passes(validator, instance, schema):
            return iter(())
        errors: Iterator[ValidationError] = validator.descend(
            instance, schema, path=path, schema_path=schema_path
        )
        return errors

    def type(
        self, validator: Validator, types: Any, instance: Any, schema: Json
    ) -> Iterator[ValidationError]:
        kind = (
            tuple(types) if isinstance(types, list) else (types,),
            self._snowflake_ints and schema.get("format") == "snowflake",
        )
        if not self._kind(validator, kind, instance):
            yield from Draft202012Validator.VALIDATORS["type"](validator, types, instance, schema)

    def properties(
        self, validator: Validator, properties: Json, instance: Any, schema: Json
    ) -> Iterator[ValidationError]:
        if not isinstance(instance, dict):
            return
        for name, value in instance.items():
            if name in properties:
                yield from self.descend(validator, value, properties[name], path=name, schema_path=name)

    def items(
        self, validator: Validator, items: Any, instance: Any, schema: Json
    ) -> Iterator[ValidationError]:
        if "prefixItems" in schema or isinstance(items, bool):
            yield from Draft202012Validator.VALIDATORS["items"](validator, items, instance, schema)
        elif isinstance(instance, list):
            for index, item in enumerate(instance):
                yield from self.descend(validator, item, items, path=index)

    def all_of(
        self, validator: Validator, branches: Sequence[Json], instance: Any, schema: Json
    ) -> Iterator[ValidationError]:
        for index, branch in enumerate(branches):
            yield from self.descend(validator, instance, branch, schema_path=index)

    def any_branch(
        self, validator: Validator, branches: Sequence[Json], instance: Any, schema: Json
    ) -> Iterator[ValidationError]:
        """`oneOf`/`anyOf` as "at least one branch matches" (see the module docstring)."""
        if self._some_pass(validator, branches, instance):
            return
        context = [
            error
            for index, branch in enumerate(branches)
            for error in validator.descend(instance, branch, schema_path=index)
        ]
        yield ValidationError(
            f"{_short(instance)} matches none of the {len(branches)} shapes", context=context
        )

    def ref(self, validator: Validator, ref: str, instance: Any, schema: Json) -> Iterator[ValidationError]:
        """`$ref` through the contract's cache of resolved references."""
        target = self._lookup(ref)
        if not self.passes(validator, instance, target.contents):
            yield from validator.descend(instance, target.contents, resolver=target.resolver)

    def keywords(self) -> dict[str, Keyword]:
        """The keyword functions a validator class takes from this walker."""
        return {
            "oneOf": self.any_branch,
            "anyOf": self.any_branch,
            "allOf": self.all_of,
            "properties": self.properties,
            "items": self.items,
            "$ref": self.ref,
            "type": self.type,
        }


def _retry_as_int(keyword: Keyword) -> Keyword:
    """A keyword that, failing on an int-spelling string, judges the number it spells instead."""

    def check(validator: Validator, value: Any, instance: Any, schema: Json) -> Iterator[ValidationError]:
        errors = list(keyword(validator, value, instance, schema))
        if errors and _is_int_string(instance) and not list(keyword(validator, value, int(instance), schema)):
            return
        yield from errors

    return check


def _bounding_int_strings(keyword: Keyword) -> Keyword:
    """A numeric keyword that also bounds int-spelling strings."""

    def check(validator: Validator, value: Any, instance: Any, schema: Json) -> Iterator[ValidationError]:
        yield from keyword(validator, value, int(instance) if _is_int_string(instance) else instance, schema)

    return check


def _snowflake_ints(keyword: Keyword) -> Keyword:
    """`type` that also takes a non-negative integer for a snowflake (see `_Walker._is_kind`)."""

    def check(validator: Validator, types: Any, instance: Any, schema: Json) -> Iterator[ValidationError]:
        if not (instance.__class__ is int and instance >= 0 and schema.get("format") == "snowflake"):
            yield from keyword(validator, types, instance, schema)

    return check


def _format_checker() -> FormatChecker:
    """Checks `date-time` only: other formats are not judged (see the module docstring)."""
    checker = FormatChecker(formats=())
    checker.checkers["date-time"] = (_is_datetime, ValueError)
    return checker


def _is_datetime(instance: object) -> bool:
    """An ISO 8601 timestamp (anything else is not this format's business); ValueError if not."""
    return not isinstance(instance, str) or bool(dt.datetime.fromisoformat(instance))


LENIENT_TYPES = Draft202012Validator.TYPE_CHECKER.redefine("integer", _lenient_integer)


def _lenient_keywords() -> dict[str, Keyword]:
    """`enum`, `const` and the numeric bounds, reading an int-spelling string as its number."""
    base = Draft202012Validator.VALIDATORS
    return {
        "enum": _retry_as_int(base["enum"]),
        "const": _retry_as_int(base["const"]),
        **{
            k: _bounding_int_strings(base[k])
            for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
        },
    }


def _validator_classes(lookup: Callable[[str], Any]) -> tuple[type[Validator], type[Validator]]:
    """(request validator, response validator) classes: Draft 2020-12 with the reading rules."""
    strict = validators.extend(Draft202012Validator, validators=_Walker(lookup).keywords())
    lenient = validators.extend(
        Draft202012Validator,
        validators={**_lenient_keywords(), **_Walker(lookup, snowflake_ints=True).keywords()},
        type_checker=LENIENT_TYPES,
    )
    return lenient, strict


def reference_class(*, lenient: bool) -> type[Validator]:
    """The reading rules on jsonschema's own descent, without the walk: what the walk must agree with."""
    base = Draft202012Validator.VALIDATORS
    keywords: dict[str, Keyword] = {"oneOf": base["anyOf"]}
    if lenient:
        keywords |= {**_lenient_keywords(), "type": _snowflake_ints(base["type"])}
    cls: type[Validator] = validators.extend(
        Draft202012Validator,
        validators=keywords,
        type_checker=LENIENT_TYPES if lenient else Draft202012Validator.TYPE_CHECKER,
    )
    return cls


def _pointer(*parts: str) -> str:
    """A URI fragment for a JSON pointer into the spec, each part escaped."""
    escaped = "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)
    return "#/" + quote(escaped, safe="/~-_.!$&'()*+,;=:@")


# -- errors, Discord's way --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """One field's error: where (keys and list indexes as strings), Discord's code and message.

    `keyword` is the schema keyword that failed; `allowed` the choices (for BASE_TYPE_CHOICES) or
    the types (for a type error) that would have passed, kept so that unions can merge them.
    """

    path: FieldPath
    code: str
    message: str
    keyword: str = ""
    allowed: tuple[Any, ...] = ()
    detail: str = ""  # jsonschema's own words, for reports on the fake's responses

    def entry(self) -> Json:
        return {"code": self.code, "message": self.message}


def _types(value: Any) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list) else (value,)


def _type_problem(path: FieldPath, instance: Any, allowed: tuple[str, ...]) -> Problem:
    """Discord's code for a value of the wrong type (null where null is not allowed: required)."""
    wanted = [t for t in allowed if t != "null"] or ["null"]
    if instance is None:
        code, message = "BASE_TYPE_REQUIRED", "This field is required"
    elif "object" in wanted:
        code, message = "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType"
    elif "array" in wanted:
        code, message = "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"
    elif "integer" in wanted:
        code, message = "NUMBER_TYPE_COERCE", f'Value "{_short(instance)}" is not int.'
    elif "number" in wanted:
        code, message = "NUMBER_TYPE_COERCE", f'Value "{_short(instance)}" is not a valid number.'
    elif "boolean" in wanted:
        code, message = "BOOLEAN_TYPE_CONVERT", "Must be either true or false."
    else:
        code, message = "BASE_TYPE_BAD_TYPE", f"Must be of type {' or '.join(wanted)}."
    return Problem(path, code, message, "type", allowed)


def _short(value: Any, limit: int = 40) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _choices_problem(path: FieldPath, allowed: Iterable[Any]) -> Problem:
    values = tuple(dict.fromkeys(allowed))
    listed = ", ".join(json.dumps(v) for v in values)
    return Problem(path, "BASE_TYPE_CHOICES", f"Value must be one of ({listed}).", "enum", values)


def length_problem(path: FieldPath, low: int | None, high: int | None) -> Problem:
    """A length out of range, worded as Discord words it for strings and lists alike."""
    if low is not None and high is not None and low > 0:
        return Problem(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")
    if high is not None:
        return Problem(path, "BASE_TYPE_MAX_LENGTH", f"Must be {high} or fewer in length.")
    return Problem(path, "BASE_TYPE_MIN_LENGTH", f"Must be {low} or more in length.")


def required_problem(path: FieldPath) -> Problem:
    return Problem(path, "BASE_TYPE_REQUIRED", "This field is required")


_LENGTHS = {
    "minLength": ("minLength", "maxLength"),
    "maxLength": ("minLength", "maxLength"),
    "minItems": ("minItems", "maxItems"),
    "maxItems": ("minItems", "maxItems"),
    "minProperties": ("minProperties", "maxProperties"),
    "maxProperties": ("minProperties", "maxProperties"),
}
_BOUNDS = {
    "minimum": ("NUMBER_TYPE_MIN", "greater than or equal to"),
    "exclusiveMinimum": ("NUMBER_TYPE_MIN", "greater than"),
    "maximum": ("NUMBER_TYPE_MAX", "less than or equal to"),
    "exclusiveMaximum": ("NUMBER_TYPE_MAX", "less than"),
}


def _problems(error: ValidationError) -> list[Problem]:
    """The field errors one validation error stands for, unions resolved to their likely branch."""
    path = tuple(str(p) for p in error.absolute_path)
    if error.validator in ("oneOf", "anyOf"):
        return _union_problems(error, path)
    return [
        p if p.detail else replace(p, detail=_short(error.message, 160))
        for p in _keyword_problems(error, path)
    ]


def _keyword_problems(error: ValidationError, path: FieldPath) -> list[Problem]:
    keyword, value, schema = error.validator, error.validator_value, error.schema
    if keyword == "type":
        return [_type_problem(path, error.instance, _types(value))]
    if keyword == "required":  # one error per missing name, which it names only in its message
        present = error.instance if isinstance(error.instance, dict) else {}
        return [
            replace(required_problem((*path, name)), detail="required, but missing")
            for name in value
            if name not in present
        ]
    if keyword in ("enum", "const"):
        return [_choices_problem(path, value if keyword == "enum" else [value])]
    if keyword in _LENGTHS and isinstance(schema, dict):
        low, high = (schema.get(k) for k in _LENGTHS[keyword])
        return [length_problem(path, low, high)]
    if keyword in _BOUNDS:
        code, words = _BOUNDS[keyword]
        return [Problem(path, code, f"Value should be {words} {value}.", keyword)]
    if keyword == "pattern" and isinstance(schema, dict) and schema.get("format") == "snowflake":
        return [
            Problem(
                path, "NUMBER_TYPE_COERCE", f'Value "{_short(error.instance)}" is not snowflake.', keyword
            )
        ]
    if keyword == "pattern":
        return [Problem(path, "STRING_TYPE_REGEX", "String value did not match validation regex.", keyword)]
    if keyword == "format":
        return [
            Problem(
                path,
                "DATE_TIME_TYPE_PARSE",
                f'Could not parse "{_short(error.instance)}". Should be ISO8601.',
                keyword,
            )
        ]
    if keyword == "uniqueItems":
        return [Problem(path, "BASE_TYPE_DUPLICATES", "Values must be unique.", keyword)]
    if keyword == "additionalProperties":
        return [Problem(path, "BASE_TYPE_UNKNOWN_FIELD", error.message, keyword)]
    return [Problem(path, "BASE_TYPE_INVALID", error.message, keyword)]


def _wrong_type(problem: Problem, depth: int) -> bool:
    """A type mismatch at the union's own value: e.g. an object where the branch wants null."""
    return problem.keyword == "type" and len(problem.path) == depth


def _wrong_choice(problem: Problem, depth: int) -> bool:
    """A failed choice at the union's value or one of its keys: the discriminator (e.g. `type`)."""
    return problem.code == "BASE_TYPE_CHOICES" and len(problem.path) <= depth + 1


def _union_problems(error: ValidationError, path: FieldPath) -> list[Problem]:
    """Explain a union no branch matched: the errors of the branch the body most likely meant.

    Branches the value is plainly not (wrong type, then wrong discriminator) are set aside; of the
    rest the one with the fewest problems is reported. When every branch is set aside, their
    common complaint is merged: one list of allowed types, or of allowed choices.
    """
    branches: dict[int, list[Problem]] = {}
    for sub in error.context or ():
        branches.setdefault(int(sub.relative_schema_path[0]), []).extend(_problems(sub))
    if not branches:
        return [Problem(path, "BASE_TYPE_INVALID", error.message, "oneOf")]
    depth = len(path)
    typed = [ps for ps in branches.values() if not any(_wrong_type(p, depth) for p in ps)]
    if not typed:
        return _merged_types(list(branches.values()), path, error.instance)
    plausible = [ps for ps in typed if not any(_wrong_choice(p, depth) for p in ps)]
    if plausible:
        return min(plausible, key=len)
    return _merged_choices(typed, depth) or min(typed, key=len)


def _merged_choices(branches: list[list[Problem]], depth: int) -> list[Problem]:
    """One BASE_TYPE_CHOICES problem, if every branch failed a choice at one common path."""
    paths = [{p.path for p in ps if _wrong_choice(p, depth)} for ps in branches]
    common = set.intersection(*paths)
    if not common:
        return []
    where = min(common)
    allowed = {
        v for ps in branches for p in ps if p.path == where and _wrong_choice(p, depth) for v in p.allowed
    }
    return [_choices_problem(where, sorted(allowed, key=lambda v: (type(v).__name__, v)))]


def _merged_types(branches: list[list[Problem]], path: FieldPath, instance: Any) -> list[Problem]:
    """One type problem naming every type some branch would have taken."""
    allowed = [t for ps in branches for p in ps if _wrong_type(p, len(path)) for t in p.allowed]
    return [_type_problem(path, instance, tuple(dict.fromkeys(allowed)))]


def error_tree(problems: Iterable[Problem]) -> Json:
    """Nest problems the way Discord does: keys down the field path, then an `_errors` list.

    A node holds either `_errors` or child fields, never both (the spec's `ErrorDetails` allows one
    or the other), so a field's own errors give way to errors deeper inside it.
    """
    root: Json = {}
    for problem in sorted(problems, key=lambda p: -len(p.path)):  # deepest first
        node = root
        for key in problem.path:
            node = node.setdefault(key, {})
        if any(key != "_errors" for key in node):
            continue
        entries = node.setdefault("_errors", [])
        if problem.entry() not in entries:
            entries.append(problem.entry())
    return root


# -- documented limits the spec leaves out ----------------------------------------------------


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _dicts(value: Any) -> list[tuple[int, Json]]:
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list) else []


def _over(value: Any, limit: int) -> bool:
    """A string or list longer than `limit`."""
    return isinstance(value, str | list) and len(value) > limit


def _too_long(path: FieldPath, value: Any, limit: int) -> list[Problem]:
    return [length_problem(path, None, limit)] if _over(value, limit) else []


def _as_int(value: Any, default: int | None = None) -> int | None:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    return int(value) if _is_int_string(value) else default


def _part(embed: Json, key: str, sub: str) -> Any:
    part = embed.get(key)
    return part.get(sub) if isinstance(part, dict) else None


def embed_size(embed: Json) -> int:
    """The characters Discord counts against the 6,000 a message's embeds may hold together."""
    return (
        len(_text(embed.get("title")))
        + len(_text(embed.get("description")))
        + sum(len(_text(f.get("name"))) + len(_text(f.get("value"))) for _, f in _dicts(embed.get("fields")))
        + len(_text(_part(embed, "footer", "text")))
        + len(_text(_part(embed, "author", "name")))
    )


_EMBED_LIMITS = (
    ("title", EMBED_TITLE_MAX),
    ("description", EMBED_DESCRIPTION_MAX),
    ("fields", EMBED_FIELDS_MAX),
)
_EMBED_PART_LIMITS = (("footer", "text", EMBED_FOOTER_MAX), ("author", "name", EMBED_AUTHOR_MAX))
_FIELD_LIMITS = (("name", EMBED_FIELD_NAME_MAX), ("value", EMBED_FIELD_VALUE_MAX))


def _embed_problems(path: FieldPath, embed: Json) -> list[Problem]:
    """One embed's own limits; paths are built only for what breaks them."""
    problems = [
        length_problem((*path, key), None, limit)
        for key, limit in _EMBED_LIMITS
        if _over(embed.get(key), limit)
    ]
    problems += [
        length_problem((*path, key, sub), None, limit)
        for key, sub, limit in _EMBED_PART_LIMITS
        if _over(_part(embed, key, sub), limit)
    ]
    for i, embed_field in _dicts(embed.get("fields")):
        for key, limit in _FIELD_LIMITS:
            value = embed_field.get(key)
            if value == "":
                problems.append(required_problem((*path, "fields", str(i), key)))
            elif _over(value, limit):
                problems.append(length_problem((*path, "fields", str(i), key), None, limit))
    return problems


def message_problems(body: Any, path: FieldPath = ()) -> list[Problem]:
    """Content, embed and embed-total limits of a message body (create, edit, webhook, callback)."""
    if not isinstance(body, dict):
        return []
    embeds = body.get("embeds")
    problems = _too_long((*path, "content"), body.get("content"), CONTENT_MAX) + _too_long(
        (*path, "embeds"), embeds, EMBEDS_MAX
    )
    for i, embed in _dicts(embeds):
        problems += _embed_problems((*path, "embeds", str(i)), embed)
    if sum(embed_size(e) for _, e in _dicts(embeds)) > EMBED_TOTAL_MAX:
        problems.append(
            Problem(
                (*path, "embeds"),
                "MAX_EMBED_SIZE_EXCEEDED",
                f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}",
            )
        )
    return problems


def _choice_problems(path: FieldPath, choices: Any) -> list[Problem]:
    problems = _too_long(path, choices, CHOICES_MAX)
    for i, choice in _dicts(choices):
        name = choice.get("name")
        if isinstance(name, str) and not CHOICE_NAME[0] <= len(name) <= CHOICE_NAME[1]:
            problems.append(length_problem((*path, str(i), "name"), *CHOICE_NAME))
    return problems


def autocomplete_problems(body: Json) -> list[Problem]:
    """At most 25 autocomplete choices, each named in 1-100 characters."""
    data = body.get("data")
    return _choice_problems(("data", "choices"), data.get("choices")) if isinstance(data, dict) else []


def _name_char_ok(char: str) -> bool:
    """One character of `^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]$`, lowercase where it has a case."""
    if char in "-_" or "\u0900" <= char <= "\u097f" or "\u0e00" <= char <= "\u0e7f":
        return True
    return unicodedata.category(char)[0] in "LN" and char.lower() == char


def command_name_problems(path: FieldPath, name: Any, what: str) -> list[Problem]:
    """A chat-input command or option name: 1-32 allowed characters, lowercase."""
    if not isinstance(name, str):
        return []
    if not COMMAND_NAME[0] <= len(name) <= COMMAND_NAME[1]:
        return [length_problem(path, *COMMAND_NAME)]
    if all(map(_name_char_ok, name)):
        return []
    return [Problem(path, "APPLICATION_COMMAND_INVALID_NAME", f"{what} name is invalid")]


def _description_problems(path: FieldPath, description: Any) -> list[Problem]:
    text = _text(description)
    if COMMAND_DESCRIPTION[0] <= len(text) <= COMMAND_DESCRIPTION[1]:
        return []
    return [length_problem(path, *COMMAND_DESCRIPTION)]


def _option_problems(path: FieldPath, option: Json) -> list[Problem]:
    problems = (
        command_name_problems((*path, "name"), option.get("name"), "Option")
        + _description_problems((*path, "description"), option.get("description"))
        + _choice_problems((*path, "choices"), option.get("choices"))
    )
    if _as_int(option.get("type")) in (SUB_COMMAND, SUB_COMMAND_GROUP):
        problems += _options_problems((*path, "options"), option.get("options"))
    return problems


def _options_problems(path: FieldPath, options: Any) -> list[Problem]:
    """One options list, at any depth: size, unique names, required first, then each option."""
    problems = _too_long(path, options, OPTIONS_MAX)
    seen: set[str] = set()
    optional_seen = False
    for i, option in _dicts(options):
        name = option.get("name")
        if isinstance(name, str) and name in seen:
            problems.append(
                Problem(
                    (*path, str(i), "name"),
                    "APPLICATION_COMMAND_OPTIONS_DUPLICATE_NAME",
                    "Option names must be unique",
                )
            )
        seen.add(name if isinstance(name, str) else "")
        if option.get("required") is True and optional_seen:
            problems.append(
                Problem(
                    (*path, str(i), "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
            )
        optional_seen = optional_seen or option.get("required") is not True
        problems += _option_problems((*path, str(i)), option)
    return problems


def command_problems(command: Any, path: FieldPath = ()) -> list[Problem]:
    """Names, descriptions and options of one chat-input command (other kinds: spec only)."""
    if not isinstance(command, dict) or _as_int(command.get("type"), CHAT_INPUT) != CHAT_INPUT:
        return []
    return (
        command_name_problems((*path, "name"), command.get("name"), "Command")
        + _description_problems((*path, "description"), command.get("description"))
        + _options_problems((*path, "options"), command.get("options"))
    )


def documented_problems(operation_id: str, body: Any) -> list[Problem]:
    """The limits from Discord's documentation that concern this operation's body."""
    if operation_id in MESSAGE_OPERATIONS:
        return message_problems(body)
    if operation_id in COMMAND_OPERATIONS:
        return command_problems(body)
    if operation_id in COMMAND_LIST_OPERATIONS and isinstance(body, list):
        return [p for i, command in enumerate(body) for p in command_problems(command, (str(i),))]
    if operation_id == CALLBACK_OPERATION and isinstance(body, dict):
        kind = _as_int(body.get("type"))
        if kind in (CALLBACK_MESSAGE, CALLBACK_UPDATE):
            return message_problems(body.get("data"), ("data",))
        if kind == CALLBACK_AUTOCOMPLETE:
            return autocomplete_problems(body)
    return []


# -- routes -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Node:
    """A node of the route tree: its literal children, its parameter child, the template ending here."""

    literals: dict[str, _Node] = field(default_factory=dict)
    parameter: _Node | None = None
    template: str | None = None


@dataclass(frozen=True, slots=True)
class Operation:
    """One route and method of the spec."""

    operation_id: str
    method: str
    template: str
    spec: Json


def _route_tree(paths: Mapping[str, Any]) -> _Node:
    root = _Node()
    for template in paths:
        node = root
        for segment in template.strip("/").split("/"):
            if segment.startswith("{") and segment.endswith("}"):
                node.parameter = node.parameter or _Node()
                node = node.parameter
            else:
                node = node.literals.setdefault(segment, _Node())
        node.template = template
    return root


def _match(node: _Node, segments: Sequence[str]) -> str | None:
    """The template for these segments; a literal segment is tried before a parameter."""
    if not segments:
        return node.template
    head, rest = segments[0], segments[1:]
    literal = node.literals.get(head)
    found = _match(literal, rest) if literal else None
    if found is None and node.parameter is not None and head:
        found = _match(node.parameter, rest)
    return found


def route_segments(path: str) -> list[str]:
    """A concrete path's segments below /api/v10, without its query string."""
    path = path.split("?", 1)[0].split("#", 1)[0]
    if path.startswith(API_PREFIX + "/"):
        path = path[len(API_PREFIX) :]
    return path.strip("/").split("/")


# -- the contract -----------------------------------------------------------------------------


class Contract:
    """Discord's REST contract from its OpenAPI spec; validators are built once per use and cached."""

    def __init__(self, spec_path: Path, *, require_ratelimit_headers: bool = True) -> None:
        self.spec: Json = json.loads(Path(spec_path).read_text(encoding="utf-8"))
        for pointer, schema, _why in SPEC_ERRATA:
            *parents, last = _ref_parts("#" + pointer)
            self._at(parents)[last] = schema
        self.require_ratelimit_headers = require_ratelimit_headers
        resource = Resource.from_contents(self.spec, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self._resolver = self._registry.resolver(base_uri=SPEC_URI)
        self._refs: dict[str, Any] = {}
        self._request_class, self._response_class = _validator_classes(self._lookup)
        self._format_checker = _format_checker()
        self._routes = _route_tree(self.spec["paths"])
        self._validators: dict[tuple[str, str, str], Validator | None] = {}

    # routes

    def resolve(self, method: str, path: str) -> Operation | None:
        """The spec's operation for a concrete method and path, or None."""
        template = _match(self._routes, route_segments(path))
        if template is None:
            return None
        spec = self.spec["paths"][template].get(method.lower())
        if not isinstance(spec, dict) or method.lower() not in HTTP_METHODS:
            return None
        return Operation(spec["operationId"], method.upper(), template, spec)

    def operation(self, method: str, path: str) -> str | None:
        """The operationId for a concrete method and path, or None if Discord has no such route."""
        found = self.resolve(method, path)
        return found.operation_id if found else None

    # requests

    def check_request(self, method: str, path: str, body: Any) -> Json | None:
        """None if Discord would accept this JSON body (None: no body), else its 400 error body.

        A route the spec does not know is not judged here (None).
        """
        found = self.resolve(method, path)
        if found is None:
            return None
        problems = self.request_problems(found, body)
        return invalid_form_body(error_tree(problems)) if problems else None

    def request_problems(self, found: Operation, body: Any) -> list[Problem]:
        """The spec's and the documented limits' complaints about a request body."""
        request = found.spec.get("requestBody")
        if not isinstance(request, dict):
            return []
        if body is None:
            return [required_problem(())] if request.get("required") else []
        validator = self._validator(found, "request", ("requestBody",))
        problems = []
        if validator is not None and not validator.is_valid(body):
            problems = [p for e in validator.iter_errors(body) for p in _problems(e)]
        flagged = {p.path for p in problems}  # the spec's word on a field stands; limits add the rest
        return problems + [p for p in documented_problems(found.operation_id, body) if p.path not in flagged]

    # responses

    def check_response(
        self, method: str, path: str, status: int, body: Any, headers: Mapping[str, str]
    ) -> list[str]:
        """What is wrong with a response to this request (empty: nothing)."""
        found = self.resolve(method, path)
        if found is None:
            return [f"{method.upper()} {path}: Discord has no such route"]
        where = f"{found.method} {found.template} -> {status}"
        key, response = self._response_spec(found, status)
        if response is None:
            listed = ", ".join(found.spec.get("responses", {}))
            return [f"{where}: Discord does not answer this operation with {status} (only {listed})"]
        problems = [f"{where}: {p}" for p in self._body_problems(found, key, response, status, body)]
        if self.require_ratelimit_headers:
            problems += [f"{where}: {p}" for p in self._header_problems(response, headers)]
        return problems

    def _response_spec(self, found: Operation, status: int) -> tuple[str, Json | None]:
        responses = found.spec.get("responses", {})
        for key in (str(status), f"{status // 100}XX", "default"):
            if key in responses:
                return key, self._deref(responses[key])
        return "", None

    def _body_problems(self, found: Operation, key: str, response: Json, status: int, body: Any) -> list[str]:
        content = response.get("content")
        if status == 204 or not content:
            return [] if body in (None, b"", "") else [f"must have no body, got {_short(body)}"]
        if body is None:
            return ["must have a JSON body"]
        validator = self._validator(found, key, ("responses", key))
        problems = (
            []
            if validator is None or validator.is_valid(body)
            else [p for e in validator.iter_errors(body) for p in _problems(e)]
        )
        lines = [f"{'.'.join(p.path) or '(body)'}: {p.detail or p.message}" for p in problems]
        return list(dict.fromkeys(lines)) + _error_body_problems(body)

    def _header_problems(self, response: Json, headers: Mapping[str, str]) -> list[str]:
        present = {k.lower(): v for k, v in headers.items()}
        problems = []
        for name, spec in response.get("headers", {}).items():
            kind = self._deref(spec).get("schema", {}).get("type", "string")
            value = present.get(name.lower())
            if value is None:
                problems.append(f"header {name} is missing")
            elif not _header_value_ok(kind, value):
                problems.append(f"header {name} is not {kind}: {value!r}")
        return problems

    # spec plumbing

    def _lookup(self, ref: str) -> Any:
        """A resolved `$ref`, cached. Relative refs resolve against the spec: it has no `$id`s."""
        if ref not in self._refs:
            self._refs[ref] = self._resolver.lookup(ref)
        return self._refs[ref]

    def _deref(self, node: Any) -> Any:
        """A node with its `$ref`s (local, as the spec has only those) followed."""
        while isinstance(node, dict) and "$ref" in node:
            node = self._at(_ref_parts(node["$ref"]))
        return node

    def _at(self, parts: Sequence[str]) -> Any:
        node: Any = self.spec
        for part in parts:
            node = node[part]
        return node

    def _locate(self, parts: Sequence[str]) -> tuple[tuple[str, ...], Any]:
        """Where a path of keys from the spec's root leads, `$ref`s followed: (pointer parts, node)."""
        located: tuple[str, ...] = ()
        node: Any = self.spec
        for part in parts:
            located, node = (*located, part), node[part]
            while isinstance(node, dict) and "$ref" in node:
                located = _ref_parts(node["$ref"])
                node = self._at(located)
        return located, node

    def _validator(self, found: Operation, key: str, where: tuple[str, ...]) -> Validator | None:
        """A cached validator for the JSON schema of the request or a response (`where`)."""
        cache_key = (found.method, found.template, key)
        if cache_key not in self._validators:
            self._validators[cache_key] = self._build(found, key, where)
        return self._validators[cache_key]

    def _build(self, found: Operation, key: str, where: tuple[str, ...]) -> Validator | None:
        schema = self._schema_ref(found, where)
        if schema is None:
            return None
        cls = self._request_class if key == "request" else self._response_class
        return cls(schema, registry=self._registry, format_checker=self._format_checker)

    def _schema_ref(self, found: Operation, where: tuple[str, ...]) -> Json | None:
        """A `$ref` to the JSON body schema under `where`, so the schema's own `$ref`s resolve."""
        located, owner = self._locate(("paths", found.template, found.method.lower(), *where))
        content = owner.get("content", {})
        media = "application/json" if "application/json" in content else next(iter(content), None)
        if media is None or "schema" not in content[media]:
            return None
        return {"$ref": SPEC_URI + _pointer(*located, "content", media, "schema")}

    def validator(self, method: str, path: str, status: int | None = None) -> Validator | None:
        """The cached validator of a route's request body, or of its `status` response body."""
        found = self.resolve(method, path)
        if found is None:
            return None
        if status is None:
            return (
                self._validator(found, "request", ("requestBody",)) if "requestBody" in found.spec else None
            )
        key = self._response_spec(found, status)[0]
        return self._validator(found, key, ("responses", key)) if key else None

    def reference_validator(self, method: str, path: str, status: int | None = None) -> Validator | None:
        """`validator`'s schema under `reference_class`: plain jsonschema, for tests of the walk."""
        found = self.resolve(method, path)
        key = "" if found is None else "request" if status is None else self._response_spec(found, status)[0]
        if found is None or not key or (key == "request" and "requestBody" not in found.spec):
            return None
        schema = self._schema_ref(found, ("requestBody",) if key == "request" else ("responses", key))
        cls = reference_class(lenient=status is None)
        return (
            None
            if schema is None
            else cls(schema, registry=self._registry, format_checker=self._format_checker)
        )


def _ref_parts(ref: str) -> tuple[str, ...]:
    """A local `$ref`'s JSON pointer as unescaped keys."""
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in ref.removeprefix("#/").split("/"))


def _header_value_ok(kind: str, value: str) -> bool:
    if kind == "integer":
        return _INT_STRING.fullmatch(value.strip()) is not None
    if kind == "number":
        return _NUMBER_STRING.fullmatch(value.strip()) is not None and math.isfinite(float(value))
    return bool(value.strip())


def _error_body_problems(body: Any) -> list[str]:
    """An Invalid Form Body error must name fields, nested down to non-empty `_errors` lists."""
    if not isinstance(body, dict) or body.get("code") != INVALID_FORM_BODY:
        return []
    errors = body.get("errors")
    if not isinstance(errors, dict) or not errors:
        return ["errors: an Invalid Form Body error must say which fields are wrong"]
    return list(_empty_error_nodes(errors, "errors"))


def _empty_error_nodes(node: Json, where: str) -> Iterator[str]:
    if not node or node.get("_errors") == []:
        yield f"{where}: names no error"
    for key, child in node.items():
        if key != "_errors" and isinstance(child, dict):
            yield from _empty_error_nodes(child, f"{where}.{key}")
