"""Benchmark of the engagement export; prints one JSON line.

    uv run python bench/export.py [--events 1000000] [--members 5000] [--format parquet] [--seed 1]

Seeds a fresh SQLite store with `--events` events (a realistic mix of kinds from `--members` accounts over a
year; not timed), then runs the real command line, `bot.py export --format parquet --out DIR`, as a child
process and measures its wall time and peak RSS (the child's own, so the seeding does not count). The exported
events file is read back to check that every event is in it.

The child processes write their bytecode caches to a temporary directory (`PYTHONPYCACHEPREFIX`), also where
the environment disables them (`PYTHONDONTWRITEBYTECODE`): a first `bot.py --help` compiles the sources, as
the first run after an install does, and the timed runs start the way every later run of the command does.

Keys: events, seconds, peak_rss_mb, format, bytes, cli_startup_seconds (`bot.py --help` alone: the share of
`seconds` spent starting the command line, which imports every feature), cli_first_start_seconds (the same
with nothing compiled yet; not part of `seconds`). Target from issue 8: parquet export of 1,000,000 events in
under 20 s and under 300 MB RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cogs.engagement.store.events import EventRepo  # noqa: E402
from core.refs import CommunityKey  # noqa: E402
from storage.communities import CommunityRepo  # noqa: E402
from storage.engine import open_store  # noqa: E402
from storage.schema import members  # noqa: E402

KINDS = [("message", 70), ("reaction", 18), ("command", 6), ("thanks", 2), ("joined", 1), ("left", 1),
         ("matched", 1), ("met", 1)]


async def seed(url: str, n: int, n_members: int, seed_: int) -> None:
    rng = random.Random(seed_)
    store = await open_store(url)
    repo = EventRepo(store)
    try:
        community = await CommunityRepo(store).ensure(CommunityKey("discord", "bench", "Bench guild"))
        now = datetime.now(UTC)
        async with store.begin() as conn:
            await conn.execute(members.insert(), [
                {"community_id": community.id, "platform": "discord", "user_id": str(10_000 + i),
                 "display_name": f"Member {i}", "username": f"member{i}", "first_seen_at": now}
                for i in range(n_members)])
        kinds = [k for k, _ in KINDS]
        weights = [w for _, w in KINDS]
        start = now - timedelta(days=365)
        step = timedelta(days=365) / n
        batch = []
        for i in range(n):
            kind = rng.choices(kinds, weights)[0]
            who = rng.randint(1, n_members)
            target = rng.randint(1, n_members) if kind in ("reaction", "thanks", "matched", "met") else None
            meta = {"reason": "for the review"} if kind == "thanks" else None
            label = "👍" if kind == "reaction" else ("stats me" if kind == "command" else None)
            batch.append((community.id, "discord", who, kind, start + step * i, f"c{who % 12}", target,
                          rng.randint(1, 400) if kind == "message" else 0, label, meta, None, None))
            if len(batch) == 50_000:
                await repo.write(batch)
                batch = []
        if batch:
            await repo.write(batch)
    finally:
        await repo.close()  # the engagement writer process, which a log this busy starts
        await store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--members", type=int, default=5_000)
    ap.add_argument("--format", default="parquet", choices=("csv", "jsonl", "parquet"))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="kindred-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'export.db'}"
        asyncio.run(seed(url, args.events, args.members, args.seed))
        out = Path(tmp) / "out"
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(KINDRED_STORAGE__URL=url, PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"))
        startups = []
        for _ in range(2):  # compiling, then what starting the command line costs by itself (every feature's CLI)
            started = time.perf_counter()
            subprocess.run([sys.executable, str(ROOT / "bot.py"), "--help"], env=env, cwd=tmp, capture_output=True,
                           check=True)
            startups.append(time.perf_counter() - started)
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, str(ROOT / "bot.py"), "export", "--format", args.format,
                               "--out", str(out)], env=env, cwd=tmp, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"export failed ({proc.returncode}): {proc.stderr[-2000:]}")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        events_file = out / f"events.{args.format}"
        if args.format == "parquet":
            import pyarrow.parquet as pq

            exported = pq.ParquetFile(events_file).metadata.num_rows
        else:
            with events_file.open("rb") as fh:
                exported = sum(1 for _ in fh) - (1 if args.format == "csv" else 0)
        if exported != args.events:
            raise SystemExit(f"exported {exported} events, expected {args.events}")
        size = sum(p.stat().st_size for p in out.iterdir())
    print(json.dumps({"events": args.events, "seconds": round(seconds, 2), "peak_rss_mb": round(peak, 1),
                      "format": args.format, "bytes": size, "cli_startup_seconds": round(startups[1], 2),
                      "cli_first_start_seconds": round(startups[0], 2)}))


if __name__ == "__main__":
    main()
