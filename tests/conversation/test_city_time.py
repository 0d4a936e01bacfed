"""The city's time: "hoy" and "ayer" are the resident's days in CITY_TIMEZONE; what is stored stays UTC."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from bot import channels, create_app
from bot.conversation import handler
from bot.db.database import create_tables
from bot.db.tables import Conversation, Message, Ticket, as_utc
from bot.flows import InboundMessage
from tests.support.app import all_rows, app_settings

# 9 p.m. on Thursday 26 November in Monterrey (UTC-6) is already Friday the 27th in UTC.
EVENING_IN_MONTERREY = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
_sids = itertools.count(1)


@pytest.fixture
def city_app(tmp_path, redis_url, request):
    """The test app in Monterrey (or the zone a test asks for)."""
    app = create_app(app_settings(tmp_path, redis_url, city_timezone=getattr(request, "param", "America/Monterrey")))
    with app.app_context():
        create_tables(app.extensions["ventanilla"].engine)
    yield app
    app.extensions["ventanilla"].engine.dispose()


@pytest.fixture
def db(city_app):
    with Session(city_app.extensions["ventanilla"].engine) as session:
        yield session


def at(monkeypatch, moment: datetime) -> None:
    """The handler's clock stops at moment (UTC)."""
    monkeypatch.setattr(handler, "utcnow", lambda: moment)


def write(app, *texts: str) -> None:
    svc = app.extensions["ventanilla"]
    for text in texts:
        msg = InboundMessage(
            "whatsapp",
            "+528112345678",
            provider="twilio",
            provider_id=f"SM{next(_sids):032x}",
            text=text,
            carries=channels.carries("whatsapp", via="twilio"),
        )
        handler.handle_inbound(svc, msg)


def test_ayer_at_nine_in_the_evening_is_the_citys_yesterday(city_app, monkeypatch, db):
    at(monkeypatch, EVENING_IN_MONTERREY)
    write(city_app, "hola", "basura", "1", "ayer")
    (conversation,) = all_rows(db, Conversation)
    assert conversation.state["step"] == "location"
    assert conversation.state["answers"]["missed_since"] == "2026-11-25"  # not the 26th, UTC's yesterday
    assert {as_utc(m.created_at) for m in all_rows(db, Message)} == {EVENING_IN_MONTERREY}  # stored in UTC


@pytest.mark.parametrize("city_app", ["UTC"], indirect=True)
def test_a_city_on_utc_has_utcs_days(city_app, monkeypatch, db):
    at(monkeypatch, EVENING_IN_MONTERREY)
    write(city_app, "hola", "basura", "1", "ayer")
    (conversation,) = all_rows(db, Conversation)
    assert conversation.state["answers"]["missed_since"] == "2026-11-26"


def test_folios_keep_utcs_month_when_the_city_is_still_in_the_last_one(city_app, monkeypatch, db):
    at(monkeypatch, datetime(2026, 12, 1, 3, 0, tzinfo=UTC))  # 30 November, 9 p.m., in Monterrey
    write(city_app, "hola", "basura", "1", "hoy", "sí", "Morelos y 5 de Mayo, Centro", "omitir", "sí")
    (ticket,) = all_rows(db, Ticket)
    assert ticket.answers["missed_since"] == "2026-11-30"
    assert ticket.folio.startswith("2612-")
