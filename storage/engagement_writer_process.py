"""The engagement log's writer process for a SQLite store: it inserts the batches the bot sends it.

Why a process: SQLite works in the thread that calls it, and that thread needs the interpreter lock to bind
every value and again after every step. A bot busy with a burst of messages holds that lock most of the time,
so a writer thread waits for it at each step and the queue outgrows it (measured: the log then takes less than
half the rate that plain `sqlite3` reaches on its own). In its own process the writer has its own interpreter
and its own core; the bot only serialises each batch once (`marshal`, well under a microsecond per row).

This file is run as a script (`python engagement_writer_process.py DB_PATH`) and imports nothing but the
standard library, so that it starts quickly and never loads the bot. The protocol on stdin/stdout is a stream
of frames, each a 4-byte big-endian length and a `marshal`led tuple:

- request `("write", batch_id, at, rows)`: the rows (tuples in `COLUMNS` order, time as its stored text) in
  one transaction. `batch_id` ("" for none) is
  recorded in `engagement_batches` in the same transaction; a batch whose id is there already was committed
  before (its acknowledgement was lost) and is skipped. `at` is the marker's time in the stored text form.
- answer `("ok", written)` (written is False for a skipped batch) or `("error", permanent, type, message)`,
  where `permanent` says the rows themselves are wrong (a constraint, a value SQLite cannot bind), so that
  retrying cannot help.
- end of input (or `("stop",)`): the process closes the database and exits.

The bot's side is `ProcessWriter` in storage/engagement.py; it holds the store's write lock while a batch is in
here, so that the bot's own transactions never race this one for SQLite's single writer slot.
"""

from __future__ import annotations

import json
import marshal
import sqlite3
import struct
import sys
from itertools import chain
from typing import Any, BinaryIO

COLUMNS = ("community_id", "platform", "member_id", "kind", "at", "channel", "target_id", "value", "label",
           "meta", "text", "dedupe")
_ROW = f"({', '.join('?' * len(COLUMNS))})"
_HEADER = struct.Struct(">I")
_statements: dict[int, str] = {}


def insert_sql(n: int) -> str:
    """One INSERT of n event rows (the bot's in-process path uses the same text)."""
    sql = _statements.get(n)
    if sql is None:
        if len(_statements) > 64:
            _statements.clear()
        sql = _statements[n] = (f"INSERT INTO engagement_events ({', '.join(COLUMNS)}) VALUES "
                                f"{', '.join([_ROW] * n)} ON CONFLICT DO NOTHING")
    return sql


def connect(path: str) -> sqlite3.Connection:
    """The same pragmas as the bot's own connections (storage/engine.py), and a page cache of 64 MB (SQLite's
    default is 2 MB) so that the indexes of a large log are not read back from disk for every batch."""
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000",
                   "cache_size=-65536"):
        db.execute(f"PRAGMA {pragma}")
    return db


def permanent(exc: BaseException) -> bool:
    """The rows' fault (retrying cannot help), as opposed to the store's state (locked, disk full, I/O): a
    constraint, or a value SQLite cannot bind. A closed connection is the store's state. storage/errors.py
    builds on this for every store."""
    if isinstance(exc, sqlite3.IntegrityError | sqlite3.DataError | sqlite3.InterfaceError):
        return True
    if isinstance(exc, sqlite3.ProgrammingError):
        return "closed" not in str(exc).lower()
    return isinstance(exc, TypeError | ValueError | OverflowError)


ROWS_PER_STATEMENT = 2500  # 30,000 parameters, under SQLite's limit of 32,766


def statements(rows: list[Any]) -> list[tuple[int, list[Any]]]:
    """(row count, flat values) per multi-row INSERT; metadata that is not text yet becomes JSON text."""
    width = len(COLUMNS)
    out = []
    for i in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[i:i + ROWS_PER_STATEMENT]
        flat: list[Any] = list(chain.from_iterable(chunk))
        if len(flat) != width * len(chunk):
            raise ValueError(f"an event row must have {width} values")
        metas = flat[9::width]
        if any(meta is not None and type(meta) is not str for meta in metas):
            flat[9::width] = [meta if meta is None or type(meta) is str else (json.dumps(meta) if meta else None)
                              for meta in metas]
        out.append((len(chunk), flat))
    return out


def write(db: sqlite3.Connection, batch_id: str, at: str, rows: list[Any]) -> bool:
    """One batch in one transaction; False when the batch id was recorded before (written already)."""
    planned = statements(rows)
    db.execute("BEGIN IMMEDIATE")
    try:
        if batch_id:
            db.execute("INSERT INTO engagement_batches (id, at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                       (batch_id, at))
            if db.execute("SELECT changes()").fetchone()[0] == 0:
                db.execute("ROLLBACK")
                return False
        for n, flat in planned:
            db.execute(insert_sql(n), flat)
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


def serve(path: str, requests: BinaryIO, answers: BinaryIO) -> None:
    db = connect(path)
    try:
        while True:
            message = read_frame(requests)
            if message is None or message[0] == "stop":
                return
            _, batch_id, at, rows = message
            try:
                written = write(db, batch_id, at, rows)
            except Exception as exc:
                write_frame(answers, ("error", permanent(exc), type(exc).__name__, str(exc)[:300]))
            else:
                write_frame(answers, ("ok", written))
    finally:
        db.close()


if __name__ == "__main__":
    serve(sys.argv[1], sys.stdin.buffer, sys.stdout.buffer)
