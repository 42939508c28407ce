"""Everything the fake Discord knows: the world, stored messages, registered commands, interactions, records.

Plain data and lookups, no HTTP or websocket code, so the REST routes, the gateway and the test-facing
API all read and change one consistent state. `changed` wakes anyone waiting for the bot to do something.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from .records import FailureRule, HoldRule, RecordedFile, RecordedRequest
from .world import ChannelType, FakeChannel, FakeGuild, FakeUser, snowflake

T = TypeVar("T")

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")

EPHEMERAL = 1 << 6
RECHECK_SECONDS = 0.02
LOADING = 1 << 7
NONCE_WINDOW = 300.0  # seconds Discord enforces a nonce ("the past few minutes"); tests may change it


@dataclass
class InteractionRecord:
    """One interaction the fake sent to the bot, and everything the bot answered to it."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    sent_at: float | None = None  # time.perf_counter() when the fake sent the INTERACTION_CREATE
    answered_at: float | None = None  # ... when the real answer came: not a deferral, the message or edit after it

    def note_answer(self, at: float) -> None:
        """The bot answered for real (a message, a modal, choices, an edit after a deferral); the first counts."""
        if self.answered_at is None:
            self.answered_at = at

    @property
    def acknowledged(self) -> bool:
        return bool(self.callbacks)

    @property
    def callback(self) -> dict[str, Any]:
        """The single callback body ({"type": ..., "data": ...}); fails loudly when there is none."""
        if not self.callbacks:
            raise AssertionError(f"interaction {self.id} was never answered")
        return self.callbacks[0]

    @property
    def user_id(self) -> int:
        user = self.payload.get("member", {}).get("user") or self.payload["user"]
        return int(user["id"])


class FakeState:
    """The fake's single source of truth."""

    def __init__(self, *, bot: FakeUser, guilds: list[FakeGuild], token: str, application_id: int | None) -> None:
        self.bot = bot
        self.token = token
        self.application_id = application_id if application_id is not None else bot.id
        self.guilds: dict[int, FakeGuild] = {g.id: g for g in guilds}
        self.extra_users: dict[int, FakeUser] = {bot.id: bot}
        self.dm_channels: dict[int, FakeChannel] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.interactions: dict[str, InteractionRecord] = {}
        self.requests: list[RecordedRequest] = []
        self.failures: list[FailureRule] = []
        self.reactions: list[dict[str, Any]] = []
        self.deleted_channels: list[FakeChannel] = []  # channels and threads the bot deleted, in order
        self.nonces: dict[tuple[int, str], tuple[int, float]] = {}  # (author, nonce) -> (message id, self.now())
        self.nonce_window = NONCE_WINDOW
        # The fake's own record of the nonce each message was created with: Discord shows it nowhere (only in
        # the answer to the create and in MESSAGE_CREATE), tests use it to tell deliveries apart.
        self.message_nonces: dict[int, str] = {}
        self.clock_offset = 0.0  # seconds Discord's clock runs ahead of this machine's (a test moving time on)
        self._last_ms = 0
        self.holds: list[HoldRule] = []
        self.changed = asyncio.Condition()

    # waiting -----------------------------------------------------------------------------------
    async def notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def wait_for(self, probe: Callable[[], T | None], timeout: float, what: str) -> T:
        """Wait until `probe()` returns something not None; bounded so a broken bot fails, not hangs."""

        async def _wait() -> T:
            async with self.changed:
                while True:
                    value = probe()
                    if value is not None:
                        return value
                    # Woken by the fake's own activity, and re-checked now and then for the bot's side.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.changed.wait(), RECHECK_SECONDS)

        try:
            return await asyncio.wait_for(_wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"fake Discord: timed out waiting for {what}") from None

    # users, guilds and channels ------------------------------------------------------------------
    def user(self, user_id: int) -> FakeUser | None:
        if user_id in self.extra_users:
            return self.extra_users[user_id]
        for guild in self.guilds.values():
            member = guild.member(user_id)
            if member is not None:
                return member.user
        return None

    def remember_user(self, user: FakeUser) -> None:
        self.extra_users.setdefault(user.id, user)

    def channel(self, channel_id: int) -> FakeChannel | None:
        if channel_id in self.dm_channels:
            return self.dm_channels[channel_id]
        for guild in self.guilds.values():
            channel = guild.channel(channel_id)
            if channel is not None:
                return channel
        return None

    def guild_of(self, channel: FakeChannel) -> FakeGuild | None:
        return self.guilds.get(channel.guild_id) if channel.guild_id is not None else None

    def open_dm(self, user: FakeUser) -> FakeChannel:
        for channel in self.dm_channels.values():
            if channel.recipient is not None and channel.recipient.id == user.id:
                return channel
        channel = FakeChannel(user.username, type=ChannelType.DM, recipient=user)
        self.dm_channels[channel.id] = channel
        return channel

    def dm_channel_of(self, user_id: int) -> FakeChannel | None:
        return next((c for c in self.dm_channels.values() if c.recipient and c.recipient.id == user_id), None)

    # messages ----------------------------------------------------------------------------------
    def now(self) -> float:
        """Discord's time (seconds since 1970): this machine's, moved on by `clock_offset`."""
        return time.time() + self.clock_offset

    def _message_ms(self) -> int:
        """When a message is made, in ms; never before the last one (ids keep their order)."""
        self._last_ms = max(self._last_ms, int(self.now() * 1000))
        return self._last_ms

    def create_message(
        self,
        channel: FakeChannel,
        author: FakeUser,
        body: dict[str, Any],
        files: list[RecordedFile],
        *,
        webhook_id: int | None = None,
        interaction: InteractionRecord | None = None,
        extra_flags: int = 0,
    ) -> dict[str, Any]:
        """Store a message the way Discord would render it back, mentions resolved per allowed_mentions. Its id
        carries the time it was made (Discord's clock, `now()`), as on Discord."""
        made = self._message_ms()
        message_id = snowflake(made)
        payload: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel.id),
            "author": author.payload(),
            "timestamp": datetime.fromtimestamp(made / 1000, UTC).isoformat(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "pinned": False,
            "type": 0 if interaction is None else (20 if interaction.type == 2 else 0),
            "attachments": [],
            "embeds": [],
            "components": [],
            "content": "",
            "flags": 0,
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
        }
        if channel.guild_id is not None:
            payload["guild_id"] = str(channel.guild_id)
        if webhook_id is not None:
            payload["webhook_id"] = str(webhook_id)
        if interaction is not None:
            payload["application_id"] = str(self.application_id)
            payload["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": self._interaction_user(interaction),
                "authorizing_integration_owners": {},
            }
        self.apply_edit(payload, body, files, channel)
        payload["flags"] = int(body.get("flags", 0) or 0) | extra_flags
        self.messages[message_id] = payload
        return payload

    def apply_edit(
        self,
        payload: dict[str, Any],
        body: dict[str, Any],
        files: list[RecordedFile],
        channel: FakeChannel | None,
    ) -> None:
        """Apply a create/edit body (content, embeds, components, attachments, flags) to a stored message."""
        if "content" in body:
            payload["content"] = body["content"] or ""
        for key in ("embeds", "components", "poll", "sticker_ids", "message_reference"):
            if key in body and body[key] is not None:
                payload[key] = body[key]
        if "flags" in body and body["flags"] is not None:
            payload["flags"] = int(body["flags"]) & ~LOADING
        elif payload.get("flags", 0) & LOADING:
            payload["flags"] &= ~LOADING
        if files or "attachments" in body:
            kept = [
                a
                for a in payload.get("attachments", [])
                if any(str(b.get("id")) == a["id"] for b in body.get("attachments", []) or [])
            ]
            for index, file in enumerate(files):
                kept.append(
                    {
                        "id": str(snowflake()),
                        "filename": file.filename,
                        "size": len(file.content),
                        "url": f"https://cdn.invalid/attachments/{index}/{file.filename}",
                        "proxy_url": f"https://cdn.invalid/attachments/{index}/{file.filename}",
                        "content_type": file.content_type,
                    }
                )
            payload["attachments"] = kept
        self._resolve_mentions(payload, body, channel)

    def _resolve_mentions(self, payload: dict[str, Any], body: dict[str, Any], channel: FakeChannel | None) -> None:
        content = payload.get("content", "")
        allowed = body.get("allowed_mentions")
        parse = set(allowed.get("parse", [])) if allowed is not None else {"users", "roles", "everyone"}
        allowed_users = {int(u) for u in (allowed or {}).get("users", [])}
        allowed_roles = {int(r) for r in (allowed or {}).get("roles", [])}
        users = []
        for raw in _USER_MENTION.findall(content):
            uid = int(raw)
            if "users" in parse or uid in allowed_users:
                user = self.user(uid)
                if user is not None and all(u["id"] != str(uid) for u in users):
                    users.append(user.payload())
        roles = [r for r in _ROLE_MENTION.findall(content) if "roles" in parse or int(r) in allowed_roles]
        payload["mentions"] = users
        payload["mention_roles"] = roles
        payload["mention_everyone"] = "everyone" in parse and ("@everyone" in content or "@here" in content)

    def messages_in(self, channel_id: int) -> list[dict[str, Any]]:
        return [m for m in self.messages.values() if int(m["channel_id"]) == channel_id]

    def find_message_with_component(self, custom_id: str) -> dict[str, Any] | None:
        for message in reversed(list(self.messages.values())):
            if find_component(message.get("components", []), custom_id) is not None:
                return message
        return None

    # interactions ------------------------------------------------------------------------------
    def new_interaction(self, type_: int, payload: dict[str, Any]) -> InteractionRecord:
        interaction_id = snowflake()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(24)
        payload.update(id=str(interaction_id), token=token, type=type_, application_id=str(self.application_id))
        record = InteractionRecord(id=interaction_id, token=token, type=type_, payload=payload)
        self.interactions[token] = record
        return record

    def _interaction_user(self, interaction: InteractionRecord) -> dict[str, Any]:
        return interaction.payload.get("member", {}).get("user") or interaction.payload["user"]

    def interaction_channel(self, interaction: InteractionRecord) -> FakeChannel:
        channel = self.channel(int(interaction.payload["channel_id"]))
        if channel is None:
            raise KeyError("interaction channel vanished")
        return channel

    # commands ----------------------------------------------------------------------------------
    def commands_for(self, guild_id: int | None) -> list[dict[str, Any]]:
        return self.guild_commands.get(guild_id, []) if guild_id is not None else self.global_commands

    def store_commands(self, guild_id: int | None, commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Bulk overwrite: keep ids of commands that kept their name, as Discord does."""
        previous = {c["name"]: c for c in self.commands_for(guild_id)}
        stored = []
        for command in commands:
            old = previous.get(command["name"])
            stored.append(self.render_command(command, guild_id, int(old["id"]) if old else None))
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[guild_id] = stored
        return stored

    def render_command(self, command: dict[str, Any], guild_id: int | None, command_id: int | None) -> dict[str, Any]:
        rendered = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            "contexts": None,
            "integration_types": [0],
            **command,
            "id": str(command_id or snowflake()),
            "application_id": str(self.application_id),
            "version": str(snowflake()),
        }
        if guild_id is not None:
            rendered["guild_id"] = str(guild_id)
        return rendered


def find_component(components: list[dict[str, Any]], custom_id: str) -> dict[str, Any] | None:
    """Depth-first search through rows, containers, sections and labels for a component by custom_id."""
    for component in components:
        if component.get("custom_id") == custom_id:
            return component
        children: list[dict[str, Any]] = list(component.get("components", []) or [])
        for key in ("component", "accessory"):
            if isinstance(component.get(key), dict):
                children.append(component[key])
        found = find_component(children, custom_id)
        if found is not None:
            return found
    return None
