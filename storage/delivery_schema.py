"""The delivery ledger: one row per (community, message key, recipient) of every message Kindred sends on its own.

See core/delivery.py for the protocol. `key` names the logical message (`intro:42`, `greet:17`,
`checkin:42:7`, ...), `recipient` where it goes (`dm:<user id>`, `ch:<channel id>`, `intro` for an intro as a
whole and `conv:<channel id>` for each of its conversations). The unique key makes a claim race-free across
processes sharing PostgreSQL; `marker` is what the message carries so it can be found on the platform again, and
`fingerprints` with `since` how it is recognised where the platform cannot carry the marker (Discord).
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.schema import metadata
from storage.types import UTCDateTime

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.String(120), nullable=False),
    sa.Column("recipient", sa.String(120), nullable=False),
    sa.Column("marker", sa.String(32), nullable=False),
    sa.Column("fingerprints", sa.String(200), nullable=False, server_default=""),  # "fp,fp" (see core.delivery)
    sa.Column("since", UTCDateTime, nullable=True),  # when the first attempt not proven absent began
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False, server_default=""),
    sa.Column("claim", sa.String(40), nullable=False, server_default=""),
    sa.Column("claimed_at", UTCDateTime, nullable=True),
    sa.Column("audience", sa.String(2000), nullable=False, server_default=""),  # ",id,id," (searchable)
    sa.Column("channel_id", sa.String(300), nullable=False, server_default=""),
    sa.Column("message_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("detail", sa.String(200), nullable=False, server_default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("community_id", "key", "recipient", name="uq_deliveries_key"),
    sa.Index("ix_deliveries_state", "state", "updated_at"),
)
