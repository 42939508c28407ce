"""Communities: one row per guild, workspace or console session."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from core.ports import DataStore
from core.refs import CommunityKey, CommunityRef
from storage.engine import sql_store
from storage.schema import communities


def _ref(row: sa.Row) -> CommunityRef:
    return CommunityRef(id=row.id, platform=row.platform, external_id=row.external_id, name=row.name)


class CommunityRepo:
    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    async def ensure(self, key: CommunityKey) -> CommunityRef:
        """The community for `key`, created on first sight; the name is kept up to date."""
        where = (communities.c.platform == key.platform) & (communities.c.external_id == key.external_id)
        async with self.store.read() as conn:
            row = (await conn.execute(sa.select(communities).where(where))).first()
        if row is not None:
            if key.name and row.name != key.name:
                async with self.store.begin() as conn:
                    await conn.execute(communities.update().where(where).values(name=key.name[:200]))
                return CommunityRef(row.id, row.platform, row.external_id, key.name[:200])
            return _ref(row)
        try:
            async with self.store.begin() as conn:
                await conn.execute(
                    communities.insert().values(
                        platform=key.platform,
                        external_id=key.external_id,
                        name=key.name[:200],
                        created_at=datetime.now(UTC),
                    )
                )
        except sa.exc.IntegrityError:
            pass  # another process created it at the same moment
        async with self.store.read() as conn:
            return _ref((await conn.execute(sa.select(communities).where(where))).one())

    async def get(self, community_id: int) -> CommunityRef | None:
        async with self.store.read() as conn:
            row = (await conn.execute(sa.select(communities).where(communities.c.id == community_id))).first()
        return _ref(row) if row else None

    async def all(self, platform: str | None = None) -> list[CommunityRef]:
        q = sa.select(communities).order_by(communities.c.id)
        if platform:
            q = q.where(communities.c.platform == platform)
        async with self.store.read() as conn:
            return [_ref(r) for r in await conn.execute(q)]
