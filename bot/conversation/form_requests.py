"""Filing a service request that comes as a form (Open311's POST), through the chat's own path.

The form is read by the engine's steps (bot/flows/forms.py: the same validation and zone routing), and its
`TicketOpened` is applied by the chat's own handler (`event_handlers.open_ticket`: the nearby-duplicate link,
the SLA, the audit entry and the delivery in the outbox, one transaction). The request stands for one
resident the application knows and we do not: a contact of its own, holding at most the name the
application sent. A media URL is copied into our media store by a job (`download_request_media`), as a
chat's photos are; nothing is fetched while the client waits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.conversation.event_handlers import EventContext, apply_event
from bot.conversation.ticket_cap import DailyCap, day_start
from bot.db.tables import ApiKey, Contact, Outbox, Ticket, TicketEvent, utcnow
from bot.flows.events import TicketOpened
from bot.flows.forms import Form, FormRefused, file_form
from bot.flows.model import Flow, render
from bot.jobs.outbox import unit_of_work
from bot.metrics import ticket_opened
from bot.services import Services
from bot.tickets.folio import new_folio

__all__ = ["CHANNEL", "Filed", "file_request", "MEDIA_KIND"]

CHANNEL = "open311"  # Ticket.channel of requests filed through Open311
MEDIA_KIND = "download_request_media"  # the outbox kind copying a request's media_url into our store
MAX_NAME = 200
FOLIO_TRIES = 3


@dataclass(frozen=True)
class Filed:
    """A request filed: its folio, what the resident is told, and whether it joined an open report nearby."""

    folio: str
    notice: str
    duplicate: bool = False


def file_request(svc: Services, flow: Flow, form: Form, key: ApiKey, name: str = "") -> Filed | FormRefused:
    """File the form as a ticket of flow, or say what is wrong with it (nothing is stored then)."""
    flows, now = svc.flows, utcnow()
    local = now.astimezone(svc.config.city_zone())
    for attempt in range(FOLIO_TRIES):
        folio = new_folio(now)
        lang = flows.default_language
        event = file_form(flows, flow, form, channel=CHANNEL, lang=lang, now=local, folio=folio, places=svc.places())
        if isinstance(event, FormRefused):
            return event
        try:
            filed = _store(svc, flow, event, key, name, local)
        except IntegrityError:  # another ticket took the folio meanwhile: file it under a new one
            if attempt == FOLIO_TRIES - 1:
                raise
            continue
        ticket_opened(event.department)
        return filed
    raise AssertionError("unreachable")


def _store(svc: Services, flow: Flow, event: TicketOpened, key: ApiKey, name: str, local) -> Filed:
    flows = svc.flows
    with unit_of_work(svc) as session:
        contact = Contact(name=" ".join(name.split())[:MAX_NAME], lang=event.lang)
        session.add(contact)
        session.flush()
        assert contact.id is not None
        cap = DailyCap(svc.config.tickets_per_contact_per_day, day_start(local, svc.config.city_zone()))
        context = EventContext(contact.id, CHANNEL, flows, cap, today=local.date(), config=svc.config)
        applied = apply_event(session, event, context)
        ticket = session.exec(select(Ticket).where(Ticket.folio == event.folio)).one()
        _name_the_application(session, ticket, key)
        if any(not m.get("stored") for m in ticket.media):
            session.add(Outbox(kind=MEDIA_KIND, ticket_id=ticket.id, payload={"ticket_id": ticket.id}))
        duplicate = ticket.duplicate_of is not None
    if applied.replies:
        notice = applied.replies[0].text
    else:
        values = {**event.shown, "folio": event.folio, "flow": flow.title.get(event.lang, flows.default_language)}
        notice = render(flow.done.get(event.lang, flows.default_language), values)
    return Filed(event.folio, notice, duplicate)


def _name_the_application(session, ticket: Ticket, key: ApiKey) -> None:
    """The ticket's trail says which application filed it (the key's name and id, never the key)."""
    received = session.exec(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "received")
    ).first()
    if received is not None:
        received.detail = {**received.detail, "application": key.name, "api_key_id": key.id}
        session.add(received)
