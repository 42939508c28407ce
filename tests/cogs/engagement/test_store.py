"""The engagement repositories on SQLite and PostgreSQL, and a real PostgreSQL outage during ingest."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from bootstrap.runtime import running_app
from cogs.engagement.analytics import Analytics
from cogs.engagement.api import recorder as running_recorder
from cogs.engagement.cog import Engagement
from cogs.engagement.export import export_all
from cogs.engagement.kinds import ACTIVE_KINDS
from cogs.engagement.store.events import EventRepo
from cogs.engagement.store.groups import GroupRepo
from cogs.engagement.store.identity import IdentityRepo, LinkRefused
from core.refs import CommunityKey, MemberRef
from core.settings import load_settings
from storage.communities import CommunityRepo
from storage.engine import Store, open_store
from storage.members import MemberRepo
from tests.cogs.engagement.tcp_proxy import TcpProxy

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def row(cid: int, member: int | None, kind: str, at: datetime, **kw: Any) -> tuple[Any, ...]:
    return (cid, "discord", member, kind, at, kw.get("channel"), kw.get("target"), kw.get("value", 0),
            kw.get("label"), kw.get("meta"), kw.get("text"), kw.get("dedupe"))


@pytest.fixture
async def store(store_url: tuple[str, dict[str, Any]]) -> Any:
    url, connect_args = store_url
    s = await open_store(url, connect_args=connect_args)
    try:
        yield s
    finally:
        await s.close()


async def community_with(store: Store, *names: str) -> tuple[int, list[int]]:
    c = await CommunityRepo(store).ensure(CommunityKey("discord", "G1", "Guild"))
    ids = [(await MemberRepo(store).upsert(c.id, MemberRef("discord", f"U{n}", n, username=n))).id for n in names]
    return c.id, ids


async def recorder_for_ana(app: Any, *, retry_max: float, close_timeout: float | None = None
                           ) -> tuple[Any, Callable[[range], Awaitable[None]]]:
    """The app's recorder, retrying quickly (and, with `close_timeout`, shutting down quickly) for an outage
    test, and a function that records one message of Ana's in guild G1 for each value given."""
    community = await app.community(CommunityKey("discord", "G1", "Guild"))
    member = await app.resolve_member(community, MemberRef("discord", "U1", "Ana"))
    rec = running_recorder(app.services)
    rec.writer.retry_max = retry_max
    if close_timeout is not None:
        rec.close_timeout = close_timeout

    async def messages(values: range) -> None:
        for i in values:
            await rec.record(community.id, member.id, "message", value=i)

    return rec, messages


async def test_events_write_read_erase_purge(store: Store, tmp_path: Path) -> None:
    cid, (ana, ben) = await community_with(store, "ana", "ben")
    repo = EventRepo(store)
    rows = [row(cid, ana, "message", T0, channel="c1", value=12, text="Grüße 🎉"),
            row(cid, ben, "thanks", T0 + timedelta(minutes=1), target=ana, meta={"reason": "für alles"}),
            row(cid, ana, "profile_completed", T0, dedupe=f"profile_completed:{ana}"),
            row(cid, ana, "profile_completed", T0, dedupe=f"profile_completed:{ana}"),  # exactly once
            row(cid, None, "message", T0 - timedelta(days=400), value=3)]
    await repo.write(rows, "batch-1")
    await repo.write(rows, "batch-1")  # a retried batch that had been committed already
    assert await repo.count([cid]) == 4
    daily = await repo.daily_counts([cid], T0 - timedelta(days=1), T0 + timedelta(days=1))
    assert sorted(daily, key=str) == sorted([(ana, "message", "2025-03-01", 1), (ben, "thanks", "2025-03-01", 1),
                                            (ana, "profile_completed", "2025-03-01", 1)], key=str)
    assert await repo.target_counts([cid], "thanks", T0 - timedelta(days=1), T0 + timedelta(days=1)) == {ana: 1}
    mine = await repo.of_member(ana)
    assert {e["kind"] for e in mine if e["role"] == "actor"} == {"message", "profile_completed"}
    about = [e for e in mine if e["role"] == "target"]
    assert [e["meta"] for e in about] == [{"reason": "für alles"}]  # why she was thanked, but not by whom
    assert "member_id" not in about[0] and "target_id" not in about[0]
    assert (await repo.last_seen([cid], ACTIVE_KINDS))[ana] == T0
    assert await repo.exists(cid, ben, "thanks", target_id=ana, since=T0)

    result = await export_all(store, tmp_path, "parquet")
    assert result.rows["events"] == 4

    await repo.anonymise(ana)
    after = await repo.of_member(ana)
    assert after == []
    assert await repo.count([cid]) == 4  # counts stay

    purged = await repo.purge(cid, T0 - timedelta(days=30), ACTIVE_KINDS)
    assert purged == 1
    assert await repo.rollups([cid], "2024-01-01", "2025-12-31") == [
        ((T0 - timedelta(days=400)).strftime("%Y-%m-%d"), "message", 1, 0)]


async def test_people_links_codes_optouts(store: Store) -> None:
    cid, (a, b, c) = await community_with(store, "ana", "ben", "cy")
    other = await CommunityRepo(store).ensure(CommunityKey("slack", "T1", "Workspace"))
    a2 = (await MemberRepo(store).upsert(other.id, MemberRef("slack", "UA", "Ana", username="ana"))).id
    b2 = (await MemberRepo(store).upsert(other.id, MemberRef("slack", "UB", "Ben", username="ben"))).id
    ids = IdentityRepo(store)
    assert await ids.scope(cid) == [cid]
    with pytest.raises(LinkRefused, match="not_joined"):  # nothing across communities no moderator joined
        await ids.link(a, a2, via="code", at=T0)
    await GroupRepo(store).join(cid, a, other.id, a2, T0)
    assert await ids.scope(cid) == sorted([cid, other.id]) == await ids.scope(other.id)
    p = await ids.link(a, a2, via="code", at=T0)
    with pytest.raises(LinkRefused, match="same_community"):
        await ids.link(b, c, via="code", at=T0)
    with pytest.raises(LinkRefused, match="same_community"):  # ana's person has an account here already
        await ids.link(b, a2, via="code", at=T0)
    q = await ids.link(b, b2, via="suggestion", at=T0)
    assert set((await ids.link_map()).values()) == {p, q} and q != p
    assert await ids.honoured_links([cid]) == {a: p, b: q}
    assert len(await ids.person_accounts(a2)) == 2
    assert await ids.look_alikes(cid) == []  # already one person
    assert await ids.unlink(b2) and not await ids.unlink(b2)
    assert await ids.person_accounts(b) == [await ids.account(b)]  # a person left with one account is dissolved

    await ids.put_code(a, cid, "h1", T0 + timedelta(minutes=15))
    await ids.put_code(a, cid, "h2", T0 + timedelta(minutes=15))  # replaces the first
    assert await ids.take_code("h1", T0) is None
    assert await ids.take_code("h2", T0) == (a, cid)
    assert await ids.take_code("h2", T0) is None  # once

    assert await ids.set_optout(b, cid, True, T0) and not await ids.set_optout(b, cid, True, T0)
    assert await ids.optouts(cid) == {b}
    await ids.forget(b)
    assert await ids.optouts(cid) == set()
    await ids.erase_member(b, T0)
    gone = await MemberRepo(store).get(b)
    assert gone is not None and gone.user_id == f"forgotten-{b}" and gone.display_name == "" and gone.left_at


async def test_analytics_and_export_on_both_stores(store_url: tuple[str, dict[str, Any]], tmp_path: Path) -> None:
    url, connect_args = store_url
    settings = load_settings(None, storage={"url": url})
    async with running_app(settings, cogs=[Engagement], connect_args=connect_args, start_scheduler=False) as app:
        community = await app.community(CommunityKey("discord", "G1", "Guild"))
        ana = await app.resolve_member(community, MemberRef("discord", "U1", "Ana", username="ana"))
        ben = await app.resolve_member(community, MemberRef("discord", "U2", "Ben", username="ben"))
        rec = running_recorder(app.services)
        now = app.services.clock()
        await app.services.members.upsert(community.id, ana, joined_at=now - timedelta(days=40))
        await rec.record(community.id, ana.id, "joined", at=now - timedelta(days=40))
        await rec.record(community.id, ana.id, "matched", target_id=ben.id, value=1, label="round",
                         at=now - timedelta(days=39))
        for d in (1, 2, 2, 35):
            await rec.record(community.id, ana.id, "message", value=10, at=now - timedelta(days=d))
        await rec.record(community.id, ben.id, "thanks", target_id=ana.id, reason="ok")
        assert await rec.flush(within=10)
        analytics = Analytics(app.services.store, app.services.config)
        ov = await analytics.overview(community.id, 30, now)
        assert (ov.members, ov.messages, ov.thanks, ov.active) == (2, 3, 1, 2)
        series = await analytics.series(community.id, "messages", 7, now)
        assert sum(v for _, v in series) == 3 and len(series) == 7
        levels = await analytics.activity_levels(community.id, now)
        assert levels[ana.id] == 1.0 and 0 < levels[ben.id] < 1.0
        rows = await analytics.retention(community.id, now)
        assert (rows[0].horizon, rows[0].supported, rows[0].supported_retained) == (30, 1, 1)
        helpers = await analytics.segment(community.id, "top_helpers", now)
        assert [a.member_id for a, _ in helpers] == [ana.id]
        # a segment as it was a period ago (the report's change): only what had happened by then counts
        month_ago = now - timedelta(days=30)
        assert await analytics.segment(community.id, "new_active", now) == []
        assert [a.member_id for a, _ in await analytics.segment(community.id, "new_active", now,
                                                                  as_of=month_ago)] == [ana.id]
        assert await analytics.segment(community.id, "top_helpers", now, as_of=month_ago) == []
        result = await export_all(app.services.store, tmp_path / "x", "jsonl")
        assert result.rows["events"] == 7 and result.rows["matches"] == 1


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
async def test_postgres_outage_during_ingest_loses_nothing(store_url: tuple[str, dict[str, Any]],
                                                           caplog: pytest.LogCaptureFixture) -> None:
    url, connect_args = store_url
    proxy = TcpProxy("127.0.0.1", 5432)
    await proxy.up()
    proxied = url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    settings = load_settings(None, storage={"url": proxied},
                             engagement={"batch_size": 50, "flush_seconds": 0.05, "queue_max": 5000})
    try:
        async with running_app(settings, cogs=[Engagement], connect_args=connect_args,
                               start_scheduler=False) as app:
            rec, messages = await recorder_for_ana(app, retry_max=0.2)
            await messages(range(300))
            assert await rec.flush(within=20)
            await proxy.down()
            for start in range(300, 900, 100):
                await messages(range(start, start + 100))
                await asyncio.sleep(0.02)
            for _ in range(200):
                if rec.writer.store_failing:
                    break
                await asyncio.sleep(0.02)
            assert rec.writer.store_failing
            assert rec.writer.pending > 0
            await proxy.up()
            assert await rec.flush(within=30)
            async with app.services.store.read() as conn:
                import sqlalchemy as sa

                from cogs.engagement.tables import engagement_events as ev

                values = [v for (v,) in await conn.execute(sa.select(ev.c.value).order_by(ev.c.id))]
            assert sorted(values) == list(range(900))  # every event, each exactly once
            assert rec.writer.stats.retries > 0 and rec.writer.stats.rejected == 0
    finally:
        await proxy.close()
    assert "store unavailable" in caplog.text


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
async def test_store_down_at_shutdown_events_wait_on_disk(store_url: tuple[str, dict[str, Any]], tmp_path: Path,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    url, connect_args = store_url
    proxy = TcpProxy("127.0.0.1", 5432)
    await proxy.up()
    settings = load_settings(None, storage={"url": url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")},
                             engagement={"batch_size": 20, "flush_seconds": 0.05})
    try:
        async with running_app(settings, cogs=[Engagement], connect_args=connect_args,
                               start_scheduler=False) as app:
            rec, messages = await recorder_for_ana(app, retry_max=0.1, close_timeout=0.5)
            await messages(range(100))
            assert await rec.flush(within=20)
            await proxy.down()
            await messages(range(100, 150))
        spill = tmp_path / "kindred-engagement-spill.jsonl"  # tests run in tmp_path
        assert spill.exists()
        assert "saved to" in caplog.text
        await proxy.up()
        async with running_app(settings, cogs=[Engagement], connect_args=connect_args,
                               start_scheduler=False) as app:
            rec = running_recorder(app.services)
            assert await rec.flush(within=20)
            assert await rec.events.count() == 150
            assert not spill.exists()
    finally:
        await proxy.close()


def _short_busy_timeout(dbapi_conn: Any, _record: Any) -> None:
    """A locked SQLite file answers "database is locked" after 50 ms instead of the store's 10 s."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=50")
    cur.close()


async def _sqlite_app_settings(db: Path, **engagement: Any) -> Any:
    return load_settings(None, storage={"url": f"sqlite+aiosqlite:///{db}"},
                         engagement={"batch_size": 50, "flush_seconds": 0.05, "queue_max": 5000, **engagement})


async def _stored_values(app: Any) -> list[int]:
    from cogs.engagement.tables import engagement_events as ev

    async with app.services.store.read() as conn:
        return [v for (v,) in await conn.execute(sa.select(ev.c.value).order_by(ev.c.id))]


class SqliteLock:
    """Another process holding SQLite's write lock: every write of the store fails as locked meanwhile."""

    def __init__(self, db: Path) -> None:
        self.conn = sqlite3.connect(db, isolation_level=None)

    def __enter__(self) -> SqliteLock:
        self.conn.execute("BEGIN EXCLUSIVE")
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


async def test_sqlite_locked_during_ingest_loses_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    db = tmp_path / "locked.db"
    async with running_app(await _sqlite_app_settings(db), cogs=[Engagement], start_scheduler=False) as app:
        store = app.services.store
        sa.event.listen(store.engine.sync_engine, "connect", _short_busy_timeout)
        await store.engine.dispose()  # pooled connections reconnect with the short timeout
        rec, messages = await recorder_for_ana(app, retry_max=0.1)
        await messages(range(100))
        assert await rec.flush(within=10)
        with SqliteLock(db):
            await messages(range(100, 400))
            for _ in range(200):
                if rec.writer.store_failing:
                    break
                await asyncio.sleep(0.02)
            assert rec.writer.store_failing
            assert rec.writer.pending > 0
            assert not await rec.flush(within=0.3)  # nothing gets through while the lock is held
        assert await rec.flush(within=20)
        assert sorted(await _stored_values(app)) == list(range(400))  # every event, each exactly once
        assert rec.writer.stats.retries > 0 and rec.writer.stats.rejected == 0
    said = [(r.levelname, r.getMessage()[:22]) for r in caplog.records if r.name == "storage.health"]
    assert said == [("WARNING", "store unavailable (Ope"), ("INFO", "store available again ")]  # once each
    assert "store is back" in caplog.text


async def test_sqlite_locked_at_shutdown_events_wait_on_disk(tmp_path: Path, caplog: pytest.LogCaptureFixture
                                                             ) -> None:
    db = tmp_path / "locked.db"
    settings = await _sqlite_app_settings(db)
    async with running_app(settings, cogs=[Engagement], start_scheduler=False) as app:
        store = app.services.store
        sa.event.listen(store.engine.sync_engine, "connect", _short_busy_timeout)
        await store.engine.dispose()
        rec, messages = await recorder_for_ana(app, retry_max=0.1, close_timeout=0.5)
        await messages(range(60))
        assert await rec.flush(within=10)
        lock = SqliteLock(db).__enter__()
        await messages(range(60, 90))
    spill = Path(f"{db}.engagement-spill.jsonl")
    try:
        assert spill.exists() and "saved to" in caplog.text
    finally:
        lock.__exit__()
    async with running_app(settings, cogs=[Engagement], start_scheduler=False) as app:
        rec = running_recorder(app.services)
        assert await rec.flush(within=20)
        assert sorted(await _stored_values(app)) == list(range(90))
        assert not spill.exists()


async def test_rows_the_store_refuses_are_rejected_alone(store_url: tuple[str, dict[str, Any]],
                                                         caplog: pytest.LogCaptureFixture) -> None:
    """A row the store can never take (a NOT NULL column empty, a value it cannot bind) is logged, counted and
    left out; it must neither block the rows around it nor be retried forever as if the store were down."""
    url, connect_args = store_url
    settings = load_settings(None, storage={"url": url}, engagement={"batch_size": 10, "flush_seconds": 0.05})
    async with running_app(settings, cogs=[Engagement], connect_args=connect_args, start_scheduler=False) as app:
        community = await app.community(CommunityKey("discord", "G1", "Guild"))
        member = await app.resolve_member(community, MemberRef("discord", "U1", "Ana"))
        rec = running_recorder(app.services)
        now = app.services.clock()

        def r(value: int, kind: Any = "message", label: Any = None) -> tuple[Any, ...]:
            return (community.id, "discord", member.id, kind, now, None, None, value, label, None, None, None)

        for row in (r(1), r(2), r(-1, kind=None), r(3), r(-2, label={"not": "text"}), r(4)):
            await rec.writer.put(row)
        assert await rec.flush(within=10)
        assert sorted(await _stored_values(app)) == [1, 2, 3, 4]
        assert rec.writer.stats.rejected == 2 and rec.writer.stats.retries == 0
    assert "rejected an event" in caplog.text


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1),
                    timezones=st.one_of(st.none(), st.just(UTC), st.timezones())))
def test_the_fast_stored_time_is_the_stored_time(dt: datetime) -> None:
    from cogs.engagement.store.events import sqlite_datetime, stored_at

    assert stored_at(dt) == sqlite_datetime(dt)
    later = dt + timedelta(days=31, microseconds=1)  # same day-of-month and second, another month
    assert stored_at(later) == sqlite_datetime(later)
