"""Learning from "would you meet again?": a check-in answer keeps the "again" it had when a learning step took it
in (`learned_again`), so that a member who changes it later changes neither that step nor a rebuild of the belief
after /privacy forget (an answer is learned once, with the value it had then).

Revision ID: matching_0004
Revises: matching_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "matching_0004"
down_revision = "matching_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("matching_feedback", sa.Column("learned_again", sa.Boolean, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("matching_feedback") as batch:
        batch.drop_column("learned_again")
