"""Opening the store: the async engine, SQLite pragmas, and migrations at start-up."""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import logging
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from core.errors import ExitCode, StartupFailed
from core.ports import DataStore
from core.settings import mask_url
from storage.errors import StoreOutage, describe_failure
from storage.health import StoreHealth
from storage.schema import migration_dirs
from storage.write_lock import WriteLock

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_PG_MIGRATION_LOCK = 7_316_201  # advisory lock id: one process migrates at a time


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _same_empty_default(_context: Any, _inspected_column: Any, _metadata_column: Any, inspected_default: str | None,
                        _metadata_default: Any, rendered_metadata_default: str | None) -> bool | None:
    """`server_default=""` reads back from SQLite as `''`, which Alembic (1.x) reports as a change; both are the
    empty string. Anything else is left to Alembic's own comparison (None)."""
    if rendered_metadata_default in ("", "''") and inspected_default in ("''", "('')"):
        return False
    return None


COMPARE_OPTIONS: dict[str, Any] = {"compare_type": True, "compare_server_default": _same_empty_default}
"""How autogenerate compares the store with the tables (storage/migrations/env.py and `schema_drift` alike)."""


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for our migrations; its `target_metadata` is every table (see env.py), its version
    files those of storage/migrations/versions (core, platform) and of each feature's `migrations/` folder."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(str(d) for d in migration_dirs()))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def schema_drift(connection: Connection) -> list[Any]:
    """What `alembic revision --autogenerate` would write for this store: [] when the migrations at head and
    the table definitions agree (checked by tests/storage/test_schema.py on SQLite and PostgreSQL)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage.schema import all_tables

    context = MigrationContext.configure(connection, opts=dict(COMPARE_OPTIONS))
    return list(compare_metadata(context, all_tables()))


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
    command.upgrade(alembic_config(connection), "heads")


def _file_lock(path: Path) -> IO[bytes]:
    """Block until this process holds an exclusive lock on `path` (released when the file is closed)."""
    fh = path.open("ab")
    fcntl.flock(fh, fcntl.LOCK_EX)
    return fh


class StoreUnavailable(StartupFailed):
    """The store cannot be opened: a server that does not answer, wrong credentials, a missing directory.

    `reason` is one line for the person starting the bot (never the URL's password); every command of the
    command line reports it as one line with exit code 2 (see bot.py)."""

    def __init__(self, reason: str, url: str = "") -> None:
        where = f" at {mask_url(url)}" if url else ""
        super().__init__(f"storage.url: cannot open the store{where}: {reason} "
                         "(details with KINDRED_LOGGING__LEVEL=DEBUG)", ExitCode.CONFIG)
        self.reason = reason


def migrate_lock_path(database: str) -> Path:
    """Where migrators of one SQLite database take turns: a lock file in the temporary directory named after the
    database's full path, so that nothing is left beside the database (and every process on this machine that
    opens the same file, by any relative path, meets at the same lock)."""
    resolved = str(Path(database).expanduser().resolve())
    digest = hashlib.sha256(resolved.encode()).hexdigest()[:20]
    return Path(tempfile.gettempdir()) / f"kindred-{digest}.migrate-lock"


def sqlite_directory_problem(url: str) -> str | None:
    """Why a SQLite URL cannot be opened because of where it points (a missing directory), or None. `check-config`
    asks this too, so that it refuses what `migrate` would refuse."""
    try:
        database = sa.engine.make_url(url).database
    except sa.exc.ArgumentError:
        return None
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    parent = Path(database).expanduser().resolve().parent
    if not parent.is_dir():
        return f"the directory {parent} does not exist"
    return None


@asynccontextmanager
async def _unreachable_as_outage() -> AsyncIterator[None]:
    """The driver's connection errors, which SQLAlchemy passes on unwrapped while it connects (a refused
    connection, a timeout), as `StoreOutage`, so that callers tell an outage from a bug (storage/errors.py)."""
    try:
        yield
    except (OSError, TimeoutError) as exc:
        if isinstance(exc, StoreOutage):
            raise
        raise StoreOutage(describe_failure(exc)) from exc


class Store:
    """The engine plus transaction helpers that repositories use."""

    def __init__(self, url: str, *, echo: bool = False, connect_args: dict[str, Any] | None = None) -> None:
        self.url = url
        kwargs: dict[str, Any] = {"echo": echo, "connect_args": dict(connect_args or {})}
        if url.startswith("sqlite"):
            kwargs["connect_args"].setdefault("timeout", 30)
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if url.startswith("sqlite"):
            sa.event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._write_lock = WriteLock() if url.startswith("sqlite") else None
        self.health = StoreHealth(self.ping)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def migrate(self) -> None:
        """Bring the schema to the newest revision of every branch (core and each feature).

        PostgreSQL serialises concurrent migrators with an advisory lock; SQLite with a lock file (see
        `migrate_lock_path`), so two processes starting on one store at the same moment do not both create tables.
        """
        path = self.engine.url.database if self.dialect == "sqlite" else None
        if not path or path == ":memory:":
            async with self.engine.begin() as conn:
                await conn.run_sync(_upgrade)
            return
        lock = await asyncio.to_thread(_file_lock, migrate_lock_path(path))
        try:
            async with self.engine.begin() as conn:
                await conn.run_sync(_upgrade)
        finally:
            lock.close()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction. SQLite allows one writer, so writers queue here instead of failing as busy."""
        if self._write_lock is None:
            async with _unreachable_as_outage(), self.engine.begin() as conn:
                yield conn
            return
        async with self._write_lock.exclusive(), _unreachable_as_outage(), self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def write_lock(self) -> AsyncIterator[None]:
        """Hold the in-process writers back while a write happens elsewhere (the engagement writer process), so
        that they wait here instead of racing it for SQLite's one writer slot. Such writes hold it together
        (see storage/write_lock.py). A no-op on PostgreSQL."""
        if self._write_lock is None:
            yield
            return
        async with self._write_lock.shared():
            yield

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only connection."""
        async with _unreachable_as_outage(), self.engine.connect() as conn:
            yield conn

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
            return True
        except Exception:  # a store that is down is reported by the caller
            return False

    async def close(self) -> None:
        await self.health.close()
        await self.engine.dispose()


def sql_store(store: DataStore) -> Store:
    """The `Store` behind the `DataStore` port that cogs are handed (`services.store`). Repositories take the port,
    so a feature builds them from its services as they are, and check here that it is this package's store."""
    if not isinstance(store, Store):
        raise TypeError(f"expected the SQL store, got {type(store).__name__}")
    return store


def inserted_id(result: CursorResult[Any]) -> int:
    """The id of the row an INSERT created. SQLAlchemy types `inserted_primary_key` as optional (it is None for
    statements that are not single-row inserts), which every caller here is."""
    key = result.inserted_primary_key
    if key is None:
        raise TypeError("not a single-row INSERT")
    return int(key[0])


async def driver_connection(conn: AsyncConnection) -> Any:
    """The database driver's own connection under `conn` (aiosqlite's or asyncpg's), for the bulk paths where
    SQLAlchemy's statement handling costs too much. SQLAlchemy types it optional: None once it is closed."""
    driver = (await conn.get_raw_connection()).driver_connection
    if driver is None:
        raise RuntimeError("the store's connection is closed")
    return driver


async def open_store(
    url: str, *, echo: bool = False, migrate: bool = True, connect_args: dict[str, Any] | None = None
) -> Store:
    """Open (and by default migrate) the store; raises `StoreUnavailable` with a one-line reason when it cannot
    be reached or set up, so that start-up can say so instead of printing a traceback."""
    if url.startswith("sqlite") and (problem := sqlite_directory_problem(url)):
        raise StoreUnavailable(problem, url)
    try:
        store = Store(url, echo=echo, connect_args=connect_args)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise StoreUnavailable(describe_failure(exc), url) from exc
    if migrate:
        try:
            await store.migrate()
        except Exception as exc:
            log.debug("opening the store failed", exc_info=True)
            await store.close()
            raise StoreUnavailable(describe_failure(exc), url) from exc
    return store
