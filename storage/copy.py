"""`bot.py copy-store --to URL`: every table of the configured store copied into another one, typically a
growing community's move from SQLite to PostgreSQL, then checked.

- The target's schema is brought to the newest version first, exactly as `bot.py migrate` does (the source too,
  so that both have the same tables and columns).
- A target that holds any row is refused unless `force`, which empties it first: a copy on top of data would mix
  two communities' histories, and the check at the end could not tell.
- Tables are copied parents first (foreign keys), each in batches read as a stream from the source and written
  in one transaction per table; on PostgreSQL the id sequences are then moved past the copied ids, so the bot
  running on the copy creates new rows as before.
- The check compares each table's row count and a checksum of its rows on both sides. The checksum adds up a hash
  of each row's values as the bot reads them (through the tables' own types, so a time read back from SQLite and
  from PostgreSQL is the same aware UTC time), which makes it independent of the order the stores return rows in
  (their collations differ).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from storage.engine import Store
from storage.schema import all_tables

BATCH = 1000
_MOD = 1 << 256


class CopyRefused(Exception):
    """The copy was not started; `str(exc)` says why in one line."""


@dataclass(frozen=True, slots=True)
class TableCheck:
    table: str
    source_rows: int
    target_rows: int
    source_sum: str
    target_sum: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sum == self.target_sum


def tables_in_order() -> list[sa.Table]:
    """Every table of every feature, parents before the tables that refer to them."""
    return list(all_tables().sorted_tables)


def _canonical(value: Any) -> Any:
    """A value as the same JSON on every store: aware times in UTC, exact numbers, bytes as hex."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return ["dt", value.isoformat()]
    if isinstance(value, date | time):
        return [type(value).__name__, value.isoformat()]
    if isinstance(value, bytes | bytearray | memoryview):
        return ["b", bytes(value).hex()]
    if isinstance(value, Decimal):
        return ["n", str(value.normalize())]
    if isinstance(value, float):
        return ["f", repr(value) if math.isfinite(value) else str(value)]
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def row_hash(row: Iterable[Any]) -> int:
    """One row's hash; the table's checksum is their sum (mod 2^256), the same in any order."""
    text = json.dumps([_canonical(v) for v in row], sort_keys=True, ensure_ascii=False, default=str)
    return int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")


async def table_summary(store: Store, table: sa.Table, batch: int = BATCH) -> tuple[int, str]:
    """(rows, checksum) of one table."""
    rows = 0
    total = 0
    async with store.read() as conn:
        result = await conn.stream(sa.select(*table.columns))
        async for part in result.partitions(batch):
            for row in part:
                rows += 1
                total = (total + row_hash(row)) % _MOD
    return rows, f"{total:064x}"


async def row_counts(store: Store, tables: Iterable[sa.Table]) -> dict[str, int]:
    async with store.read() as conn:
        return {t.name: int((await conn.execute(sa.select(sa.func.count()).select_from(t))).scalar_one())
                for t in tables}


async def _empty(target: Store, tables: list[sa.Table]) -> None:
    async with target.begin() as conn:
        if target.dialect == "postgresql":
            names = ", ".join(conn.dialect.identifier_preparer.quote(t.name) for t in tables)
            await conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        for table in reversed(tables):
            await conn.execute(table.delete())


async def _copy_table(source: Store, target: Store, table: sa.Table, batch: int) -> int:
    copied = 0
    columns = [c.name for c in table.columns]
    async with source.read() as read, target.begin() as write:
        result = await read.stream(sa.select(*table.columns))
        async for part in result.partitions(batch):
            await write.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in part])
            copied += len(part)
        if target.dialect == "postgresql":
            await _move_sequence(write, table)
    return copied


async def _move_sequence(conn: Any, table: sa.Table) -> None:
    """Let the target's id sequence go on after the highest copied id (inserting explicit ids does not move
    it, and the bot's next insert would collide with a copied row)."""
    column = table.autoincrement_column
    if column is None:
        return
    quoted = conn.dialect.identifier_preparer.quote
    await conn.execute(sa.text(
        f"SELECT setval(pg_get_serial_sequence(:table, :column), COALESCE(MAX({quoted(column.name)}), 1), "
        f"MAX({quoted(column.name)}) IS NOT NULL) FROM {quoted(table.name)}"),
        {"table": table.name, "column": column.name})


async def copy_store(source: Store, target: Store, *, force: bool = False, batch: int = BATCH,
                     progress: Callable[[str, int], None] | None = None) -> list[TableCheck]:
    """Copy every table from `source` into `target` (both migrated already, see `open_store`) and check the
    copy; returns one `TableCheck` per table. Raises `CopyRefused` for a target that holds rows, unless
    `force`, and for a target that is the source itself."""
    if batch < 1:
        raise CopyRefused("the batch size must be at least 1")
    if source.engine.url == target.engine.url:
        raise CopyRefused("--to names the configured store itself")
    tables = tables_in_order()
    occupied = {name: n for name, n in (await row_counts(target, tables)).items() if n}
    if occupied and not force:
        shown = ", ".join(f"{name} ({n})" for name, n in sorted(occupied.items())[:5])
        more = f" and {len(occupied) - 5} more" if len(occupied) > 5 else ""
        raise CopyRefused(f"the target store is not empty: {shown}{more} hold rows; copy into an empty store, or "
                          "add --force to empty it first")
    if occupied:
        await _empty(target, tables)
    for table in tables:
        copied = await _copy_table(source, target, table, batch)
        if progress is not None:
            progress(table.name, copied)
    checks = []
    for table in tables:
        src_rows, src_sum = await table_summary(source, table, batch)
        dst_rows, dst_sum = await table_summary(target, table, batch)
        checks.append(TableCheck(table.name, src_rows, dst_rows, src_sum, dst_sum))
    return checks
