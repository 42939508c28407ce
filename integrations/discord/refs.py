"""discord.py objects (and raw interaction payloads) to the neutral references features see.

One place decides how a Discord member is named, which roles count for moderator checks, and what a
channel or guild is called, so commands, events and intros all agree.
"""

from __future__ import annotations

from typing import Any

import discord

from core.refs import ChannelRef, CommunityKey, MemberRef, Platform

PLATFORM = Platform.DISCORD.value


def community_key(guild: discord.Guild | discord.Object | int, name: str = "") -> CommunityKey:
    """The neutral key of a guild (its id; the name is refreshed whenever we see it)."""
    if isinstance(guild, discord.Guild):
        return CommunityKey(PLATFORM, str(guild.id), guild.name)
    guild_id = guild if isinstance(guild, int) else guild.id
    return CommunityKey(PLATFORM, str(guild_id), name)


def role_labels(roles: list[discord.Role] | tuple[discord.Role, ...]) -> tuple[str, ...]:
    """Role ids and names, so `community.moderator_roles` may list either (never @everyone)."""
    labels: list[str] = []
    for role in roles:
        if role.is_default():
            continue
        labels += [str(role.id), role.name]
    return tuple(labels)


def member_ref(user: discord.Member | discord.User | discord.abc.User) -> MemberRef:
    """A neutral reference to a guild member or a plain user (store id filled in by the dispatcher)."""
    roles = role_labels(user.roles) if isinstance(user, discord.Member) else ()
    return MemberRef(
        platform=PLATFORM,
        user_id=str(user.id),
        display_name=user.display_name,
        username=user.name,
        is_bot=user.bot,
        roles=roles,
    )


def member_ref_from_payload(user: dict[str, Any], member: dict[str, Any] | None) -> MemberRef:
    """From an interaction's `resolved` users/members entry (no cache needed)."""
    display = (member or {}).get("nick") or user.get("global_name") or user.get("username") or str(user["id"])
    return MemberRef(
        platform=PLATFORM,
        user_id=str(user["id"]),
        display_name=str(display),
        username=str(user.get("username", "")),
        is_bot=bool(user.get("bot", False)),
        roles=tuple(str(r) for r in (member or {}).get("roles", [])),
    )


def channel_ref(channel: Any) -> ChannelRef | None:
    """A neutral reference to a text channel, thread or DM (None when there is no channel)."""
    if channel is None:
        return None
    is_dm = isinstance(channel, discord.DMChannel | discord.GroupChannel)
    is_thread = isinstance(channel, discord.Thread)
    name = "" if is_dm else str(getattr(channel, "name", "") or "")
    return ChannelRef(PLATFORM, str(channel.id), name, is_dm=is_dm, is_thread=is_thread)


def snowflake(value: str | int) -> int | None:
    """A Discord id from a neutral id string; None when it is not one (e.g. a console id)."""
    text = str(value).strip()
    if text.startswith("<#") and text.endswith(">"):
        text = text[2:-1]
    return int(text) if text.isdigit() and 15 <= len(text) <= 21 else None
