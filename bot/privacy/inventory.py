"""What the city keeps about one contact: the counts a resident is told by chat, and the whole of it for an export.

The export holds everything the contact sent and was sent — profile, addresses, consents, every message
with its location and media, tickets with their answers, places, photos and history, survey answers,
ARCO requests — as a JSON-ready dict. Other people's data stays out: operators are named by role only,
internal notes and other residents' folios (a duplicate's original) are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from bot.db.tables import (
    CampaignSend,
    Consent,
    Contact,
    ContactAddress,
    Conversation,
    Message,
    PrivacyEvent,
    PrivacyRequest,
    SurveyResponse,
    Ticket,
    TicketEvent,
    as_utc,
)

__all__ = ["Summary", "summary", "export_data", "media_files"]

RESIDENT_ACTORS = frozenset({"resident", "system"})  # any other actor is a person of the city: named by role only
EVENT_DETAIL = {  # what a ticket's audit entry may tell its resident (no operators' addresses, no notes)
    "received": ("channel",),
    "status_changed": ("from", "to", "reason", "via"),
    "replied": ("text",),
}


@dataclass(frozen=True)
class Summary:
    """What a resident is told by chat: their tickets (folio, status; newest first), messages, photos, channels."""

    tickets: tuple[tuple[str, str], ...]
    messages: int
    photos: int
    channels: tuple[str, ...]


def summary(session: Session, contact_id: int) -> Summary:
    """Count what is kept about a contact: messages they sent, media they sent, the channels they used."""
    tickets = session.exec(
        select(Ticket.folio, Ticket.status)
        .where(Ticket.contact_id == contact_id)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
    ).all()
    messages = session.exec(
        select(func.count()).select_from(Message).where(Message.contact_id == contact_id, Message.direction == "in")
    ).one()
    channels = session.exec(
        select(Message.channel).where(Message.contact_id == contact_id).distinct().order_by(Message.channel)
    ).all()
    return Summary(tuple((f, s) for f, s in tickets), messages, _media_count(session, contact_id), tuple(channels))


def _media_count(session: Session, contact_id: int) -> int:
    """The distinct files a contact sent: in their messages and on their tickets (one photo counted once)."""
    sent = session.exec(select(Message.data).where(Message.contact_id == contact_id, Message.direction == "in")).all()
    on_tickets = session.exec(select(Ticket.media).where(Ticket.contact_id == contact_id)).all()
    items = [m for data in sent for m in (data or {}).get("media", [])] + [m for media in on_tickets for m in media]
    return len({_media_key(m) for m in items if isinstance(m, dict)} - {""})


def _media_key(item: dict) -> str:
    return str(item.get("url") or item.get("stored") or "")


def export_data(session: Session, contact_id: int, has_file: Callable[[str], bool] = lambda name: True) -> dict:
    """Everything kept about a contact, JSON-ready; media refer to `media/<name>` where has_file(name) says we hold it."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise LookupError(f"no contact {contact_id}")
    media = _MediaShown(has_file)
    return {
        "contact": {
            "name": contact.name,
            "language": contact.lang,
            "created_at": _time(contact.created_at),
            "opted_out": contact.opted_out,
            "surveys_opted_in_at": _time(contact.surveys_opted_in_at),
        },
        "addresses": [{"kind": a.kind, "address": a.address} for a in _rows(session, ContactAddress, contact_id)],
        "consents": [_consent(c) for c in _rows(session, Consent, contact_id, Consent.created_at)],
        "conversation": _conversation(session, contact_id),
        "messages": [_message(m, media) for m in _rows(session, Message, contact_id, Message.created_at)],
        "tickets": [_ticket(session, t, media) for t in _rows(session, Ticket, contact_id, Ticket.created_at)],
        "survey_responses": [
            {"flow": r.flow, "language": r.lang, "answers": r.answers, "created_at": _time(r.created_at)}
            for r in _rows(session, SurveyResponse, contact_id, SurveyResponse.created_at)
        ],
        "campaign_invitations": [
            {
                "status": s.status,
                "sent_at": _time(s.sent_at),
                "answered_at": _time(s.answered_at),
                "accepted": s.accepted,
                "finished_at": _time(s.finished_at),
            }
            for s in _rows(session, CampaignSend, contact_id, CampaignSend.due_at)
        ],
        "privacy_requests": [
            _request(r) for r in _rows(session, PrivacyRequest, contact_id, PrivacyRequest.created_at)
        ],
        "privacy_events": [
            {"kind": e.kind, "created_at": _time(e.created_at), "detail": e.detail}
            for e in _rows(session, PrivacyEvent, contact_id, PrivacyEvent.created_at)
        ],
    }


def media_files(data: dict) -> list[str]:
    """The stored files an export's data refers to, each once, in order."""
    names: dict[str, None] = {}
    for message in data.get("messages", []):
        names.update(dict.fromkeys(_files(message.get("media", []))))
    for ticket in data.get("tickets", []):
        names.update(dict.fromkeys(_files(ticket.get("media", []))))
    return list(names)


def _files(media: Iterable[dict]) -> list[str]:
    return [m["file"].removeprefix("media/") for m in media if m.get("file")]


def _rows(session: Session, table, contact_id: int, order=None) -> list:
    statement = select(table).where(table.contact_id == contact_id)
    return list(
        session.exec(statement.order_by(order, table.id) if order is not None else statement.order_by(table.id))
    )


class _MediaShown:
    """Media items as an export shows them: type, size and the file in the zip (never a provider's URL)."""

    def __init__(self, has_file: Callable[[str], bool]):
        self.has_file = has_file

    def item(self, item) -> dict:
        if not isinstance(item, dict):
            return {}
        name = item.get("stored")
        shown = {"content_type": item.get("content_type"), "size": item.get("size")}
        shown["file"] = f"media/{name}" if isinstance(name, str) and name and self.has_file(name) else None
        return shown

    def items(self, media) -> list[dict]:
        return [self.item(m) for m in media or []]


def _message(message: Message, media: _MediaShown) -> dict:
    data = dict(message.data or {})
    shown: dict[str, Any] = {
        "created_at": _time(message.created_at),
        "direction": message.direction,
        "channel": message.channel,
        "text": message.text,
        "status": message.status,
    }
    if "location" in data:
        shown["location"] = data["location"]
    if "media" in data:
        shown["media"] = media.items(data["media"])
    if data.get("payload"):
        shown["button"] = data["payload"]
    if data.get("options"):
        shown["options"] = data["options"]
    return shown


def _ticket(session: Session, ticket: Ticket, media: _MediaShown) -> dict:
    return {
        "folio": ticket.folio,
        "status": ticket.status,
        "channel": ticket.channel,
        "flow": ticket.flow,
        "category": ticket.category,
        "department": ticket.department,
        "summary": ticket.summary,
        "language": ticket.lang,
        "address": ticket.address,
        "latitude": ticket.latitude,
        "longitude": ticket.longitude,
        "colonia": ticket.colonia,
        "place_note": ticket.place_note,
        "answers": _without_provider_urls(ticket.answers),
        "media": media.items(ticket.media),
        "created_at": _time(ticket.created_at),
        "updated_at": _time(ticket.updated_at),
        "events": [_ticket_event(e) for e in _ticket_events(session, ticket.id)],
    }


def _ticket_events(session: Session, ticket_id: int | None) -> list[TicketEvent]:
    statement = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
    return list(session.exec(statement.order_by(TicketEvent.created_at, TicketEvent.id)))


def _ticket_event(event: TicketEvent) -> dict:
    detail = event.detail or {}
    return {
        "kind": event.kind,
        "created_at": _time(event.created_at),
        "actor": event.actor if event.actor in RESIDENT_ACTORS else "city",
        "detail": {key: detail[key] for key in EVENT_DETAIL.get(event.kind, ()) if key in detail},
    }


def _without_provider_urls(value):
    """Answers as kept, less the provider's media URLs (the files themselves are in the zip)."""
    if isinstance(value, dict):
        return {k: _without_provider_urls(v) for k, v in value.items() if k != "url"}
    if isinstance(value, list):
        return [_without_provider_urls(v) for v in value]
    return value


def _conversation(session: Session, contact_id: int) -> dict | None:
    """A report under way: the flow, the step and what was answered so far (nothing when none is)."""
    state = session.exec(select(Conversation.state).where(Conversation.contact_id == contact_id)).first() or {}
    if not state.get("flow"):
        return None
    return {"flow": state.get("flow"), "step": state.get("step"), "answers": state.get("answers") or {}}


def _consent(consent: Consent) -> dict:
    return {
        "notice_version": consent.notice_version,
        "accepted": consent.accepted,
        "channel": consent.channel,
        "created_at": _time(consent.created_at),
    }


def _request(request: PrivacyRequest) -> dict:
    return {
        "folio": request.folio,
        "right": request.right,
        "detail": request.detail,
        "channel": request.channel,
        "status": request.status,
        "due_on": _day(request.due_on),
        "extended": request.extended,
        "response": request.response,
        "created_at": _time(request.created_at),
        "closed_at": _time(request.closed_at),
    }


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
