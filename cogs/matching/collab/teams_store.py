"""Every read and write of the team formation tables (cogs/matching/collab/teams_tables.py).

Signing up toggles in one transaction; a formation moves preview -> sending -> done by conditional updates, so a
double press of "Confirm" or two processes send its teams once (each team's intro also goes through the delivery
ledger).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from cogs.matching.collab.teams_tables import collab_events, collab_formations, collab_signups, collab_teams
from core.ports import DataStore
from storage.engine import inserted_id, sql_store

_E = collab_events.c
_S = collab_signups.c
_F = collab_formations.c
_T = collab_teams.c


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    community_id: int
    title: str
    details: str
    channel_id: str = ""
    message_id: str = ""


@dataclass(frozen=True, slots=True)
class FormationRow:
    id: int
    community_id: int
    moderator_id: int | None
    source: str
    size: int
    needs: str
    status: str


@dataclass(frozen=True, slots=True)
class TeamRow:
    formation_id: int
    number: int
    members: tuple[int, ...]
    covers: dict[int, str]
    missing: tuple[str, ...]
    status: str


class TeamRepo:
    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    # ------------------------------------------------------------------ events and sign-ups
    async def create_event(self, community_id: int, creator_id: int, title: str, details: str, now: datetime) -> int:
        async with self.store.begin() as conn:
            r = await conn.execute(collab_events.insert().values(
                community_id=community_id, creator_id=creator_id, title=title, details=details, created_at=now))
        return inserted_id(r)

    async def set_card(self, event_id: int, channel_id: str, message_id: str) -> None:
        async with self.store.begin() as conn:
            await conn.execute(collab_events.update().where(_E.id == event_id).values(
                channel_id=channel_id[:100], message_id=message_id[:100]))

    async def event(self, community_id: int, event_id: int) -> EventRow | None:
        q = sa.select(_E.id, _E.community_id, _E.title, _E.details, _E.channel_id, _E.message_id).where(
            _E.id == event_id, _E.community_id == community_id)
        async with self.store.read() as conn:
            row = (await conn.execute(q)).first()
        return EventRow(row.id, row.community_id, row.title, row.details, row.channel_id, row.message_id) \
            if row else None

    async def sign_up(self, event_id: int, member_id: int, going: bool, now: datetime) -> bool:
        """Set whether the member is in; True when that changed something."""
        key = (_S.event_id == event_id) & (_S.member_id == member_id)
        async with self.store.begin() as conn:
            there = (await conn.execute(sa.select(_S.member_id).where(key))).first() is not None
            if going and not there:
                await conn.execute(collab_signups.insert().values(event_id=event_id, member_id=member_id,
                                                                  created_at=now))
            elif not going and there:
                await conn.execute(collab_signups.delete().where(key))
            return going != there

    async def signed_up(self, event_id: int) -> list[int]:
        """Who is in, in the order they signed up."""
        q = sa.select(_S.member_id).where(_S.event_id == event_id).order_by(_S.created_at, _S.member_id)
        async with self.store.read() as conn:
            return [r.member_id for r in await conn.execute(q)]

    # ------------------------------------------------------------------ formations
    async def create_formation(self, community_id: int, moderator_id: int, source: str, size: int, needs: str,
                               teams: Sequence[tuple[Sequence[int], Mapping[int, str], Sequence[str]]],
                               now: datetime) -> int:
        """The previewed formation with its teams, in one transaction."""
        async with self.store.begin() as conn:
            r = await conn.execute(collab_formations.insert().values(
                community_id=community_id, moderator_id=moderator_id, source=source[:120], size=size,
                needs=needs[:400], status="preview", created_at=now))
            fid = inserted_id(r)
            if teams:
                await conn.execute(collab_teams.insert(), [
                    {"formation_id": fid, "number": k, "members": list(members),
                     "covers": {str(m): need for m, need in covers.items()}, "missing": list(missing)}
                    for k, (members, covers, missing) in enumerate(teams, start=1)])
        return fid

    async def formation(self, community_id: int, formation_id: int) -> FormationRow | None:
        q = sa.select(collab_formations).where(_F.id == formation_id, _F.community_id == community_id)
        async with self.store.read() as conn:
            r = (await conn.execute(q)).first()
        return FormationRow(r.id, r.community_id, r.moderator_id, r.source, r.size, r.needs, r.status) if r else None

    async def move(self, formation_id: int, old: Sequence[str], new: str, now: datetime) -> bool:
        """preview -> sending (confirm), preview -> cancelled, sending -> done; False when it was not in `old`."""
        values: dict[str, object] = {"status": new}
        if new in ("done", "cancelled"):
            values["finished_at"] = now
        async with self.store.begin() as conn:
            res = await conn.execute(collab_formations.update().where(
                _F.id == formation_id, _F.status.in_(list(old))).values(**values))
        return res.rowcount > 0

    async def sending(self) -> list[FormationRow]:
        """Formations confirmed but not finished (a process stopped while sending their intros)."""
        async with self.store.read() as conn:
            rows = await conn.execute(sa.select(collab_formations).where(_F.status == "sending"))
            return [FormationRow(r.id, r.community_id, r.moderator_id, r.source, r.size, r.needs, r.status)
                    for r in rows]

    async def teams(self, formation_id: int) -> list[TeamRow]:
        q = sa.select(collab_teams).where(_T.formation_id == formation_id).order_by(_T.number)
        async with self.store.read() as conn:
            return [TeamRow(r.formation_id, r.number, tuple(int(m) for m in r.members),
                            {int(k): str(v) for k, v in (r.covers or {}).items()}, tuple(r.missing or ()), r.status)
                    for r in await conn.execute(q)]

    async def finish_team(self, formation_id: int, number: int, status: str, channel_ids: str = "") -> None:
        async with self.store.begin() as conn:
            await conn.execute(collab_teams.update().where(_T.formation_id == formation_id, _T.number == number)
                               .values(status=status, channel_ids=channel_ids[:400]))

    # ------------------------------------------------------------------ privacy
    async def forget(self, community_id: int, member_id: int) -> None:
        """A member asked to be forgotten: their sign-ups go, and they leave the member lists of stored teams."""
        async with self.store.begin() as conn:
            events = sa.select(_E.id).where(_E.community_id == community_id)
            await conn.execute(collab_signups.delete().where(_S.member_id == member_id, _S.event_id.in_(events)))
            formations = sa.select(_F.id).where(_F.community_id == community_id)
            rows = (await conn.execute(sa.select(_T.formation_id, _T.number, _T.members, _T.covers)
                                       .where(_T.formation_id.in_(formations)))).all()
            for r in rows:
                if member_id in [int(m) for m in r.members]:
                    await conn.execute(collab_teams.update().where(
                        _T.formation_id == r.formation_id, _T.number == r.number).values(
                        members=[int(m) for m in r.members if int(m) != member_id],
                        covers={k: v for k, v in (r.covers or {}).items() if k != str(member_id)}))
            await conn.execute(collab_events.update().where(
                _E.community_id == community_id, _E.creator_id == member_id).values(creator_id=None))
            await conn.execute(collab_formations.update().where(
                _F.community_id == community_id, _F.moderator_id == member_id).values(moderator_id=None))
