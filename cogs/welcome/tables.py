"""Welcome tables: newcomers being onboarded, their steps (exactly once each), greeters and buddies.

`welcome_steps` is the source of truth for the onboarding funnel and for "each step once": its unique key
(community, member, step) means a greeting, a nudge or a digest line can be claimed by one process only, even
after a restart or with two processes on one PostgreSQL store.
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.schema import metadata
from storage.types import UTCDateTime

welcome_newcomers = sa.Table(
    "welcome_newcomers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("trigger", sa.String(100), nullable=False, server_default="join"),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("first_message_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("community_id", "member_id", name="uq_welcome_newcomers_member"),
    sa.Index("ix_welcome_newcomers_started", "community_id", "started_at"),
)

welcome_steps = sa.Table(
    "welcome_steps",
    metadata,
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
    sa.Index("ix_welcome_steps_status_due", "status", "due_at"),
)

welcome_greeters = sa.Table(
    "welcome_greeters",
    metadata,
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("joined_at", UTCDateTime, nullable=False),
)

welcome_buddies = sa.Table(
    "welcome_buddies",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("newcomer_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("buddy_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("assigned_at", UTCDateTime, nullable=False),
    sa.Column("contacted_at", UTCDateTime, nullable=True),
    sa.Column("conversation", sa.String(300), nullable=False, server_default=""),
    sa.UniqueConstraint("community_id", "newcomer_id", name="uq_welcome_buddies_newcomer"),
    sa.Index("ix_welcome_buddies_buddy", "community_id", "buddy_id", "assigned_at"),
)
