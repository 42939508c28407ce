"""Platform events in neutral form: what integrations translate payloads into before features see them.

Events carry a `CommunityKey` (what the platform calls the community); the dispatcher resolves it to the store's
`CommunityRef` and fills `community` before handlers run, so handlers always see store ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.refs import ChannelRef, CommunityKey, CommunityRef, MemberRef


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True, kw_only=True)
class Event:
    """Base of all events. `community` is filled by the dispatcher."""

    key: CommunityKey
    community: CommunityRef | None = None
    at: datetime = field(default_factory=_now)
    event_id: str = ""  # the platform's delivery id, used to drop retried deliveries


@dataclass(slots=True, kw_only=True)
class MemberJoined(Event):
    member: MemberRef
    trigger: str = "join"  # "join", or a later trigger such as "role:verified" / "channel:C123"


@dataclass(slots=True, kw_only=True)
class MemberLeft(Event):
    """A member left the community (Discord: removed or left the guild; Slack: deactivated). The dispatcher
    marks them as gone before the handlers run; from then on no feature matches, suggests, greets, nudges or
    counts them as active. A later `MemberJoined` with trigger "join" brings them back."""

    member: MemberRef


@dataclass(slots=True, kw_only=True)
class MessagePosted(Event):
    """A message was posted. `text` is only set when the community stores message text."""

    member: MemberRef
    channel: ChannelRef
    length: int = 0
    in_thread: bool = False
    text: str | None = None


@dataclass(slots=True, kw_only=True)
class ReactionAdded(Event):
    member: MemberRef
    channel: ChannelRef
    emoji: str
    message_author: MemberRef | None = None


@dataclass(slots=True, kw_only=True)
class CommunityJoined(Event):
    """The bot was added to a guild/workspace (or the console session started)."""


@dataclass(slots=True, kw_only=True)
class CommandUsed(Event):
    """Emitted by the dispatcher after a command ran, for the engagement log."""

    member: MemberRef
    command: str
    ok: bool = True


@dataclass(slots=True, kw_only=True)
class ScheduledTick(Event):
    """A scheduled job fired for a community (e.g. `match.round`)."""

    job: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class ProfileUpdated(Event):
    """A member changed their profile; `complete` says whether the core facets are now filled in."""

    member: MemberRef
    fields: tuple[str, ...] = ()
    complete: bool = False
