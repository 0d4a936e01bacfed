"""The language an operator reads the dashboard in: es (the default) or en.

Revision ID: 0006
Revises: 0005
Created: 2026-11-30

The column is added when missing, so a database whose models already made it keeps it (as 0003 to 0005 do).
Every existing operator reads Spanish from now on, as a new one does; each can switch to English.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("operator")}
    if "language" not in present:
        with op.batch_alter_table("operator") as batch:
            batch.add_column(sa.Column("language", sa.String(), nullable=False, server_default="es"))


def downgrade() -> None:
    with op.batch_alter_table("operator") as batch:
        batch.drop_column("language")
