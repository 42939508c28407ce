"""Benchmark of engagement ingest; prints one JSON line.

    uv run python bench/ingest.py [--events 500000] [--members 2000] [--batch 5000] [--seed 1]

Pushes neutral events (70% messages, 20% reactions, 10% commands from `--members` accounts) through the real
ingest path into a fresh SQLite store. The events are the input: they are built before the clock starts, as the
raw writer's rows are (an integration builds them from what the platform sends), and they stay in memory, so
their RSS counts in `peak_rss_mb`. Timed is what a real bot does with each one: `App.emit` (community and
member resolution, module check), the Engagement cog's handler, the recorder, the batched writer and the
store, until the last event is committed.
In the same run the very same rows (read back from the store) are written with the standard library's
`sqlite3.executemany` into an equivalent table (same DDL and indexes, same pragmas, same batch size, one
commit per batch), which is the ceiling for any Python writer.

A second measurement hands the same kind of events straight to the recorder, resolved as the dispatcher hands
them over (`recorder_events_per_s`): the engagement path alone, without the dispatcher.

A busy SQLite log is written by the engagement writer process (cogs/engagement/store/writer_process.py), so
its peak RSS is reported too (`writer_rss_mb`, its VmHWM); `peak_rss_mb` + it is
the ingest's whole footprint. The raw writer runs in a child process as well, so that the rows it holds do not
count in the ingest's peak RSS.
Each path runs `--repeat` times and the best run counts, for ingest and raw alike (the machine may be shared).

Keys: events, events_per_s, raw_events_per_s, ratio (ingest / raw), peak_rss_mb (of the ingest phases),
writer_rss_mb (the writer process),
recorder_events_per_s, recorder_ratio, batch, members, repeat. Targets from issue 8: ratio >= 0.7,
peak_rss_mb < 300.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import resource
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bootstrap.runtime import running_app
from cogs.engagement.api import recorder as running_recorder
from cogs.engagement.cog import Engagement
from cogs.engagement.store.events import EVENT_COLUMNS
from core.events import CommandUsed, MessagePosted, ReactionAdded
from core.refs import ChannelRef, CommunityKey, MemberRef
from core.settings import load_settings
from storage.schema import members as members_table


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def writer_peak_mb(pid: int | None) -> float:
    """The writer process's own peak RSS (VmHWM, reset when it exec'd; RUSAGE_CHILDREN would count the pages
    it shared with this process between fork and exec)."""
    if pid is None:
        return 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def ingest(db: Path, n: int, members: int, batch: int, seed: int, *, via_app: bool = True
                 ) -> tuple[float, float, float]:
    """Events per second through `App.emit` (via_app) or handed straight to the recorder, as the dispatcher
    hands them over (community and member ids resolved); the peak RSS so far, and the writer process's."""
    settings = load_settings(None, storage={"url": f"sqlite+aiosqlite:///{db}"},
                             engagement={"batch_size": batch, "flush_seconds": 1.0, "queue_max": batch * 20})
    key = CommunityKey("discord", "bench-guild", "Bench guild")
    channels = [ChannelRef("discord", f"c{i}", f"channel-{i}") for i in range(12)]
    refs = [MemberRef("discord", f"{100000 + i}", f"Member {i}", username=f"member{i}") for i in range(members)]
    async with running_app(settings, cogs=[Engagement], start_scheduler=False) as app:
        community = await app.community(key)
        async with app.services.store.begin() as conn:  # the accounts exist already (setup, not timed)
            now = datetime.now(UTC)
            await conn.execute(members_table.insert(), [
                {"community_id": community.id, "platform": "discord", "user_id": r.user_id,
                 "display_name": r.display_name, "username": r.username, "first_seen_at": now} for r in refs])
        resolved = [await app.resolve_member(community, r) for r in refs]
        recorder = running_recorder(app.services)
        # through the app, events carry what an integration knows (platform ids; the app resolves them);
        # straight to the recorder, they carry what the dispatcher hands over (store ids)
        deliver = app.emit if via_app else recorder.on_event
        target = None if via_app else community
        if not via_app:
            refs = resolved
        events = []
        for i in range(n):  # the input, built before the clock starts (as the raw writer's rows are)
            x = (i * 2654435761 + seed) & 0xFFFFFFFF
            who, other, ch, p = x % members, (x >> 7) % members, (x >> 3) % 12, (x >> 12) % 100
            if p < 70:
                ev = MessagePosted(key=key, community=target, member=refs[who], channel=channels[ch],
                                   length=1 + (x >> 5) % 400)
            elif p < 90:
                ev = ReactionAdded(key=key, community=target, member=refs[who], channel=channels[ch], emoji="👍",
                                   message_author=refs[other])
            else:
                ev = CommandUsed(key=key, community=target, member=refs[who], command="stats me")
            events.append(ev)
        start = time.perf_counter()
        for ev in events:
            await deliver(ev)
        await recorder.flush()
        took = time.perf_counter() - start
        stored = await recorder.events.count()
        if stored != n or recorder.writer.stats.rejected:
            raise SystemExit(f"expected {n} stored events, found {stored}")
        process = recorder.events.process
        writer_mb = writer_peak_mb(process.pid if process is not None else None)
    return n / took, peak_rss_mb(), writer_mb


def raw(db: Path, raw_db: Path, batch: int) -> float:
    src = sqlite3.connect(db)
    ddl = [sql for (sql,) in src.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'engagement_events' AND sql IS NOT NULL ORDER BY type DESC")]
    cols = ", ".join(EVENT_COLUMNS)
    rows = src.execute(f"SELECT {cols} FROM engagement_events ORDER BY id").fetchall()
    src.close()
    dst = sqlite3.connect(raw_db, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=10000"):
        dst.execute(f"PRAGMA {pragma}")
    for sql in ddl:
        dst.execute(sql)
    insert = f"INSERT INTO engagement_events ({cols}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"
    start = time.perf_counter()
    for i in range(0, len(rows), batch):
        dst.execute("BEGIN")
        dst.executemany(insert, rows[i:i + batch])
        dst.execute("COMMIT")
    took = time.perf_counter() - start
    dst.close()
    return len(rows) / took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=500_000)
    ap.add_argument("--members", type=int, default=2_000)
    ap.add_argument("--batch", type=int, default=5_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each path; the best counts (a shared machine)")
    args = ap.parse_args()
    rates: dict[str, float] = {"app": 0.0, "recorder": 0.0, "raw": 0.0}
    rss = writer_rss = 0.0
    for run in range(max(args.repeat, 1)):
        with tempfile.TemporaryDirectory(prefix="kindred-bench-") as tmp:
            db, db2, raw_db = Path(tmp) / "ingest.db", Path(tmp) / "recorder.db", Path(tmp) / "raw.db"
            rate, peak, w1 = asyncio.run(ingest(db, args.events, args.members, args.batch, args.seed + run))
            rec_rate, peak2, w2 = asyncio.run(ingest(db2, args.events, args.members, args.batch, args.seed + run,
                                                     via_app=False))
            rss = max(rss, peak, peak2)
            writer_rss = max(writer_rss, w1, w2)
            # in a child process: holding every row in memory for executemany must not count as ingest RSS
            with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
                raw_rate = pool.submit(raw, db, raw_db, args.batch).result()
        rates = {"app": max(rates["app"], rate), "recorder": max(rates["recorder"], rec_rate),
                 "raw": max(rates["raw"], raw_rate)}
    print(json.dumps({"events": args.events, "events_per_s": round(rates["app"]),
                      "raw_events_per_s": round(rates["raw"]), "ratio": round(rates["app"] / rates["raw"], 3),
                      "peak_rss_mb": round(rss, 1), "writer_rss_mb": round(writer_rss, 1),
                      "recorder_events_per_s": round(rates["recorder"]),
                      "recorder_ratio": round(rates["recorder"] / rates["raw"], 3), "batch": args.batch,
                      "members": args.members, "repeat": args.repeat}))


if __name__ == "__main__":
    main()
