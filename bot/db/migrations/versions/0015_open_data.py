"""The published open data's files (/datos/): aggregates the publication job stores and the public page serves.

Revision ID: 0015
Revises: 0013
Created: 2026-12-01

The table is created when missing (a database whose models already made it keeps it, as 0003 to 0010 do). It
starts empty: the first publication (the relay's schedule, or `ventanilla datos publish`) fills it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "opendatafile" in set(sa.inspect(op.get_bind()).get_table_names()):
        return
    op.create_table(
        "opendatafile",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("media_type", sa.String(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("quotes_residents", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("opendatafile")
