"""A ticket: its summary, the resident (full phone: each view is audited), the conversation, photos, map,
audit trail and duplicates; the actions on it live in ticket_actions.py."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template
from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from bot.dashboard.access import can_act, me, ticket_or_404, visible
from bot.dashboard.blueprint import bp
from bot.dashboard.ticket_cap import daily_cap
from bot.dashboard.ticket_query import is_overdue
from bot.db.database import transaction
from bot.db.tables import Contact, ContactAddress, Message, Operator, Ticket, TicketEvent, as_utc
from bot.flows import Flows
from bot.services import services
from bot.tickets.triage import MAX_NOTE, MAX_REASON, MAX_REPLY, OPERATOR_STATUSES, assignable_operators, record_view

TRANSCRIPT_FROM = timedelta(hours=24)  # the conversation from at most a day before the ticket
TRANSCRIPT_LIMIT = 300  # its latest messages, at most
AUDIT_LIMIT = 200
VIEWS_SHOWN = 10
DUPLICATES_SHOWN = 100
GEO_METHODS = {  # how the place was found, as the operator reads it
    "intersection": "intersection",
    "between": "between streets",
    "street_number": "street and number",
    "street": "street only",
    "online": "online geocoder",
    "pin": "resident's pin",
}


@bp.get("/tickets/<folio>")
def ticket(folio: str):
    """Show one ticket of the operator's departments; the view itself is an audit event."""
    svc, operator = services(), me()
    with transaction(svc.engine, immediate=True) as db:
        found = ticket_or_404(db, folio)
        record_view(db, found, operator)
    with transaction(svc.engine) as db:
        page = ticket_page(db, found)
        actions = action_choices(db, found) if can_act(operator) else None
    department = svc.flows.departments.get(found.department)
    return render_template(
        "dashboard/ticket.html",
        title=found.folio,
        ticket=found,
        department=department.name if department else found.department,
        place=place(found, svc.flows),
        actions=actions,
        **page,
    )


def ticket_page(db: Session, ticket: Ticket) -> dict:
    """Everything the page shows besides the ticket row itself."""
    transcript, cut = conversation(db, ticket)
    return {
        "contact": db.get(Contact, ticket.contact_id),
        "phones": db.exec(
            select(ContactAddress.address).where(
                ContactAddress.contact_id == ticket.contact_id, ContactAddress.kind == "phone"
            )
        ).all(),
        "assignee": db.get(Operator, ticket.assignee_id) if ticket.assignee_id else None,
        "overdue": is_overdue(ticket),
        "transcript": transcript,
        "transcript_cut": cut,
        "photos": photos(ticket, transcript),
        **audit(db, ticket),
        **duplicates(db, ticket),
        **daily_cap(db, ticket),
    }


def place(ticket: Ticket, flows: Flows) -> dict:
    """Where the ticket was placed, as the page shows it: colonia, zone by name, "intersection (95%)", the note."""
    zone = next((z for z in flows.zones if z.id == ticket.zone), None)
    located_by = GEO_METHODS.get(ticket.geo_method or "", ticket.geo_method or "")
    if located_by and ticket.geo_confidence is not None:
        located_by += f" ({round(ticket.geo_confidence * 100)}%)"
    return {
        "colonia": ticket.colonia,
        "zone": (zone.name or zone.id) if zone else ticket.zone,
        "located_by": located_by,
        "note": ticket.place_note,
    }


def action_choices(db: Session, ticket: Ticket) -> dict:
    """What the action forms offer: colleagues to assign, statuses to set, text limits."""
    return {
        "colleagues": assignable_operators(db, ticket.department),
        "statuses": OPERATOR_STATUSES,
        "max_note": MAX_NOTE,
        "max_reply": MAX_REPLY,
        "max_reason": MAX_REASON,
    }


def conversation(db: Session, ticket: Ticket) -> tuple[list[Message], bool]:
    """The messages that made this ticket, oldest first, and whether older ones were cut.

    After the contact's previous ticket (at most a day back) until this one: messages carry the time
    their request arrived and a ticket the moment it was stored, so the folio's reply is inside and
    what the resident wrote for another ticket (maybe another department's) is not. Replies and
    notices written since about this folio are added, and the resident's answers to its follow-up.
    """
    created = as_utc(ticket.created_at)
    previous = db.exec(
        select(Ticket.created_at)
        .where(Ticket.contact_id == ticket.contact_id, Ticket.id < ticket.id)
        .order_by(Ticket.id.desc())
        .limit(1)
    ).first()
    start = max(created - TRANSCRIPT_FROM, as_utc(previous)) if previous else created - TRANSCRIPT_FROM
    rows = db.exec(
        select(Message)
        .where(
            Message.contact_id == ticket.contact_id,
            or_(
                and_(Message.created_at > start, Message.created_at <= created),
                and_(Message.created_at > created, Message.data["folio"].as_string() == ticket.folio),
            ),
        )
        .order_by(Message.id.desc())
        .limit(TRANSCRIPT_LIMIT + 1)
    ).all()
    return list(reversed(rows[:TRANSCRIPT_LIMIT])), len(rows) > TRANSCRIPT_LIMIT


def photos(ticket: Ticket, transcript: list[Message]) -> list[dict]:
    """Stored copies of the ticket's media and of the transcript's, each once, with how to show it."""
    items = [*ticket.media, *(m for message in transcript for m in (message.data or {}).get("media", []))]
    seen, shown = set(), []
    for item in items:
        stored = item.get("stored") if isinstance(item, dict) else None
        if stored and stored not in seen:
            seen.add(stored)
            shown.append({"stored": stored, "is_image": str(item.get("content_type", "")).startswith("image/")})
    return shown


def audit(db: Session, ticket: Ticket) -> dict:
    """The audit trail newest first (views apart: they would bury the rest), and the latest views."""
    events = db.exec(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind != "viewed")
        .order_by(TicketEvent.id.desc())
        .limit(AUDIT_LIMIT)
    ).all()
    views = db.exec(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "viewed")
        .order_by(TicketEvent.id.desc())
        .limit(VIEWS_SHOWN)
    ).all()
    view_count = db.exec(
        select(func.count())
        .select_from(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "viewed")
    ).one()
    return {"events": events, "views": views, "view_count": view_count}


def duplicates(db: Session, ticket: Ticket) -> dict:
    """The ticket this one duplicates and those that duplicate it; folios the operator may not open carry no link."""
    original = db.get(Ticket, ticket.duplicate_of) if ticket.duplicate_of else None
    copies = db.exec(
        select(Ticket).where(Ticket.duplicate_of == ticket.id).order_by(Ticket.id).limit(DUPLICATES_SHOWN)
    ).all()
    linked = [t.id for t in ([original] if original else []) + list(copies)]
    openable = set(db.exec(visible(select(Ticket.id).where(Ticket.id.in_(linked))))) if linked else set()
    return {"original": original, "copies": copies, "openable": openable}


from bot.dashboard import ticket_actions  # noqa: E402,F401 - the action routes of this page
