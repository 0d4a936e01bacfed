"""Each department sees and changes its own tickets only: for the page and every action, an operator of Parques
gets 404 on an Obras Públicas ticket, a viewer gets 403, a form without its CSRF token 400 — and the database
stays as it was; the rightful operator's same request does change it (so the refusals are what held)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.db.tables import Contact, Message, Outbox, Ticket, TicketEvent
from tests.support.desks import seed_ticket, signed_in, with_failed_delivery

# action -> its form, given the folio of another open Obras Públicas ticket (for a merge)
ACTIONS = {
    "assign": lambda other: {"assignee": "me"},
    "status": lambda other: {"status": "resolved", "reason": "bacheado"},
    "note": lambda other: {"text": "Llamar a la cuadrilla"},
    "reply": lambda other: {"text": "Mañana pasamos"},
    "merge": lambda other: {"original": other},
    "retry": lambda other: {},
}


def database(app) -> list:
    """Everything an action could change, as stored now."""
    with Session(app.extensions["ventanilla"].engine) as db:
        return [
            row.model_dump()
            for model in (Ticket, TicketEvent, Message, Outbox, Contact)
            for row in db.exec(select(model).order_by(model.id)).all()
        ]


@pytest.fixture
def obras(app) -> tuple[str, str]:
    """An Obras Públicas ticket whose delivery failed (so every action applies) and another open one."""
    folio = seed_ticket(app, status="delivery_failed")
    with_failed_delivery(app, folio)
    return folio, seed_ticket(app)


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_only_the_tickets_own_department_may_act_on_it(app, obras, action):
    folio, other = obras
    path, form = f"/dashboard/tickets/{folio}/{action}", ACTIONS[action](other)
    outsider = signed_in(app, "pablo@x.mx", departments=["parques"])
    viewer = signed_in(app, "vera@x.mx", "viewer")
    operator = signed_in(app, "ana@x.mx")
    before = database(app)

    assert outsider.post(path, form).status_code == 404
    assert (
        outsider.post(f"/dashboard/tickets/2611-ZZZZZZ/{action}", form).status_code == 404
    )  # the same as a folio that is not there
    assert viewer.post(path, form).status_code == 403
    assert operator.client.post(path, data=form).status_code == 400  # no CSRF token
    assert operator.client.post(path, data={**form, "csrf_token": "forged"}).status_code == 400
    assert database(app) == before

    assert operator.post(path, form).status_code == 302
    assert database(app) != before


def test_a_parques_operator_cannot_open_an_obras_ticket_and_leaves_no_trace(app, obras):
    folio, _ = obras
    before = database(app)
    outsider = signed_in(app, "pablo@x.mx", departments=["parques"])
    parques_viewer = signed_in(app, "vera@x.mx", "viewer", departments=["parques"])
    for desk in (outsider, parques_viewer):
        assert desk.get(f"/dashboard/tickets/{folio}").status_code == 404
        assert desk.get("/dashboard/tickets/2611-ZZZZZZ").status_code == 404
    assert database(app) == before
    assert signed_in(app, "ana@x.mx").get(f"/dashboard/tickets/{folio}").status_code == 200
    assert database(app) != before  # the rightful view is recorded


@pytest.mark.parametrize("folio", ["%00", "2611-%00ABCD", "2611-ÁBCDEF", "A" * 300, "2611-ABCDEF%0A"])
def test_what_cannot_be_a_folio_is_not_found_on_the_page_nor_any_action(app, obras, folio):
    admin = signed_in(app, "root@x.mx", "admin")
    before = database(app)
    assert admin.get(f"/dashboard/tickets/{folio}").status_code == 404
    for action, form in ACTIONS.items():
        assert admin.post(f"/dashboard/tickets/{folio}/{action}", form(obras[1])).status_code == 404, action
    assert database(app) == before


def test_an_admin_sees_and_acts_on_every_department(app, obras):
    folio, _ = obras
    admin = signed_in(app, "root@x.mx", "admin")
    assert admin.get(f"/dashboard/tickets/{folio}").status_code == 200
    assert admin.post(f"/dashboard/tickets/{folio}/note", {"text": "revisado"}).status_code == 302


def test_a_merge_target_of_another_department_is_not_found(app):
    parques = seed_ticket(app, department="parques", category="parque", flow="park_evaluation")
    obras_ticket = seed_ticket(app)
    pablo = signed_in(app, "pablo@x.mx", departments=["parques"])
    before = database(app)
    response = pablo.post(f"/dashboard/tickets/{parques}/merge", {"original": obras_ticket})
    assert response.status_code == 400 and "among those you can see" in response.text
    assert database(app) == before


def test_a_ticket_shows_only_its_own_conversation_not_the_residents_other_departments(app):
    from tests.support.app import Resident

    resident = Resident(app.test_client())
    for text in ("hola", "bache", "Morelos y 5 de Mayo", "omitir", "sí"):
        resident.says(text)
    for text in ("hola", "2", "1", "ayer", "Calle Allende 321, Centro", "omitir", "sí"):
        resident.says(text)
    with Session(app.extensions["ventanilla"].engine) as db:
        pothole, trash = (t.folio for t in db.exec(select(Ticket).order_by(Ticket.id)))
    services_page = (
        signed_in(app, "sergio@x.mx", departments=("servicios_publicos",)).get(f"/dashboard/tickets/{trash}").text
    )
    assert (
        "Calle Allende 321" in services_page
        and "Morelos y 5 de Mayo" not in services_page
        and pothole not in services_page
    )
    obras_page = signed_in(app, "ana@x.mx").get(f"/dashboard/tickets/{pothole}").text
    assert "Morelos y 5 de Mayo" in obras_page and "Calle Allende" not in obras_page and trash not in obras_page
