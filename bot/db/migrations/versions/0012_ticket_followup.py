"""The city's follow-up on resolved tickets: whether each resolution really fixed it and how satisfied the resident is.

Revision ID: 0012
Revises: 0011
Created: 2026-12-01

The table is created when missing (a database whose models already made it keeps it, as 0003 to 0008 do), with
the covering index the overview's satisfaction per department reads. SCHEMA is frozen here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

SCHEMA = sa.MetaData()


def _text(name: str) -> sa.Column:
    return sa.Column(name, sa.String(), nullable=False)


sa.Table("contact", SCHEMA, sa.Column("id", sa.Integer(), primary_key=True))  # for the foreign keys only
sa.Table("ticket", SCHEMA, sa.Column("id", sa.Integer(), primary_key=True))
sa.Table(
    "ticketfollowup",
    SCHEMA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("ticket.id"), nullable=False, index=True),
    sa.Column("resolution_id", sa.Integer(), nullable=False, unique=True),
    sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contact.id"), nullable=False, index=True),
    _text("department"),
    _text("status"),
    _text("reason"),
    sa.Column("message_id", sa.Integer(), nullable=True),
    sa.Column("fixed", sa.Boolean(), nullable=True),
    sa.Column("rating", sa.Integer(), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_ticketfollowup_answered_at_department", "answered_at", "department", "fixed", "rating"),
)


def upgrade() -> None:
    SCHEMA.create_all(op.get_bind(), tables=[SCHEMA.tables["ticketfollowup"]], checkfirst=True)


def downgrade() -> None:
    SCHEMA.drop_all(op.get_bind(), tables=[SCHEMA.tables["ticketfollowup"]], checkfirst=True)
