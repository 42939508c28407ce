"""Passing welcome steps on to the engagement log, when one is running.

The welcome tables stay the source of truth for the onboarding funnel (`/welcome status`); the engagement log
(cogs/engagement, found at run time in `services.extras["engagement"]`, never imported) gets the steps its kinds
describe, so that retention of welcomed and buddied newcomers can be compared with everyone else:

- a greeting -> `greeted` (label "dm" or "channel"; target and value 1 when a buddy was assigned with it)
- "Set up my profile" pressed -> `profile_started` (label "welcome"), once per newcomer
- a buddy assigned -> `buddy_assigned` (target the buddy; label "greeting" when assigned with the greeting, whose
  `greeted` event then names the buddy too, or "later" when found with "Find me a buddy")
- the buddy intro -> `intro_sent` for both, each with the other as target

A saved profile is not forwarded: the engagement log records `profile_completed` from the profile event itself.
When no recorder is installed, or it refuses an event, onboarding goes on.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)

PROFILE_STARTED_LABEL = "welcome"  # where a `profile_started` event came from: the greeting's button


def has_recorder(extras: dict[str, Any]) -> bool:
    return callable(getattr(extras.get("engagement"), "record", None))


async def record_engagement(extras: dict[str, Any], community_id: int, member_id: int, kind: str, *,
                            at: datetime, target_id: int | None = None, value: int = 0, label: str | None = None,
                            **meta: Any) -> bool:
    """Forward one event; True when a recorder took it."""
    record = getattr(extras.get("engagement"), "record", None)
    if record is None:
        return False
    try:
        return bool(await record(community_id, member_id, kind, at=at, target_id=target_id, value=value,
                                 label=label, **meta))
    except Exception:
        log.warning("the engagement log refused a welcome event (%s)", kind, exc_info=True)
        return False
