"""`ventanilla privacy report` tells what retention would remove next; `ventanilla privacy apply` removes it."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest

from bot.cli.main import main
from bot.db.database import create_tables, make_engine, transaction
from bot.db.tables import Contact, Message, Ticket, utcnow
from tests.support.app import ROOT, database_url, query


@pytest.fixture
def env(tmp_path, redis_url) -> dict:
    url = database_url(tmp_path)
    engine = make_engine(url)
    create_tables(engine)
    now = utcnow()
    with transaction(engine, immediate=True) as session:
        talker, silent = Contact(name="Lupita"), Contact(name="Beto", created_at=now - timedelta(days=900))
        session.add_all([talker, silent])
        session.flush()
        assert talker.id is not None and silent.id is not None
        session.add(
            Message(
                contact_id=talker.id, direction="in", channel="sms", text="viejo", created_at=now - timedelta(days=400)
            )
        )
        session.add(
            Message(
                contact_id=talker.id, direction="in", channel="sms", text="nuevo", created_at=now - timedelta(days=2)
            )
        )
        session.add(
            Message(
                contact_id=silent.id, direction="in", channel="sms", text="hola", created_at=now - timedelta(days=200)
            )
        )
        session.add(
            Ticket(folio="T-1", contact_id=talker.id, channel="sms", flow="pothole", department="obras_publicas",
                   category="bache", status="closed", updated_at=now - timedelta(days=380))
        )  # fmt: skip
    engine.dispose()
    return {
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "FLOWS_PATH": str(ROOT / "flows.yaml"),
        "SECRET_KEY": "test",
        "MEDIA_DIR": str(tmp_path / "media"),
    }


def test_report_tells_the_periods_and_what_is_due(runner, env):
    result = runner.invoke(main, ["privacy", "report"], env=env)
    assert result.exit_code == 0, result.output
    lines = [" ".join(line.split()) for line in result.output.splitlines()]
    assert "messages and photos 365 days after the contact's last ticket closed" in lines
    assert "silent contacts 180 days with no message, no open ticket and no open ARCO request" in lines
    assert "audit events 1825 days after they were recorded" in lines
    assert "silent contacts to erase 1" in lines
    assert "messages to blank (text, photos, pins) 1" in lines
    assert "tickets' audit entries to delete 0" in lines
    assert query(env["DATABASE_URL"], "SELECT text FROM message ORDER BY id") == [("viejo",), ("nuevo",), ("hola",)]


def test_apply_removes_it_and_prints_what_it_did(runner, env):
    result = runner.invoke(main, ["privacy", "apply", "--batch", "1"], env=env)
    assert result.exit_code == 0, result.output
    lines = [" ".join(line.split()) for line in result.output.splitlines()]
    assert "silent contacts erased 1" in lines and "messages blanked 1" in lines
    assert query(env["DATABASE_URL"], "SELECT text FROM message ORDER BY id") == [("",), ("nuevo",), ("",)]
    assert query(env["DATABASE_URL"], "SELECT kind, actor FROM privacyevent WHERE kind = 'retention_applied'") == [
        ("retention_applied", "cli")
    ]
    again = runner.invoke(main, ["privacy", "report"], env=env)
    assert "silent contacts to erase 0" in [" ".join(line.split()) for line in again.output.splitlines()]


def test_without_retention_nothing_is_removed(runner, env, tmp_path):
    for name in ("flows.yaml", "parks.csv"):
        shutil.copy(ROOT / name, tmp_path / name)
    flows = tmp_path / "flows.yaml"
    text = flows.read_text()
    start = text.index("  retention:\n")
    flows.write_text(text[:start] + text[text.index("\ndepartments:") :])
    env = {**env, "FLOWS_PATH": str(flows)}
    report = runner.invoke(main, ["privacy", "report"], env=env)
    assert report.exit_code == 0, report.output
    assert "kept (no period set)" in report.output and "Nothing is removed" in report.output
    applied = runner.invoke(main, ["privacy", "apply"], env=env)
    assert applied.exit_code == 0 and "Nothing is removed" in applied.output
    assert query(env["DATABASE_URL"], "SELECT text FROM message ORDER BY id") == [("viejo",), ("nuevo",), ("hola",)]


@pytest.mark.parametrize("command", ["report", "apply"])
def test_a_database_not_upgraded_yet_is_told_what_to_do_not_a_traceback(runner, env, tmp_path, command):
    fresh = {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}  # a new install before `db upgrade`
    result = runner.invoke(main, ["privacy", command], env=fresh)
    assert result.exit_code == 1
    assert "run `ventanilla db upgrade` first" in result.output and "Traceback" not in result.output
