"""When a ticket is due: its arrival plus the SLA flows.yaml gives its flow, department or the whole file."""

from __future__ import annotations

from datetime import datetime

from bot.flows import Flows

__all__ = ["due_at"]


def due_at(flows: Flows, flow_id: str, department_id: str, created_at: datetime) -> datetime:
    """The moment a ticket of this flow and department, received at created_at, becomes overdue."""
    return created_at + flows.sla(flow_id, department_id)
