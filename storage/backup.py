"""`bot.py backup --out FILE`: a consistent copy of the store while the bot keeps running.

SQLite: SQLite's online backup API (`sqlite3.Connection.backup`), copying every page in one step, which reads
one snapshot of the database while the bot goes on writing (the store is in WAL mode, so the backup's read does
not block the bot's writes, and the bot's writes do not make the backup start over). The copy is written beside
`FILE` and renamed into place only once it is complete and passes SQLite's integrity check, so a backup that
fails half-way never leaves a file that looks like a good backup.

PostgreSQL has its own tool for this, `pg_dump`; `pg_dump_hint` says how to call it for Kindred's store.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from core.settings import mask_url


class BackupRefused(Exception):
    """The backup cannot be made as asked; `str(exc)` is one line for the person who asked."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    bytes: int
    tables: int


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL; None for another store or an in-memory database."""
    parsed = sa.engine.make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    database = parsed.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def pg_dump_hint(url: str, out: Path) -> str:
    """How to back up a PostgreSQL store: `pg_dump` in its custom format (compressed, restorable table by table,
    and independent of the roles of the server it came from), and how to restore it."""
    plain = sa.engine.make_url(url).set(drivername="postgresql")
    shown = mask_url(plain.render_as_string(hide_password=False))
    return (f"storage.url is PostgreSQL: back it up with pg_dump, which takes a consistent snapshot while the bot "
            f"runs: pg_dump --format=custom --no-owner --no-privileges --file {out} '{shown}' (restore into an "
            f"empty database with: pg_restore --no-owner --no-privileges --dbname '<url>' {out})")


def _copy(source: Path, target: Path) -> int:
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # every page in one step: one consistent snapshot
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file, no -wal beside it
            check = dst.execute("PRAGMA integrity_check").fetchone()
            if not check or check[0] != "ok":
                raise BackupRefused(f"the copy failed SQLite's integrity check: {check[0] if check else '?'}")
            tables = dst.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        finally:
            dst.close()
    finally:
        src.close()
    return int(tables)


def _backup_sqlite(source: Path, out: Path, force: bool) -> BackupResult:
    if not source.is_file():
        raise BackupRefused(f"there is no store at {source} to back up")
    out = out.expanduser()
    if out.resolve() == source.resolve():
        raise BackupRefused("--out names the store itself: choose another file")
    if out.exists() and not force:
        raise BackupRefused(f"{out} exists already: choose another file, or add --force to replace it")
    if not out.parent.is_dir():
        raise BackupRefused(f"the directory {out.parent} does not exist")
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        tables = _copy(source, partial)
        partial.replace(out)
    except sqlite3.Error as exc:
        raise BackupRefused(f"the backup failed: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return BackupResult(out, out.stat().st_size, tables)


async def backup_sqlite(url: str, out: Path, *, force: bool = False) -> BackupResult:
    """Copy the SQLite store of `url` to `out` (in a thread: the backup API blocks)."""
    source = sqlite_path(url)
    if source is None:
        raise BackupRefused("storage.url is no SQLite file (an in-memory store cannot be backed up)")
    return await asyncio.to_thread(_backup_sqlite, source, out, force)
