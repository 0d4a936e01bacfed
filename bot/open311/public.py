"""What a ticket shows anyone who asks Open311: the report, never the resident.

Never a phone, a name, an e-mail, an operator's words or a resident's own text: the description is the
ticket's summary (written from the flow's template), or the service's name when a step of its flow is
`private: true` (the summary may quote that answer). The address is left out when the flow's location
step is private (a resident's home); the point is rounded to OPEN311_COORDINATE_DECIMALS. A media URL is
shown only when an Open311 client sent it (it was public already); residents' photos never are.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Row

from bot.config import Config
from bot.conversation.form_requests import CHANNEL
from bot.db.tables import Ticket, as_utc
from bot.flows.model import MEDIA_KINDS, Flow, Flows
from bot.open311.catalogue import service_code
from bot.tickets.lifecycle import OPEN_STATUSES
from bot.tickets.notices import status_label

__all__ = ["public_request", "open_or_closed", "STATUSES_OF"]

STATUSES_OF = {"open": OPEN_STATUSES}  # "closed": every other status (see open_or_closed)


def open_or_closed(status: str) -> str:
    """GeoReport's two statuses: open while the city works on it, closed once resolved, closed or rejected."""
    return "open" if status in OPEN_STATUSES else "closed"


def public_request(ticket: Ticket | Row, flows: Flows, config: Config) -> dict:
    """The ticket (or its row of bot.tickets.public_requests.SHOWN) as one request of GET requests, in the spec's
    order of fields."""
    flow = flows.flows.get(ticket.flow)
    lang, zone = flows.default_language, config.city_zone()
    name = flow.title.get(lang, lang) if flow else ticket.category
    department = flows.departments.get(ticket.department)
    private = {s.kind for s in flow.steps if s.private} if flow else set()
    decimals = config.open311_coordinate_decimals
    return {
        "service_request_id": ticket.folio,
        "status": open_or_closed(ticket.status),
        "status_notes": status_label(flows, ticket.status, lang),
        "service_name": name,
        "service_code": service_code(flow) if flow else ticket.flow,
        "description": name if private else ticket.summary,
        "agency_responsible": department.name if department else ticket.department,
        "service_notice": None,
        "requested_datetime": _moment(ticket.created_at, zone),
        "updated_datetime": _moment(ticket.updated_at, zone),
        "expected_datetime": _moment(ticket.due_at, zone) if ticket.status in OPEN_STATUSES else None,
        "address": None if "location" in private else ticket.address,
        "address_id": None,
        "zipcode": None,
        "lat": _rounded(ticket.latitude, decimals),
        "long": _rounded(ticket.longitude, decimals),
        "media_url": _media_url(ticket, flow, private),
    }


def _moment(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """W3C date and time with the city's offset (2026-11-30T09:15:00-06:00)."""
    return as_utc(moment).astimezone(zone).isoformat(timespec="seconds") if moment is not None else None


def _rounded(degrees: float | None, decimals: int) -> float | None:
    return round(degrees, decimals) if degrees is not None else None


def _media_url(ticket: Ticket | Row, flow: Flow | None, private: set[str]) -> str | None:
    if ticket.channel != CHANNEL or private & set(MEDIA_KINDS) or flow is None:
        return None
    return next((m["url"] for m in ticket.media if isinstance(m, dict) and isinstance(m.get("url"), str)), None)
