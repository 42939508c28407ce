"""Every read and write of the project tables (cogs/matching/collab/projects_tables.py).

Closing a project and toggling interest are conditional updates in one transaction, so a double press or two
processes give one result; suggestions are stored per project and member, which is what the weekly cap counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from cogs.matching.collab.projects_tables import collab_interest, collab_projects, collab_requests, collab_suggestions
from core.ports import DataStore
from storage.engine import inserted_id, sql_store

_P = collab_projects.c
_I = collab_interest.c
_S = collab_suggestions.c
_R = collab_requests.c

Need = tuple[str, int]  # (what is needed, how many)


@dataclass(frozen=True, slots=True)
class ProjectRow:
    id: int
    community_id: int
    owner_id: int
    title: str
    description: str
    needs: tuple[Need, ...]
    languages: tuple[str, ...]
    commitment: str
    until: date | None
    status: str
    channel_id: str
    message_id: str
    created_at: datetime
    closed_at: datetime | None

    def open_on(self, day: date) -> bool:
        """Open and not past its end date."""
        return self.status == "open" and (self.until is None or self.until >= day)


def _project(r: sa.Row) -> ProjectRow:
    needs = tuple((str(n.get("need", "")), int(n.get("count", 1))) for n in (r.needs or []) if isinstance(n, dict))
    return ProjectRow(r.id, r.community_id, r.owner_id, r.title, r.description, needs,
                      tuple(str(x) for x in r.languages or []), r.commitment, r.until, r.status, r.channel_id,
                      r.message_id, r.created_at, r.closed_at)


class ProjectRepo:
    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    # ------------------------------------------------------------------ projects
    async def create(self, community_id: int, owner_id: int, *, title: str, description: str,
                     needs: Sequence[Need], languages: Sequence[str], commitment: str, until: date | None,
                     now: datetime) -> int:
        async with self.store.begin() as conn:
            r = await conn.execute(collab_projects.insert().values(
                community_id=community_id, owner_id=owner_id, title=title, description=description,
                needs=[{"need": n, "count": c} for n, c in needs], languages=list(languages), commitment=commitment,
                until=until, status="open", created_at=now))
        return inserted_id(r)

    async def set_card(self, project_id: int, channel_id: str, message_id: str) -> None:
        async with self.store.begin() as conn:
            await conn.execute(collab_projects.update().where(_P.id == project_id).values(
                channel_id=channel_id[:100], message_id=message_id[:100]))

    async def get(self, project_id: int) -> ProjectRow | None:
        async with self.store.read() as conn:
            row = (await conn.execute(sa.select(collab_projects).where(_P.id == project_id))).first()
        return _project(row) if row else None

    async def open_projects(self, community_id: int, today: date) -> list[ProjectRow]:
        """Open projects whose end date has not passed, newest first."""
        q = (sa.select(collab_projects).where(
            _P.community_id == community_id, _P.status == "open", sa.or_(_P.until.is_(None), _P.until >= today))
            .order_by(_P.created_at.desc(), _P.id.desc()))
        async with self.store.read() as conn:
            return [_project(r) for r in await conn.execute(q)]

    async def close(self, project_id: int, now: datetime) -> bool:
        """Close an open project; False when it was closed already (a second press, another process)."""
        async with self.store.begin() as conn:
            res = await conn.execute(collab_projects.update().where(_P.id == project_id, _P.status == "open")
                                     .values(status="closed", closed_at=now))
        return res.rowcount > 0

    # ------------------------------------------------------------------ interest
    async def toggle_interest(self, project_id: int, member_id: int, now: datetime) -> tuple[bool, bool]:
        """(interested now, tell the owner): pressing again withdraws; the owner hears of a person once, however
        often they press."""
        key = (_I.project_id == project_id) & (_I.member_id == member_id)
        async with self.store.begin() as conn:
            row = (await conn.execute(sa.select(_I.active, _I.notified).where(key))).first()
            if row is None:
                await conn.execute(collab_interest.insert().values(
                    project_id=project_id, member_id=member_id, active=True, notified=True, created_at=now))
                return True, True
            active = not row.active
            await conn.execute(collab_interest.update().where(key).values(active=active, notified=True))
            return active, active and not row.notified

    async def interested(self, project_ids: Iterable[int]) -> dict[int, list[int]]:
        """Project id -> members interested now, in the order they pressed."""
        ids = list(project_ids)
        if not ids:
            return {}
        q = (sa.select(_I.project_id, _I.member_id).where(_I.project_id.in_(ids), _I.active.is_(True))
             .order_by(_I.created_at, _I.member_id))
        out: dict[int, list[int]] = {i: [] for i in ids}
        async with self.store.read() as conn:
            for r in await conn.execute(q):
                out[r.project_id].append(r.member_id)
        return out

    # ------------------------------------------------------------------ suggestions (the weekly cap)
    async def suggested_counts(self, community_id: int, since: datetime) -> dict[int, int]:
        """How many projects each member was suggested for since `since`."""
        q = (sa.select(_S.member_id, sa.func.count().label("n"))
             .where(_S.community_id == community_id, _S.created_at >= since).group_by(_S.member_id))
        async with self.store.read() as conn:
            return {r.member_id: int(r.n) for r in await conn.execute(q)}

    async def suggested_for(self, project_id: int) -> dict[int, str]:
        """Member -> the need they were suggested for, for one project."""
        async with self.store.read() as conn:
            rows = await conn.execute(sa.select(_S.member_id, _S.need).where(_S.project_id == project_id))
            return {r.member_id: r.need for r in rows}

    async def record_suggestions(self, project_id: int, community_id: int, picks: Sequence[tuple[int, str]],
                                 now: datetime) -> None:
        """Remember who was suggested for a project (once per project: asking again costs no second slot)."""
        known = await self.suggested_for(project_id)
        fresh = [(m, need) for m, need in dict(picks).items() if m not in known]
        if not fresh:
            return
        try:
            async with self.store.begin() as conn:
                await conn.execute(collab_suggestions.insert(), [
                    {"project_id": project_id, "member_id": m, "community_id": community_id, "need": need[:60],
                     "created_at": now} for m, need in fresh])
        except sa.exc.IntegrityError:  # another process stored the same suggestion a moment ago
            pass

    # ------------------------------------------------------------------ intro requests for a project
    async def link_request(self, request_id: int, project_id: int, need: str) -> None:
        async with self.store.begin() as conn:
            await conn.execute(collab_requests.insert().values(request_id=request_id, project_id=project_id,
                                                               need=need[:60]))

    async def project_of_request(self, request_id: int) -> tuple[ProjectRow, str] | None:
        """The project (and the need) an intro request was made for, None for a plain /match find request."""
        q = (sa.select(collab_projects, _R.need.label("for_need"))
             .join(collab_requests, _R.project_id == _P.id).where(_R.request_id == request_id))
        async with self.store.read() as conn:
            row = (await conn.execute(q)).first()
        return (_project(row), row.for_need) if row else None

    # ------------------------------------------------------------------ privacy
    async def forget(self, community_id: int, member_id: int) -> None:
        """Erase the member's projects (with their interest, suggestions and request links) and their own
        interest and suggestions in others' projects."""
        owned = sa.select(_P.id).where(_P.community_id == community_id, _P.owner_id == member_id)
        async with self.store.begin() as conn:
            await conn.execute(collab_requests.delete().where(_R.project_id.in_(owned)))
            await conn.execute(collab_interest.delete().where(_I.project_id.in_(owned)))
            await conn.execute(collab_suggestions.delete().where(_S.project_id.in_(owned)))
            await conn.execute(collab_projects.delete().where(_P.community_id == community_id,
                                                              _P.owner_id == member_id))
            await conn.execute(collab_interest.delete().where(_I.member_id == member_id))
            await conn.execute(collab_suggestions.delete().where(_S.community_id == community_id,
                                                                 _S.member_id == member_id))

    async def owned(self, community_id: int, member_id: int) -> int:
        q = sa.select(sa.func.count()).select_from(collab_projects).where(
            _P.community_id == community_id, _P.owner_id == member_id)
        async with self.store.read() as conn:
            return int((await conn.execute(q)).scalar_one())
