"""Platform plumbing tables: `seen_events`, the deliveries of platform events already taken in.

A platform that redelivers an event (Slack retries an Events API delivery it thinks was not acknowledged in
time) sends the same event id again, possibly to another process behind the load balancer or to this one after
a restart. The primary key (platform, community's external id, event id) lets exactly one insert win: that
process handles the event, every other delivery finds the row and drops it. Rows are only needed while a
redelivery can still come, so they are purged after `storage.seen_events.SEEN_EVENT_TTL`.
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.schema import metadata
from storage.types import UTCDateTime

EVENT_ID_LENGTH = 128
"""Longest event id stored as it is; longer ids are stored as a digest (see storage.seen_events.event_key)."""

seen_events = sa.Table(
    "seen_events",
    metadata,
    sa.Column("platform", sa.String(16), primary_key=True),
    sa.Column("community", sa.String(64), primary_key=True),
    sa.Column("event_id", sa.String(EVENT_ID_LENGTH), primary_key=True),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Index("ix_seen_events_received", "received_at"),
    sqlite_with_rowid=False,  # the key is the table (one b-tree less per insert on SQLite)
)
