"""Team formation: event posts and their sign-ups, formations and their teams.

Its own branch `collab_teams` (in matching's folder, as team formation is part of the matching feature), depending
only on matching's first revisions, so that it never competes with matching's or the projects' next revision.

Revision ID: matching_teams_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "matching_teams_0001"
down_revision = None
branch_labels = ("collab_teams",)
depends_on = "matching_0002"


def upgrade() -> None:
    op.create_table(
        "collab_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("creator_id", sa.Integer, sa.ForeignKey("members.id", ondelete="SET NULL"), nullable=True),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("details", sa.String(400), nullable=False, server_default=""),
        sa.Column("channel_id", sa.String(100), nullable=False, server_default=""),
        sa.Column("message_id", sa.String(100), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_collab_events_community", "collab_events", ["community_id"])
    op.create_table(
        "collab_signups",
        sa.Column("event_id", sa.Integer, sa.ForeignKey("collab_events.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "collab_formations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("moderator_id", sa.Integer, sa.ForeignKey("members.id", ondelete="SET NULL"), nullable=True),
        sa.Column("source", sa.String(120), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("needs", sa.String(400), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False, server_default="preview"),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=True),
    )
    op.create_index("ix_collab_formations_status", "collab_formations", ["community_id", "status"])
    op.create_table(
        "collab_teams",
        sa.Column("formation_id", sa.Integer, sa.ForeignKey("collab_formations.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("members", sa.JSON, nullable=False),
        sa.Column("covers", sa.JSON, nullable=False),
        sa.Column("missing", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("channel_ids", sa.String(400), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("collab_teams")
    op.drop_index("ix_collab_formations_status", "collab_formations")
    op.drop_table("collab_formations")
    op.drop_table("collab_signups")
    op.drop_index("ix_collab_events_community", "collab_events")
    op.drop_table("collab_events")
