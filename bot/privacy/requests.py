"""Filing an ARCO request (rectification, cancellation, opposition): its folio, its legal due date, its audit entry."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from bot.db.tables import PrivacyRequest
from bot.flows.model import Flows, Privacy
from bot.privacy import audit
from bot.privacy.calendar import add_business_days

__all__ = ["DEFAULT_PRIVACY", "privacy_of", "due_on", "file_request", "right_label", "shown_date"]

DEFAULT_PRIVACY = Privacy(version="", notice_url="")  # the law's 20 business days, federal holidays counted


def privacy_of(flows: Flows) -> Privacy:
    """The flows' privacy settings, or the law's defaults when flows.yaml has no `privacy:`."""
    return flows.privacy or DEFAULT_PRIVACY


def due_on(today: date, privacy: Privacy) -> date:
    """The last business day to answer a request filed today (the city's today)."""
    return add_business_days(today, privacy.answer_days, privacy)


def file_request(
    session: Session,
    *,
    contact_id: int,
    folio: str,
    right: str,
    detail: str,
    channel: str,
    lang: str,
    today: date,
    privacy: Privacy,
) -> PrivacyRequest:
    """Store an open request due answer_days business days after today, and audit that it was filed."""
    request = PrivacyRequest(
        folio=folio,
        contact_id=contact_id,
        right=right,
        detail=detail,
        channel=channel,
        lang=lang,
        due_on=due_on(today, privacy),
    )
    session.add(request)
    session.flush()
    audit.record(
        session,
        "request_filed",
        actor="resident",
        request_id=request.id,
        contact_id=contact_id,
        detail={"folio": folio, "right": right, "channel": channel, "due_on": request.due_on.isoformat()},
    )
    return request


def right_label(flows: Flows, right: str, lang: str) -> str:
    """A right as residents read it (flows.yaml privacy_right_<right>), or its name when flows.yaml has none."""
    key = f"privacy_right_{right}"
    return flows.message(key, lang) if key in flows.messages else right


def shown_date(day: date) -> str:
    """A date as residents read it: dd/mm/yyyy."""
    return f"{day:%d/%m/%Y}"
