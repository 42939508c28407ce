"""The fake workspace's data: users, channels, user groups, messages, views and files.

Kept apart from the HTTP layer so the Web API handlers stay plain functions over this state, and tests
can seed or inspect a workspace without going through the wire.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeUser:
    """A workspace member as ``users.info`` describes it."""

    id: str
    name: str
    real_name: str = ""
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    deleted: bool = False
    tz: str = "Europe/Berlin"
    locale: str = "en-US"
    email: str | None = None

    def to_api(self, team_id: str, *, include_locale: bool = False) -> dict[str, Any]:
        """Render the user object the way the Web API does."""
        profile: dict[str, Any] = {
            "real_name": self.real_name or self.name,
            "display_name": self.name,
            "image_72": f"https://avatars.invalid/{self.id}.png",
        }
        if self.email is not None:
            profile["email"] = self.email
        data: dict[str, Any] = {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "real_name": self.real_name or self.name,
            "deleted": self.deleted,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "tz": self.tz,
            "profile": profile,
        }
        if include_locale:
            data["locale"] = self.locale
        return data


@dataclass
class FakeChannel:
    """A conversation: public/private channel (C), direct message (D) or group DM (G)."""

    id: str
    name: str
    members: list[str] = field(default_factory=list)
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False

    def to_api(self, bot_user_id: str) -> dict[str, Any]:
        """Render the conversation object the way ``conversations.info`` does."""
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "is_channel": not (self.is_im or self.is_mpim) and not self.is_private,
            "is_group": self.is_private and not self.is_mpim,
            "is_im": self.is_im,
            "is_mpim": self.is_mpim,
            "is_private": self.is_private or self.is_im or self.is_mpim,
            "is_member": bot_user_id in self.members,
            "is_archived": False,
            "num_members": len(self.members),
        }
        if self.is_im:
            others = [m for m in self.members if m != bot_user_id]
            data["user"] = others[0] if others else bot_user_id
        return data


@dataclass
class FakeMessage:
    """A message the bot posted (or updated) with ``chat.postMessage`` / ``chat.update``."""

    channel: str
    ts: str
    text: str | None
    blocks: list[dict[str, Any]] | None
    thread_ts: str | None = None
    user: str | None = None
    ephemeral_to: str | None = None
    edits: int = 0
    metadata: dict[str, Any] | None = None


@dataclass
class FakeView:
    """A modal opened with ``views.open`` or a Home tab published with ``views.publish``."""

    id: str
    view: dict[str, Any]
    user_id: str | None = None
    trigger_id: str | None = None
    hash: str = ""
    closed: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    """What the modal shows under its inputs after the app acked a submit with ``response_action: errors``."""

    def input_blocks(self) -> list[str]:
        return [str(b.get("block_id")) for b in self.view.get("blocks") or [] if b.get("type") == "input"]

    def settle(self, ack: dict[str, Any] | None) -> None:
        """What Slack does with the app's ack of a submit: a plain ack closes the modal; ``errors`` keeps it open
        and shows each message under its input, and must name input blocks of this view and nothing else
        (Slack refuses the ack otherwise; the person sees a generic failure and the modal stays as it was)."""
        action = (ack or {}).get("response_action")
        if action is None:
            self.closed, self.errors = True, {}
            return
        if action != "errors":
            raise AssertionError(f"the fake does not model response_action {action!r}")
        errors = ack["errors"] if ack else {}
        unknown = set(errors) - set(self.input_blocks())
        if not isinstance(errors, dict) or not errors or unknown:
            raise AssertionError(f"Slack would refuse these modal errors: {errors!r} (unknown blocks {unknown})")
        if not all(isinstance(text, str) and text for text in errors.values()):
            raise AssertionError(f"each modal error must be a non-empty text: {errors!r}")
        self.errors = dict(errors)


@dataclass
class FakeFile:
    """A file announced with ``files.getUploadURLExternal`` and possibly uploaded and shared."""

    id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str | None = None
    channel_id: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None


BOT_SCOPES = frozenset({
    "channels:history", "channels:read", "chat:write", "commands", "files:write", "groups:history", "groups:read",
    "im:history", "im:write", "mpim:history", "mpim:write", "reactions:read",
    "usergroups:read", "users:read",
})
"""What the fake's bot token is granted unless a test takes some away (``workspace.scopes``)."""


@dataclass
class Workspace:
    """Everything one fake Slack workspace holds; Web API handlers read and change it."""

    team_id: str = "T0KINDRED"
    team_name: str = "Kindred Test"
    bot_user_id: str = "U0KBOT"
    bot_id: str = "B0KBOT"
    app_id: str = "A0KINDRED"
    users: dict[str, FakeUser] = field(default_factory=dict)
    channels: dict[str, FakeChannel] = field(default_factory=dict)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    usergroup_handles: dict[str, str] = field(default_factory=dict)
    messages: list[FakeMessage] = field(default_factory=list)
    ephemerals: list[FakeMessage] = field(default_factory=list)
    views: dict[str, FakeView] = field(default_factory=dict)
    home_tabs: dict[str, FakeView] = field(default_factory=dict)
    files: dict[str, FakeFile] = field(default_factory=dict)
    scopes: set[str] = field(default_factory=lambda: set(BOT_SCOPES))
    tokens: set[str] = field(default_factory=set)
    """Bot tokens issued to this workspace through OAuth (the primary workspace also takes the fixed bot token)."""
    installed: bool = False
    """Whether the app is installed here through OAuth (set by oauth.v2.access, cleared by an uninstall)."""
    installer_id: str = "U0ALICE"
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    def __post_init__(self) -> None:
        if self.bot_user_id not in self.users:
            self.users[self.bot_user_id] = FakeUser(id=self.bot_user_id, name="kindred", is_bot=True)

    def next_number(self) -> int:
        """A workspace-wide increasing number, used for ids and message timestamps."""
        return next(self._counter)

    def next_ts(self) -> str:
        """A message timestamp: unique and increasing, independent of the wall clock."""
        return f"1700000000.{self.next_number():06d}"

    def add_user(self, user_id: str, name: str | None = None, **fields: Any) -> FakeUser:
        """Register a member so ``users.info`` and ``conversations.open`` know them."""
        user = FakeUser(id=user_id, name=name or user_id.lower(), **fields)
        self.users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        name: str,
        members: list[str] | None = None,
        *,
        bot_is_member: bool = True,
        is_private: bool = False,
    ) -> FakeChannel:
        """Register a channel; the bot is a member unless told otherwise (for not_in_channel tests)."""
        member_list = list(members or [])
        if bot_is_member and self.bot_user_id not in member_list:
            member_list.append(self.bot_user_id)
        channel = FakeChannel(id=channel_id, name=name, members=member_list, is_private=is_private)
        self.channels[channel_id] = channel
        return channel

    def add_usergroup(self, group_id: str, users: list[str], handle: str | None = None) -> None:
        """Register a user group (e.g. the moderators group, ``@mods``) and its members."""
        self.usergroups[group_id] = list(users)
        self.usergroup_handles[group_id] = handle or group_id.lower()

    def open_conversation(self, users: list[str]) -> FakeChannel:
        """Find or create the DM (one user) or group DM (several) with these users, like Slack does."""
        people = sorted(set(users) - {self.bot_user_id})
        digest = hashlib.sha1(",".join(people).encode()).hexdigest()[:8].upper()
        prefix = "D" if len(people) == 1 else "G"
        channel_id = f"{prefix}0{digest}"
        existing = self.channels.get(channel_id)
        if existing is not None:
            return existing
        channel = FakeChannel(
            id=channel_id,
            name=f"mpdm-{'--'.join(people)}" if prefix == "G" else channel_id,
            members=[*people, self.bot_user_id],
            is_private=True,
            is_im=prefix == "D",
            is_mpim=prefix == "G",
        )
        self.channels[channel_id] = channel
        return channel

    def dm_channel_of(self, user_id: str) -> FakeChannel:
        """The bot's DM with a user (what posting to a user id resolves to)."""
        return self.open_conversation([user_id])

    def messages_in(self, channel_id: str) -> list[FakeMessage]:
        """Messages currently visible in a channel (after edits), oldest first."""
        return [m for m in self.messages if m.channel == channel_id]
