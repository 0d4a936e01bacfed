"""A ticket's page says how many reports its resident filed today against TICKETS_PER_CONTACT_PER_DAY; once the cap
is reached an operator or admin lifts it (a CSRF-protected POST, audited), a viewer cannot."""

from __future__ import annotations

from html import unescape

import pytest
from sqlmodel import Session, select

from bot import create_app
from bot.conversation.ticket_cap import CAP_LIFTED
from bot.db.database import create_tables
from bot.db.tables import TicketEvent
from tests.support.app import app_settings
from tests.support.desks import read_ticket, seed_ticket, signed_in

LIFT_FORM = 'action="/dashboard/tickets/{}/lift-cap"'


@pytest.fixture
def app(tmp_path, redis_url):
    """The test app with a cap of one report a day: a seeded ticket's resident has reached it."""
    app = create_app(app_settings(tmp_path, redis_url, tickets_per_contact_per_day=1))
    with app.app_context():
        create_tables(app.extensions["ventanilla"].engine)
    yield app
    app.extensions["ventanilla"].engine.dispose()


def lifts(app, folio: str) -> list[TicketEvent]:
    ticket = read_ticket(app, folio)
    with Session(app.extensions["ventanilla"].engine) as db:
        return list(
            db.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == CAP_LIFTED))
        )


def test_an_operator_sees_the_cap_reached_and_lifts_it(app):
    folio, ana = seed_ticket(app), signed_in(app, "ana@x.mx")
    page = unescape(ana.get(f"/dashboard/tickets/{folio}").text)
    assert "Reports today: 1 of 1 a day — the cap is reached: new reports are not filed." in page
    assert LIFT_FORM.format(folio) in page
    response = ana.post(f"/dashboard/tickets/{folio}/lift-cap", follow_redirects=True)
    assert response.status_code == 200
    page = unescape(response.text)
    assert "The resident may file more reports for the rest of the day." in page
    assert "the cap is lifted for the rest of the day" in page and LIFT_FORM.format(folio) not in page
    (lifted,) = lifts(app, folio)
    assert lifted.actor == "ana@x.mx"
    assert "ticket cap lifted" in page  # in the audit trail, with who did it


def test_an_admin_may_lift_it_too_once_a_day(app):
    folio, root = seed_ticket(app), signed_in(app, "root@x.mx", "admin")
    root.post(f"/dashboard/tickets/{folio}/lift-cap")
    again = root.post(f"/dashboard/tickets/{folio}/lift-cap", follow_redirects=True)
    assert "already lifted" in unescape(again.text)
    assert len(lifts(app, folio)) == 1


def test_a_viewer_sees_the_count_but_cannot_lift(app):
    folio, vera = seed_ticket(app), signed_in(app, "vera@x.mx", "viewer")
    page = unescape(vera.get(f"/dashboard/tickets/{folio}").text)
    assert "Reports today: 1 of 1 a day" in page and LIFT_FORM.format(folio) not in page
    assert vera.post(f"/dashboard/tickets/{folio}/lift-cap").status_code == 403
    assert lifts(app, folio) == []


def test_lifting_needs_the_csrf_token_and_a_ticket_of_ones_departments(app):
    folio, ana = seed_ticket(app), signed_in(app, "ana@x.mx")
    assert ana.client.post(f"/dashboard/tickets/{folio}/lift-cap").status_code == 400  # no token
    parks = seed_ticket(app, department="parques")
    assert ana.post(f"/dashboard/tickets/{parks}/lift-cap").status_code == 404
    assert lifts(app, folio) == [] and lifts(app, parks) == []


def test_under_the_cap_there_is_nothing_to_lift(tmp_path, redis_url):
    app = create_app(app_settings(tmp_path, redis_url, tickets_per_contact_per_day=5))
    with app.app_context():
        create_tables(app.extensions["ventanilla"].engine)
    folio = seed_ticket(app)
    page = unescape(signed_in(app, "ana@x.mx").get(f"/dashboard/tickets/{folio}").text)
    assert "Reports today: 1 of 5 a day." in page and LIFT_FORM.format(folio) not in page
    app.extensions["ventanilla"].engine.dispose()
