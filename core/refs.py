"""Small immutable references to things on a chat platform, as features see them.

Features never hold a platform object; they hold these references, which every integration can turn back into its
own objects. Database ids are carried along so that features can join their tables without another lookup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Platform(StrEnum):
    """Where a community lives."""

    DISCORD = "discord"
    SLACK = "slack"
    CONSOLE = "console"


@dataclass(frozen=True, slots=True)
class CommunityKey:
    """How an integration names a community before the store has given it an id."""

    platform: str
    external_id: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class CommunityRef:
    """A community (guild, workspace, console session) known to the store."""

    id: int
    platform: str
    external_id: str
    name: str = ""

    @property
    def key(self) -> CommunityKey:
        """The platform's name for this community (what an event built by a feature carries)."""
        return CommunityKey(self.platform, self.external_id, self.name)


@dataclass(frozen=True, slots=True)
class MemberRef:
    """An account in a community.

    `id` is the store's member id (0 until the dispatcher has resolved it); `user_id` is the platform's id.
    """

    platform: str
    user_id: str
    display_name: str = ""
    id: int = 0
    username: str = ""
    is_bot: bool = False
    roles: tuple[str, ...] = field(default=(), compare=False)

    @property
    def mention(self) -> str:
        """A platform-neutral mention token; each integration renders `<@member:ID>` its own way."""
        return f"<@{self.user_id}>"


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A place messages go to: a text channel, a thread, a DM."""

    platform: str
    channel_id: str
    name: str = ""
    is_dm: bool = False
    is_thread: bool = False


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message the bot sent, so that it can be edited or referred to later."""

    platform: str
    channel_id: str
    message_id: str


@dataclass(frozen=True, slots=True)
class ConversationRef:
    """The place an intro was made: a private thread, a group DM or (fallback) several DMs."""

    platform: str
    channel_ids: tuple[str, ...]
    kind: str = "thread"


@dataclass(frozen=True, slots=True)
class RoleRef:
    """A role (Discord) or user group (Slack) of a community: what `role:<id>` triggers and moderator roles
    name. `name` is what people call it (the role's name, the group's handle)."""

    role_id: str
    name: str
