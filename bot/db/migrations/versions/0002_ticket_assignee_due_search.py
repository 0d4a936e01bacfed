"""What came after the first schema: ticket assignee, due date and search text, the queue's indexes; data filled.

Revision ID: 0002
Revises: 0001
Created: 2026-12-01

Each step skips what is already there: a database made before migrations may have any part of this
(its tables were kept current by hand-made ALTER TABLE statements), and bot.db.migrate stamps it 0001.
"""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BATCH = 1000  # rows read and written per round of the data steps: memory stays flat at any size

NEW_INDEXES = {
    "ticket": {
        "ix_ticket_assignee_id": ["assignee_id"],
        "ix_ticket_department_created_at_id": ["department", "created_at", "id"],
        "ix_ticket_status_created_at_id": ["status", "created_at", "id"],
        "ix_ticket_department_status_created_at_id": ["department", "status", "created_at", "id"],
        "ix_ticket_status_due_at_id": ["status", "due_at", "id"],
    },
    "ticketevent": {"ix_ticketevent_kind_created_at": ["kind", "created_at"]},
    "surveyresponse": {"ix_surveyresponse_flow_created_at": ["flow", "created_at"]},
}
OLD_INDEXES = {"ticket": ["ix_ticket_department", "ix_ticket_status"]}  # the composite ones begin with these columns

TICKET = sa.table(
    "ticket", sa.column("id", sa.Integer), sa.column("folio", sa.String), sa.column("address", sa.String),
    sa.column("summary", sa.String), sa.column("answers", sa.JSON), sa.column("flow", sa.String),
    sa.column("department", sa.String), sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("due_at", sa.DateTime(timezone=True)), sa.column("search_text", sa.String),
)


def upgrade() -> None:
    _add_ticket_columns()
    for table, indexes in NEW_INDEXES.items():
        present = _index_names(table)
        with op.batch_alter_table(table) as batch:
            for name in OLD_INDEXES.get(table, []):
                if name in present:
                    batch.drop_index(name)
            for name, columns in indexes.items():
                if name not in present:
                    batch.create_index(name, columns)
    _fill_search_text()
    _fill_due_dates()


def _add_ticket_columns() -> None:
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("ticket")}
    columns = [
        sa.Column("assignee_id", sa.Integer(), sa.ForeignKey("operator.id", name="ticket_assignee_id_fkey")),
        sa.Column("due_at", sa.DateTime(timezone=True)),
        sa.Column("search_text", sa.String()),
    ]
    with op.batch_alter_table("ticket") as batch:  # SQLite: one rebuild for the foreign key
        for column in columns:
            if column.name not in present:
                batch.add_column(column)


def _index_names(table: str) -> set[str]:
    indexes = sa.inspect(op.get_bind()).get_indexes(table)
    return {index["name"] for index in indexes if index["name"] is not None}


def _fill_search_text() -> None:
    from bot.tickets.search import search_text_of  # the same words the app writes on every ticket save

    columns = (TICKET.c.folio, TICKET.c.address, TICKET.c.summary, TICKET.c.answers)
    for rows in _batches(TICKET.c.search_text.is_(None), columns):
        _update(rows, "search_text", lambda row: search_text_of(SimpleNamespace(**row._mapping)))


def _fill_due_dates() -> None:
    from bot.tickets.sla import due_at

    flows = None
    columns = (TICKET.c.flow, TICKET.c.department, TICKET.c.created_at)
    for rows in _batches(TICKET.c.due_at.is_(None), columns):
        flows = flows or _flows()  # only a database with undated tickets needs flows.yaml
        _update(rows, "due_at", lambda row: due_at(flows, row.flow, row.department, row.created_at))


def _batches(condition, columns):
    """Yield the matching tickets BATCH at a time, in id order (a keyset, so each round is an index range)."""
    last = 0
    while True:
        rows = op.get_bind().execute(
            sa.select(TICKET.c.id, *columns).where(condition, TICKET.c.id > last).order_by(TICKET.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _update(rows, column: str, value_of) -> None:
    statement = TICKET.update().where(TICKET.c.id == sa.bindparam("row_id")).values({column: sa.bindparam("value")})
    op.get_bind().execute(statement, [{"row_id": row.id, "value": value_of(row)} for row in rows])


def _flows():
    """The flows whose SLAs date the tickets: handed over by bot.db.migrate, else FLOWS_PATH's file."""
    flows = op.get_context().config.attributes.get("flows")
    if flows is None:
        from bot.config import Config
        from bot.flows.loader import load_flows

        flows = load_flows(Config.from_env().flows_path)
    return flows


def downgrade() -> None:
    with op.batch_alter_table("surveyresponse") as batch:
        batch.drop_index("ix_surveyresponse_flow_created_at")
    with op.batch_alter_table("ticketevent") as batch:
        batch.drop_index("ix_ticketevent_kind_created_at")
    with op.batch_alter_table("ticket") as batch:
        for name in NEW_INDEXES["ticket"]:
            batch.drop_index(name)
        batch.create_index("ix_ticket_department", ["department"])
        batch.create_index("ix_ticket_status", ["status"])
        batch.drop_constraint("ticket_assignee_id_fkey", type_="foreignkey")
        for name in ("search_text", "due_at", "assignee_id"):
            batch.drop_column(name)
