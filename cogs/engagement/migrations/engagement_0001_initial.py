"""Engagement: event log, batch markers, persons and account links, link codes, opt-outs, CRM records, daily roll-ups.

Revision ID: engagement_0001
Revises:
Depends on: core_0001 (members)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "engagement_0001"
down_revision = None
branch_labels = ("engagement",)
depends_on = "core_0001"

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "engagement_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("member_id", sa.Integer, nullable=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("target_id", sa.Integer, nullable=True),
        sa.Column("value", sa.Integer, nullable=False, server_default="0"),
        sa.Column("label", sa.String(64), nullable=True),
        sa.Column("meta", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("dedupe", sa.String(120), nullable=True),
    )
    op.create_index("ix_engagement_events_community_at", "engagement_events", ["community_id", "at"])
    op.create_index(
        "uq_engagement_events_dedupe",
        "engagement_events",
        ["community_id", "dedupe"],
        unique=True,
        sqlite_where=sa.text("dedupe IS NOT NULL"),
        postgresql_where=sa.text("dedupe IS NOT NULL"),
    )
    op.create_table(
        "engagement_persons",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "engagement_person_accounts",
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(
            "person_id", sa.Integer, sa.ForeignKey("engagement_persons.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("linked_at", UTCDateTime, nullable=False),
        sa.Column("via", sa.String(16), nullable=False, server_default="code"),
    )
    op.create_index("ix_engagement_person_accounts_person", "engagement_person_accounts", ["person_id"])
    op.create_table(
        "engagement_link_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_engagement_link_codes_member", "engagement_link_codes", ["member_id"])
    op.create_table(
        "engagement_link_rejections",
        sa.Column("member_a", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("member_b", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "engagement_optouts",
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_engagement_optouts_community", "engagement_optouts", ["community_id"])
    op.create_table(
        "engagement_crm_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key_kind", sa.String(16), nullable=False),
        sa.Column("key_value", sa.String(320), nullable=False),
        sa.Column("attributes", sa.JSON, nullable=False),
        sa.Column("imported_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("key_kind", "key_value", name="uq_engagement_crm_records_key"),
    )
    op.create_table(
        "engagement_daily",
        sa.Column("community_id", sa.Integer, primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("kind", sa.String(24), primary_key=True),
        sa.Column("events", sa.Integer, nullable=False, server_default="0"),
        sa.Column("people", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "engagement_batches",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("engagement_batches")
    op.drop_table("engagement_daily")
    op.drop_table("engagement_crm_records")
    op.drop_index("ix_engagement_optouts_community", "engagement_optouts")
    op.drop_table("engagement_optouts")
    op.drop_table("engagement_link_rejections")
    op.drop_index("ix_engagement_link_codes_member", "engagement_link_codes")
    op.drop_table("engagement_link_codes")
    op.drop_index("ix_engagement_person_accounts_person", "engagement_person_accounts")
    op.drop_table("engagement_person_accounts")
    op.drop_table("engagement_persons")
    op.drop_index("uq_engagement_events_dedupe", "engagement_events")
    op.drop_index("ix_engagement_events_community_at", "engagement_events")
    op.drop_table("engagement_events")
