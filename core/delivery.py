"""Exactly-once delivery of the messages Kindred sends on its own: intros, greetings, check-ins, drip steps.

A platform call and the store's record of it cannot be one transaction, so a process killed between the two
leaves it unknown whether the message went out. The delivery ledger closes that gap: one row per (community,
message key, recipient), written before the platform call (`sending`, with the claiming process's token and time
and a fresh marker) and after it (`sent` with the platform's channel and message ids, or `failed`). The marker
travels with the message where the platform has an invisible place for it (Slack: message metadata). Where it has
none (Discord keeps a message's nonce for a few minutes only), the row also keeps a fingerprint of what the message
shows (`Messenger.fingerprint`) and the time from which it may have gone out (`since`): the bot's own message with
that fingerprint, posted there since then, is the one. Whoever finds a row left in `sending` by a process that died
asks the platform (`Messenger.find_delivered`) whether the bot's message is there, and sends only when it is not.
A resumed attempt may render the message differently (a date, a buddy picked anew), so the row keeps the
fingerprints of every attempt not yet proven absent, and `since` stays at the first of them. When the platform
cannot tell (no permission to read the history), the message is not sent again and the row is left `unknown`
with a warning: a person missing a message is told about by the log, a person getting it twice cannot be undone.

An intro is several platform calls (open a thread or group DM, add people, post; or one DM each): the messenger
records each conversation in an `IntroJournal` as soon as it exists and before posting into it, so an interrupted
intro resumes where it stopped instead of opening a second conversation.

The ledger itself is storage/deliveries.py (`DeliveryRepo`); this module is the protocol around it, without
importing the store.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from core import metrics
from core.errors import DeliveryFailed, DeliveryUnverified
from core.messages import Message
from core.refs import ChannelRef, CommunityRef, ConversationRef, MemberRef, MessageRef

if TYPE_CHECKING:
    from core.context import Messenger

LEASE = timedelta(minutes=5)
"""A claim older than this whose row is still `sending` was cut off (a platform call never takes this long)."""

MARKER_PREFIX = "K-"
MAX_FINGERPRINTS = 8
"""Fingerprints a row keeps (one per attempt whose message differed; a message is rarely rendered anew)."""
INTRO = "intro"
"""The recipient of an intro's own row; its conversations are rows of their own (`conv:<channel id>`)."""


def new_marker() -> str:
    """A fresh marker: short, random so it never matches another's (Discord derives its nonces from it)."""
    return MARKER_PREFIX + secrets.token_hex(8)


class State(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # the platform refused; nothing went out (sending again is allowed)
    UNKNOWN = "unknown"  # cut off and not verifiable: never sent again


class ClaimResult(StrEnum):
    FRESH = "fresh"  # ours, and nothing went out before
    RESUME = "resume"  # ours now; an earlier attempt was cut off, so look before sending
    SENT = "sent"  # delivered already
    UNKNOWN = "unknown"  # an earlier attempt could not be verified
    BUSY = "busy"  # another process (or task) is sending it right now


@dataclass(frozen=True, slots=True)
class Claim:
    """One ledger row as a claim returned it."""

    id: int
    result: ClaimResult
    marker: str
    kind: str = ""
    channel_id: str = ""
    message_id: str = ""
    detail: str = ""
    fingerprints: tuple[str, ...] = ()  # what the attempts may have sent (see the module docstring)
    since: datetime | None = None  # when the first attempt not proven absent began


@dataclass(frozen=True, slots=True)
class Placement:
    """One conversation of an intro: who it reaches, and the message posted there (empty while sending)."""

    channel_id: str
    user_ids: tuple[str, ...]
    kind: str  # "thread", "group_dm", "dm", ...
    message_id: str = ""
    earlier: bool = False  # recorded by an earlier, interrupted attempt

    @property
    def posted(self) -> bool:
        return bool(self.message_id)


class Ledger(Protocol):
    """What the delivery protocol needs from the store (storage.deliveries.DeliveryRepo implements it)."""

    async def claim(self, community_id: int, key: str, recipient: str, token: str, now: datetime, *,
                    force: bool = False, lease: timedelta = LEASE, audience: Sequence[str] = (),
                    fingerprint: str = "") -> Claim: ...

    async def settle(self, claim_id: int, token: str, state: State, now: datetime, *, kind: str = "",
                     channel_id: str = "", message_id: str = "", detail: str = "") -> bool: ...

    async def peek(self, community_id: int, key: str, recipient: str) -> bool: ...

    async def placements(self, community_id: int, key: str) -> list[Placement]: ...

    async def record(self, community_id: int, key: str, token: str, now: datetime, *, create: str = "",
                     fingerprint: str = "", placements: Sequence[Placement] = (),
                     settle: Settlement | None = None) -> int | None: ...


@dataclass(frozen=True, slots=True)
class Settlement:
    """How an intro ended, written with its last conversation records (`Ledger.record`)."""

    state: State
    kind: str = ""
    channel_id: str = ""
    message_id: str = ""
    detail: str = ""


class IntroJournal(Protocol):
    """What a messenger's `introduce` records as it goes (see the module docstring)."""

    @property
    def marker(self) -> str: ...

    @property
    def fingerprints(self) -> tuple[str, ...]:
        """What an earlier attempt may have posted (for platforms that cannot carry the marker invisibly)."""
        ...

    @property
    def since(self) -> datetime | None:
        """When the earliest attempt that may have posted began (a read-back looks no further back)."""
        ...

    def get(self, channel_id: str) -> Placement | None: ...

    def all(self) -> list[Placement]: ...

    async def opened(self, channel_id: str, user_ids: Sequence[str], kind: str) -> None: ...

    async def posted(self, channel_id: str, message_id: str, user_ids: Sequence[str] | None = None, *,
                     found: bool = False) -> None: ...


Write = Callable[[list[Placement]], Awaitable[None]]


class Journal:
    """An `IntroJournal` kept in memory and, with `write`, recorded in the ledger.

    A conversation is recorded as soon as it is opened (before anything is posted into it), together with the
    posts recorded since: a post's own record may wait for the next one, because a post that went out unrecorded
    is found again (by its marker or fingerprint). `unwritten()` hands what is left to the caller's last write."""

    def __init__(self, marker: str = "", earlier: Iterable[Placement] = (), write: Write | None = None, *,
                 fingerprints: Sequence[str] = (), since: datetime | None = None) -> None:
        self._marker = marker
        self._fingerprints = tuple(fingerprints)
        self._since = since
        self._places = {p.channel_id: replace(p, earlier=True) for p in earlier}
        self._write = write
        self._unwritten: list[Placement] = []
        self.new_posts = 0

    @property
    def marker(self) -> str:
        return self._marker

    @property
    def fingerprints(self) -> tuple[str, ...]:
        return self._fingerprints

    @property
    def since(self) -> datetime | None:
        return self._since

    def get(self, channel_id: str) -> Placement | None:
        return self._places.get(channel_id)

    def all(self) -> list[Placement]:
        return list(self._places.values())

    async def opened(self, channel_id: str, user_ids: Sequence[str], kind: str) -> None:
        self._note(Placement(channel_id, tuple(user_ids), kind))
        if self._write is not None:
            await self._write(self.unwritten())

    async def posted(self, channel_id: str, message_id: str, user_ids: Sequence[str] | None = None, *,
                     found: bool = False) -> None:
        old = self._places.get(channel_id)
        people = tuple(user_ids) if user_ids is not None else (old.user_ids if old else ())
        self._note(Placement(channel_id, people, old.kind if old else "", message_id, old.earlier if old else False))
        if not found:
            self.new_posts += 1

    def unwritten(self) -> list[Placement]:
        """The records not written yet (they are written by whoever takes them)."""
        taken, self._unwritten = self._unwritten, []
        return taken

    def _note(self, placement: Placement) -> None:
        self._places[placement.channel_id] = placement
        self._unwritten = [p for p in self._unwritten if p.channel_id != placement.channel_id] + [placement]


async def post_once(journal: IntroJournal, channel_id: str, user_ids: Sequence[str], kind: str,
                    post: Callable[[], Awaitable[MessageRef]],
                    find: Callable[[], Awaitable[MessageRef | None]]) -> str:
    """Post an intro into one of its conversations at most once; returns the message id.

    Already posted (by this or an earlier attempt): nothing is sent. Opened by an earlier attempt and cut off:
    the conversation is read back (`find`) and the intro posted only when it is not there."""
    known = journal.get(channel_id)
    if known is not None and known.posted:
        return known.message_id
    if known is None:
        await journal.opened(channel_id, user_ids, kind)
    elif known.earlier:
        found = await find()
        if found is not None:
            await journal.posted(channel_id, found.message_id, user_ids, found=True)
            return found.message_id
    ref = await post()
    await journal.posted(channel_id, ref.message_id, user_ids)
    return ref.message_id


Target = MemberRef | ChannelRef


def recipient_of(target: Target) -> str:
    """The ledger's name for where a single message goes: a member's DM or a channel."""
    return f"dm:{target.user_id}" if isinstance(target, MemberRef) else f"ch:{target.channel_id}"


@dataclass(frozen=True, slots=True)
class Delivery:
    """How a delivery ended when it did not raise.

    `sent`: sent now; `found`: an interrupted earlier attempt had sent it (now recorded); `earlier`: the ledger
    already said sent; `busy`: someone else is sending it right now (the caller leaves it to them)."""

    status: str
    ref: MessageRef | None = None
    conversation: ConversationRef | None = None

    @property
    def delivered(self) -> bool:
        return self.status != "busy"


class Deliverer:
    """Sends single messages and intros through the ledger. One per feature and process (its own token).

    `force` takes a `sending` row over at once instead of after the lease: for callers whose own claim (an
    intro's pending -> sending) already proves the earlier holder is gone. Platform failures are raised as the
    messenger raised them, after they were recorded; an unverifiable earlier attempt raises `DeliveryUnverified`.
    """

    def __init__(self, ledger: Ledger, clock: Callable[[], datetime], *, token: str | None = None,
                 lease: timedelta = LEASE) -> None:
        self.ledger = ledger
        self.clock = clock
        self.token = token or uuid.uuid4().hex
        self.lease = lease

    async def send(self, messenger: Messenger, community: CommunityRef, key: str, to: Target, message: Message,
                   *, force: bool = False, audience: Sequence[str] = ()) -> Delivery:
        """One message to a member's DM or into a channel, once. `audience` is kept with the row (e.g. the
        greetings a channel post stands for), for whoever has to finish it after a crash."""
        claim = await self.ledger.claim(community.id, key, recipient_of(to), self.token, self.clock(),
                                        force=force, lease=self.lease, audience=audience,
                                        fingerprint=messenger.fingerprint(message))
        if claim.result is ClaimResult.SENT:
            return Delivery("earlier", MessageRef(community.platform, claim.channel_id, claim.message_id))
        self._refuse_unsettled(claim, key)
        if claim.result is ClaimResult.BUSY:
            return Delivery("busy")
        if claim.result is ClaimResult.RESUME:
            try:
                found = await self._find(messenger, community, to, claim)
            except DeliveryFailed as exc:
                await self._settle(claim, State.UNKNOWN, detail=f"unverified:{exc.reason}")
                raise DeliveryUnverified(exc.reason) from None
            if found is not None:
                await self._settle(claim, State.SENT, channel_id=found.channel_id, message_id=found.message_id)
                return Delivery("found", found)
        marked = replace(message, ref=claim.marker)
        try:
            if isinstance(to, MemberRef):
                ref = await messenger.dm(community, to, marked)
            else:
                ref = await messenger.send(community, to, marked)
        except DeliveryFailed as exc:
            await self._failed(claim, exc)
            raise
        await self._settle(claim, State.SENT, channel_id=ref.channel_id, message_id=ref.message_id)
        return Delivery("sent", ref)

    async def reconcile(self, messenger: Messenger, community: CommunityRef, key: str, to: Target) -> str:
        """Settle a delivery a crash cut off without sending anything: "found" (it went out; now recorded),
        "absent" (it did not; the row may be sent again, under the same marker), "earlier" (recorded as sent
        meanwhile), "busy" (someone else holds it) or "unknown" (the platform cannot tell)."""
        claim = await self.ledger.claim(community.id, key, recipient_of(to), self.token, self.clock(),
                                        lease=self.lease)
        if claim.result is ClaimResult.SENT:
            return "earlier"
        if claim.result in (ClaimResult.BUSY, ClaimResult.UNKNOWN):
            return claim.result.value
        found: MessageRef | None = None
        if claim.result is ClaimResult.RESUME:
            try:
                found = await self._find(messenger, community, to, claim)
            except DeliveryFailed as exc:
                await self._settle(claim, State.UNKNOWN, detail=f"unverified:{exc.reason}")
                return "unknown"
        if found is None:
            await self._settle(claim, State.FAILED, detail="absent")
            return "absent"
        await self._settle(claim, State.SENT, channel_id=found.channel_id, message_id=found.message_id)
        return "found"

    async def introduce(self, messenger: Messenger, community: CommunityRef, key: str, members: list[MemberRef],
                        message: Message, *, channel: ChannelRef | None = None, force: bool = False,
                        fresh: bool = False) -> Delivery:
        """One intro (a thread, a group DM or one DM each, as the platform does it), once.

        Writes are few: with `force` and no row yet (the caller's own claim fences the intro), the intro's row is
        written with its first conversation, before anything is posted there; the last posts' records go with
        the outcome in one transaction. `fresh` (with `force`): the caller knows there was no earlier attempt
        (it made the intro moment ago), so the ledger is not even asked."""
        cid = community.id
        fingerprint = messenger.fingerprint(message)
        if force and (fresh or not await self.ledger.peek(cid, key, INTRO)):
            # written with the first record
            claim = Claim(0, ClaimResult.FRESH, new_marker(), fingerprints=(fingerprint,), since=self.clock())
        else:
            claim = await self.ledger.claim(cid, key, INTRO, self.token, self.clock(), force=force, lease=self.lease,
                                            fingerprint=fingerprint)
        if claim.result is ClaimResult.SENT:
            ids = tuple(c for c in claim.channel_id.split(",") if c)
            return Delivery("earlier", conversation=ConversationRef(community.platform, ids, claim.kind))
        self._refuse_unsettled(claim, key)
        if claim.result is ClaimResult.BUSY:
            return Delivery("busy")
        earlier = await self.ledger.placements(cid, key) if claim.result is ClaimResult.RESUME else []
        pending = {"create": "" if claim.id else claim.marker}

        async def write(placements: list[Placement], settle: Settlement | None = None) -> None:
            made = await self.ledger.record(cid, key, self.token, self.clock(), create=pending["create"],
                                            fingerprint=fingerprint, placements=placements, settle=settle)
            if made is None:
                raise DeliveryUnverified("claimed_elsewhere")  # another process has it: never sent by both
            pending["create"] = ""

        journal = Journal(claim.marker, earlier, write, fingerprints=claim.fingerprints, since=claim.since)
        try:
            conversation = await messenger.introduce(community, members, replace(message, ref=claim.marker),
                                                     channel=channel, journal=journal)
        except DeliveryFailed as exc:
            metrics.intro("deferred" if exc.retry_after and not isinstance(exc, DeliveryUnverified) else "failed")
            await write(journal.unwritten(), self._outcome(exc))
            raise
        metrics.intro("sent")
        await write(journal.unwritten(), Settlement(
            State.SENT, conversation.kind, ",".join(conversation.channel_ids),
            next((p.message_id for p in journal.all() if p.posted), "")))
        return Delivery("sent" if journal.new_posts else "found", conversation=conversation)

    @staticmethod
    async def _find(messenger: Messenger, community: CommunityRef, to: Target, claim: Claim) -> MessageRef | None:
        return await messenger.find_delivered(community, to, claim.marker, fingerprints=claim.fingerprints,
                                              since=claim.since)

    @staticmethod
    def _refuse_unsettled(claim: Claim, key: str) -> None:
        if claim.result is ClaimResult.UNKNOWN:
            raise DeliveryUnverified(claim.detail or f"{key} was cut off and could not be verified")

    @staticmethod
    def _outcome(exc: DeliveryFailed) -> Settlement:
        if isinstance(exc, DeliveryUnverified):
            return Settlement(State.UNKNOWN, detail=f"unverified:{exc.reason}")
        if exc.retry_after:
            return Settlement(State.PENDING, detail="rate_limited")  # try again later, as if never claimed
        return Settlement(State.FAILED, detail=exc.reason)

    async def _failed(self, claim: Claim, exc: DeliveryFailed) -> None:
        outcome = self._outcome(exc)
        await self._settle(claim, outcome.state, detail=outcome.detail)

    async def _settle(self, claim: Claim, state: State, **values: str) -> None:
        await self.ledger.settle(claim.id, self.token, state, self.clock(), **values)
