"""Display names of members by id, for personal-data exports: another person appears in someone's export only
by the name everyone in the community sees, never by id or platform account."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import members


async def display_names(conn: AsyncConnection, ids: Iterable[int]) -> dict[int, str]:
    """Member id -> display name (the username when no display name is stored); unknown ids are left out."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return {}
    rows = await conn.execute(sa.select(members.c.id, members.c.display_name, members.c.username)
                              .where(members.c.id.in_(wanted)))
    return {r.id: r.display_name or r.username for r in rows}
