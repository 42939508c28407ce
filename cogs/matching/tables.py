"""Matching tables: who takes part, rounds (unique per community, group and period), intros, feedback,
blocks, intro requests, mentors and mentorships, and what each community's rounds learned from the check-ins.

Exactly-once rests on unique keys: `matching_rounds` (community, group, period) means a round can be claimed
by one process only, even after a restart or with two processes on one PostgreSQL store; each intro row is
claimed pending -> sending by one process before it is sent.
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.schema import metadata
from storage.types import UTCDateTime


def _community() -> sa.Column[int]:
    return sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)


def _member(name: str, *, nullable: bool = False, primary_key: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=nullable,
                     primary_key=primary_key)


matching_participants = sa.Table(
    "matching_participants",
    metadata,
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    _member("member_id", primary_key=True),
    sa.Column("grp", sa.String(40), nullable=False, server_default=""),
    sa.Column("cadence", sa.String(16), nullable=False, server_default="weekly"),
    sa.Column("status", sa.String(16), nullable=False, server_default="active"),
    sa.Column("paused_until", UTCDateTime, nullable=True),
    sa.Column("joined_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

matching_rounds = sa.Table(
    "matching_rounds",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _community(),
    sa.Column("grp", sa.String(40), nullable=False, server_default=""),
    sa.Column("period", sa.String(40), nullable=False),
    sa.Column("round_index", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("claim", sa.String(32), nullable=False, server_default=""),
    sa.Column("scheduled_for", UTCDateTime, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("heartbeat_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Column("members_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("groups_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("score", sa.Float, nullable=False, server_default="0"),
    sa.UniqueConstraint("community_id", "grp", "period", name="uq_matching_rounds_period"),
    sa.Index("uq_matching_rounds_index", "community_id", "grp", "round_index", unique=True),
)

matching_intros = sa.Table(
    "matching_intros",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _community(),
    sa.Column("round_id", sa.Integer, sa.ForeignKey("matching_rounds.id", ondelete="CASCADE"), nullable=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("claim", sa.String(32), nullable=False, server_default=""),
    sa.Column("score", sa.Float, nullable=False, server_default="0"),
    sa.Column("reason", sa.JSON, nullable=False),
    sa.Column("starters", sa.JSON, nullable=False),
    sa.Column("conversation", sa.String(300), nullable=False, server_default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    sa.Column("checkin_due_at", UTCDateTime, nullable=True),
    sa.Column("checkin_sent_at", UTCDateTime, nullable=True),
    # the pair's learning components when it was introduced ({name: value}; round intros only, matching_0003)
    sa.Column("components", sa.JSON, nullable=True),
    sa.Index("ix_matching_intros_round", "round_id", "status"),
    sa.Index("ix_matching_intros_checkin", "checkin_sent_at", "checkin_due_at"),
)

matching_intro_members = sa.Table(
    "matching_intro_members",
    metadata,
    sa.Column("intro_id", sa.Integer, sa.ForeignKey("matching_intros.id", ondelete="CASCADE"), primary_key=True),
    _member("member_id", primary_key=True),
    _community(),
    sa.Index("ix_matching_intro_members_member", "community_id", "member_id"),
)

matching_round_members = sa.Table(
    "matching_round_members",
    metadata,
    sa.Column("round_id", sa.Integer, sa.ForeignKey("matching_rounds.id", ondelete="CASCADE"), primary_key=True),
    _member("member_id", primary_key=True),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(40), nullable=False, server_default=""),
    sa.Column("intro_id", sa.Integer, sa.ForeignKey("matching_intros.id", ondelete="SET NULL"), nullable=True),
)

matching_feedback = sa.Table(
    "matching_feedback",
    metadata,
    sa.Column("intro_id", sa.Integer, sa.ForeignKey("matching_intros.id", ondelete="CASCADE"), primary_key=True),
    _member("member_id", primary_key=True),
    sa.Column("answer", sa.String(16), nullable=False, server_default=""),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("again", sa.Boolean, nullable=True),  # "would you meet again?" (None: not answered or skipped)
    sa.Column("learned_in", sa.Integer, nullable=True),  # the round (id) whose learning step took this answer in
)

matching_learning = sa.Table(
    "matching_learning",
    metadata,
    # one belief per community: what its answered check-ins say predicts a meeting (cogs/matching/learner.py)
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("belief", sa.JSON, nullable=False),
    sa.Column("updated_round", sa.Integer, nullable=False, server_default="0"),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

matching_blocks = sa.Table(
    "matching_blocks",
    metadata,
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    _member("member_id", primary_key=True),
    _member("blocked_id", primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

matching_requests = sa.Table(
    "matching_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _community(),
    _member("requester_id"),
    _member("target_id"),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("decided_at", UTCDateTime, nullable=True),
    sa.Column("intro_id", sa.Integer, sa.ForeignKey("matching_intros.id", ondelete="SET NULL"), nullable=True),
    sa.Index("ix_matching_requests_target", "community_id", "target_id", "status"),
    sa.Index("ix_matching_requests_requester", "community_id", "requester_id", "created_at"),
    # one open request between two people at a time (matching_0002)
    sa.Index("uq_matching_requests_open", "community_id", "requester_id", "target_id", unique=True,
             sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'")),
)

matching_mentors = sa.Table(
    "matching_mentors",
    metadata,
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    _member("member_id", primary_key=True),
    sa.Column("topics", sa.JSON, nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

matching_mentor_requests = sa.Table(
    "matching_mentor_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _community(),
    _member("mentee_id"),
    sa.Column("topics", sa.JSON, nullable=False),
    sa.Column("goal", sa.Text, nullable=False, server_default=""),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_matching_mentor_requests_status", "community_id", "status"),
)

matching_mentorships = sa.Table(
    "matching_mentorships",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _community(),
    sa.Column("request_id", sa.Integer, sa.ForeignKey("matching_mentor_requests.id", ondelete="CASCADE"),
              nullable=False),
    _member("mentor_id"),
    _member("mentee_id"),
    sa.Column("topics", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("decided_at", UTCDateTime, nullable=True),
    sa.Column("intro_id", sa.Integer, sa.ForeignKey("matching_intros.id", ondelete="SET NULL"), nullable=True),
    sa.Index("ix_matching_mentorships_mentor", "community_id", "mentor_id", "status"),
)

# Collaboration's tables (projects, interest, suggestions, project intro requests) live with their feature part.
from cogs.matching.collab.projects_tables import (  # noqa: E402,F401
    collab_interest,
    collab_projects,
    collab_requests,
    collab_suggestions,
)

# Team formation's tables (event sign-ups, formations and their teams), with their feature part too.
from cogs.matching.collab.teams_tables import (  # noqa: E402,F401
    collab_events,
    collab_formations,
    collab_signups,
    collab_teams,
)
