"""The Open311 tests' app: the shipped flows, its limits high unless a test is about them."""

from __future__ import annotations

import pytest

from bot import create_app
from bot.db.database import create_tables
from bot.services import services
from tests.support.app import app_settings
from tests.support.open311 import OPEN311_SETTINGS


@pytest.fixture
def app(tmp_path, redis_url):
    app = create_app(app_settings(tmp_path, redis_url, **OPEN311_SETTINGS))
    with app.app_context():
        create_tables(services().engine)
    yield app
    app.extensions["ventanilla"].engine.dispose()
