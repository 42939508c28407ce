"""Events in neutral form: what integrations translate platform payloads into before features see them, and
what features tell each other (the feature events at the end), so that no feature imports another.

Events carry a `CommunityKey` (what the platform calls the community); the dispatcher resolves it to the store's
`CommunityRef` and fills `community` before handlers run, so handlers always see store ids. A feature emits its
events with `app.emit(...)`, naming the community both ways (`key=community.key, community=community`) and its
members by store id; like every event, they do not reach the cogs of a module the community switched off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

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
class ProfileUpdated(Event):
    """A member changed their profile; `complete` says whether the core facets are now filled in."""

    member: MemberRef
    fields: tuple[str, ...] = ()
    complete: bool = False


# ---------------------------------------------------------------- feature events (feature -> other features)
@dataclass(slots=True, kw_only=True)
class IntroSent(Event):
    """Members were introduced to each other in one conversation, and the intro is out. Emitted by matching (a
    round, a request, a mentorship: `match` names the kind of match) and by welcome (a newcomer and their buddy:
    `match` is None)."""

    members: tuple[int, ...]
    conversation: str  # the kind of conversation: "thread", "group_dm", "dm", ...
    intro: str  # the introducing feature's id of this intro
    match: str | None = None
    round: int | None = None  # the number of the intro round it came from (None outside a round)


@dataclass(slots=True, kw_only=True)
class MatchFeedback(Event):
    """A member answered whether they met the people of an intro ("yes", "no", "not_yet", ...)."""

    member_id: int
    intro: str
    partners: tuple[int, ...]
    answer: str


@dataclass(slots=True, kw_only=True)
class IntroRated(Event):
    """A member who met the people of an intro said whether they would meet them again (the intro's rating)."""

    member_id: int
    intro: str
    partners: tuple[int, ...]
    again: bool


@dataclass(slots=True, kw_only=True)
class MentorSessionStarted(Event):
    """A mentor accepted a request and was introduced to the mentee."""

    mentor_id: int
    mentee_id: int
    intro: str


@dataclass(slots=True, kw_only=True)
class NewcomerGreeted(Event):
    """Welcome greeted a newcomer (`via` "dm" or "channel"), with their buddy when one was assigned with it."""

    member_id: int
    via: str
    buddy_id: int | None = None


@dataclass(slots=True, kw_only=True)
class BuddyAssigned(Event):
    """Welcome introduced a newcomer to a buddy, with the greeting or later ("Find me a buddy")."""

    member_id: int
    buddy_id: int
    with_greeting: bool


@dataclass(slots=True, kw_only=True)
class ProfileStarted(Event):
    """A member started their profile from another feature's button (`source`, e.g. "welcome")."""

    member_id: int
    source: str


@dataclass(slots=True, kw_only=True)
class ProjectPosted(Event):
    """A member posted a project that needs people (`/collab post`); `needs` counts the people it asks for."""

    owner_id: int
    project: str  # the collaboration feature's id of the project
    needs: int


@dataclass(slots=True, kw_only=True)
class CollabIntro(Event):
    """An intro asked for a project was accepted: the owner (or whoever asked) and the person are introduced."""

    requester_id: int
    member_id: int
    project: str
    intro: str
    need: str = ""


@dataclass(slots=True, kw_only=True)
class TeamFormed(Event):
    """A moderator confirmed team formation (`/collab teams`) and one team's intro went out; `covers` maps a
    member to the need they bring ("" for none)."""

    team: str  # the collaboration feature's id of the team: "<formation>:<number>"
    members: tuple[int, ...]
    covers: dict[int, str]
    source: str  # "group:<name>" or "event:<id>"
