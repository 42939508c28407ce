"""Benchmark of answers under a burst of joins; prints one JSON line.

    uv run python bench/burst.py [--joins 500] [--commands 300] [--refs 20]

The real bot (App, every cog, a SQLite store in a temporary directory, discord.py) runs against the project's fake
Discord (tests/fakes/discord) over loopback, with greetings due at once (`welcome.delay_seconds = 0`). The fake
runs in a process of its own, as Discord runs on machines of its own: its work (building payloads, storing
messages, answering REST calls) does not take the bot's CPU, and both measure time with the same monotonic clock.

When the bot is ready, the fake first sends `--refs` `/help` commands one at a time (each from a member the bot has
not seen yet) and times each: `ref_single_ms` is their median, the time to answer one command on an idle bot. Then
it sends `--joins` GUILD_MEMBER_ADD and `--commands` `/help` INTERACTION_CREATE dispatches at once, interleaved
(joins first while both are left), each command from another member the bot has not seen yet.

Measured for every command: from the moment the fake sends its INTERACTION_CREATE to the moment the fake receives
the real answer (the callback with the message, or the edit of the "thinking" message after a deferral, never the
deferral itself). Every newcomer must get exactly one greeting DM; the fake counts them once all answers are in
and the greetings stopped arriving.

Keys: joins, commands, greeted (newcomers with a greeting DM), duplicate_greetings (greeting DMs beyond the first
per newcomer), p50_ms, p99_ms (time to the real answer), seconds (from the first dispatch until every newcomer was
greeted), answered (commands with their real answer), deferred (commands the bot had to defer first),
ref_single_ms, load_avg (the machine's one-minute load average when the burst started: it is shared, and
the figures grow with it). Target from issue 14: p99_ms < 250 with 500 joins and 300 commands, all 500 greeted
exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bootstrap.runtime import running_app
from core.settings import load_settings
from integrations.discord.endpoints import reset_endpoints
from integrations.discord.runner import serve
from tests.fakes.discord import FakeDiscord, FakeUser, InteractionRecord, default_world, new_user

READY_TIMEOUT = 60.0
ANSWER_TIMEOUT = 120.0
SETTLE = 2.0  # seconds without a new greeting before the count is final


# ---------------------------------------------------------------- the fake's process
def fake_process(conn: Connection, joins: int, commands: int, refs: int) -> None:
    asyncio.run(_fake_main(conn, joins, commands, refs))


async def _recv(conn: Connection, within: float = ANSWER_TIMEOUT) -> Any:
    def wait() -> Any:
        if not conn.poll(within):
            raise TimeoutError("the other process did not answer")
        return conn.recv()

    return await asyncio.get_running_loop().run_in_executor(None, wait)


def _greetings(fake: FakeDiscord, newcomers: list[FakeUser]) -> dict[int, int]:
    """Greeting DMs per newcomer (every DM a newcomer gets in this run is a greeting)."""
    wanted = {u.id for u in newcomers}
    recipient = {c.id: c.recipient.id for c in fake.state.dm_channels.values()
                 if c.recipient is not None and c.recipient.id in wanted}
    counts: dict[int, int] = {}
    for message in fake.state.messages.values():
        who = recipient.get(int(message["channel_id"]))
        if who is not None:
            counts[who] = counts.get(who, 0) + 1
    return counts


async def _answered(fake: FakeDiscord, records: list[InteractionRecord]) -> None:
    """Until every command has its real answer (or the time is up: the result then shows fewer answered)."""
    with contextlib.suppress(AssertionError):
        await fake.wait_until(lambda: all(r.answered_at is not None for r in records), timeout=ANSWER_TIMEOUT,
                              what="every answer")


async def _fake_main(conn: Connection, joins: int, commands: int, refs: int) -> None:
    world = default_world(member_count=commands + refs)
    async with FakeDiscord(world) as fake:
        conn.send({"token": fake.token, "api_base_url": fake.api_base_url, "gateway_url": fake.gateway_url,
                   "guild_ids": [g.id for g in fake.state.guilds.values()]})
        await _recv(conn, READY_TIMEOUT)  # the bot is ready

        singles = []
        for user in world.members[commands:commands + refs]:
            record = await fake.slash("help", user=user)
            await _answered(fake, [record])
            if record.answered_at is not None and record.sent_at is not None:
                singles.append((record.answered_at - record.sent_at) * 1000)

        newcomers = [new_user(f"newcomer{i}", global_name=f"Newcomer {i}") for i in range(joins)]
        askers = world.members[:commands]
        records: list[InteractionRecord] = []
        start = time.perf_counter()
        for i in range(max(joins, commands)):
            if i < joins:
                await fake.member_join(newcomers[i])
            if i < commands:
                records.append(await fake.slash("help", user=askers[i]))
        await _answered(fake, records)

        greeted_at = time.perf_counter()
        last, quiet_since = -1, time.perf_counter()
        deadline = start + ANSWER_TIMEOUT + joins / 5
        while time.perf_counter() < deadline:
            counts = _greetings(fake, newcomers)
            total = sum(counts.values())
            if total != last:
                last, quiet_since = total, time.perf_counter()
                if len(counts) == joins:
                    greeted_at = time.perf_counter()
            elif len(counts) == joins and time.perf_counter() - quiet_since >= SETTLE:
                break
            await asyncio.sleep(0.1)
        counts = _greetings(fake, newcomers)

        latencies = sorted((r.answered_at - r.sent_at) * 1000 for r in records
                           if r.answered_at is not None and r.sent_at is not None)
        conn.send({
            "joins": joins,
            "commands": commands,
            "greeted": len(counts),
            "duplicate_greetings": sum(n - 1 for n in counts.values()),
            "p50_ms": _percentile(latencies, 50),
            "p99_ms": _percentile(latencies, 99),
            "seconds": round(greeted_at - start, 2),
            "answered": len(latencies),
            "deferred": sum(1 for r in records if r.callbacks and int(r.callbacks[0].get("type", 0)) == 5),
            "ref_single_ms": round(statistics.median(singles), 1) if singles else None,
        })
        await _recv(conn)  # the bot has stopped: the fake may go


def _percentile(values: list[float], p: int) -> float | None:
    if not values:
        return None
    index = min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))  # nearest rank
    return round(values[index], 1)


# ---------------------------------------------------------------- the bot's process
async def run(joins: int, commands: int, refs: int) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    mine, theirs = ctx.Pipe()
    proc = ctx.Process(target=fake_process, args=(theirs, joins, commands, refs), name="fake-discord")
    proc.start()
    try:
        fake = await _recv(mine, READY_TIMEOUT)
        with tempfile.TemporaryDirectory(prefix="kindred-burst-") as tmp:
            settings = load_settings(
                None,
                storage={"url": f"sqlite+aiosqlite:///{Path(tmp) / 'kindred.db'}"},
                welcome={"delay_seconds": 0},
                discord={"token": fake["token"], "api_base_url": fake["api_base_url"],
                         "gateway_url": fake["gateway_url"], "guild_ids": fake["guild_ids"]},
            )
            async with running_app(settings) as app:
                stop, ready = asyncio.Event(), asyncio.Event()
                bot = asyncio.create_task(serve(app, settings, stop, ready=ready))
                try:
                    await asyncio.wait_for(ready.wait(), READY_TIMEOUT)
                    load = os.getloadavg()[0]
                    mine.send("go")
                    result: dict[str, Any] = await _recv(mine, ANSWER_TIMEOUT * 2 + joins)
                    result["load_avg"] = round(load, 2)
                finally:
                    stop.set()
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(bot, 10)
                    reset_endpoints()
        mine.send("bye")
        return result
    finally:
        proc.join(10)
        if proc.is_alive():
            proc.kill()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--joins", type=int, default=500)
    ap.add_argument("--commands", type=int, default=300)
    ap.add_argument("--refs", type=int, default=20, help="single commands timed alone first (ref_single_ms)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    print(json.dumps(asyncio.run(run(args.joins, args.commands, args.refs))))


if __name__ == "__main__":
    main()
