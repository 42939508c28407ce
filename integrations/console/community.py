"""The console community: its members, its messenger (channel, DMs, intros) and per-command responders."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core.context import Capability
from core.delivery import IntroJournal, Journal, post_once
from core.errors import DeliveryFailed, DMClosed
from core.messages import Form, Message
from core.refs import ChannelRef, CommunityKey, CommunityRef, ConversationRef, MemberRef, MessageRef, RoleRef
from integrations.console.render import Screen

KEY = CommunityKey("console", "console", "Console community")
GENERAL = ChannelRef("console", "general", "general")
_ids = itertools.count(1)


@dataclass(slots=True)
class ConsoleMember:
    ref: MemberRef
    moderator: bool = False
    dm_closed: bool = False


@dataclass(slots=True)
class Outbox:
    """Everything the bot sent, for scripts and tests to read back (the console's transcript)."""

    sent: list[tuple[str, str, Message]] = field(default_factory=list)  # (kind, target, message)
    places: dict[int, str] = field(default_factory=dict)  # index in `sent` -> the channel or conversation id

    def texts(self, kind: str | None = None) -> list[str]:
        return [m.plain_text() for k, _t, m in self.sent if kind is None or k == kind]

    def add(self, kind: str, target: str, message: Message, place: str) -> str:
        """Record a message; returns its id (its position in the transcript, from 1)."""
        self.sent.append((kind, target, message))
        self.places[len(self.sent) - 1] = place
        return str(len(self.sent))

    def replace(self, place: str, message_id: str, message: Message) -> bool:
        """Put `message` in place of the one with this id sent to `place` (an edit); False when there is none."""
        index = int(message_id) - 1 if message_id.isdigit() else -1
        if not 0 <= index < len(self.sent) or self.places.get(index) != place:
            return False
        kind, target, _old = self.sent[index]
        self.sent[index] = (kind, target, message)
        return True

    def find(self, place: str, marker: str) -> str | None:
        """The id of the message carrying `marker` that went to `place` (a read-back after a crash)."""
        for index, (_kind, _target, message) in enumerate(self.sent):
            if marker and message.ref == marker and self.places.get(index) == place:
                return str(index + 1)
        return None


class ConsoleMessenger:
    """Outbound side of the console: prints channel messages, DMs and intros."""

    platform = "console"
    capabilities = frozenset({Capability.FORMS, Capability.BUTTONS, Capability.FILES, Capability.GROUP_DM,
                              Capability.EPHEMERAL, Capability.THREADS})

    def __init__(self, screen: Screen, members: dict[str, ConsoleMember], outbox: Outbox) -> None:
        self.screen = screen
        self.members = members
        self.outbox = outbox
        self.role_names: list[str] = []

    def _name(self, user_id: str) -> str:
        m = self.members.get(user_id)
        return m.ref.display_name if m else user_id

    async def send(self, community: CommunityRef, channel: ChannelRef, message: Message) -> MessageRef:
        message_id = self.outbox.add("channel", channel.channel_id, message, channel.channel_id)
        self.screen.message(f"#{channel.name or channel.channel_id}", message)
        return MessageRef("console", channel.channel_id, message_id)

    async def dm(self, community: CommunityRef, member: MemberRef, message: Message) -> MessageRef:
        m = self.members.get(member.user_id)
        if m is not None and m.dm_closed:
            raise DMClosed()
        place = f"dm-{member.user_id}"
        message_id = self.outbox.add("dm", member.user_id, message, place)
        self.screen.message(f"DM to {member.display_name or self._name(member.user_id)}", message)
        return MessageRef("console", place, message_id)

    async def edit(self, community: CommunityRef, ref: MessageRef, message: Message) -> None:
        """Replace the message in the transcript (where tests read it) and show it again as edited."""
        if not self.outbox.replace(ref.channel_id, ref.message_id, message):
            raise DeliveryFailed("unknown_message")
        self.screen.message(f"edited in {ref.channel_id}", message)

    def fingerprint(self, message: Message) -> str:
        """Nothing: the transcript keeps each message's marker."""
        return ""

    async def find_delivered(self, community: CommunityRef, place: MemberRef | ChannelRef, marker: str, *,
                             fingerprints: Sequence[str] = (), since: datetime | None = None) -> MessageRef | None:
        where = f"dm-{place.user_id}" if isinstance(place, MemberRef) else place.channel_id
        found = self.outbox.find(where, marker)
        return MessageRef("console", where, found) if found else None

    async def introduce(self, community: CommunityRef, members: list[MemberRef], message: Message, *,
                        channel: ChannelRef | None = None, journal: IntroJournal | None = None) -> ConversationRef:
        """One group conversation (resumed from the journal after an interruption, never opened twice)."""
        book = journal if journal is not None else Journal(message.ref)
        earlier = next((p for p in book.all() if p.kind == "group"), None)
        conv_id = earlier.channel_id if earlier else f"intro-{next(_ids)}"
        user_ids = [m.user_id for m in members]
        names = ", ".join(m.display_name or self._name(m.user_id) for m in members)

        async def post() -> MessageRef:
            message_id = self.outbox.add("intro", ",".join(user_ids), message, conv_id)
            self.screen.message(f"Intro: {names}", message)
            return MessageRef("console", conv_id, message_id)

        async def find() -> MessageRef | None:
            found = self.outbox.find(conv_id, message.ref)
            return MessageRef("console", conv_id, found) if found else None

        await post_once(book, conv_id, user_ids, "group", post, find)
        return ConversationRef("console", (conv_id,), "group_dm")

    async def is_admin(self, community: CommunityRef, member: MemberRef) -> bool:
        m = self.members.get(member.user_id)
        return bool(m and m.moderator)

    async def groups_of(self, community: CommunityRef, member: MemberRef) -> set[str]:
        m = self.members.get(member.user_id)
        return set(m.ref.roles) if m else set()

    async def roles(self, community: CommunityRef) -> list[RoleRef]:
        """The roles created with /role, and any a member holds."""
        names = dict.fromkeys([*self.role_names, *(r for m in self.members.values() for r in m.ref.roles)])
        return [RoleRef(name, name) for name in names]


class ConsoleResponder:
    """Answers one console command; a form is kept for the REPL to prompt for."""

    def __init__(self, screen: Screen, outbox: Outbox, member: MemberRef) -> None:
        self.screen = screen
        self.outbox = outbox
        self.member = member
        self.form: Form | None = None

    async def defer(self, *, ephemeral: bool = False) -> None:
        return None

    async def reply(self, message: Message, *, ephemeral: bool = False) -> MessageRef:
        kind = "ephemeral" if ephemeral else "reply"
        message_id = self.outbox.add(kind, self.member.user_id, message, "general")
        header = f"to {self.member.display_name} (only you)" if ephemeral else "Kindred"
        self.screen.message(header, message)
        return MessageRef("console", "general", message_id)

    async def open_form(self, form: Form) -> None:
        self.form = form
