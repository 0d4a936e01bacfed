"""Where a ticket was placed: its colonia, zone, how it was placed and how surely, the place's note; queue indexes.

Revision ID: 0004
Revises: 0003
Created: 2026-11-30

Nullable columns only: tickets stored before keep NULL (their location was never read against the
city's map). Each step skips what is already there, as 0002's do: a database adopted by bot.db.migrate
is stamped 0002 whatever its models already made.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = (
    ("colonia", sa.String),
    ("zone", sa.String),
    ("geo_method", sa.String),
    ("geo_confidence", sa.Float),
    ("place_note", sa.String),
)
INDEXES = {
    "ix_ticket_department_colonia_created_at_id": ["department", "colonia", "created_at", "id"],
    "ix_ticket_department_zone_created_at_id": ["department", "zone", "created_at", "id"],
}


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    present = {column["name"] for column in inspector.get_columns("ticket")}
    indexes = {index["name"] for index in inspector.get_indexes("ticket")}
    with op.batch_alter_table("ticket") as batch:
        for name, kind in COLUMNS:
            if name not in present:
                batch.add_column(sa.Column(name, kind(), nullable=True))
    with op.batch_alter_table("ticket") as batch:
        for name, columns in INDEXES.items():
            if name not in indexes:
                batch.create_index(name, columns)


def downgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        for name in INDEXES:
            batch.drop_index(name)
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
