"""Typed interfaces one feature offers the others, declared here so that neither imports the other.

The providing feature registers its implementation at start-up (`services.provide(ActivityLevels, impl)`); a
consumer looks it up by type (`services.interface(ActivityLevels)`) and gets the implementation, or None when the
providing feature is not loaded, and then does without it. Events (core/events.py) are for telling; these are
for asking.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from core.refs import MemberRef


class ActivityLevels(Protocol):
    """How active each member has been lately (provided by engagement; matching pairs quiet and busy members)."""

    async def activity_levels(self, community_id: int) -> dict[int, float]:
        """Present member id -> level in [0, 1] (0: no activity in the last 28 days; otherwise the percentile
        among active members)."""
        ...


class MatchHistory(Protocol):
    """Whether matching has introduced a member to someone (asked by welcome's drip: a matched newcomer is not
    nudged to meet people). No feature provides it yet, so the drip counts buddy intros only."""

    async def was_matched(self, community_id: int, member_id: int) -> bool: ...


class SettingChange(Protocol):
    """One settings key whose value changed."""

    @property
    def key(self) -> str: ...
    @property
    def old(self) -> Any: ...
    @property
    def new(self) -> Any: ...


class SettingsEditor(Protocol):
    """The one way to change a community's settings, validated, audited and shown in `/config history` (provided
    by config)."""

    async def apply(self, community_id: int, *, set_values: Mapping[str, Any] | None = None,
                    reset_keys: Iterable[str] = (), who: MemberRef, action: str) -> Sequence[SettingChange]:
        """Validate and store; returns what changed. Raises a `UserError` naming the refused value."""
        ...

    async def editors(self, community_id: int) -> list[int]:
        """Member ids of those who changed this community's settings, most recent first, each once (welcome's
        digest counts them among the moderators it may tell)."""
        ...


class PersonalData(Protocol):
    """What one feature stores about a member, for `/privacy export` (provided by every feature that stores
    personal data, with `services.provide_many`; engagement's privacy cog collects all of them). Other people
    appear only by display name and only where the record is the member's own (whom they were introduced to),
    never with their answers or other private data."""

    @property
    def section(self) -> str:
        """The key of this feature's part in the export ("matching", "welcome", ...)."""
        ...

    async def personal_data(self, community_id: int, member_id: int) -> dict[str, Any]:
        """The member's records, JSON-ready apart from datetimes and dates (the export writes those as ISO)."""
        ...
