"""The overview page: tickets per category per week, median time to resolve, channels, overdue — only the operator's departments."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.db.database import transaction
from bot.db.tables import Ticket, TicketEvent
from tests.support.desks import Tables, seed_ticket

OVERVIEW = "/dashboard/overview"


def resolve(app, folio: str, after: timedelta) -> None:
    """Mark a ticket resolved `after` its creation, as the lifecycle records it (then reopened and resolved again later)."""
    with transaction(app.extensions["ventanilla"].engine) as db:
        ticket = db.exec(select(Ticket).where(Ticket.folio == folio)).one()
        created = ticket.created_at.replace(tzinfo=UTC)
        ticket.status = "resolved"
        db.add(ticket)
        for to, at in (("resolved", after), ("in_progress", after * 2), ("resolved", after * 3)):
            db.add(
                TicketEvent(
                    ticket_id=ticket.id,
                    kind="status_changed",
                    actor="ana@x.mx",
                    detail={"from": "in_progress", "to": to},
                    created_at=created + at,
                )
            )


def chart(html: str, name: str) -> dict:
    return json.loads(re.search(rf'<script type="application/json" id="chart-{name}">(.*?)</script>', html, re.S)[1])


def seed_the_city(app) -> datetime:
    """Tickets of two departments over three weeks, some resolved, some overdue; returns now."""
    now = datetime.now(UTC)
    for weeks_ago, channel in ((0, "whatsapp"), (0, "sms"), (1, "whatsapp"), (2, "webchat")):
        seed_ticket(app, created_at=now - timedelta(weeks=weeks_ago), channel=channel)
    for folio, hours in zip([seed_ticket(app, created_at=now - timedelta(weeks=3)) for _ in range(3)], (2, 4, 30)):
        resolve(app, folio, timedelta(hours=hours))
    seed_ticket(app, created_at=now - timedelta(weeks=30))  # before the window: overdue, but not in the weekly counts
    seed_ticket(
        app,
        department="servicios_publicos",
        category="basura",
        flow="trash",
        channel="sms",
        created_at=now - timedelta(days=9),
    )
    resolve(
        app,
        seed_ticket(
            app,
            department="servicios_publicos",
            category="alumbrado",
            flow="streetlight",
            created_at=now - timedelta(days=2),
        ),
        timedelta(minutes=30),
    )
    return now


def test_an_operator_sees_their_departments_tickets_per_category_per_week(app, desk):
    seed_the_city(app)
    html = desk("ana@x.mx", "operator", ["obras_publicas"]).get(OVERVIEW).text
    per_week = Tables(html, "data-category")["per-week"]
    assert list(per_week) == ["bache"]  # Servicios Públicos' basura and alumbrado are not counted
    assert per_week["bache"][1:] == ["0"] * 8 + ["3", "1", "1", "2"] + [
        "7"
    ]  # twelve weeks, oldest first, then the total
    assert chart(html, "per-week")["datasets"] == [{"label": "bache", "data": [0] * 8 + [3, 1, 1, 2]}]
    assert 'id="total">7<' in html  # not the ticket of thirty weeks ago


def test_the_median_time_to_resolve_counts_the_first_resolve_per_category(app, desk):
    seed_the_city(app)
    html = desk("ana@x.mx", "operator", ["obras_publicas"]).get(OVERVIEW).text
    assert Tables(html, "data-category")["resolve"] == {"bache": ["bache", "4h", "4.0", "3"]}
    assert chart(html, "resolve") == {
        "type": "bar",
        "horizontal": True,
        "title": "Median time to resolve (hours)",
        "labels": ["bache"],
        "datasets": [{"label": "Hours", "data": [4.0]}],
    }


def test_the_share_per_channel_and_overdue_count_are_the_operators_own(app, desk):
    seed_the_city(app)
    works = desk("ana@x.mx", "operator", ["obras_publicas"]).get(OVERVIEW).text
    assert Tables(works, "data-channel")["channels"] == {
        "whatsapp": ["whatsapp", "5", "71%"],
        "sms": ["sms", "1", "14%"],
        "webchat": ["webchat", "1", "14%"],
    }
    # due 48h after creation: this week's two are not overdue yet; last week's, two weeks' and thirty weeks' are
    assert 'id="overdue">3<' in works and 'href="/dashboard/?overdue=1"' in works
    services = desk("beto@x.mx", "operator", ["servicios_publicos"]).get(OVERVIEW).text
    assert 'id="overdue">1<' in services and Tables(services, "data-channel")["channels"]["sms"] == ["sms", "1", "50%"]
    assert Tables(services, "data-category")["resolve"] == {"alumbrado": ["alumbrado", "30m", "0.5", "1"]}


def test_an_admin_sees_every_department_and_a_department_without_tickets_sees_none(app, desk):
    seed_the_city(app)
    everything = desk("jefa@x.mx", "admin", []).get(OVERVIEW).text
    assert set(Tables(everything, "data-category")["per-week"]) == {"alumbrado", "basura", "bache"}
    assert 'id="overdue">4<' in everything and 'id="total">9<' in everything
    parks = desk("civica@x.org", "viewer", ["parques"]).get(OVERVIEW)
    assert parks.status_code == 200 and "No tickets in these weeks." in parks.text and 'id="overdue">0<' in parks.text
    assert "No ticket was resolved in these weeks." in parks.text
