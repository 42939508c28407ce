"""Scheduled job runs claimed in the store: `job_runs`, one row per (job, community, slot) that has run.

Several processes may share one PostgreSQL store, and each runs the same scheduler. A job that must run once per
firing (a round, a digest, a purge) inserts its row first; the primary key lets one insert win, and only that
process runs the slot (core/scheduling.py). `community_id` is 0 for a process-wide job (no foreign key: the rows
only matter while their slot can still fire, and are purged after `storage.job_runs.JOB_RUN_TTL`).
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.schema import metadata
from storage.types import UTCDateTime

job_runs = sa.Table(
    "job_runs",
    metadata,
    sa.Column("job", sa.String(100), primary_key=True),
    sa.Column("community_id", sa.Integer, primary_key=True),
    sa.Column("slot", UTCDateTime, primary_key=True),
    sa.Column("claimed_at", UTCDateTime, nullable=False),
    sa.Index("ix_job_runs_claimed", "claimed_at"),
    sqlite_with_rowid=False,  # the key is the table
)
