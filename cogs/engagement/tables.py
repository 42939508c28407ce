"""Engagement tables: the event log, people across platforms, opt-outs, CRM attributes and daily roll-ups.

The event log is append-heavy, so it carries as few indexes as queries need: one on (community, time) for every
time-window question, and a partial unique index on `dedupe` that only rows with an exactly-once key enter. It has
no foreign keys on purpose: a batch must never fail because a member was erased a moment earlier, and erasure
anonymises the rows explicitly (see cogs/engagement/store/events.py `anonymise`).
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

EVENT_COLUMNS: tuple[str, ...] = tuple(c.name for c in engagement_events.columns if c.name != "id")
"""The row every event becomes, in this order (the recorder builds it, the writers insert it): the table's columns
but its key. This is the one list; the writer process gets it on its command line."""

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

# Linked groups: communities whose moderators agreed to count people across them (engagement_0002). A community
# is in at most one group; nothing is suggested, linked or counted across communities that are not in one group.
engagement_groups = sa.Table(
    "engagement_groups",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

engagement_group_communities = sa.Table(
    "engagement_group_communities",
    metadata,
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("group_id", sa.Integer, sa.ForeignKey("engagement_groups.id", ondelete="CASCADE"), nullable=False),
    sa.Column("joined_at", UTCDateTime, nullable=False),
    sa.Column("member_id", sa.Integer, nullable=True),  # the moderator who joined it; NULL once forgotten
    sa.Index("ix_engagement_group_communities_group", "group_id"),
)

# One pending code per community: made by `/link communities start`, used once by a moderator elsewhere.
engagement_group_codes = sa.Table(
    "engagement_group_codes",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("member_id", sa.Integer, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Index("ix_engagement_group_codes_community", "community_id"),
)

# Who joined, left or dissolved a group, and when (kept when a group is gone; the actor is blanked on erasure).
engagement_group_log = sa.Table(
    "engagement_group_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("group_id", sa.Integer, nullable=False),
    sa.Column("community_id", sa.Integer, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),  # joined, left
    sa.Column("member_id", sa.Integer, nullable=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_engagement_group_log_community", "community_id"),
)

# A moderator's "same person": both account owners must confirm before anything is linked.
engagement_link_requests = sa.Table(
    "engagement_link_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("member_a", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("member_b", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("community_id", sa.Integer, nullable=False),  # where the moderator asked
    sa.Column("requested_by", sa.Integer, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),  # open, linked, declined, expired, cancelled
    sa.Column("a_confirmed_at", UTCDateTime, nullable=True),
    sa.Column("b_confirmed_at", UTCDateTime, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Index(
        "uq_engagement_link_requests_open",
        "member_a",
        "member_b",
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    ),
    sa.Index("ix_engagement_link_requests_member_b", "member_b"),
)
