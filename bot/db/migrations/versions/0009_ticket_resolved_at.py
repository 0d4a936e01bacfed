"""ticket.resolved_at (first resolution, kept by a trigger on the audit trail) and the overview and operators indexes.

Revision ID: 0009
Revises: 0008
Created: 2026-11-30

The overview's median time to resolve read every resolution event of its window (JSON, tens of thousands on a
large city) per request; it now reads this column through its index. Its counts per category, week and channel read a
covering index on created_at instead of every ticket row of the window; the operators page's overdue tickets per
department one on (department, status, due_at). The column and index are added when missing
(a database whose models already made them keeps them, as 0003 to 0008 do), the trigger installed
(bot/db/first_resolution.py), then the column filled from the audit trail a batch of tickets at a time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db import first_resolution

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEXES = {  # the overview's: first resolutions, and tickets created per category, week and channel
    "ix_ticket_resolved_at": ["resolved_at", "department", "category", "created_at"],
    "ix_ticket_created_at_department_category_channel": ["created_at", "department", "category", "channel"],
    "ix_ticket_department_status_due_at": ["department", "status", "due_at"],  # overdue per department
}


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if "resolved_at" not in {column["name"] for column in inspector.get_columns("ticket")}:
        with op.batch_alter_table("ticket") as batch:
            batch.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
    first_resolution.install(op.get_bind())
    first_resolution.backfill(op.get_bind(), first_resolution.BACKFILL_BATCH)
    present = {index["name"] for index in sa.inspect(op.get_bind()).get_indexes("ticket")}
    for name, columns in INDEXES.items():
        if name not in present:
            op.create_index(name, "ticket", columns)


def downgrade() -> None:
    first_resolution.uninstall(op.get_bind())
    for name in INDEXES:
        op.drop_index(name, table_name="ticket")
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("resolved_at")
