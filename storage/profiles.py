"""Profiles: a member's facets (role, topics, offers, ...), one row per value so facets can be searched."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from core.ports import DataStore
from storage.engine import sql_store
from storage.schema import profile_facets, profiles


@dataclass(slots=True)
class Profile:
    member_id: int
    community_id: int
    facets: dict[str, list[str]] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def values(self, name: str) -> list[str]:
        return self.facets.get(name, [])

    def first(self, name: str) -> str:
        vals = self.facets.get(name)
        return vals[0] if vals else ""

    @property
    def empty(self) -> bool:
        return not any(self.facets.values())


class ProfileRepo:
    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    async def get(self, member_id: int) -> Profile | None:
        async with self.store.read() as conn:
            head = (await conn.execute(sa.select(profiles).where(profiles.c.member_id == member_id))).first()
            if head is None:
                return None
            rows = await conn.execute(
                sa.select(profile_facets.c.field, profile_facets.c.value)
                .where(profile_facets.c.member_id == member_id)
                .order_by(profile_facets.c.field, profile_facets.c.position)
            )
            facets: dict[str, list[str]] = defaultdict(list)
            for r in rows:
                facets[r.field].append(r.value)
        return Profile(member_id, head.community_id, dict(facets), head.created_at, head.updated_at)

    async def set_fields(self, community_id: int, member_id: int, values: Mapping[str, Sequence[str]]) -> Profile:
        """Replace the given fields (an empty list clears a field) in one transaction."""
        now = datetime.now(UTC)
        async with self.store.begin() as conn:
            exists = (
                await conn.execute(sa.select(profiles.c.member_id).where(profiles.c.member_id == member_id))
            ).first()
            if exists is None:
                await conn.execute(
                    profiles.insert().values(
                        member_id=member_id, community_id=community_id, created_at=now, updated_at=now
                    )
                )
            else:
                await conn.execute(profiles.update().where(profiles.c.member_id == member_id).values(updated_at=now))
            for name, vals in values.items():
                await conn.execute(
                    profile_facets.delete().where(
                        (profile_facets.c.member_id == member_id) & (profile_facets.c.field == name)
                    )
                )
                rows = [
                    {"community_id": community_id, "member_id": member_id, "field": name, "value": v, "position": i}
                    for i, v in enumerate(vals)
                ]
                if rows:
                    await conn.execute(profile_facets.insert(), rows)
        profile = await self.get(member_id)
        assert profile is not None
        return profile

    async def clear(self, member_id: int) -> None:
        async with self.store.begin() as conn:
            await conn.execute(profile_facets.delete().where(profile_facets.c.member_id == member_id))
            await conn.execute(profiles.delete().where(profiles.c.member_id == member_id))

    async def member_ids(self, community_id: int) -> set[int]:
        """Who has a profile (segments ask this without loading every facet)."""
        async with self.store.read() as conn:
            rows = await conn.execute(sa.select(profiles.c.member_id).where(profiles.c.community_id == community_id))
            return {int(m) for (m,) in rows}

    async def all(self, community_id: int) -> dict[int, Profile]:
        """Every profile of a community, loaded in two queries (matching reads them all)."""
        out: dict[int, Profile] = {}
        async with self.store.read() as conn:
            for r in await conn.execute(sa.select(profiles).where(profiles.c.community_id == community_id)):
                out[r.member_id] = Profile(r.member_id, community_id, {}, r.created_at, r.updated_at)
            rows = await conn.execute(
                sa.select(profile_facets.c.member_id, profile_facets.c.field, profile_facets.c.value)
                .where(profile_facets.c.community_id == community_id)
                .order_by(profile_facets.c.member_id, profile_facets.c.field, profile_facets.c.position)
            )
            for r in rows:
                prof = out.get(r.member_id)
                if prof is not None:
                    prof.facets.setdefault(r.field, []).append(r.value)
        return out

    async def values_of(self, community_id: int, name: str, prefix: str = "", limit: int = 25) -> list[str]:
        """Distinct values of one facet in a community, most used first (for autocomplete)."""
        q = (
            sa.select(profile_facets.c.value, sa.func.count().label("n"))
            .where(profile_facets.c.community_id == community_id, profile_facets.c.field == name)
            .group_by(profile_facets.c.value)
            .order_by(sa.desc("n"), profile_facets.c.value)
            .limit(limit)
        )
        if prefix:
            q = q.where(sa.func.lower(profile_facets.c.value).startswith(prefix.lower()))
        async with self.store.read() as conn:
            return [r.value for r in await conn.execute(q)]
