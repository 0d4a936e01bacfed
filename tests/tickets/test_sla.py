"""Every ticket gets a due date from the SLA in flows.yaml when it is stored."""

from __future__ import annotations

from datetime import timedelta

from bot.db.tables import Ticket
from tests.support.app import all_rows
from tests.support.residents import file_pothole


def test_a_pothole_is_due_48_hours_after_it_arrives(resident, db):
    file_pothole(resident)
    (ticket,) = all_rows(db, Ticket)
    assert ticket.due_at - ticket.created_at == timedelta(hours=48)


def test_trash_is_due_when_its_department_says(resident, db):
    for text in ("hola", "2", "1", "ayer", "Calle Allende 321, Centro", "omitir"):
        resident.says(text)
    assert "folio" in resident.says("sí")
    (ticket,) = all_rows(db, Ticket)
    assert ticket.department == "servicios_publicos" and ticket.due_at - ticket.created_at == timedelta(days=3)
