"""A cap on the reports one resident files per day (TICKETS_PER_CONTACT_PER_DAY), which an operator can lift.

One number or web chat address finishing flows over and over would flood the departments. Before a
ticket (or a handover ticket) is stored, `refusal` counts, in the message's own write transaction and in
one statement, the contact's tickets since the start of the city's day (CITY_TIMEZONE) and whether an
operator lifted the cap for them today. Over the cap nothing is filed: the flow ends with the
`ticket_cap_reached` message instead of the folio (the conversation's messages are stored as always),
and the report not filed is noted in the audit of the resident's latest ticket, where an operator can
`lift` the cap for the rest of the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, exists, func, select
from sqlmodel import Session

from bot.db.tables import Ticket, TicketEvent, utcnow
from bot.flows import Flows, OutboundMessage
from bot.flows.model import render

__all__ = ["CAP_LIFTED", "CAP_REACHED", "DailyCap", "day_start", "refusal", "standing", "lift"]

CAP_REACHED = "ticket_cap_reached"  # audit: a report was not filed, the resident had reached the cap
CAP_LIFTED = "ticket_cap_lifted"  # audit: an operator let the resident file more reports today
MESSAGE = "ticket_cap_reached"  # the flows.yaml message; optional, these words stand in for it
FALLBACK = {
    "es": "Ya recibimos muchos reportes tuyos hoy ({cap}) 🙏 Este no lo levanté, pero lo que escribiste queda"
    " guardado y el equipo lo puede revisar. Mañana puedes volver a reportar.",
    "en": "We've already received many reports from you today ({cap}) 🙏 I didn't file this one, but what you"
    " wrote is kept and the team can review it. You can report again tomorrow.",
}
SUMMARY_KEPT = 300  # characters of the report not filed, in the audit note

_TICKET, _EVENT = Ticket.__table__, TicketEvent.__table__
_CONTACT_TICKETS = select(_TICKET.c.id).where(_TICKET.c.contact_id == bindparam("contact_id"))
# One statement: the contact's tickets since the city's midnight, and whether the cap was lifted since then.
_TODAY = select(
    select(func.count())
    .where(_TICKET.c.contact_id == bindparam("contact_id"), _TICKET.c.created_at >= bindparam("since"))
    .scalar_subquery()
    .label("filed"),
    exists()
    .where(
        _EVENT.c.kind == CAP_LIFTED,
        _EVENT.c.created_at >= bindparam("since"),
        _EVENT.c.ticket_id.in_(_CONTACT_TICKETS),
    )
    .label("lifted"),
)
_LATEST = select(func.max(_TICKET.c.id)).where(_TICKET.c.contact_id == bindparam("contact_id"))


@dataclass(frozen=True)
class DailyCap:
    """The cap in force for a message: how many reports a day (0: none) and when the city's day began (UTC)."""

    per_day: int = 0
    since: datetime | None = None


@dataclass(frozen=True)
class Standing:
    """Where a resident stands today: reports filed since the city's midnight, and whether the cap is lifted."""

    filed: int
    lifted: bool


def day_start(now: datetime, zone: ZoneInfo) -> datetime:
    """The moment the city's day holding `now` began, in UTC (as timestamps are stored)."""
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time(), tzinfo=zone).astimezone(UTC)


def standing(session: Session, contact_id: int, since: datetime) -> Standing:
    """How many tickets the contact opened since `since`, and whether an operator lifted their cap since then."""
    row = session.execute(_TODAY, {"contact_id": contact_id, "since": since}).one()
    return Standing(row.filed, bool(row.lifted))


def refusal(
    session: Session, contact_id: int, cap: DailyCap, flows: Flows, lang: str, report: str
) -> OutboundMessage | None:
    """None when the contact may file one more report today; else what to tell them, the refusal being noted
    in the audit of their latest ticket (`report` says what was not filed)."""
    if not cap.per_day or cap.since is None:
        return None
    today = standing(session, contact_id, cap.since)
    if today.filed < cap.per_day or today.lifted:
        return None
    latest = session.execute(_LATEST, {"contact_id": contact_id}).scalar()
    if latest is not None:
        text = f"Not filed (the daily cap of {cap.per_day} reports was reached): {report[:SUMMARY_KEPT]}"
        detail = {"text": text, "cap": cap.per_day, "report": report[:SUMMARY_KEPT]}  # text: English; the rest: pages'
        session.add(TicketEvent(ticket_id=latest, kind=CAP_REACHED, actor="system", detail=detail))
    return OutboundMessage(render(_words(flows, lang), {"cap": str(cap.per_day)}))


def _words(flows: Flows, lang: str) -> str:
    if MESSAGE in flows.messages:
        return flows.message(MESSAGE, lang)
    return FALLBACK.get(lang, FALLBACK["es"])


def lift(session: Session, ticket: Ticket, actor: str, zone: ZoneInfo, now: datetime | None = None) -> bool:
    """Let the ticket's resident file reports for the rest of the city's day; False if already lifted today."""
    now = now or utcnow()
    since = day_start(now, zone)
    if standing(session, ticket.contact_id, since).lifted:
        return False
    until = (since.astimezone(zone) + timedelta(days=1)).replace(tzinfo=None)
    reason = f"the resident may file more reports today (until {until:%Y-%m-%d %H:%M}, {zone.key})"
    session.add(
        TicketEvent(ticket_id=ticket.id, kind=CAP_LIFTED, actor=actor, detail={"reason": reason}, created_at=now)
    )
    return True
