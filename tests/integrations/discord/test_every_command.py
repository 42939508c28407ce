"""Every command of the neutral tree registers on Discord and runs there: the real bot on the fake Discord.

Each command is invoked in its simplest form (required options only) by the least privileged person allowed to
run it, and must answer something sensible: a message, a modal or a file, never the generic apology, never a
permission refusal and never silence. File answers must arrive as real attachments.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.affordances import shown_path
from core.commands import Command
from core.dispatcher import App
from core.options import OptionType
from core.permissions import Level
from core.settings import Settings
from tests.fakes.commands import (
    FILE_COMMANDS,
    OTHER_MEMBER,
    declared_commands,
    is_sensible,
    simplest_values,
)
from tests.fakes.discord import DefaultWorld, FakeDiscord, FakeUser, InteractionRecord
from tests.integrations.discord.harness import KindredOnDiscord, kindred_on_discord

LOADING = 1 << 7
MODAL = 9
ANSWER_TIMEOUT = 20.0  # charts and zip files take a moment on a busy machine


def message_text(message: dict[str, Any]) -> str:
    """Everything visible in a Discord message: content, embeds, attachment names, component labels."""
    parts = [str(message.get("content") or "")]
    for embed in message.get("embeds") or []:
        parts += [str(embed.get("title", "")), str(embed.get("description", ""))]
        parts += [f"{f.get('name', '')}: {f.get('value', '')}" for f in embed.get("fields") or []]
    parts += [str(a.get("filename", "")) for a in message.get("attachments") or []]
    for row in message.get("components") or []:
        parts += [str(c.get("label") or c.get("placeholder") or "") for c in row.get("components") or []]
    return "\n".join(p for p in parts if p)


async def answer_of(fake: FakeDiscord, record: InteractionRecord) -> tuple[str, list[dict[str, Any]]]:
    """("modal", [modal data]) or ("messages", the visible answers: the original response and follow-ups)."""

    def probe() -> tuple[str, list[dict[str, Any]]] | None:
        if record.callbacks and int(record.callbacks[0].get("type", 0)) == MODAL:
            return "modal", [record.callbacks[0]["data"]]
        shown: list[dict[str, Any]] = []
        if record.original_message_id is not None:
            original = fake.state.messages.get(record.original_message_id)
            if original is not None and not original.get("flags", 0) & LOADING:
                shown.append(original)
        shown += fake.followups(record)
        return ("messages", shown) if shown else None

    return await fake.state.wait_for(probe, ANSWER_TIMEOUT, f"an answer to interaction {record.id}")


def discord_options(command: Command, values: dict[str, Any], world: DefaultWorld) -> dict[str, Any]:
    """Typed option values as a Discord client sends them: another member is a Discord user, a channel or a role
    is picked (the intro channel, the moderators' role)."""
    kinds = {o.name: o.type for o in command.spec.options}
    picked: dict[OptionType, Any] = {OptionType.CHANNEL: world.guild.channel_named("intros"),
                                     OptionType.ROLE: world.guild.role_named("Moderator")}
    return {name: world.members[1] if value is OTHER_MEMBER else picked.get(kinds[name], value)
            for name, value in values.items()}


@pytest.fixture
def owned_settings(settings: Settings, world: DefaultWorld) -> Settings:
    """The guild's owner is also the bot owner, so `/config system` has someone who may run it."""
    return settings.model_copy(update={"owners": [f"discord:{world.owner.id}"]})


@pytest.fixture
async def owned_bot(owned_settings: Settings, fake: FakeDiscord) -> AsyncIterator[KindredOnDiscord]:
    async with kindred_on_discord(owned_settings, fake) as running:
        yield running


def caller(world: DefaultWorld, level: Level) -> FakeUser:
    return {Level.MEMBER: world.members[0], Level.MODERATOR: world.moderator, Level.OWNER: world.owner}[level]


def test_the_parametrisation_covers_the_whole_tree(app: App) -> None:
    assert declared_commands() == sorted(c.name for c in app.tree.all())


@pytest.mark.parametrize("path", declared_commands())
async def test_every_command_registers_and_answers_sensibly(
    path: str, owned_bot: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    command = owned_bot.app.find(path.split())
    assert command is not None
    registered = {c["name"]: c for c in fake.registered_commands(world.guild)}
    shown = shown_path(owned_bot.app.tree, command, split=True)  # a moderator part is `match-admin preview`
    top = registered[shown[0]]
    assert top["default_member_permissions"] == (str(1 << 5) if command.spec.level >= Level.MODERATOR else None)
    if len(command.spec.path) == 2:
        sub = next(o for o in top["options"] if o["name"] == command.spec.path[1])
        assert sub["type"] == 1
        declared = sub.get("options", [])
    else:
        declared = top.get("options", [])
    assert [o["name"] for o in declared] == [o.name for o in command.spec.options]

    options = discord_options(command, simplest_values(command), world)
    record = await fake.slash(" ".join(shown), user=caller(world, command.spec.level), options=options)
    kind, answers = await answer_of(fake, record)
    if kind == "modal":
        [modal] = answers
        assert modal["custom_id"] and modal["title"] and modal["components"]
        return
    text = "\n".join(message_text(m) for m in answers)
    assert is_sensible(text), f"/{path} answered {text!r}"


async def _file_answer(fake: FakeDiscord, record: InteractionRecord, user: FakeUser) -> list[dict[str, Any]]:
    """Attachments of the answer, or of the DM the command sent instead (exports go by DM)."""
    kind, answers = await answer_of(fake, record)
    assert kind == "messages"
    attached = [a for m in answers for a in m.get("attachments") or []]
    if attached:
        return attached
    dm = await fake.wait_for_message(user, lambda m: bool(m.get("attachments")), timeout=ANSWER_TIMEOUT)
    return list(dm["attachments"])


@pytest.mark.parametrize("path", sorted(FILE_COMMANDS))
async def test_file_answers_arrive_as_attachments(
    path: str, owned_bot: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    await fake.wait_for_reply(await fake.slash("profile set", user=world.members[0], options={"role": "developer"}))
    command = owned_bot.app.find(path.split())
    assert command is not None
    shown = " ".join(shown_path(owned_bot.app.tree, command, split=True))
    record = await fake.slash(shown, user=world.moderator, options=FILE_COMMANDS[path])
    [attachment] = await _file_answer(fake, record, world.moderator)
    uploads = [f for r in fake.requests() if r.files for f in r.files]
    sent = next(f for f in uploads if f.filename == attachment["filename"])
    assert attachment["size"] == len(sent.content) > 0
    suffix = {"stats chart": ".png", "export": ".zip", "config export": ".toml", "match insights": ".png"}[path]
    assert attachment["filename"].endswith(suffix)
    magic = {".png": b"\x89PNG", ".zip": b"PK\x03\x04", ".toml": b""}[suffix]
    assert sent.content.startswith(magic)
    assert re.fullmatch(r"[\w.-]+", attachment["filename"])
