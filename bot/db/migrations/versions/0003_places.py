"""The city's places: street centrelines, named areas (colonias, boundary, municipalities, zones) and their layers.

Revision ID: 0003
Revises: 0002
Created: 2026-12-02

New tables only, so a database whose places tables were already made from the models (the tests' quick
fixture, a database adopted by bot.db.migrate) keeps them: each table is created when it is missing.
SCHEMA is frozen here, like 0001's: it never follows the models.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = sa.MetaData()


def _text(name: str, **kw) -> sa.Column:
    return sa.Column(name, sa.String(), nullable=False, **kw)


def _bbox() -> list[sa.Column]:
    return [sa.Column(name, sa.Float(), nullable=False, index=True) for name in ("min_lat", "max_lat", "min_lng", "max_lng")]


sa.Table("placestreet", SCHEMA, sa.Column("id", sa.Integer(), primary_key=True), _text("name"), _text("norm_name"),
         _text("kind"), sa.Column("geometry", sa.JSON(), nullable=False), *_bbox())
sa.Table("placearea", SCHEMA, sa.Column("id", sa.Integer(), primary_key=True), _text("layer", index=True), _text("name"),
         _text("norm_name"), sa.Column("geometry", sa.JSON(), nullable=False), *_bbox())
sa.Table("placelayer", SCHEMA, _text("layer", primary_key=True), _text("source"),
         sa.Column("features", sa.Integer(), nullable=False), _text("version"),
         sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False))


def upgrade() -> None:
    SCHEMA.create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    SCHEMA.drop_all(op.get_bind(), checkfirst=True)
