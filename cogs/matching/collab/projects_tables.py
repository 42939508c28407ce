"""Project tables: projects posted with /collab post, who is interested, who was suggested when (the weekly cap),
and which intro requests were made for a project (so the intro can name it).

Imported by `cogs/matching/tables.py`, where the schema finds the feature's tables; only SQLAlchemy and storage/.
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.schema import metadata
from storage.types import UTCDateTime

collab_projects = sa.Table(
    "collab_projects",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("title", sa.String(100), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("needs", sa.JSON, nullable=False),  # [{"need": "developer", "count": 2}, ...]
    sa.Column("languages", sa.JSON, nullable=False),  # ["de", "en"]
    sa.Column("commitment", sa.String(100), nullable=False, server_default=""),
    sa.Column("until", sa.Date, nullable=True),
    sa.Column("status", sa.String(16), nullable=False, server_default="open"),
    sa.Column("channel_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("message_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("closed_at", UTCDateTime, nullable=True),
    sa.Index("ix_collab_projects_status", "community_id", "status"),
)

collab_interest = sa.Table(
    "collab_interest",
    metadata,
    sa.Column("project_id", sa.Integer, sa.ForeignKey("collab_projects.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),  # pressed again: withdrawn
    sa.Column("notified", sa.Boolean, nullable=False, server_default=sa.false()),  # the owner was told (once)
    sa.Column("created_at", UTCDateTime, nullable=False),
)

collab_suggestions = sa.Table(
    "collab_suggestions",
    metadata,
    sa.Column("project_id", sa.Integer, sa.ForeignKey("collab_projects.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("need", sa.String(60), nullable=False, server_default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_collab_suggestions_member", "community_id", "member_id", "created_at"),
)

collab_requests = sa.Table(
    "collab_requests",
    metadata,
    sa.Column("request_id", sa.Integer, sa.ForeignKey("matching_requests.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("project_id", sa.Integer, sa.ForeignKey("collab_projects.id", ondelete="CASCADE"), nullable=False),
    sa.Column("need", sa.String(60), nullable=False, server_default=""),
)
