"""Tables of the config feature: the audit trail of settings changes, and /setup drafts awaiting confirmation.

The overrides themselves live in the core table `settings_overrides` (see storage/overrides.py); these tables only
record who changed what, and hold a guided setup between its summary and its confirmation, so the confirmation
button keeps working after a restart.
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.schema import metadata
from storage.types import UTCDateTime

config_audit = sa.Table(
    "config_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.String(100), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),  # set, reset, import, setup
    sa.Column("old_value", sa.JSON(none_as_null=True), nullable=True),
    sa.Column("new_value", sa.JSON(none_as_null=True), nullable=True),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="SET NULL"), nullable=True),
    sa.Column("who", sa.String(200), nullable=False, server_default=""),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_config_audit_community_key", "community_id", "key", "id"),
    sa.Index("ix_config_audit_member", "member_id"),
)

config_drafts = sa.Table(
    "config_drafts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="SET NULL"), nullable=True),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_config_drafts_community", "community_id", "id"),
    sqlite_autoincrement=True,  # never reuse an id: an old "Switch on" button must not apply a newer draft
)
