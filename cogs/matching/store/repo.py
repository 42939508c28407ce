"""Matching repository: participants, rounds and their intros, feedback; `MatchingRepo` also answers for blocks and
intro requests (store/requests.py) and mentoring (store/mentoring.py), each in its own module.

Exactly-once rests on the store, not on memory. A round is claimed by inserting its unique
(community, group, period) row; its plan (intros with their members) is written in one transaction; each intro
moves pending -> sending (claimed with a token by one process) -> sent/failed. A process that dies mid-round
leaves a round whose heartbeat stops; another process (or the same after a restart) takes it over with a
conditional update and sends what is still pending. All times come from the caller (the services clock).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa

from cogs.matching.store.mentoring import MentoringRepo
from cogs.matching.store.requests import RequestRepo
from cogs.matching.tables import (
    matching_blocks,
    matching_feedback,
    matching_intro_members,
    matching_intros,
    matching_mentor_requests,
    matching_mentors,
    matching_mentorships,
    matching_participants,
    matching_requests,
    matching_round_members,
    matching_rounds,
)
from storage.engine import inserted_id

_P = matching_participants.c
_R = matching_rounds.c
_I = matching_intros.c
_IM = matching_intro_members.c
_RM = matching_round_members.c
_F = matching_feedback.c
_B = matching_blocks.c
_Q = matching_requests.c
_M = matching_mentors.c
_MR = matching_mentor_requests.c
_MS = matching_mentorships.c

ROUND_LIVE = ("planning", "sending")
_T = TypeVar("_T")

CLAIM_ATTEMPTS = 20  # round numbers tried when other processes take them at the same moment


@dataclass(frozen=True, slots=True)
class Participant:
    community_id: int
    member_id: int
    grp: str
    cadence: str
    status: str
    paused_until: datetime | None
    joined_at: datetime

    def active_at(self, now: datetime) -> bool:
        if self.status == "active":
            return True
        return self.status == "paused" and self.paused_until is not None and self.paused_until <= now


@dataclass(frozen=True, slots=True)
class RoundRow:
    id: int
    community_id: int
    grp: str
    period: str
    round_index: int
    status: str
    claim: str
    scheduled_for: datetime
    started_at: datetime
    heartbeat_at: datetime
    finished_at: datetime | None
    members_count: int
    groups_count: int
    score: float


@dataclass(frozen=True, slots=True)
class IntroRow:
    id: int
    community_id: int
    round_id: int | None
    kind: str
    status: str
    score: float
    reason: list[Any]
    starters: list[Any]
    conversation: str
    created_at: datetime
    sent_at: datetime | None
    checkin_due_at: datetime | None
    checkin_sent_at: datetime | None
    members: tuple[int, ...] = ()
    feedback: dict[int, str] = field(default_factory=dict)
    again: dict[int, bool] = field(default_factory=dict)  # "would you meet again?", for those who answered it


@dataclass(frozen=True, slots=True)
class PlannedIntro:
    """One group of a round plan, ready to be stored."""

    members: tuple[int, ...]
    score: float
    reason: list[Any]
    starters: list[Any]
    components: dict[str, float] | None = None  # what learning reads about the pair (cogs/matching/learner.py)


def _participant(r: sa.Row) -> Participant:
    return Participant(r.community_id, r.member_id, r.grp, r.cadence, r.status, r.paused_until, r.joined_at)


def _round(r: sa.Row) -> RoundRow:
    return RoundRow(**{k: getattr(r, k) for k in RoundRow.__dataclass_fields__})


def _intro(r: sa.Row, members: tuple[int, ...] = (), feedback: dict[int, str] | None = None,
           again: dict[int, bool] | None = None) -> IntroRow:
    return IntroRow(r.id, r.community_id, r.round_id, r.kind, r.status, float(r.score), list(r.reason or []),
                    list(r.starters or []), r.conversation, r.created_at, r.sent_at, r.checkin_due_at,
                    r.checkin_sent_at, members, feedback or {}, again or {})


def _chunks(items: Sequence[_T], size: int = 500) -> Iterable[Sequence[_T]]:
    """Slices small enough for one statement's parameter limit (SQLite allows 32,766 per statement)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


class MatchingRepo(RequestRepo, MentoringRepo):
    """Everything matching keeps, for the cogs: rounds and intros here, requests and mentoring from their modules."""

    # ------------------------------------------------------------------ participants
    async def join(self, community_id: int, member_id: int, grp: str, cadence: str, now: datetime) -> bool:
        """Opt in (or change group/cadence, or resume). Returns True when the member was not active before."""
        where = (_P.community_id == community_id) & (_P.member_id == member_id)
        async with self.store.begin() as conn:
            row = (await conn.execute(sa.select(matching_participants).where(where))).first()
            values = {"grp": grp, "cadence": cadence, "status": "active", "paused_until": None, "updated_at": now}
            if row is None:
                await conn.execute(matching_participants.insert().values(
                    community_id=community_id, member_id=member_id, joined_at=now, **values))
                return True
            await conn.execute(matching_participants.update().where(where).values(**values))
            return row.status != "active"

    async def set_status(self, community_id: int, member_id: int, status: str, now: datetime,
                         paused_until: datetime | None = None) -> bool:
        """Leave or pause; False when the member was not taking part."""
        where = (_P.community_id == community_id) & (_P.member_id == member_id) & (_P.status != "left")
        async with self.store.begin() as conn:
            res = await conn.execute(matching_participants.update().where(where).values(
                status=status, paused_until=paused_until, updated_at=now))
        return res.rowcount > 0

    async def participant(self, community_id: int, member_id: int) -> Participant | None:
        where = (_P.community_id == community_id) & (_P.member_id == member_id)
        async with self.store.read() as conn:
            row = (await conn.execute(sa.select(matching_participants).where(where))).first()
        return _participant(row) if row else None

    async def participants(self, community_id: int, now: datetime, grp: str | None = None) -> list[Participant]:
        """Members taking part now (active, or paused until a time that has passed)."""
        q = sa.select(matching_participants).where(_P.community_id == community_id, _P.status != "left")
        if grp is not None:
            q = q.where(_P.grp == grp)
        async with self.store.read() as conn:
            rows = [_participant(r) for r in await conn.execute(q.order_by(_P.member_id))]
        return [p for p in rows if p.active_at(now)]

    async def communities(self) -> list[int]:
        """Communities where anyone takes part (they get a round schedule)."""
        q = sa.select(_P.community_id).where(_P.status != "left").distinct()
        async with self.store.read() as conn:
            return [r.community_id for r in await conn.execute(q)]

    # ------------------------------------------------------------------ rounds
    async def claim_round(self, community_id: int, grp: str, period: str, scheduled_for: datetime,
                          now: datetime, token: str) -> RoundRow | None:
        """Insert the round's unique row; None when another process (or an earlier run) has it already.

        The round number is the group's next; when another process took that number for another period at the
        same moment (both unique keys are enforced by the store), the claim is tried again with the next one."""
        for _attempt in range(CLAIM_ATTEMPTS):
            try:
                async with self.store.begin() as conn:
                    last = (await conn.execute(sa.select(sa.func.max(_R.round_index)).where(
                        _R.community_id == community_id, _R.grp == grp))).scalar()
                    res = await conn.execute(matching_rounds.insert().values(
                        community_id=community_id, grp=grp, period=period, round_index=(last or 0) + 1,
                        status="planning", claim=token, scheduled_for=scheduled_for, started_at=now,
                        heartbeat_at=now))
                    round_id = inserted_id(res)
            except sa.exc.IntegrityError:
                if await self.round_by_period(community_id, grp, period) is not None:
                    return None  # this period's round exists: claimed elsewhere (or earlier)
                continue  # only the number was taken
            return await self.round(int(round_id))
        raise RuntimeError(f"could not number a round of community {community_id} after {CLAIM_ATTEMPTS} tries")

    async def round(self, round_id: int) -> RoundRow | None:
        async with self.store.read() as conn:
            row = (await conn.execute(sa.select(matching_rounds).where(_R.id == round_id))).first()
        return _round(row) if row else None

    async def round_by_period(self, community_id: int, grp: str, period: str) -> RoundRow | None:
        q = sa.select(matching_rounds).where(_R.community_id == community_id, _R.grp == grp, _R.period == period)
        async with self.store.read() as conn:
            row = (await conn.execute(q)).first()
        return _round(row) if row else None

    async def rounds(self, community_id: int, grp: str | None = None, limit: int = 20) -> list[RoundRow]:
        q = sa.select(matching_rounds).where(_R.community_id == community_id)
        if grp is not None:
            q = q.where(_R.grp == grp)
        q = q.order_by(_R.started_at.desc(), _R.id.desc()).limit(limit)
        async with self.store.read() as conn:
            return [_round(r) for r in await conn.execute(q)]

    async def update_round(self, round_id: int, token: str, **values: Any) -> bool:
        """Change a round this process holds (by claim token)."""
        async with self.store.begin() as conn:
            res = await conn.execute(matching_rounds.update().where(_R.id == round_id, _R.claim == token)
                                     .values(**values))
        return res.rowcount > 0

    async def stale_rounds(self, before: datetime) -> list[RoundRow]:
        """Rounds still planning/sending whose holder stopped beating before `before` (a crashed process)."""
        q = sa.select(matching_rounds).where(_R.status.in_(ROUND_LIVE), _R.heartbeat_at < before)
        async with self.store.read() as conn:
            return [_round(r) for r in await conn.execute(q)]

    async def take_over(self, rnd: RoundRow, token: str, now: datetime) -> bool:
        async with self.store.begin() as conn:
            res = await conn.execute(matching_rounds.update().where(
                _R.id == rnd.id, _R.claim == rnd.claim, _R.heartbeat_at == rnd.heartbeat_at,
                _R.status.in_(ROUND_LIVE)).values(claim=token, heartbeat_at=now))
        return res.rowcount > 0

    async def save_plan(self, rnd: RoundRow, token: str, intros: Sequence[PlannedIntro],
                        outcomes: dict[int, tuple[str, str]], now: datetime,
                        checkin_due: datetime | None) -> bool:
        """Store the whole plan at once (intros pending, each member's outcome) and move the round to
        "sending". Nothing is stored when the round is no longer ours."""
        async with self.store.begin() as conn:
            res = await conn.execute(matching_rounds.update().where(
                _R.id == rnd.id, _R.claim == token, _R.status == "planning").values(
                status="sending", heartbeat_at=now, members_count=len(outcomes), groups_count=len(intros),
                score=float(sum(i.score for i in intros))))
            if res.rowcount == 0:
                return False
            # Bulk inserts (a round of 100,000 members holds 50,000 intros): ids come back in plan order.
            insert = matching_intros.insert().returning(_I.id, sort_by_parameter_order=True)
            intro_of: dict[int, int] = {}
            for chunk in _chunks(intros):
                res = await conn.execute(insert, [
                    {"community_id": rnd.community_id, "round_id": rnd.id, "kind": "round", "status": "pending",
                     "score": plan.score, "reason": plan.reason, "starters": plan.starters, "created_at": now,
                     "checkin_due_at": checkin_due, "components": plan.components} for plan in chunk])
                links = [(int(intro_id), m) for (intro_id,), plan in zip(res.all(), chunk, strict=True)
                         for m in plan.members]
                intro_of.update((m, intro_id) for intro_id, m in links)
                await conn.execute(matching_intro_members.insert(), [
                    {"intro_id": intro_id, "member_id": m, "community_id": rnd.community_id}
                    for intro_id, m in links])
            rows = [{"round_id": rnd.id, "member_id": m, "outcome": outcome, "reason": reason,
                     "intro_id": intro_of.get(m)} for m, (outcome, reason) in outcomes.items()]
            for part in _chunks(rows):
                await conn.execute(matching_round_members.insert(), list(part))
        return True

    async def round_intros(self, round_id: int, status: str | None = None) -> list[IntroRow]:
        q = sa.select(matching_intros).where(_I.round_id == round_id)
        if status is not None:
            q = q.where(_I.status == status)
        return await self._with_members(q.order_by(_I.id))

    async def outcomes(self, round_id: int) -> dict[int, tuple[str, str]]:
        q = sa.select(_RM.member_id, _RM.outcome, _RM.reason).where(_RM.round_id == round_id)
        async with self.store.read() as conn:
            return {r.member_id: (r.outcome, r.reason) for r in await conn.execute(q)}

    async def history(self, community_id: int, grp: str, horizon: int,
                      current: int | None = None) -> tuple[int, dict[int, list[tuple[int, ...]]]]:
        """(the round's index, {earlier round index: groups}) over the `horizon` rounds before it; `current`
        is the index of the round being planned (default: the one after the last)."""
        async with self.store.read() as conn:
            if current is None:
                last = (await conn.execute(sa.select(sa.func.max(_R.round_index)).where(
                    _R.community_id == community_id, _R.grp == grp))).scalar() or 0
                current = last + 1
            q = (sa.select(_R.round_index, _IM.intro_id, _IM.member_id)
                 .select_from(matching_rounds.join(matching_intros, _I.round_id == _R.id)
                              .join(matching_intro_members, _IM.intro_id == _I.id))
                 .where(_R.community_id == community_id, _R.grp == grp, _R.round_index < current,
                        _R.round_index >= current - horizon))
            groups: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
            for r in await conn.execute(q):
                groups[r.round_index][r.intro_id].append(r.member_id)
        return current, {idx: [tuple(g) for g in by_intro.values()] for idx, by_intro in groups.items()}

    async def met_pairs(self, community_id: int, since: datetime) -> list[tuple[int, ...]]:
        """Groups of intros outside rounds (requests, mentoring) made since `since`, for history."""
        q = (sa.select(_IM.intro_id, _IM.member_id).select_from(
            matching_intro_members.join(matching_intros, _I.id == _IM.intro_id))
             .where(_IM.community_id == community_id, _I.round_id.is_(None), _I.created_at >= since))
        groups: dict[int, list[int]] = defaultdict(list)
        async with self.store.read() as conn:
            for r in await conn.execute(q):
                groups[r.intro_id].append(r.member_id)
        return [tuple(g) for g in groups.values()]

    async def last_round_dates(self, community_id: int) -> dict[int, datetime]:
        """When each member was last placed in a round (for biweekly/monthly cadences)."""
        q = (sa.select(_RM.member_id, sa.func.max(_R.started_at).label("at"))
             .select_from(matching_round_members.join(matching_rounds, _R.id == _RM.round_id))
             .where(_R.community_id == community_id, _RM.outcome != "unplaced")
             .group_by(_RM.member_id))
        async with self.store.read() as conn:
            return {r.member_id: r.at for r in await conn.execute(q)}

    # ------------------------------------------------------------------ intros
    async def create_intro(self, community_id: int, kind: str, members: Sequence[int], reason: list[Any],
                           starters: list[Any], now: datetime, checkin_due: datetime | None) -> int:
        async with self.store.begin() as conn:
            r = await conn.execute(matching_intros.insert().values(
                community_id=community_id, kind=kind, status="pending", reason=reason, starters=starters,
                created_at=now, checkin_due_at=checkin_due))
            intro_id = inserted_id(r)
            await conn.execute(matching_intro_members.insert(), [
                {"intro_id": intro_id, "member_id": m, "community_id": community_id} for m in members])
        return intro_id

    async def claim_intro(self, intro_id: int, token: str) -> bool:
        async with self.store.begin() as conn:
            res = await conn.execute(matching_intros.update().where(_I.id == intro_id, _I.status == "pending")
                                     .values(status="sending", claim=token))
        return res.rowcount > 0

    async def reset_intro(self, intro_id: int) -> None:
        """Back to pending (used when taking over a crashed process's round)."""
        async with self.store.begin() as conn:
            await conn.execute(matching_intros.update().where(_I.id == intro_id, _I.status == "sending")
                               .values(status="pending", claim=""))

    async def finish_intro(self, intro_id: int, status: str, now: datetime, conversation: str = "") -> None:
        async with self.store.begin() as conn:
            await conn.execute(matching_intros.update().where(_I.id == intro_id).values(
                status=status, sent_at=now if status == "sent" else None, conversation=conversation[:300]))

    async def intro(self, intro_id: int) -> IntroRow | None:
        found = await self._with_members(sa.select(matching_intros).where(_I.id == intro_id))
        return found[0] if found else None

    async def intros_of(self, community_id: int, member_id: int, limit: int = 10) -> list[IntroRow]:
        ids = (sa.select(_IM.intro_id).where(_IM.community_id == community_id, _IM.member_id == member_id))
        q = (sa.select(matching_intros).where(_I.id.in_(ids), _I.status == "sent")
             .order_by(_I.created_at.desc(), _I.id.desc()).limit(limit))
        return await self._with_members(q)

    async def due_checkins(self, now: datetime, limit: int = 200) -> list[IntroRow]:
        q = (sa.select(matching_intros).where(_I.status == "sent", _I.checkin_sent_at.is_(None),
                                              _I.checkin_due_at.is_not(None), _I.checkin_due_at <= now)
             .order_by(_I.checkin_due_at).limit(limit))
        return await self._with_members(q)

    async def claim_checkin(self, intro_id: int, now: datetime) -> bool:
        async with self.store.begin() as conn:
            res = await conn.execute(matching_intros.update().where(
                _I.id == intro_id, _I.checkin_sent_at.is_(None)).values(checkin_sent_at=now))
        return res.rowcount > 0

    async def _with_members(self, q: sa.Select[Any]) -> list[IntroRow]:
        async with self.store.read() as conn:
            rows = list(await conn.execute(q))
            ids = [r.id for r in rows]
            members: dict[int, list[int]] = defaultdict(list)
            feedback: dict[int, dict[int, str]] = defaultdict(dict)
            again: dict[int, dict[int, bool]] = defaultdict(dict)
            for chunk in _chunks(ids):
                for m in await conn.execute(sa.select(_IM.intro_id, _IM.member_id)
                                            .where(_IM.intro_id.in_(chunk)).order_by(_IM.member_id)):
                    members[m.intro_id].append(m.member_id)
                for f in await conn.execute(sa.select(_F.intro_id, _F.member_id, _F.answer, _F.again)
                                            .where(_F.intro_id.in_(chunk))):
                    feedback[f.intro_id][f.member_id] = f.answer
                    if f.again is not None:
                        again[f.intro_id][f.member_id] = bool(f.again)
        return [_intro(r, tuple(members[r.id]), feedback[r.id], again[r.id]) for r in rows]

    async def set_feedback(self, intro_id: int, member_id: int, now: datetime, *, answer: str | None = None,
                           note: str | None = None) -> None:
        where = (_F.intro_id == intro_id) & (_F.member_id == member_id)
        async with self.store.begin() as conn:
            row = (await conn.execute(sa.select(matching_feedback).where(where))).first()
            values: dict[str, Any] = {"updated_at": now}
            if answer is not None:
                values["answer"] = answer
                if answer != "yes":
                    values["again"] = None  # "would you meet again?" belongs to a meeting
            if note is not None:
                values["note"] = note
            if row is None:
                await conn.execute(matching_feedback.insert().values(
                    intro_id=intro_id, member_id=member_id, created_at=now,
                    **{"answer": "", "note": "", **values}))
            else:
                await conn.execute(matching_feedback.update().where(where).values(**values))

    async def met_counts(self, community_id: int) -> dict[int, int]:
        """How often each member said "we met" (a cheap activity signal when engagement is off)."""
        q = (sa.select(_F.member_id, sa.func.count().label("n"))
             .select_from(matching_feedback.join(matching_intros, _I.id == _F.intro_id))
             .where(_I.community_id == community_id, _F.answer == "yes").group_by(_F.member_id))
        async with self.store.read() as conn:
            return {r.member_id: int(r.n) for r in await conn.execute(q)}

    # ------------------------------------------------------------------ privacy
    async def forget(self, community_id: int, member_id: int) -> None:
        """Erase the member's matching data (their side of shared intros goes, the partner's stays)."""
        async with self.store.begin() as conn:
            await conn.execute(matching_participants.delete().where(
                _P.community_id == community_id, _P.member_id == member_id))
            await conn.execute(matching_blocks.delete().where(
                _B.community_id == community_id, (_B.member_id == member_id) | (_B.blocked_id == member_id)))
            await conn.execute(matching_requests.delete().where(
                _Q.community_id == community_id, (_Q.requester_id == member_id) | (_Q.target_id == member_id)))
            await conn.execute(matching_feedback.delete().where(_F.member_id == member_id))
            await conn.execute(matching_mentors.delete().where(
                _M.community_id == community_id, _M.member_id == member_id))
            await conn.execute(matching_mentorships.delete().where(
                _MS.community_id == community_id, (_MS.mentor_id == member_id) | (_MS.mentee_id == member_id)))
            await conn.execute(matching_mentor_requests.delete().where(
                _MR.community_id == community_id, _MR.mentee_id == member_id))
            await conn.execute(matching_round_members.delete().where(_RM.member_id == member_id))
            await conn.execute(matching_intro_members.delete().where(
                _IM.community_id == community_id, _IM.member_id == member_id))
