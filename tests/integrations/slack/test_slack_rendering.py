"""The pure parts of the Slack integration: Block Kit and mrkdwn rendering, slash text, manifest, dedupe."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from core import options as opt
from core.dispatcher import App
from core.errors import OptionError
from core.messages import Button, ButtonStyle, Field, FieldStyle, Form, FormField, Message, Select, SelectOption
from core.options import parse_options
from integrations.slack import events, slash
from integrations.slack.blocks import (
    MAX_BLOCKS,
    FormOrigin,
    chosen_values,
    fallback_text,
    render_blocks,
    render_modal,
    submitted_values,
)
from integrations.slack.dedupe import RecentIds
from integrations.slack.manifest import BOT_EVENTS, build_manifest, render_manifest, write_manifest
from integrations.slack.text import chunks, to_mrkdwn

_ALLOWED = re.compile(r"<(?:@[UW][A-Z0-9]+(?:\|[^<>]*)?|#[CG][A-Z0-9]+(?:\|[^<>]*)?|https?://[^\s<>|]+(?:\|[^<>]*)?)>")


# ---------------------------------------------------------------- mrkdwn


def test_mentions_links_and_broadcasts() -> None:
    text = "Hi <@U123> & <@U999>, see <https://x.org|docs> in <#C42>. <!channel> <script>"
    out = to_mrkdwn(text, allowed_mentions=("U123",))
    assert "<@U123>" in out and "@U999" in out and "<@U999>" not in out
    assert "<https://x.org|docs>" in out and "<#C42>" in out
    assert "&lt;!channel&gt;" in out and "&lt;script&gt;" in out and "&amp;" in out
    assert to_mrkdwn("**bold** move") == "*bold* move"


@given(st.text())
def test_member_text_can_never_ping_everyone(text: str) -> None:
    out = to_mrkdwn(text)
    assert "<!" not in out
    assert "<" not in _ALLOWED.sub("", out) and ">" not in _ALLOWED.sub("", out)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))), st.integers(min_value=5, max_value=200))
def test_chunks_respect_the_limit_and_keep_the_text(text: str, limit: int) -> None:
    pieces = chunks(text, limit)
    assert all(len(p) <= limit for p in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


# ---------------------------------------------------------------- Block Kit


def test_message_renders_header_sections_fields_and_actions() -> None:
    message = Message(
        title="Profile of Ana",
        text="Still missing: timezone.",
        fields=[Field("Role", "Engineer"), Field("About", "long text " * 10, inline=False)],
        buttons=[Button("Yes", "match:met:1:yes", ButtonStyle.SUCCESS), Button("Delete", "x:del", ButtonStyle.DANGER),
                 Button("Later", "match:met:1:later")],
        selects=[Select("pick:kind", (SelectOption("Peer", "peer"), SelectOption("Mentor", "mentor")), "Kind",
                        max_values=2)],
    )
    blocks = render_blocks(message)
    assert [b["type"] for b in blocks] == ["header", "section", "section", "section", "actions"]
    buttons = blocks[-1]["elements"]
    assert [(e["action_id"], e.get("style")) for e in buttons[:3]] == [
        ("match:met:1:yes", "primary"), ("x:del", "danger"), ("match:met:1:later", None),
    ]
    assert buttons[3]["type"] == "multi_static_select" and buttons[3]["max_selected_items"] == 2
    assert fallback_text(message).startswith("Profile of Ana")


def test_slack_limits_are_respected() -> None:
    message = Message(
        title="t" * 300,
        text="line\n" * 3000,
        fields=[Field(f"f{i}", "v") for i in range(25)],
        buttons=[Button(f"b{i}", f"id:{i}") for i in range(30)] + [Button("dup", "id:0")],
    )
    blocks = render_blocks(message)
    assert len(blocks) <= MAX_BLOCKS
    assert len(blocks[0]["text"]["text"]) <= 150
    for block in blocks:
        if block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= 3000
            assert len(block.get("fields", [])) <= 10
        if block["type"] == "actions":
            ids = [e["action_id"] for e in block["elements"]]
            assert len(ids) <= 25 and len(ids) == len(set(ids))
    actions = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert len(actions) == 31


def test_form_renders_as_modal_and_its_submission_reads_back() -> None:
    form = Form("profile:edit:main", "Your profile, please fill it in", (
        FormField("role", "Role", required=True, default="Dev", placeholder="What you do"),
        FormField("about", "About", FieldStyle.PARAGRAPH, max_length=9000),
    ))
    origin = FormOrigin("C0GENERAL", "http://127.0.0.1:1/respond/1")
    modal = render_modal(form, submit="Save", close="Cancel", origin=origin)
    assert modal["callback_id"] == "profile:edit:main"
    assert len(modal["title"]["text"]) <= 24
    role, about = modal["blocks"]
    assert (role["optional"], role["element"]["initial_value"]) == (False, "Dev")
    assert about["element"]["multiline"] is True and about["element"]["max_length"] == 3000
    assert FormOrigin.load(modal["private_metadata"]) == origin

    state = {"values": {"role": {"role": {"type": "plain_text_input", "value": "Ops"}},
                        "about": {"about": {"type": "plain_text_input", "value": None}}}}
    assert submitted_values({"state": state}) == {"role": "Ops", "about": ""}


@pytest.mark.parametrize("garbage", ["", "not json", "[1, 2]", '{"c": 5}'])
def test_form_origin_survives_garbage(garbage: str) -> None:
    origin = FormOrigin.load(garbage)
    assert origin.response_url is None and origin.channel_id is None


def test_chosen_values() -> None:
    assert chosen_values({"type": "button", "value": "x"}) == []
    assert chosen_values({"selected_option": {"value": "a"}}) == ["a"]
    assert chosen_values({"selected_options": [{"value": "a"}, {"value": "b"}]}) == ["a", "b"]


# ---------------------------------------------------------------- slash command text


def test_slack_escaping_is_undone() -> None:
    text = "set mentor:<@U0BOB|bob> channel:<#C0X|intros> group:<!subteam^S0M|@mods> a &lt;3 &amp; <!here>"
    assert slash.unescape(text) == "set mentor:<@U0BOB> channel:C0X group:S0M a <3 & @here"
    assert slash.mentioned_users("<@U1> <@U2> <@U1>") == ["U1", "U2"]
    assert slash.parse("/k-match", " join ", "k-").full_text == "match join"


OPTIONS = [opt.member("who", "someone"), opt.integer("size", "n", min_value=2, max_value=8),
           opt.string("topics", "t", multiple=True)]


@given(st.text(max_size=300))
def test_any_command_text_parses_or_explains(text: str) -> None:
    """Whatever a person types after a slash command, the shared parser accepts it or says what is wrong."""
    invocation = slash.parse("/match", text)

    async def nobody(_: str) -> None:
        return None

    try:
        asyncio.run(parse_options(OPTIONS, invocation.text, nobody))
    except OptionError as error:
        assert error.msgid


# ---------------------------------------------------------------- manifest


def test_manifest_has_one_command_per_top_level_name(app: App, tmp_path: Path) -> None:
    manifest = build_manifest(app.tree, prefix="k-")
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    expected = sorted({*app.tree.groups, *app.tree.top})
    assert commands == [f"/k-{name}" for name in expected]
    assert all(len(c["description"]) <= 100 and c["should_escape"] for c in manifest["features"]["slash_commands"])
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == set(BOT_EVENTS)

    http = build_manifest(app.tree, request_url="https://kindred.example.org/slack/events")
    assert http["settings"]["socket_mode_enabled"] is False
    assert http["settings"]["interactivity"]["request_url"].endswith("/slack/events")
    assert all(c["url"].endswith("/slack/events") for c in http["features"]["slash_commands"])

    written = write_manifest(tmp_path / "manifest.yaml", app)
    assert yaml.safe_load(written.read_text(encoding="utf-8")) == build_manifest(app.tree)


def test_shipped_manifest_is_up_to_date_with_the_command_tree(app: App) -> None:
    """integrations/slack/manifest.yaml is exactly what `uv run bot.py slack-manifest` writes for today's tree."""
    shipped = Path(__file__).resolve().parents[3] / "integrations" / "slack" / "manifest.yaml"
    text = shipped.read_text(encoding="utf-8")
    assert text == render_manifest(build_manifest(app.tree)), (
        "integrations/slack/manifest.yaml is stale: run `uv run bot.py slack-manifest --out "
        "integrations/slack/manifest.yaml`"
    )
    manifest = yaml.safe_load(text)
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == {f"/{name}" for name in {*app.tree.groups, *app.tree.top}}
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "commands" in manifest["oauth_config"]["scopes"]["bot"]
    for entry in manifest["features"]["slash_commands"]:
        assert len(entry["command"]) <= 32 and len(entry["description"]) <= 100
        assert len(entry.get("usage_hint", "")) <= 100


# ---------------------------------------------------------------- events


def test_recent_ids_forget_the_oldest() -> None:
    recent = RecentIds(capacity=2)
    assert recent.first_time("a") and recent.first_time("b") and not recent.first_time("a")
    assert recent.first_time("c")  # evicts "b", the least recently seen
    assert not recent.first_time("a") and not recent.first_time("c")
    assert recent.first_time("b")
    assert len(recent) == 2 and recent.first_time("")


@pytest.mark.parametrize(
    ("event", "counted"),
    [
        ({"user": "U1", "text": "hi"}, True),
        ({"user": "U1", "subtype": "thread_broadcast"}, True),
        ({"user": "U1", "subtype": "message_changed"}, False),
        ({"user": "U1", "subtype": "message_deleted"}, False),
        ({"user": "U1", "subtype": "channel_join"}, False),
        ({"user": "U1", "bot_id": "B1"}, False),
        ({"user": "UBOT"}, False),
        ({"user": "USLACKBOT"}, False),
        ({"subtype": "bot_message"}, False),
    ],
)
def test_which_messages_count(event: dict[str, str], counted: bool) -> None:
    assert events.is_counted_message(event, bot_user_id="UBOT") is counted


def test_cli_regenerates_the_manifest(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bot import cli

    out = tmp_path / "manifest.yaml"
    result = CliRunner().invoke(cli, ["slack-manifest", "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert "/profile" in {c["command"] for c in manifest["features"]["slash_commands"]}

    refused = CliRunner().invoke(cli, ["slack-manifest", "--out", str(out), "--request-url", "http://x"])
    assert refused.exit_code == 2


def test_without_out_the_manifest_is_printed_and_no_file_changes(tmp_path: Path) -> None:
    """`slack-manifest` alone prints the manifest (to paste or redirect); it never rewrites the tracked copy."""
    from typer.testing import CliRunner

    from bot import cli
    from integrations.slack.cli import SHIPPED_PATH

    before = SHIPPED_PATH.stat().st_mtime_ns
    result = CliRunner().invoke(cli, ["slack-manifest"])
    assert result.exit_code == 0, result.output
    assert "/profile" in {c["command"] for c in yaml.safe_load(result.stdout)["features"]["slash_commands"]}
    assert SHIPPED_PATH.stat().st_mtime_ns == before
