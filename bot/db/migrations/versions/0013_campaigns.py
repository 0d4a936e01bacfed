"""Survey campaigns: residents who asked for survey invitations, campaigns, each resident's invitation, and the
campaigns' audit trail (electoral blackouts included).

Revision ID: 0013
Revises: 0012
Created: 2026-11-30

New tables are created when missing and the contact's nullable `surveys_opted_in_at` is added when missing, so a
database whose models already made them keeps them (as 0003 to 0006 do). Nobody is opted in to surveys by this
migration: residents ask for it themselves. SCHEMA is frozen here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

SCHEMA = sa.MetaData()


def _text(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(), nullable=nullable)


def _moment(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


sa.Table("contact", SCHEMA, sa.Column("id", sa.Integer(), primary_key=True))  # for the foreign keys only
sa.Table("message", SCHEMA, sa.Column("id", sa.Integer(), primary_key=True))
sa.Table("campaign", SCHEMA, sa.Column("id", sa.Integer(), primary_key=True),
         _text("name"), _text("flow"), _text("template"), _text("colonia", True), _text("category", True),
         _text("exempt", True), _text("status"), _text("created_by"), _moment("created_at"),
         _moment("started_at", True))
sa.Table("campaignsend", SCHEMA, sa.Column("id", sa.Integer(), primary_key=True),
         sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaign.id"), nullable=False),
         sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contact.id"), nullable=False),
         _text("status"), _text("reason"), _moment("due_at"),
         sa.Column("message_id", sa.Integer(), sa.ForeignKey("message.id"), nullable=True),
         _moment("sent_at", True), _moment("answered_at", True), sa.Column("accepted", sa.Boolean(), nullable=True),
         _moment("finished_at", True),
         sa.UniqueConstraint("campaign_id", "contact_id"),
         sa.Index("ix_campaignsend_campaign_id_status", "campaign_id", "status"),
         sa.Index("ix_campaignsend_contact_id_sent_at", "contact_id", "sent_at"))
sa.Table("campaignevent", SCHEMA, sa.Column("id", sa.Integer(), primary_key=True),
         sa.Column("campaign_id", sa.Integer(), nullable=True), _text("kind"), _text("actor"),
         sa.Column("detail", sa.JSON(), nullable=False), _moment("created_at"),
         sa.Index("ix_campaignevent_campaign_id_created_at", "campaign_id", "created_at"))
NEW_TABLES = ("campaign", "campaignsend", "campaignevent")


def upgrade() -> None:
    bind = op.get_bind()
    SCHEMA.create_all(bind, tables=[SCHEMA.tables[name] for name in NEW_TABLES], checkfirst=True)
    present = {column["name"] for column in sa.inspect(bind).get_columns("contact")}
    if "surveys_opted_in_at" not in present:
        with op.batch_alter_table("contact") as batch:
            batch.add_column(sa.Column("surveys_opted_in_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contact") as batch:
        batch.drop_column("surveys_opted_in_at")
    SCHEMA.drop_all(op.get_bind(), tables=[SCHEMA.tables[name] for name in reversed(NEW_TABLES)], checkfirst=True)
