"""Survey campaigns as tests set them up: residents who asked for surveys over Twilio's WhatsApp, their past
reports, and a flows file whose election calendar covers today (an electoral blackout)."""

from __future__ import annotations

import itertools
import shutil
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select

from bot.db.database import transaction
from bot.db.tables import ContactAddress, Outbox, Ticket, utcnow
from bot.jobs.outbox import relay
from bot.messaging.phones import normalize_phone
from bot.tickets.folio import new_folio
from tests.support.app import ROOT, Resident
from tests.support.outbox import work

ADMIN = "alcaldia@sanpedro.example.mx"
SURVEY_QUESTION = "¿Qué parque quieres evaluar?"
_numbers = itertools.count(100)


def neighbour(client, name: str = "Vecina", surveys: bool = True) -> Resident:
    """A resident on Twilio's WhatsApp with a number of their own, who wrote just now ("quiero encuestas" if surveys)."""
    phone = f"+52181{next(_numbers):08d}"
    resident = Resident(client, From=f"whatsapp:{phone}", WaId=phone.lstrip("+"), ProfileName=name)
    resident.phone = phone  # type: ignore[attr-defined]
    resident.number = normalize_phone(phone)  # type: ignore[attr-defined]  # as stored: +52 and ten digits
    reply = resident.says("quiero encuestas" if surveys else "hola")
    assert ("encuestas" in reply) is surveys, reply
    return resident


def contact_of(app, resident: Resident) -> int:
    with Session(app.extensions["ventanilla"].engine) as session:
        return session.exec(select(ContactAddress.contact_id).where(ContactAddress.address == resident.number)).one()  # type: ignore[attr-defined]


def reported(app, resident: Resident, colonia: str, category: str = "bache") -> str:
    """A past report of the resident's, placed in a colonia; returns its folio."""
    contact_id, folio = contact_of(app, resident), new_folio(utcnow())
    with transaction(app.extensions["ventanilla"].engine, immediate=True) as session:
        session.add(
            Ticket(folio=folio, contact_id=contact_id, channel="whatsapp", flow="pothole", department="obras_publicas",
                   category=category, summary=f"{category} en {colonia}", colonia=colonia, status="resolved")
        )  # fmt: skip
    return folio


def flows_file(tmp_path: Path, blackout: bool = True, exempt: str | None = None) -> Path:
    """A copy of the shipped flows.yaml (with its parks) whose election covers today and tomorrow, or is over;
    exempt marks the park survey exempt from blackouts (health, education, civil_protection)."""
    today = utcnow().date()
    start, end = (
        (today - timedelta(days=2), today + timedelta(days=2))
        if blackout
        else (today - timedelta(days=60), today - timedelta(days=30))
    )
    text = (ROOT / "flows.yaml").read_text(encoding="utf-8")
    text = text.replace('from: "2027-04-04"', f'from: "{start}"').replace('to: "2027-06-06"', f'to: "{end}"')
    assert f'from: "{start}"' in text
    if exempt:
        text = text.replace(
            "    outcome:\n      kind: survey", f"    exempt: {exempt}\n    outcome:\n      kind: survey"
        )
        assert f"exempt: {exempt}" in text
    folder = tmp_path / ("blackout" if blackout else "calm") / (exempt or "all")
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "parks.csv", folder / "parks.csv")
    path = folder / "flows.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def created(admin, **fields) -> int:
    """Create a campaign from the dashboard's form; return its id."""
    form = {"name": "Parques de diciembre", "flow": "park_evaluation", "template": "survey_invitation", **fields}
    response = admin.post("/dashboard/campaigns", data=form)
    assert response.status_code == 302, response.text[:2000]
    return int(response.location.rsplit("/", 1)[1])


def everything_due_now(app) -> None:
    """As if the campaign's minutes had passed: every pending row is due and relayed, and a worker runs them."""
    svc = app.extensions["ventanilla"]
    for _ in range(3):
        with transaction(svc.engine, immediate=True) as session:
            for row in session.exec(select(Outbox).where(Outbox.status == "pending")):
                row.available_at, row.created_at = None, row.created_at - timedelta(minutes=5)
                session.add(row)
        relay(svc.engine, svc.queue)
        work(app)


def figure(page: str, name: str) -> str:
    marker = f'data-figure="{name}">'
    return page.split(marker, 1)[1].split("<", 1)[0]
