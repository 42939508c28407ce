"""Telling a store's errors apart: rows that are wrong (retrying cannot help) from a store that is unavailable.

The batched writers (cogs/engagement/writer.py) retry an outage with back-off and isolate rows the store
refuses; this is the one place that knows how each driver says which is which.
"""

from __future__ import annotations

import sqlalchemy.exc as sa_exc

from storage.engagement_writer_process import permanent as sqlite_permanent


def is_permanent(exc: BaseException) -> bool:
    """Errors that retrying cannot fix: the rows themselves are wrong. Everything else is treated as an outage.

    SQLite rows are written straight on the driver (see storage/engagement.py), so its own DB-API errors arrive
    unwrapped: a constraint (`IntegrityError`) or a value it cannot bind (`ProgrammingError: Error binding
    parameter`) is the row's fault, while `OperationalError` (locked, disk full, I/O) is an outage. A value
    SQLAlchemy cannot even put into a statement (`StatementError` that is not a driver error) is the row's fault
    too. PostgreSQL says so by SQLSTATE class: 22 (data exception, e.g. a value asyncpg cannot convert) and 23
    (integrity constraint)."""
    if isinstance(exc, sa_exc.IntegrityError | sa_exc.DataError):
        return True
    sqlstate = getattr(getattr(exc, "orig", None), "pgcode", None) or getattr(exc, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate[:2] in ("22", "23"):
        return True
    if isinstance(exc, sa_exc.StatementError) and not isinstance(exc, sa_exc.DBAPIError):
        return True
    return sqlite_permanent(exc) or isinstance(exc, KeyError)
