"""The Slack messenger of a Kindred installed by many workspaces: each call goes out with the token of the
community's own workspace (``community.external_id`` is its team id), never with another's.

Features and scheduled jobs get it from ``app.messenger("slack")`` as they would the one-workspace messenger;
a workspace that has uninstalled Kindred is refused with Slack's ``token_revoked`` (a ``DeliveryFailed``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core.delivery import IntroJournal
from core.messages import Message
from core.refs import ChannelRef, CommunityRef, ConversationRef, MemberRef, MessageRef, Platform, RoleRef
from integrations.slack.errors import SlackDeliveryFailed
from integrations.slack.messenger import SlackMessenger
from integrations.slack.workspaces import Workspaces


class RoutingMessenger:
    """Implements core.context.Messenger by handing each call to the community's workspace messenger."""

    platform = Platform.SLACK.value
    capabilities = SlackMessenger.capabilities

    def __init__(self, workspaces: Workspaces) -> None:
        self.workspaces = workspaces

    async def of(self, community: CommunityRef) -> SlackMessenger:
        """The messenger holding this community's workspace token."""
        found = await self.workspaces.get(community.external_id)
        if found is None:
            raise SlackDeliveryFailed("token_revoked")
        return found.messenger

    async def send(self, community: CommunityRef, channel: ChannelRef, message: Message) -> MessageRef:
        return await (await self.of(community)).send(community, channel, message)

    async def dm(self, community: CommunityRef, member: MemberRef, message: Message) -> MessageRef:
        return await (await self.of(community)).dm(community, member, message)

    async def introduce(self, community: CommunityRef, members: list[MemberRef], message: Message, *,
                        channel: ChannelRef | None = None, journal: IntroJournal | None = None) -> ConversationRef:
        return await (await self.of(community)).introduce(community, members, message, channel=channel,
                                                          journal=journal)

    def fingerprint(self, message: Message) -> str:
        """Nothing, as on one workspace: the marker travels in the message's metadata."""
        return ""

    async def find_delivered(self, community: CommunityRef, place: MemberRef | ChannelRef, marker: str, *,
                             fingerprints: Sequence[str] = (), since: datetime | None = None) -> MessageRef | None:
        return await (await self.of(community)).find_delivered(community, place, marker, fingerprints=fingerprints,
                                                               since=since)

    async def is_admin(self, community: CommunityRef, member: MemberRef) -> bool:
        return await (await self.of(community)).is_admin(community, member)

    async def groups_of(self, community: CommunityRef, member: MemberRef) -> set[str]:
        return await (await self.of(community)).groups_of(community, member)

    async def roles(self, community: CommunityRef) -> list[RoleRef]:
        return await (await self.of(community)).roles(community)
