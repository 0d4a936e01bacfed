"""The privacy events' handlers: a notice answered is a consent, an ARCO request is filed, access is answered."""

from __future__ import annotations

from sqlalchemy import func, update
from sqlmodel import Session, select

from bot.conversation.event_context import Applied, EventContext
from bot.db.tables import Consent, Message, PrivacyRequest, Ticket, utcnow
from bot.flows import Flows, OutboundMessage
from bot.flows.events import DataAccessRequested, NoticeAnswered, PrivacyRequested, StatusRequested
from bot.flows.model import render
from bot.privacy import audit
from bot.privacy.export import export_link
from bot.privacy.inventory import Summary, summary
from bot.privacy.requests import file_request, privacy_of, right_label, shown_date
from bot.tickets.notices import status_label

__all__ = ["record_consent", "file_privacy_request", "answer_data_access", "privacy_request_status"]

TICKETS_LISTED = 10  # the newest; a chat message has room for no more
CHANNEL_NAMES = {"whatsapp": "WhatsApp", "sms": "SMS", "webchat": "web"}


def record_consent(session: Session, event: NoticeAnswered, ctx: EventContext) -> Applied:
    """Keep the resident's answer to the notice (version, yes or no, channel) and audit it.

    A resident who declines is told nothing of the report is kept: what they wrote for it since their last
    report or answer to the notice (the place a first message gave, say) is blanked now, counts kept.
    """
    blanked = 0 if event.accepted else _forget_unfiled_report(session, ctx.contact_id)
    session.add(
        Consent(contact_id=ctx.contact_id, notice_version=event.version, accepted=event.accepted, channel=ctx.channel)
    )
    kind = "notice_accepted" if event.accepted else "notice_declined"
    detail = {"version": event.version, "channel": ctx.channel} | ({"messages_blanked": blanked} if blanked else {})
    audit.record(session, kind, actor="resident", contact_id=ctx.contact_id, detail=detail)
    return Applied()


def _forget_unfiled_report(session: Session, contact_id: int) -> int:
    """Blank the texts and data (pins, photos' links) the contact sent since their last ticket or consent row."""
    last_ticket = select(func.max(Ticket.created_at)).where(Ticket.contact_id == contact_id)
    last_consent = select(func.max(Consent.created_at)).where(Consent.contact_id == contact_id)
    since = max((t for t in (session.exec(last_ticket).one(), session.exec(last_consent).one()) if t), default=None)
    where = [Message.contact_id == contact_id, Message.direction == "in"]
    if since is not None:
        where.append(Message.created_at > since)
    result = session.exec(update(Message).where(*where).values(text="", data={}))
    return result.rowcount or 0


def file_privacy_request(session: Session, event: PrivacyRequested, ctx: EventContext) -> Applied:
    """File the ARCO request with its due date in the city's business days, and tell the resident both."""
    request = file_request(
        session,
        contact_id=ctx.contact_id,
        folio=event.folio,
        right=event.right,
        detail=event.detail,
        channel=ctx.channel,
        lang=event.lang,
        today=ctx.today or utcnow().date(),
        privacy=privacy_of(ctx.flows),
    )
    values = {
        "folio": request.folio,
        "right": right_label(ctx.flows, event.right, event.lang),
        "due": shown_date(request.due_on),
    }
    return Applied(replies=(_say(ctx.flows, "privacy_request_filed", event.lang, values),))


def answer_data_access(session: Session, event: DataAccessRequested, ctx: EventContext) -> Applied:
    """Tell the resident what is kept about them and give them a link to download it all (audited)."""
    if ctx.config is None:
        raise ValueError("answering ARCO access needs the settings (EventContext.config) to sign the export link")
    kept = summary(session, ctx.contact_id)
    counts = {"tickets": len(kept.tickets), "messages": kept.messages, "photos": kept.photos}
    audit.record(session, "access_answered", actor="resident", contact_id=ctx.contact_id, detail=counts)
    values = {
        "tickets": _ticket_lines(ctx.flows, kept, event.lang),
        "messages": kept.messages,
        "photos": kept.photos,
        "channels": ", ".join(CHANNEL_NAMES.get(c, c) for c in kept.channels) or "—",
        "link": export_link(ctx.config, ctx.contact_id),
        "minutes": ctx.config.privacy_export_link_minutes,
    }
    return Applied(replies=(_say(ctx.flows, "privacy_summary", event.lang, values),))


def _ticket_lines(flows: Flows, kept: Summary, lang: str) -> str:
    """One line per ticket, newest first: • FOLIO — status; "—" when there are none."""
    lines = [f"• {folio} — {status_label(flows, status, lang)}" for folio, status in kept.tickets[:TICKETS_LISTED]]
    if len(kept.tickets) > TICKETS_LISTED:
        lines.append(f"• … (+{len(kept.tickets) - TICKETS_LISTED})")
    return "\n".join(lines) or "—"


def _say(flows: Flows, key: str, lang: str, values: dict) -> OutboundMessage:
    return OutboundMessage(render(flows.message(key, lang), values))


def privacy_request_status(session: Session, event: StatusRequested, ctx: EventContext) -> Applied | None:
    """ "estado FOLIO" for one of the resident's ARCO requests: its right, where it stands and its due date."""
    request = session.exec(
        select(PrivacyRequest).where(PrivacyRequest.folio == event.folio, PrivacyRequest.contact_id == ctx.contact_id)
    ).first()
    if request is None or "privacy_request_status" not in ctx.flows.messages:
        return None
    status = "open" if request.status == "open" else request.status
    values = {
        "folio": request.folio,
        "right": right_label(ctx.flows, request.right, event.lang),
        "status": ctx.flows.message(f"privacy_status_{status}", event.lang),
        "due": shown_date(request.due_on),
    }
    return Applied(replies=(_say(ctx.flows, "privacy_request_status", event.lang, values),))
