"""What a community manager decides with, gathered for `bot.py report` and `/stats overview`: each number for a
period next to the same number for the period before, with what it is a share of.

A bare "Matched 3%" cannot be acted on: of whom, over which days, better or worse than before? So every number
here is a `Stat` (value, the previous period's value, the denominator), and the renderers say "no data yet"
instead of a percentage of nothing. Gathering reads the store through `Analytics`; the arithmetic is in plain
functions over data (`member_history`, `funnel`, `active_per_platform`) that the tests call directly.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cogs.engagement import metrics
from cogs.engagement.analytics import Analytics
from cogs.engagement.kinds import ACTIVE_KINDS, Kind
from cogs.engagement.store.identity import Account
from core.i18n import N_

SEGMENT_NAMES = ("new_active", "at_risk", "recently_inactive")
SEGMENT_TITLES = {"new_active": N_("New and active"), "at_risk": N_("Newcomers at risk"),
                  "recently_inactive": N_("Recently inactive")}
TOP_LIMIT = 5


@dataclass(frozen=True, slots=True)
class Stat:
    """One number of a period: `previous` is the same number over the period before (None: not comparable),
    `of` the denominator when the number is a share (None: a plain count)."""

    value: float
    previous: float | None = None
    of: float | None = None
    previous_of: float | None = None

    @property
    def change(self) -> float | None:
        return None if self.previous is None else self.value - self.previous

    @property
    def empty(self) -> bool:
        """A share of nothing: shown as "no data yet", never as 0%."""
        return self.of is not None and self.of <= 0

    @property
    def rate(self) -> float | None:
        return self.value / self.of if self.of else None


@dataclass(frozen=True, slots=True)
class FunnelStep:
    key: str
    count: int
    of: int  # the step's denominator: those who could have reached it


@dataclass(slots=True)
class MemberHistory:
    series: list[tuple[str, float]]
    undated: int = 0  # members counted from their first-seen date (no join date)
    dated: int = 0


@dataclass(slots=True)
class CommunityReport:
    name: str
    platform: str
    days: int
    start: datetime
    end: datetime
    headline: dict[str, Stat] = field(default_factory=dict)
    platforms: dict[str, Stat] = field(default_factory=dict)
    superusers: dict[str, list[metrics.Ranked]] = field(default_factory=dict)
    helpers: dict[str, list[metrics.Ranked]] = field(default_factory=dict)
    segments: dict[str, Stat] = field(default_factory=dict)  # now, and as it was one period earlier
    retention: list[metrics.RetentionRow] = field(default_factory=list)
    funnel: list[FunnelStep] = field(default_factory=list)
    members: MemberHistory = field(default_factory=lambda: MemberHistory([]))
    series: dict[str, list[tuple[str, float]]] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------- pure parts
def member_history(accounts: Iterable[Account], persons: Mapping[int, str], excluded: set[int],
                   days: Sequence[str]) -> MemberHistory:
    """Members at the end of each day, from each account's join date, or its first-seen date when the platform
    gave none (so members imported without join dates still build up over time instead of a flat line), and its
    leaving date. A person with several accounts counts once, from their earliest account."""
    since: dict[str, str] = {}
    until: dict[str, str | None] = {}  # None: still here
    undated = dated = 0
    for a in accounts:
        if a.member_id in excluded or a.is_bot:
            continue
        if a.joined_at is None:
            undated += 1
        else:
            dated += 1
        who = persons.get(a.member_id, a.person_key)
        day = metrics.day_str(a.joined_at or a.first_seen_at)
        since[who] = min(since.get(who, day), day)
        gone = None if a.present else metrics.day_str(a.left_at or a.first_seen_at)
        if who not in until:
            until[who] = gone
        elif until[who] is not None:
            until[who] = None if gone is None else max(gone, until[who] or gone)
    starts = sorted(since.values())
    ends = sorted(u for u in until.values() if u is not None)
    series = [(d, float(bisect.bisect_right(starts, d) - bisect.bisect_right(ends, d))) for d in days]
    return MemberHistory(series, undated=undated, dated=dated)


def active_per_platform(daily: Iterable[metrics.DailyRow], accounts: Mapping[int, Account],
                        persons: Mapping[int, str], excluded: set[int]) -> dict[str, int]:
    """Distinct active people per platform (a person active on two platforms counts on each)."""
    seen: dict[str, set[str]] = defaultdict(set)
    for member_id, kind, _day, _n in daily:
        if member_id is None or member_id in excluded or kind not in ACTIVE_KINDS:
            continue
        a = accounts.get(member_id)
        if a is None or not a.present:
            continue
        seen[a.platform].add(persons.get(member_id, a.person_key))
    return {p: len(s) for p, s in sorted(seen.items())}


def funnel(greeted: Mapping[int, datetime], *, profiled: set[int], buddied: set[int],
           active_days: Mapping[int, set[str]], start: datetime, end: datetime, now: datetime) -> list[FunnelStep]:
    """The welcome funnel of the newcomers greeted in [start, end): greeted -> started a profile -> got a buddy
    -> active 30 days after their greeting. The last step counts only those greeted at least 30 days ago (the
    others cannot have reached it yet), so its denominator is said with it."""
    cohort = {m: t for m, t in greeted.items() if start <= t < end}
    old = {m: t for m, t in cohort.items() if t + timedelta(days=30) <= now}
    later = sum(1 for m, t in old.items()
                if any(d >= metrics.day_str(t + timedelta(days=30)) for d in active_days.get(m, ())))
    return [FunnelStep("greeted", len(cohort), len(cohort)),
            FunnelStep("profile", len(cohort.keys() & profiled), len(cohort)),
            FunnelStep("buddy", len(cohort.keys() & buddied), len(cohort)),
            FunnelStep("active_30", later, len(old))]


# ---------------------------------------------------------------------------------------------- gathering
async def headline(analytics: Analytics, community_id: int, days: int, now: datetime) -> dict[str, Stat]:
    """The overview numbers with their previous period (what `/stats overview` shows)."""
    cur = await analytics.overview(community_id, days, now)
    prev = await analytics.overview(community_id, days, now - timedelta(days=days))
    sc = await analytics.scope(community_id)
    end = metrics.utc_today(now) + timedelta(days=1)
    history = member_history(sc.accounts.values(), sc.persons, sc.excluded,
                             [metrics.day_str(end - timedelta(days=days + 1)), metrics.day_str(end)])
    before = history.series[0][1] if history.series else None
    newcomers, matched_new = await _newcomers_matched(analytics, community_id, days, now)
    p_new, p_matched_new = await _newcomers_matched(analytics, community_id, days, now - timedelta(days=days))
    return {
        "members": Stat(cur.members, before),
        "new": Stat(cur.new, prev.new),
        "left": Stat(cur.left, prev.left),
        "active": Stat(cur.active, prev.active),
        "dau": Stat(cur.dau, prev.dau),
        "wau": Stat(cur.wau, prev.wau),
        "mau": Stat(cur.mau, prev.mau),
        "messages": Stat(cur.messages, prev.messages),
        "thanks": Stat(cur.thanks, prev.thanks),
        "matched": Stat(cur.matched, prev.matched, of=cur.members, previous_of=prev.members),
        "newcomers_matched": Stat(matched_new, p_matched_new, of=newcomers, previous_of=p_new),
        "met": Stat(cur.met_yes, prev.met_yes, of=cur.met_answers, previous_of=prev.met_answers),
        "again": Stat(cur.again_yes, prev.again_yes, of=cur.rated, previous_of=prev.rated),
    }


async def _newcomers_matched(analytics: Analytics, community_id: int, days: int, now: datetime) -> tuple[int, int]:
    """(newcomers who joined in the period, how many of them were matched by its end)."""
    sc = await analytics.scope(community_id)
    end = now
    start = now - timedelta(days=days)
    joined = {m for m, a in sc.accounts.items()
              if a.joined_at is not None and start <= a.joined_at < end and m not in sc.excluded}
    matched = await analytics.events.first_of(sc.community_ids, Kind.MATCHED)
    return len(joined), sum(1 for m in joined if m in matched and matched[m] < end)


async def gather(analytics: Analytics, community_id: int, name: str, platform: str, days: int,
                 now: datetime, chart_metrics: Sequence[str]) -> CommunityReport:
    """Everything the report page shows for one community."""
    end_day = metrics.utc_today(now) + timedelta(days=1)
    start = now - timedelta(days=days)
    rep = CommunityReport(name, platform, days, start, now)
    rep.headline = await headline(analytics, community_id, days, now)
    sc = await analytics.scope(community_id)
    ev = analytics.events
    cur = await ev.daily_counts(sc.community_ids, start, now + timedelta(seconds=1), ACTIVE_KINDS)
    prev = await ev.daily_counts(sc.community_ids, start - timedelta(days=days), start, ACTIVE_KINDS)
    now_pp = active_per_platform(cur, sc.accounts, sc.persons, sc.excluded)
    before_pp = active_per_platform(prev, sc.accounts, sc.persons, sc.excluded)
    counted = {a.platform: 0 for a in sc.counted()}
    rep.platforms = {p: Stat(now_pp.get(p, 0), before_pp.get(p, 0)) for p in sorted(counted.keys() | now_pp.keys())}
    rep.superusers = await analytics.top(community_id, now, platform=None, by="activity", limit=TOP_LIMIT)
    rep.helpers = await analytics.top(community_id, now, platform=None, by="helpfulness", limit=TOP_LIMIT)
    for seg in SEGMENT_NAMES:
        rep.segments[seg] = Stat(len(await analytics.segment(community_id, seg, now)),
                                 len(await analytics.segment(community_id, seg, now, as_of=start)))
    rep.retention = await analytics.retention(community_id, now)
    greeted = await ev.first_of(sc.community_ids, Kind.GREETED)
    profiled = (set(await ev.first_of(sc.community_ids, Kind.PROFILE_STARTED))
                | set(await ev.first_of(sc.community_ids, Kind.PROFILE_COMPLETED)))
    buddied = (set(await ev.first_of(sc.community_ids, Kind.BUDDY_ASSIGNED))
               | set(await ev.first_of(sc.community_ids, Kind.GREETED, with_target=True)))
    cohort = [m for m, t in greeted.items() if start <= t < now]
    days_of: dict[int, set[str]] = defaultdict(set)
    for m, d in await ev.active_days(sc.community_ids, cohort, start, ACTIVE_KINDS):
        days_of[m].add(d)
    rep.funnel = funnel(greeted, profiled=profiled, buddied=buddied, active_days=days_of, start=start, end=now,
                        now=now)
    days_list = metrics.days_between(end_day - timedelta(days=days), end_day)
    rep.members = member_history(sc.accounts.values(), sc.persons, sc.excluded, days_list)
    for metric in chart_metrics:
        rep.series[metric] = (rep.members.series if metric == "members"
                              else await analytics.series(community_id, metric, days, now))
    return rep
