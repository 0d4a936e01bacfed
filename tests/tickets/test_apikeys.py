"""Open311 API keys: only their hash is kept, a revoked key opens nothing, names are checked."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.db.database import transaction
from bot.tickets.apikeys import all_keys, issue_key, key_for, revoke_key


def test_a_key_is_kept_only_as_its_hash_and_found_by_it(app):
    engine = app.extensions["ventanilla"].engine
    with transaction(engine, immediate=True) as db:
        issued = issue_key(db, "  Bache  Alerta ")
    assert issued.key.startswith("v311_") and len(issued.key) > 40 and issued.row.name == "Bache Alerta"
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT * FROM apikey")).one()
    assert issued.key not in str(tuple(stored)) and issued.key[:11] == stored.prefix
    with transaction(engine) as db:
        assert key_for(db, issued.key).id == issued.row.id
        assert key_for(db, issued.key[:-1]) is None and key_for(db, "") is None


def test_a_revoked_key_opens_nothing_and_is_listed_last(app):
    engine = app.extensions["ventanilla"].engine
    with transaction(engine, immediate=True) as db:
        old, new = issue_key(db, "Vieja"), issue_key(db, "Nueva")
    with transaction(engine, immediate=True) as db:
        revoke_key(db, old.row.id)
        revoke_key(db, old.row.id)  # twice: nothing more happens
        assert revoke_key(db, 999) is None
    with transaction(engine) as db:
        assert key_for(db, old.key) is None and key_for(db, new.key) is not None
        assert [k.name for k in all_keys(db)] == ["Nueva", "Vieja"]


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_an_application_needs_a_name(app, name):
    with transaction(app.extensions["ventanilla"].engine) as db, pytest.raises(ValueError, match="1 to 100"):
        issue_key(db, name)
