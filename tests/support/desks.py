"""The dashboard as operators meet it: accounts, a signed-in browser (the Flask test client), stored tickets."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser

import pytest
from sqlmodel import Session, select

from bot.db.database import transaction
from bot.db.tables import (
    Contact,
    ContactAddress,
    Message,
    Operator,
    Outbox,
    Ticket,
    TicketEvent,
)
from bot.operators import create_operator, start_session
from bot.tickets.folio import new_folio

PASSWORD = "correct horse battery staple"
_phones = itertools.count(1000)


def add_operator(
    app,
    email: str,
    role: str = "operator",
    departments=("obras_publicas",),
    password: str = PASSWORD,
    language: str = "en",
) -> str:
    """Create an operator account; return its email. Test operators read English unless asked (language="es"), so
    the tests' English assertions say what they mean; tests/dashboard/test_languages.py covers Spanish."""
    with transaction(app.extensions["ventanilla"].engine) as db:
        create_operator(db, email, password, role, list(departments) if role != "admin" else [], language=language)
    return email


class Desk:
    """An operator's browser: signs in through the login form, sends the page's CSRF token with every form."""

    def __init__(self, app, email: str, password: str = PASSWORD):
        self.client = app.test_client()
        self.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # the login page before sign-in, as the operator
        self.email, self.password, self.csrf = email, password, ""

    def login(self) -> Desk:
        response = self.client.post(
            "/dashboard/login",
            data={
                "email": self.email,
                "password": self.password,
                "csrf_token": self.token_from(self.client.get("/dashboard/login")),
            },
        )
        assert response.status_code == 302, response.data[:500]
        self.csrf = self.token_from(self.client.get("/dashboard/"))
        return self

    @staticmethod
    def token_from(response) -> str:
        found = re.search(r'name="csrf-token" content="([^"]+)"', response.text) or re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"', response.text
        )
        assert found, f"no CSRF token on the page: {response.text[:300]}"
        return found[1]

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs):
        return self.client.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)


@pytest.fixture
def desk(app):
    """Sign in as `email` (created with `role` and `departments` first): desk('ana@x', 'operator', ['parques'])."""

    def sign_in(email: str, role: str = "operator", departments=("obras_publicas",), language: str = "en") -> Desk:
        add_operator(app, email, role, departments, language=language)
        return Desk(app, email).login()

    return sign_in


def seed_ticket(
    app,
    department: str = "obras_publicas",
    category: str = "bache",
    flow: str = "pothole",
    status: str = "received",
    summary: str = "Bache en Morelos y 5 de Mayo",
    phone: str | None = None,
    channel: str = "whatsapp",
    created_at: datetime | None = None,
    sla: timedelta = timedelta(hours=48),
    latitude: float | None = 25.6573,
    longitude: float | None = -100.4024,
    texts: tuple[str, ...] = ("hola", "bache", "Morelos y 5 de Mayo"),
    media: list | None = None,
) -> str:
    """Store a ticket as a finished conversation leaves it (contact, number, messages, ticket, audit); return its folio."""
    created_at = created_at or datetime.now(UTC)
    phone = phone or f"+52181{next(_phones):08d}"
    with transaction(app.extensions["ventanilla"].engine) as db:
        contact = Contact(name="Lupita")
        db.add(contact)
        db.flush()
        db.add(ContactAddress(contact_id=contact.id, kind="phone", address=phone))
        for n, text in enumerate(texts):
            db.add(
                Message(
                    contact_id=contact.id,
                    direction="in",
                    channel=channel,
                    provider="twilio",
                    provider_id=f"SM{contact.id:08d}{n:04d}",
                    text=text,
                    created_at=created_at,
                )
            )
        ticket = Ticket(
            folio=new_folio(created_at),
            contact_id=contact.id,
            channel=channel,
            flow=flow,
            department=department,
            category=category,
            status=status,
            summary=summary,
            address="Morelos y 5 de Mayo",
            latitude=latitude,
            longitude=longitude,
            media=media or [],
            created_at=created_at,
            updated_at=created_at,
            due_at=created_at + sla,
        )
        db.add(ticket)
        db.flush()
        db.add(
            TicketEvent(
                ticket_id=ticket.id,
                kind="received",
                actor="resident",
                detail={"channel": channel},
                created_at=created_at,
            )
        )
        return ticket.folio


def read_ticket(app, folio: str) -> Ticket:
    """The ticket as stored now."""
    from sqlmodel import select

    with Session(app.extensions["ventanilla"].engine) as db:
        return db.exec(select(Ticket).where(Ticket.folio == folio)).one()


class RowCells(HTMLParser):
    """Collects the text of each cell (td/th) of the rows a subclass opens by setting self.row to a list."""

    def __init__(self):
        super().__init__()
        self.row, self.cell = None, None

    def handle_starttag(self, tag, attrs):
        self.open_row(tag, dict(attrs))
        if tag in ("td", "th") and self.row is not None:
            self.cell = ""

    def open_row(self, tag: str, attrs: dict) -> None:
        """Set self.row to the list the cells of this row go to (on a <tr> that counts)."""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr":
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


class Tables(RowCells):
    """The cells of every table row carrying a data-subject (or data-*) attribute, by table and row key."""

    def __init__(self, html: str, key: str = "data-subject"):
        super().__init__()
        self.key, self.tables, self.table = key, [], None
        self.feed(html)

    def open_row(self, tag: str, attrs: dict) -> None:
        if tag == "table":
            self.table = {}
            self.tables.append((attrs.get("id") or attrs.get("data-step") or "", self.table))
        elif tag == "tr" and self.key in attrs and self.table is not None:
            self.row = self.table.setdefault(attrs[self.key], [])

    def __getitem__(self, name: str) -> dict:
        return next(table for table_name, table in self.tables if table_name == name)


def signed_in(app, email: str, role: str = "operator", departments=("obras_publicas",), language: str = "en") -> Desk:
    """A signed-in Desk without the password round trip (argon2 costs ~0.2 s a desk; login has its own tests)."""
    with transaction(app.extensions["ventanilla"].engine) as db:
        operator = Operator(
            email=email,
            name=email.split("@")[0],
            role=role,
            password_hash="!unusable",
            departments=list(departments) if role != "admin" else [],
            language=language,
        )
        db.add(operator)
        db.flush()
        token = start_session(db, operator)
    desk_ = Desk(app, email)
    with desk_.client.session_transaction() as cookie:
        cookie["_user_id"], cookie["_fresh"] = token, True
    desk_.csrf = Desk.token_from(desk_.client.get("/dashboard/"))
    return desk_


def with_failed_delivery(app, folio: str) -> None:
    """Give a seeded ticket the outbox row a delivery that ran out of tries leaves behind."""
    with transaction(app.extensions["ventanilla"].engine) as db:
        ticket = db.exec(select(Ticket).where(Ticket.folio == folio)).one()
        db.add(
            Outbox(
                kind="deliver_ticket",
                ticket_id=ticket.id,
                status="failed",
                attempts=8,
                last_error="HTTP 500",
            )
        )


def text_of(response) -> str:
    """What a page says, its markup and Jinja gone: the words a person reads."""
    readable = re.sub(r"<script\b.*?</script>", " ", response.text, flags=re.S)  # data for scripts is not read
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", readable)))
