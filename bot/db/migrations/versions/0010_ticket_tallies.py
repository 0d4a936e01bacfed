"""Tickets created per UTC hour and day (kept by triggers) for the overview, and the map's index of open tickets.

Revision ID: 0010
Revises: 0009
Created: 2026-11-30

The overview's counts per category, city week and channel read every ticket of its twelve weeks per request;
they now sum TicketTally rows, which triggers on ticket keep (bot/db/ticket_tallies.py). The table is created
when missing (a database whose models already made it has its triggers and counts), the triggers installed,
then every ticket counted. The map's newest open tickets read a partial index of the open ones in their order.
The tickets' text is indexed again by department (bot/db/text_search.py: SQLite FTS5 by rowid ranges,
PostgreSQL GIN over btree_gin's department and pg_trgm's trigrams), so a word common in other departments and
rare in the operator's is found among the operator's tickets alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db import text_search, ticket_tallies
from bot.db.tables import OPEN_TICKET

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

OPEN_INDEX = "ix_ticket_open_created_at_id"


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    if "tickettally" not in set(inspector.get_table_names()):
        op.create_table(
            "tickettally",
            sa.Column("grain", sa.String(), nullable=False),
            sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
            sa.Column("department", sa.String(), nullable=False),
            sa.Column("category", sa.String(), nullable=False),
            sa.Column("channel", sa.String(), nullable=False),
            sa.Column("created", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("grain", "bucket", "department", "category", "channel"),
        )
        ticket_tallies.install(bind)
        ticket_tallies.backfill(bind)
    else:
        ticket_tallies.install(bind)
    if OPEN_INDEX not in {index["name"] for index in inspector.get_indexes("ticket")}:
        op.create_index(
            OPEN_INDEX,
            "ticket",
            ["created_at", "id"],
            sqlite_where=sa.text(OPEN_TICKET),
            postgresql_where=sa.text(OPEN_TICKET),
        )
    if bind.dialect.name != "sqlite" or "ticket_search_scoped" not in set(inspector.get_table_names()):
        text_search.ensure_scoped(bind, fill=True)  # the text index by department


def downgrade() -> None:
    text_search.drop_scoped(op.get_bind())
    op.drop_index(OPEN_INDEX, table_name="ticket")
    ticket_tallies.uninstall(op.get_bind())
    op.drop_table("tickettally")
