"""The app as tests build it: settings, signed Twilio residents, reading what was stored."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

FIXTURES = Path(__file__).parent.parent / "fixtures"


ROOT = Path(__file__).parent.parent.parent


AUTH_TOKEN = "test-auth-token"


ACCOUNT_SID = "AC00000000000000000000000000000000"


PUBLIC_URL = "https://ventanilla.example.mx"


# The shipped departments' keys as the tests' environment sets them (tests/conftest.py): a process
# refuses to start without them. `secret` signs the tickets we send; `status_secret` their updates.
DEPARTMENT_KEYS = {
    "OBRAS_PUBLICAS_WEBHOOK_SECRET": "tests-obras-publicas-ticket-key-5d1c0b9e7a",
    "OBRAS_PUBLICAS_STATUS_SECRET": "tests-obras-publicas-status-key-8f2e4a6c1d",
    "SERVICIOS_PUBLICOS_WEBHOOK_SECRET": "tests-servicios-publicos-ticket-key-3b7d9f1a",
    "SERVICIOS_PUBLICOS_STATUS_SECRET": "tests-servicios-publicos-status-key-6e0c2a8b",
}


WEBHOOK_PATH = "/webhooks/twilio"


_sids = itertools.count(1)


TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")  # set: the suite runs on PostgreSQL


def database_url(tmp_path: Path, name: str = "test.db") -> str:
    """The database a test's app uses: a fresh SQLite file, or the PostgreSQL database reset for the test."""
    return TEST_DATABASE_URL or f"sqlite:///{tmp_path / name}"


def drop_everything(url: str) -> None:
    """Drop every table the database holds, alembic_version and tables no model knows included (PostgreSQL is
    one database for the whole run, so tests that build a schema their own way start and end with this)."""
    import sqlalchemy as sa

    from bot.db.database import make_engine

    engine = make_engine(url)
    existing = sa.MetaData()
    existing.reflect(engine)
    existing.drop_all(engine)
    engine.dispose()


def query(url: str, sql: str, **params) -> list[tuple]:
    """Read the database another process writes (a real server's), whichever database it is."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def twilio_fixture(name: str) -> dict:
    """Return a captured Twilio webhook payload."""
    return json.loads((FIXTURES / "twilio" / f"{name}.json").read_text())


def twilio_signature(url: str, form: dict, token: str = AUTH_TOKEN) -> str:
    """Sign form fields the way Twilio does."""
    return RequestValidator(token).compute_signature(url, form)


def app_settings(tmp_path: Path, redis_url: str, **overrides) -> dict:
    """The settings every test app starts from (a fresh database, the shipped flows, Twilio's test account)."""
    return {
        "database_url": database_url(tmp_path),
        "redis_url": redis_url,
        "flows_path": str(ROOT / "flows.yaml"),
        "public_url": PUBLIC_URL,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_sms_from": "+528187654321",
        "twilio_whatsapp_from": "whatsapp:+5218187654321",
        "media_dir": str(tmp_path / "media"),
        # limits have tests of their own; elsewhere many requests in a minute from one address are the test
        "login_rate_limit": "1000 per minute",
        "webchat_message_limit": "10000 per minute",
        "webchat_session_limit": "10000 per minute",
        "webchat_address_message_limit": "10000 per minute",
        **overrides,
    }


NOTICE_URL = "https://www.municipio.gob.mx/aviso-de-privacidad"  # in the shipped privacy notice: how it is recognised


def accepting_notice(reply: str) -> str | None:
    """How a resident who accepts says so when the reply asks the privacy notice (None: it does not ask it)."""
    if NOTICE_URL not in reply:
        return None
    return "yes" if "Do you accept?" in reply else "sí"


class Resident:
    """A resident texting the bot through Twilio: push a message in, read the replies.

    Like a resident who accepted the privacy notice long ago, it answers "sí" when the notice is asked and
    returns what follows (accepts_notice=False: it reads the notice like anyone writing the first time).
    """

    def __init__(self, client, fixture: str = "whatsapp_text", accepts_notice: bool = True, **fields):
        self.client, self.base = client, {**twilio_fixture(fixture), **fields}
        self.accepts_notice = accepts_notice

    def send(self, fixture: str | None = None, **fields):
        form = {**self.base, **(twilio_fixture(fixture) if fixture else {})}
        form.update({"From": self.base["From"], "To": self.base["To"], **fields})
        form.setdefault("MessageSid", "")
        if "MessageSid" not in fields:
            form["MessageSid"] = form["SmsMessageSid"] = form["SmsSid"] = f"SM{next(_sids):032x}"
        headers = {"X-Twilio-Signature": twilio_signature(PUBLIC_URL + WEBHOOK_PATH, form)}
        return self.client.post(WEBHOOK_PATH, data=form, headers=headers)

    def says(self, text: str = "", **fields) -> str:
        """Send a text (or other fields) and return the bot's reply as text."""
        response = self.send(Body=text, **fields)
        assert response.status_code == 200, response.data
        reply = reply_text(response.data)
        if self.accepts_notice and (accepting := accepting_notice(reply)):
            return self.says(accepting)
        return reply


def reply_text(twiml: bytes) -> str:
    """Return the text of every <Message> in a TwiML answer."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(twiml)
    return "\n".join("".join(m.itertext()) for m in root.iter("Message"))


def all_rows(session: Session, model) -> list:
    """Return every row of a table, freshly read."""
    session.rollback()  # end the read transaction: WAL readers see a snapshot
    return list(session.exec(select(model)).all())
