"""Mentoring: mentors and their topics and capacity, mentees' requests, and the mentorships proposed between them.

A proposal re-checks the mentor's capacity and the request's state in its own transaction, so two processes
assigning at once cannot overfill a mentor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from core.ports import DataStore
from storage.engine import inserted_id, sql_store
from storage.matching_schema import matching_mentor_requests, matching_mentors, matching_mentorships

_M = matching_mentors.c
_MR = matching_mentor_requests.c
_MS = matching_mentorships.c


@dataclass(frozen=True, slots=True)
class MentorRow:
    community_id: int
    member_id: int
    topics: list[str]
    capacity: int


@dataclass(frozen=True, slots=True)
class MentorRequestRow:
    id: int
    community_id: int
    mentee_id: int
    topics: list[str]
    goal: str
    status: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MentorshipRow:
    id: int
    community_id: int
    request_id: int
    mentor_id: int
    mentee_id: int
    topics: list[str]
    status: str
    created_at: datetime
    decided_at: datetime | None
    intro_id: int | None


def _mentorship(r: sa.Row) -> MentorshipRow:
    return MentorshipRow(r.id, r.community_id, r.request_id, r.mentor_id, r.mentee_id, list(r.topics or []),
                         r.status, r.created_at, r.decided_at, r.intro_id)


class MentoringRepo:
    """Mentors, mentee requests and mentorships (usable alone; `storage.matching.MatchingRepo` includes it)."""

    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    # ------------------------------------------------------------------ mentoring
    async def set_mentor(self, community_id: int, member_id: int, topics: list[str], capacity: int,
                         now: datetime) -> None:
        where = (_M.community_id == community_id) & (_M.member_id == member_id)
        async with self.store.begin() as conn:
            if (await conn.execute(sa.select(_M.member_id).where(where))).first() is None:
                await conn.execute(matching_mentors.insert().values(
                    community_id=community_id, member_id=member_id, topics=topics, capacity=capacity,
                    updated_at=now))
            else:
                await conn.execute(matching_mentors.update().where(where).values(
                    topics=topics, capacity=capacity, updated_at=now))

    async def mentors(self, community_id: int) -> list[MentorRow]:
        q = sa.select(matching_mentors).where(_M.community_id == community_id).order_by(_M.member_id)
        async with self.store.read() as conn:
            return [MentorRow(r.community_id, r.member_id, list(r.topics or []), r.capacity)
                    for r in await conn.execute(q)]

    async def create_mentor_request(self, community_id: int, mentee_id: int, topics: list[str], goal: str,
                                    now: datetime) -> int:
        async with self.store.begin() as conn:
            r = await conn.execute(matching_mentor_requests.insert().values(
                community_id=community_id, mentee_id=mentee_id, topics=topics, goal=goal, status="waiting",
                created_at=now, updated_at=now))
        return inserted_id(r)

    async def mentor_requests(self, community_id: int, *, mentee_id: int | None = None,
                              statuses: Sequence[str] = ("waiting",)) -> list[MentorRequestRow]:
        q = sa.select(matching_mentor_requests).where(_MR.community_id == community_id, _MR.status.in_(statuses))
        if mentee_id is not None:
            q = q.where(_MR.mentee_id == mentee_id)
        async with self.store.read() as conn:
            return [MentorRequestRow(r.id, r.community_id, r.mentee_id, list(r.topics or []), r.goal, r.status,
                                     r.created_at) for r in await conn.execute(q.order_by(_MR.id))]

    async def mentor_request(self, request_id: int) -> MentorRequestRow | None:
        async with self.store.read() as conn:
            r = (await conn.execute(sa.select(matching_mentor_requests).where(_MR.id == request_id))).first()
        return (MentorRequestRow(r.id, r.community_id, r.mentee_id, list(r.topics or []), r.goal, r.status,
                                 r.created_at) if r else None)

    async def mentorships(self, community_id: int, *, member_id: int | None = None,
                          statuses: Sequence[str] = ("proposed", "active")) -> list[MentorshipRow]:
        q = sa.select(matching_mentorships).where(_MS.community_id == community_id, _MS.status.in_(statuses))
        if member_id is not None:
            q = q.where((_MS.mentor_id == member_id) | (_MS.mentee_id == member_id))
        async with self.store.read() as conn:
            return [_mentorship(r) for r in await conn.execute(q.order_by(_MS.id))]

    async def mentorship(self, mentorship_id: int) -> MentorshipRow | None:
        async with self.store.read() as conn:
            r = (await conn.execute(sa.select(matching_mentorships).where(_MS.id == mentorship_id))).first()
        return _mentorship(r) if r else None

    async def declined_pairs(self, community_id: int) -> list[tuple[int, int]]:
        """(mentee, mentor) pairs that must not be proposed again (declined or ended)."""
        q = sa.select(_MS.mentee_id, _MS.mentor_id).where(
            _MS.community_id == community_id, _MS.status.in_(("declined", "ended")))
        async with self.store.read() as conn:
            return [(r.mentee_id, r.mentor_id) for r in await conn.execute(q)]

    async def propose(self, community_id: int, request_id: int, mentor_id: int, mentee_id: int,
                      topics: list[str], capacity: int, now: datetime) -> int | None:
        """Propose a mentor for a waiting request, atomically re-checking the mentor's capacity and that the
        request is still waiting (two processes assigning at once cannot overfill a mentor)."""
        async with self.store.begin() as conn:
            used = (await conn.execute(sa.select(sa.func.count()).select_from(matching_mentorships).where(
                _MS.community_id == community_id, _MS.mentor_id == mentor_id,
                _MS.status.in_(("proposed", "active"))))).scalar_one()
            if used >= capacity:
                return None
            res = await conn.execute(matching_mentor_requests.update().where(
                _MR.id == request_id, _MR.status == "waiting").values(status="proposed", updated_at=now))
            if res.rowcount == 0:
                return None
            r = await conn.execute(matching_mentorships.insert().values(
                community_id=community_id, request_id=request_id, mentor_id=mentor_id, mentee_id=mentee_id,
                topics=topics, status="proposed", created_at=now))
        return inserted_id(r)

    async def decide_mentorship(self, mentorship_id: int, status: str, now: datetime) -> bool:
        """proposed -> active (request matched) or declined (request waits again); once."""
        async with self.store.begin() as conn:
            row = (await conn.execute(sa.select(matching_mentorships).where(_MS.id == mentorship_id))).first()
            if row is None:
                return False
            res = await conn.execute(matching_mentorships.update().where(
                _MS.id == mentorship_id, _MS.status == "proposed").values(status=status, decided_at=now))
            if res.rowcount == 0:
                return False
            await conn.execute(matching_mentor_requests.update().where(_MR.id == row.request_id).values(
                status="matched" if status == "active" else "waiting", updated_at=now))
        return True

    async def attach_mentorship_intro(self, mentorship_id: int, intro_id: int) -> None:
        async with self.store.begin() as conn:
            await conn.execute(matching_mentorships.update().where(_MS.id == mentorship_id)
                               .values(intro_id=intro_id))

    async def end_mentoring(self, community_id: int, member_id: int, now: datetime) -> tuple[int, int]:
        """End the member's mentorships (either side) and withdraw their waiting requests:
        (mentorships ended, requests withdrawn)."""
        async with self.store.begin() as conn:
            ended = await conn.execute(matching_mentorships.update().where(
                _MS.community_id == community_id, _MS.status.in_(("proposed", "active")),
                (_MS.mentor_id == member_id) | (_MS.mentee_id == member_id),
            ).values(status="ended", decided_at=now))
            withdrawn = await conn.execute(matching_mentor_requests.update().where(
                _MR.community_id == community_id, _MR.mentee_id == member_id,
                _MR.status.in_(("waiting", "proposed", "matched"))).values(status="closed", updated_at=now))
        return ended.rowcount, withdrawn.rowcount
