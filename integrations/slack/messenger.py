"""Kindred's outbound side on Slack: channel messages, DMs, group-DM intros, files, moderator checks.

Used by handlers through the Context and by scheduled jobs through ``app.messenger("slack")``. Every Web API
failure becomes a ``DeliveryFailed`` with Slack's code and a plain-words message (see errors.py).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.context import Capability
from core.messages import Attachment, Message
from core.refs import ChannelRef, CommunityRef, ConversationRef, MemberRef, MessageRef, Platform, RoleRef
from integrations.slack.blocks import message_payload
from integrations.slack.directory import Directory
from integrations.slack.errors import DM_CLOSED_CODES, SlackDeliveryFailed, SlackDMClosed, delivery_error

if TYPE_CHECKING:
    from core.dispatcher import App

log = logging.getLogger(__name__)

MAX_GROUP_DM = 8
"""Slack's ``conversations.open`` takes at most 8 users besides the bot."""


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
        try:
            response = await self.client.chat_postMessage(
                channel=channel_id, thread_ts=thread_ts, unfurl_links=False, **message_payload(message)
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

    async def introduce(
        self,
        community: CommunityRef,
        members: list[MemberRef],
        message: Message,
        *,
        channel: ChannelRef | None = None,
    ) -> ConversationRef:
        """One group DM for the group; when Slack cannot open it (too many, someone unknown), one DM each."""
        people = list(dict.fromkeys(m.user_id for m in members if m.user_id != self.bot_user_id))
        if not people:
            raise SlackDeliveryFailed("user_not_found")
        if len(people) <= MAX_GROUP_DM:
            try:
                response = await self.client.conversations_open(users=people)
                channel_id = str(response["channel"]["id"])
                await self.post(channel_id, message)
                return ConversationRef(self.platform, (channel_id,), "group_dm" if len(people) > 1 else "dm")
            except SlackApiError as error:
                log.warning("group DM for %d members failed (%s); sending one DM each", len(people),
                            delivery_error("conversations.open", error).reason)
            except SlackDeliveryFailed as error:
                log.warning("intro message failed (%s); sending one DM each", error.reason)
        reached: list[str] = []
        for user_id in people:
            try:
                ref = await self.post(await self.open_dm(user_id), message)
                reached.append(ref.channel_id)
            except SlackDeliveryFailed as error:
                log.info("intro DM to %s failed: %s", user_id, error.reason)
        if not reached:
            raise SlackDeliveryFailed("user_not_found")
        return ConversationRef(self.platform, tuple(reached), "dms")

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

