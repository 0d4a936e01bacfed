"""The privacy audit trail keeps ids, folios, counts and versions, and refuses anything that reads like personal data."""

from __future__ import annotations

import pytest

from bot.db.database import transaction
from bot.db.tables import Contact, PrivacyEvent
from bot.privacy.audit import record
from tests.support.app import all_rows


def test_record_adds_an_event_with_its_detail(app, db):
    svc = app.extensions["ventanilla"]
    with transaction(svc.engine) as session:
        contact = Contact(name="Lupita")
        session.add(contact)
        session.flush()
        event = record(
            session,
            "request_filed",
            actor="resident",
            contact_id=contact.id,
            detail={"folio": "2611-7K3M9Q", "right": "cancellation", "due_on": "2026-12-29", "message_ids": [1, 2]},
        )
        assert event in session.new
    (stored,) = all_rows(db, PrivacyEvent)
    assert (stored.kind, stored.actor, stored.contact_id, stored.request_id) == (
        "request_filed",
        "resident",
        contact.id,
        None,
    )
    assert stored.detail["folio"] == "2611-7K3M9Q" and stored.detail["message_ids"] == [1, 2]
    assert stored.created_at is not None


def test_the_actor_is_the_system_unless_said(app, db):
    svc = app.extensions["ventanilla"]
    with transaction(svc.engine) as session:
        record(session, "retention_applied", detail={"contacts": 3, "messages": 120, "version": "2026-11"})
    (stored,) = all_rows(db, PrivacyEvent)
    assert stored.actor == "system" and stored.contact_id is None and stored.detail["messages"] == 120


@pytest.mark.parametrize(
    "detail",
    [
        {"phone": "+528112345678"},
        {"phone": "8112345678"},
        {"name": "Guadalupe Pérez"},
        {"text": "hay un bache frente a mi casa"},
        {"nested": {"body": "un mensaje con espacios"}},
        {"numbers": ["5218112345678"]},
        {"free text key": 1},
        {"when": object()},
    ],
)
def test_personal_data_in_the_detail_is_refused(app, detail):
    svc = app.extensions["ventanilla"]
    with pytest.raises(ValueError), transaction(svc.engine) as session:
        record(session, "data_exported", contact_id=1, detail=detail)


def test_a_kind_is_a_snake_case_word(app):
    svc = app.extensions["ventanilla"]
    with pytest.raises(ValueError), transaction(svc.engine) as session:
        record(session, "Data exported!")
