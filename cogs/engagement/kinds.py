"""What the engagement log records: event kinds, their small typed metadata, and the row shape.

Every event is one row: who (member), what (kind), when (at), where (channel), with whom (target), and three
typed slots whose meaning depends on the kind (`value` an integer, `label` a short text, `meta` a few typed
keys). Keeping the slots typed and few keeps ingest fast and exports readable; `validate` rejects anything a
kind does not declare, so a feature cannot log free-form personal data by accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.i18n import N_n, Plural


class Kind(StrEnum):
    JOINED = "joined"
    LEFT = "left"
    MESSAGE = "message"
    REACTION = "reaction"
    THANKS = "thanks"
    COMMAND = "command"
    PROFILE_COMPLETED = "profile_completed"
    MATCHED = "matched"
    INTRO_SENT = "intro_sent"
    MET = "met"
    RATED = "rated"
    MENTOR_SESSION = "mentor_session"
    GREETED = "greeted"
    PROFILE_STARTED = "profile_started"
    BUDDY_ASSIGNED = "buddy_assigned"
    PROJECT_POSTED = "project_posted"
    COLLAB_INTRO = "collab_intro"
    TEAM_FORMED = "team_formed"


@dataclass(frozen=True, slots=True)
class KindSpec:
    """What the typed slots of one kind mean; `meta` maps allowed keys to their Python type."""

    member: str
    target: str = ""
    value: str = ""
    label: str = ""
    meta: Mapping[str, type] = field(default_factory=dict)


SPECS: dict[Kind, KindSpec] = {
    Kind.JOINED: KindSpec("the newcomer", label="trigger"),
    Kind.LEFT: KindSpec("who left"),
    Kind.MESSAGE: KindSpec("the author", value="length in characters", label="'thread' when in a thread"),
    Kind.REACTION: KindSpec("who reacted", target="author of the message", label="emoji"),
    Kind.THANKS: KindSpec("who says thanks", target="who helped", meta={"reason": str}),
    Kind.COMMAND: KindSpec("who ran it", value="1 ok, 0 failed", label="command name"),
    Kind.PROFILE_COMPLETED: KindSpec("whose profile"),
    Kind.MATCHED: KindSpec(
        "a matched member", target="a partner", value="round number", label="round, mentor or request",
        meta={"group": list, "intro": str},
    ),
    Kind.INTRO_SENT: KindSpec("a member introduced", target="a partner", label="thread, group_dm or dm",
                              meta={"intro": str}),
    # what they answered is never exported (cogs/engagement/store/export.py), only counted
    Kind.MET: KindSpec("who answered the check-in", target="the partner", value="1 met, 0 not",
                       label="the answer", meta={"intro": str}),
    # like `met`, what they answered is never exported, only counted
    Kind.RATED: KindSpec("who rated the intro", target="the partner", value="1 would meet again, 0 rather not",
                         label="again or not_again", meta={"intro": str}),
    # recorded for both when a mentorship starts (the mentor accepted and both were introduced)
    Kind.MENTOR_SESSION: KindSpec("a participant", target="the other participant",
                                  value="minutes, when known (0 otherwise)", label="mentor or mentee",
                                  meta={"intro": str}),
    Kind.GREETED: KindSpec("the newcomer", target="the buddy or greeter", value="1 when a buddy was assigned",
                           label="dm or channel"),
    Kind.PROFILE_STARTED: KindSpec("the newcomer", label="where it was started (welcome)"),
    Kind.BUDDY_ASSIGNED: KindSpec("the newcomer", target="the buddy",
                                  label="greeting (with the greeting) or later (\"Find me a buddy\")"),
    Kind.PROJECT_POSTED: KindSpec("the owner", value="people the project asks for", meta={"project": str}),
    # recorded for both when an intro asked for a project is accepted
    Kind.COLLAB_INTRO: KindSpec("a participant", target="the other participant",
                                label="requester or member", meta={"project": str, "intro": str}),
    # recorded for every member of a team when its intro went out (`/collab teams`)
    Kind.TEAM_FORMED: KindSpec("a team member", value="people in the team", label="the need they bring (or empty)",
                               meta={"team": str, "source": str}),
}

# What each kind is called where a person reads it (`/privacy show`), counted: "31 commands", "1 completed profile".
LABELS: dict[Kind, Plural] = {
    Kind.JOINED: N_n("{n} join", "{n} joins"),
    Kind.LEFT: N_n("{n} departure", "{n} departures"),
    Kind.MESSAGE: N_n("{n} message", "{n} messages"),
    Kind.REACTION: N_n("{n} reaction", "{n} reactions"),
    Kind.THANKS: N_n("{n} thank-you", "{n} thank-yous"),
    Kind.COMMAND: N_n("{n} command", "{n} commands"),
    Kind.PROFILE_COMPLETED: N_n("{n} completed profile", "{n} completed profiles"),
    Kind.MATCHED: N_n("{n} match", "{n} matches"),
    Kind.INTRO_SENT: N_n("{n} introduction", "{n} introductions"),
    Kind.MET: N_n("{n} check-in answer", "{n} check-in answers"),
    Kind.RATED: N_n("{n} intro rating", "{n} intro ratings"),
    Kind.MENTOR_SESSION: N_n("{n} mentorship", "{n} mentorships"),
    Kind.GREETED: N_n("{n} greeting", "{n} greetings"),
    Kind.PROFILE_STARTED: N_n("{n} opened profile form", "{n} opened profile forms"),
    Kind.BUDDY_ASSIGNED: N_n("{n} buddy assignment", "{n} buddy assignments"),
    Kind.PROJECT_POSTED: N_n("{n} posted project", "{n} posted projects"),
    Kind.COLLAB_INTRO: N_n("{n} project introduction", "{n} project introductions"),
    Kind.TEAM_FORMED: N_n("{n} team joined", "{n} teams joined"),
}

# Kinds that mean the member did something (as opposed to something happening to them).
ACTIVE_KINDS: frozenset[str] = frozenset(
    {Kind.MESSAGE, Kind.REACTION, Kind.THANKS, Kind.COMMAND, Kind.PROFILE_COMPLETED, Kind.MET, Kind.RATED,
     Kind.MENTOR_SESSION, Kind.PROFILE_STARTED, Kind.PROJECT_POSTED, Kind.COLLAB_INTRO}
)

# The row every event becomes, in the order of cogs.engagement.tables.EVENT_COLUMNS. On SQLite the recorder
# queues `at` and `meta` as the text the store keeps (cogs/engagement/store/events.py `stored_row`).
Row = tuple[int, str, int | None, str, datetime | str, str | None, int | None, int, str | None,
            dict[str, Any] | str | None, str | None, str | None]

MAX_LABEL = 64
MAX_META_TEXT = 200
MAX_CHANNEL = 64
MAX_TEXT = 4000


class InvalidEvent(ValueError):
    """A feature tried to record something the kind does not declare (a programming error, not user input)."""


def _check_meta(kind: Kind, meta: Mapping[str, Any]) -> dict[str, Any] | None:
    if not meta:
        return None
    allowed = SPECS[kind].meta
    out: dict[str, Any] = {}
    for key, value in meta.items():
        want = allowed.get(key)
        if want is None:
            raise InvalidEvent(f"{kind}: unknown metadata key {key!r} (allowed: {', '.join(allowed) or '-'})")
        if value is None:
            continue
        if want is list:
            if not isinstance(value, list | tuple) or not all(isinstance(v, int) for v in value):
                raise InvalidEvent(f"{kind}: {key} must be a list of member ids")
            out[key] = [int(v) for v in value][:20]
        elif want is str:
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise InvalidEvent(f"{kind}: {key} must be text")
            out[key] = str(value)[:MAX_META_TEXT]
        elif not isinstance(value, want) or (want is int and isinstance(value, bool)):
            raise InvalidEvent(f"{kind}: {key} must be {want.__name__}")
        else:
            out[key] = value
    return out or None


def validate(
    kind: str,
    *,
    value: int = 0,
    label: str | None = None,
    channel: str | None = None,
    meta: Mapping[str, Any] | None = None,
) -> tuple[Kind, int, str | None, str | None, dict[str, Any] | None]:
    """Check and normalise the slots of one event; raises `InvalidEvent` for undeclared kinds or keys."""
    try:
        k = Kind(kind)
    except ValueError:
        raise InvalidEvent(f"unknown event kind {kind!r}") from None
    if isinstance(value, bool):
        value = int(value)
    if not isinstance(value, int):
        raise InvalidEvent(f"{kind}: value must be an integer")
    return (
        k,
        max(min(value, 2**31 - 1), -(2**31)),
        label[:MAX_LABEL] if label else None,
        channel[:MAX_CHANNEL] if channel else None,
        _check_meta(k, meta or {}),
    )
