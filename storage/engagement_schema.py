"""Engagement tables: the event log, people across platforms, opt-outs, CRM attributes and daily roll-ups.

The event log is append-heavy, so it carries as few indexes as queries need: one on (community, time) for every
time-window question, and a partial unique index on `dedupe` that only rows with an exactly-once key enter. It has
no foreign keys on purpose: a batch must never fail because a member was erased a moment earlier, and erasure
anonymises the rows explicitly (see storage/engagement.py `anonymise`).
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.schema import metadata
from storage.types import UTCDateTime

# SQLite only makes INTEGER PRIMARY KEY an auto-incrementing rowid alias; PostgreSQL gets a 64-bit key.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

engagement_events = sa.Table(
    "engagement_events",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("community_id", sa.Integer, nullable=False),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("member_id", sa.Integer, nullable=True),  # NULL once the member was forgotten
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("channel", sa.String(64), nullable=True),
    sa.Column("target_id", sa.Integer, nullable=True),  # the other member: thanked, reacted to, matched with
    sa.Column("value", sa.Integer, nullable=False, server_default="0"),  # length, yes/no, round number
    sa.Column("label", sa.String(64), nullable=True),  # emoji, command name, match kind, ...
    sa.Column("meta", sa.JSON(none_as_null=True), nullable=True),
    sa.Column("text", sa.Text, nullable=True),  # only when engagement.store_message_text is on
    sa.Column("dedupe", sa.String(120), nullable=True),
    sa.Index("ix_engagement_events_community_at", "community_id", "at"),
    sa.Index(
        "uq_engagement_events_dedupe",
        "community_id",
        "dedupe",
        unique=True,
        sqlite_where=sa.text("dedupe IS NOT NULL"),
        postgresql_where=sa.text("dedupe IS NOT NULL"),
    ),
)

engagement_persons = sa.Table(
    "engagement_persons",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

engagement_person_accounts = sa.Table(
    "engagement_person_accounts",
    metadata,
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "person_id", sa.Integer, sa.ForeignKey("engagement_persons.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("linked_at", UTCDateTime, nullable=False),
    sa.Column("via", sa.String(16), nullable=False, server_default="code"),
    sa.Index("ix_engagement_person_accounts_person", "person_id"),
)

engagement_link_codes = sa.Table(
    "engagement_link_codes",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("community_id", sa.Integer, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Index("ix_engagement_link_codes_member", "member_id"),
)

engagement_link_rejections = sa.Table(
    "engagement_link_rejections",
    metadata,
    sa.Column("member_a", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("member_b", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
)

engagement_optouts = sa.Table(
    "engagement_optouts",
    metadata,
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("community_id", sa.Integer, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_engagement_optouts_community", "community_id"),
)

engagement_crm_records = sa.Table(
    "engagement_crm_records",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key_kind", sa.String(16), nullable=False),
    sa.Column("key_value", sa.String(320), nullable=False),
    sa.Column("attributes", sa.JSON, nullable=False),
    sa.Column("imported_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("key_kind", "key_value", name="uq_engagement_crm_records_key"),
)

engagement_daily = sa.Table(
    "engagement_daily",
    metadata,
    sa.Column("community_id", sa.Integer, primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),  # YYYY-MM-DD (UTC)
    sa.Column("kind", sa.String(24), primary_key=True),  # an event kind, or "_active" for active people
    sa.Column("events", sa.Integer, nullable=False, server_default="0"),
    sa.Column("people", sa.Integer, nullable=False, server_default="0"),
)

# One row per written batch, inserted in the batch's own transaction: a batch whose commit was acknowledged too
# late (the connection died after COMMIT) is recognised on retry instead of being written twice.
engagement_batches = sa.Table(
    "engagement_batches",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
)
