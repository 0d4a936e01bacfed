"""The admin page of Open311 API keys: admins issue (shown once) and revoke; nobody else reaches it."""

from __future__ import annotations

import re

import pytest

from bot.db.database import transaction
from bot.tickets.apikeys import key_for


@pytest.mark.parametrize("role", ["operator", "viewer", "privacy"])
def test_only_admins_reach_the_keys(app, desk, role):
    someone = desk("ana@x.mx", role)
    assert someone.get("/dashboard/apikeys").status_code == 403
    assert someone.post("/dashboard/apikeys", {"name": "Intrusa"}).status_code == 403
    assert someone.post("/dashboard/apikeys/1/revoke").status_code == 403
    assert "/dashboard/apikeys" not in someone.get("/dashboard/").text


def test_an_admin_issues_a_key_seen_once_then_revokes_it(app, desk):
    admin = desk("jefa@x.mx", "admin")
    issued = admin.post("/dashboard/apikeys", {"name": "Reporta MTY"})
    assert issued.status_code == 201
    key = re.search(r'<code id="new-key">(v311_[^<]+)</code>', issued.text)[1]
    page = admin.get("/dashboard/apikeys").text
    assert "Reporta MTY" in page and "jefa@x.mx" in page and key not in page and key[:11] in page
    with transaction(app.extensions["ventanilla"].engine) as db:
        assert key_for(db, key).created_by == "jefa@x.mx"
    without_token = admin.client.post("/dashboard/apikeys/1/revoke")
    assert without_token.status_code == 400  # CSRF
    revoked = admin.post("/dashboard/apikeys/1/revoke", follow_redirects=True)
    assert "Revoked the key of Reporta MTY." in revoked.text
    with transaction(app.extensions["ventanilla"].engine) as db:
        assert key_for(db, key) is None
    assert admin.post("/dashboard/apikeys", {"name": " "}).status_code == 400
    assert admin.post("/dashboard/apikeys/9/revoke").status_code == 404


def test_the_page_reads_in_spanish(app, desk):
    admin = desk("jefa@x.mx", "admin", language="es")
    page = admin.get("/dashboard/apikeys").text
    assert "Claves de API de Open311" in page and "Emitir una clave" in page
