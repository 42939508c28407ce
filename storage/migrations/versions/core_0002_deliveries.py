"""The delivery ledger (exactly-once intros, greetings, check-ins and drip messages; see core/delivery.py).

Revision ID: core_0002
Revises: core_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("recipient", sa.String(120), nullable=False),
        sa.Column("marker", sa.String(32), nullable=False),
        sa.Column("fingerprints", sa.String(200), nullable=False, server_default=""),
        sa.Column("since", UTCDateTime, nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False, server_default=""),
        sa.Column("claim", sa.String(40), nullable=False, server_default=""),
        sa.Column("claimed_at", UTCDateTime, nullable=True),
        sa.Column("audience", sa.String(2000), nullable=False, server_default=""),
        sa.Column("channel_id", sa.String(300), nullable=False, server_default=""),
        sa.Column("message_id", sa.String(100), nullable=False, server_default=""),
        sa.Column("detail", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("community_id", "key", "recipient", name="uq_deliveries_key"),
    )
    op.create_index("ix_deliveries_state", "deliveries", ["state", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_state", "deliveries")
    op.drop_table("deliveries")
