"""`ventanilla campaigns`: the audience before sending, create, send paced, show the figures; refused in an
electoral blackout with a clear message (exit 1, no traceback) and audited."""

from __future__ import annotations

import pytest

from bot.cli.main import main
from bot.db.database import create_tables, make_engine, transaction
from bot.db.tables import Contact, ContactAddress, Message, Ticket, utcnow
from tests.support.app import ROOT, database_url, query
from tests.support.campaigns import flows_file


@pytest.fixture
def env(tmp_path, redis_url) -> dict:
    url = database_url(tmp_path)
    engine = make_engine(url)
    create_tables(engine)
    with transaction(engine, immediate=True) as session:
        for n, (surveys, colonia) in enumerate([(True, "Centro"), (True, "Del Valle"), (False, "Centro")]):
            contact = Contact(name=f"Vecino {n}", surveys_opted_in_at=utcnow() if surveys else None)
            session.add(contact)
            session.flush()
            session.add(ContactAddress(contact_id=contact.id, kind="phone", address=f"+52811234567{n}"))
            session.add(
                Message(contact_id=contact.id, direction="in", channel="whatsapp", provider="twilio", text="hola")
            )
            session.add(
                Ticket(folio=f"2611-CLI00{n}", contact_id=contact.id, channel="whatsapp", flow="pothole",
                       department="obras_publicas", category="bache", colonia=colonia)
            )  # fmt: skip
    engine.dispose()
    return {
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "FLOWS_PATH": str(ROOT / "flows.yaml"),
        "SECRET_KEY": "test",
        "MEDIA_DIR": str(tmp_path / "media"),
        "CAMPAIGN_SENDS_PER_MINUTE": "60",
    }


def test_audience_create_send_and_show(runner, env):
    counted = runner.invoke(main, ["campaigns", "audience", "--colonia", "Centro"], env=env)
    assert counted.exit_code == 0 and counted.output.strip() == "1 residents", counted.output
    made = runner.invoke(
        main, ["campaigns", "create", "Parques del Centro", "--flow", "park_evaluation", "--colonia", "Centro"], env=env
    )
    assert made.exit_code == 0, made.output
    assert "campaign 1 created: 1 residents would be invited" in made.output
    sent = runner.invoke(main, ["campaigns", "send", "1"], env=env)
    assert sent.exit_code == 0 and "campaign 1: 1 invitations queued" in sent.output, sent.output
    again = runner.invoke(main, ["campaigns", "send", "1"], env=env)
    assert "campaign 1: 0 invitations queued" in again.output  # nobody twice
    shown = runner.invoke(main, ["campaigns", "show", "1"], env=env)
    assert shown.exit_code == 0 and "invited: 1" in shown.output and "pending: 1" in shown.output, shown.output
    assert "Parques del Centro" in runner.invoke(main, ["campaigns", "list"], env=env).output
    assert query(env["DATABASE_URL"], "SELECT kind, actor FROM campaignevent ORDER BY id") == [
        ("created", "cli"),
        ("sending", "cli"),
        ("sending", "cli"),
    ]


def test_bad_input_is_a_clear_error(runner, env):
    result = runner.invoke(main, ["campaigns", "create", "x", "--flow", "pothole"], env=env)
    assert result.exit_code == 1 and "pothole is not a survey flow of flows.yaml." in result.output
    assert runner.invoke(main, ["campaigns", "send", "9"], env=env).output.strip() == "Error: There is no campaign 9."
    assert query(env["DATABASE_URL"], "SELECT COUNT(*) FROM campaign") == [(0,)]


def test_a_blackout_refuses_creating_with_the_reason(runner, env, tmp_path):
    env = {**env, "FLOWS_PATH": str(flows_file(tmp_path, blackout=True))}
    result = runner.invoke(main, ["campaigns", "create", "Parques", "--flow", "park_evaluation"], env=env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "No campaign may be created during the electoral blackout of Proceso electoral 2027" in result.output
    assert query(env["DATABASE_URL"], "SELECT kind, actor FROM campaignevent") == [("refused", "cli")]
