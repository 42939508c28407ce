"""Who is who on the workspace: member names, admin flags and user-group membership, cached briefly.

Slash commands and events carry only user ids; names (and the language the person uses Slack in, which answers
only they see may follow) come from ``users.info``. Moderator checks need the
user's admin flags and the members of the configured moderator user groups. All of it is cached for a few
minutes so a busy channel does not turn into a stream of Web API calls (and rate limits).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.refs import MemberRef, Platform
from integrations.slack.errors import error_code

log = logging.getLogger(__name__)

USER_TTL = 600.0
GROUP_TTL = 60.0
MAX_CACHED_USERS = 50_000
_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")


@dataclass(frozen=True, slots=True)
class SlackUser:
    """The parts of a Slack user object Kindred uses."""

    id: str
    username: str
    display_name: str
    is_bot: bool = False
    is_admin: bool = False
    deleted: bool = False
    locale: str | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> SlackUser:
        profile = data.get("profile") or {}
        display = profile.get("display_name") or profile.get("real_name") or data.get("real_name") or ""
        return cls(
            id=str(data.get("id", "")),
            username=str(data.get("name", "")),
            display_name=str(display or data.get("name", "")),
            is_bot=bool(data.get("is_bot") or data.get("is_app_user")) or data.get("id") == "USLACKBOT",
            is_admin=bool(data.get("is_admin") or data.get("is_owner") or data.get("is_primary_owner")),
            deleted=bool(data.get("deleted")),
            locale=data.get("locale"),
        )

    def ref(self) -> MemberRef:
        return MemberRef(Platform.SLACK, self.id, self.display_name, username=self.username, is_bot=self.is_bot)


class Directory:
    """Cached look-ups of users and user groups through the Web API."""

    def __init__(self, client: AsyncWebClient, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self._clock = clock
        self._users: dict[str, tuple[float, SlackUser]] = {}
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}
        self._handles: tuple[float, dict[str, str]] | None = None

    # ---- users ----

    def remember(self, data: dict[str, Any]) -> SlackUser:
        """Cache a user object Slack sent anyway (``team_join`` carries the whole user)."""
        user = SlackUser.from_api(data)
        if user.id:
            if len(self._users) >= MAX_CACHED_USERS:
                self._users.clear()
            self._users[user.id] = (self._clock(), user)
        return user

    def _fresh(self, user_id: str) -> SlackUser | None:
        cached = self._users.get(user_id)
        if cached is not None and self._clock() - cached[0] < USER_TTL:
            return cached[1]
        return None

    async def user(self, user_id: str) -> SlackUser | None:
        """The user (from cache or ``users.info``); None when Slack does not know them or cannot say."""
        cached = self._fresh(user_id)
        if cached is not None:
            return cached
        try:
            response = await self.client.users_info(user=user_id, include_locale=True)
        except SlackApiError as error:
            log.info("users.info %s failed: %s", user_id, error_code(error))
            stale = self._users.get(user_id)
            return stale[1] if stale else None
        return self.remember(response.get("user") or {})

    async def member(self, user_id: str, *, username: str = "") -> MemberRef:
        """A MemberRef with the user's names; falls back to what the payload said when Slack cannot answer."""
        user = await self.user(user_id)
        if user is None:
            return MemberRef(Platform.SLACK, user_id, username or user_id, username=username)
        return user.ref()

    def locale_of(self, user_id: str) -> str | None:
        """The user's Slack language (``de-DE``) as last fetched, without a Web API call; None when unknown."""
        cached = self._users.get(user_id)
        return cached[1].locale if cached else None

    def known(self, user_id: str) -> MemberRef:
        """A MemberRef without a Web API call: cached names if any, else the bare id (for busy events)."""
        cached = self._users.get(user_id)
        return cached[1].ref() if cached else MemberRef(Platform.SLACK, user_id)

    async def is_admin(self, user_id: str) -> bool:
        """Workspace admins and owners may always moderate Kindred."""
        user = await self.user(user_id)
        return bool(user and user.is_admin and not user.deleted)

    # ---- user groups ----

    async def _handle_map(self) -> dict[str, str]:
        """Handle (without @) -> group id, from ``usergroups.list``."""
        if self._handles is not None and self._clock() - self._handles[0] < GROUP_TTL:
            return self._handles[1]
        try:
            response = await self.client.usergroups_list()
        except SlackApiError as error:
            log.warning("usergroups.list failed: %s", error_code(error))
            return self._handles[1] if self._handles else {}
        mapping = {str(g.get("handle", "")).lower(): str(g.get("id")) for g in response.get("usergroups") or []}
        self._handles = (self._clock(), mapping)
        return mapping

    async def _members_of(self, group_id: str) -> frozenset[str]:
        cached = self._groups.get(group_id)
        if cached is not None and self._clock() - cached[0] < GROUP_TTL:
            return cached[1]
        try:
            response = await self.client.usergroups_users_list(usergroup=group_id)
        except SlackApiError as error:
            log.warning("usergroups.users.list %s failed: %s", group_id, error_code(error))
            return cached[1] if cached else frozenset()
        members = frozenset(str(u) for u in response.get("users") or [])
        self._groups[group_id] = (self._clock(), members)
        return members

    async def groups_containing(self, user_id: str, configured: Iterable[str]) -> set[str]:
        """Which of the configured groups (ids like ``S0123`` or handles like ``@mods``) the user is in.

        The configured spellings themselves are returned, so the dispatcher's comparison with the setting
        matches whichever spelling the moderators used.
        """
        wanted = [c.strip() for c in configured if c and c.strip()]
        if not wanted:
            return set()
        handles: dict[str, str] = {}
        if any(not _GROUP_ID.match(c) for c in wanted):
            handles = await self._handle_map()
        found: set[str] = set()
        for spelling in wanted:
            group_id = spelling if _GROUP_ID.match(spelling) else handles.get(spelling.lstrip("@").lower())
            if group_id and user_id in await self._members_of(group_id):
                found.add(spelling)
        return found
