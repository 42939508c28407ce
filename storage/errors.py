"""Telling a store's errors apart: rows that are wrong (retrying cannot help) from a store that is unavailable.

The batched writers (cogs/engagement/writer.py) retry an outage with back-off and isolate rows the store
refuses; this is the one place that knows how each driver says which is which.
"""

from __future__ import annotations

import sqlite3

import sqlalchemy.exc as sa_exc

# SQLSTATE classes of a server that is not there for the moment: connection exception, insufficient resources
# (too many connections), operator intervention (shutting down, starting up), system error (I/O).
_OUTAGE_SQLSTATE = ("08", "53", "57", "58")


class StoreOutage(ConnectionError):
    """The store could not be reached: the driver's own connection error (a refused or cut connection, a
    timeout), which SQLAlchemy passes on unwrapped when it happens while connecting (see Store.read/begin)."""


def describe_failure(exc: BaseException) -> str:
    """The first line of what went wrong, without SQLAlchemy's statement and background-link noise."""
    inner = getattr(exc, "orig", None) or exc
    if isinstance(inner, StoreOutage) and inner.__cause__ is not None:
        inner = inner.__cause__
    text = str(inner).strip().splitlines()[0] if str(inner).strip() else ""
    text = text.split(" [SQL:")[0].split(" (Background on this error")[0]
    name = type(inner).__name__
    return (f"{name}: {text}" if text else name)[:300]


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) says the store is unavailable, as opposed to a bug or a wrong row:
    the person is told to try again in a moment rather than that something went wrong."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if _outage(seen):
            return True
        seen = seen.__cause__
    return False


def _outage(exc: BaseException) -> bool:
    if isinstance(exc, StoreOutage | sqlite3.OperationalError):
        return True
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.DisconnectionError
                  | sa_exc.TimeoutError):
        return True
    sqlstate = getattr(getattr(exc, "orig", None), "pgcode", None) or getattr(exc, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate[:2] in _OUTAGE_SQLSTATE


def sqlite_permanent(exc: BaseException) -> bool:
    """The rows' fault (retrying cannot help), as opposed to the store's state (locked, disk full, I/O): a
    constraint, or a value SQLite cannot bind. A closed connection is the store's state. `is_permanent`
    builds on this for every store; the engagement writer process's errors are classified with it too."""
    if isinstance(exc, sqlite3.IntegrityError | sqlite3.DataError | sqlite3.InterfaceError):
        return True
    if isinstance(exc, sqlite3.ProgrammingError):
        return "closed" not in str(exc).lower()
    return isinstance(exc, TypeError | ValueError | OverflowError)


def is_permanent(exc: BaseException) -> bool:
    """Errors that retrying cannot fix: the rows themselves are wrong. Everything else is treated as an outage.

    SQLite rows are written straight on the driver (the engagement log, cogs/engagement/store/events.py), so its
    own DB-API errors arrive unwrapped: a constraint (`IntegrityError`) or a value it cannot bind (`ProgrammingError:
    Error binding parameter`) is the row's fault, while `OperationalError` (locked, disk full, I/O) is an outage. A
    value SQLAlchemy cannot even put into a statement (`StatementError` that is not a driver error) is the row's
    fault too. PostgreSQL says so by SQLSTATE class: 22 (data exception, e.g. a value asyncpg cannot convert) and 23
    (integrity constraint)."""
    if isinstance(exc, sa_exc.IntegrityError | sa_exc.DataError):
        return True
    sqlstate = getattr(getattr(exc, "orig", None), "pgcode", None) or getattr(exc, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate[:2] in ("22", "23"):
        return True
    if isinstance(exc, sa_exc.StatementError) and not isinstance(exc, sa_exc.DBAPIError):
        return True
    return sqlite_permanent(exc) or isinstance(exc, KeyError)
