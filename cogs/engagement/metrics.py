"""Community metrics as pure functions: rows of aggregates in, numbers out. No store, no chat, no clock.

Conventions: a *day* is a 'YYYY-MM-DD' string (UTC); `persons` maps member ids to person keys, so that a person
with a Discord and a Slack account counts once; `excluded` holds member ids left out (staff, bots). Members
missing from `persons` count as their own person.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from cogs.engagement.kinds import ACTIVE_KINDS, Kind

DailyRow = tuple[int | None, str, str, int]  # (member_id, kind, day, count)
RollupRow = tuple[str, str, int, int]  # (day, kind, events, people)
ACTIVE_MARK = "_active"

# What one event of each kind is worth in an activity score. Helping (a thanks received) counts most: value in a
# community comes from solved problems, not from message volume.
WEIGHTS: dict[str, float] = {
    Kind.MESSAGE: 1.0,
    Kind.REACTION: 0.25,
    Kind.THANKS: 1.0,
    Kind.COMMAND: 0.25,
    Kind.PROFILE_COMPLETED: 2.0,
    Kind.MET: 3.0,
    Kind.MENTOR_SESSION: 3.0,
}
THANKS_RECEIVED_WEIGHT = 5.0
HALF_LIFE_DAYS = 7.0


def day_str(d: date | datetime) -> str:
    return d.strftime("%Y-%m-%d")


def parse_day(s: str) -> date:
    return date(int(s[0:4]), int(s[5:7]), int(s[8:10]))


def days_between(start: date, end: date) -> list[str]:
    """Every day in [start, end) as text."""
    return [day_str(start + timedelta(days=i)) for i in range(max((end - start).days, 0))]


def person_of(member_id: int, persons: Mapping[int, str]) -> str:
    return persons.get(member_id) or f"m{member_id}"


# ---------------------------------------------------------------------------------------------- activity
def activity_scores(
    daily: Iterable[DailyRow],
    thanks_received: Mapping[int, int] | None = None,
    *,
    today: date,
    half_life_days: float = HALF_LIFE_DAYS,
    weights: Mapping[str, float] = WEIGHTS,
) -> dict[int, float]:
    """A recency-weighted activity score per member: each event's weight halves every `half_life_days`.
    Thanks received count at `THANKS_RECEIVED_WEIGHT` each (not decayed; pass a recent window)."""
    decay_cache: dict[str, float] = {}
    scores: dict[int, float] = defaultdict(float)
    for member_id, kind, day, n in daily:
        if member_id is None:
            continue
        w = weights.get(kind)
        if not w:
            continue
        factor = decay_cache.get(day)
        if factor is None:
            age = max((today - parse_day(day)).days, 0)
            factor = decay_cache[day] = 0.5 ** (age / half_life_days)
        scores[member_id] += w * n * factor
    for member_id, n in (thanks_received or {}).items():
        scores[member_id] += THANKS_RECEIVED_WEIGHT * n
    return dict(scores)


def activity_levels(scores: Mapping[int, float], member_ids: Iterable[int]) -> dict[int, float]:
    """Each member's activity level in [0, 1]: 0 for no activity, else the share of active members they are
    at least as active as (a percentile rank, so it means the same in a small and a large community)."""
    ids = list(member_ids)
    positive = sorted(scores.get(m, 0.0) for m in ids if scores.get(m, 0.0) > 0)
    n = len(positive)
    out: dict[int, float] = {}
    for m in ids:
        s = scores.get(m, 0.0)
        out[m] = 0.0 if s <= 0 else bisect.bisect_right(positive, s) / n
    return out


# The most a member can be called with this many active days in the last 30: the level is a percentile among the
# active members, so in a small or quiet community one active day can rank first; the words should not say
# "very active" for that.
LABEL_CAPS = ((0, "quiet"), (3, "occasional"), (11, "active"))
LABELS = ("quiet", "occasional", "active", "very active")


def activity_label(level: float, active_days: int | None = None) -> str:
    """A word for a level, usable as a matching facet value; with `active_days` (last 30 days) it never claims
    more than those days bear out (1-3 days: at most "occasional", 4-11: at most "active")."""
    if level <= 0:
        word = "quiet"
    elif level < 0.4:
        word = "occasional"
    elif level < 0.8:
        word = "active"
    else:
        word = "very active"
    if active_days is not None:
        for most_days, cap in LABEL_CAPS:
            if active_days <= most_days and LABELS.index(word) > LABELS.index(cap):
                return cap
    return word


# ---------------------------------------------------------------------------------------------- overview
@dataclass(slots=True)
class Overview:
    days: int
    members: int = 0
    new: int = 0
    left: int = 0
    active: int = 0
    dau: float = 0.0
    wau: int = 0
    mau: int = 0
    messages: int = 0
    reactions: int = 0
    thanks: int = 0
    matched: int = 0
    match_rate: float = 0.0
    met_yes: int = 0
    met_answers: int = 0
    again_yes: int = 0  # intro ratings "would meet again"
    rated: int = 0  # intro ratings given
    meeting_rate: float = 0.0


def overview(
    *,
    present: Iterable[int],
    daily: Iterable[DailyRow],
    rollups: Iterable[RollupRow] = (),
    met_values: Mapping[int, int] | None = None,
    persons: Mapping[int, str],
    excluded: set[int],
    start: date,
    end: date,
    gone: Set[int] = frozenset(),
) -> Overview:
    """Numbers for /stats overview over the days [start, end). `daily` may reach back further (30 days are
    needed for monthly active people); only rows inside the period count towards totals.

    `gone` holds accounts that left the community: active people (in the period, per day, weekly, monthly) are
    members, so their activity does not count there, not even for the days before they left; their leaving
    does (`left`), and so do their messages, reactions and thanks in the totals, which happened."""
    period = set(days_between(start, end))
    ov = Overview(days=len(period))
    ov.members = len({person_of(m, persons) for m in present if m not in excluded})
    active_by_day: dict[str, set[str]] = defaultdict(set)
    new: set[str] = set()
    left: set[str] = set()
    matched: set[str] = set()
    active: set[str] = set()
    week_start = day_str(end - timedelta(days=7))
    month_start = day_str(end - timedelta(days=30))
    end_s = day_str(end)
    wau: set[str] = set()
    mau: set[str] = set()
    for member_id, kind, day, n in daily:
        if member_id is not None and member_id in excluded:
            continue
        who = person_of(member_id, persons) if member_id is not None else None
        active_here = kind in ACTIVE_KINDS and member_id not in gone
        if active_here and who is not None and day < end_s:
            if day >= week_start:
                wau.add(who)
            if day >= month_start:
                mau.add(who)
        if day not in period:
            continue
        if kind == Kind.MESSAGE:
            ov.messages += n
        elif kind == Kind.REACTION:
            ov.reactions += n
        elif kind == Kind.THANKS:
            ov.thanks += n
        if who is None:
            continue
        if kind in ACTIVE_KINDS:
            if active_here:
                active_by_day[day].add(who)
                active.add(who)
        elif kind == Kind.JOINED:
            new.add(who)
        elif kind == Kind.LEFT:
            left.add(who)
        elif kind == Kind.MATCHED:
            matched.add(who)
    rolled_active: dict[str, int] = {}
    for day, kind, events, people in rollups:
        if day not in period:
            continue
        if kind == ACTIVE_MARK:
            rolled_active[day] = people
        elif kind == Kind.MESSAGE:
            ov.messages += events
        elif kind == Kind.REACTION:
            ov.reactions += events
        elif kind == Kind.THANKS:
            ov.thanks += events
        elif kind == Kind.JOINED:
            ov.new += people
        elif kind == Kind.LEFT:
            ov.left += people
    ov.new += len(new)
    ov.left += len(left)
    ov.active = len(active)
    ov.wau, ov.mau = len(wau), len(mau)
    if period:
        total = sum(len(active_by_day.get(d, ())) + rolled_active.get(d, 0) for d in period)
        ov.dau = total / len(period)
    ov.matched = len(matched)
    ov.match_rate = ov.matched / ov.members if ov.members else 0.0
    met = met_values or {}
    ov.met_yes = met.get(1, 0)
    ov.met_answers = sum(met.values())
    ov.meeting_rate = ov.met_yes / ov.met_answers if ov.met_answers else 0.0
    return ov


# ---------------------------------------------------------------------------------------------- series
def daily_series(
    metric: str,
    *,
    daily: Iterable[DailyRow],
    rollups: Iterable[RollupRow] = (),
    persons: Mapping[int, str],
    excluded: set[int],
    start: date,
    end: date,
    members_now: int = 0,
    gone: Set[int] = frozenset(),
) -> list[tuple[str, float]]:
    """One value per day in [start, end) for a chart: `active` people, `messages`, `thanks`, `joins`,
    `leaves`, or `members` (reconstructed backwards from today's count and the joins and leaves since).
    Active people leave out the accounts in `gone`, as `overview` does."""
    days = days_between(start, end)
    per_day: dict[str, float] = defaultdict(float)
    people: dict[str, set[str]] = defaultdict(set)
    joins: dict[str, set[str]] = defaultdict(set)
    leaves: dict[str, set[str]] = defaultdict(set)
    kind_of = {"messages": Kind.MESSAGE, "thanks": Kind.THANKS, "reactions": Kind.REACTION}
    for member_id, kind, day, n in daily:
        if member_id is not None and member_id in excluded:
            continue
        who = person_of(member_id, persons) if member_id is not None else f"anon-{day}-{kind}"
        if metric == "active" and kind in ACTIVE_KINDS:
            if member_id not in gone:
                people[day].add(who)
        elif metric in kind_of and kind == kind_of[metric]:
            per_day[day] += n
        elif kind == Kind.JOINED:
            joins[day].add(who)
        elif kind == Kind.LEFT:
            leaves[day].add(who)
    for day, kind, events, ppl in rollups:
        if metric == "active" and kind == ACTIVE_MARK:
            per_day[day] += ppl
        elif metric in kind_of and kind == kind_of[metric]:
            per_day[day] += events
        elif kind == Kind.JOINED:
            per_day[f"j{day}"] += ppl
        elif kind == Kind.LEFT:
            per_day[f"l{day}"] += ppl

    def n_joins(d: str) -> float:
        return len(joins.get(d, ())) + per_day.get(f"j{d}", 0.0)

    def n_leaves(d: str) -> float:
        return len(leaves.get(d, ())) + per_day.get(f"l{d}", 0.0)

    if metric == "active":
        return [(d, len(people.get(d, ())) + per_day.get(d, 0.0)) for d in days]
    if metric == "joins":
        return [(d, n_joins(d)) for d in days]
    if metric == "leaves":
        return [(d, n_leaves(d)) for d in days]
    if metric == "members":
        out: list[tuple[str, float]] = []
        count = float(members_now)
        for d in reversed(days):  # count at the end of day d, walking back from now
            out.append((d, max(count, 0.0)))
            count -= n_joins(d) - n_leaves(d)
        return list(reversed(out))
    return [(d, per_day.get(d, 0.0)) for d in days]


# ---------------------------------------------------------------------------------------------- top people
@dataclass(frozen=True, slots=True)
class Ranked:
    person: str
    member_id: int
    name: str
    platform: str
    thanks: int
    score: float


def rank_people(
    candidates: Iterable[tuple[int, str, str, str]],
    *,
    scores: Mapping[int, float],
    thanks: Mapping[int, int],
    by: str,
    limit: int = 10,
) -> list[Ranked]:
    """Superusers: `candidates` are (member_id, person, name, platform). `by` is "helpfulness" (thanks
    received, then activity) or "activity". People with nothing to show are left out."""
    rows = [Ranked(p, m, name, plat, thanks.get(m, 0), round(scores.get(m, 0.0), 2))
            for m, p, name, plat in candidates]
    if by == "helpfulness":
        rows = [r for r in rows if r.thanks > 0]
        rows.sort(key=lambda r: (-r.thanks, -r.score, r.name.lower()))
    else:
        rows = [r for r in rows if r.score > 0]
        rows.sort(key=lambda r: (-r.score, -r.thanks, r.name.lower()))
    return rows[:limit]


# ---------------------------------------------------------------------------------------------- retention
@dataclass(frozen=True, slots=True)
class Newcomer:
    member_id: int
    joined_at: datetime
    left_at: datetime | None
    active_days: frozenset[str]
    supported_at: datetime | None  # first match or buddy greeting


@dataclass(slots=True)
class RetentionRow:
    horizon: int
    supported: int = 0
    supported_retained: int = 0
    others: int = 0
    others_retained: int = 0

    @property
    def supported_rate(self) -> float:
        return self.supported_retained / self.supported if self.supported else 0.0

    @property
    def others_rate(self) -> float:
        return self.others_retained / self.others if self.others else 0.0


def retention(
    newcomers: Iterable[Newcomer],
    *,
    now: datetime,
    horizons: tuple[int, ...] = (30, 60, 90),
    support_window_days: int = 30,
) -> list[RetentionRow]:
    """N-day retention of newcomers who were matched or welcomed by a buddy vs those who were not.

    A newcomer counts for horizon N once they joined at least N days ago. They are *retained* when they had not
    left by day N and were active on day N or later. *Supported* means a match or a buddy within their first
    `support_window_days` days (and before day N), so that the support came before the outcome it is compared
    with."""
    rows = {h: RetentionRow(h) for h in horizons}
    for nc in newcomers:
        for h in horizons:
            mark = nc.joined_at + timedelta(days=h)
            if mark > now:
                continue
            window = nc.joined_at + timedelta(days=min(support_window_days, h))
            supported = nc.supported_at is not None and nc.supported_at < window
            stayed = nc.left_at is None or nc.left_at >= mark
            retained = stayed and any(d >= day_str(mark) for d in nc.active_days)
            row = rows[h]
            if supported:
                row.supported += 1
                row.supported_retained += int(retained)
            else:
                row.others += 1
                row.others_retained += int(retained)
    return [rows[h] for h in horizons]


# ---------------------------------------------------------------------------------------------- helpers
@dataclass(slots=True)
class MemberTotals:
    """One person's own numbers (/stats me)."""

    counts: dict[str, int] = field(default_factory=dict)
    received: dict[str, int] = field(default_factory=dict)
    active_days_30: int = 0
    level: float = 0.0


def percent(x: float) -> str:
    return f"{round(x * 100)}%" if not math.isnan(x) else "-"


def utc_today(now: datetime) -> date:
    return now.astimezone(UTC).date()
