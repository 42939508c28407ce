"""From the store to the engine: profiles become `Member`s, settings become `MatchOptions`."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable
from datetime import datetime

from cogs.matching.engine import MatchOptions, Member
from core.interfaces import ActivityLevels
from core.ports import MemberRecord, ProfileRecord
from core.services import Services
from core.settings import CommunityConfig
from storage.matching import MatchingRepo

log = logging.getLogger(__name__)


def _first(profile: ProfileRecord | None, name: str) -> str | None:
    return (profile.first(name) or None) if profile else None


def to_member(row: MemberRecord, profile: ProfileRecord | None, activity: float | None = None) -> Member:
    """One engine member from a member row and its profile (missing facets stay empty)."""
    values = profile.values if profile else (lambda _name: [])
    return Member(
        id=row.id,
        name=row.display_name or row.username or row.user_id,
        role=_first(profile, "role"),
        team=_first(profile, "team"),
        topics=tuple(values("topics")),
        offers=tuple(values("offers")),
        wants=tuple(values("wants")),
        timezone=_first(profile, "timezone"),
        languages=tuple(values("languages")),
        activity=activity,
    )


async def activity_levels(services: Services, repo: MatchingRepo, community_id: int) -> dict[int, float]:
    """Activity per member in [0, 1]: the engagement log's levels when that feature runs (the `ActivityLevels`
    interface), else how often the member confirmed a meeting (so that quiet newcomers still meet welcoming
    regulars)."""
    levels = services.interface(ActivityLevels)
    if levels is not None:
        found = await levels.activity_levels(community_id)
        if found:
            return found
    met = await repo.met_counts(community_id)
    return {m: min(1.0, n / 5) for m, n in met.items()}


async def load_members(
    services: Services, repo: MatchingRepo, community_id: int, ids: Iterable[int] | None = None,
    *, with_profile_only: bool = False, use_activity: bool = True,
) -> dict[int, Member]:
    """Present human members (optionally only `ids`, or only those with a profile) as engine members."""
    wanted = set(ids) if ids is not None else None
    rows = [r for r in await services.members.list(community_id) if wanted is None or r.id in wanted]
    profiles = await services.profiles.all(community_id)
    activity = await activity_levels(services, repo, community_id) if use_activity else {}
    out: dict[int, Member] = {}
    for r in rows:
        p = profiles.get(r.id)
        if with_profile_only and (p is None or p.empty):
            continue
        out[r.id] = to_member(r, p, activity.get(r.id))
    return out


def options_for(cfg: CommunityConfig, now: datetime, salt: str = "") -> MatchOptions:
    """Engine options from a community's settings; the seed depends on the period so a retried plan is the same."""
    m = cfg.matching
    return MatchOptions(
        language_required=m.require_common_language,
        prefer_cross_team=m.prefer_cross_team,
        use_activity=m.use_activity,
        exclude_rounds=m.exclude_recent_rounds,
        reference_date=now.date(),
        default_language=cfg.community.language,
        default_timezone=m.timezone,
        seed=zlib.crc32(salt.encode()),
        group_size=m.group_size,
    )
