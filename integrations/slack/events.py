"""Slack Events API payloads translated into Kindred's neutral events: pure functions, no Web API calls.

What is kept is what the engagement log and the welcome flow need: who, where, how long, in a thread or not. The
message text only when the community switched ``engagement.store_message_text`` on. Bot posts, edits, deletions
and channel-join notices are not activity and are dropped here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from core.events import Event, MemberJoined, MemberLeft, MessagePosted, ReactionAdded
from core.refs import ChannelRef, CommunityKey, MemberRef, Platform

COUNTED_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})
"""Message subtypes that are a person saying something; everything else (edits, joins, bots) is not."""

MemberLookup = Callable[[str], MemberRef]


def event_time(body: dict[str, Any], event: dict[str, Any]) -> datetime | None:
    """When Slack says it happened (``event_ts``, else the envelope's ``event_time``)."""
    for raw in (event.get("event_ts"), event.get("ts"), body.get("event_time")):
        try:
            if raw is not None:
                return datetime.fromtimestamp(float(raw), UTC)
        except (TypeError, ValueError, OverflowError):
            continue
    return None


def _channel(channel_id: str, channel_type: str | None = None) -> ChannelRef:
    return ChannelRef(Platform.SLACK, channel_id, is_dm=channel_type == "im" or channel_id.startswith("D"))


E = TypeVar("E", bound=Event)


def _stamp(event: E, body: dict[str, Any], inner: dict[str, Any]) -> E:
    """Set when it happened and Slack's delivery id (the dispatcher and the dedupe use it)."""
    at = event_time(body, inner)
    if at is not None:
        event.at = at
    event.event_id = str(body.get("event_id") or "")
    return event


def member_joined_team(key: CommunityKey, body: dict[str, Any], member: MemberRef) -> MemberJoined:
    """``team_join``: somebody joined the workspace (the welcome flow's trigger "join"); for a member Kindred
    marked as gone, a return (the join clears the mark, as a reactivation does)."""
    return _stamp(MemberJoined(key=key, member=member, trigger="join"), body, body.get("event", {}))


def member_joined_channel(key: CommunityKey, body: dict[str, Any], lookup: MemberLookup) -> MemberJoined:
    """``member_joined_channel``: the welcome flow's trigger "channel:<id>"."""
    event = body.get("event", {})
    joined = MemberJoined(key=key, member=lookup(str(event.get("user", ""))),
                          trigger=f"channel:{event.get('channel', '')}")
    return _stamp(joined, body, event)


def user_changed(
    key: CommunityKey, body: dict[str, Any], member: MemberRef, *, deleted: bool, gone: bool | None
) -> MemberLeft | MemberJoined | None:
    """``user_change``: Slack's only word that a member was deactivated (``deleted: true``) or reactivated.

    ``gone`` is what the store says of the member: True when marked as gone, False when present, None when
    Kindred never recorded them. A deactivation of a present member is a leave; a reactivation of a member marked
    as gone is a return, a join like a rejoin on Discord (the welcome flow greets them as anyone who joins, but
    never twice: a member it greeted before is not greeted again). Everything else ``user_change`` reports
    (names, status, avatar, a second word about the same deactivation, members Kindred never saw) changes
    nothing and gives no event."""
    if member.is_bot or gone is None:
        return None
    event = body.get("event", {})
    if deleted and not gone:
        return _stamp(MemberLeft(key=key, member=member), body, event)
    if not deleted and gone:
        return _stamp(MemberJoined(key=key, member=member, trigger="join"), body, event)
    return None


def is_counted_message(event: dict[str, Any], bot_user_id: str = "") -> bool:
    """A person's new message (not a bot, not an edit/deletion/join notice, not the bot itself)."""
    if event.get("subtype") not in COUNTED_SUBTYPES:
        return False
    if event.get("bot_id") or event.get("bot_profile"):
        return False
    user = event.get("user")
    return bool(user) and user != bot_user_id and user != "USLACKBOT"


def message_posted(
    key: CommunityKey, body: dict[str, Any], lookup: MemberLookup, *, store_text: bool
) -> MessagePosted:
    """``message``: author, channel, length, thread or not; the text only when the community stores it."""
    event = body.get("event", {})
    text = str(event.get("text") or "")
    thread_ts = event.get("thread_ts")
    posted = MessagePosted(
        key=key,
        member=lookup(str(event.get("user", ""))),
        channel=_channel(str(event.get("channel", "")), event.get("channel_type")),
        length=len(text),
        in_thread=bool(thread_ts) and thread_ts != event.get("ts"),
        text=text if store_text else None,
    )
    return _stamp(posted, body, event)


def reaction_added(key: CommunityKey, body: dict[str, Any], lookup: MemberLookup) -> ReactionAdded | None:
    """``reaction_added`` on a message (reactions on files and the like are ignored)."""
    event = body.get("event", {})
    item = event.get("item") or {}
    if item.get("type") != "message" or not event.get("user"):
        return None
    author = event.get("item_user")
    added = ReactionAdded(
        key=key,
        member=lookup(str(event["user"])),
        channel=_channel(str(item.get("channel", ""))),
        emoji=str(event.get("reaction", "")),
        message_author=lookup(str(author)) if author else None,
    )
    return _stamp(added, body, event)
