"""The context a handler gets, and the two small interfaces each integration implements behind it.

`Responder` answers one interaction (a slash command, a button press, a form submit): it knows Discord's
interaction token, Slack's response URL or the console's screen. `Messenger` is the integration's long-lived
outbound side: channel messages, DMs and intros, used by handlers and by scheduled jobs that have no interaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from core.delivery import IntroJournal
from core.i18n import Text, gettext, ngettext
from core.messages import Form, Message
from core.refs import ChannelRef, CommunityRef, ConversationRef, MemberRef, MessageRef, RoleRef
from core.settings import CommunityConfig

if TYPE_CHECKING:
    from core.dispatcher import App
    from core.permissions import Level
    from core.services import Services


class Capability(StrEnum):
    THREADS = "threads"
    FORMS = "forms"
    BUTTONS = "buttons"
    FILES = "files"
    GROUP_DM = "group_dm"
    EPHEMERAL = "ephemeral"
    MODERATOR_COMMANDS = "moderator_commands"
    """A group's moderator subcommands are shown under a command of their own (core/affordances.py)."""


class Responder(Protocol):
    """Answers one interaction. One may also carry `locale`: the person's language as their platform tells it
    (Discord does), which answers to them follow when the community allows it (`community.follow_member_locale`)."""

    async def defer(self, *, ephemeral: bool = False) -> None: ...

    async def reply(self, message: Message, *, ephemeral: bool = False) -> MessageRef: ...

    async def open_form(self, form: Form) -> None: ...


class Messenger(Protocol):
    """An integration's outbound side for one platform."""

    platform: str
    capabilities: frozenset[Capability]

    async def send(self, community: CommunityRef, channel: ChannelRef, message: Message) -> MessageRef: ...

    async def dm(self, community: CommunityRef, member: MemberRef, message: Message) -> MessageRef:
        """Send a direct message; raises `DMClosed` when the member does not accept DMs."""
        ...

    async def edit(self, community: CommunityRef, ref: MessageRef, message: Message) -> None:
        """Show `message` in place of the bot's own message `ref` (a card whose state changed: a count, closed).

        Everything the message shows is replaced (no buttons in `message`: the old ones are gone); files are not
        changed. Raises `DeliveryFailed` when the platform refuses (deleted, no access): editing is best-effort,
        the feature's stored state stays the truth."""
        ...

    async def introduce(
        self,
        community: CommunityRef,
        members: list[MemberRef],
        message: Message,
        *,
        channel: ChannelRef | None = None,
        journal: IntroJournal | None = None,
    ) -> ConversationRef:
        """Create one conversation for the group (thread, group DM, or one DM each as fallback).

        With a `journal` (core/delivery.py), each conversation is recorded as soon as it exists and before the
        intro is posted into it, and conversations an earlier, interrupted attempt recorded are resumed: read
        back, and posted into only when the intro is not there yet."""
        ...

    def fingerprint(self, message: Message) -> str:
        """A digest of what `message` shows on this platform, kept in the delivery ledger before it is sent, by
        which `find_delivered` recognises it where the platform has no invisible place for the marker; "" where
        the marker travels with the message (it is then all a read-back needs)."""
        ...

    async def find_delivered(self, community: CommunityRef, place: MemberRef | ChannelRef, marker: str, *,
                             fingerprints: Sequence[str] = (), since: datetime | None = None) -> MessageRef | None:
        """The bot's own delivered message in the DM with a member or in a channel (thread, group DM), or None
        when it is not there: the one carrying `marker`, or (where the platform cannot carry it) one posted
        since `since` whose `fingerprint` is among `fingerprints`. Raises `DeliveryUnverified` when the history
        cannot be read far enough to tell (the caller then does not send again)."""
        ...

    async def is_admin(self, community: CommunityRef, member: MemberRef) -> bool:
        """Whether the platform itself makes this member an administrator of the community."""
        ...

    async def groups_of(self, community: CommunityRef, member: MemberRef) -> set[str]:
        """Role names/ids (Discord) or user group handles/ids (Slack) the member belongs to."""
        ...

    async def roles(self, community: CommunityRef) -> list[RoleRef]:
        """Every role (Discord, without @everyone) or user group (Slack) of the community, so a setting that
        names one can be checked; raises `DeliveryFailed` when the platform will not say."""
        ...


@dataclass(slots=True)
class Context:
    """Everything a command, button or form handler needs, independent of the platform."""

    app: App
    community: CommunityRef
    member: MemberRef
    channel: ChannelRef | None
    responder: Responder
    messenger: Messenger
    locale: str = "en"
    """The language of answers to this person (`_`): the community's, or their own where the platform tells it and
    the community allows it."""
    level: Level | None = None
    proposed: CommunityConfig | None = None
    """Set for a dry run (/setup's summary): the settings proposed, which a preview shows the effect of instead of
    the community's stored ones."""
    on_answer: Callable[[], None] | None = None
    """Called after the first answer (a reply, a deferral, a form): the dispatcher lets background work go on."""
    community_locale: str = ""
    """The community's language, for what others see (a public post, a DM to another member, an intro); empty when
    it is `locale`."""

    @property
    def platform(self) -> str:
        return self.community.platform

    @property
    def services(self) -> Services:
        return self.app.services

    def _(self, msgid: Text, **params: Any) -> str:
        """Translate an answer to this person (a counted `N_n` text too, in the form its count needs); see `locale`."""
        return gettext(self.locale, msgid, **params)

    def _n(self, singular: str, plural: str, n: int, /, **params: Any) -> str:
        """Translate a counted text into the answer language, in the form that fits `n` ("1 day", "2 days")."""
        return ngettext(self.locale, singular, plural, n, **params)

    @property
    def public_locale(self) -> str:
        """The language of what others see: the community's."""
        return self.community_locale or self.locale

    def public_(self, msgid: Text, **params: Any) -> str:
        """Translate a text others will see (a public message, a DM to someone else) into the community's language."""
        return gettext(self.public_locale, msgid, **params)

    def supports(self, capability: Capability) -> bool:
        return capability in self.messenger.capabilities

    def _answered(self) -> None:
        if self.on_answer is not None:
            self.on_answer()

    async def defer(self, *, ephemeral: bool = False) -> None:
        try:
            await self.responder.defer(ephemeral=ephemeral)
        finally:
            self._answered()

    async def reply(self, message: str | Message, *, ephemeral: bool = False) -> MessageRef:
        try:
            return await self.responder.reply(Message.of(message), ephemeral=ephemeral)
        finally:
            self._answered()

    async def send(self, message: str | Message, *, to: ChannelRef | None = None) -> MessageRef:
        target = to or self.channel
        if target is None:
            return await self.dm(self.member, message)
        return await self.messenger.send(self.community, target, Message.of(message))

    async def dm(self, member: MemberRef, message: str | Message) -> MessageRef:
        return await self.messenger.dm(self.community, member, Message.of(message))

    async def open_form(self, form: Form) -> None:
        try:
            await self.responder.open_form(form)
        finally:
            self._answered()

    async def introduce(
        self, members: list[MemberRef], message: str | Message, *, channel: ChannelRef | None = None
    ) -> ConversationRef:
        return await self.messenger.introduce(self.community, members, Message.of(message), channel=channel)
