"""The key schema and value parsing as pure functions: every key and every kind, and free-form input."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cogs.config.schema import KeySpec, Kind, build_schema, community_schema, find_key, suggest_keys
from cogs.config.values import (
    ValueRefused,
    allowed,
    check_value,
    explain,
    format_value,
    parse_text,
    validate_config,
)
from core.i18n import translator
from core.permissions import Level
from core.settings import CommunityConfig, iter_keys

SCHEMA = community_schema()
DEFAULTS = CommunityConfig()
EN = translator("en")


def spec(key: str) -> KeySpec:
    return SCHEMA[key]


def test_every_leaf_of_the_community_settings_is_a_key() -> None:
    leaves = {key for key, _info in iter_keys(CommunityConfig)}
    assert set(SCHEMA) == leaves
    for s in SCHEMA.values():
        assert s.description, f"{s.key} has no description"


def test_kinds_ranges_and_choices_come_from_the_models() -> None:
    assert spec("matching.hour").kind is Kind.INT
    assert (spec("matching.hour").minimum, spec("matching.hour").maximum) == (0, 23)
    assert spec("engagement.flush_seconds").kind is Kind.FLOAT
    assert spec("engagement.flush_seconds").exclusive_minimum == 0
    assert spec("matching.day").choices == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    assert spec("community.language").kind is Kind.CHOICE
    assert spec("matching.timezone").kind is Kind.TIMEZONE
    assert spec("welcome.channel").kind is Kind.CHANNEL
    assert spec("welcome.channel").max_length == 100
    assert spec("community.disabled_modules").kind is Kind.LIST
    assert "matching" in spec("community.disabled_modules").choices
    assert spec("welcome.messages").separator == "|"
    assert spec("profiles.extra_fields").kind is Kind.TABLE
    assert spec("welcome.enabled").kind is Kind.BOOL
    assert spec("welcome.trigger").kind is Kind.TEXT
    assert spec("engagement.queue_max").level is Level.OWNER
    assert spec("matching.hour").level is Level.MODERATOR
    assert {s.kind for s in SCHEMA.values()} == set(Kind)


def test_a_model_with_an_uneditable_type_is_reported() -> None:
    from pydantic import BaseModel

    class Odd(BaseModel):
        pairs: set[int] = set()

    class Root(BaseModel):
        odd: Odd = Odd()

    with pytest.raises(TypeError, match=r"odd\.pairs"):
        build_schema(Root)


@pytest.mark.parametrize("key", list(SCHEMA))
def test_defaults_format_and_parse_back(key: str) -> None:
    s = spec(key)
    text = format_value(s, s.default)
    assert check_value(s, text) == s.default
    assert check_value(s, s.default) == s.default  # the typed (TOML) path too


@pytest.mark.parametrize(("key", "text", "expected"), [
    ("matching.checkin", "yes", True), ("matching.checkin", "Off", False), ("matching.checkin", "nein", False),
    ("matching.hour", " 10 ", 10), ("matching.hour", "+0", 0), ("matching.hour", "23", 23),
    ("engagement.flush_seconds", "2,5", 2.5), ("engagement.flush_seconds", ".5", 0.5),
    ("engagement.flush_seconds", "60", 60.0), ("engagement.flush_seconds", "5e-1", 0.5),
    ("matching.day", "TUE", "tue"), ("community.language", "De", "de"),
    ("matching.timezone", "europe/berlin", "Europe/Berlin"), ("matching.timezone", "utc", "UTC"),
    ("welcome.channel", "<#C0123|general>", "C0123"), ("welcome.channel", "<#12345>", "12345"),
    ("welcome.channel", "-", ""), ("community.intro_channel", "#intros", "intros"),
    ("community.moderator_roles", "<@&42>, mods, @team, <!subteam^S9|@helpers>", ["42", "mods", "team", "S9"]),
    ("community.moderator_roles", "-", []), ("community.moderator_roles", "a, a, b", ["a", "b"]),
    ("community.disabled_modules", "Matching, welcome", ["matching", "welcome"]),
    ("welcome.messages", "Hi {member}, welcome! | Hello {member}", ["Hi {member}, welcome!", "Hello {member}"]),
    ("welcome.messages", "One, two\nThree | four", ["One, two", "Three | four"]),
    ("welcome.messages", '["a | b", "c"]', ["a | b", "c"]),
    ("profiles.extra_fields", '{ company = { description = "Your company" } }',
     {"company": {"description": "Your company", "multiple": False, "allowed": []}}),
    ("profiles.extra_fields", '{"level": {"multiple": true, "allowed": ["junior", "senior"]}}',
     {"level": {"description": "", "multiple": True, "allowed": ["junior", "senior"]}}),
    ("profiles.extra_fields", "-", {}),
    ("welcome.trigger", "role:123", "role:123"), ("welcome.trigger", "join", "join"),
])
def test_values_are_parsed_per_kind(key: str, text: str, expected: Any) -> None:
    assert check_value(spec(key), text) == expected


@pytest.mark.parametrize(("key", "text", "allowed_part"), [
    ("matching.checkin", "maybe", "yes or no"),
    ("matching.hour", "24", "from 0 to 23"),
    ("matching.hour", "-1", "from 0 to 23"),
    ("matching.hour", "9.5", "whole number"),
    ("matching.hour", "nine", "whole number"),
    ("engagement.flush_seconds", "0", "greater than 0 and at most 60"),
    ("engagement.flush_seconds", "nan", "greater than 0"),
    ("matching.day", "someday", "mon, tue, wed, thu, fri, sat, sun"),
    ("matching.timezone", "Mars/Olympus", "IANA time zone"),
    ("community.disabled_modules", "matching, chess", "profiles, matching, mentoring, collab, welcome, engagement"),
    ("welcome.channel", "x" * 101, "channel"),
    ("welcome.trigger", "whenever", "join, role:<role id> or channel:<channel id>"),
    ("profiles.extra_fields", "{ broken", "TOML inline table"),
    ("profiles.extra_fields", '{ x = { multiple = "often" } }', "TOML inline table"),
    ("welcome.messages", '["unclosed', "separated by |"),
])
def test_wrong_values_are_refused_naming_what_is_allowed(key: str, text: str, allowed_part: str) -> None:
    with pytest.raises(ValueRefused) as caught:
        check_value(spec(key), text)
    message = explain(caught.value, EN)
    assert allowed_part in message
    assert caught.value.key == key


def test_typed_values_from_toml_are_checked_too() -> None:
    with pytest.raises(ValueRefused):
        check_value(spec("matching.hour"), True)  # a bool is not a number
    with pytest.raises(ValueRefused):
        check_value(spec("matching.checkin"), 1)
    with pytest.raises(ValueRefused):
        check_value(spec("community.moderator_roles"), [1, 2])
    with pytest.raises(ValueRefused):
        check_value(spec("profiles.extra_fields"), ["not", "a", "table"])
    assert check_value(spec("engagement.flush_seconds"), 2) == 2.0


def test_model_validators_run_on_the_whole_config() -> None:
    with pytest.raises(ValueRefused) as caught:
        validate_config(DEFAULTS, {"profiles.extra_fields": {"role": {}}}, SCHEMA)  # a built-in name
    assert caught.value.key == "profiles.extra_fields"
    assert "built in" in explain(caught.value, EN)
    ok = validate_config(DEFAULTS, {"matching.hour": 10}, SCHEMA)
    assert ok.matching.hour == 10


def test_allowed_texts_are_translated() -> None:
    de = translator("de")
    msgid, params = allowed(spec("matching.hour"))
    assert de(msgid, **params) == "Erlaubt: eine ganze Zahl von 0 bis 23."


def test_keys_are_found_forgivingly_and_suggested() -> None:
    assert find_key("Matching.Group-Size") is spec("matching.group_size")
    assert find_key("matching.nothing") is None
    assert suggest_keys("hour")[0] == "matching.hour"
    assert suggest_keys("match")[0].startswith("matching.")
    assert "matching" in suggest_keys("mat", extra=("matching", "all"))
    assert len(suggest_keys("")) == 25


# ---------------------------------------------------------------------- free-form input (hypothesis)
_texts = st.one_of(
    st.text(max_size=120),
    st.from_regex(r"[-+]?[0-9]{0,6}([.,][0-9]{0,3})?([eE][-+]?[0-9])?", fullmatch=True),
    st.sampled_from(["yes", "no", "-", "[]", "{}", "none", "mon", "Europe/Berlin", "<#123>", "role:1", "[1, 2]",
                     '{ a = { multiple = true } }', '["x", 1]', "a, b, , c", "a|b\nc", "-,", "none |"]),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(sorted(SCHEMA)), text=_texts)
@example(key="community.moderator_roles", text="-,")  # a list of one "-" was written back bare, read as "clear"
def test_any_text_is_either_refused_or_a_valid_round_tripping_value(key: str, text: str) -> None:
    s = spec(key)
    try:
        value = check_value(s, text)
    except ValueRefused as exc:
        assert explain(exc, EN)  # always a message for the person
        return
    try:
        config = validate_config(DEFAULTS, {key: value}, SCHEMA)
    except ValueRefused:
        return  # refused by the model's own validator: also fine, nothing is stored
    section, _, name = key.partition(".")
    assert getattr(getattr(config, section), name) is not None
    assert check_value(s, format_value(s, value)) == value


@settings(max_examples=200, deadline=None)
@given(key=st.sampled_from(sorted(SCHEMA)), raw=st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
    st.lists(st.one_of(st.text(max_size=10), st.integers()), max_size=4),
    st.dictionaries(st.text(max_size=8), st.one_of(st.text(max_size=8), st.booleans(), st.dictionaries(
        st.text(max_size=8), st.text(max_size=8), max_size=2)), max_size=3),
))
def test_any_typed_value_is_either_refused_or_json_safe(key: str, raw: Any) -> None:
    import json

    try:
        value = check_value(spec(key), raw)
    except ValueRefused:
        return
    json.dumps(value, allow_nan=False)
    parse_text(spec(key), format_value(spec(key), value))
