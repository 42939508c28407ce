"""The engagement log's writer process for a SQLite store: it inserts the batches the bot sends it.

Why a process: SQLite works in the thread that calls it, and that thread needs the interpreter lock to bind
every value and again after every step. A bot busy with a burst of messages holds that lock most of the time,
so a writer thread waits for it at each step and the queue outgrows it (measured: the log then takes less than
half the rate that plain `sqlite3` reaches on its own). In its own process the writer has its own interpreter
and its own core; the bot only serialises each batch once (`marshal`, well under a microsecond per row).

This file is run as a script (`python writer_process.py DB_PATH COLUMNS`, COLUMNS being the event
columns comma-separated, cogs.engagement.tables.EVENT_COLUMNS) and imports nothing but the standard library,
so that it starts quickly and never loads the bot; that is also why it is told the columns instead of importing
them. The protocol on stdin/stdout is a stream of frames, each a 4-byte big-endian length and a `marshal`led
tuple:

- request `("write", batch_id, at, rows)`: the rows (tuples in COLUMNS order, time as its stored text) in
  one transaction. `batch_id` ("" for none) is
  recorded in `engagement_batches` in the same transaction; a batch whose id is there already was committed
  before (its acknowledgement was lost) and is skipped. `at` is the marker's time in the stored text form.
- answer `("ok", written)` (written is False for a skipped batch) or `("error", type, message)`, the name of the
  exception's class and its text; the bot tells from them whether the rows themselves are wrong (a constraint, a
  value SQLite cannot bind), so that retrying cannot help (`sqlite_permanent` in storage/errors.py).
- end of input (or `("stop",)`): the process closes the database and exits.

The bot's side is `ProcessWriter` in store/events.py; it holds the store's write lock while a batch is in here,
so that the bot's own transactions never race this one for SQLite's single writer slot.
"""

from __future__ import annotations

import json
import marshal
import sqlite3
import struct
import sys
from itertools import chain
from typing import Any, BinaryIO

_HEADER = struct.Struct(">I")
ROWS_PER_STATEMENT = 2500  # 30,000 parameters, under SQLite's limit of 32,766


class EventInsert:
    """The multi-row INSERTs of event rows in `columns` order; the bot's in-process path uses the same ones."""

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.columns = columns
        self._meta = columns.index("meta")
        self._row = f"({', '.join('?' * len(columns))})"
        self._sql: dict[int, str] = {}

    def sql(self, n: int) -> str:
        """One INSERT of n event rows."""
        sql = self._sql.get(n)
        if sql is None:
            if len(self._sql) > 64:
                self._sql.clear()
            sql = self._sql[n] = (f"INSERT INTO engagement_events ({', '.join(self.columns)}) VALUES "
                                  f"{', '.join([self._row] * n)} ON CONFLICT DO NOTHING")
        return sql

    def statements(self, rows: list[Any]) -> list[tuple[int, list[Any]]]:
        """(row count, flat values) per multi-row INSERT; metadata that is not text yet becomes JSON text."""
        width, meta = len(self.columns), self._meta
        out = []
        for i in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[i:i + ROWS_PER_STATEMENT]
            flat: list[Any] = list(chain.from_iterable(chunk))
            if len(flat) != width * len(chunk):
                raise ValueError(f"an event row must have {width} values")
            metas = flat[meta::width]
            if any(m is not None and type(m) is not str for m in metas):
                flat[meta::width] = [m if m is None or type(m) is str else (json.dumps(m) if m else None)
                                     for m in metas]
            out.append((len(chunk), flat))
        return out


def connect(path: str) -> sqlite3.Connection:
    """The same pragmas as the bot's own connections (storage/engine.py), and a page cache of 64 MB (SQLite's
    default is 2 MB) so that the indexes of a large log are not read back from disk for every batch."""
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000",
                   "cache_size=-65536"):
        db.execute(f"PRAGMA {pragma}")
    return db


def write(db: sqlite3.Connection, insert: EventInsert, batch_id: str, at: str, rows: list[Any]) -> bool:
    """One batch in one transaction; False when the batch id was recorded before (written already)."""
    planned = insert.statements(rows)
    db.execute("BEGIN IMMEDIATE")
    try:
        if batch_id:
            db.execute("INSERT INTO engagement_batches (id, at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                       (batch_id, at))
            if db.execute("SELECT changes()").fetchone()[0] == 0:
                db.execute("ROLLBACK")
                return False
        for n, flat in planned:
            db.execute(insert.sql(n), flat)
        db.execute("COMMIT")
        return True
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def read_frame(stream: BinaryIO) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    body = stream.read(size)
    if len(body) < size:
        return None
    return marshal.loads(body)


def write_frame(stream: BinaryIO, message: Any) -> None:
    body = marshal.dumps(message)
    stream.write(_HEADER.pack(len(body)) + body)
    stream.flush()


def serve(path: str, columns: tuple[str, ...], requests: BinaryIO, answers: BinaryIO) -> None:
    insert = EventInsert(columns)
    db = connect(path)
    try:
        while True:
            message = read_frame(requests)
            if message is None or message[0] == "stop":
                return
            _, batch_id, at, rows = message
            try:
                written = write(db, insert, batch_id, at, rows)
            except Exception as exc:
                write_frame(answers, ("error", type(exc).__name__, str(exc)[:300]))
            else:
                write_frame(answers, ("ok", written))
    finally:
        db.close()


if __name__ == "__main__":
    serve(sys.argv[1], tuple(sys.argv[2].split(",")), sys.stdin.buffer, sys.stdout.buffer)
