"""The bodies of `bot.py backup` and `bot.py copy-store` (README "Operation"): opening the stores, and what is
printed. The work itself is in storage/backup.py and storage/copy.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from core.errors import ExitCode, StartupFailed
from core.settings import Settings, mask_url
from core.settings.storage import StorageSettings
from storage.backup import BackupRefused, backup_sqlite, pg_dump_hint, sqlite_path
from storage.copy import CopyRefused, TableCheck, copy_store
from storage.engine import open_store


async def backup(settings: Settings, out: Path, *, force: bool, say: Callable[[str], None]) -> None:
    """Back up the configured store to `out`; a PostgreSQL store gets the `pg_dump` command instead, with exit
    code 2 (nothing was written)."""
    url = settings.storage.url
    if url.startswith("postgresql"):
        raise StartupFailed(pg_dump_hint(url, out), ExitCode.CONFIG)
    if sqlite_path(url) is None:
        raise StartupFailed("storage.url: an in-memory store cannot be backed up", ExitCode.CONFIG)
    try:
        done = await backup_sqlite(url, out, force=force)
    except BackupRefused as exc:
        raise StartupFailed(f"backup: {exc}", ExitCode.CONFIG) from None
    say(f"Backed up {mask_url(url)} to {done.path} ({done.bytes:,} bytes, {done.tables} tables, integrity ok).")


def _check_table(checks: list[TableCheck]) -> Table:
    table = Table(title="Copy check", show_lines=False)
    table.add_column("table", no_wrap=True, min_width=max((len(c.table) for c in checks), default=5))
    for column in ("source rows", "target rows", "checksum", "same"):
        table.add_column(column, justify="right" if "rows" in column else "left", no_wrap=True)
    for c in checks:
        same = "yes" if c.ok else "NO"
        checksum = c.source_sum[:12] if c.source_sum == c.target_sum else f"{c.source_sum[:12]} / {c.target_sum[:12]}"
        table.add_row(c.table, f"{c.source_rows:,}", f"{c.target_rows:,}", checksum, same)
    return table


async def copy(settings: Settings, to: str, *, force: bool, batch: int, console: Console) -> None:
    """Copy the configured store into the store at `to` and print the check; a difference ends with exit code 1
    (the copy must not be used), a refused target with 2."""
    try:
        target_url = StorageSettings(url=to).url
    except ValueError:
        raise StartupFailed("--to must start with sqlite+aiosqlite:// or postgresql+asyncpg://",
                            ExitCode.CONFIG) from None
    source = await open_store(settings.storage.url)
    try:
        target = await open_store(target_url)
        try:
            console.print(f"Copying {mask_url(settings.storage.url)} -> {mask_url(target_url)} "
                          "(schema of the target migrated)")
            try:
                checks = await copy_store(source, target, force=force, batch=batch,
                                          progress=lambda name, n: console.print(f"  {name}: {n:,} rows"))
            except CopyRefused as exc:
                raise StartupFailed(f"copy-store: {exc}", ExitCode.CONFIG) from None
        finally:
            await target.close()
    finally:
        await source.close()
    console.print(_check_table(checks))
    bad = [c.table for c in checks if not c.ok]
    if bad:
        raise StartupFailed(f"copy-store: {len(bad)} table(s) differ after the copy: {', '.join(bad)} (was the bot "
                            "still writing to the source? stop it and copy again with --force)", ExitCode.CRASH)
    console.print(f"All {len(checks)} tables copied and checked. Point storage.url at the copy to run on it.")
