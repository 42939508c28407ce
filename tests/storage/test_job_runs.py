"""The job_runs store (migration core_0003), on SQLite and PostgreSQL: two processes claiming the same slots at
the same moment get each one once; a claim given back can be taken again; old claims are purged; the migration
goes down and up."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import command

from storage.engine import Store, alembic_config, open_store
from storage.job_runs import JOB_RUN_TTL, JobRunRepo

T0 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


async def test_each_slot_is_claimed_once_by_two_processes(stores: tuple[Store, Store]) -> None:
    repos = [JobRunRepo(store) for store in stores]
    slots = [T0 + timedelta(days=7 * i) for i in range(5)]
    keys = [(job, community, slot) for job in ("match:round", "engagement.purge") for community in (0, 1, 2)
            for slot in slots]
    answers = await asyncio.gather(*(repos[k % 2].claim(*key, T0) for k, key in enumerate(keys + keys)))
    won = [key for key, ok in zip(keys + keys, answers, strict=True) if ok]
    assert sorted(won) == sorted(keys)
    assert await repos[0].count() == len(keys) and await repos[1].count("match:round") == len(keys) // 2


async def test_a_released_claim_is_taken_again_and_old_ones_are_purged(stores: tuple[Store, Store]) -> None:
    one, two = (JobRunRepo(store) for store in stores)
    assert await one.claim("digest", 3, T0, T0)
    assert not await two.claim("digest", 3, T0, T0)
    await one.release("digest", 3, T0)
    assert await two.claim("digest", 3, T0, T0)
    assert await one.claim("digest", 3, T0 + timedelta(days=1), T0 + JOB_RUN_TTL)
    assert await one.purge(T0 + timedelta(days=1)) == 1
    assert await one.count() == 1 and not await two.claim("digest", 3, T0 + timedelta(days=1), T0)


async def test_the_migration_goes_down_and_up(store_url: tuple[str, dict[str, Any]]) -> None:
    url, connect_args = store_url
    store = await open_store(url, connect_args=connect_args)
    try:
        assert await JobRunRepo(store).claim("digest", 0, T0, T0)

        def step(sync: sa.Connection, target: str, down: bool) -> list[str]:
            (command.downgrade if down else command.upgrade)(alembic_config(sync), target)
            return sa.inspect(sync).get_table_names()

        async with store.engine.begin() as conn:
            tables = await conn.run_sync(step, "core_0002", True)
        assert "job_runs" not in tables and "deliveries" in tables
        async with store.engine.begin() as conn:
            tables = await conn.run_sync(step, "heads", False)
        assert "job_runs" in tables
        assert await JobRunRepo(store).claim("digest", 0, T0, T0)
    finally:
        await store.close()
