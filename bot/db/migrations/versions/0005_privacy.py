"""Personal data as the law asks: consents to the privacy notice, ARCO requests, the privacy audit trail,
and when a contact's personal data was erased.

Revision ID: 0005
Revises: 0004
Created: 2026-11-30

New tables are created when missing and the contact's nullable `anonymised_at` is added when missing, so a
database whose models already made them keeps them (as 0003 and 0004 do). SCHEMA is frozen here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SCHEMA = sa.MetaData()


def _text(name: str, **kw) -> sa.Column:
    return sa.Column(name, sa.String(), nullable=False, **kw)


def _moment(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


sa.Table("contact", SCHEMA, sa.Column("id", sa.Integer(), primary_key=True))  # for the foreign keys only
sa.Table("consent", SCHEMA, sa.Column("id", sa.Integer(), primary_key=True),
         sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contact.id"), nullable=False),
         _text("notice_version"), sa.Column("accepted", sa.Boolean(), nullable=False), _text("channel"),
         _moment("created_at"), sa.Index("ix_consent_contact_id_created_at", "contact_id", "created_at"))
sa.Table("privacyrequest", SCHEMA, sa.Column("id", sa.Integer(), primary_key=True),
         _text("folio", unique=True, index=True),
         sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contact.id"), nullable=False, index=True),
         _text("right"), _text("detail"), _text("channel"), _text("lang"), _text("status"),
         sa.Column("due_on", sa.Date(), nullable=False), sa.Column("extended", sa.Boolean(), nullable=False),
         _text("response"), _moment("created_at"), _moment("closed_at", nullable=True),
         sa.Index("ix_privacyrequest_status_due_on", "status", "due_on"))
sa.Table("privacyevent", SCHEMA, sa.Column("id", sa.Integer(), primary_key=True),
         sa.Column("request_id", sa.Integer(), sa.ForeignKey("privacyrequest.id"), nullable=True, index=True),
         sa.Column("contact_id", sa.Integer(), nullable=True, index=True), _text("kind"), _text("actor"),
         sa.Column("detail", sa.JSON(), nullable=False), _moment("created_at"),
         sa.Index("ix_privacyevent_kind_created_at", "kind", "created_at"))
NEW_TABLES = ("consent", "privacyrequest", "privacyevent")


def upgrade() -> None:
    bind = op.get_bind()
    SCHEMA.create_all(bind, tables=[SCHEMA.tables[name] for name in NEW_TABLES], checkfirst=True)
    present = {column["name"] for column in sa.inspect(bind).get_columns("contact")}
    if "anonymised_at" not in present:
        with op.batch_alter_table("contact") as batch:
            batch.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contact") as batch:
        batch.drop_column("anonymised_at")
    SCHEMA.drop_all(op.get_bind(), tables=[SCHEMA.tables[name] for name in reversed(NEW_TABLES)], checkfirst=True)
