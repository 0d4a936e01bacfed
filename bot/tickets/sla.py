"""When a ticket is due: its arrival plus the SLA flows.yaml gives its flow, department or the whole file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot.db.engine import transaction
from bot.flows import Flows
from bot.db.tables import Ticket

__all__ = ["due_at", "backfill_due_dates"]


def due_at(flows: Flows, flow_id: str, department_id: str, created_at: datetime) -> datetime:
    """The moment a ticket of this flow and department, received at created_at, becomes overdue."""
    return created_at + flows.sla(flow_id, department_id)


def backfill_due_dates(engine: Engine, flows: Flows, batch: int = 1000) -> int:
    """Give a due date to tickets stored before tickets had one; return how many got one."""
    filled = 0
    while True:
        with transaction(engine, immediate=True) as db:
            rows = db.execute(select(Ticket.id, Ticket.flow, Ticket.department, Ticket.created_at)
                              .where(Ticket.due_at.is_(None)).limit(batch)).all()
            for row in rows:
                due = due_at(flows, row.flow, row.department, row.created_at)
                db.execute(update(Ticket).where(Ticket.id == row.id).values(due_at=due))
        filled += len(rows)
        if len(rows) < batch:
            return filled
