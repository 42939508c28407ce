"""Writing to and reading from the engagement log from anywhere in this feature (and its tests and benches).

Other features do not import this: they emit typed events (core/events.py: `IntroSent`, `MatchFeedback`, ...)
that the engagement cog records (cogs/engagement/from_features.py), and ask for activity levels through the
`ActivityLevels` interface (core/interfaces.py), which the running recorder provides.

    await record(services, community_id, member_id, "met", target_id=partner_id, value=1, label="yes")
    levels = await activity_levels(services, community_id)   # {member_id: 0.0 .. 1.0}

Kinds and their typed slots are listed in cogs/engagement/kinds.py (`SPECS`). `record` returns False (and does
nothing) when the engagement cog is not loaded, the log is off for the community, or the member opted out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cogs.engagement.analytics import Analytics
from cogs.engagement.metrics import activity_label
from cogs.engagement.recorder import Recorder
from core.interfaces import ActivityLevels
from core.services import Services

__all__ = ["activity_label", "activity_levels", "record", "recorder"]


def recorder(services: Services) -> Recorder | None:
    """The running recorder, or None when the engagement cog is not loaded."""
    found = services.interface(ActivityLevels)
    return found if isinstance(found, Recorder) else None


async def record(
    services: Services,
    community_id: int,
    member_id: int | None,
    kind: str,
    *,
    at: datetime | None = None,
    target_id: int | None = None,
    value: int = 0,
    label: str | None = None,
    channel: str | None = None,
    dedupe: str | None = None,
    **meta: Any,
) -> bool:
    """Record one event about a member; see the module docstring for the kinds other features use."""
    rec = recorder(services)
    if rec is None:
        return False
    return await rec.record(community_id, member_id, kind, at=at, target_id=target_id, value=value, label=label,
                            channel=channel, dedupe=dedupe, **meta)


async def activity_levels(services: Services, community_id: int, *, now: datetime | None = None) -> dict[int, float]:
    """Activity level per present member of the community, in [0, 1] (0: no activity in the last 28 days;
    otherwise the percentile among active members). Recent events are flushed first so the answer is current."""
    rec = recorder(services)
    if rec is not None and now is None:
        return await rec.activity_levels(community_id)
    return await Analytics(services.store, services.config).activity_levels(community_id, now or services.clock())
