"""Learning what works in each community: outcomes and the belief learned from them.

An intro keeps its pair's learning components as they were when the people were introduced (`components`), a
check-in answer gains "would you meet again?" (`again`) and the round whose learning step took it in
(`learned_in`), and `matching_learning` holds each community's belief with the round that last updated it and a
version that makes every change a compare-and-set (a round's step and a rebuild after /privacy forget never
overwrite each other).

Revision ID: matching_0003
Revises: matching_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "matching_0003"
down_revision = "matching_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("matching_intros", sa.Column("components", sa.JSON, nullable=True))
    op.add_column("matching_feedback", sa.Column("again", sa.Boolean, nullable=True))
    op.add_column("matching_feedback", sa.Column("learned_in", sa.Integer, nullable=True))
    op.create_table(
        "matching_learning",
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("belief", sa.JSON, nullable=False),
        sa.Column("updated_round", sa.Integer, nullable=False, server_default="0"),
        sa.Column("version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("matching_learning")
    with op.batch_alter_table("matching_feedback") as batch:
        batch.drop_column("learned_in")
        batch.drop_column("again")
    with op.batch_alter_table("matching_intros") as batch:
        batch.drop_column("components")
