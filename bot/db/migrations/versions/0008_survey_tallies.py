"""Survey tallies: responses counted per answer and city day, month and year, so results do not read every response.

Revision ID: 0008
Revises: 0007
Created: 2026-11-30

The tables are created when missing (a database whose models already made them keeps them, as 0003 to 0006 do),
then every survey flow of flows.yaml is counted from its responses in CITY_TIMEZONE's days
(bot.reports.tallies.rebuild, the same counting `ventanilla surveys rebuild` does).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel import Session

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "surveytally" not in present:
        op.create_table(
            "surveytally",
            sa.Column("flow", sa.String(), nullable=False),
            sa.Column("grain", sa.String(), nullable=False),
            sa.Column("bucket", sa.Date(), nullable=False),
            sa.Column("step", sa.String(), nullable=False),
            sa.Column("subject", sa.String(), nullable=False),
            sa.Column("value", sa.String(), nullable=False),
            sa.Column("label", sa.String(), nullable=False),
            sa.Column("count", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("flow", "grain", "bucket", "step", "subject", "value", "label"),
        )
        op.create_index(
            "ix_surveytally_flow_step_grain_bucket", "surveytally", ["flow", "step", "grain", "bucket", "count"]
        )
    if "surveytallystate" not in present:
        op.create_table(
            "surveytallystate",
            sa.Column("flow", sa.String(), nullable=False),
            sa.Column("zone", sa.String(), nullable=False),
            sa.Column("shape", sa.String(), nullable=False),
            sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("flow"),
        )
    _count_responses()


def _count_responses() -> None:
    from bot.config import Config
    from bot.reports.surveys import survey_flows
    from bot.reports.tallies import rebuild

    config = Config.from_env()
    flows = op.get_context().config.attributes.get("flows")
    if flows is None:
        from bot.flows.loader import load_flows

        flows = load_flows(config.flows_path)
    session = Session(bind=op.get_bind())  # joins the migration's transaction
    for flow in survey_flows(flows, None):
        rebuild(session, flow, config.city_zone())
    session.flush()


def downgrade() -> None:
    op.drop_table("surveytallystate")
    op.drop_table("surveytally")
