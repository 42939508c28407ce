"""Collaboration: projects, who is interested, who was suggested (the weekly cap), and intro requests made for a
project.

Its own branch `collab` (in matching's folder, as collaboration is part of the matching feature), depending on
matching's intro requests, so it never competes with matching's own next revision.

Revision ID: matching_collab_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "matching_collab_0001"
down_revision = None
branch_labels = ("collab",)
depends_on = "matching_0002"


def upgrade() -> None:
    op.create_table(
        "collab_projects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("needs", sa.JSON, nullable=False),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("commitment", sa.String(100), nullable=False, server_default=""),
        sa.Column("until", sa.Date, nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("channel_id", sa.String(100), nullable=False, server_default=""),
        sa.Column("message_id", sa.String(100), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("closed_at", UTCDateTime, nullable=True),
    )
    op.create_index("ix_collab_projects_status", "collab_projects", ["community_id", "status"])
    op.create_table(
        "collab_interest",
        sa.Column("project_id", sa.Integer, sa.ForeignKey("collab_projects.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("notified", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "collab_suggestions",
        sa.Column("project_id", sa.Integer, sa.ForeignKey("collab_projects.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("need", sa.String(60), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_collab_suggestions_member", "collab_suggestions", ["community_id", "member_id", "created_at"])
    op.create_table(
        "collab_requests",
        sa.Column("request_id", sa.Integer, sa.ForeignKey("matching_requests.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("collab_projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("need", sa.String(60), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("collab_requests")
    op.drop_index("ix_collab_suggestions_member", "collab_suggestions")
    op.drop_table("collab_suggestions")
    op.drop_table("collab_interest")
    op.drop_index("ix_collab_projects_status", "collab_projects")
    op.drop_table("collab_projects")
