"""Benchmark of a round's delivery: a 300-member round, sent through the delivery ledger; prints one JSON line.

    uv run python bench/delivery.py [--members 300] [--platform console|discord] [--runs 3]

Runs the real app on a fresh SQLite store: the members join, then one round is run and every intro sent
(`console`: the offline console, where nothing but the store costs time, so the ledger's share is the largest;
`discord`: the real discord.py against the local fake Discord, a private thread per intro). Reports the best
wall time of `--runs` rounds, the intros sent, and how many delivery-ledger rows the round wrote. Run the same
file against an older checkout to compare (it uses nothing the ledger added).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from rich.console import Console

from bootstrap.runtime import running_app
from core.settings import load_settings
from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity


async def ledger_rows(app: Any) -> int:
    async with app.services.store.read() as conn:
        tables = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
        if "deliveries" not in tables:
            return 0
        return int((await conn.execute(sa.text("SELECT count(*) FROM deliveries"))).scalar_one())


async def console_round(members: int, db: Path) -> dict[str, Any]:
    settings = load_settings(None, storage={"url": f"sqlite+aiosqlite:///{db}"})
    async with running_app(settings, start_scheduler=False) as app:
        console = ConsoleCommunity(app, Console(file=io.StringIO(), width=120))
        await console.setup(demo=members)
        cog = app.cog("match")
        await cog.ready()  # type: ignore[union-attr]
        for member in list(console.members.values()):
            await console.handle(f"/as {member.ref.user_id}")
            await console.handle("/match join")
        community = await app.community(KEY)
        started = time.perf_counter()
        await cog.runner.run_due(community.id)  # type: ignore[union-attr]
        elapsed = time.perf_counter() - started
        intros = sum(1 for kind, _t, _m in console.outbox.sent if kind == "intro")
        return {"seconds": elapsed, "intros": intros, "ledger_rows": await ledger_rows(app)}


async def discord_round(members: int, db: Path) -> dict[str, Any]:
    from tests.fakes.discord import FakeDiscord, default_world
    from tests.integrations.discord.harness import kindred_on_discord

    world = default_world(member_count=members)
    intros_channel = world.guild.channel_named("intros")
    settings = load_settings(None, storage={"url": f"sqlite+aiosqlite:///{db}"},
                             community={"intro_channel": str(intros_channel.id)})
    async with FakeDiscord(world) as fake, kindred_on_discord(settings, fake, ready_timeout=60) as bot:
        guild = (await bot.app.services.communities.all("discord"))[0]
        for user in world.members:
            record = await fake.slash("match join", user=user)
            await fake.wait_for_reply(record, timeout=30)
        cog = bot.app.cog("match")
        started = time.perf_counter()
        await cog.runner.run_due(guild.id)  # type: ignore[union-attr]
        elapsed = time.perf_counter() - started
        posted = sum(len(fake.messages_in(t)) for t in fake.threads())
        return {"seconds": elapsed, "intros": posted, "ledger_rows": await ledger_rows(bot.app)}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--platform", choices=["console", "discord"], default="console")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    results = []
    for _run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            work = console_round if args.platform == "console" else discord_round
            results.append(await work(args.members, Path(tmp) / "bench.db"))
    best = min(results, key=lambda r: r["seconds"])
    print(json.dumps({"bench": "delivery", "platform": args.platform, "members": args.members,
                      "round_seconds": round(best["seconds"], 3),
                      "all_seconds": [round(r["seconds"], 3) for r in results],
                      "intros": best["intros"], "ledger_rows": best["ledger_rows"]}))


if __name__ == "__main__":
    asyncio.run(main())
