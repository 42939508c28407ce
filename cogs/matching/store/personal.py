"""What matching stores about one member, for `/privacy export`: taking part, rounds, intros (with whom, by
display name), their own check-in answers, the blocks and intro requests they made or received, and mentoring.

Only the member's own records: a partner appears by display name, never with their answers or profile.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

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
from core.ports import DataStore
from storage.engine import sql_store
from storage.names import display_names

_P = matching_participants.c
_R = matching_rounds.c
_RM = matching_round_members.c
_I = matching_intros.c
_IM = matching_intro_members.c
_F = matching_feedback.c
_B = matching_blocks.c
_Q = matching_requests.c
_M = matching_mentors.c
_MR = matching_mentor_requests.c
_MS = matching_mentorships.c


class MatchingPersonalData:
    """The `PersonalData` of intro rounds, check-ins, blocks and intro requests (section "matching")."""

    section = "matching"

    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    async def personal_data(self, community_id: int, member_id: int) -> dict[str, Any]:
        async with self.store.read() as conn:
            part = (await conn.execute(sa.select(_P.grp, _P.cadence, _P.status, _P.paused_until, _P.joined_at,
                                                 _P.updated_at)
                                       .where(_P.community_id == community_id, _P.member_id == member_id))).first()
            rounds = (await conn.execute(
                sa.select(_R.period, _R.grp, _RM.outcome, _RM.reason, _RM.intro_id)
                .select_from(matching_round_members.join(matching_rounds, _R.id == _RM.round_id))
                .where(_R.community_id == community_id, _RM.member_id == member_id).order_by(_R.started_at))).all()
            intros = (await conn.execute(
                sa.select(_I.id, _I.kind, _I.status, _I.created_at, _I.sent_at)
                .select_from(matching_intros.join(matching_intro_members, _IM.intro_id == _I.id))
                .where(_IM.community_id == community_id, _IM.member_id == member_id).order_by(_I.id))).all()
            intro_ids = [r.id for r in intros]
            partners: dict[int, list[int]] = {i: [] for i in intro_ids}
            if intro_ids:
                for r in await conn.execute(sa.select(_IM.intro_id, _IM.member_id).where(
                        _IM.intro_id.in_(intro_ids), _IM.member_id != member_id)):
                    partners[r.intro_id].append(r.member_id)
            answers = (await conn.execute(
                sa.select(_F.intro_id, _F.answer, _F.again, _F.note, _F.created_at, _F.updated_at)
                .select_from(matching_feedback.join(matching_intros, _I.id == _F.intro_id))
                .where(_I.community_id == community_id, _F.member_id == member_id).order_by(_F.intro_id))).all()
            blocks = (await conn.execute(sa.select(_B.blocked_id, _B.created_at).where(
                _B.community_id == community_id, _B.member_id == member_id))).all()
            requests = (await conn.execute(
                sa.select(_Q.requester_id, _Q.target_id, _Q.status, _Q.created_at, _Q.decided_at)
                .where(_Q.community_id == community_id,
                       (_Q.requester_id == member_id) | (_Q.target_id == member_id)).order_by(_Q.id))).all()
            others = ([m for ms in partners.values() for m in ms] + [b.blocked_id for b in blocks]
                      + [q.requester_id for q in requests] + [q.target_id for q in requests])
            names = await display_names(conn, others)
        return {
            "participation": dict(part._mapping) if part else None,
            "rounds": [{"period": r.period, "group": r.grp, "outcome": r.outcome, "reason": r.reason,
                        "intro": r.intro_id} for r in rounds],
            "intros": [{"intro": r.id, "kind": r.kind, "status": r.status, "created_at": r.created_at,
                        "sent_at": r.sent_at, "with": sorted(names.get(m, "") for m in partners[r.id])}
                       for r in intros],
            "checkin_answers": [{"intro": r.intro_id, "met": r.answer, "would_meet_again": r.again,
                                 "note": r.note, "answered_at": r.created_at, "updated_at": r.updated_at}
                                for r in answers],
            "blocks": [{"blocked": names.get(b.blocked_id, ""), "created_at": b.created_at} for b in blocks],
            "intro_requests_made": [{"to": names.get(q.target_id, ""), "status": q.status,
                                     "created_at": q.created_at, "decided_at": q.decided_at}
                                    for q in requests if q.requester_id == member_id],
            "intro_requests_received": [{"from": names.get(q.requester_id, ""), "status": q.status,
                                         "created_at": q.created_at, "decided_at": q.decided_at}
                                        for q in requests if q.target_id == member_id],
        }


class MentoringPersonalData:
    """The `PersonalData` of mentoring: the offer to mentor, requests for a mentor and mentorships (section
    "mentoring"; the sessions' check-ins are in matching's `checkin_answers`)."""

    section = "mentoring"

    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    async def personal_data(self, community_id: int, member_id: int) -> dict[str, Any]:
        async with self.store.read() as conn:
            offer = (await conn.execute(sa.select(_M.topics, _M.capacity, _M.updated_at).where(
                _M.community_id == community_id, _M.member_id == member_id))).first()
            asked = (await conn.execute(
                sa.select(_MR.topics, _MR.goal, _MR.status, _MR.created_at, _MR.updated_at)
                .where(_MR.community_id == community_id, _MR.mentee_id == member_id).order_by(_MR.id))).all()
            ships = (await conn.execute(
                sa.select(_MS.mentor_id, _MS.mentee_id, _MS.topics, _MS.status, _MS.created_at, _MS.decided_at)
                .where(_MS.community_id == community_id,
                       (_MS.mentor_id == member_id) | (_MS.mentee_id == member_id)).order_by(_MS.id))).all()
            names = await display_names(conn, [s.mentor_id for s in ships] + [s.mentee_id for s in ships])
        return {
            "mentor_offer": dict(offer._mapping) if offer else None,
            "mentor_requests": [dict(r._mapping) for r in asked],
            "mentorships": [{"role": "mentor" if s.mentor_id == member_id else "mentee",
                             "with": names.get(s.mentee_id if s.mentor_id == member_id else s.mentor_id, ""),
                             "topics": s.topics, "status": s.status, "created_at": s.created_at,
                             "decided_at": s.decided_at} for s in ships],
        }
