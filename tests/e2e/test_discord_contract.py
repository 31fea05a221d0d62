"""The Discord contract: what Discord's OpenAPI spec and documented limits accept, refuse and answer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.discord_contract import Contract, malformed_body_error

Json = dict[str, Any]

MESSAGES = "/channels/201/messages"
CALLBACK = "/interactions/456/tok-en/callback"
COMMANDS = "/applications/9/commands"
GUILD_COMMANDS = "/applications/9/guilds/8/commands"
RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": "5",
    "X-RateLimit-Remaining": "4",
    "X-RateLimit-Reset": "1767225605.250",
    "X-RateLimit-Reset-After": "5.000",
    "X-RateLimit-Bucket": "a1b2c3d4e5",
}


@pytest.fixture(scope="session")
def contract(discord_contract: Contract) -> Contract:
    return discord_contract


# -- bodies as discord.py sends them ----------------------------------------------------------


def embed(n: int = 0, *, description: str = "An abstract, shortened. " * 16) -> Json:
    """A digest entry's embed, as `discord.Embed.to_dict` sends it."""
    return {
        "type": "rich",
        "title": f"{n + 1}. Neural operators for quantum optics",
        "description": description,
        "url": f"https://arxiv.org/abs/2401.{n:05d}",
        "color": 0xB31B1B,
        "fields": [
            {"name": "Score", "value": "0.91", "inline": True},
            {"name": "Matched", "value": "operator, photon, cavity", "inline": False},
            {"name": "Categories", "value": "quant-ph, cs.LG", "inline": True},
            {"name": "Links", "value": "[abs](https://arxiv.org/abs/2401.00001)", "inline": True},
        ],
        "footer": {"text": f"arXiv:2401.{n:05d}v1 · new"},
    }


def message(**overrides: Any) -> Json:
    body = {
        "content": "**arXiv digest · 2026-01-01 · Quantum optics**",
        "embeds": [embed()],
        "allowed_mentions": {"parse": [], "replied_user": False},
        "nonce": "1234567890123456789",
        "enforce_nonce": True,
        "tts": False,
        "flags": 0,
    }
    return {**body, **overrides}


def command(**overrides: Any) -> Json:
    """A slash command as discord.py's CommandTree syncs it."""
    body = {
        "name": "digest",
        "description": "Show today's digest",
        "type": 1,
        "nsfw": False,
        "default_member_permissions": None,
        "contexts": None,
        "integration_types": None,
        "name_localizations": {},
        "description_localizations": {},
        "options": [option("topic", required=True), option("limit", kind=4)],
    }
    return {**body, **overrides}


def option(name: str, *, kind: int = 3, required: bool = False, **extra: Any) -> Json:
    return {
        "type": kind,
        "name": name,
        "description": f"The {name}",
        "required": required,
        "name_localizations": {},
        "description_localizations": {},
        **extra,
    }


def errors_at(refusal: Json | None, *path: str) -> list[Json]:
    """The `_errors` list at a field path of a 400 Invalid Form Body answer."""
    assert refusal is not None, "the body was accepted"
    assert refusal["code"] == 50035 and refusal["message"] == "Invalid Form Body"
    node = refusal["errors"]
    for key in path:
        assert key in node, f"no errors at {'.'.join(path)}: {refusal['errors']}"
        node = node[key]
    errors: list[Json] = node["_errors"]
    assert errors, node
    return errors


def codes_at(refusal: Json | None, *path: str) -> list[str]:
    return [e["code"] for e in errors_at(refusal, *path)]


# -- requests: messages -----------------------------------------------------------------------


def test_a_message_as_discord_py_sends_it_is_accepted(contract: Contract) -> None:
    assert contract.check_request("POST", MESSAGES, message(embeds=[embed(i) for i in range(10)])) is None
    assert contract.check_request("POST", MESSAGES, message(content="x" * 2000)) is None


def with_embed(change: Callable[[Json], object]) -> Json:
    first = embed()
    change(first)
    return message(embeds=[first, embed(1)])


@pytest.mark.parametrize(
    ("body", "path", "code"),
    [
        (
            with_embed(lambda e: e["fields"][0].update(name="n" * 257)),
            ("embeds", "0", "fields", "0", "name"),
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            with_embed(lambda e: e["fields"][1].update(value="v" * 1025)),
            ("embeds", "0", "fields", "1", "value"),
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            with_embed(lambda e: e["fields"][2].update(name="")),
            ("embeds", "0", "fields", "2", "name"),
            "BASE_TYPE_REQUIRED",
        ),
        (
            with_embed(lambda e: e["fields"][3].update(value="")),
            ("embeds", "0", "fields", "3", "value"),
            "BASE_TYPE_REQUIRED",
        ),
        (
            with_embed(lambda e: e.update(footer={"text": "f" * 2049})),
            ("embeds", "0", "footer", "text"),
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            with_embed(lambda e: e.update(author={"name": "a" * 257})),
            ("embeds", "0", "author", "name"),
            "BASE_TYPE_MAX_LENGTH",
        ),
        (with_embed(lambda e: e.update(title="t" * 257)), ("embeds", "0", "title"), "BASE_TYPE_MAX_LENGTH"),
        (
            with_embed(lambda e: e.update(description="d" * 4097)),
            ("embeds", "0", "description"),
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            with_embed(lambda e: e.update(fields=e["fields"] * 7)),
            ("embeds", "0", "fields"),
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            with_embed(lambda e: e.update(footer="plain text")),
            ("embeds", "0", "footer"),
            "MODEL_TYPE_CONVERT",
        ),
        (
            with_embed(lambda e: e.update(timestamp="yesterday")),
            ("embeds", "0", "timestamp"),
            "DATE_TIME_TYPE_PARSE",
        ),
        (message(content="c" * 2001), ("content",), "BASE_TYPE_MAX_LENGTH"),
        (message(embeds=[embed(i) for i in range(11)]), ("embeds",), "BASE_TYPE_MAX_LENGTH"),
        (
            message(allowed_mentions={"parse": ["bogus"]}),
            ("allowed_mentions", "parse", "0"),
            "BASE_TYPE_CHOICES",
        ),
        (message(tts="yes"), ("tts",), "BOOLEAN_TYPE_CONVERT"),
        (message(flags="6x"), ("flags",), "NUMBER_TYPE_COERCE"),
    ],
)
def test_a_message_breaking_a_limit_is_refused_at_its_field(
    contract: Contract, body: Json, path: tuple[str, ...], code: str
) -> None:
    refusal = contract.check_request("POST", MESSAGES, body)
    assert codes_at(refusal, *path) == [code]
    assert set(refusal["errors"]) == {path[0]}, "only the broken field is named"  # type: ignore[index]


def test_embed_limit_messages_read_as_discord_words_them(contract: Contract) -> None:
    refusal = contract.check_request("POST", MESSAGES, with_embed(lambda e: e.update(title="t" * 257)))
    assert refusal == {
        "code": 50035,
        "message": "Invalid Form Body",
        "errors": {
            "embeds": {
                "0": {
                    "title": {
                        "_errors": [
                            {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 256 or fewer in length."}
                        ]
                    }
                }
            }
        },
    }


def test_embeds_over_6000_characters_together_are_refused(contract: Contract) -> None:
    big = [embed(i, description="d" * 4000) for i in range(2)]  # each within its own limits
    refusal = contract.check_request("POST", MESSAGES, message(embeds=big))
    assert codes_at(refusal, "embeds") == ["MAX_EMBED_SIZE_EXCEEDED"]
    assert contract.check_request("POST", MESSAGES, message(embeds=big[:1])) is None


def test_the_allowed_choices_are_named(contract: Contract) -> None:
    refusal = contract.check_request("POST", MESSAGES, message(allowed_mentions={"parse": ["bogus"]}))
    [error] = errors_at(refusal, "allowed_mentions", "parse", "0")
    assert all(name in error["message"] for name in ('"users"', '"roles"', '"everyone"'))


@pytest.mark.parametrize(
    ("method", "path", "wrap"),
    [
        ("PATCH", "/channels/201/messages/301", lambda body: body),
        ("POST", "/webhooks/9/tok-en", lambda body: body),
        ("PATCH", "/webhooks/9/tok/messages/@original", lambda body: body),
        ("PATCH", "/webhooks/9/tok/messages/301", lambda body: body),
        ("POST", CALLBACK, lambda body: {"type": 4, "data": body}),
        ("POST", CALLBACK, lambda body: {"type": 7, "data": body}),
    ],
)
def test_message_limits_hold_for_edits_followups_and_callbacks(
    contract: Contract, method: str, path: str, wrap: Callable[[Json], Json]
) -> None:
    prefix = ("data",) if path == CALLBACK else ()
    assert contract.check_request(method, path, wrap({"content": "ok", "embeds": [embed()]})) is None
    too_many = wrap({"embeds": [embed(i) for i in range(11)]})
    assert codes_at(contract.check_request(method, path, too_many), *prefix, "embeds") == [
        "BASE_TYPE_MAX_LENGTH"
    ]
    empty_field = wrap({"embeds": [with_embed(lambda e: e["fields"][0].update(name=""))["embeds"][0]]})
    assert codes_at(
        contract.check_request(method, path, empty_field), *prefix, "embeds", "0", "fields", "0", "name"
    ) == ["BASE_TYPE_REQUIRED"]
    total = wrap({"embeds": [embed(i, description="d" * 3500) for i in range(2)]})
    assert codes_at(contract.check_request(method, path, total), *prefix, "embeds") == [
        "MAX_EMBED_SIZE_EXCEEDED"
    ]
    long_content = wrap({"content": "c" * 2001})
    assert codes_at(contract.check_request(method, path, long_content), *prefix, "content") == [
        "BASE_TYPE_MAX_LENGTH"
    ]


def test_a_required_body_must_be_there_and_be_an_object(contract: Contract) -> None:
    assert codes_at(contract.check_request("POST", MESSAGES, None)) == ["BASE_TYPE_REQUIRED"]
    assert codes_at(contract.check_request("POST", MESSAGES, ["content"])) == ["MODEL_TYPE_CONVERT"]
    assert contract.check_request("DELETE", "/channels/201/messages/301", None) is None
    assert contract.check_request("GET", "/users/@me", None) is None


def test_a_route_discord_lacks_is_not_judged(contract: Contract) -> None:
    assert contract.check_request("POST", "/no/such/route", {"anything": 1}) is None


def test_malformed_json_gets_discords_answer() -> None:
    assert malformed_body_error() == {"code": 50109, "message": "The request body contains invalid JSON."}


# -- requests: the reading rules --------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", MESSAGES, message(flags="64")),
        ("POST", MESSAGES, message(nonce="123")),  # integer | string: both branches match
        ("POST", MESSAGES, message(nonce=123)),
        ("POST", MESSAGES, message(embeds=[{**embed(), "color": "11737883"}])),
        (
            "POST",
            MESSAGES,
            message(attachments=[{"id": 0, "filename": "digest.txt"}]),
        ),  # discord.py's upload index
        ("POST", MESSAGES, message(attachments=[{"id": "0", "filename": "digest.txt"}])),
        ("POST", CALLBACK, {"type": "4", "data": {"content": "pong", "flags": "64"}}),
        ("PUT", COMMANDS, [command(default_member_permissions="16", type="1")]),
    ],
)
def test_integer_fields_take_strings_that_spell_integers(
    contract: Contract, method: str, path: str, body: Any
) -> None:
    assert contract.check_request(method, path, body) is None


def test_a_spelled_integer_is_still_bounded_and_chosen(contract: Contract) -> None:
    too_big = message(embeds=[{**embed(), "color": "16777216"}])
    assert codes_at(contract.check_request("POST", MESSAGES, too_big), "embeds", "0", "color") == [
        "NUMBER_TYPE_MAX"
    ]
    assert codes_at(contract.check_request("POST", CALLBACK, {"type": "99"}), "type") == ["BASE_TYPE_CHOICES"]
    bad_id = message(attachments=[{"id": "x1", "filename": "a.txt"}])
    assert codes_at(contract.check_request("POST", MESSAGES, bad_id), "attachments", "0", "id") == [
        "NUMBER_TYPE_COERCE"
    ]


# -- requests: interaction callbacks ----------------------------------------------------------


def test_an_unknown_callback_type_is_refused(contract: Contract) -> None:
    refusal = contract.check_request("POST", CALLBACK, {"type": 99, "data": {"content": "x"}})
    [error] = errors_at(refusal, "type")
    assert error["code"] == "BASE_TYPE_CHOICES"
    assert all(str(kind) in error["message"] for kind in (1, 4, 5, 6, 7, 8, 9))
    assert contract.check_request("POST", CALLBACK, {"type": 5}) is None
    assert contract.check_request("POST", CALLBACK, {"type": 1}) is None
    assert codes_at(contract.check_request("POST", CALLBACK, {"data": {}}), "type") == ["BASE_TYPE_REQUIRED"]


def autocomplete(choices: list[Any]) -> Json:
    return {"type": 8, "data": {"choices": choices}}


def test_autocomplete_results_are_limited(contract: Contract) -> None:
    fine = [{"name": f"topic {i}", "value": f"t{i}"} for i in range(25)]
    assert contract.check_request("POST", CALLBACK, autocomplete(fine)) is None
    too_many = contract.check_request(
        "POST", CALLBACK, autocomplete([*fine, {"name": "one more", "value": "x"}])
    )
    assert codes_at(too_many, "data", "choices") == ["BASE_TYPE_MAX_LENGTH"]
    long_name = contract.check_request("POST", CALLBACK, autocomplete([{"name": "n" * 101, "value": "x"}]))
    assert errors_at(long_name, "data", "choices", "0", "name") == [
        {"code": "BASE_TYPE_BAD_LENGTH", "message": "Must be between 1 and 100 in length."}
    ]
    empty_name = contract.check_request("POST", CALLBACK, autocomplete([{"name": "", "value": 3}]))
    assert codes_at(empty_name, "data", "choices", "0", "name") == ["BASE_TYPE_BAD_LENGTH"]


# -- requests: application commands -----------------------------------------------------------


@pytest.mark.parametrize("path", [COMMANDS, GUILD_COMMANDS])
def test_commands_as_discord_py_syncs_them_are_accepted(contract: Contract, path: str) -> None:
    group = option("topics", kind=2, options=[option("add", kind=1, options=[option("name", required=True)])])
    commands = [
        command(),
        command(name="topics", options=[group]),
        command(name="Show digest", type=3, description="", options=None),
    ]
    assert contract.check_request("PUT", path, commands) is None
    assert contract.check_request("POST", path, command()) is None


@pytest.mark.parametrize("name", ["नमस्ते", "สวัสดี", "digest-2_b", "überblick", "日本語"])
def test_command_names_in_any_script_are_accepted(contract: Contract, name: str) -> None:
    assert contract.check_request("PUT", COMMANDS, [command(name=name)]) is None
    assert contract.check_request("POST", COMMANDS, command(options=[option(name)])) is None


@pytest.mark.parametrize("name", ["Digest", "two words", "dîgest!", "emoji🙂", "ǅigest"])
def test_invalid_or_uppercase_command_names_are_refused(contract: Contract, name: str) -> None:
    refusal = contract.check_request("PUT", COMMANDS, [command(), command(name=name)])
    assert codes_at(refusal, "1", "name") == ["APPLICATION_COMMAND_INVALID_NAME"]
    option_refusal = contract.check_request("POST", GUILD_COMMANDS, command(options=[option(name)]))
    assert codes_at(option_refusal, "options", "0", "name") == ["APPLICATION_COMMAND_INVALID_NAME"]


def test_command_names_are_1_to_32_characters(contract: Contract) -> None:
    assert contract.check_request("POST", COMMANDS, command(name="n" * 32)) is None
    assert codes_at(contract.check_request("POST", COMMANDS, command(name="n" * 33)), "name") == [
        "BASE_TYPE_BAD_LENGTH"
    ]


def test_descriptions_are_1_to_100_characters_at_every_level(contract: Contract) -> None:
    top = contract.check_request("PUT", COMMANDS, [command(options=[option("topic", description="d" * 101)])])
    assert codes_at(top, "0", "options", "0", "description") == ["BASE_TYPE_BAD_LENGTH"]
    nested = command(options=[option("add", kind=1, options=[option("name", description="d" * 101)])])
    assert codes_at(
        contract.check_request("PUT", COMMANDS, [nested]), "0", "options", "0", "options", "0", "description"
    ) == ["BASE_TYPE_BAD_LENGTH"]
    assert codes_at(contract.check_request("POST", COMMANDS, command(description="")), "description") == [
        "BASE_TYPE_BAD_LENGTH"
    ]
    assert codes_at(
        contract.check_request("POST", COMMANDS, command(description="d" * 101)), "description"
    ) == ["BASE_TYPE_MAX_LENGTH"]


def test_option_names_are_unique_and_required_options_come_first(contract: Contract) -> None:
    duplicate = command(options=[option("topic"), option("topic", kind=4)])
    assert codes_at(contract.check_request("PUT", COMMANDS, [duplicate]), "0", "options", "1", "name") == [
        "APPLICATION_COMMAND_OPTIONS_DUPLICATE_NAME"
    ]
    misordered = command(options=[option("limit", kind=4), option("topic", required=True)])
    assert codes_at(
        contract.check_request("PUT", COMMANDS, [misordered]), "0", "options", "1", "required"
    ) == ["APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"]
    in_subcommand = command(
        options=[option("add", kind=1, options=[option("a"), option("b", required=True)])]
    )
    assert codes_at(
        contract.check_request("POST", COMMANDS, in_subcommand), "options", "0", "options", "1", "required"
    ) == ["APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"]


def test_at_most_25_options_and_choices(contract: Contract) -> None:
    many = command(options=[option(f"o{i}") for i in range(26)])
    assert codes_at(contract.check_request("POST", COMMANDS, many), "options") == ["BASE_TYPE_MAX_LENGTH"]
    choices = [{"name": f"c{i}", "value": f"c{i}"} for i in range(26)]
    with_choices = command(options=[option("topic", choices=choices)])
    assert codes_at(contract.check_request("POST", COMMANDS, with_choices), "options", "0", "choices") == [
        "BASE_TYPE_MAX_LENGTH"
    ]


# -- routes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "operation_id"),
    [
        ("POST", "/channels/123/messages", "create_message"),
        ("POST", "/api/v10/channels/123/messages?wait=true", "create_message"),
        ("PATCH", "/channels/123/messages/456", "update_message"),
        ("GET", "/channels/123/messages/pins", "list_pins"),
        ("POST", "/interactions/456/tok-en/callback", "create_interaction_response"),
        ("POST", "/interactions/456/tok-en/callback?with_response=true", "create_interaction_response"),
        ("PUT", "/applications/9/guilds/8/commands", "bulk_set_guild_application_commands"),
        ("PUT", "/applications/9/commands", "bulk_set_application_commands"),
        ("POST", "/applications/9/guilds/8/commands", "create_guild_application_command"),
        ("POST", "/webhooks/9/tok", "execute_webhook"),
        ("PATCH", "/webhooks/9/tok/messages/@original", "update_original_webhook_message"),
        ("DELETE", "/webhooks/9/tok/messages/@original", "delete_original_webhook_message"),
        ("PATCH", "/webhooks/9/tok/messages/789", "update_webhook_message"),
        ("GET", "/users/@me", "get_my_user"),
        ("GET", "/users/42", "get_user"),
        ("get", "/oauth2/applications/@me", "get_my_oauth2_application"),
        ("GET", "/gateway/bot", "get_bot_gateway"),
        ("POST", "/no/such/route", None),
        ("PUT", "/channels/123/messages", None),
        ("POST", "/channels//messages", None),
    ],
)
def test_concrete_paths_map_to_the_specs_operations(
    contract: Contract, method: str, path: str, operation_id: str | None
) -> None:
    assert contract.operation(method, path) == operation_id


# -- responses --------------------------------------------------------------------------------


def user(**overrides: Any) -> Json:
    return {
        "id": "900000000000000001",
        "username": "digest-bot",
        "avatar": None,
        "discriminator": "0",
        "public_flags": 0,
        "flags": 0,
        "bot": True,
        "banner": None,
        "accent_color": None,
        "global_name": None,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
        **overrides,
    }


def message_response(**overrides: Any) -> Json:
    """A message the way Discord answers POST /channels/{id}/messages."""
    sent = embed()
    return {
        "type": 0,
        "content": "**arXiv digest**",
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [{**sent, "content_scan_version": 2}],
        "timestamp": "2026-01-01T09:00:00.123000+00:00",
        "edited_timestamp": None,
        "flags": 0,
        "components": [],
        "id": "1324000000000000001",
        "channel_id": "201",
        "author": user(),
        "pinned": False,
        "mention_everyone": False,
        "tts": False,
        "nonce": "1234567890123456789",
        **overrides,
    }


def test_a_real_looking_message_response_passes(contract: Contract) -> None:
    assert contract.check_response("POST", MESSAGES, 200, message_response(), RATE_LIMIT_HEADERS) == []
    assert (
        contract.check_response(
            "GET", "/channels/201/messages/1", 200, message_response(), RATE_LIMIT_HEADERS
        )
        == []
    )


def test_an_embed_without_its_type_is_reported(contract: Contract) -> None:
    bare = message_response(embeds=[{k: v for k, v in embed().items() if k != "type"}])
    problems = contract.check_response("POST", MESSAGES, 200, bare, RATE_LIMIT_HEADERS)
    assert len(problems) == 1 and "embeds.0.type" in problems[0], problems


def test_missing_user_fields_are_reported(contract: Contract) -> None:
    me = {**user(), "mfa_enabled": False, "locale": "en-US", "verified": True}
    assert contract.check_response("GET", "/users/@me", 200, me, RATE_LIMIT_HEADERS) == []
    problems = contract.check_response(
        "GET", "/users/@me", 200, {"id": "1", "username": "bot"}, RATE_LIMIT_HEADERS
    )
    for name in ("avatar", "discriminator", "public_flags", "flags", "global_name", "mfa_enabled", "locale"):
        assert any(f": {name}: " in p for p in problems), (name, problems)
    typed = contract.check_response("GET", "/users/@me", 200, {**me, "id": 1}, RATE_LIMIT_HEADERS)
    assert len(typed) == 1 and ": id: " in typed[0], "responses are held to plain JSON types"


def test_a_204_has_no_body(contract: Contract) -> None:
    path = "/channels/201/messages/301"
    assert contract.check_response("DELETE", path, 204, None, RATE_LIMIT_HEADERS) == []
    assert contract.check_response("POST", CALLBACK, 204, None, RATE_LIMIT_HEADERS) == []
    assert "no body" in contract.check_response("DELETE", path, 204, {"id": "301"}, RATE_LIMIT_HEADERS)[0]


def test_a_status_the_operation_does_not_answer_is_reported(contract: Contract) -> None:
    problems = contract.check_response("POST", MESSAGES, 201, message_response(), RATE_LIMIT_HEADERS)
    assert len(problems) == 1 and "201" in problems[0]
    assert contract.check_response("DELETE", "/channels/201/messages/301", 200, None, RATE_LIMIT_HEADERS)
    assert contract.check_response("GET", "/no/such/route", 200, {}, RATE_LIMIT_HEADERS)


def test_error_bodies_nest_down_to_errors_lists(contract: Contract) -> None:
    refusal = contract.check_request("POST", MESSAGES, with_embed(lambda e: e.update(title="t" * 257)))
    assert contract.check_response("POST", MESSAGES, 400, refusal, RATE_LIMIT_HEADERS) == []
    not_found = {"code": 10003, "message": "Unknown Channel"}
    assert contract.check_response("POST", MESSAGES, 404, not_found, RATE_LIMIT_HEADERS) == []
    nested = {
        "code": 50035,
        "message": "Invalid Form Body",
        "errors": {
            "embeds": {
                "0": {
                    "title": {
                        "_errors": [
                            {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 256 or fewer in length."}
                        ]
                    }
                }
            }
        },
    }
    assert contract.check_response("PUT", COMMANDS, 400, nested, RATE_LIMIT_HEADERS) == []
    flat = {"code": 50035, "message": "Invalid Form Body", "errors": {"detail": "x"}}
    assert contract.check_response("POST", MESSAGES, 400, flat, RATE_LIMIT_HEADERS)
    unnamed = {"code": 50035, "message": "Invalid Form Body"}
    assert contract.check_response("POST", MESSAGES, 400, unnamed, RATE_LIMIT_HEADERS)
    assert contract.check_response("POST", MESSAGES, 400, {"message": "no code"}, RATE_LIMIT_HEADERS)


def test_every_error_check_request_makes_is_a_valid_error_body(contract: Contract) -> None:
    bodies = [
        message(content="c" * 2001, embeds=[embed(i) for i in range(11)]),
        with_embed(lambda e: e.update(title="t" * 257, footer={"text": "f" * 2049})),
        message(embeds=[embed(i, description="d" * 3000) for i in range(3)], tts="no"),
    ]
    for body in bodies:
        refusal = contract.check_request("POST", MESSAGES, body)
        assert refusal is not None
        assert contract.check_response("POST", MESSAGES, 400, refusal, RATE_LIMIT_HEADERS) == []


def test_a_429_carries_retry_after_and_global(contract: Contract) -> None:
    limited = {"code": 0, "message": "You are being rate limited.", "retry_after": 0.5, "global": False}
    assert contract.check_response("POST", MESSAGES, 429, limited, RATE_LIMIT_HEADERS) == []
    problems = contract.check_response(
        "POST", MESSAGES, 429, {"code": 0, "message": "slow down"}, RATE_LIMIT_HEADERS
    )
    assert any("retry_after" in p for p in problems) and any("global" in p for p in problems)


def test_rate_limit_headers_must_be_there_and_well_typed(contract: Contract, shared_dir: Path) -> None:
    body = message_response()
    missing = contract.check_response("POST", MESSAGES, 200, body, {"Content-Type": "application/json"})
    assert len(missing) == 5 and all("missing" in p for p in missing)
    lower = {k.lower(): v for k, v in RATE_LIMIT_HEADERS.items()}
    assert contract.check_response("POST", MESSAGES, 200, body, lower) == []
    for name, bad in [
        ("X-RateLimit-Limit", "5.5"),
        ("X-RateLimit-Remaining", "many"),
        ("X-RateLimit-Reset", "soon"),
        ("X-RateLimit-Reset-After", "inf"),
        ("X-RateLimit-Bucket", ""),
    ]:
        problems = contract.check_response("POST", MESSAGES, 200, body, {**RATE_LIMIT_HEADERS, name: bad})
        assert len(problems) == 1 and name in problems[0], (name, problems)
    lenient = Contract(shared_dir / "discord" / "openapi.json", require_ratelimit_headers=False)
    assert lenient.check_response("POST", MESSAGES, 200, body, {}) == []


# -- the fast walk agrees with plain jsonschema -----------------------------------------------


def sample_requests() -> list[tuple[str, str, Any]]:
    broken_embed = with_embed(lambda e: e.update(title="t" * 257, footer="x", color="red"))
    return [
        ("POST", MESSAGES, message(embeds=[embed(i) for i in range(10)])),
        ("POST", MESSAGES, broken_embed),
        ("POST", MESSAGES, message(allowed_mentions={"parse": ["x"]})),
        ("POST", MESSAGES, message(nonce="12345678901234567890123456")),
        ("POST", MESSAGES, message(attachments=[{"id": 0}, {"filename": "a"}])),
        ("POST", CALLBACK, {"type": 99}),
        ("POST", CALLBACK, {"type": "4", "data": {"content": "x"}}),
        ("POST", CALLBACK, autocomplete([{"name": "n" * 101, "value": 1}, None])),
        ("PUT", COMMANDS, [command(), command(name="x" * 40, options=[option("a", kind=42)])]),
        ("PUT", COMMANDS, [command(options=[option("add", kind=1, options=[option("n", kind=4)])])]),
    ]


def error_key(error: Any) -> tuple[str, str]:
    return "/".join(map(str, error.absolute_path)), str(error.validator)


def test_the_fast_walk_judges_requests_as_plain_jsonschema_does(contract: Contract) -> None:
    verdicts = []
    for method, path, body in sample_requests():
        fast, plain = contract.validator(method, path), contract.reference_validator(method, path)
        assert fast is not None and plain is not None
        assert fast.is_valid(body) == plain.is_valid(body), (path, body)
        assert sorted(map(error_key, fast.iter_errors(body))) == sorted(
            map(error_key, plain.iter_errors(body))
        )
        verdicts.append(plain.is_valid(body))
    assert True in verdicts and False in verdicts, "the samples hold valid and invalid bodies"


def test_the_fast_walk_judges_responses_as_plain_jsonschema_does(contract: Contract) -> None:
    bare = message_response(embeds=[{"title": "no type"}], author=user(id=1), flags="0")
    for status, body in [(200, message_response()), (200, bare), (400, {"code": 1, "errors": {"a": "b"}})]:
        fast, plain = (
            contract.validator("POST", MESSAGES, status),
            contract.reference_validator("POST", MESSAGES, status),
        )
        assert fast is not None and plain is not None
        assert fast.is_valid(body) == plain.is_valid(body)
        assert sorted(map(error_key, fast.iter_errors(body))) == sorted(
            map(error_key, plain.iter_errors(body))
        )


def test_validators_are_built_once_per_operation(contract: Contract) -> None:
    assert contract.validator("POST", MESSAGES) is contract.validator("POST", "/channels/999/messages")
    assert contract.validator("POST", MESSAGES, 400) is contract.validator("POST", MESSAGES, 404)  # "4XX"
    assert contract.validator("POST", MESSAGES, 200) is not contract.validator("POST", MESSAGES, 400)
    assert contract.validator("DELETE", "/channels/1/messages/2") is None  # no body to judge
