"""`bot.py backup` and `bot.py copy-store` (storage/backup.py, storage/copy.py): a consistent SQLite backup while
the bot writes, the pg_dump pointer for PostgreSQL, and a SQLite store moved to PostgreSQL that the bot then runs
on as before."""

from __future__ import annotations

import asyncio
import io
import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner, Result

import bot
from bootstrap.runtime import running_app
from core.settings import Settings, load_settings
from integrations.console.community import KEY
from integrations.console.demo import demo_members
from integrations.console.repl import ConsoleCommunity
from storage.copy import row_hash, tables_in_order
from tests.conftest import postgres_available
from tests.testbot import screen_text

PG_ROOT = "postgresql://postgres@127.0.0.1:5432"


async def cli(args: list[str], env: dict[str, str]) -> Result:
    """`bot.py ARGS` in a thread: it runs its own event loop, while the test's loop goes on (a bot writing)."""
    return await asyncio.to_thread(CliRunner().invoke, bot.cli, args, env=env)


def _console(app: object) -> ConsoleCommunity:
    return ConsoleCommunity(app, Console(file=io.StringIO(), width=200, force_terminal=False))  # type: ignore[arg-type]


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


async def test_a_backup_taken_while_the_bot_writes_is_whole(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "backup.db"
    async with running_app(settings, start_scheduler=False) as app:
        console = _console(app)
        await console.setup(demo=20)
        community = await app.community(KEY)
        before = _count(tmp_path / "kindred.db", "members")
        stop = asyncio.Event()

        async def keep_writing() -> int:
            n = 0
            while not stop.is_set():
                console.add_member(f"writer{n}", user_id=f"W{n}")
                await app.resolve_member(community, console.members[f"W{n}"].ref)
                n += 1
            return n

        writer = asyncio.create_task(keep_writing())
        await asyncio.sleep(0)
        result = await cli(["backup", "--out", str(out)],
                                    env={"KINDRED_STORAGE__URL": settings.storage.url})
        stop.set()
        written = await writer
        assert result.exit_code == 0, result.output
        assert f"to {out}" in result.output and "integrity ok" in result.output
    copied = _count(out, "members")
    assert before <= copied <= before + written
    with sqlite3.connect(out) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not list(tmp_path.glob(".backup.db.partial-*"))

    again = await cli(["backup", "--out", str(out)], env={"KINDRED_STORAGE__URL": settings.storage.url})
    assert again.exit_code == 2 and "exists already" in again.output and "--force" in again.output
    forced = await cli(["backup", "--out", str(out), "--force"],
                                env={"KINDRED_STORAGE__URL": settings.storage.url})
    assert forced.exit_code == 0, forced.output


async def test_a_postgres_store_is_pointed_to_pg_dump() -> None:
    url = "postgresql+asyncpg://kindred:s3cret@db.example:5432/kindred"
    result = await cli(["backup", "--out", "k.dump"], env={"KINDRED_STORAGE__URL": url})
    assert result.exit_code == 2
    assert "pg_dump --format=custom --no-owner --no-privileges --file k.dump" in result.output
    assert "postgresql://kindred:********@db.example:5432/kindred" in result.output
    assert "s3cret" not in result.output and "Traceback" not in result.output


@given(st.lists(st.tuples(st.integers(), st.text(max_size=8), st.booleans() | st.none()), max_size=12),
       st.randoms(use_true_random=False))
def test_a_checksum_does_not_depend_on_the_order_of_rows(rows: list[tuple[object, ...]], rnd: object) -> None:
    shuffled = list(rows)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    total = sum(row_hash(r) for r in rows) % (1 << 256)
    assert total == sum(row_hash(r) for r in shuffled) % (1 << 256)
    if rows:
        changed = [*rows[:-1], (*rows[-1][:-1], "other")]
        assert sum(row_hash(r) for r in changed) % (1 << 256) != total


@pytest.fixture
async def pg_database() -> AsyncIterator[str]:
    """A fresh PostgreSQL database (the copy's target is named by URL, as on the command line)."""
    if not postgres_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    import asyncpg

    name = f"kindred_copy_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(f"{PG_ROOT}/test")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_a_sqlite_store_moves_to_postgres_and_the_bot_runs_on_the_copy(settings: Settings,
                                                                              pg_database: str) -> None:
    async with running_app(settings, start_scheduler=False) as app:
        console = _console(app)
        await console.setup(demo=8)
        await console.handle("/profile set topics:python")
        for member in demo_members(8)[:4]:
            await console.handle(f"/as {member.name}")
            await console.handle("/match join")
        await console.handle("/as admin")
        await console.handle("/match join")
        await console.handle("/match run-now")

    env = {"KINDRED_STORAGE__URL": settings.storage.url}
    result = await cli(["copy-store", "--to", pg_database, "--batch", "3"], env=env)
    assert result.exit_code == 0, result.output
    for table in tables_in_order():
        assert table.name in result.output
    assert "NO" not in result.output.split("Copy check")[1]
    assert f"All {len(tables_in_order())} tables copied and checked" in result.output

    refused = await cli(["copy-store", "--to", pg_database], env=env)
    assert refused.exit_code == 2
    assert "the target store is not empty" in refused.output and "--force" in refused.output
    forced = await cli(["copy-store", "--to", pg_database, "--force"], env=env)
    assert forced.exit_code == 0, forced.output

    moved = load_settings(None, storage={"url": pg_database})
    async with running_app(moved, start_scheduler=False) as app:
        console = _console(app)
        await console.setup()
        await console.handle("/profile show")
        assert "python" in screen_text(console)
        console.add_member("newcomer", user_id="UNEW")  # new rows get fresh ids after the copied ones
        await console.handle("/as newcomer")
        await console.handle("/profile set topics:go")
        await console.handle("/match status")
        community = await app.community(KEY)
        assert await app.services.members.count(community.id) >= 10
        assert "go" in screen_text(console).split("/profile set topics:go")[-1]
