"""Welcome tables: newcomers, onboarding steps (unique per member and step), greeters, buddies.

Revision ID: welcome_0001
Revises:
Own branch `welcome`, depending on the core tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "welcome_0001"
down_revision = None
branch_labels = ("welcome",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "welcome_newcomers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.Column("trigger", sa.String(100), nullable=False, server_default="join"),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("first_message_at", UTCDateTime, nullable=True),
        sa.UniqueConstraint("community_id", "member_id", name="uq_welcome_newcomers_member"),
    )
    op.create_index("ix_welcome_newcomers_started", "welcome_newcomers", ["community_id", "started_at"])
    op.create_table(
        "welcome_steps",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=True),
        sa.Column("claim", sa.String(32), nullable=False, server_default=""),
        sa.Column("detail", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("community_id", "member_id", "step", name="uq_welcome_steps_key"),
    )
    op.create_index("ix_welcome_steps_status_due", "welcome_steps", ["status", "due_at"])
    op.create_table(
        "welcome_greeters",
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("joined_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "welcome_buddies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("newcomer_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.Column("buddy_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.Column("assigned_at", UTCDateTime, nullable=False),
        sa.Column("contacted_at", UTCDateTime, nullable=True),
        sa.Column("conversation", sa.String(300), nullable=False, server_default=""),
        sa.UniqueConstraint("community_id", "newcomer_id", name="uq_welcome_buddies_newcomer"),
    )
    op.create_index("ix_welcome_buddies_buddy", "welcome_buddies", ["community_id", "buddy_id", "assigned_at"])


def downgrade() -> None:
    op.drop_index("ix_welcome_buddies_buddy", "welcome_buddies")
    op.drop_table("welcome_buddies")
    op.drop_table("welcome_greeters")
    op.drop_index("ix_welcome_steps_status_due", "welcome_steps")
    op.drop_table("welcome_steps")
    op.drop_index("ix_welcome_newcomers_started", "welcome_newcomers")
    op.drop_table("welcome_newcomers")
