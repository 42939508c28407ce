"""Streaming reads for exports: every table is read in key order, one bounded batch at a time.

Keyset pagination (`WHERE id > last ORDER BY id LIMIT n`) keeps memory flat however big the log is, works the
same on SQLite and PostgreSQL, and never holds a long read transaction open.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from cogs.engagement.kinds import Kind
from cogs.engagement.tables import engagement_events
from core.ports import DataStore
from storage.engine import driver_connection, sql_store
from storage.schema import members, profile_facets

ev = engagement_events

ACCOUNT_COLUMNS = ("member_id", "community_id", "platform", "user_id", "username", "display_name", "is_bot",
                   "is_staff", "joined_at", "left_at", "first_seen_at")
PROFILE_COLUMNS = ("id", "member_id", "community_id", "field", "value", "position")
EVENT_COLUMNS = ("id", "community_id", "platform", "member_id", "kind", "at", "channel", "target_id", "value",
                 "label", "meta", "text")


def iso(dt: datetime | None) -> str | None:
    """UTC ISO 8601 with a Z, the form every tool reads."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def account_batches(
    store: DataStore, *, community_ids: Sequence[int] | None = None, batch: int = 20_000
) -> AsyncIterator[list[tuple[Any, ...]]]:
    cols = [members.c.id, members.c.community_id, members.c.platform, members.c.user_id, members.c.username,
            members.c.display_name, members.c.is_bot, members.c.is_staff, members.c.joined_at, members.c.left_at,
            members.c.first_seen_at]
    last = 0
    while True:
        q = sa.select(*cols).where(members.c.id > last).order_by(members.c.id).limit(batch)
        if community_ids:
            q = q.where(members.c.community_id.in_(list(community_ids)))
        async with sql_store(store).read() as conn:
            rows = [tuple(r) for r in await conn.execute(q)]
        if not rows:
            return
        last = rows[-1][0]
        yield rows


async def profile_batches(
    store: DataStore, *, community_ids: Sequence[int] | None = None, member_ids: Sequence[int] | None = None,
    batch: int = 20_000,
) -> AsyncIterator[list[tuple[Any, ...]]]:
    p = profile_facets
    last = 0
    while True:
        q = (sa.select(p.c.id, p.c.member_id, p.c.community_id, p.c.field, p.c.value, p.c.position)
             .where(p.c.id > last).order_by(p.c.id).limit(batch))
        if community_ids:
            q = q.where(p.c.community_id.in_(list(community_ids)))
        if member_ids is not None:
            q = q.where(p.c.member_id.in_(list(member_ids)))
        async with sql_store(store).read() as conn:
            rows = [tuple(r) for r in await conn.execute(q)]
        if not rows:
            return
        last = rows[-1][0]
        yield rows


PRIVATE_KINDS = (Kind.MET.value, Kind.RATED.value)
"""The kinds whose answer stays out of exports (a check-in answer: whether two people met; a rating: whether they
would meet again)."""
_PRIVATE_IN = ", ".join(f"'{k}'" for k in PRIVATE_KINDS)
_PRIVATE_SQL = {c: f"CASE WHEN kind IN ({_PRIVATE_IN}) THEN NULL ELSE {c} END" for c in ("value", "label")}


async def event_batches(
    store: DataStore,
    *,
    community_ids: Sequence[int] | None = None,
    since: datetime | None = None,
    kinds: Sequence[str] | None = None,
    batch: int = 20_000,
) -> AsyncIterator[list[tuple[Any, ...]]]:
    """Events in id order as plain tuples in EVENT_COLUMNS order, with `at` as UTC text
    'YYYY-MM-DD HH:MM:SS.ffffff' and `meta` as JSON text (or None), on either store. A check-in answer (`met`)
    or rating (`rated`) comes without its `value` and `label`: that someone answered is exported, what they
    answered (whether they met, would meet again) is shown per person only to the person (`/privacy export`),
    to others only counted.

    On SQLite that is exactly what is stored, so rows come straight from the driver with no per-row work in
    SQL or in Python; the exporter turns whole columns into Arrow arrays. That keeps a million-row export
    within seconds."""
    last = 0
    if store.dialect == "sqlite":
        where = ["id > ?"]
        params: list[Any] = []
        if community_ids:
            where.append(f"community_id IN ({', '.join('?' * len(community_ids))})")
            params += list(community_ids)
        if since is not None:
            where.append("at >= ?")
            params.append(since.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds"))
        if kinds:
            where.append(f"kind IN ({', '.join('?' * len(kinds))})")
            params += list(kinds)
        columns = ", ".join(_PRIVATE_SQL.get(c, c) for c in EVENT_COLUMNS)
        sql = (f"SELECT {columns} FROM engagement_events WHERE {' AND '.join(where)} "
               f"ORDER BY id LIMIT {int(batch)}")
        while True:
            async with sql_store(store).read() as conn:
                driver = await driver_connection(conn)
                cursor = await driver.execute(sql, (last, *params))
                rows = await cursor.fetchall()
                await cursor.close()
            if not rows:
                return
            last = rows[-1][0]
            yield rows
        return
    cols = [sa.case((ev.c.kind.in_(PRIVATE_KINDS), sa.null()), else_=getattr(ev.c, name)).label(name)
            if name in _PRIVATE_SQL else getattr(ev.c, name) for name in EVENT_COLUMNS]
    while True:
        q = sa.select(*cols).where(ev.c.id > last).order_by(ev.c.id).limit(batch)
        if community_ids:
            q = q.where(ev.c.community_id.in_(list(community_ids)))
        if since is not None:
            q = q.where(ev.c.at >= since)
        if kinds:
            q = q.where(ev.c.kind.in_(list(kinds)))
        async with sql_store(store).read() as conn:
            rows = (await conn.execute(q)).all()
        if not rows:
            return
        last = rows[-1][0]
        yield [(i, c, p, m, k, at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds"), ch, t, v, lb,
                json.dumps(meta) if meta is not None else None, tx)
               for (i, c, p, m, k, at, ch, t, v, lb, meta, tx) in rows]
