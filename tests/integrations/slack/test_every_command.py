"""Every command of the neutral tree is a Slack slash command and runs there: real bot, real slack-bolt, fake Slack.

Each command is invoked in its simplest form (required options only) by the least privileged person allowed to
run it, and must answer something sensible: a message, a modal or a file, never the generic apology, never a
permission refusal and never silence. File answers must arrive through files_upload_v2.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.permissions import Level
from integrations.slack.manifest import slash_name
from tests.fakes.commands import FILE_COMMANDS, OTHER_MEMBER, declared_commands, is_sensible, simplest_values
from tests.fakes.slack import FakeSlack
from tests.integrations.slack.conftest import Bot, BotFactory
from tests.integrations.slack.test_slack_commands import texts

SHIPPED_MANIFEST = Path(__file__).resolve().parents[3] / "integrations" / "slack" / "manifest.yaml"
CALLERS = {Level.MEMBER: "U0ALICE", Level.MODERATOR: "U0MOD", Level.OWNER: "U0OWNER"}


@pytest.fixture
async def staffed_bot(start_bot: BotFactory, slack: FakeSlack) -> AsyncIterator[Bot]:
    """The bot with a workspace admin (a moderator) and a bot owner, both in #general."""
    slack.workspace.add_user("U0MOD", "mod", is_admin=True)
    slack.workspace.add_user("U0OWNER", "owner")
    slack.workspace.channels["C0GENERAL"].members.extend(["U0MOD", "U0OWNER"])
    async with start_bot(owners=["slack:U0OWNER"]) as running:
        yield running


def command_text(path: list[str], values: dict[str, Any]) -> tuple[str, str]:
    """(the slash command, its text) as a person types it; members as Slack escapes them."""
    options = " ".join(
        f"{name}:{'<@U0BOB|bob>' if value is OTHER_MEMBER else value}" for name, value in values.items()
    )
    return slash_name(path[0]), " ".join([*path[1:], options]).strip()


def answers_since(slack: FakeSlack, calls: int, responses: int) -> tuple[list[str], list[dict[str, Any]]]:
    """The texts the bot answered with since then (response URLs, posts, ephemerals) and the modals it opened."""
    said = [texts(r.body) for r in slack.responses[responses:]]
    modals = []
    for call in slack.calls[calls:]:
        if not call.ok:
            continue
        if call.method in {"chat.postMessage", "chat.postEphemeral"}:
            said.append(texts(call.args))
        elif call.method == "views.open":
            modals.append(call.args["view"])
    return said, modals


def test_every_top_level_name_is_a_slash_command_in_the_shipped_manifest() -> None:
    manifest = yaml.safe_load(SHIPPED_MANIFEST.read_text(encoding="utf-8"))
    shipped = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert {slash_name(name.split()[0]) for name in declared_commands()} == shipped


@pytest.mark.parametrize("path", declared_commands())
async def test_every_command_runs_and_answers_sensibly(path: str, staffed_bot: Bot, slack: FakeSlack) -> None:
    command = staffed_bot.app.find(path.split())
    assert command is not None
    slash, text = command_text(path.split(), simplest_values(command))
    calls, responses = len(slack.calls), len(slack.responses)
    await staffed_bot.command(slash, text, user_id=CALLERS[command.spec.level])

    said, modals = answers_since(slack, calls, responses)
    if modals:
        [modal] = modals
        assert modal["type"] == "modal" and modal["callback_id"] and modal["blocks"]
        return
    assert said, f"{slash} {text} answered nothing"
    joined = "\n".join(said)
    assert all(is_sensible(t) for t in said), f"{slash} {text} answered {joined!r}"


@pytest.mark.parametrize("path", sorted(FILE_COMMANDS))
async def test_file_answers_are_uploaded_with_files_upload_v2(path: str, staffed_bot: Bot, slack: FakeSlack) -> None:
    await staffed_bot.command("/profile", "set role:developer")
    words = path.split()
    options = " ".join(f"{k}:{v}" for k, v in FILE_COMMANDS[path].items())
    await staffed_bot.command(slash_name(words[0]), " ".join([*words[1:], options]).strip(), user_id="U0MOD")

    [upload] = slack.uploads
    stored = slack.workspace.files[upload.file_id]
    suffix = {"stats chart": ".png", "export": ".zip", "config export": ".toml", "match insights": ".png"}[path]
    assert stored.filename.endswith(suffix) and len(upload.content) > 0
    assert upload.content.startswith({".png": b"\x89PNG", ".zip": b"PK\x03\x04", ".toml": b""}[suffix])
    assert slack.calls_to("files.getUploadURLExternal") and slack.calls_to("files.completeUploadExternal")
    assert stored.channel_id, "the file was shared into a conversation"
    shared_in = slack.workspace.channels[stored.channel_id]
    assert "U0MOD" in shared_in.members, "only the moderator who asked can see the file"
