"""Platform tables: slack_installations (one row per workspace that installed Kindred through OAuth) and
slack_oauth_states (install links not yet used).

Revision ID: platform_0002
Revises: platform_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "platform_0002"
down_revision = "platform_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_installations",
        sa.Column("enterprise_id", sa.String(32), nullable=False, server_default=""),
        sa.Column("team_id", sa.String(32), nullable=False, server_default=""),
        sa.Column("is_enterprise_install", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("team_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("enterprise_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("app_id", sa.String(32), nullable=False, server_default=""),
        sa.Column("bot_token", sa.Text, nullable=False),
        sa.Column("bot_id", sa.String(32), nullable=False, server_default=""),
        sa.Column("bot_user_id", sa.String(32), nullable=False, server_default=""),
        sa.Column("bot_scopes", sa.Text, nullable=False, server_default=""),
        sa.Column("bot_refresh_token", sa.Text, nullable=True),
        sa.Column("bot_token_expires_at", UTCDateTime, nullable=True),
        sa.Column("installer_user_id", sa.String(32), nullable=False, server_default=""),
        sa.Column("installed_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("enterprise_id", "team_id", name="pk_slack_installations"),
    )
    op.create_table(
        "slack_oauth_states",
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("state", name="pk_slack_oauth_states"),
    )
    op.create_index("ix_slack_oauth_states_expires", "slack_oauth_states", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_slack_oauth_states_expires", "slack_oauth_states")
    op.drop_table("slack_oauth_states")
    op.drop_table("slack_installations")
