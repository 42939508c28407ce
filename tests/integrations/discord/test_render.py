"""Rendering neutral messages for Discord: limits, mentions, stateless components, modals (pure, no network)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from core.messages import Button, Field, FieldStyle, Form, FormField, Message, Select, SelectOption
from integrations.discord.messenger import with_mentions
from integrations.discord.render import (
    MAX_CONTENT,
    form_values,
    render_form,
    render_message,
    scoped_id,
    unscope_id,
)
from integrations.discord.trace import delivery_nonce, rendered_fingerprint

GUILD = 1323802873036800001
USER = "1323802873036800002"


async def test_plain_text_is_content_and_pings_nobody() -> None:
    rendered = render_message(Message(text="hello @everyone <@&123456789012345678>"))
    assert rendered.content == "hello @everyone <@&123456789012345678>"
    mentions = rendered.allowed_mentions.to_dict()
    assert mentions == {"parse": []}
    assert rendered.embeds == [] and rendered.view is None


async def test_card_with_mentions_keeps_text_in_content_so_it_notifies() -> None:
    message = Message(text=f"<@{USER}> meet someone", title="Intro", mentions=(USER,))
    rendered = render_message(message)
    assert rendered.content == f"<@{USER}> meet someone"
    assert rendered.embeds[0].title == "Intro"
    assert rendered.allowed_mentions.to_dict() == {"parse": [], "users": [int(USER)]}


async def test_card_text_goes_into_the_embed_and_fields_are_clipped() -> None:
    message = Message(text="body", title="T" * 300, fields=[Field("n", "v" * 2000)] * 30)
    embed = render_message(message).embeds[0]
    assert embed.description == "body"
    assert len(embed.title or "") == 256
    assert len(embed.fields) == 25 and len(embed.fields[0].value or "") == 1024


async def test_buttons_five_per_row_and_never_more_than_five_rows() -> None:
    buttons = [Button(f"b{i}", f"x:{i}") for i in range(30)]
    select = Select("x:pick", tuple(SelectOption(str(i), str(i)) for i in range(40)), max_values=40)
    view = render_message(Message(text="t", buttons=buttons, selects=[select])).view
    assert view is not None and view.is_finished()  # stopped: discord.py keeps no state for it
    rows = view.to_components()
    assert len(rows) == 5
    assert len(rows[0]["components"][0]["options"]) == 25 and rows[0]["components"][0]["max_values"] == 25
    assert all(len(r["components"]) <= 5 for r in rows)


async def test_dm_components_carry_their_guild_when_it_fits() -> None:
    assert unscope_id(scoped_id("match:met:42:yes", GUILD)) == ("match:met:42:yes", GUILD)
    long_id = "x" * 90
    assert scoped_id(long_id, GUILD) == long_id
    assert unscope_id("profile:clear:7") == ("profile:clear:7", None)
    assert unscope_id("g12|") == ("", 12)


async def test_form_is_a_modal_with_labelled_inputs() -> None:
    form = Form(
        "profile:edit:main",
        "Your profile",
        tuple(FormField(f"f{i}", f"Label {i}", FieldStyle.PARAGRAPH, default="d", max_length=9999) for i in range(7)),
    )
    modal = render_form(form)
    assert modal.is_finished()
    data = modal.to_dict()
    assert data["custom_id"] == "profile:edit:main"
    assert len(data["components"]) == 5
    label = data["components"][0]
    assert label["type"] == 18 and label["label"] == "Label 0"
    assert label["component"]["style"] == 2 and label["component"]["max_length"] == 4000


def test_form_values_read_rows_and_labels() -> None:
    submitted = [
        {"type": 18, "component": {"type": 4, "custom_id": "role", "value": "dev"}},
        {"type": 1, "components": [{"type": 4, "custom_id": "about", "value": None}]},
        {"type": 18, "component": {"type": 3, "custom_id": "langs", "values": ["en", "de"]}},
    ]
    assert form_values(submitted) == {"role": "dev", "about": "", "langs": "en,de"}


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(max_size=5000),
    title=st.text(max_size=400),
    mentions=st.lists(st.text(max_size=25), max_size=5),
)
def test_any_text_renders_within_discord_limits_without_mass_pings(text: str, title: str, mentions: list[str]) -> None:
    rendered = render_message(Message(text=text, title=title, mentions=tuple(mentions)))
    assert rendered.content is None or len(rendered.content) <= MAX_CONTENT
    for embed in rendered.embeds:
        assert len(embed.title or "") <= 256 and len(embed.description or "") <= 4096
    allowed = rendered.allowed_mentions.to_dict()
    assert allowed["parse"] == []
    assert all(isinstance(u, int) for u in allowed.get("users", []))
    assert rendered.content or rendered.embeds or not (text or title)


async def test_a_delivery_shows_no_marker_and_its_fingerprint_is_the_same_in_every_conversation() -> None:
    """What an intro posts in its thread (with pings), by DM (component ids scoped to the guild) and what the
    ledger keeps for it (the plain message) have one fingerprint; another text or button has another."""
    message = Message(text="Meet each other!", title="Intro", buttons=[Button("Met", "match:met:42:yes")],
                      ref="K-0123456789abcdef")
    plain = render_message(message)
    assert "K-" not in str([plain.content, [e.to_dict() for e in plain.embeds]]) and plain.nonce is None
    pinged = with_mentions(replace(message, mentions=(USER,)), [USER])
    in_thread = render_message(pinged)
    assert in_thread.content and USER in in_thread.content  # the text moved into the content, with the ping
    in_dm = render_message(replace(message, mentions=(USER,)), guild_id=GUILD)
    prints = {rendered_fingerprint(r) for r in (plain, in_thread, in_dm)}
    assert len(prints) == 1 and len(next(iter(prints))) == 24
    assert rendered_fingerprint(render_message(replace(message, text="Meet each other!!"))) not in prints
    other_button = replace(message, buttons=[Button("Met", "match:met:43:yes")])
    assert rendered_fingerprint(render_message(other_button)) not in prints
    assert rendered_fingerprint(render_message(replace(message, text="  Meet each\nother! "))) in prints
    nonces = {delivery_nonce(message.ref, channel) for channel in (1, 2)}
    assert len(nonces) == 2 and all(len(n) == 25 and "0123456789abcdef" not in n for n in nonces)
