"""Gathering the aggregates each answer needs from the store and handing them to the pure metric functions.

Used by the cogs (`/stats`, `/segment`) and by the command line (`report`), so it needs only the store and the
settings resolver, not a running bot. Questions about the community are asked over its *scope*: the community
plus the communities that its moderators joined with it into one linked group, so that one person on two platforms
counts once. Aggregates use the whole scope; lists of people (`/stats top`, segments) name only accounts of the
asking community, so that a moderator never sees another community's members, even in a joined group.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from cogs.engagement import crm as crm_mod
from cogs.engagement import metrics, segments
from cogs.engagement.kinds import ACTIVE_KINDS, Kind
from cogs.engagement.store.crm import CrmRepo
from cogs.engagement.store.events import EventRepo
from cogs.engagement.store.identity import Account, IdentityRepo
from core.community_config import CommunityConfigResolver
from core.ports import DataStore
from storage.profiles import ProfileRepo

ACTIVITY_WINDOW_DAYS = 28
TOP_WINDOW_DAYS = 90


@dataclass(slots=True)
class Scope:
    community_id: int
    community_ids: list[int]
    accounts: dict[int, Account]
    persons: dict[int, str]  # member id -> person key (every account in scope)
    excluded: set[int] = field(default_factory=set)

    @property
    def present(self) -> set[int]:
        return {m for m, a in self.accounts.items() if a.present}

    @property
    def gone(self) -> set[int]:
        """Accounts that left: not counted as active members (see metrics.overview)."""
        return {m for m, a in self.accounts.items() if not a.present}

    def counted(self) -> list[Account]:
        """Present accounts that metrics count (staff and bots left out when configured)."""
        return [a for a in self.accounts.values() if a.present and a.member_id not in self.excluded]


def _was_here(account: Account, moment: datetime) -> bool:
    """Whether an account was a member at `moment` (joined by then, not yet left; unknown join: assumed)."""
    if account.is_bot:
        return False
    if account.joined_at is not None and account.joined_at > moment:
        return False
    return account.left_at is None or account.left_at > moment


def _start_of_day(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


class Analytics:
    def __init__(self, store: DataStore, config: CommunityConfigResolver) -> None:
        self.store = store
        self.config = config
        self.events = EventRepo(store)
        self.identity = IdentityRepo(store)
        self.crm = CrmRepo(store)

    async def scope(self, community_id: int, *, linked: bool = True) -> Scope:
        ids = await self.identity.scope(community_id) if linked else [community_id]
        accounts = {a.member_id: a for a in await self.identity.accounts(ids)}
        persons = {m: a.person_key for m, a in accounts.items()}
        excluded: set[int] = set()
        if (await self.config.get(community_id)).engagement.exclude_staff:
            excluded = {m for m, a in accounts.items() if a.is_bot or a.is_staff}
        return Scope(community_id, ids, accounts, persons, excluded)

    # ------------------------------------------------------------------ overview and charts
    async def overview(self, community_id: int, days: int, now: datetime) -> metrics.Overview:
        sc = await self.scope(community_id)
        end = metrics.utc_today(now) + timedelta(days=1)
        start = end - timedelta(days=days)
        fetch_from = min(start, end - timedelta(days=30))
        daily = await self.events.daily_counts(sc.community_ids, _start_of_day(fetch_from), _start_of_day(end))
        rollups = await self.events.rollups(sc.community_ids, metrics.day_str(start), metrics.day_str(end))
        met = await self.events.value_counts(sc.community_ids, Kind.MET, _start_of_day(start), _start_of_day(end))
        ov = metrics.overview(present=sc.present, daily=daily, rollups=rollups, met_values=met,
                              persons=sc.persons, excluded=sc.excluded, start=start, end=end, gone=sc.gone)
        rated = await self.events.value_counts(sc.community_ids, Kind.RATED, _start_of_day(start), _start_of_day(end))
        ov.again_yes, ov.rated = rated.get(1, 0), sum(rated.values())
        return ov

    async def series(self, community_id: int, metric: str, days: int, now: datetime) -> list[tuple[str, float]]:
        sc = await self.scope(community_id)
        end = metrics.utc_today(now) + timedelta(days=1)
        start = end - timedelta(days=days)
        daily = await self.events.daily_counts(sc.community_ids, _start_of_day(start), _start_of_day(end))
        rollups = await self.events.rollups(sc.community_ids, metrics.day_str(start), metrics.day_str(end))
        members_now = len({sc.persons[a.member_id] for a in sc.counted()})
        return metrics.daily_series(metric, daily=daily, rollups=rollups, persons=sc.persons,
                                    excluded=sc.excluded, start=start, end=end, members_now=members_now,
                                    gone=sc.gone)

    # ------------------------------------------------------------------ people
    async def scores(self, sc: Scope, now: datetime, days: int, *, until: datetime | None = None) -> dict[int, float]:
        """Activity score per member over `days` days before `until` (default now)."""
        until = until or now + timedelta(seconds=1)  # include what happened this very moment
        since = until - timedelta(days=days)
        daily = await self.events.daily_counts(sc.community_ids, since, until, ACTIVE_KINDS)
        thanks = await self.events.target_counts(sc.community_ids, Kind.THANKS, since, until)
        return metrics.activity_scores(daily, thanks, today=metrics.utc_today(until))

    async def activity_levels(self, community_id: int, now: datetime) -> dict[int, float]:
        """member id -> activity level in [0, 1] for the present members of this community. A person's
        activity on all their linked accounts counts, so someone busy on Slack is not 'quiet' on Discord."""
        sc = await self.scope(community_id)
        raw = await self.scores(sc, now, ACTIVITY_WINDOW_DAYS)
        per_person: dict[str, float] = defaultdict(float)
        for m, s in raw.items():
            if m in sc.persons:
                per_person[sc.persons[m]] += s
        here = [a.member_id for a in sc.accounts.values() if a.present and a.community_id == community_id
                and not a.is_bot]
        person_scores = {m: per_person.get(sc.persons[m], 0.0) for m in here}
        return metrics.activity_levels(person_scores, here)

    async def top(self, community_id: int, now: datetime, *, platform: str | None, by: str,
                  limit: int = 10) -> dict[str, list[metrics.Ranked]]:
        """Superusers of this community (scores per account; only this community's accounts are listed)."""
        sc = await self.scope(community_id)
        scores = await self.scores(sc, now, TOP_WINDOW_DAYS)
        thanks = await self.events.target_counts(sc.community_ids, Kind.THANKS, now - timedelta(days=TOP_WINDOW_DAYS),
                                                 now + timedelta(seconds=1))
        out: dict[str, list[metrics.Ranked]] = {}
        here = [a for a in sc.counted() if a.community_id == community_id]
        platforms = sorted({a.platform for a in here})
        for p in platforms:
            if platform and p != platform:
                continue
            cands = [(a.member_id, sc.persons[a.member_id], a.display_name or a.username or a.user_id, p)
                     for a in here if a.platform == p]
            out[p] = metrics.rank_people(cands, scores=scores, thanks=thanks, by=by, limit=limit)
        return out

    async def me(self, member_id: int, community_id: int, now: datetime) -> metrics.MemberTotals:
        accounts = await self.identity.counted_accounts(member_id)  # only those in this community's linked group
        ids = [a.member_id for a in accounts] or [member_id]
        totals = metrics.MemberTotals(counts=await self.events.kind_counts_of(ids),
                                      received=await self.events.received_counts_of(ids))
        comms = sorted({a.community_id for a in accounts} | {community_id})
        days = await self.events.active_days(comms, ids, now - timedelta(days=30), ACTIVE_KINDS)
        totals.active_days_30 = len({d for _, d in days})
        levels = await self.activity_levels(community_id, now)
        totals.level = levels.get(member_id, 0.0)
        return totals

    # ------------------------------------------------------------------ retention and segments
    async def retention(self, community_id: int, now: datetime) -> list[metrics.RetentionRow]:
        sc = await self.scope(community_id)
        since = now - timedelta(days=365)
        joined = {m: a for m, a in sc.accounts.items()
                  if a.joined_at is not None and a.joined_at >= since and m not in sc.excluded}
        days = await self.events.active_days(sc.community_ids, list(joined), since, ACTIVE_KINDS)
        by_member: dict[int, set[str]] = defaultdict(set)
        for m, d in days:
            by_member[m].add(d)
        matched = await self.events.first_of(sc.community_ids, Kind.MATCHED)
        buddied = await self.events.first_of(sc.community_ids, Kind.BUDDY_ASSIGNED)
        newcomers = []
        for m, a in joined.items():
            assert a.joined_at is not None
            support = [t for t in (matched.get(m), buddied.get(m)) if t is not None]
            newcomers.append(metrics.Newcomer(m, a.joined_at, a.left_at, frozenset(by_member.get(m, ())),
                                              min(support) if support else None))
        return metrics.retention(newcomers, now=now)

    async def segment(self, community_id: int, name: str, now: datetime,
                      as_of: datetime | None = None) -> list[tuple[Account, str]]:
        """The members of a ready-made segment with a short detail each (for listing and export).

        `as_of` sees the segment as it was at an earlier moment (the report's "change against the previous
        period"): only members who had joined and not yet left then, and only events before then. Profiles are
        today's (the store keeps no profile history), so a past count may be a little low on "at risk"."""
        sc = await self.scope(community_id, linked=False)
        if as_of is None:
            here = {a.member_id: a for a in sc.counted()}
            at, before = now, None
        else:
            here = {m: a for m, a in sc.accounts.items() if m not in sc.excluded and _was_here(a, as_of)}
            at, before = as_of, as_of
        last = await self.events.last_seen(sc.community_ids, ACTIVE_KINDS, before=before)
        last = {m: t for m, t in last.items() if m in here}
        joined = {m: a.joined_at for m, a in here.items() if a.joined_at is not None and a.joined_at <= at}
        if name == "new_active":
            ids = segments.new_active(joined, last, at)
            return [(here[m], metrics.day_str(last[m])) for m in ids]
        if name == "recently_inactive":
            scores = await self.scores(sc, at, 83, until=at - timedelta(days=7))
            ids = segments.recently_inactive({m: s for m, s in scores.items() if m in here}, last, at)
            return [(here[m], metrics.day_str(last[m])) for m in ids]
        if name == "at_risk":
            profiled = await ProfileRepo(self.store).member_ids(community_id)
            messaged = set(await self.events.first_of(sc.community_ids, Kind.MESSAGE, before=before))
            matched = set(await self.events.first_of(sc.community_ids, Kind.MATCHED, before=before))
            ids = segments.at_risk(joined, at, has_profile=profiled, messaged=messaged, matched=matched)
            return [(here[m], metrics.day_str(joined[m])) for m in ids]
        if name == "top_helpers":
            until = at + timedelta(seconds=1) if before is None else before
            thanks = await self.events.target_counts(sc.community_ids, Kind.THANKS, at - timedelta(days=365), until)
            ids = segments.top_helpers({m: n for m, n in thanks.items() if m in here})
            return [(here[m], str(thanks[m])) for m in ids]
        raise KeyError(name)

    async def crm_segments(
        self, community_id: int, attribute: str | None, now: datetime
    ) -> tuple[dict[str, crm_mod.SegmentCounts], list[str], int]:
        """(counts per attribute value, attribute names available, number of CRM records)."""
        sc = await self.scope(community_id)
        records = await self.crm.all()
        names = crm_mod.attribute_names(records)
        accounts = [crm_mod.AccountId(a.member_id, a.platform, a.user_id, a.username) for a in sc.accounts.values()]
        matches = crm_mod.match_records(records, accounts)
        last = await self.events.last_seen(sc.community_ids, ACTIVE_KINDS)
        active = {m for m, t in last.items() if t >= now - timedelta(days=30)}
        present = {a.member_id for a in sc.counted()}
        counts = crm_mod.compare_segments(records, matches, present=present, active=active, attribute=attribute)
        return counts, names, len(records)
