"""The tickets' text index: FTS5 trigram on SQLite, pg_trgm's GIN index on PostgreSQL (bot/db/text_search.py).

Revision ID: 0007
Revises: 0006
Created: 2026-11-30

The index is made where missing, so a database whose models already made it keeps it, and the tickets
already stored are indexed (SQLite: an FTS5 'rebuild'; PostgreSQL: creating the index reads them). On
PostgreSQL the migration creates pg_trgm when the user may (a trusted extension: CREATE on the database is
enough from PostgreSQL 13); when it may not, the migration logs what a superuser runs and goes on: search
then works without the index. The statements are the app's own (as 0002 fills search_text with the app's
function): the index the models make and the one the migration makes cannot drift apart.
"""

from __future__ import annotations

from alembic import op

from bot.db import text_search

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text_search.ensure(op.get_bind(), rebuild=True)


def downgrade() -> None:
    text_search.drop(op.get_bind())
