"""What an operator does to a ticket, as use cases without the web: who may be assigned, what a merge does to
chains of duplicates, which inputs are refused and why."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.db.database import transaction
from bot.db.tables import (
    Contact,
    Message,
    Operator,
    Ticket,
    TicketEvent,
)
from bot.tickets import triage
from bot.tickets.lifecycle import TransitionError
from bot.tickets.triage import TriageError
from tests.support.app import all_rows
from tests.support.desks import seed_ticket


def add(app, email: str, role: str = "operator", departments=("obras_publicas",), active: bool = True) -> Operator:
    with transaction(app.extensions["ventanilla"].engine) as db:
        operator = Operator(
            email=email,
            name=email.split("@")[0],
            role=role,
            departments=list(departments),
            password_hash="!unusable",
            active=active,
        )
        db.add(operator)
    return operator


def act(app, folio: str, use_case, *args):
    """Run a use case on the stored ticket in one transaction, as the dashboard does."""
    svc = app.extensions["ventanilla"]
    with transaction(svc.engine, immediate=True) as db:
        ticket = db.exec(select(Ticket).where(Ticket.folio == folio)).one()
        return use_case(db, svc.flows, ticket, *args)


def by_folio(db, folio: str) -> Ticket:
    return next(t for t in all_rows(db, Ticket) if t.folio == folio)


def test_colleagues_to_assign_are_the_departments_active_operators_and_the_admins(app):
    add(app, "ana@x.mx"), add(app, "root@x.mx", "admin", []), add(app, "pablo@x.mx", departments=["parques"])
    add(app, "vera@x.mx", "viewer"), add(app, "old@x.mx", active=False)
    with transaction(app.extensions["ventanilla"].engine) as db:
        assert [o.email for o in triage.assignable_operators(db, "obras_publicas")] == ["ana@x.mx", "root@x.mx"]
        assert [o.email for o in triage.assignable_operators(db, "parques")] == ["pablo@x.mx", "root@x.mx"]


def test_assigning_twice_to_the_same_person_writes_nothing(app, db):
    folio, ana = seed_ticket(app), add(app, "ana@x.mx")
    assert act(app, folio, lambda s, f, t: triage.assign(s, t, ana, ana)) is not None
    assert act(app, folio, lambda s, f, t: triage.assign(s, t, ana, ana)) is None
    assert [e.kind for e in all_rows(db, TicketEvent)].count("assigned") == 1


def test_a_viewer_cannot_be_chosen_as_assignee(app):
    folio, ana, vera = seed_ticket(app), add(app, "ana@x.mx"), add(app, "vera@x.mx", "viewer")
    with pytest.raises(TriageError, match="nobody who can work on obras_publicas"):
        act(app, folio, lambda s, f, t: triage.assignee_for(s, t, ana, str(vera.id)))


def test_merging_a_ticket_moves_its_own_duplicates_to_the_new_original(app, db):
    original, middle, child = seed_ticket(app), seed_ticket(app), seed_ticket(app)
    ana = add(app, "ana@x.mx")
    with transaction(app.extensions["ventanilla"].engine) as session:
        tickets = {t.folio: t for t in session.exec(select(Ticket)).all()}
        tickets[child].duplicate_of = tickets[middle].id
    act(
        app,
        middle,
        lambda s, f, t: triage.merge(s, f, t, ana, s.exec(select(Ticket).where(Ticket.folio == original)).one()),
    )
    first = by_folio(db, original)
    assert by_folio(db, middle).duplicate_of == first.id and by_folio(db, child).duplicate_of == first.id  # no chains
    moved = [e for e in all_rows(db, TicketEvent) if e.kind == "merged_into" and e.ticket_id == by_folio(db, child).id]
    assert [e.detail for e in moved] == [{"folio": original, "via": middle}]
    linked = sorted(e.detail["folio"] for e in all_rows(db, TicketEvent) if e.kind == "duplicate_linked")
    assert linked == sorted([middle, child])


@pytest.mark.parametrize(
    "original_status, merged_status, problem",
    [
        ("resolved", "received", "merge only into an open ticket"),
        ("closed", "received", "merge only into an open ticket"),
        ("in_progress", "rejected", "it cannot be closed as a duplicate"),
    ],
)
def test_merges_into_a_finished_ticket_or_of_a_rejected_one_are_refused(
    app, db, original_status, merged_status, problem
):
    original, copy = seed_ticket(app, status=original_status), seed_ticket(app, status=merged_status)
    ana = add(app, "ana@x.mx")
    with pytest.raises(TriageError, match=problem):
        act(
            app,
            copy,
            lambda s, f, t: triage.merge(s, f, t, ana, s.exec(select(Ticket).where(Ticket.folio == original)).one()),
        )
    assert by_folio(db, copy).duplicate_of is None and by_folio(db, copy).status == merged_status


def test_operators_set_only_the_statuses_that_are_theirs(app):
    folio, ana = seed_ticket(app), add(app, "ana@x.mx")
    for status in ("received", "delivered", "delivery_failed", "fixed"):
        with pytest.raises(TriageError, match="choose a status among"):
            act(app, folio, triage.set_status, ana, status, "")
    with pytest.raises(TriageError, match="the reason is 501 characters long"):
        act(app, folio, triage.set_status, ana, "in_progress", "x" * 501)
    with pytest.raises(TransitionError, match="needs a reason"):
        act(app, folio, triage.set_status, ana, "rejected", "")


def test_text_loses_control_characters_but_keeps_its_lines(app, db):
    folio, ana = seed_ticket(app), add(app, "ana@x.mx")
    act(app, folio, lambda s, f, t: triage.add_note(s, t, ana, " primera\x00 línea\r\n\tsegunda\x1b línea \x7f"))
    (note,) = [e for e in all_rows(db, TicketEvent) if e.kind == "note"]
    assert note.detail == {"text": "primera línea\r\n\tsegunda línea"}
    with pytest.raises(TriageError, match="the reply is 1601 characters long"):
        act(app, folio, triage.reply, ana, "x" * 1601)
    with pytest.raises(TriageError, match="the reply is empty"):
        act(app, folio, triage.reply, ana, "\x00 \n")


def test_a_reply_to_someone_who_never_wrote_says_so(app, db):
    folio, ana = seed_ticket(app, texts=()), add(app, "ana@x.mx")
    outcome = act(app, folio, triage.reply, ana, "Hola")
    assert outcome.message is None and outcome.reason == "the resident has no channel to write to"
    assert [m for m in all_rows(db, Message) if m.direction == "out"] == []
    assert not all_rows(db, Contact)[0].opted_out
