"""The shared option parser: typed values, limits, clear errors; property tests on free-form text."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import options as opt
from core.errors import OptionError
from core.options import parse_options
from core.refs import ChannelRef, MemberRef, RoleRef

OPTIONS = [
    opt.string("topic", "t"),
    opt.integer("weeks", "w", min_value=1, max_value=12),
    opt.boolean("dm", "d"),
    opt.choice("cadence", ["weekly", "biweekly", "monthly"], "c"),
    opt.string("tags", "tags", multiple=True, max_items=3, max_length=10),
]


async def _resolve(text: str) -> MemberRef | None:
    return MemberRef("console", "u1", "Ana", id=1) if text.lower() in {"ana", "u1"} else None


async def test_named_values_with_spaces_and_colons() -> None:
    got = await parse_options(OPTIONS, "topic:smart factories weeks:3 dm:yes cadence:Weekly tags:a, b")
    assert got == {"topic": "smart factories", "weeks": 3, "dm": True, "cadence": "weekly", "tags": ["a", "b"]}
    got = await parse_options([opt.string("about", max_length=100)], "about:see https://example.org: nice")
    assert got["about"] == "see https://example.org: nice"


async def test_positional_and_quoted() -> None:
    opts = [opt.member("member", required=True), opt.string("reason")]
    got = await parse_options(opts, "@ana for the code review", _resolve)
    assert got["member"].display_name == "Ana"
    assert got["reason"] == "for the code review"
    got = await parse_options([opt.string("topic")], 'topic:"weeks:3 literally"')
    assert got["topic"] == "weeks:3 literally"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("colour:blue", "Unknown option “colour”"),
        ("weeks:abc", "must be a whole number"),
        ("weeks:13", "at most 12"),
        ("weeks:0", "at least 1"),
        ("dm:perhaps", "yes or no"),
        ("cadence:daily", "Choose one of: weekly, biweekly, monthly"),
        ("tags:a,b,c,d", "at most 3 items"),
        ("tags:abcdefghijkl", "too long"),
        ("topic:a topic:b", "given twice"),
    ],
)
async def test_bad_input_is_explained(text: str, fragment: str) -> None:
    with pytest.raises(OptionError) as err:
        await parse_options(OPTIONS, text)
    assert fragment in str(err.value)


async def test_required_and_unknown_member() -> None:
    opts = [opt.member("member", required=True)]
    with pytest.raises(OptionError, match="required"):
        await parse_options(opts, "")
    with pytest.raises(OptionError, match="can't find a member"):
        await parse_options(opts, "member:<@U999>", _resolve)
    got = await parse_options(opts, "member:<@u1|ana>", _resolve)
    assert got["member"].id == 1


async def test_typed_values_are_checked_too() -> None:
    with pytest.raises(OptionError):
        await parse_options(OPTIONS, {"weeks": 99})
    with pytest.raises(OptionError, match="Unknown option"):
        await parse_options(OPTIONS, {"nope": 1})
    assert (await parse_options(OPTIONS, {"weeks": 2}))["weeks"] == 2


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=300))
async def test_any_text_parses_or_fails_cleanly(text: str) -> None:
    try:
        got = await parse_options(OPTIONS, text, _resolve)
    except OptionError as exc:
        assert exc.msgid  # a translatable message, never a crash
        return
    assert set(got) == {o.name for o in OPTIONS}
    if got["weeks"] is not None:
        assert 1 <= got["weeks"] <= 12
    if got["tags"] is not None:
        assert len(got["tags"]) <= 3 and all(len(t) <= 10 for t in got["tags"])


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=50).filter(
    lambda s: s.strip() and '"' not in s and "'" not in s and ":" not in s))
async def test_string_values_round_trip(value: str) -> None:
    got = await parse_options([opt.string("topic", max_length=100)], f"topic:{value}")
    assert got["topic"] == value.strip()


async def test_channels_and_roles_typed_as_text() -> None:
    """Slack and the console type what Discord picks: a mention, #name / @name, a name or an id."""
    where = [opt.channel("channel", "c", required=True)]
    for text, channel_id, name in (("<#123456789012345678>", "123456789012345678", ""),
                                   ("<#C0INTROS|intros>", "C0INTROS", "intros"), ("#intros", "intros", "intros"),
                                   ("C0INTROS", "C0INTROS", "C0INTROS"), ("-", "-", "-")):
        assert (await parse_options(where, f"channel:{text}"))["channel"] == ChannelRef("", channel_id, name)
    with pytest.raises(OptionError) as refused:
        await parse_options(where, "channel:two words")
    assert refused.value.msgid.startswith("“{value}” is not a channel")
    roles = [opt.role("roles", "r", multiple=True, max_items=4)]
    got = (await parse_options(roles, "roles:<@&42>, <!subteam^S0TEAM|@team>, @mods, helpers"))["roles"]
    assert got == [RoleRef("42", ""), RoleRef("S0TEAM", "team"), RoleRef("mods", "mods"),
                   RoleRef("helpers", "helpers")]
    with pytest.raises(OptionError):
        await parse_options(roles, "roles:a,b,c,d,e")
    one = [opt.role("role", "r")]
    assert (await parse_options(one, {"role": RoleRef("42", "Mods")}))["role"] == RoleRef("42", "Mods")
    assert (await parse_options(roles, {"roles": RoleRef("42", "Mods")}))["roles"] == [RoleRef("42", "Mods")]
    picked = ChannelRef("discord", "42", "intros")
    assert (await parse_options(where, {"channel": picked}))["channel"] is picked
