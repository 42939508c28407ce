"""The seen_events store (migration platform_0001), on SQLite and PostgreSQL: each delivery is claimed once, even
by two processes at the same moment; ids stay apart per platform and community; old rows are purged; the
migration goes down and up."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.slack.dedupe import DeliveryLog
from storage.engine import Store, alembic_config, open_store
from storage.seen_events import SEEN_EVENT_TTL, Delivery, SeenEventRepo

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=st.lists(st.sampled_from([f"Ev{i:04d}" for i in range(12)]), min_size=1, max_size=30),
       split=st.integers(min_value=0, max_value=30))
async def test_every_event_is_taken_in_exactly_once_by_two_processes(
        stores: tuple[Store, Store], ids: list[str], split: int) -> None:
    """Deliveries (with redeliveries) spread over two processes at once: each event is first exactly once."""
    team = f"T{uuid.uuid4().hex[:10]}"  # a workspace of its own per example
    logs = [DeliveryLog(SeenEventRepo(store), lambda: T0) for store in stores]
    answers = await asyncio.gather(*(logs[0 if k < split else 1].first_time(team, e) for k, e in enumerate(ids)))
    firsts = [e for e, first in zip(ids, answers, strict=True) if first]
    assert sorted(firsts) == sorted(set(ids))
    # and afterwards, any process says "seen" for every one of them
    assert not any(await asyncio.gather(*(logs[1].first_time(team, e) for e in set(ids))))


async def test_claims_arriving_together_go_to_the_store_together(stores: tuple[Store, Store]) -> None:
    log = DeliveryLog(SeenEventRepo(stores[0]), lambda: T0)
    answers = await asyncio.gather(*(log.first_time("T1", f"Ev{i}") for i in range(1200)))
    assert all(answers)
    assert log.store_claims <= 4, "1,200 deliveries at once are a few statements, not 1,200"
    assert await log.first_time("T1", "Ev5") is False
    assert log.store_claims <= 4, "a retry to the same process is answered from memory"


async def test_ids_are_kept_apart_by_platform_and_community(stores: tuple[Store, Store]) -> None:
    repo = SeenEventRepo(stores[0])
    long_a, long_b = "E" + "a" * 300, "E" + "a" * 299 + "b"
    deliveries = [Delivery("slack", "T1", "Ev1"), Delivery("slack", "T2", "Ev1"), Delivery("discord", "T1", "Ev1"),
                  Delivery("slack", "T1", long_a), Delivery("slack", "T1", long_b)]
    assert await repo.claim(deliveries, T0) == set(deliveries)
    assert await repo.claim([*deliveries, Delivery("slack", "T1", "Ev2")], T0) == {Delivery("slack", "T1", "Ev2")}


async def test_old_deliveries_are_purged(stores: tuple[Store, Store]) -> None:
    repo = SeenEventRepo(stores[0])
    await repo.claim([Delivery("slack", "T1", "old")], T0)
    await repo.claim([Delivery("slack", "T1", "new")], T0 + SEEN_EVENT_TTL)
    assert await repo.purge(T0 + timedelta(minutes=1)) == 1
    assert await repo.count() == 1
    assert await repo.claim([Delivery("slack", "T1", "old")], T0 + SEEN_EVENT_TTL) != set()


async def test_the_migration_goes_down_and_up(store_url: tuple[str, dict[str, Any]]) -> None:
    url, connect_args = store_url
    store = await open_store(url, connect_args=connect_args)
    try:
        repo = SeenEventRepo(store)
        await repo.claim([Delivery("slack", "T1", "Ev1")], T0)

        def step(sync: sa.Connection, target: str, down: bool) -> list[str]:
            (command.downgrade if down else command.upgrade)(alembic_config(sync), target)
            return sa.inspect(sync).get_table_names()

        async with store.engine.begin() as conn:
            tables = await conn.run_sync(step, "platform@base", True)
        assert "seen_events" not in tables and "members" in tables, "only the platform branch went down"
        async with store.engine.begin() as conn:
            tables = await conn.run_sync(step, "heads", False)
        assert "seen_events" in tables
        assert await repo.claim([Delivery("slack", "T1", "Ev1")], T0) == {Delivery("slack", "T1", "Ev1")}
    finally:
        await store.close()
