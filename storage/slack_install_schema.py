"""Tables of a Slack app installed by many workspaces (OAuth): who installed it, with which token, and the
install links handed out but not yet used.

`slack_installations` has one row per workspace (or Enterprise Grid organisation) that installed Kindred: its
bot token, with the refresh token and expiry when the app rotates tokens. The tokens are credentials: the store
holds them as a Slack app's own database would, and they never reach a log line. When a workspace uninstalls
the app (or revokes its tokens) its row is deleted; the community and its data stay, and follow
`engagement.retention_days` like any other.

`slack_oauth_states` holds the `state` of each install link until the installer comes back: consumed once (the
delete is the check), so a replayed callback finds nothing, and past `expires_at` it is refused.
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.schema import metadata
from storage.types import UTCDateTime

slack_installations = sa.Table(
    "slack_installations",
    metadata,
    sa.Column("enterprise_id", sa.String(32), primary_key=True, server_default=""),
    sa.Column("team_id", sa.String(32), primary_key=True, server_default=""),
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
)

slack_oauth_states = sa.Table(
    "slack_oauth_states",
    metadata,
    sa.Column("state", sa.String(64), primary_key=True),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Index("ix_slack_oauth_states_expires", "expires_at"),
)
