"""Kindred's outbound side on Discord: channel messages, DMs, intros in private threads, moderator checks.

Used by handlers through the Context and by scheduled jobs through `app.messenger("discord")`. Every Discord
failure becomes a `DeliveryFailed` (a `DMClosed` for code 50007) with a plain-words message; an intro that
cannot get a private thread falls back to one DM each, and only fails when nobody could be reached.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import discord

from core.context import Capability
from core.errors import DeliveryFailed
from core.messages import Message
from core.refs import ChannelRef, CommunityRef, ConversationRef, MemberRef, MessageRef, RoleRef
from integrations.discord.errors import DiscordDeliveryFailed, DiscordDMClosed, delivery_error
from integrations.discord.refs import PLATFORM, role_labels, snowflake
from integrations.discord.render import clip, render_message

if TYPE_CHECKING:
    from core.dispatcher import App

log = logging.getLogger(__name__)

RECENT_MEMBERS = 10_000  # people who used an interaction lately, kept for moderator checks
RECENT_SECONDS = 60.0  # how long such an entry stands in for a lookup (every interaction refreshes it)
THREAD_NAME_LIMIT = 100
INTRO_ARCHIVE_MINUTES = 10080  # a week: intros are slow conversations


class DiscordMessenger:
    """Implements core.context.Messenger with discord.py."""

    platform = PLATFORM
    capabilities = frozenset(
        {Capability.THREADS, Capability.FORMS, Capability.BUTTONS, Capability.FILES, Capability.EPHEMERAL}
    )

    def __init__(self, app: App, client: discord.Client) -> None:
        self.app = app
        self.client = client
        self._recent: OrderedDict[tuple[int, int], tuple[float, discord.Member]] = OrderedDict()

    def saw(self, member: discord.Member) -> None:
        """Keep the member an interaction arrived with (its roles and permissions as of now): a moderator check
        for a person outside discord.py's member cache then needs no REST call per command."""
        key = (member.guild.id, member.id)
        self._recent.pop(key, None)
        self._recent[key] = (time.monotonic() + RECENT_SECONDS, member)
        while len(self._recent) > RECENT_MEMBERS:
            self._recent.popitem(last=False)

    # ------------------------------------------------------------------ lookups
    async def _channel(self, channel_id: str, community: CommunityRef | None = None) -> Any:
        cid = snowflake(channel_id)
        if cid is None and community is not None:
            # Settings may name a channel ("#general") instead of giving its id.
            guild = self._guild(community)
            found = discord.utils.get(guild.text_channels, name=channel_id.strip().lstrip("#")) if guild else None
            cid = found.id if found is not None else None
        if cid is None:
            raise DiscordDeliveryFailed("unknown_channel")
        channel = self.client.get_channel(cid)
        if channel is not None:
            return channel
        try:
            return await self.client.fetch_channel(cid)
        except (discord.HTTPException, discord.InvalidData) as error:
            raise delivery_error("fetch channel", error) from None

    async def _user(self, user_id: str) -> discord.User:
        uid = snowflake(user_id)
        if uid is None:
            raise DiscordDeliveryFailed("unknown_user")
        user = self.client.get_user(uid)
        if user is not None:
            return user
        try:
            return await self.client.fetch_user(uid)
        except discord.HTTPException as error:
            raise delivery_error("fetch user", error) from None

    def _guild(self, community: CommunityRef) -> discord.Guild | None:
        gid = snowflake(community.external_id)
        return self.client.get_guild(gid) if gid is not None else None

    async def _member(self, community: CommunityRef, user_id: str) -> discord.Member | None:
        guild = self._guild(community)
        uid = snowflake(user_id)
        if guild is None or uid is None:
            return None
        member = guild.get_member(uid)
        if member is not None:
            return member
        recent = self._recent.get((guild.id, uid))
        if recent is not None and recent[0] > time.monotonic():
            return recent[1]
        try:
            return await guild.fetch_member(uid)
        except discord.HTTPException:
            return None

    # ------------------------------------------------------------------ Messenger
    async def send(self, community: CommunityRef, channel: ChannelRef, message: Message) -> MessageRef:
        target = await self._channel(channel.channel_id, community)
        if not isinstance(target, discord.abc.Messageable):
            raise DiscordDeliveryFailed("unknown_channel")
        scope = snowflake(community.external_id) if isinstance(target, discord.DMChannel) else None
        try:
            sent = await target.send(**render_message(message, guild_id=scope).send_kwargs())
        except (discord.HTTPException, discord.RateLimited) as error:
            raise delivery_error("send message", error, dm=isinstance(target, discord.DMChannel)) from None
        return MessageRef(PLATFORM, str(sent.channel.id), str(sent.id))

    async def dm(self, community: CommunityRef, member: MemberRef, message: Message) -> MessageRef:
        user = await self._user(member.user_id)
        if user.bot:
            raise DiscordDMClosed()
        rendered = render_message(message, guild_id=snowflake(community.external_id))
        try:
            sent = await user.send(**rendered.send_kwargs())
        except (discord.HTTPException, discord.RateLimited) as error:
            raise delivery_error("send DM", error, dm=True) from None
        return MessageRef(PLATFORM, str(sent.channel.id), str(sent.id))

    async def introduce(
        self,
        community: CommunityRef,
        members: list[MemberRef],
        message: Message,
        *,
        channel: ChannelRef | None = None,
    ) -> ConversationRef:
        """A private thread in the intro channel with the members added; else one DM each.

        Only the introduced people may be pinged, whatever the message text says.
        """
        bot_id = str(self.client.user.id) if self.client.user else ""
        people = list(dict.fromkeys(m.user_id for m in members if m.user_id != bot_id and snowflake(m.user_id)))
        if not people:
            raise DiscordDeliveryFailed("intro_failed")
        intro = Message(
            text=message.text,
            title=message.title,
            fields=message.fields,
            buttons=message.buttons,
            selects=message.selects,
            files=message.files,
            mentions=tuple(people),
        )
        target = channel or await self._intro_channel(community)
        if target is not None:
            try:
                return await self._thread_intro(community, target, people, members, intro)
            except DiscordDeliveryFailed as error:
                log.warning("intro thread in community %s failed (%s); sending one DM each", community.id, error.reason)
        return await self._dm_intro(community, members, people, intro, had_channel=target is not None)

    async def _intro_channel(self, community: CommunityRef) -> ChannelRef | None:
        configured = (await self.app.services.config.get(community.id)).community.intro_channel.strip()
        return ChannelRef(PLATFORM, configured) if configured else None

    async def _thread_intro(
        self,
        community: CommunityRef,
        where: ChannelRef,
        people: list[str],
        members: list[MemberRef],
        message: Message,
    ) -> ConversationRef:
        parent = await self._channel(where.channel_id, community)
        if not isinstance(parent, discord.TextChannel):
            raise DiscordDeliveryFailed("unknown_channel")
        names = [m.display_name or m.username or m.user_id for m in members if m.user_id in people]
        name = clip(" & ".join(names) or message.title or "Intro", THREAD_NAME_LIMIT)
        try:
            thread = await parent.create_thread(
                name=name,
                type=discord.ChannelType.private_thread,
                invitable=False,
                auto_archive_duration=INTRO_ARCHIVE_MINUTES,
            )
        except (discord.HTTPException, discord.RateLimited) as error:
            raise delivery_error("create intro thread", error) from None
        added: list[str] = []
        for user_id in people:
            try:
                await thread.add_user(discord.Object(int(user_id)))
            except (discord.HTTPException, discord.RateLimited) as error:
                delivery_error("add thread member", error)
            else:
                added.append(user_id)
        if not added:
            # Nobody can read the thread: post nothing there, introduce everyone by DM instead.
            raise DiscordDeliveryFailed("missing_access")
        try:
            await thread.send(**render_message(with_mentions(message, people)).send_kwargs())
        except (discord.HTTPException, discord.RateLimited) as error:
            raise delivery_error("send intro", error) from None
        reached = [str(thread.id)]
        # Whoever could not be added (no access to the intro channel, say) gets the intro by DM instead.
        left_out = [m for m in members if m.user_id in people and m.user_id not in added]
        for member in {m.user_id: m for m in left_out}.values():
            try:
                reached.append((await self.dm(community, member, message)).channel_id)
                added.append(member.user_id)
            except DeliveryFailed as error:
                log.info("intro DM to a member of community %s failed: %s", community.id, error.reason)
        _log_reach(community, len(added), len(people))
        return ConversationRef(PLATFORM, tuple(reached), "thread")

    async def _dm_intro(
        self,
        community: CommunityRef,
        members: list[MemberRef],
        people: list[str],
        message: Message,
        *,
        had_channel: bool,
    ) -> ConversationRef:
        reached: list[str] = []
        tried: set[str] = set()
        for member in members:
            if member.user_id not in people or member.user_id in tried:
                continue
            tried.add(member.user_id)
            try:
                ref = await self.dm(community, member, message)
            except DiscordDMClosed:
                log.info("intro DM to a member of community %s: DMs closed", community.id)
                continue
            except DiscordDeliveryFailed as error:
                log.info("intro DM to a member of community %s failed: %s", community.id, error.reason)
                continue
            reached.append(ref.channel_id)
        if not reached:
            raise DiscordDeliveryFailed("intro_failed" if had_channel else "no_intro_channel")
        _log_reach(community, len(reached), len(tried))
        return ConversationRef(PLATFORM, tuple(reached), "dms")

    async def is_admin(self, community: CommunityRef, member: MemberRef) -> bool:
        found = await self._member(community, member.user_id)
        if found is None:
            return False
        permissions = found.guild_permissions
        return permissions.administrator or permissions.manage_guild

    async def groups_of(self, community: CommunityRef, member: MemberRef) -> set[str]:
        found = await self._member(community, member.user_id)
        return set(role_labels(found.roles)) if found is not None else set(member.roles)

    async def roles(self, community: CommunityRef) -> list[RoleRef]:
        """The guild's roles, from the gateway's cache (GET /guilds/{id}/roles when the guild is not cached)."""
        guild = self._guild(community)
        try:
            found = list(guild.roles) if guild is not None else await self._fetch_roles(community)
        except discord.HTTPException as error:
            raise delivery_error("list roles", error) from None
        return [RoleRef(str(r.id), r.name) for r in found if not r.is_default()]

    async def _fetch_roles(self, community: CommunityRef) -> list[discord.Role]:
        gid = snowflake(community.external_id)
        if gid is None:
            return []
        guild = await self.client.fetch_guild(gid)
        return list(await guild.fetch_roles())


def _log_reach(community: CommunityRef, reached: int, wanted: int) -> None:
    """An intro that reached only some of its people is worth a warning: nobody is dropped silently."""
    if reached < wanted:
        log.warning("intro in community %s reached %d of %d people (the others accept neither thread invitations "
                    "nor direct messages from the bot)", community.id, reached, wanted)


def with_mentions(message: Message, user_ids: list[str]) -> Message:
    """The message with a ping for each introduced person its text does not mention yet (they get notified)."""
    missing = [u for u in user_ids if f"<@{u}>" not in message.text and f"<@!{u}>" not in message.text]
    if not missing:
        return message
    line = " ".join(f"<@{u}>" for u in missing)
    return replace(message, text=f"{line}\n{message.text}" if message.text else line)
