"""One handler per engine event, applied in the same transaction as the message."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, select

from bot.campaigns.answers import record_finished
from bot.config import Config
from bot.conversation.campaign_events import invitation_answered, surveys_opted_in, surveys_opted_out
from bot.conversation.event_context import Applied, EventContext
from bot.conversation.privacy_events import (
    answer_data_access,
    file_privacy_request,
    privacy_request_status,
    record_consent,
)
from bot.conversation.ticket_cap import refusal
from bot.db.tables import Contact, Message, Outbox, SurveyResponse, Ticket, TicketEvent, utcnow
from bot.flows import (
    Flows,
    HandoverRequested,
    OptedIn,
    OptedOut,
    OutboundMessage,
    StatusRequested,
    SurveyCompleted,
    TicketOpened,
)
from bot.flows.events import (
    DataAccessRequested,
    FollowupAnswered,
    InvitationAnswered,
    NoticeAnswered,
    PrivacyRequested,
    SurveysOptedIn,
    SurveysOptedOut,
)
from bot.flows.model import render
from bot.reports.tallies import record_response
from bot.tickets.folio import select_by_folio
from bot.tickets.followup import record_answer
from bot.tickets.geo import degrees_around, distance_m
from bot.tickets.lifecycle import OPEN_STATUSES
from bot.tickets.notices import duplicate_linked_notice, status_label
from bot.tickets.sla import due_at

__all__ = ["EVENT_HANDLERS", "apply_event", "EventContext", "Applied"]


def open_ticket(session: Session, event: TicketOpened, ctx: EventContext) -> Applied:
    """Store the ticket, its first audit entry and its delivery in the outbox (unless over the daily cap)."""
    if (refused := _over_daily_cap(session, event, ctx)) is not None:
        return refused
    location = event.location or {}
    ticket = Ticket(
        folio=event.folio,
        contact_id=ctx.contact_id,
        channel=ctx.channel,
        flow=event.flow,
        department=event.department,
        category=event.category,
        priority=event.priority,
        summary=event.summary,
        lang=event.lang,
        answers=event.answers,
        media=_with_stored_copies(session, ctx.contact_id, list(event.media)),
        address=location.get("address") or location.get("label"),
        latitude=location.get("latitude"),
        longitude=location.get("longitude"),
        **_place_columns(location),
    )
    original = _nearby_open_report(session, ctx.flows, event, ticket)
    if original is None:
        return _store_ticket(session, ticket, ctx, {"channel": ctx.channel, "shown": event.shown})
    return _link_duplicate(session, ctx, ticket, original, event)


def _over_daily_cap(session: Session, event: TicketOpened | HandoverRequested, ctx: EventContext) -> Applied | None:
    """Nothing filed for a resident over the daily cap (TICKETS_PER_CONTACT_PER_DAY): told why, not a folio."""
    told = refusal(session, ctx.contact_id, ctx.cap, ctx.flows, event.lang, f"{event.flow}: {event.summary}")
    return None if told is None else Applied(replies=(told,), withdrawn=event.folio)


def _place_columns(location: dict) -> dict:
    """Where the engine placed the report, as the ticket's columns: colonia, zone, method, confidence, note.

    A pin carries no method of its own: it was placed by the resident ("pin"). Its note is the street
    the map finds it near; a typed address's is the resident's reference ("frente a la primaria").
    """
    method = _text(location.get("method"))
    if method is None and location.get("latitude") is not None and location.get("longitude") is not None:
        method = "pin"
    confidence = location.get("confidence")
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not math.isfinite(confidence):
        confidence = None
    notes = [note for note in (_text(location.get("near")), _text(location.get("reference"))) if note]
    return {
        "colonia": _text(location.get("colonia")),
        "zone": _text(location.get("zone")),
        "geo_method": method,
        "geo_confidence": None if confidence is None else min(1.0, max(0.0, float(confidence))),
        "place_note": " · ".join(notes) or None,
    }


def _text(value) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _nearby_open_report(session: Session, flows: Flows, event: TicketOpened, ticket: Ticket) -> Ticket | None:
    """An open report of the same category within the flow's duplicate radius, the nearest one."""
    flow = flows.flows.get(event.flow)
    radius = flow.outcome.duplicate_radius_m if flow else None
    if not radius or ticket.latitude is None or ticket.longitude is None:
        return None
    dlat, dlng = degrees_around(ticket.latitude, radius)
    candidates = session.exec(
        select(Ticket).where(
            Ticket.category == ticket.category,
            Ticket.status.in_(OPEN_STATUSES),
            Ticket.duplicate_of.is_(None),
            Ticket.latitude.between(ticket.latitude - dlat, ticket.latitude + dlat),
            Ticket.longitude.between(ticket.longitude - dlng, ticket.longitude + dlng),
        )
    ).all()
    near = [(distance_m(ticket.latitude, ticket.longitude, t.latitude, t.longitude), t.id, t) for t in candidates]
    near = [item for item in near if item[0] <= radius]
    return min(near)[2] if near else None


def _link_duplicate(
    session: Session, ctx: EventContext, ticket: Ticket, original: Ticket, event: TicketOpened
) -> Applied:
    """Keep the new report, linked to the open one: nothing new for the department, the resident told."""
    ticket.duplicate_of = original.id
    ticket.due_at = due_at(ctx.flows, ticket.flow, ticket.department, ticket.created_at)
    session.add(ticket)
    session.flush()
    detail = {"channel": ctx.channel, "duplicate_of": original.folio}
    session.add(TicketEvent(ticket_id=ticket.id, kind="received", actor="resident", detail=detail))
    session.add(
        TicketEvent(ticket_id=original.id, kind="duplicate_linked", actor="system", detail={"folio": ticket.folio})
    )
    notice = duplicate_linked_notice(ctx.flows, event.lang, ticket.folio)  # never the other resident's folio
    return Applied(replies=(notice,) if notice else (), opened=ticket.department)


def _with_stored_copies(session: Session, contact_id: int, media: list[dict]) -> list[dict]:
    """Media already downloaded while the conversation went on carry the name of our copy."""
    if not media:
        return media
    recent = session.exec(
        select(Message.data)
        .where(Message.contact_id == contact_id, Message.direction == "in")
        .order_by(Message.id.desc())
        .limit(RECENT_MESSAGES)
    ).all()
    stored = {m["url"]: m for data in recent for m in data.get("media", []) if m.get("stored")}
    return [stored.get(m.get("url"), m) for m in media]


RECENT_MESSAGES = 50


def hand_over(session: Session, event: HandoverRequested, ctx: EventContext) -> Applied:
    """Open a ticket asking a person of the department to take the conversation over.

    What the resident sent that the flow could not read (a voice note, a photo) goes with it. A resident over
    the daily cap is told so instead.
    """
    if (refused := _over_daily_cap(session, event, ctx)) is not None:
        return refused
    ticket = Ticket(
        folio=event.folio,
        contact_id=ctx.contact_id,
        channel=ctx.channel,
        flow=event.flow,
        department=event.department,
        category="handover",
        priority="high",
        summary=event.summary,
        lang=event.lang,
        answers=event.answers,
        media=_with_stored_copies(session, ctx.contact_id, list(event.media)),
    )
    return _store_ticket(session, ticket, ctx, {"channel": ctx.channel, "reason": "too many failed answers"})


def _store_ticket(session: Session, ticket: Ticket, ctx: EventContext, detail: dict) -> Applied:
    ticket.due_at = due_at(ctx.flows, ticket.flow, ticket.department, ticket.created_at)
    session.add(ticket)
    session.flush()
    session.add(TicketEvent(ticket_id=ticket.id, kind="received", actor="resident", detail=detail))
    outbox = Outbox(kind="deliver_ticket", ticket_id=ticket.id)
    session.add(outbox)
    return Applied([outbox], opened=ticket.department)


def store_survey_response(session: Session, event: SurveyCompleted, ctx: EventContext) -> Applied:
    """Store a completed survey; nothing to deliver."""
    answers = {**event.answers, **{f"{k}_label": v for k, v in event.shown.items() if v != str(event.answers.get(k))}}
    response = SurveyResponse(flow=event.flow, contact_id=ctx.contact_id, lang=event.lang, answers=answers)
    session.add(response)
    zone = ctx.config.city_zone() if ctx.config is not None else ZoneInfo(Config.model_fields["city_timezone"].default)
    record_response(session, ctx.flows.flows.get(event.flow), response, zone)  # the results' tallies, same commit
    record_finished(session, ctx.contact_id, event.flow, utcnow())  # a campaign's answer, if it invited them
    return Applied()


def answer_status(session: Session, event: StatusRequested, ctx: EventContext) -> Applied:
    """Tell the resident where their report stands (only their own folios)."""
    ticket = session.exec(select_by_folio(event.folio).where(Ticket.contact_id == ctx.contact_id)).first()
    flows, lang = ctx.flows, event.lang
    if ticket is None and (request := privacy_request_status(session, event, ctx)) is not None:
        return request
    if ticket is None:
        return Applied(
            replies=(OutboundMessage(render(flows.message("status_unknown", lang), {"folio": event.folio})),)
        )
    values = {"folio": ticket.folio, "summary": ticket.summary, "status": status_label(flows, ticket.status, lang)}
    return Applied(replies=(OutboundMessage(render(flows.message("status_reply", lang), values)),))


def answer_followup(session: Session, event: FollowupAnswered, ctx: EventContext) -> Applied:
    """Keep the resident's answer to the city's follow-up; "no" reopens their ticket, and they are told so."""
    return Applied(replies=record_answer(session, ctx.flows, event, ctx.contact_id, utcnow()))


def opt_out(session: Session, event: OptedOut, ctx: EventContext) -> Applied:
    """Remember that the resident does not want messages any more."""
    _set_opted_out(session, ctx.contact_id, True)
    return Applied()


def opt_in(session: Session, event: OptedIn, ctx: EventContext) -> Applied:
    """Remember that the resident wants messages again."""
    _set_opted_out(session, ctx.contact_id, False)
    return Applied()


def _set_opted_out(session: Session, contact_id: int, opted_out: bool) -> None:
    session.execute(update(Contact).where(Contact.id == contact_id).values(opted_out=opted_out))


# Each handler takes its own event class (the key it is registered under), so the event argument is Any here.
EventHandler = Callable[[Session, Any, EventContext], Applied]

EVENT_HANDLERS: dict[type, EventHandler] = {
    TicketOpened: open_ticket,
    HandoverRequested: hand_over,
    SurveyCompleted: store_survey_response,
    StatusRequested: answer_status,
    OptedOut: opt_out,
    OptedIn: opt_in,
    NoticeAnswered: record_consent,
    PrivacyRequested: file_privacy_request,
    DataAccessRequested: answer_data_access,
    FollowupAnswered: answer_followup,
    SurveysOptedIn: surveys_opted_in,
    SurveysOptedOut: surveys_opted_out,
    InvitationAnswered: invitation_answered,
}


def apply_event(session: Session, event, ctx: EventContext) -> Applied:
    """Apply one event with its handler."""
    return EVENT_HANDLERS[type(event)](session, event, ctx)
