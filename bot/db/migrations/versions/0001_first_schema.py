"""The schema as the first migration makes it: every table, the ticket without what 0002 adds.

Revision ID: 0001
Revises:
Created: 2026-12-01

SCHEMA is frozen here (it never follows the models) so that bot.db.migrate can also create the tables
a database made before migrations lacks, in this revision's shape, before stamping it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = sa.MetaData()
MOMENT = sa.DateTime(timezone=True)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _created_at(**kw) -> sa.Column:
    return sa.Column("created_at", MOMENT, nullable=False, **kw)


def _text(name: str, **kw) -> sa.Column:
    return sa.Column(name, sa.String(), nullable=kw.pop("nullable", False), **kw)


def _json(name: str) -> sa.Column:
    return sa.Column(name, sa.JSON(), nullable=False)


def _reference(name: str, target: str, nullable: bool = False, **kw) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey(f"{target}.id"), nullable=nullable, **kw)


sa.Table("contact", SCHEMA, _id(), _text("name"), _text("lang", nullable=True),
         sa.Column("opted_out", sa.Boolean(), nullable=False), _created_at())
sa.Table("flowversion", SCHEMA, _text("version", primary_key=True), _text("text"), _created_at())
sa.Table("operator", SCHEMA, _id(), _text("email", unique=True, index=True), _text("name"), _text("password_hash"),
         _text("role"), _json("departments"), sa.Column("active", sa.Boolean(), nullable=False), _created_at())
sa.Table("operatorchange", SCHEMA, _id(), _text("actor"), _text("text"), _created_at(index=True))
sa.Table("contactaddress", SCHEMA, _id(), _reference("contact_id", "contact", index=True), _text("kind"),
         _text("address"), sa.UniqueConstraint("kind", "address"))
sa.Table("conversation", SCHEMA, _id(), _reference("contact_id", "contact", unique=True), _json("state"),
         sa.Column("seq", sa.Integer(), nullable=False), sa.Column("updated_at", MOMENT, nullable=False))
sa.Table("message", SCHEMA, _id(), _reference("contact_id", "contact", index=True), _text("direction"),
         _text("channel"), _text("provider"), _text("provider_id", nullable=True),
         _reference("reply_to_id", "message", nullable=True, index=True), _text("text"), _json("data"),
         _text("status"), _text("error"), _created_at(), sa.UniqueConstraint("provider", "provider_id"))
sa.Table("operatorsession", SCHEMA, _text("id", primary_key=True), _reference("operator_id", "operator", index=True),
         _created_at(), sa.Column("last_seen_at", MOMENT, nullable=False), sa.Column("ended_at", MOMENT))
sa.Table("surveyresponse", SCHEMA, _id(), _text("flow", index=True), _reference("contact_id", "contact", index=True),
         _text("lang"), _json("answers"), _created_at())
sa.Table("ticket", SCHEMA, _id(), _text("folio", unique=True, index=True), _reference("contact_id", "contact", index=True),
         _text("channel"), _text("flow"), _text("department", index=True), _text("category"), _text("priority"),
         _text("status", index=True), _text("summary"), _text("lang"), _text("address", nullable=True),
         sa.Column("latitude", sa.Float()), sa.Column("longitude", sa.Float()), _json("answers"), _json("media"),
         _reference("duplicate_of", "ticket", nullable=True, index=True), _text("external_id", nullable=True),
         _created_at(index=True), sa.Column("updated_at", MOMENT, nullable=False))
sa.Table("outbox", SCHEMA, _id(), _text("kind"), _reference("ticket_id", "ticket", nullable=True, index=True),
         _json("payload"), _text("status", index=True), sa.Column("attempts", sa.Integer(), nullable=False),
         sa.Column("available_at", MOMENT, index=True), _text("last_error"), _created_at(), sa.Column("done_at", MOMENT))
sa.Table("ticketevent", SCHEMA, _id(), _reference("ticket_id", "ticket", index=True), _text("kind"), _text("actor"),
         _json("detail"), _created_at())


def upgrade() -> None:
    SCHEMA.create_all(op.get_bind())


def downgrade() -> None:
    SCHEMA.drop_all(op.get_bind())
