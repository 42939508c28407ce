"""Greeting templates: only the safe placeholders, never code or attributes, never a ping nobody asked for."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.welcome.messages import channel_greeting, join_names
from cogs.welcome.templates import (
    ZWSP,
    Newcomer,
    TemplateError,
    TemplateValues,
    neutralise,
    pick_variant,
    render,
    split_variants,
    validate_template,
    validate_variants,
)
from core.i18n import translator

_ = translator("en")
_MENTION = re.compile(r"<@([^>\u200b]*)>")
PINGS = ("@everyone", "@here", "<@&", "<!", "@channel")


def values(*newcomers: Newcomer, community: str = "Kindred", moderators: str = "Mo") -> TemplateValues:
    return TemplateValues(newcomers=newcomers, community=community, member_count=42, moderators=moderators,
                          join_names=lambda names: join_names(_, names))


def assert_safe(text: str, mentions: tuple[str, ...], newcomers: tuple[Newcomer, ...]) -> None:
    for ping in PINGS:
        assert ping not in text, (ping, text)
    assert set(mentions) <= {n.user_id for n in newcomers}
    assert set(_MENTION.findall(text)) <= set(mentions)


def test_all_placeholders_render() -> None:
    text = validate_template("Hi {member}! {community} has {member_count} people; see {channel:intros}, ask "
                             "{moderators}. {{literal}}")
    out = render(text, values(Newcomer("42", "Ana")))
    assert out.text == "Hi <@42>! Kindred has 42 people; see #intros, ask Mo. {literal}"
    assert out.mentions == ("42",)


@pytest.mark.parametrize("bad", [
    "{member.__class__}", "{member.__class__.__mro__}", "{member[0]}", "{member[x]}", "{0}", "{}", "{member!r}",
    "{unknown}", "{channel}", "{channel:}", "{channel:a b}", "{member:>10}", "{member_count:{x}}", "Hi {",
    "Hi }", "{community.name}", "", "   ", "x" * 1001,
])
def test_bad_templates_are_refused_clearly(bad: str) -> None:
    with pytest.raises(TemplateError) as err:
        validate_template(bad)
    assert err.value.msgid  # a message id that reaches the moderator translated


def test_variants() -> None:
    assert split_variants("Hi {member} || Hello {member}||  ") == ["Hi {member}", "Hello {member}"]
    assert validate_variants(["a", "b"]) == ["a", "b"]
    with pytest.raises(TemplateError):
        validate_variants([])
    with pytest.raises(TemplateError):
        validate_variants(["x"] * 11)
    import random

    rng = random.Random(3)
    picks = {pick_variant(["a", "b", "c"], rng) for _ in range(50)}
    assert picks == {"a", "b", "c"}


def test_names_cannot_ping() -> None:
    evil = Newcomer("not a valid id!", "@everyone <@&123> <!here> @here\n# big")
    out = render("Welcome {member} to {community}", values(evil, community="@everyone corp"))
    assert_safe(out.text, out.mentions, (evil,))
    assert "\n" not in out.text
    assert out.mentions == ()


def test_template_text_cannot_ping_either() -> None:
    out = render(validate_template("@everyone look: {member} <@&99> <!channel>"), values(Newcomer("7", "Bo")))
    assert_safe(out.text, out.mentions, (Newcomer("7", "Bo"),))
    assert out.text.startswith("@" + ZWSP + "everyone")


def test_batch_names_everyone_even_without_member_placeholder() -> None:
    newcomers = (Newcomer("1", "Ana"), Newcomer("2", "Ben"), Newcomer("3", "Chen"))
    out = render("Hello {member}!", values(*newcomers))
    assert out.text == "Hello <@1>, <@2> and <@3>!"
    rendered = render("Hello everyone new!", values(*newcomers))
    msg = channel_greeting(_, rendered, [(n.user_id, n.name) for n in newcomers], offer_buddy=False)
    assert msg.mentions == ("1", "2", "3")
    assert msg.text.startswith("<@1>, <@2> and <@3>: ")


TOKENS = [*"{}[]!:.0_ abcxyd@<>&#\n", "member", "channel", "community", "moderators", "member_count",
          "__class__", "{member}", "{channel:", "@everyone", "<@&", "<!here>"]
templates = st.one_of(st.lists(st.sampled_from(TOKENS), max_size=25).map("".join), st.text(max_size=60))


@settings(max_examples=500, deadline=None)
@given(templates, st.text(max_size=40), st.text(max_size=20))
def test_any_template_is_refused_or_rendered_safely(template: str, name: str, user_id: str) -> None:
    try:
        text = validate_template(template)
    except TemplateError:
        return
    newcomer = Newcomer(user_id, name)
    out = render(text, values(newcomer, community=name, moderators=name))
    assert_safe(out.text, out.mentions, (newcomer,))
    assert "__class__" not in out.text or "__class__" in template


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=12), st.text(max_size=40)), min_size=1, max_size=5))
def test_any_names_render_safely(people: list[tuple[str, str]]) -> None:
    newcomers = tuple(Newcomer(uid, name) for uid, name in people)
    out = render("Hi {member}, welcome to {community} ({member_count})", values(*newcomers, community=people[0][1]))
    assert_safe(out.text, out.mentions, newcomers)


@given(st.text(max_size=80))
def test_neutralise_leaves_no_ping(text: str) -> None:
    out = neutralise(text)
    for ping in PINGS:
        assert ping not in out
    assert out.replace(ZWSP, "") == text.replace(ZWSP, "")


@pytest.mark.parametrize("user_id", ["channel0", "here", "Everyone1", "CHANNEL"])
def test_an_id_that_reads_as_a_ping_word_is_named_not_mentioned(user_id: str) -> None:
    """Found by the property test above: `<@channel0>` would carry `@channel`; such an id gets its name instead."""
    out = render("Hi {member}", values(Newcomer(user_id, "Zoe")))
    assert out.mentions == () and "@" not in out.text.replace("@" + ZWSP, "")
    assert_safe(out.text, out.mentions, (Newcomer(user_id, "Zoe"),))
