"""Platform tables: seen_events, the event deliveries already taken in (store-backed dedupe of redeliveries).

Revision ID: platform_0001
Revises:
Own branch `platform`, depending on the core tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "platform_0001"
down_revision = None
branch_labels = ("platform",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "seen_events",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("community", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("received_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("platform", "community", "event_id", name="pk_seen_events"),
        sqlite_with_rowid=False,  # the key is the table (one b-tree less per insert on SQLite)
    )
    op.create_index("ix_seen_events_received", "seen_events", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_seen_events_received", "seen_events")
    op.drop_table("seen_events")
