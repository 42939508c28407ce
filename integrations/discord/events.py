"""Discord gateway events in neutral form: joins, leaves, role triggers, messages, reactions, new guilds.

The builders are pure (discord.py object in, core event out, None when Kindred ignores it); `EventBridge`
emits them to the dispatcher. Message text is only passed on when the operator enabled the privileged
Message Content intent (`[discord] store_message_content`); otherwise features get author, channel, length
and thread-or-not, never the words.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from core.events import CommunityJoined, MemberJoined, MemberLeft, MessagePosted, ReactionAdded
from core.refs import ChannelRef, MemberRef
from integrations.discord.refs import PLATFORM, channel_ref, community_key, member_ref

if TYPE_CHECKING:
    from core.dispatcher import App

log = logging.getLogger(__name__)

_COUNTED_MESSAGE_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})


def member_joined(member: discord.Member) -> MemberJoined | None:
    if member.bot:
        return None
    return MemberJoined(
        key=community_key(member.guild),
        member=member_ref(member),
        trigger="join",
        event_id=f"join:{member.guild.id}:{member.id}:{member.joined_at.timestamp() if member.joined_at else 0}",
    )


def role_triggers(before: discord.Member, after: discord.Member) -> list[MemberJoined]:
    """A role given to a member is a welcome trigger `role:<id>` (for communities that verify first)."""
    if after.bot:
        return []
    added = [r for r in after.roles if r not in before.roles and not r.is_default()]
    return [
        MemberJoined(key=community_key(after.guild), member=member_ref(after), trigger=f"role:{role.id}")
        for role in added
    ]


def member_left(payload: discord.RawMemberRemoveEvent, guild: discord.Guild | None) -> MemberLeft | None:
    if payload.user.bot:
        return None
    return MemberLeft(key=community_key(guild or payload.guild_id), member=member_ref(payload.user))


def message_posted(message: discord.Message, *, with_text: bool) -> MessagePosted | None:
    """Human messages in guild channels and threads; never the bot's own, webhooks or system messages."""
    if message.guild is None or message.author.bot or message.webhook_id is not None:
        return None
    if message.type not in _COUNTED_MESSAGE_TYPES:
        return None
    channel = channel_ref(message.channel)
    if channel is None:
        return None
    return MessagePosted(
        key=community_key(message.guild),
        member=member_ref(message.author),
        channel=channel,
        length=len(message.content or ""),
        in_thread=isinstance(message.channel, discord.Thread),
        text=(message.content or "") if with_text else None,
        event_id=f"message:{message.id}",
    )


def reaction_added(payload: discord.RawReactionActionEvent, client: discord.Client) -> ReactionAdded | None:
    if payload.guild_id is None or payload.member is None or payload.member.bot:
        return None
    guild = client.get_guild(payload.guild_id)
    channel = channel_ref(client.get_channel(payload.channel_id)) or ChannelRef(PLATFORM, str(payload.channel_id))
    author: MemberRef | None = None
    if payload.message_author_id is not None:
        found = guild.get_member(payload.message_author_id) if guild else None
        author = member_ref(found) if found else MemberRef(PLATFORM, str(payload.message_author_id))
    return ReactionAdded(
        key=community_key(guild or payload.guild_id),
        member=member_ref(payload.member),
        channel=channel,
        emoji=str(payload.emoji),
        message_author=author,
        event_id=f"reaction:{payload.message_id}:{payload.user_id}:{payload.emoji}",
    )


class EventBridge:
    """discord.py listeners that hand neutral events to the App's background `events` lane (`App.post`): a
    burst of joins is recorded and greeted after the interactions under way are answered, never before."""

    def __init__(self, app: App, client: discord.Client, *, with_text: bool) -> None:
        self.app = app
        self.client = client
        self.with_text = with_text

    async def on_ready(self) -> None:
        log.info(
            "Discord connected as bot %s in %d guild(s)",
            self.client.user.id if self.client.user else "?",
            len(self.client.guilds),
        )
        for guild in self.client.guilds:
            await self.app.community(community_key(guild))

    async def on_guild_join(self, guild: discord.Guild) -> None:
        log.info("Discord: joined guild %s", guild.id)
        await self.app.post(CommunityJoined(key=community_key(guild), event_id=f"guild:{guild.id}"))

    async def on_member_join(self, member: discord.Member) -> None:
        event = member_joined(member)
        if event is not None:
            await self.app.post(event)

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        for event in role_triggers(before, after):
            await self.app.post(event)

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        event = member_left(payload, self.client.get_guild(payload.guild_id))
        if event is not None:
            await self.app.post(event)

    async def on_message(self, message: discord.Message) -> None:
        event = message_posted(message, with_text=self.with_text)
        if event is not None:
            await self.app.post(event)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        event = reaction_added(payload, self.client)
        if event is not None:
            await self.app.post(event)
