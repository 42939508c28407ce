"""What a departure closes in the matching store: a member who left cannot answer or be introduced any more.

Kept apart from storage/matching.py (the rounds, requests and mentoring themselves): these are the few
statements run when a member leaves (or is deactivated), each one conditional, so that a second word of the
same departure, or two processes hearing it, change nothing more.

What stays: the member's own choices (taking part in rounds, a mentor offer), which count again if they come
back; the leaver is left out of rounds, suggestions and assignments while gone because those read only present
members. What closes: intro requests they sent or received (`cancelled`), their waiting mentor request
(`closed`), mentorships with them (`ended`); a mentee whose mentor left waits for a new mentor again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from core.ports import DataStore
from storage.engine import sql_store
from storage.matching_schema import matching_mentor_requests, matching_mentorships, matching_requests

_Q = matching_requests.c
_MR = matching_mentor_requests.c
_MS = matching_mentorships.c

CANCELLED = "cancelled"
"""Status of an intro request closed because one of the two left (it no longer counts towards any cap)."""


@dataclass(frozen=True, slots=True)
class Closed:
    """How much one departure closed."""

    requests: int = 0
    mentor_requests: int = 0
    mentorships: int = 0
    mentees_waiting_again: int = 0


class MatchingDepartures:
    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    async def cancel_requests(self, community_id: int, member_id: int, now: datetime) -> int:
        """Open intro requests the member sent or received are cancelled; returns how many."""
        async with self.store.begin() as conn:
            res = await conn.execute(matching_requests.update().where(
                _Q.community_id == community_id, _Q.status == "open",
                (_Q.requester_id == member_id) | (_Q.target_id == member_id),
            ).values(status=CANCELLED, decided_at=now))
        return int(res.rowcount or 0)

    async def close_mentoring(self, community_id: int, member_id: int, now: datetime) -> Closed:
        """End the member's mentorships on either side and close their own mentor request; the requests of
        mentees whose mentor left go back to waiting, so that the assignment finds them another mentor."""
        mine = (_MS.mentor_id == member_id) | (_MS.mentee_id == member_id)
        open_ships = (_MS.community_id == community_id) & _MS.status.in_(("proposed", "active")) & mine
        async with self.store.begin() as conn:
            orphaned = [r.request_id for r in await conn.execute(
                sa.select(_MS.request_id).where(open_ships, _MS.mentor_id == member_id, _MS.mentee_id != member_id))]
            ended = await conn.execute(matching_mentorships.update().where(open_ships)
                                       .values(status="ended", decided_at=now))
            closed = await conn.execute(matching_mentor_requests.update().where(
                _MR.community_id == community_id, _MR.mentee_id == member_id,
                _MR.status.in_(("waiting", "proposed", "matched"))).values(status="closed", updated_at=now))
            waiting = 0
            if orphaned:
                res = await conn.execute(matching_mentor_requests.update().where(
                    _MR.id.in_(orphaned), _MR.status.in_(("proposed", "matched"))
                ).values(status="waiting", updated_at=now))
                waiting = int(res.rowcount or 0)
        return Closed(mentor_requests=int(closed.rowcount or 0), mentorships=int(ended.rowcount or 0),
                      mentees_waiting_again=waiting)
