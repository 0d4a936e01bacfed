"""Open311's API keys, and the indexes its public list of requests reads by service and status.

Revision ID: 0011
Revises: 0010
Created: 2026-12-01

Applications that file service requests through `/open311/v2/requests` (POST) hold a key an admin issued
(`ventanilla apikeys add`); `apikey` keeps its SHA-256 only. The public list reads newest first by service
(a flow) and by service and status, each from an index in its order, so a page of 50 reads 50 index entries
per service and status asked however many tickets the city has.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_ticket_flow_created_at_id": ["flow", "created_at", "id"],
    "ix_ticket_flow_status_created_at_id": ["flow", "status", "created_at", "id"],
}


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    if "apikey" not in set(inspector.get_table_names()):
        op.create_table(
            "apikey",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(), nullable=False),
            sa.Column("key_hash", sa.String(), nullable=False),
            sa.Column("prefix", sa.String(), nullable=False),
            sa.Column("created_by", sa.String(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_apikey_key_hash", "apikey", ["key_hash"], unique=True)
    existing = {index["name"] for index in inspector.get_indexes("ticket")}
    for name, columns in INDEXES.items():
        if name not in existing:
            op.create_index(name, "ticket", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="ticket")
    op.drop_index("ix_apikey_key_hash", table_name="apikey")
    op.drop_table("apikey")
