"""Residents' ARCO requests as a chat files them: a contact who wrote on a channel, and their open request."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.db.database import transaction
from bot.db.tables import Contact, ContactAddress, Message, Outbox, PrivacyEvent, PrivacyRequest

_numbers = itertools.count(1)


def city_today(app) -> date:
    """Today in the test app's city."""
    return datetime.now(ZoneInfo(app.extensions["ventanilla"].config.city_timezone)).date()


def seed_request(
    app,
    right: str = "cancellation",
    *,
    due_on: date | None = None,
    lang: str = "es",
    channel: str = "whatsapp",
    phone: str | None = None,
    name: str = "Lupita Treviño",
    last_wrote: datetime | None = None,
    opted_out: bool = False,
    created_at: datetime | None = None,
    detail: str = "",
    status: str = "open",
) -> str:
    """Store a contact who last wrote on `channel` and their ARCO request; return the request's folio."""
    n = next(_numbers)
    phone = phone or f"+52181{n:08d}"
    created_at = created_at or datetime.now(UTC) - timedelta(minutes=5)
    with transaction(app.extensions["ventanilla"].engine) as db:
        contact = Contact(name=name, lang=lang, opted_out=opted_out)
        db.add(contact)
        db.flush()
        kind = "webchat" if channel == "webchat" else "phone"
        db.add(ContactAddress(contact_id=contact.id, kind=kind, address=phone))
        db.add(
            Message(
                contact_id=contact.id,
                direction="in",
                channel=channel,
                provider="webchat" if channel == "webchat" else "twilio",
                provider_id=f"SMarco{n:08d}",
                text="borrar mis datos",
                created_at=last_wrote or created_at,
            )
        )
        request = PrivacyRequest(
            folio=f"2611-ARC{n:03d}",
            contact_id=contact.id,
            right=right,
            detail=detail,
            channel=channel,
            lang=lang,
            status=status,
            due_on=due_on or city_today(app) + timedelta(days=21),
            created_at=created_at,
            closed_at=created_at if status != "open" else None,
        )
        db.add(request)
        db.flush()
        return request.folio


def stored(app, folio: str) -> tuple[PrivacyRequest, Contact]:
    """The request and its contact as stored now."""
    with Session(app.extensions["ventanilla"].engine) as db:
        request = db.exec(select(PrivacyRequest).where(PrivacyRequest.folio == folio)).one()
        return request, db.get(Contact, request.contact_id)


def events_of(app, folio: str) -> list[PrivacyEvent]:
    """The privacy audit trail of a request, oldest first."""
    request, _ = stored(app, folio)
    with Session(app.extensions["ventanilla"].engine) as db:
        return list(
            db.exec(select(PrivacyEvent).where(PrivacyEvent.request_id == request.id).order_by(PrivacyEvent.id)).all()
        )


def messages_to(app, folio: str) -> list[Message]:
    """What was written to the request's resident, oldest first."""
    request, _ = stored(app, folio)
    with Session(app.extensions["ventanilla"].engine) as db:
        return list(
            db.exec(
                select(Message)
                .where(Message.contact_id == request.contact_id, Message.direction == "out")
                .order_by(Message.id)
            ).all()
        )


def outbox_rows(app, kind: str | None = None) -> list[Outbox]:
    """Every outbox row (of a kind), oldest first."""
    with Session(app.extensions["ventanilla"].engine) as db:
        statement = select(Outbox).order_by(Outbox.id)
        if kind:
            statement = statement.where(Outbox.kind == kind)
        return list(db.exec(statement).all())
