"""Welcome repository: newcomers, their onboarding steps, the greeter pool and buddy assignments.

Exactly-once rests on the store, not on memory: a greeting is a `welcome_steps` row that moves
pending -> sending (claimed with a token by one process) -> channel (waiting for a batched channel post) ->
done/skipped/failed; every other step is claimed by inserting its unique (community, member, step) row.
All times come from the caller (the services clock), so tests drive them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa

from core.ports import DataStore
from storage.engine import sql_store
from storage.members import MemberRow
from storage.schema import communities, members, profile_facets
from storage.welcome_schema import welcome_buddies, welcome_greeters, welcome_newcomers, welcome_steps


class Step(StrEnum):
    GREETED = "greeted"
    PROFILE_STARTED = "profile_started"
    PROFILE_SAVED = "profile_saved"
    BUDDY_ASSIGNED = "buddy_assigned"
    BUDDY_CONTACTED = "buddy_contacted"
    BUDDY_REMINDED = "buddy_reminded"
    NUDGED = "nudged"
    DIGESTED = "digested"


class Status(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    CHANNEL = "channel"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class StepRow:
    id: int
    community_id: int
    member_id: int
    step: str
    status: str
    due_at: datetime | None
    detail: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewcomerRow:
    community_id: int
    member_id: int
    trigger: str
    started_at: datetime
    first_message_at: datetime | None


@dataclass(frozen=True, slots=True)
class GreeterRow:
    community_id: int
    member_id: int
    capacity: int
    active: bool
    joined_at: datetime


@dataclass(frozen=True, slots=True)
class BuddyRow:
    id: int
    community_id: int
    newcomer_id: int
    buddy_id: int
    assigned_at: datetime
    contacted_at: datetime | None
    conversation: str


def _step(r: sa.Row) -> StepRow:
    return StepRow(r.id, r.community_id, r.member_id, r.step, r.status, r.due_at, r.detail, r.created_at,
                   r.updated_at)


def _newcomer(r: sa.Row) -> NewcomerRow:
    return NewcomerRow(r.community_id, r.member_id, r.trigger, r.started_at, r.first_message_at)


def _buddy(r: sa.Row) -> BuddyRow:
    return BuddyRow(r.id, r.community_id, r.newcomer_id, r.buddy_id, r.assigned_at, r.contacted_at,
                    r.conversation)


def _greeter(r: sa.Row) -> GreeterRow:
    return GreeterRow(r.community_id, r.member_id, r.capacity, bool(r.active), r.joined_at)


_S = welcome_steps.c
_N = welcome_newcomers.c
_B = welcome_buddies.c
_G = welcome_greeters.c


def _chunks(ids: Sequence[int], size: int = 500) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


class WelcomeRepo:
    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    # ------------------------------------------------------------------ newcomers and greetings
    async def start(self, community_id: int, member_id: int, trigger: str, now: datetime,
                    greet_due: datetime) -> bool:
        """Begin onboarding with a pending greeting. False when this member was onboarded before (each step goes
        out once); a member who left before being greeted and comes back starts afresh."""
        key = (_S.community_id == community_id) & (_S.member_id == member_id) & (_S.step == Step.GREETED)
        try:
            async with self.store.begin() as conn:
                existing = (await conn.execute(sa.select(welcome_steps).where(key))).first()
                if existing is None:
                    await conn.execute(welcome_newcomers.insert().values(
                        community_id=community_id, member_id=member_id, trigger=trigger[:100], started_at=now))
                    await conn.execute(welcome_steps.insert().values(
                        community_id=community_id, member_id=member_id, step=Step.GREETED, status=Status.PENDING,
                        due_at=greet_due, created_at=now, updated_at=now))
                    return True
                if existing.status == Status.SKIPPED and existing.detail == "left":
                    await conn.execute(welcome_newcomers.update().where(
                        (_N.community_id == community_id) & (_N.member_id == member_id)
                    ).values(started_at=now, trigger=trigger[:100]))
                    await conn.execute(welcome_steps.update().where(key).values(
                        status=Status.PENDING, due_at=greet_due, detail="", claim="", updated_at=now))
                    return True
                return False
        except sa.exc.IntegrityError:
            return False  # started concurrently by another delivery of the same join

    async def newcomer(self, community_id: int, member_id: int) -> NewcomerRow | None:
        q = sa.select(welcome_newcomers).where((_N.community_id == community_id) & (_N.member_id == member_id))
        async with self.store.read() as conn:
            row = (await conn.execute(q)).first()
        return _newcomer(row) if row else None

    async def member_left(self, community_id: int, member_id: int, now: datetime) -> int:
        """A member left: greetings not yet sent are dropped (and restart if they come back); one already
        delivered by DM and only waiting for the channel post counts as done."""
        key = (_S.community_id == community_id) & (_S.member_id == member_id) & (_S.step == Step.GREETED)
        async with self.store.begin() as conn:
            await conn.execute(welcome_steps.update().where(
                key & (_S.status == Status.CHANNEL) & (_S.detail == "dm")
            ).values(status=Status.DONE, updated_at=now))
            res = await conn.execute(welcome_steps.update().where(
                key & _S.status.in_([Status.PENDING, Status.CHANNEL])
            ).values(status=Status.SKIPPED, detail="left", updated_at=now))
        return int(res.rowcount or 0)

    async def note_message(self, community_id: int, member_id: int, now: datetime) -> bool:
        """Remember a newcomer's first message (the drip leaves active newcomers alone)."""
        async with self.store.begin() as conn:
            res = await conn.execute(welcome_newcomers.update().where(
                (_N.community_id == community_id) & (_N.member_id == member_id) & _N.first_message_at.is_(None)
            ).values(first_message_at=now))
        return bool(res.rowcount)

    async def quiet_newcomers(self, since: datetime) -> list[tuple[int, int]]:
        """(community, member) of recent newcomers who have not posted yet."""
        q = sa.select(_N.community_id, _N.member_id).where(
            (_N.started_at >= since) & _N.first_message_at.is_(None))
        async with self.store.read() as conn:
            return [(r.community_id, r.member_id) for r in await conn.execute(q)]

    async def due_greetings(self, community_id: int, until: datetime, limit: int = 1000) -> list[StepRow]:
        q = (sa.select(welcome_steps)
             .where((_S.community_id == community_id) & (_S.step == Step.GREETED) & (_S.status == Status.PENDING)
                    & (_S.due_at <= until))
             .order_by(_S.due_at, _S.id).limit(limit))
        async with self.store.read() as conn:
            return [_step(r) for r in await conn.execute(q)]

    async def claim(self, step_ids: Sequence[int], now: datetime) -> list[StepRow]:
        """Move pending steps to `sending` for this caller alone; returns the ones it got."""
        if not step_ids:
            return []
        token = uuid.uuid4().hex
        async with self.store.begin() as conn:
            for chunk in _chunks(step_ids):
                await conn.execute(welcome_steps.update().where(
                    _S.id.in_(chunk) & (_S.status == Status.PENDING)
                ).values(status=Status.SENDING, claim=token, updated_at=now))
        async with self.store.read() as conn:
            rows = await conn.execute(sa.select(welcome_steps).where(
                (_S.claim == token) & (_S.status == Status.SENDING)).order_by(_S.due_at, _S.id))
            return [_step(r) for r in rows]

    async def finish(self, step_ids: Sequence[int], status: Status, detail: str, now: datetime) -> None:
        if not step_ids:
            return
        async with self.store.begin() as conn:
            for chunk in _chunks(step_ids):
                await conn.execute(welcome_steps.update().where(_S.id.in_(chunk)).values(
                    status=status, detail=detail[:200], updated_at=now))

    async def finish_each(self, outcomes: Sequence[tuple[int, Status, str]], now: datetime) -> None:
        """Several steps with their own outcome, in one transaction (a burst of greetings writes once)."""
        if not outcomes:
            return
        async with self.store.begin() as conn:
            for step_id, status, detail in outcomes:
                await conn.execute(welcome_steps.update().where(_S.id == step_id).values(
                    status=status, detail=detail[:200], updated_at=now))

    async def members_by_id(self, member_ids: Sequence[int]) -> dict[int, MemberRow]:
        """Member rows for many ids in one query."""
        out: dict[int, MemberRow] = {}
        async with self.store.read() as conn:
            for chunk in _chunks(list(member_ids)):
                for r in await conn.execute(sa.select(members).where(members.c.id.in_(chunk))):
                    out[r.id] = MemberRow.of(r)
        return out

    async def with_profile(self, member_ids: Sequence[int]) -> set[int]:
        """Which of these members have at least one profile value."""
        found: set[int] = set()
        async with self.store.read() as conn:
            for chunk in _chunks(list(member_ids)):
                q = sa.select(profile_facets.c.member_id).where(profile_facets.c.member_id.in_(chunk)).distinct()
                found.update(r.member_id for r in await conn.execute(q))
        return found

    async def channel_queue(self, community_id: int, limit: int) -> list[StepRow]:
        """Greetings waiting for the next batched channel post, oldest first."""
        q = (sa.select(welcome_steps)
             .where((_S.community_id == community_id) & (_S.step == Step.GREETED) & (_S.status == Status.CHANNEL))
             .order_by(_S.due_at, _S.id).limit(limit))
        async with self.store.read() as conn:
            return [_step(r) for r in await conn.execute(q)]

    async def next_due(self, platforms: Sequence[str]) -> datetime | None:
        """When the next pending greeting on these platforms is due (for the wake-up timer)."""
        if not platforms:
            return None
        q = (sa.select(sa.func.min(_S.due_at))
             .select_from(welcome_steps.join(communities, communities.c.id == _S.community_id))
             .where((_S.step == Step.GREETED) & (_S.status == Status.PENDING)
                    & communities.c.platform.in_(list(platforms))))
        async with self.store.read() as conn:
            return (await conn.execute(q)).scalar()

    async def communities_waiting_for_channel(self, platforms: Sequence[str]) -> list[int]:
        if not platforms:
            return []
        q = (sa.select(_S.community_id).distinct()
             .select_from(welcome_steps.join(communities, communities.c.id == _S.community_id))
             .where((_S.step == Step.GREETED) & (_S.status == Status.CHANNEL)
                    & communities.c.platform.in_(list(platforms))))
        async with self.store.read() as conn:
            return [r.community_id for r in await conn.execute(q)]

    async def communities_with_work(self, started_since: datetime) -> list[int]:
        """Communities with greetings pending or queued, or newcomers recent enough for the drip."""
        q1 = sa.select(_S.community_id).where(_S.status.in_([Status.PENDING, Status.CHANNEL]))
        q2 = sa.select(_N.community_id).where(_N.started_at >= started_since)
        q = sa.union(q1, q2)
        async with self.store.read() as conn:
            return sorted({r[0] for r in await conn.execute(q)})

    async def requeue_interrupted(self, now: datetime, claimed_before: datetime) -> list[StepRow]:
        """Greetings a crashed process had claimed but not finished go back to pending (returned for the caller
        to report): greeting them again goes through the delivery ledger, which first looks on the platform for
        what the dead process may have sent, so nobody is greeted twice and nobody is left out."""
        stuck = ((_S.step == Step.GREETED) & (_S.status == Status.SENDING) & (_S.updated_at <= claimed_before))
        async with self.store.begin() as conn:
            rows = [_step(r) for r in await conn.execute(sa.select(welcome_steps).where(stuck))]
            for chunk in _chunks([r.id for r in rows]):
                await conn.execute(welcome_steps.update().where(_S.id.in_(chunk) & (_S.status == Status.SENDING))
                                   .values(status=Status.PENDING, claim="", updated_at=now))
        return rows

    async def stuck(self, community_id: int, steps: Sequence[Step], claimed_before: datetime) -> list[StepRow]:
        """Drip steps of a community claimed before `claimed_before` and still sending (a crash cut them off)."""
        q = (sa.select(welcome_steps)
             .where((_S.community_id == community_id) & _S.step.in_(list(steps)) & (_S.status == Status.SENDING)
                    & (_S.updated_at <= claimed_before))
             .order_by(_S.id))
        async with self.store.read() as conn:
            return [_step(r) for r in await conn.execute(q)]

    async def channel_steps(self, step_ids: Sequence[int]) -> list[StepRow]:
        """These greeting steps, where they are still waiting for the channel post."""
        out: list[StepRow] = []
        async with self.store.read() as conn:
            for chunk in _chunks(list(step_ids)):
                q = sa.select(welcome_steps).where(_S.id.in_(chunk) & (_S.status == Status.CHANNEL))
                out.extend(_step(r) for r in await conn.execute(q))
        return out

    # ------------------------------------------------------------------ other steps
    async def claim_step(self, community_id: int, member_id: int, step: Step, now: datetime, *,
                         status: Status = Status.DONE, detail: str = "") -> bool:
        """Record a step once; False when it was already recorded (by this or another process)."""
        try:
            async with self.store.begin() as conn:
                await conn.execute(welcome_steps.insert().values(
                    community_id=community_id, member_id=member_id, step=step, status=status,
                    detail=detail[:200], created_at=now, updated_at=now))
            return True
        except sa.exc.IntegrityError:
            return False

    async def update_step(self, community_id: int, member_id: int, step: Step, status: Status, detail: str,
                          now: datetime) -> None:
        async with self.store.begin() as conn:
            await conn.execute(welcome_steps.update().where(
                (_S.community_id == community_id) & (_S.member_id == member_id) & (_S.step == step)
            ).values(status=status, detail=detail[:200], updated_at=now))

    async def steps_of(self, community_id: int, member_id: int) -> dict[str, StepRow]:
        q = sa.select(welcome_steps).where((_S.community_id == community_id) & (_S.member_id == member_id))
        async with self.store.read() as conn:
            return {r.step: _step(r) for r in await conn.execute(q)}

    async def newcomers_without(self, community_id: int, step: Step, started_before: datetime,
                                started_after: datetime) -> list[NewcomerRow]:
        """Present newcomers who started in the window and have no row for `step` yet."""
        done = sa.select(_S.id).where((_S.community_id == _N.community_id) & (_S.member_id == _N.member_id)
                                      & (_S.step == step))
        q = (sa.select(welcome_newcomers)
             .select_from(welcome_newcomers.join(members, members.c.id == _N.member_id))
             .where((_N.community_id == community_id) & (_N.started_at <= started_before)
                    & (_N.started_at > started_after) & members.c.left_at.is_(None) & ~sa.exists(done))
             .order_by(_N.started_at, _N.member_id))
        async with self.store.read() as conn:
            return [_newcomer(r) for r in await conn.execute(q)]

    async def funnel(self, community_id: int, since: datetime) -> tuple[int, dict[str, dict[str, int]]]:
        """How many newcomers started since `since`, and their steps counted by status."""
        async with self.store.read() as conn:
            started = (await conn.execute(sa.select(sa.func.count()).select_from(welcome_newcomers).where(
                (_N.community_id == community_id) & (_N.started_at >= since)))).scalar_one()
            rows = await conn.execute(
                sa.select(_S.step, _S.status, sa.func.count().label("n"))
                .select_from(welcome_steps.join(welcome_newcomers, (_N.community_id == _S.community_id)
                                                & (_N.member_id == _S.member_id)))
                .where((_S.community_id == community_id) & (_N.started_at >= since))
                .group_by(_S.step, _S.status))
            counts: dict[str, dict[str, int]] = {}
            for r in rows:
                counts.setdefault(r.step, {})[r.status] = int(r.n)
        return int(started), counts

    # ------------------------------------------------------------------ greeters
    async def greeter_join(self, community_id: int, member_id: int, capacity: int, now: datetime) -> None:
        where = (_G.community_id == community_id) & (_G.member_id == member_id)
        async with self.store.begin() as conn:
            found = (await conn.execute(sa.select(_G.member_id).where(where))).first()
            if found is None:
                await conn.execute(welcome_greeters.insert().values(
                    community_id=community_id, member_id=member_id, capacity=capacity, active=True, joined_at=now))
            else:
                await conn.execute(welcome_greeters.update().where(where).values(capacity=capacity, active=True))

    async def greeter_leave(self, community_id: int, member_id: int) -> bool:
        where = (_G.community_id == community_id) & (_G.member_id == member_id) & _G.active.is_(True)
        async with self.store.begin() as conn:
            res = await conn.execute(welcome_greeters.update().where(where).values(active=False))
        return bool(res.rowcount)

    async def greeters(self, community_id: int, *, active_only: bool = True) -> list[GreeterRow]:
        """Greeters still present in the community."""
        q = (sa.select(welcome_greeters)
             .select_from(welcome_greeters.join(members, members.c.id == _G.member_id))
             .where((_G.community_id == community_id) & members.c.left_at.is_(None))
             .order_by(_G.joined_at, _G.member_id))
        if active_only:
            q = q.where(_G.active.is_(True))
        async with self.store.read() as conn:
            return [_greeter(r) for r in await conn.execute(q)]

    async def loads(self, community_id: int, since: datetime) -> dict[int, int]:
        """Newcomers each buddy took on since `since` (their current load)."""
        q = (sa.select(_B.buddy_id, sa.func.count().label("n"))
             .where((_B.community_id == community_id) & (_B.assigned_at >= since)).group_by(_B.buddy_id))
        async with self.store.read() as conn:
            return {r.buddy_id: int(r.n) for r in await conn.execute(q)}

    # ------------------------------------------------------------------ buddies
    async def buddy_of(self, community_id: int, newcomer_id: int) -> BuddyRow | None:
        q = sa.select(welcome_buddies).where((_B.community_id == community_id) & (_B.newcomer_id == newcomer_id))
        async with self.store.read() as conn:
            row = (await conn.execute(q)).first()
        return _buddy(row) if row else None

    async def assign_buddy(self, community_id: int, newcomer_id: int, buddy_id: int, now: datetime) -> bool:
        """One buddy per newcomer, ever; False when the newcomer already has one."""
        try:
            async with self.store.begin() as conn:
                await conn.execute(welcome_buddies.insert().values(
                    community_id=community_id, newcomer_id=newcomer_id, buddy_id=buddy_id, assigned_at=now))
            return True
        except sa.exc.IntegrityError:
            return False

    async def unassign_buddy(self, community_id: int, newcomer_id: int) -> None:
        """Undo an assignment whose intro could not be made at all, so that the newcomer can be offered again."""
        async with self.store.begin() as conn:
            await conn.execute(welcome_buddies.delete().where(
                (_B.community_id == community_id) & (_B.newcomer_id == newcomer_id)))

    async def set_conversation(self, community_id: int, newcomer_id: int, conversation: str) -> None:
        async with self.store.begin() as conn:
            await conn.execute(welcome_buddies.update().where(
                (_B.community_id == community_id) & (_B.newcomer_id == newcomer_id)
            ).values(conversation=conversation[:300]))

    async def mark_contacted(self, community_id: int, newcomer_id: int, now: datetime) -> bool:
        async with self.store.begin() as conn:
            res = await conn.execute(welcome_buddies.update().where(
                (_B.community_id == community_id) & (_B.newcomer_id == newcomer_id) & _B.contacted_at.is_(None)
            ).values(contacted_at=now))
        return bool(res.rowcount)

    async def buddies_awaiting_reminder(self, community_id: int, assigned_before: datetime,
                                        assigned_after: datetime) -> list[BuddyRow]:
        """Assignments old enough for a reminder, without a hello yet and not reminded before."""
        reminded = sa.select(_S.id).where((_S.community_id == _B.community_id) & (_S.member_id == _B.newcomer_id)
                                          & (_S.step == Step.BUDDY_REMINDED))
        q = (sa.select(welcome_buddies)
             .select_from(welcome_buddies.join(members, members.c.id == _B.newcomer_id))
             .where((_B.community_id == community_id) & (_B.assigned_at <= assigned_before)
                    & (_B.assigned_at > assigned_after) & _B.contacted_at.is_(None)
                    & members.c.left_at.is_(None) & ~sa.exists(reminded))
             .order_by(_B.assigned_at, _B.id))
        async with self.store.read() as conn:
            return [_buddy(r) for r in await conn.execute(q)]

    async def staff_names(self, community_id: int, limit: int = 5) -> list[str]:
        """Display names of members tagged as staff (for the `{moderators}` placeholder)."""
        q = (sa.select(members.c.display_name)
             .where((members.c.community_id == community_id) & members.c.is_staff.is_(True)
                    & members.c.left_at.is_(None))
             .order_by(members.c.display_name).limit(limit))
        async with self.store.read() as conn:
            return [r.display_name for r in await conn.execute(q)]

    # ------------------------------------------------------------------ privacy
    async def forget(self, community_id: int, member_id: int) -> None:
        """Erase one member's onboarding data: as newcomer, as greeter and as buddy."""
        async with self.store.begin() as conn:
            await conn.execute(welcome_steps.delete().where(
                (_S.community_id == community_id) & (_S.member_id == member_id)))
            await conn.execute(welcome_newcomers.delete().where(
                (_N.community_id == community_id) & (_N.member_id == member_id)))
            await conn.execute(welcome_greeters.delete().where(
                (_G.community_id == community_id) & (_G.member_id == member_id)))
            await conn.execute(welcome_buddies.delete().where(
                (_B.community_id == community_id)
                & ((_B.newcomer_id == member_id) | (_B.buddy_id == member_id))))
