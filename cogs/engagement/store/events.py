"""The engagement event log: batched writes, aggregate reads for analytics, erasure, retention purge.

Reads return plain tuples and dicts of aggregates; the arithmetic (active people, retention, scores) lives in
pure functions in cogs/engagement/metrics.py so that it is tested without a store.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import json
import logging
import marshal
import sqlite3
import struct
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None  # type: ignore[assignment]

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from cogs.engagement.store.writer_process import EventInsert
from cogs.engagement.tables import EVENT_COLUMNS, engagement_batches, engagement_daily, engagement_events
from core.aio import bounded
from core.ports import DataStore
from storage.engine import driver_connection, sql_store
from storage.errors import sqlite_permanent

log = logging.getLogger(__name__)

_INSERT = EventInsert(EVENT_COLUMNS)
if (EVENT_COLUMNS.index("at"), EVENT_COLUMNS.index("meta")) != (4, 9):  # the hot path below indexes rows by position
    raise ImportError(f"{__name__}: `at` and `meta` moved in EVENT_COLUMNS; update stored_row and _native")
PROCESS_MIN_ROWS = 1000  # a batch this large means a busy log: from then on a writer process takes the writes
PROCESS_GIVE_UP = 3  # writer processes in a row that died before answering once: write in the bot instead
ACTIVE_MARK = "_active"  # engagement_daily.kind of the "distinct active people that day" row

ev = engagement_events


def sqlite_datetime(dt: datetime) -> str:
    """The text SQLAlchemy stores for a UTC datetime on SQLite, so raw and Core writes compare equal."""
    if dt.tzinfo is not None:
        if dt.tzinfo is not UTC:
            dt = dt.astimezone(UTC)
        dt = dt.replace(tzinfo=None)
    return dt.isoformat(" ", "microseconds")


_SECONDS: dict[tuple[int, int, int, int], tuple[str, int, int]] = {}


def stored_at(dt: datetime) -> str:
    """`sqlite_datetime`, fast for the common case (an aware UTC datetime; this runs for every event).

    Events come in bursts within the same seconds, so the text up to the seconds is kept per second and only
    the microseconds are formatted: about three times faster than `isoformat`. The key leaves out month and
    year (fewer look-ups); they are checked on the cached entry."""
    if dt.tzinfo is not UTC:
        return sqlite_datetime(dt)
    key = (dt.day, dt.hour, dt.minute, dt.second)
    got = _SECONDS.get(key)
    if got is None or got[1] != dt.month or got[2] != dt.year:
        if len(_SECONDS) > 4096:
            _SECONDS.clear()
        got = _SECONDS[key] = (dt.isoformat(" ", "seconds")[:19] + ".", dt.month, dt.year)
    return got[0] + str(dt.microsecond).zfill(6)


def stored_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row in the form SQLite stores it: `at` as its text and `meta` as JSON text. Rows queued in this form
    go to the driver with no per-row work (see `EventRepo.write`); PostgreSQL takes rows as they are."""
    at, meta = row[4], row[9]
    if type(at) is str and (meta is None or type(meta) is str):
        return row
    return (*row[:4], at if type(at) is str else stored_at(at), *row[5:9],
            meta if meta is None or type(meta) is str else (json.dumps(meta) if meta else None), *row[10:])


def day_of(column: Any, dialect: str) -> Any:
    """A SQL expression for the UTC calendar day of a datetime column, as 'YYYY-MM-DD' text."""
    if dialect == "sqlite":
        return sa.func.substr(column, 1, 10)
    return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM-DD")


def _in(column: Any, ids: Iterable[int]) -> Any:
    ids = list(ids)
    return column == ids[0] if len(ids) == 1 else column.in_(ids)


class EventRepo:
    def __init__(self, store: DataStore, *, use_process: bool = True) -> None:
        self.store = sql_store(store)
        db = self.store.engine.url.database if self.store.dialect == "sqlite" else None
        self._db_path = db if use_process and db and db != ":memory:" and "mode=memory" not in self.store.url else None
        self.process: ProcessWriter | None = None

    async def close(self) -> None:
        """Stop the writer process, if one was started."""
        if self.process is not None:
            await self.process.close()
            self.process = None

    # ------------------------------------------------------------------ writing
    async def write(self, rows: Sequence[tuple[Any, ...]], batch_id: str | None = None) -> None:
        """Insert rows (in EVENT_COLUMNS order) in one transaction; rows whose dedupe key exists are skipped.

        `batch_id` makes a retried batch exactly-once: it is recorded in the same transaction, and a batch
        whose id is already there was committed before (the acknowledgement was lost) and is skipped.
        SQLite gets multi-row INSERTs straight on the driver (no per-row ORM work: this is the hot path); rows
        already in the stored form (`stored_row`, which the recorder queues on SQLite) are flattened in C,
        others are converted here. Once a batch of `PROCESS_MIN_ROWS` arrives (a busy log) a file store's
        batches go to a writer process (see cogs/engagement/store/writer_process.py for why). PostgreSQL gets a
        Core insert that the asyncpg dialect batches.
        """
        if not rows:
            return
        now = datetime.now(UTC)
        if self.store.dialect == "sqlite":
            if self.process is None and self._db_path is not None and len(rows) >= PROCESS_MIN_ROWS:
                self.process = ProcessWriter(self._db_path)
            if self.process is not None:
                try:
                    async with self.store.write_lock():  # the bot's own writers wait instead of racing it
                        await self.process.write(batch_id or "", sqlite_datetime(now), rows)
                    return
                except sqlite3.OperationalError:
                    if self.process.failed_starts >= PROCESS_GIVE_UP:
                        log.warning("engagement: the writer process does not start; writing in the bot from now on")
                        await self.close()
                        self._db_path = None
                    raise  # the batch writer retries (in the bot, after the above)
            statements = _sqlite_statements(rows)
            async with self.store.begin() as conn:
                if batch_id and not await _mark(conn, {"id": batch_id, "at": now}):
                    return
                driver = await driver_connection(conn)
                for n, flat in statements:
                    await driver.execute(_INSERT.sql(n), flat)
            return
        records = [dict(zip(EVENT_COLUMNS, _native(r) if type(r[4]) is str or type(r[9]) is str else r,
                            strict=True)) for r in rows]
        async with self.store.begin() as conn:
            if batch_id and not await _mark(conn, {"id": batch_id, "at": now}):
                return
            await conn.execute(pg_insert(ev).on_conflict_do_nothing(), records)

    async def purge_batch_marks(self, before: datetime) -> int:
        async with self.store.begin() as conn:
            res = await conn.execute(engagement_batches.delete().where(engagement_batches.c.at < before))
        return int(res.rowcount or 0)

    # ------------------------------------------------------------------ privacy
    async def anonymise(self, member_id: int) -> int:
        """Take a member's identity out of the log: counts stay, who did what goes (`/privacy forget`)."""
        async with self.store.begin() as conn:
            a = await conn.execute(
                ev.update().where(ev.c.member_id == member_id)
                .values(member_id=None, target_id=None, meta=None, text=None, dedupe=None, channel=None)
            )
            b = await conn.execute(
                ev.update().where(ev.c.target_id == member_id).values(target_id=None, meta=None, dedupe=None)
            )
            c = await _drop_from_meta_lists(conn, member_id)
        return int(a.rowcount or 0) + int(b.rowcount or 0) + c

    async def of_member(self, member_id: int, *, limit: int = 100_000) -> list[dict[str, Any]]:
        """The member's own events (as actor) and those about them (as target, without the actor)."""
        cols = [ev.c.id, ev.c.community_id, ev.c.platform, ev.c.kind, ev.c.at, ev.c.channel, ev.c.value,
                ev.c.label, ev.c.meta, ev.c.text]
        async with self.store.read() as conn:
            own = await conn.execute(
                sa.select(*cols, ev.c.target_id).where(ev.c.member_id == member_id).order_by(ev.c.id).limit(limit)
            )
            out = [dict(r._mapping, role="actor") for r in own]
            about = await conn.execute(
                sa.select(*cols).where(ev.c.target_id == member_id).order_by(ev.c.id).limit(limit)
            )
            out += [dict(r._mapping, role="target", text=None) for r in about]
        return out

    async def kind_counts_of(self, member_ids: Sequence[int]) -> dict[str, int]:
        if not member_ids:
            return {}
        q = sa.select(ev.c.kind, sa.func.count()).where(_in(ev.c.member_id, member_ids)).group_by(ev.c.kind)
        async with self.store.read() as conn:
            return {k: int(n) for k, n in await conn.execute(q)}

    async def received_counts_of(self, member_ids: Sequence[int]) -> dict[str, int]:
        if not member_ids:
            return {}
        q = sa.select(ev.c.kind, sa.func.count()).where(_in(ev.c.target_id, member_ids)).group_by(ev.c.kind)
        async with self.store.read() as conn:
            return {k: int(n) for k, n in await conn.execute(q)}

    # ------------------------------------------------------------------ retention
    async def purge(self, community_id: int, before: datetime, active_kinds: Iterable[str]) -> int:
        """Roll raw events older than `before` up into daily counts, then delete them; returns rows deleted.

        `active_kinds` says which kinds count a person as active that day (kept as the "_active" row)."""
        where = (ev.c.community_id == community_id) & (ev.c.at < before)
        day = day_of(ev.c.at, self.store.dialect).label("day")
        async with self.store.begin() as conn:
            per_kind = (await conn.execute(
                sa.select(day, ev.c.kind, sa.func.count(), sa.func.count(sa.distinct(ev.c.member_id)))
                .where(where).group_by(day, ev.c.kind)
            )).all()
            if not per_kind:
                return 0
            active = (await conn.execute(
                sa.select(day, sa.func.count(sa.distinct(ev.c.member_id)))
                .where(where & ev.c.kind.in_(sorted(set(active_kinds)))).group_by(day)
            )).all()
            rollup: dict[tuple[str, str], tuple[int, int]] = {(d, k): (int(n), int(p)) for d, k, n, p in per_kind}
            for d, p in active:
                if p:
                    rollup[(d, ACTIVE_MARK)] = (0, int(p))
            existing = {
                (r.day, r.kind): (r.events, r.people)
                for r in await conn.execute(
                    sa.select(engagement_daily).where(
                        (engagement_daily.c.community_id == community_id)
                        & engagement_daily.c.day.in_(sorted({d for d, _ in rollup}))
                    )
                )
            }
            for (d, k), (n, p) in rollup.items():
                if (d, k) in existing:
                    old_n, old_p = existing[(d, k)]
                    await conn.execute(
                        engagement_daily.update()
                        .where((engagement_daily.c.community_id == community_id) & (engagement_daily.c.day == d)
                               & (engagement_daily.c.kind == k))
                        .values(events=old_n + n, people=max(old_p, p))
                    )
                else:
                    await conn.execute(engagement_daily.insert().values(
                        community_id=community_id, day=d, kind=k, events=n, people=p))
            deleted = await conn.execute(ev.delete().where(where))
        return int(deleted.rowcount or 0)

    # ------------------------------------------------------------------ aggregates for analytics
    async def daily_counts(
        self, community_ids: Sequence[int], since: datetime, until: datetime, kinds: Iterable[str] | None = None
    ) -> list[tuple[int | None, str, str, int]]:
        """(member_id, kind, day, count) for every member, kind and day in [since, until)."""
        day = day_of(ev.c.at, self.store.dialect).label("day")
        q = (
            sa.select(ev.c.member_id, ev.c.kind, day, sa.func.count())
            .where(_in(ev.c.community_id, community_ids), ev.c.at >= since, ev.c.at < until)
            .group_by(ev.c.member_id, ev.c.kind, day)
        )
        if kinds is not None:
            q = q.where(ev.c.kind.in_(sorted(set(kinds))))
        async with self.store.read() as conn:
            return [(m, k, d, int(n)) for m, k, d, n in await conn.execute(q)]

    async def target_counts(
        self, community_ids: Sequence[int], kind: str, since: datetime, until: datetime
    ) -> dict[int, int]:
        """How often each member was the target of `kind` (e.g. thanks received)."""
        q = (
            sa.select(ev.c.target_id, sa.func.count())
            .where(_in(ev.c.community_id, community_ids), ev.c.kind == kind, ev.c.target_id.is_not(None),
                   ev.c.at >= since, ev.c.at < until)
            .group_by(ev.c.target_id)
        )
        async with self.store.read() as conn:
            return {int(t): int(n) for t, n in await conn.execute(q)}

    async def value_counts(
        self, community_ids: Sequence[int], kind: str, since: datetime, until: datetime
    ) -> dict[int, int]:
        """Events of `kind` per `value` (e.g. check-in answers: 1 met, 0 not)."""
        q = (
            sa.select(ev.c.value, sa.func.count())
            .where(_in(ev.c.community_id, community_ids), ev.c.kind == kind, ev.c.at >= since, ev.c.at < until)
            .group_by(ev.c.value)
        )
        async with self.store.read() as conn:
            return {int(v): int(n) for v, n in await conn.execute(q)}

    async def last_seen(self, community_ids: Sequence[int], kinds: Iterable[str],
                        before: datetime | None = None) -> dict[int, datetime]:
        """Each member's latest event of the given kinds (before `before`, to see a segment as it was then)."""
        q = (
            sa.select(ev.c.member_id, sa.func.max(ev.c.at))
            .where(_in(ev.c.community_id, community_ids), ev.c.kind.in_(sorted(set(kinds))),
                   ev.c.member_id.is_not(None))
            .group_by(ev.c.member_id)
        )
        if before is not None:
            q = q.where(ev.c.at < before)
        async with self.store.read() as conn:
            rows = (await conn.execute(q)).all()
        return {int(m): _aware(at) for m, at in rows if at is not None}

    async def first_of(
        self, community_ids: Sequence[int], kind: str, *, with_target: bool = False, before: datetime | None = None
    ) -> dict[int, datetime]:
        """Each member's first event of `kind` (optionally only those with a target, e.g. a buddy; optionally
        only events before `before`)."""
        q = (
            sa.select(ev.c.member_id, sa.func.min(ev.c.at))
            .where(_in(ev.c.community_id, community_ids), ev.c.kind == kind, ev.c.member_id.is_not(None))
            .group_by(ev.c.member_id)
        )
        if before is not None:
            q = q.where(ev.c.at < before)
        if with_target:
            q = q.where(ev.c.target_id.is_not(None))
        async with self.store.read() as conn:
            rows = (await conn.execute(q)).all()
        return {int(m): _aware(at) for m, at in rows if at is not None}

    async def active_days(
        self, community_ids: Sequence[int], member_ids: Sequence[int], since: datetime, kinds: Iterable[str]
    ) -> list[tuple[int, str]]:
        """(member_id, day) for each day a member was active, for the given members."""
        if not member_ids:
            return []
        day = day_of(ev.c.at, self.store.dialect).label("day")
        out: list[tuple[int, str]] = []
        ids = sorted(set(member_ids))
        async with self.store.read() as conn:
            for i in range(0, len(ids), 500):
                q = (
                    sa.select(ev.c.member_id, day)
                    .where(_in(ev.c.community_id, community_ids), ev.c.member_id.in_(ids[i:i + 500]),
                           ev.c.kind.in_(sorted(set(kinds))), ev.c.at >= since)
                    .group_by(ev.c.member_id, day)
                )
                out += [(int(m), d) for m, d in await conn.execute(q)]
        return out

    async def rollups(
        self, community_ids: Sequence[int], since_day: str, until_day: str
    ) -> list[tuple[str, str, int, int]]:
        """(day, kind, events, people) from purged days in [since_day, until_day)."""
        d = engagement_daily
        q = sa.select(d.c.day, d.c.kind, sa.func.sum(d.c.events), sa.func.sum(d.c.people)).where(
            _in(d.c.community_id, community_ids), d.c.day >= since_day, d.c.day < until_day
        ).group_by(d.c.day, d.c.kind)
        async with self.store.read() as conn:
            return [(day, k, int(n or 0), int(p or 0)) for day, k, n, p in await conn.execute(q)]

    async def exists(
        self, community_id: int, member_id: int, kind: str, *, target_id: int | None = None,
        since: datetime | None = None,
    ) -> bool:
        q = sa.select(ev.c.id).where(ev.c.community_id == community_id, ev.c.member_id == member_id,
                                     ev.c.kind == kind).limit(1)
        if target_id is not None:
            q = q.where(ev.c.target_id == target_id)
        if since is not None:
            q = q.where(ev.c.at >= since)
        async with self.store.read() as conn:
            return (await conn.execute(q)).first() is not None

    async def count(self, community_ids: Sequence[int] | None = None) -> int:
        q = sa.select(sa.func.count()).select_from(ev)
        if community_ids:
            q = q.where(_in(ev.c.community_id, community_ids))
        async with self.store.read() as conn:
            return int((await conn.execute(q)).scalar_one())


async def _drop_from_meta_lists(conn: AsyncConnection, member_id: int) -> int:
    """Take the member id out of metadata lists of other people's events (a group match lists every member).

    The text match narrows the rows down in SQL on either store; the exact test is done on the parsed value."""
    found = (await conn.execute(
        sa.select(ev.c.id, ev.c.meta).where(ev.c.meta.is_not(None),
                                            sa.cast(ev.c.meta, sa.Text).like(f"%{int(member_id)}%"))
    )).all()
    changes = []
    for event_id, meta in found:
        if not isinstance(meta, dict):
            continue
        if any(isinstance(v, list) and member_id in v for v in meta.values()):
            kept = {k: ([m for m in v if m != member_id] if isinstance(v, list) else v) for k, v in meta.items()}
            kept = {k: v for k, v in kept.items() if v != []}
            changes.append({"event_id": event_id, "new_meta": kept or None})
    if changes:
        await conn.execute(ev.update().where(ev.c.id == sa.bindparam("event_id"))
                           .values(meta=sa.bindparam("new_meta", type_=ev.c.meta.type)), changes)
    return len(changes)


def _native(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row in the stored (text) form back as Python values, for PostgreSQL."""
    at, meta = row[4], row[9]
    if type(at) is str:
        at = datetime.fromisoformat(at)
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    if type(meta) is str:
        meta = json.loads(meta)
    return (*row[:4], at, *row[5:9], meta, *row[10:])


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


async def _mark(conn: AsyncConnection, marker: dict[str, Any]) -> bool:
    """Record a batch id in the current transaction; False when it was recorded before (already written)."""
    found = (await conn.execute(sa.select(engagement_batches.c.id).where(engagement_batches.c.id == marker["id"]))
             ).first()
    if found is not None:
        return False
    await conn.execute(engagement_batches.insert().values(**marker))
    return True


def _sqlite_statements(rows: Sequence[tuple[Any, ...]]) -> list[tuple[int, list[Any]]]:
    """Rows as (row count, flat values) per multi-row INSERT, the time as its stored text (the writer process
    builds its statements the same way, from rows the recorder queued in that form)."""
    width = len(EVENT_COLUMNS)
    if any(len(r) != width for r in rows):
        raise ValueError(f"an event row must have {width} values")
    return _INSERT.statements([r if type(r[4]) is str else stored_row(r) for r in rows])


_FRAME = struct.Struct(">I")
_PIPE_BYTES = 1 << 20  # a batch of 5,000 events is about 320 kB


def _widen_pipe(stream: asyncio.StreamWriter | None) -> None:
    """Let a whole batch fit in the pipe (Linux keeps 64 kB by default): else it goes over in pieces, one per
    turn of the event loop, and the writer process waits for each while the bot is busy."""
    pipe = stream.get_extra_info("pipe") if stream is not None else None
    setsize = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if pipe is None or setsize is None:
        return
    with contextlib.suppress(OSError):  # more than the system allows: the default size still works
        fcntl.fcntl(pipe.fileno(), setsize, _PIPE_BYTES)


def _rebuilt(name: str, message: str) -> BaseException:
    """The writer process's error from its class name and text (sqlite3's classes, else the built-in ones), so
    that it is classified by the one rule every store's errors follow (storage/errors.py)."""
    kind = getattr(sqlite3, name, None) or getattr(builtins, name, None)
    if isinstance(kind, type) and issubclass(kind, BaseException):
        return kind(message)
    return Exception(message)


_PROCESS_SCRIPT = str(Path(__file__).resolve().with_name("writer_process.py"))


class ProcessWriter:
    """The bot's side of the engagement writer process (cogs/engagement/store/writer_process.py).

    Batches are sent, and their answers read, on the event loop's pipes (no thread, and the loop goes on
    meanwhile). Several writes may be under way at once: each sends its batch as soon as the batch before it is
    sent, so the process finds the next one waiting when it commits one, and the answers, which come back in
    the order the batches went, are read in turn. A process that died, or a write that was cancelled half-way
    (the pipes would no longer be in step), is an outage: the process is discarded, every write still waiting
    on it fails, and the next write starts a new one, so the writer's retry covers it. The errors raised are
    sqlite3's, so that `is_permanent` tells apart rows that are wrong (`IntegrityError`) from a store that is
    unavailable (`OperationalError`)."""

    def __init__(self, db_path: str) -> None:
        self.db_path = db_path
        self.started = 0  # processes started so far (a test can see a restart)
        self.failed_starts = 0  # processes in a row that stopped before their first answer
        self._answered = False
        self._proc: asyncio.subprocess.Process | None = None
        self._sending = asyncio.Lock()
        self._last_turn: asyncio.Future[None] | None = None  # resolved once the latest write has its answer

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.returncode is None else None

    async def write(self, batch_id: str, at: str, rows: Sequence[tuple[Any, ...]]) -> bool:
        """Write one batch; False when its id was written before. Rows in the stored form (`stored_row`, as the
        recorder queues them) go as they are; others (a time as a datetime) are converted first."""
        try:
            body = marshal.dumps(("write", batch_id, at, list(rows)))
        except ValueError:  # marshal takes no datetime: a row not in the stored form
            body = marshal.dumps(("write", batch_id, at, [stored_row(r) for r in rows]))
        turn = asyncio.get_running_loop().create_future()
        sent = False
        try:
            async with self._sending:
                proc = await self._running()
                before, self._last_turn = self._last_turn, turn
                assert proc.stdin is not None and proc.stdout is not None
                sent = True
                try:
                    proc.stdin.write(_FRAME.pack(len(body)) + body)
                    await proc.stdin.drain()
                except ConnectionError as exc:
                    raise await self._lost(proc, exc) from None
            if before is not None:
                await asyncio.shield(before)  # the answers come back in the order the batches went
            if proc is not self._proc:  # an earlier write lost the process: this batch's answer is gone too
                raise sqlite3.OperationalError("the engagement writer process stopped")
            try:
                (size,) = _FRAME.unpack(await proc.stdout.readexactly(_FRAME.size))
                answer = marshal.loads(await proc.stdout.readexactly(size))
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                raise await self._lost(proc, exc) from None
        except sqlite3.OperationalError:
            raise
        except BaseException:  # cancelled half-way: the next answer on the pipe would be this one's
            if sent:
                await self._discard(proc)
            raise
        finally:
            if not turn.done():
                turn.set_result(None)
        self._answered, self.failed_starts = True, 0
        if answer[0] == "ok":
            return bool(answer[1])
        _, name, message = answer
        permanent = sqlite_permanent(_rebuilt(name, message))
        raise (sqlite3.IntegrityError if permanent else sqlite3.OperationalError)(f"{name}: {message}")

    async def _lost(self, proc: asyncio.subprocess.Process, exc: BaseException) -> sqlite3.OperationalError:
        """The process went away under a write: discard it, and the error that makes the batch be retried."""
        if not self._answered:
            self.failed_starts += 1
        await self._discard(proc)
        return sqlite3.OperationalError(f"the engagement writer process stopped ({type(exc).__name__})")

    async def _running(self) -> asyncio.subprocess.Process:
        if self._proc is None or self._proc.returncode is not None:
            try:
                self._proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-I", _PROCESS_SCRIPT, self.db_path, ",".join(EVENT_COLUMNS),  # -I: no storage/
                    stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
            except OSError as exc:
                self.failed_starts += 1
                raise sqlite3.OperationalError(f"the engagement writer process cannot start ({exc.strerror})"
                                               ) from None
            self.started += 1
            self._answered = False
            _widen_pipe(self._proc.stdin)
        return self._proc

    async def _discard(self, proc: asyncio.subprocess.Process | None) -> None:
        """Stop `proc` if it is still the current process (a newer one may have replaced it meanwhile)."""
        if proc is None or proc is not self._proc:
            return
        self._proc = None
        if proc.returncode is None:
            proc.kill()
            await proc.wait()

    async def close(self, within: float = 10.0) -> None:
        """End the process after the batches under way (closing its input is its signal to stop)."""
        async with self._sending:
            if self._last_turn is not None:
                with contextlib.suppress(TimeoutError):
                    await bounded(asyncio.shield(self._last_turn), within)
            proc, self._proc = self._proc, None
            if proc is None or proc.returncode is not None:
                return
            assert proc.stdin is not None
            proc.stdin.close()
            try:
                await bounded(proc.wait(), within)
            except TimeoutError:
                proc.kill()
                await proc.wait()
