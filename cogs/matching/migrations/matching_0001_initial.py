"""Matching tables: participants, rounds (unique per community, group and period), intros and their members,
round outcomes, feedback, blocks, intro requests, mentors, mentor requests and mentorships.

Revision ID: matching_0001
Revises:
Own branch `matching`, depending on the core tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "matching_0001"
down_revision = None
branch_labels = ("matching",)
depends_on = "core_0001"


def _community(primary_key: bool = False) -> sa.Column:
    return sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"),
                     nullable=False, primary_key=primary_key)


def _member(name: str, *, nullable: bool = False, primary_key: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=nullable,
                     primary_key=primary_key)


def upgrade() -> None:
    op.create_table(
        "matching_participants",
        _community(primary_key=True),
        _member("member_id", primary_key=True),
        sa.Column("grp", sa.String(40), nullable=False, server_default=""),
        sa.Column("cadence", sa.String(16), nullable=False, server_default="weekly"),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("paused_until", UTCDateTime, nullable=True),
        sa.Column("joined_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "matching_rounds",
        sa.Column("id", sa.Integer, primary_key=True),
        _community(),
        sa.Column("grp", sa.String(40), nullable=False, server_default=""),
        sa.Column("period", sa.String(40), nullable=False),
        sa.Column("round_index", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claim", sa.String(32), nullable=False, server_default=""),
        sa.Column("scheduled_for", UTCDateTime, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("heartbeat_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=True),
        sa.Column("members_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("groups_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("score", sa.Float, nullable=False, server_default="0"),
        sa.UniqueConstraint("community_id", "grp", "period", name="uq_matching_rounds_period"),
    )
    op.create_index("ix_matching_rounds_index", "matching_rounds", ["community_id", "grp", "round_index"])
    op.create_table(
        "matching_intros",
        sa.Column("id", sa.Integer, primary_key=True),
        _community(),
        sa.Column("round_id", sa.Integer, sa.ForeignKey("matching_rounds.id", ondelete="CASCADE"), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claim", sa.String(32), nullable=False, server_default=""),
        sa.Column("score", sa.Float, nullable=False, server_default="0"),
        sa.Column("reason", sa.JSON, nullable=False),
        sa.Column("starters", sa.JSON, nullable=False),
        sa.Column("conversation", sa.String(300), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime, nullable=True),
        sa.Column("checkin_due_at", UTCDateTime, nullable=True),
        sa.Column("checkin_sent_at", UTCDateTime, nullable=True),
    )
    op.create_index("ix_matching_intros_round", "matching_intros", ["round_id", "status"])
    op.create_index("ix_matching_intros_checkin", "matching_intros", ["checkin_sent_at", "checkin_due_at"])
    op.create_table(
        "matching_intro_members",
        sa.Column("intro_id", sa.Integer, sa.ForeignKey("matching_intros.id", ondelete="CASCADE"),
                  primary_key=True),
        _member("member_id", primary_key=True),
        _community(),
    )
    op.create_index("ix_matching_intro_members_member", "matching_intro_members", ["community_id", "member_id"])
    op.create_table(
        "matching_round_members",
        sa.Column("round_id", sa.Integer, sa.ForeignKey("matching_rounds.id", ondelete="CASCADE"),
                  primary_key=True),
        _member("member_id", primary_key=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False, server_default=""),
        sa.Column("intro_id", sa.Integer, sa.ForeignKey("matching_intros.id", ondelete="SET NULL"), nullable=True),
    )
    op.create_table(
        "matching_feedback",
        sa.Column("intro_id", sa.Integer, sa.ForeignKey("matching_intros.id", ondelete="CASCADE"),
                  primary_key=True),
        _member("member_id", primary_key=True),
        sa.Column("answer", sa.String(16), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "matching_blocks",
        _community(primary_key=True),
        _member("member_id", primary_key=True),
        _member("blocked_id", primary_key=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "matching_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        _community(),
        _member("requester_id"),
        _member("target_id"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("decided_at", UTCDateTime, nullable=True),
        sa.Column("intro_id", sa.Integer, sa.ForeignKey("matching_intros.id", ondelete="SET NULL"), nullable=True),
    )
    op.create_index("ix_matching_requests_target", "matching_requests", ["community_id", "target_id", "status"])
    op.create_index("ix_matching_requests_requester", "matching_requests",
                    ["community_id", "requester_id", "created_at"])
    op.create_table(
        "matching_mentors",
        _community(primary_key=True),
        _member("member_id", primary_key=True),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "matching_mentor_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        _community(),
        _member("mentee_id"),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("goal", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_matching_mentor_requests_status", "matching_mentor_requests", ["community_id", "status"])
    op.create_table(
        "matching_mentorships",
        sa.Column("id", sa.Integer, primary_key=True),
        _community(),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("matching_mentor_requests.id", ondelete="CASCADE"),
                  nullable=False),
        _member("mentor_id"),
        _member("mentee_id"),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("decided_at", UTCDateTime, nullable=True),
        sa.Column("intro_id", sa.Integer, sa.ForeignKey("matching_intros.id", ondelete="SET NULL"), nullable=True),
    )
    op.create_index("ix_matching_mentorships_mentor", "matching_mentorships", ["community_id", "mentor_id", "status"])


def downgrade() -> None:
    for index, table in (
        ("ix_matching_mentorships_mentor", "matching_mentorships"),
        ("ix_matching_mentor_requests_status", "matching_mentor_requests"),
        ("ix_matching_requests_requester", "matching_requests"),
        ("ix_matching_requests_target", "matching_requests"),
        ("ix_matching_intro_members_member", "matching_intro_members"),
        ("ix_matching_intros_checkin", "matching_intros"),
        ("ix_matching_intros_round", "matching_intros"),
        ("ix_matching_rounds_index", "matching_rounds"),
    ):
        op.drop_index(index, table)
    for table in ("matching_mentorships", "matching_mentor_requests", "matching_mentors", "matching_requests",
                  "matching_blocks", "matching_feedback", "matching_round_members", "matching_intro_members",
                  "matching_intros", "matching_rounds", "matching_participants"):
        op.drop_table(table)
