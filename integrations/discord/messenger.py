"""Kindred's outbound side on Discord: channel messages, DMs, intros in private threads, moderator checks.

Used by handlers through the Context and by scheduled jobs through `app.messenger("discord")`. Every Discord
failure becomes a `DeliveryFailed` (a `DMClosed` for code 50007) with a plain-words message; an intro that
cannot get a private thread falls back to one DM each, and only fails when nobody could be reached.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord

from core.aio import bounded
from core.context import Capability
from core.delivery import IntroJournal, Journal, Placement, post_once
from core.errors import DeliveryFailed, DeliveryUnverified
from core.messages import Message
from core.refs import ChannelRef, CommunityRef, ConversationRef, MemberRef, MessageRef, RoleRef
from integrations.discord.errors import DiscordDeliveryFailed, DiscordDMClosed, delivery_error
from integrations.discord.refs import PLATFORM, role_labels, snowflake
from integrations.discord.render import clip, render_message
from integrations.discord.trace import delivery_nonce, message_fingerprint, rendered_fingerprint

if TYPE_CHECKING:
    from core.dispatcher import App

log = logging.getLogger(__name__)

RECENT_MEMBERS = 10_000  # people who used an interaction lately, kept for moderator checks
RECENT_SECONDS = 60.0  # how long such an entry stands in for a lookup (every interaction refreshes it)
THREAD_NAME_LIMIT = 100
INTRO_ARCHIVE_MINUTES = 10080  # a week: intros are slow conversations
HISTORY_LIMIT = 1000  # messages read back when looking for an interrupted delivery (ten requests)
READY_WAIT = 60.0  # seconds a read-back waits for the gateway's guild cache (permissions)
CLOCK_SKEW = timedelta(minutes=2)
"""How far the bot's clock may run ahead of Discord's: a read-back looks at the bot's messages from this long
before the delivery's `since` (an identical message posted earlier than that is not taken for it)."""


class DiscordMessenger:
    """Implements core.context.Messenger with discord.py."""

    platform = PLATFORM
    capabilities = frozenset(
        {Capability.THREADS, Capability.FORMS, Capability.BUTTONS, Capability.FILES, Capability.EPHEMERAL,
         Capability.MODERATOR_COMMANDS}
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
        return await self._post(target, message, community)

    async def dm(self, community: CommunityRef, member: MemberRef, message: Message) -> MessageRef:
        return await self._post(await self._dm_channel(member), message, community)

    async def _dm_channel(self, member: MemberRef) -> discord.DMChannel:
        """The bot's DM channel with a member (opened once; Discord gives the same channel every time)."""
        user = await self._user(member.user_id)
        if user.bot:
            raise DiscordDMClosed()
        if user.dm_channel is not None:
            return user.dm_channel
        try:
            return await user.create_dm()
        except (discord.HTTPException, discord.RateLimited) as error:
            raise delivery_error("open DM", error, dm=True) from None

    async def _post(self, target: Any, message: Message, community: CommunityRef) -> MessageRef:
        """Send into a channel, thread or DM (components in a DM carry the guild, see render.scoped_id)."""
        is_dm = isinstance(target, discord.DMChannel)
        scope = snowflake(community.external_id) if is_dm else None
        rendered = render_message(message, guild_id=scope)
        if message.ref:
            rendered.nonce = delivery_nonce(message.ref, target.id)  # a resend within minutes is not posted
        try:
            sent = await target.send(**rendered.send_kwargs())
        except (discord.HTTPException, discord.RateLimited) as error:
            raise delivery_error("send DM" if is_dm else "send message", error, dm=is_dm) from None
        return MessageRef(PLATFORM, str(sent.channel.id), str(sent.id))

    async def edit(self, community: CommunityRef, ref: MessageRef, message: Message) -> None:
        """PATCH the bot's message with content, embeds and components rendered as `send` renders them (files
        stay as they are); a partial messageable needs no channel fetch."""
        channel_id, message_id = snowflake(ref.channel_id), snowflake(ref.message_id)
        if channel_id is None:
            raise DiscordDeliveryFailed("unknown_channel")
        if message_id is None:
            raise DiscordDeliveryFailed("unknown_message")
        is_dm = isinstance(self.client.get_channel(channel_id), discord.DMChannel)
        rendered = render_message(message, guild_id=snowflake(community.external_id) if is_dm else None)
        kwargs = rendered.edit_kwargs()
        kwargs.pop("attachments", None)
        target = self.client.get_partial_messageable(channel_id).get_partial_message(message_id)
        try:
            await target.edit(**kwargs)
        except (discord.HTTPException, discord.RateLimited) as error:
            raise delivery_error("edit message", error, dm=is_dm) from None

    def fingerprint(self, message: Message) -> str:
        """What `message` shows, digested (trace.py): how it is recognised, Discord keeping no marker."""
        return rendered_fingerprint(render_message(message))

    async def find_delivered(self, community: CommunityRef, place: MemberRef | ChannelRef, marker: str, *,
                             fingerprints: Sequence[str] = (), since: datetime | None = None) -> MessageRef | None:
        if not fingerprints:
            return None  # no attempt sent anything by which it could be recognised: nothing went out
        try:
            target = (await self._dm_channel(place) if isinstance(place, MemberRef)
                      else await self._channel(place.channel_id, community))
        except DeliveryFailed as error:
            raise DeliveryUnverified(error.reason) from None
        return await self._find_in(target, fingerprints, since)

    async def _find_in(self, channel: Any, fingerprints: Sequence[str], since: datetime | None) -> MessageRef | None:
        """The bot's message with one of these fingerprints posted since `since` (less the clock skew), among the
        first `HISTORY_LIMIT` messages from then on (the newest, without `since`)."""
        if not fingerprints:
            return None
        with contextlib.suppress(TimeoutError):  # permissions are only known once the guilds are cached
            await bounded(self.client.wait_until_ready(), READY_WAIT)
        me = self.client.user
        if me is None or not isinstance(channel, discord.abc.Messageable):
            raise DeliveryUnverified("not_connected")
        guild = getattr(channel, "guild", None)
        # Without Read Message History Discord answers with no messages at all, not with an error.
        if isinstance(guild, discord.Guild) and guild.me is not None and not channel.permissions_for(
                guild.me).read_message_history:  # type: ignore[union-attr]
            raise DeliveryUnverified("missing_read_message_history")
        wanted = set(fingerprints)
        after = since - CLOCK_SKEW if since is not None else None
        seen = 0
        try:
            async for found in channel.history(limit=HISTORY_LIMIT, after=after):
                seen += 1
                if found.author.id == me.id and message_fingerprint(found) in wanted:
                    return MessageRef(PLATFORM, str(found.channel.id), str(found.id))
        except (discord.HTTPException, discord.RateLimited) as error:
            raise DeliveryUnverified(delivery_error("read history", error).reason) from None
        if seen >= HISTORY_LIMIT:
            raise DeliveryUnverified("history_too_long")
        return None

    async def introduce(
        self,
        community: CommunityRef,
        members: list[MemberRef],
        message: Message,
        *,
        channel: ChannelRef | None = None,
        journal: IntroJournal | None = None,
    ) -> ConversationRef:
        """A private thread in the intro channel with the members added; else one DM each.

        Only the introduced people may be pinged, whatever the message text says. With a journal, the thread is
        recorded as soon as it exists (before anyone is added or anything posted), and an interrupted intro goes
        on in the thread (or the DMs) it had already opened.
        """
        bot_id = str(self.client.user.id) if self.client.user else ""
        people = list(dict.fromkeys(m.user_id for m in members if m.user_id != bot_id and snowflake(m.user_id)))
        if not people:
            raise DiscordDeliveryFailed("intro_failed")
        book = journal if journal is not None else Journal(message.ref)
        intro = replace(message, mentions=tuple(people))
        target = channel or await self._intro_channel(community)
        earlier = _kind_of(book, "thread")
        empty: discord.Thread | None = None
        if earlier is not None or (target is not None and not _resuming(book)):
            try:
                return await self._thread_intro(community, target, people, members, intro, book, earlier)
            except DiscordDeliveryFailed as error:
                log.warning("intro thread in community %s failed (%s); sending one DM each", community.id, error.reason)
                empty = error.thread if isinstance(error, _EmptyThread) else None
        try:
            return await self._dm_intro(community, members, people, intro, book, had_channel=target is not None)
        finally:
            if empty is not None:
                await self._delete_empty(community, empty)

    async def _delete_empty(self, community: CommunityRef, thread: discord.Thread) -> None:
        """Delete an intro thread nobody could be added to, once the intro went by DM: it would only sit in the
        channel's thread list, named after people who cannot see it."""
        try:
            await thread.delete()
        except (discord.HTTPException, discord.RateLimited) as error:
            delivery_error(f"delete of the empty intro thread in community {community.id}", error)  # logs it

    async def _intro_channel(self, community: CommunityRef) -> ChannelRef | None:
        configured = (await self.app.services.config.get(community.id)).community.intro_channel.strip()
        return ChannelRef(PLATFORM, configured) if configured else None

    async def _thread_intro(
        self,
        community: CommunityRef,
        where: ChannelRef | None,
        people: list[str],
        members: list[MemberRef],
        message: Message,
        journal: IntroJournal,
        earlier: Placement | None,
    ) -> ConversationRef:
        if earlier is not None:
            thread = await self._channel(earlier.channel_id, community)
            if not isinstance(thread, discord.Thread):
                raise DiscordDeliveryFailed("unknown_channel")
        else:
            thread = await self._new_thread(community, where, people, members, message)
            await journal.opened(str(thread.id), people, "thread")
        if earlier is not None and earlier.posted:
            added = [u for u in people if u in earlier.user_ids]
        else:
            added = await self._add_to_thread(thread, people)
            if not added:
                # Nobody can read the thread: post nothing there, introduce everyone by DM instead (and delete it).
                raise _EmptyThread(thread)
            shown = with_mentions(message, people)

            async def post() -> MessageRef:
                return await self._post(thread, shown, community)

            await post_once(journal, str(thread.id), added, "thread", post,
                            lambda: self._find_in(thread, journal.fingerprints, journal.since))
        reached = [str(thread.id)]
        # Whoever could not be added (no access to the intro channel, say) gets the intro by DM instead.
        left_out = [m for m in members if m.user_id in people and m.user_id not in added]
        for member in {m.user_id: m for m in left_out}.values():
            try:
                reached.append(await self._dm_once(community, member, message, journal))
                added.append(member.user_id)
            except DeliveryUnverified:
                raise
            except DeliveryFailed as error:
                log.info("intro DM to a member of community %s failed: %s", community.id, error.reason)
        _log_reach(community, len(added), len(people))
        return ConversationRef(PLATFORM, tuple(reached), "thread")

    async def _new_thread(self, community: CommunityRef, where: ChannelRef | None, people: list[str],
                          members: list[MemberRef], message: Message) -> discord.Thread:
        if where is None:
            raise DiscordDeliveryFailed("unknown_channel")
        parent = await self._channel(where.channel_id, community)
        if not isinstance(parent, discord.TextChannel):
            raise DiscordDeliveryFailed("unknown_channel")
        names = [m.display_name or m.username or m.user_id for m in members if m.user_id in people]
        name = clip(" & ".join(names) or message.title or "Intro", THREAD_NAME_LIMIT)
        try:
            return await parent.create_thread(
                name=name,
                type=discord.ChannelType.private_thread,
                invitable=False,
                auto_archive_duration=INTRO_ARCHIVE_MINUTES,
            )
        except (discord.HTTPException, discord.RateLimited) as error:
            raise delivery_error("create intro thread", error) from None

    async def _add_to_thread(self, thread: discord.Thread, people: list[str]) -> list[str]:
        """Add each person (Discord ignores adding someone twice); returns those who could be added."""
        added: list[str] = []
        for user_id in people:
            try:
                await thread.add_user(discord.Object(int(user_id)))
            except (discord.HTTPException, discord.RateLimited) as error:
                delivery_error("add thread member", error)
            else:
                added.append(user_id)
        return added

    async def _dm_once(self, community: CommunityRef, member: MemberRef, message: Message,
                       journal: IntroJournal) -> str:
        """The intro by DM to one person, recorded in the journal; returns the DM channel's id."""
        dm = await self._dm_channel(member)

        async def post() -> MessageRef:
            return await self._post(dm, message, community)

        await post_once(journal, str(dm.id), [member.user_id], "dm", post,
                        lambda: self._find_in(dm, journal.fingerprints, journal.since))
        return str(dm.id)

    async def _dm_intro(
        self,
        community: CommunityRef,
        members: list[MemberRef],
        people: list[str],
        message: Message,
        journal: IntroJournal,
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
                reached.append(await self._dm_once(community, member, message, journal))
            except DiscordDMClosed:
                log.info("intro DM to a member of community %s: DMs closed", community.id)
                continue
            except DiscordDeliveryFailed as error:
                log.info("intro DM to a member of community %s failed: %s", community.id, error.reason)
                continue
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


class _EmptyThread(DiscordDeliveryFailed):
    """An intro thread was opened but nobody could be added to it."""

    def __init__(self, thread: discord.Thread) -> None:
        super().__init__("missing_access")
        self.thread = thread


def _kind_of(journal: IntroJournal, kind: str) -> Placement | None:
    return next((p for p in journal.all() if p.kind == kind), None)


def _resuming(journal: IntroJournal) -> bool:
    """An earlier attempt recorded a conversation: go on there, never open a second one."""
    return any(p.earlier for p in journal.all())


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
