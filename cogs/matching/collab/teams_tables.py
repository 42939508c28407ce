"""Team formation tables: event posts with their sign-ups (`/collab event`), and formations (`/collab teams`) with
their teams, stored before anything is sent so that a confirmed formation survives a restart.

Imported by `cogs/matching/tables.py`, where the schema finds the feature's tables; only SQLAlchemy and storage/.
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.schema import metadata
from storage.types import UTCDateTime

collab_events = sa.Table(
    "collab_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("creator_id", sa.Integer, sa.ForeignKey("members.id", ondelete="SET NULL"), nullable=True),
    sa.Column("title", sa.String(100), nullable=False),
    sa.Column("details", sa.String(400), nullable=False, server_default=""),
    sa.Column("channel_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("message_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_collab_events_community", "community_id"),
)

collab_signups = sa.Table(
    "collab_signups",
    metadata,
    sa.Column("event_id", sa.Integer, sa.ForeignKey("collab_events.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

collab_formations = sa.Table(
    "collab_formations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("moderator_id", sa.Integer, sa.ForeignKey("members.id", ondelete="SET NULL"), nullable=True),
    sa.Column("source", sa.String(120), nullable=False),  # "group:<name>" or "event:<id>"
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("needs", sa.String(400), nullable=False, server_default=""),
    sa.Column("status", sa.String(16), nullable=False, server_default="preview"),  # sending, done, cancelled
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Index("ix_collab_formations_status", "community_id", "status"),
)

collab_teams = sa.Table(
    "collab_teams",
    metadata,
    sa.Column("formation_id", sa.Integer, sa.ForeignKey("collab_formations.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("members", sa.JSON, nullable=False),  # [member id, ...]
    sa.Column("covers", sa.JSON, nullable=False),  # {"<member id>": "need", ...}
    sa.Column("missing", sa.JSON, nullable=False),  # ["need", ...]
    sa.Column("status", sa.String(16), nullable=False, server_default="pending"),  # sent, failed
    sa.Column("channel_ids", sa.String(400), nullable=False, server_default=""),
)
