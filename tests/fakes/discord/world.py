"""The fake Discord's world: users, guilds, roles, channels and members, rendered as v10 payloads.

Tests build a world with these small dataclasses (or take `default_world()`), hand it to the fake
server, and read it back after the bot acted. Keeping the model apart from the HTTP and gateway code
means every route and every dispatch renders the same object the same way.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Discord's epoch (2015-01-01) in ms; snowflakes carry a timestamp in their upper bits.
DISCORD_EPOCH_MS = 1_420_070_400_000
_FIXED_MS = 1_735_689_600_000  # 2025-01-01: fixed so ids are the same in every run
_counter = itertools.count(1)


def snowflake(at_ms: int | None = None) -> int:
    """A fresh, realistic-looking snowflake id made at `at_ms` (ms since 1970; messages, whose time a read-back
    compares), else at a fixed moment so that the ids of users, guilds and channels are the same in every run."""
    return (((_FIXED_MS if at_ms is None else at_ms) - DISCORD_EPOCH_MS) << 22) | (next(_counter) & 0x3FFFFF)


def now_iso() -> str:
    """ISO-8601 timestamp as Discord sends it (used only as data, never asserted on)."""
    return datetime.now(UTC).isoformat()


class Permissions:
    """The permission bits the fake and its tests care about (values from Discord's documentation)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38
    ALL = (1 << 51) - 1

    EVERYONE_DEFAULT = (
        VIEW_CHANNEL
        | SEND_MESSAGES
        | READ_MESSAGE_HISTORY
        | ADD_REACTIONS
        | EMBED_LINKS
        | ATTACH_FILES
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | CREATE_PRIVATE_THREADS
        | SEND_MESSAGES_IN_THREADS
    )
    BOT_DEFAULT = EVERYONE_DEFAULT | MANAGE_THREADS | MANAGE_MESSAGES


class ChannelType:
    """Channel type numbers of the v10 API."""

    GUILD_TEXT = 0
    DM = 1
    GUILD_CATEGORY = 4
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12


@dataclass
class FakeUser:
    """A Discord account. `dms_open=False` makes the fake answer 50007 when someone sends it a DM."""

    username: str
    id: int = field(default_factory=snowflake)
    global_name: str | None = None
    bot: bool = False
    dms_open: bool = True
    locale: str = "en-US"

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class FakeRole:
    """A guild role; the @everyone role's id equals the guild's id, as on Discord."""

    name: str
    id: int = field(default_factory=snowflake)
    permissions: int = 0
    position: int = 1
    managed: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }


@dataclass
class FakeChannel:
    """A text channel, category, thread or DM channel."""

    name: str
    id: int = field(default_factory=snowflake)
    type: int = ChannelType.GUILD_TEXT
    guild_id: int | None = None
    parent_id: int | None = None
    position: int = 0
    owner_id: int | None = None
    recipient: FakeUser | None = None
    invitable: bool = False
    member_ids: list[int] = field(default_factory=list)

    @property
    def is_thread(self) -> bool:
        return self.type in (ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD)

    def payload(self) -> dict[str, Any]:
        if self.type == ChannelType.DM:
            return {
                "id": str(self.id),
                "type": ChannelType.DM,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self.recipient.payload()] if self.recipient else [],
            }
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "guild_id": str(self.guild_id) if self.guild_id is not None else None,
            "parent_id": str(self.parent_id) if self.parent_id is not None else None,
            "flags": 0,
        }
        if self.is_thread:
            data.update(
                owner_id=str(self.owner_id) if self.owner_id is not None else None,
                member_count=len(self.member_ids),
                message_count=0,
                total_message_sent=0,
                rate_limit_per_user=0,
                last_message_id=None,
                thread_metadata={
                    "archived": False,
                    "auto_archive_duration": 10080,
                    "archive_timestamp": now_iso(),
                    "locked": False,
                    "invitable": self.invitable,
                    "create_timestamp": now_iso(),
                },
            )
        else:
            data.update(
                position=self.position,
                permission_overwrites=[],
                nsfw=False,
                topic=None,
                last_message_id=None,
                rate_limit_per_user=0,
            )
        return data


@dataclass
class FakeMember:
    """A user's membership in one guild."""

    user: FakeUser
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=now_iso)

    def payload(self) -> dict[str, Any]:
        return {
            "user": self.user.payload(),
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(r) for r in self.role_ids],
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }


@dataclass
class FakeGuild:
    """A guild with its roles, channels and members; `payload()` is a complete GUILD_CREATE body."""

    name: str
    owner: FakeUser
    id: int = field(default_factory=snowflake)
    roles: list[FakeRole] = field(default_factory=list)
    channels: list[FakeChannel] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)
    locale: str = "en-US"

    def __post_init__(self) -> None:
        if not any(r.id == self.id for r in self.roles):
            self.roles.insert(
                0, FakeRole("@everyone", id=self.id, permissions=Permissions.EVERYONE_DEFAULT, position=0)
            )
        for channel in self.channels:
            channel.guild_id = self.id
        if self.member(self.owner.id) is None:
            self.members.insert(0, FakeMember(self.owner))

    # lookups -----------------------------------------------------------------------------------
    def member(self, user_id: int) -> FakeMember | None:
        return next((m for m in self.members if m.user.id == user_id), None)

    def channel(self, channel_id: int) -> FakeChannel | None:
        return next((c for c in self.channels if c.id == channel_id), None)

    def channel_named(self, name: str) -> FakeChannel:
        found = next((c for c in self.channels if c.name == name), None)
        if found is None:
            raise KeyError(f"no channel named {name!r} in guild {self.name!r}")
        return found

    def role(self, role_id: int) -> FakeRole | None:
        return next((r for r in self.roles if r.id == role_id), None)

    def role_named(self, name: str) -> FakeRole:
        found = next((r for r in self.roles if r.name == name), None)
        if found is None:
            raise KeyError(f"no role named {name!r} in guild {self.name!r}")
        return found

    def permissions_of(self, user_id: int) -> int:
        """Guild-level permissions (no channel overwrites): what Discord sends as `member.permissions`."""
        if user_id == self.owner.id:
            return Permissions.ALL
        member = self.member(user_id)
        if member is None:
            return 0
        value = 0
        for role in self.roles:
            if role.id == self.id or role.id in member.role_ids:
                value |= role.permissions
        return Permissions.ALL if value & Permissions.ADMINISTRATOR else value

    # payloads ----------------------------------------------------------------------------------
    def member_payload(self, user_id: int) -> dict[str, Any]:
        member = self.member(user_id)
        if member is None:
            raise KeyError(f"user {user_id} is not a member of guild {self.name!r}")
        return member.payload()

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner.id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": self.locale,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": [r.payload() for r in self.roles],
            "joined_at": now_iso(),
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "voice_states": [],
            "members": [m.payload() for m in self.members],
            "channels": [c.payload() for c in self.channels if not c.is_thread],
            "threads": [c.payload() for c in self.channels if c.is_thread],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


@dataclass
class DefaultWorld:
    """A ready-made guild with an owner, a moderator, members and the usual channels."""

    bot: FakeUser
    guild: FakeGuild
    owner: FakeUser
    moderator: FakeUser
    members: list[FakeUser]


def default_world(*, member_count: int = 3, guild_name: str = "Kindred Test") -> DefaultWorld:
    """Build the standard test world: bot, one guild, roles Moderator/Kindred, channels general/intros."""
    bot = FakeUser("kindred", bot=True)
    owner = FakeUser("owner", global_name="Olga Owner")
    moderator = FakeUser("mod", global_name="Mo Derator")
    people = [FakeUser(f"member{i}", global_name=f"Member {i}") for i in range(1, member_count + 1)]
    mod_role = FakeRole("Moderator", permissions=Permissions.EVERYONE_DEFAULT | Permissions.MANAGE_GUILD, position=2)
    bot_role = FakeRole("Kindred", permissions=Permissions.BOT_DEFAULT, position=3, managed=True)
    category = FakeChannel("Community", type=ChannelType.GUILD_CATEGORY, position=0)
    guild = FakeGuild(
        guild_name,
        owner=owner,
        roles=[mod_role, bot_role],
        channels=[
            category,
            FakeChannel("general", parent_id=category.id, position=1),
            FakeChannel("intros", parent_id=category.id, position=2),
            FakeChannel("mod-log", parent_id=category.id, position=3),
        ],
        members=[
            FakeMember(owner),
            FakeMember(moderator, role_ids=[mod_role.id]),
            FakeMember(bot, role_ids=[bot_role.id]),
            *(FakeMember(p) for p in people),
        ],
    )
    return DefaultWorld(bot=bot, guild=guild, owner=owner, moderator=moderator, members=people)
