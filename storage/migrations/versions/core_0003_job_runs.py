"""Scheduled job runs claimed in the store (exactly-once jobs across processes; see core/scheduling.py).

Revision ID: core_0003
Revises: core_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "core_0003"
down_revision = "core_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("job", sa.String(100), nullable=False),
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("slot", UTCDateTime, nullable=False),
        sa.Column("claimed_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("job", "community_id", "slot", name="pk_job_runs"),
        sqlite_with_rowid=False,  # the key is the table
    )
    op.create_index("ix_job_runs_claimed", "job_runs", ["claimed_at"])


def downgrade() -> None:
    op.drop_index("ix_job_runs_claimed", "job_runs")
    op.drop_table("job_runs")
