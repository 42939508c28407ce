"""Choosing an onboarding buddy from the greeter pool: pure functions, data in, data out.

A newcomer rarely has a profile yet, so load decides most choices: the greeter with the most room goes first, so
nobody is overrun. When the newcomer did fill in facets, shared topics, languages, role and a close time zone
win over a slightly lower load. Greeters at capacity, and the newcomer themself, are never chosen.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Facets = Mapping[str, Sequence[str]]

# weight of one shared value per facet; offers<->wants counts in both directions
WEIGHTS = {"topics": 1.0, "languages": 1.5, "role": 0.8, "team": 0.3}
COMPLEMENT_WEIGHT = 1.2
TIMEZONE_WEIGHT = 2.0
LOAD_WEIGHT = 3.0


@dataclass(frozen=True, slots=True)
class Greeter:
    """A volunteer in the pool with their facets and how many newcomers they look after now."""

    member_id: int
    capacity: int
    load: int = 0
    facets: Mapping[str, Sequence[str]] = field(default_factory=dict)

    @property
    def free(self) -> int:
        return self.capacity - self.load


@dataclass(frozen=True, slots=True)
class BuddyChoice:
    greeter: Greeter
    score: float
    shared: tuple[str, ...]  # the shared values, for the intro's "why"


def _lower(values: Sequence[str] | None) -> set[str]:
    return {v.strip().lower() for v in values or () if v and v.strip()}


def utc_offset_hours(tz_name: str, at: datetime) -> float | None:
    """The zone's offset from UTC in hours at `at` (None for an unknown or empty zone)."""
    if not tz_name:
        return None
    try:
        offset = at.astimezone(ZoneInfo(tz_name)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return None if offset is None else offset.total_seconds() / 3600


def timezone_closeness(a: str, b: str, at: datetime) -> float:
    """1.0 for the same offset down to 0.0 for twelve hours apart; 0.0 when either zone is unknown."""
    oa, ob = utc_offset_hours(a, at), utc_offset_hours(b, at)
    if oa is None or ob is None:
        return 0.0
    diff = abs(oa - ob) % 24
    diff = min(diff, 24 - diff)
    return max(0.0, 1.0 - diff / 12)


def shared_values(newcomer: Facets, greeter: Facets) -> tuple[float, tuple[str, ...]]:
    """Weighted count of what the two have in common, and the values themselves (topics first)."""
    score = 0.0
    shared: list[str] = []
    for name, weight in WEIGHTS.items():
        common = sorted(_lower(newcomer.get(name)) & _lower(greeter.get(name)))
        score += weight * len(common)
        if name != "languages":
            shared.extend(common)
    helps = _lower(greeter.get("offers")) & _lower(newcomer.get("wants"))
    score += COMPLEMENT_WEIGHT * len(helps)
    shared.extend(sorted(helps - set(shared)))
    return score, tuple(shared)


def score_greeter(newcomer: Facets, greeter: Greeter, at: datetime) -> tuple[float, tuple[str, ...]]:
    """How good a buddy this greeter would be for this newcomer (higher is better)."""
    facet_score, shared = shared_values(newcomer, greeter.facets)
    tz_a = next(iter(newcomer.get("timezone") or ()), "")
    tz_b = next(iter(greeter.facets.get("timezone") or ()), "")
    tz = TIMEZONE_WEIGHT * timezone_closeness(tz_a, tz_b, at)
    load = LOAD_WEIGHT * (greeter.load / greeter.capacity if greeter.capacity > 0 else 1.0)
    return facet_score + tz - load, shared


def choose_buddy(
    newcomer_id: int,
    newcomer: Facets,
    greeters: Sequence[Greeter],
    *,
    at: datetime | None = None,
    exclude: set[int] | frozenset[int] = frozenset(),
    rng: random.Random | None = None,
) -> BuddyChoice | None:
    """The best greeter with room, or None when everyone is full. Ties go to the lower load, then at random."""
    when = at or datetime.now(UTC)
    rand = rng or random.Random()
    best: tuple[tuple[float, int, float], BuddyChoice] | None = None
    for g in greeters:
        if g.member_id == newcomer_id or g.member_id in exclude or g.free <= 0:
            continue
        score, shared = score_greeter(newcomer, g, when)
        key = (round(score, 6), -g.load, rand.random())
        if best is None or key > best[0]:
            best = (key, BuddyChoice(g, score, shared))
    return best[1] if best else None
