"""Race-free keys: a round number is unique within its community and group, and a member has at most one open
intro request to the same person.

Both were checked by reading before writing, which two processes on one PostgreSQL store (or two presses of a
button at the same moment) could both pass. Existing rows are brought in line first: rounds are numbered again
in the order they were claimed (the numbering they were meant to have), and of several open requests between the
same two people all but the newest are marked expired (the newest is the one whose buttons the target saw last,
and the only one that can still be within the answer window; the cog only allowed a new request once the
older one had expired).

Revision ID: matching_0002
Revises: matching_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "matching_0002"
down_revision = "matching_0001"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.drop_index("ix_matching_rounds_index", "matching_rounds")
    op.execute(
        "UPDATE matching_rounds SET round_index = (SELECT COUNT(*) FROM matching_rounds AS earlier "
        "WHERE earlier.community_id = matching_rounds.community_id AND earlier.grp = matching_rounds.grp "
        "AND earlier.id <= matching_rounds.id)")
    op.create_index("uq_matching_rounds_index", "matching_rounds", ["community_id", "grp", "round_index"],
                    unique=True)
    op.execute(
        "UPDATE matching_requests SET status = 'expired' WHERE status = 'open' AND id NOT IN ("
        "SELECT newest_id FROM (SELECT MAX(id) AS newest_id FROM matching_requests WHERE status = 'open' "
        "GROUP BY community_id, requester_id, target_id) AS newest)")
    op.create_index("uq_matching_requests_open", "matching_requests", ["community_id", "requester_id", "target_id"],
                    unique=True, sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade() -> None:
    op.drop_index("uq_matching_requests_open", "matching_requests")
    op.drop_index("uq_matching_rounds_index", "matching_rounds")
    op.create_index("ix_matching_rounds_index", "matching_rounds", ["community_id", "grp", "round_index"])
