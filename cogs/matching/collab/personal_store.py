"""What collaboration stores about one member, for `/privacy export`: the projects they posted, their interest
in projects, when they were suggested for one, the events they posted or signed up to, and the teams formed
with them (teammates by display name only).

Only SQLAlchemy and storage/; the Collab cog provides `CollabPersonalData` as a `PersonalData`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cogs.matching.collab.projects_tables import collab_interest, collab_projects, collab_suggestions
from cogs.matching.collab.teams_tables import collab_events, collab_formations, collab_signups, collab_teams
from core.ports import DataStore
from storage.engine import sql_store
from storage.names import display_names

_P = collab_projects.c
_I = collab_interest.c
_S = collab_suggestions.c
_E = collab_events.c
_U = collab_signups.c
_F = collab_formations.c
_T = collab_teams.c


class CollabPersonalData:
    """The `PersonalData` of projects, interest, events, sign-ups and teams (section "collab")."""

    section = "collab"

    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    async def personal_data(self, community_id: int, member_id: int) -> dict[str, Any]:
        async with self.store.read() as conn:
            projects = (await conn.execute(
                sa.select(_P.id, _P.title, _P.description, _P.needs, _P.languages, _P.commitment, _P.until,
                          _P.status, _P.created_at, _P.closed_at)
                .where(_P.community_id == community_id, _P.owner_id == member_id).order_by(_P.id))).all()
            interest = (await conn.execute(
                sa.select(_P.title, _I.active, _I.created_at)
                .select_from(collab_interest.join(collab_projects, _P.id == _I.project_id))
                .where(_P.community_id == community_id, _I.member_id == member_id).order_by(_I.created_at))).all()
            suggested = (await conn.execute(
                sa.select(_P.title, _S.need, _S.created_at)
                .select_from(collab_suggestions.join(collab_projects, _P.id == _S.project_id))
                .where(_S.community_id == community_id, _S.member_id == member_id).order_by(_S.created_at))).all()
            events = (await conn.execute(sa.select(_E.id, _E.title, _E.details, _E.created_at).where(
                _E.community_id == community_id, _E.creator_id == member_id).order_by(_E.id))).all()
            signups = (await conn.execute(
                sa.select(_E.title, _U.created_at)
                .select_from(collab_signups.join(collab_events, _E.id == _U.event_id))
                .where(_E.community_id == community_id, _U.member_id == member_id).order_by(_U.created_at))).all()
            teams = [t for t in (await conn.execute(
                sa.select(_T.formation_id, _T.number, _T.members, _T.covers, _T.status, _F.created_at)
                .select_from(collab_teams.join(collab_formations, _F.id == _T.formation_id))
                .where(_F.community_id == community_id).order_by(_T.formation_id, _T.number))).all()
                if member_id in [int(m) for m in t.members]]
            names = await display_names(conn, [int(m) for t in teams for m in t.members if int(m) != member_id])
        return {
            "projects": [dict(p._mapping) for p in projects],
            "interest": [{"project": r.title, "active": r.active, "created_at": r.created_at} for r in interest],
            "suggested_for": [{"project": r.title, "need": r.need, "created_at": r.created_at} for r in suggested],
            "events_posted": [dict(e._mapping) for e in events],
            "event_signups": [{"event": r.title, "created_at": r.created_at} for r in signups],
            "teams": [{"formation": t.formation_id, "team": t.number, "status": t.status, "formed_at": t.created_at,
                       "your_need": (t.covers or {}).get(str(member_id), ""),
                       "with": sorted(names.get(int(m), "") for m in t.members if int(m) != member_id)}
                      for t in teams],
        }
