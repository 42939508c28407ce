"""Engagement: linked groups of communities, their one-time codes and audit log, and link requests that both
account owners confirm.

Before this revision a moderator's "same person" linked two accounts on its own, and communities were treated as
joined as soon as one person had linked accounts in both. Links a moderator made alone were never agreed to by
the people they name, so they are undone here (persons left with one account are dissolved). Links the people
made themselves (`/link start` + `/link confirm`) are kept; they count only once a moderator of each community
has joined the communities into one linked group. A downgrade drops the new tables; the undone links stay undone.

Revision ID: engagement_0002
Revises: engagement_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "engagement_0002"
down_revision = "engagement_0001"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_table(
        "engagement_groups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "engagement_group_communities",
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("group_id", sa.Integer, sa.ForeignKey("engagement_groups.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("joined_at", UTCDateTime, nullable=False),
        sa.Column("member_id", sa.Integer, nullable=True),
    )
    op.create_index("ix_engagement_group_communities_group", "engagement_group_communities", ["group_id"])
    op.create_table(
        "engagement_group_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("member_id", sa.Integer, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_engagement_group_codes_community", "engagement_group_codes", ["community_id"])
    op.create_table(
        "engagement_group_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("group_id", sa.Integer, nullable=False),
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("member_id", sa.Integer, nullable=True),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_engagement_group_log_community", "engagement_group_log", ["community_id"])
    op.create_table(
        "engagement_link_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("member_a", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.Column("member_b", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("requested_by", sa.Integer, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("a_confirmed_at", UTCDateTime, nullable=True),
        sa.Column("b_confirmed_at", UTCDateTime, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )
    op.create_index("uq_engagement_link_requests_open", "engagement_link_requests", ["member_a", "member_b"],
                    unique=True, sqlite_where=OPEN, postgresql_where=OPEN)
    op.create_index("ix_engagement_link_requests_member_b", "engagement_link_requests", ["member_b"])
    # Links made by a moderator alone go; so do persons that are left with a single account.
    op.execute("DELETE FROM engagement_person_accounts WHERE via = 'moderator'")
    op.execute("DELETE FROM engagement_person_accounts WHERE person_id IN (SELECT person_id FROM "
               "engagement_person_accounts GROUP BY person_id HAVING COUNT(*) < 2)")
    op.execute("DELETE FROM engagement_persons WHERE id NOT IN (SELECT person_id FROM engagement_person_accounts)")


def downgrade() -> None:
    op.drop_index("ix_engagement_link_requests_member_b", "engagement_link_requests")
    op.drop_index("uq_engagement_link_requests_open", "engagement_link_requests")
    op.drop_table("engagement_link_requests")
    op.drop_index("ix_engagement_group_log_community", "engagement_group_log")
    op.drop_table("engagement_group_log")
    op.drop_index("ix_engagement_group_codes_community", "engagement_group_codes")
    op.drop_table("engagement_group_codes")
    op.drop_index("ix_engagement_group_communities_group", "engagement_group_communities")
    op.drop_table("engagement_group_communities")
    op.drop_table("engagement_groups")
