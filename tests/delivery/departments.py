"""Departments that receive tickets another way: Open311 and email flows.yaml variants."""

from __future__ import annotations

import shutil

import pytest

from bot import create_app
from bot.db.engine import create_tables
from conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, ROOT, database_url


@pytest.fixture
def app_with_departments(tmp_path, redis_url, request):
    """An app whose Obras Públicas delivers the way the test asks (a replacement delivery block)."""
    delivery = request.param
    for name in ("flows.yaml", "parks.csv"):
        shutil.copy(ROOT / name, tmp_path / name)
    flows = tmp_path / "flows.yaml"
    text = flows.read_text()
    old = text[text.index("  obras_publicas:\n"):text.index("  servicios_publicos:\n")]
    flows.write_text(text.replace(old, "  obras_publicas:\n    name: Obras Públicas\n    delivery:\n" + delivery))
    app = create_app({
        "database_url": database_url(tmp_path), "redis_url": redis_url, "flows_path": str(flows),
        "public_url": PUBLIC_URL, "twilio_auth_token": AUTH_TOKEN, "twilio_account_sid": ACCOUNT_SID,
        "media_dir": str(tmp_path / "media"),
    })
    create_tables(app.extensions["ventanilla"].engine)
    return app
