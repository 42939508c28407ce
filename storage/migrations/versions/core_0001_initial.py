"""Core tables: communities, members, profiles, profile facets, settings overrides.

Revision ID: core_0001
Revises:
Feature branches (matching, engagement, welcome, config, ..., each in cogs/<feature>/migrations/) start with
`down_revision = None`, their own `branch_labels` and `depends_on = "core_0001"`, so they never conflict with each
other.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "core_0001"
down_revision = None
branch_labels = ("core",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "communities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("platform", "external_id", name="uq_communities_platform_external"),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("username", sa.String(200), nullable=False, server_default=""),
        sa.Column("is_bot", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("is_staff", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("joined_at", UTCDateTime, nullable=True),
        sa.Column("left_at", UTCDateTime, nullable=True),
        sa.Column("first_seen_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("community_id", "user_id", name="uq_members_community_user"),
    )
    op.create_table(
        "profiles",
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "profile_facets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.Column("field", sa.String(40), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_profile_facets_lookup", "profile_facets", ["community_id", "field", "value"])
    op.create_index("ix_profile_facets_member", "profile_facets", ["member_id"])
    op.create_table(
        "settings_overrides",
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False, server_default=""),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("settings_overrides")
    op.drop_index("ix_profile_facets_member", "profile_facets")
    op.drop_index("ix_profile_facets_lookup", "profile_facets")
    op.drop_table("profile_facets")
    op.drop_table("profiles")
    op.drop_table("members")
    op.drop_table("communities")
