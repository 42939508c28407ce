"""From the store to the engine: profiles become `Member`s, settings become `MatchOptions`."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from cogs.matching.engine import History, MatchOptions, Member
from cogs.matching.store.repo import MatchingRepo
from core.interfaces import ActivityLevels
from core.ports import MemberRecord, ProfileRecord
from core.services import Services
from core.settings import CommunityConfig

log = logging.getLogger(__name__)

HISTORY_ROUNDS = 52  # how far back (in each group's rounds) meeting someone still ranks them lower
RECENT_SINGLE = timedelta(days=28)  # intros on request or through mentoring count as the latest round this long


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


async def recent_history(repo: MatchingRepo, community_id: int, now: datetime,
                         blocked: Iterable[tuple[int, int]] = (), horizon: int = HISTORY_ROUNDS) -> History:
    """Who met whom lately, as one engine history for suggestions (`/match find`, `/mentor request`): every
    group's last `horizon` rounds, counted back from each group's latest round (so "last round" means the same
    in every group, and a member who changed groups keeps their past), and intros made on request or through
    mentoring in the last four weeks as the latest round."""
    current = horizon + 1
    rounds: dict[int, list[tuple[int, ...]]] = {}
    for grp in sorted({r.grp for r in await repo.rounds(community_id, limit=200)}):
        latest, by_index = await repo.history(community_id, grp, horizon)
        for index, groups in by_index.items():
            rounds.setdefault(current - (latest - index), []).extend(groups)
    recent = await repo.met_pairs(community_id, now - RECENT_SINGLE)
    if recent:
        rounds.setdefault(current - 1, []).extend(recent)
    return History(current_round=current, rounds=rounds, blocked=list(blocked))
