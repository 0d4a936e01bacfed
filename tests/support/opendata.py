"""A city with tickets and survey responses full of personal data, for the open data's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.db.database import transaction
from bot.db.tables import Ticket, TicketEvent, TicketFollowup, utcnow
from bot.opendata import publish
from tests.support.app import ROOT, Resident
from tests.support.desks import seed_ticket

# What must never be published: residents' numbers, names and words, and the exact places of their reports.
RESIDENT_PHONE = "+5218119876543"
RESIDENT_NAME = "Lupita"
SUMMARY = "Fuga frente a la casa de Xochitl Ramírez, Hidalgo 221"
ADDRESS = "Morelos y 5 de Mayo"
MESSAGE = "la fuga está en mi casa, llámenme al 8119876543"
COMMENT = "Faltan botes de basura cerca de los juegos, escríbanme a vecina@correo.mx o al 81 1234 5678"
CENTRO = (25.6573, -100.4024)  # three open reports here
MITRAS = (25.7012, -100.3307)  # one open report alone here
PUBLIC_COMMENT_STEP = "        label: {es: Comentario, en: Comment}\n"


def place(app, folio: str, colonia: str | None) -> None:
    with transaction(app.extensions["ventanilla"].engine) as db:
        ticket = db.exec(select(Ticket).where(Ticket.folio == folio)).one()
        ticket.colonia = colonia
        db.add(ticket)


def resolve(app, folio: str, after: timedelta) -> None:
    """Mark a ticket resolved `after` its creation, as the lifecycle records it (the trigger keeps resolved_at)."""
    with transaction(app.extensions["ventanilla"].engine) as db:
        ticket = db.exec(select(Ticket).where(Ticket.folio == folio)).one()
        ticket.status = "resolved"
        db.add(ticket)
        db.add(
            TicketEvent(
                ticket_id=ticket.id,
                kind="status_changed",
                actor="ana@x.mx",
                detail={"from": "in_progress", "to": "resolved"},
                created_at=ticket.created_at.replace(tzinfo=UTC) + after,
            )
        )


def seed_city(app) -> list[str]:
    """Open and resolved tickets of two departments in two colonias, with residents' data; returns the folios."""
    now = datetime.now(UTC)
    personal = {"summary": SUMMARY, "texts": ("hola", MESSAGE)}
    folios = []
    for n in range(3):
        phone = RESIDENT_PHONE if n == 0 else None  # a number is one contact's
        folios.append(
            seed_ticket(app, latitude=CENTRO[0], longitude=CENTRO[1], created_at=now, phone=phone, **personal)
        )
        place(app, folios[-1], "Centro")
    folios.append(seed_ticket(app, latitude=MITRAS[0], longitude=MITRAS[1], created_at=now, **personal))
    place(app, folios[-1], "Mitras")
    for hours in (2, 4, 30):  # Obras Públicas: a median of 4 h, all within their 48 h
        folios.append(seed_ticket(app, latitude=MITRAS[0], longitude=MITRAS[1], created_at=now - timedelta(days=3)))
        resolve(app, folios[-1], timedelta(hours=hours))
    late = seed_ticket(
        app, department="servicios_publicos", category="basura", flow="trash", created_at=now - timedelta(days=5)
    )
    resolve(app, late, timedelta(hours=60))  # past its 48 h
    folios.append(late)
    return folios


def answer_followup(app, folio: str, fixed: bool, rating: int | None = None) -> None:
    """The ticket's resident answered the follow-up about its resolution (as bot/tickets/followup.py keeps it)."""
    with transaction(app.extensions["ventanilla"].engine) as db:
        ticket = db.exec(select(Ticket).where(Ticket.folio == folio)).one()
        resolution = db.exec(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "status_changed")
        ).one()
        db.add(
            TicketFollowup(
                ticket_id=ticket.id,
                resolution_id=resolution.id,
                contact_id=ticket.contact_id,
                department=ticket.department,
                status="answered",
                fixed=fixed,
                rating=rating,
                answered_at=utcnow(),
            )
        )


def rate_a_park(app, comment: str = COMMENT) -> None:
    """A resident rates Parque Rufino Tamayo over WhatsApp and leaves a comment with their number and e-mail."""
    resident = Resident(app.test_client())
    for said in ("hola", "4", "rufino", "4", "5", "3"):
        resident.says(said)
    assert "¡Gracias por evaluar Parque Rufino Tamayo!" in resident.says(comment)


def flows_with_public_comments(folder) -> str:
    """The shipped flows.yaml with the park survey's comment step marked public; returns its path."""
    text = (ROOT / "flows.yaml").read_text()
    assert text.count(PUBLIC_COMMENT_STEP) == 1
    (folder / "flows.yaml").write_text(
        text.replace(PUBLIC_COMMENT_STEP, PUBLIC_COMMENT_STEP + "        public: true\n")
    )
    (folder / "parks.csv").write_text((ROOT / "parks.csv").read_text())
    return str(folder / "flows.yaml")


def publish_now(app):
    svc = app.extensions["ventanilla"]
    return publish(svc.engine, svc.config, svc.flows, utcnow())
