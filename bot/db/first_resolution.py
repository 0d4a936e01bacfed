"""When each ticket was first resolved, kept on the ticket by the database itself as its status changes are audited.

The overview's median time to resolve needs, per ticket, its first change to resolved. Reading that from the
audit trail meant parsing tens of thousands of JSON events per request on a large city; instead a trigger on
ticketevent copies the moment of a ticket's first `status_changed` event to `resolved` into ticket.resolved_at
(an earlier one, if ever inserted late, wins: it stays the minimum). A reopened ticket keeps its first resolution,
as the overview always counted it. Every path that records a resolution (the lifecycle, imports, tests, bulk
loads) is covered because the trigger sits under all of them.
"""

from __future__ import annotations

from sqlalchemy import DDL, Connection, bindparam, column, func, select, table, text
from sqlalchemy.types import JSON, DateTime, Integer, String

__all__ = ["install", "uninstall", "backfill", "BACKFILL_BATCH", "TRIGGER"]

TRIGGER = "ticketevent_first_resolution"
BACKFILL_BATCH = 20_000  # tickets per UPDATE when a migration fills the column from the audit trail

SQLITE = [
    f"""
    CREATE TRIGGER IF NOT EXISTS {TRIGGER} AFTER INSERT ON ticketevent
    WHEN NEW.kind = 'status_changed'
        AND CASE WHEN json_valid(NEW.detail) THEN json_extract(NEW.detail, '$.to') END = 'resolved'
    BEGIN
        UPDATE ticket SET resolved_at = NEW.created_at
        WHERE id = NEW.ticket_id AND (resolved_at IS NULL OR resolved_at > NEW.created_at);
    END
    """
]
POSTGRES = [
    f"""
    CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE ticket SET resolved_at = NEW.created_at
        WHERE id = NEW.ticket_id AND (resolved_at IS NULL OR resolved_at > NEW.created_at);
        RETURN NULL;
    END $$
    """,
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON ticketevent",
    f"""
    CREATE TRIGGER {TRIGGER} AFTER INSERT ON ticketevent FOR EACH ROW
    WHEN (NEW.kind = 'status_changed' AND NEW.detail ->> 'to' = 'resolved')
    EXECUTE FUNCTION {TRIGGER}()
    """,
]


def statements(dialect: str) -> list[str]:
    """The DDL that installs the trigger on this dialect (sqlite or postgresql)."""
    return POSTGRES if dialect == "postgresql" else SQLITE


def install(connection: Connection) -> None:
    """Create the trigger (again: it replaces itself)."""
    for statement in statements(connection.dialect.name):
        connection.execute(text(statement))


def uninstall(connection: Connection) -> None:
    connection.execute(text(f"DROP TRIGGER IF EXISTS {TRIGGER}" + (" ON ticketevent" if _pg(connection) else "")))
    if _pg(connection):
        connection.execute(text(f"DROP FUNCTION IF EXISTS {TRIGGER}()"))


def _pg(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def backfill(connection: Connection, batch: int = BACKFILL_BATCH) -> int:
    """Fill resolved_at from the audit trail for resolved tickets that lack it, a `batch` of ids per UPDATE; returns how many."""
    ticket = table("ticket", column("id", Integer), column("resolved_at", DateTime(timezone=True)))
    event = table(
        "ticketevent",
        column("ticket_id", Integer),
        column("kind", String),
        column("detail", JSON),
        column("created_at", DateTime(timezone=True)),
    )
    first = (
        select(func.min(event.c.created_at))
        .where(
            event.c.ticket_id == ticket.c.id,
            event.c.kind == "status_changed",
            event.c.detail["to"].as_string() == "resolved",
        )
        .scalar_subquery()
    )
    resolved_ones = select(event.c.ticket_id).where(
        event.c.ticket_id.between(bindparam("low"), bindparam("high")),
        event.c.kind == "status_changed",
        event.c.detail["to"].as_string() == "resolved",
    )
    fill = (
        ticket.update().where(ticket.c.id.in_(resolved_ones), ticket.c.resolved_at.is_(None)).values(resolved_at=first)
    )
    highest = connection.execute(select(func.max(ticket.c.id))).scalar() or 0
    filled = 0
    for low in range(1, highest + 1, batch):
        filled += connection.execute(fill, {"low": low, "high": low + batch - 1}).rowcount or 0
    return filled


def ddl_for_create_all(dialect: str) -> list[DDL]:
    """The trigger as DDL run after ticketevent is created by SQLModel's create_all (the tests' quick schema)."""
    return [DDL(statement).execute_if(dialect=dialect) for statement in statements(dialect)]
