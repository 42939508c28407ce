"""Config feature: audit trail of settings changes, /setup drafts.

Revision ID: config_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "config_0001"
down_revision = None
branch_labels = ("config",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "config_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("old_value", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("new_value", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="SET NULL"), nullable=True),
        sa.Column("who", sa.String(200), nullable=False, server_default=""),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_config_audit_community_key", "config_audit", ["community_id", "key", "id"])
    op.create_index("ix_config_audit_member", "config_audit", ["member_id"])
    op.create_table(
        "config_drafts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="SET NULL"), nullable=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_config_drafts_community", "config_drafts", ["community_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_config_drafts_community", "config_drafts")
    op.drop_table("config_drafts")
    op.drop_index("ix_config_audit_member", "config_audit")
    op.drop_index("ix_config_audit_community_key", "config_audit")
    op.drop_table("config_audit")
