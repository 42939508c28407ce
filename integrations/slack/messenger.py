"""Kindred's outbound side on Slack: channel messages, DMs, group-DM intros, files, moderator checks.

Used by handlers through the Context and by scheduled jobs through ``app.messenger("slack")``. Every Web API
failure becomes a ``DeliveryFailed`` with Slack's code and a plain-words message (see errors.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.context import Capability
from core.delivery import IntroJournal, Journal, post_once
from core.errors import DeliveryFailed, DeliveryUnverified
from core.messages import Attachment, Message
from core.refs import ChannelRef, CommunityRef, ConversationRef, MemberRef, MessageRef, Platform, RoleRef
from integrations.slack.blocks import carries_marker, delivery_metadata, message_payload
from integrations.slack.directory import Directory
from integrations.slack.errors import DM_CLOSED_CODES, SlackDeliveryFailed, SlackDMClosed, delivery_error

if TYPE_CHECKING:
    from core.dispatcher import App

log = logging.getLogger(__name__)

MAX_GROUP_DM = 8
"""Slack's ``conversations.open`` takes at most 8 users besides the bot."""

HISTORY_PAGE = 200
HISTORY_PAGES = 5
"""A read-back looks at the newest 1,000 messages of a conversation (Slack recommends pages of at most 200)."""


class SlackMessenger:
    """Implements core.context.Messenger with the Web API."""

    platform = Platform.SLACK.value
    capabilities = frozenset({
        Capability.FORMS, Capability.BUTTONS, Capability.FILES, Capability.GROUP_DM, Capability.EPHEMERAL,
    })

    def __init__(self, app: App, client: AsyncWebClient, directory: Directory) -> None:
        self.app = app
        self.client = client
        self.directory = directory
        self.bot_user_id = ""

    # ---- low level ----

    async def post(self, channel_id: str, message: Message, *, thread_ts: str | None = None) -> MessageRef:
        """chat.postMessage with the rendered blocks, then the message's files into the same place."""
        extra = {"metadata": delivery_metadata(message.ref)} if message.ref else {}
        try:
            response = await self.client.chat_postMessage(
                channel=channel_id, thread_ts=thread_ts, unfurl_links=False, **message_payload(message), **extra
            )
        except SlackApiError as error:
            raise delivery_error("chat.postMessage", error) from None
        posted_in = str(response.get("channel") or channel_id)
        ts = str(response.get("ts") or "")
        if message.files:
            await self.upload(posted_in, message.files, thread_ts=thread_ts)
        return MessageRef(self.platform, posted_in, ts)

    async def post_ephemeral(self, channel_id: str, user_id: str, message: Message) -> MessageRef:
        """chat.postEphemeral: only ``user_id`` sees it (files go to their DM, Slack has no ephemeral files)."""
        try:
            response = await self.client.chat_postEphemeral(
                channel=channel_id, user=user_id, **message_payload(message)
            )
        except SlackApiError as error:
            raise delivery_error("chat.postEphemeral", error) from None
        if message.files:
            await self.upload(await self.open_dm(user_id), message.files)
        return MessageRef(self.platform, channel_id, str(response.get("message_ts") or ""))

    async def upload(self, channel_id: str, files: list[Attachment], *, thread_ts: str | None = None) -> None:
        """files_upload_v2 (getUploadURLExternal, upload, completeUploadExternal) for all files at once."""
        uploads = [
            {"file": f.data, "filename": f.filename, "title": f.description or f.filename} for f in files
        ]
        try:
            await self.client.files_upload_v2(file_uploads=uploads, channel=channel_id, thread_ts=thread_ts)
        except SlackApiError as error:
            raise delivery_error("files_upload_v2", error) from None

    async def open_dm(self, user_id: str) -> str:
        """The id of the bot's DM channel with a member."""
        try:
            response = await self.client.conversations_open(users=user_id)
        except SlackApiError as error:
            raise delivery_error("conversations.open", error, dm=True) from None
        return str(response["channel"]["id"])

    # ---- Messenger protocol ----

    async def send(self, community: CommunityRef, channel: ChannelRef, message: Message) -> MessageRef:
        return await self.post(channel.channel_id, message)

    async def dm(self, community: CommunityRef, member: MemberRef, message: Message) -> MessageRef:
        channel_id = await self.open_dm(member.user_id)
        try:
            return await self.post(channel_id, message)
        except SlackDeliveryFailed as error:
            if error.reason in DM_CLOSED_CODES:
                raise SlackDMClosed(error.reason) from None
            raise

    async def edit(self, community: CommunityRef, ref: MessageRef, message: Message) -> None:
        """chat.update with the blocks `send` would post; no blocks sends an empty list, which removes the old ones
        (leaving ``blocks`` out would keep them). Files stay as they are."""
        payload = message_payload(message)
        payload.setdefault("blocks", [])
        try:
            await self.client.chat_update(channel=ref.channel_id, ts=ref.message_id, **payload)
        except SlackApiError as error:
            raise delivery_error("chat.update", error) from None

    def fingerprint(self, message: Message) -> str:
        """Nothing: the marker travels in the message's metadata (see blocks.delivery_metadata)."""
        return ""

    async def find_delivered(self, community: CommunityRef, place: MemberRef | ChannelRef, marker: str, *,
                             fingerprints: Sequence[str] = (), since: datetime | None = None) -> MessageRef | None:
        try:
            channel_id = await self.open_dm(place.user_id) if isinstance(place, MemberRef) else place.channel_id
        except SlackDeliveryFailed as error:
            raise DeliveryUnverified(error.reason) from None
        return await self.find_in(channel_id, marker)

    async def find_in(self, channel_id: str, marker: str) -> MessageRef | None:
        """The bot's message carrying `marker` (in its metadata) among the conversation's newest messages.

        Needs the history scope of the conversation's kind (``im:history``, ``mpim:history``,
        ``channels:history``, ``groups:history``); without it Slack answers ``missing_scope``."""
        cursor: str | None = None
        for _page in range(HISTORY_PAGES):
            try:
                response = await self.client.conversations_history(
                    channel=channel_id, limit=HISTORY_PAGE, include_all_metadata=True, cursor=cursor
                )
            except SlackApiError as error:
                raise DeliveryUnverified(delivery_error("conversations.history", error).reason) from None
            for message in response.get("messages") or []:
                mine = not self.bot_user_id or message.get("user") == self.bot_user_id
                if mine and carries_marker(message, marker):
                    return MessageRef(self.platform, channel_id, str(message.get("ts") or ""))
            cursor = str((response.get("response_metadata") or {}).get("next_cursor") or "")
            if not response.get("has_more") or not cursor:
                return None
        raise DeliveryUnverified("history_too_long")

    async def introduce(
        self,
        community: CommunityRef,
        members: list[MemberRef],
        message: Message,
        *,
        channel: ChannelRef | None = None,
        journal: IntroJournal | None = None,
    ) -> ConversationRef:
        """One group DM for the group; when Slack cannot open it (too many, someone unknown), one DM each.

        Opening a group DM for the same people gives the same conversation, so an interrupted intro is found
        again by its journal entry (or opened again) and read back before anything is posted twice."""
        people = list(dict.fromkeys(m.user_id for m in members if m.user_id != self.bot_user_id))
        if not people:
            raise SlackDeliveryFailed("user_not_found")
        book = journal if journal is not None else Journal(message.ref)
        earlier = next((p for p in book.all() if p.kind == "group"), None)
        resuming = any(p.earlier for p in book.all())
        if earlier is not None or (not resuming and len(people) <= MAX_GROUP_DM):
            try:
                channel_id = earlier.channel_id if earlier else await self._open_group(people)
                await self._post_once(book, channel_id, people, "group", message)
                return ConversationRef(self.platform, (channel_id,), "group_dm" if len(people) > 1 else "dm")
            except SlackDeliveryFailed as error:
                log.warning("group DM for %d members failed (%s); sending one DM each", len(people), error.reason)
        reached: list[str] = []
        for user_id in people:
            try:
                dm_id = await self.open_dm(user_id)
                await self._post_once(book, dm_id, [user_id], "dm", message)
                reached.append(dm_id)
            except DeliveryUnverified:
                raise
            except DeliveryFailed as error:
                log.info("intro DM to %s failed: %s", user_id, error.reason)
        if not reached:
            raise SlackDeliveryFailed("user_not_found")
        return ConversationRef(self.platform, tuple(reached), "dms")

    async def _open_group(self, people: list[str]) -> str:
        try:
            response = await self.client.conversations_open(users=people)
        except SlackApiError as error:
            raise delivery_error("conversations.open", error) from None
        return str(response["channel"]["id"])

    async def _post_once(self, journal: IntroJournal, channel_id: str, people: list[str], kind: str,
                         message: Message) -> str:
        async def post() -> MessageRef:
            return await self.post(channel_id, message)

        async def find() -> MessageRef | None:
            return await self.find_in(channel_id, message.ref)

        return await post_once(journal, channel_id, people, kind, post, find)

    async def is_admin(self, community: CommunityRef, member: MemberRef) -> bool:
        return await self.directory.is_admin(member.user_id)

    async def groups_of(self, community: CommunityRef, member: MemberRef) -> set[str]:
        configured = (await self.app.services.config.get(community.id)).community.moderator_roles
        return await self.directory.groups_containing(member.user_id, configured)

    async def roles(self, community: CommunityRef) -> list[RoleRef]:
        """The workspace's user groups (``usergroups.list``), named by handle."""
        try:
            response = await self.client.usergroups_list()
        except SlackApiError as error:
            raise delivery_error("usergroups.list", error) from None
        return [RoleRef(str(g.get("id", "")), str(g.get("handle", "")))
                for g in response.get("usergroups") or [] if g.get("id")]

