"""Electoral blackout (issue 15, part 5): while flows.yaml's election calendar covers the city's day, campaigns are
refused at creation and at sending (dashboard and CLI), invitations already queued are held, not sent, and every
refusal is audited and logged; a resident's own conversation and the notices about their own reports go on; a
campaign of a flow marked exempt (civil protection, health, education) is sent."""

from __future__ import annotations

import logging
import os

import pytest
from sqlmodel import Session, select

from bot import create_app
from bot.db.database import create_tables
from bot.db.tables import Campaign, CampaignEvent, CampaignSend, Ticket
from bot.jobs.outbox import unit_of_work
from bot.tickets.lifecycle import change_status
from tests.support.app import app_settings
from tests.support.campaigns import (
    ADMIN,
    SURVEY_QUESTION,
    created,
    everything_due_now,
    figure,
    flows_file,
    neighbour,
    reported,
)
from tests.support.desks import Desk, add_operator
from tests.support.twilio_api import twilio_api

REFUSED = "No campaign may be created during the electoral blackout of Proceso electoral 2027"


def app_with(tmp_path, redis_url, flows):
    app = create_app(app_settings(tmp_path, redis_url, flows_path=str(flows)))
    with app.app_context():
        create_tables(app.extensions["ventanilla"].engine)
    return app


@pytest.fixture
def blackout_app(tmp_path, redis_url):
    app = app_with(tmp_path, redis_url, flows_file(tmp_path, blackout=True))
    yield app
    app.extensions["ventanilla"].engine.dispose()


def admin_of(app) -> Desk:
    return Desk(app, add_operator(app, ADMIN, "admin")).login()


def events(app) -> list[CampaignEvent]:
    with Session(app.extensions["ventanilla"].engine) as session:
        return list(session.exec(select(CampaignEvent)))


def test_creating_a_campaign_in_a_blackout_is_refused_audited_and_logged(blackout_app, caplog):
    app, admin = blackout_app, admin_of(blackout_app)
    assert "Electoral blackout: Proceso electoral 2027" in admin.get("/dashboard/campaigns").text
    form = {"name": "Parques", "flow": "park_evaluation", "template": "survey_invitation"}
    with caplog.at_level(logging.WARNING, logger="bot.campaigns.blackout"):
        response = admin.post("/dashboard/campaigns", data=form)
    assert response.status_code == 409 and REFUSED in response.text
    with Session(app.extensions["ventanilla"].engine) as session:
        assert session.exec(select(Campaign)).all() == []
    (event,) = events(app)
    assert (event.kind, event.actor, event.detail["action"], event.detail["election"]) == (
        "refused",
        ADMIN,
        "create",
        "Proceso electoral 2027",
    )
    assert any(
        "electoral blackout (Proceso electoral 2027" in r.getMessage() and "refused" in r.getMessage()
        for r in caplog.records
    )


def test_the_refusal_reads_in_spanish(blackout_app):
    add_operator(blackout_app, "jefa@sanpedro.example.mx", "admin", language="es")
    admin = Desk(blackout_app, "jefa@sanpedro.example.mx").login()
    form = {"name": "Parques", "flow": "park_evaluation", "template": "survey_invitation"}
    response = admin.post("/dashboard/campaigns", data=form)
    assert response.status_code == 409
    assert "No se puede crear ninguna campaña durante la veda electoral de Proceso electoral 2027" in response.text


def test_queued_invitations_due_in_a_blackout_are_held_while_residents_own_reports_go_on(
    tmp_path, redis_url, no_network
):
    flows = flows_file(tmp_path, blackout=False)
    app = app_with(tmp_path, redis_url, flows)
    calls = twilio_api(no_network)
    client, admin = app.test_client(), admin_of(app)
    lupita, chuy = neighbour(client, "Lupita"), neighbour(client, "Chuy")
    folio = reported(app, lupita, "Centro")
    campaign_id = created(admin)
    assert admin.post(f"/dashboard/campaigns/{campaign_id}/send").status_code == 302  # before the blackout

    election_comes(app, flows, flows_file(tmp_path / "next", blackout=True))
    everything_due_now(app)
    assert calls == []  # no invitation went out
    with Session(app.extensions["ventanilla"].engine) as session:
        held = session.exec(select(CampaignSend)).all()
        assert {(s.status, s.reason) for s in held} == {("held", "electoral blackout: Proceso electoral 2027")}
    assert [(e.kind, e.detail.get("action")) for e in events(app) if e.kind == "held"] == [("held", "send")]
    page = admin.get(f"/dashboard/campaigns/{campaign_id}").text
    assert figure(page, "held") == "2" and figure(page, "sent") == "0"
    refused = admin.post(f"/dashboard/campaigns/{campaign_id}/send")
    assert refused.status_code == 409 and "No campaign may be sent during the electoral blackout" in refused.text

    # Lupita's own conversation and her own report's notice are no broadcast: they go on.
    assert "bache" in lupita.says("quiero reportar un bache").lower()
    assert "campaign" not in lupita.says("menú").lower()
    with unit_of_work(app.extensions["ventanilla"]) as session:
        ticket = session.exec(select(Ticket).where(Ticket.folio == folio)).one()
        ticket.status = "in_progress"
        change_status(session, app.extensions["ventanilla"].flows, ticket, "resolved", actor="ana@sanpedro.example.mx")
    everything_due_now(app)
    (notice,) = calls
    assert notice["To"] == f"whatsapp:{lupita.number}" and folio in notice["Body"]

    election_comes(app, flows, flows_file(tmp_path / "after", blackout=False))  # the blackout is over
    assert admin.post(f"/dashboard/campaigns/{campaign_id}/send").status_code == 302  # the held ones, again
    everything_due_now(app)
    assert sorted(c["To"] for c in calls[1:]) == sorted(f"whatsapp:{r.number}" for r in (lupita, chuy))
    assert SURVEY_QUESTION in chuy.says("sí")


def election_comes(app, path, replacement) -> None:
    """flows.yaml edited in place (as a city does): the running app reloads it."""
    path.write_text(replacement.read_text(encoding="utf-8"), encoding="utf-8")
    stat = os.stat(path)
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    assert app.extensions["ventanilla"].flow_store.reload_if_changed()


def test_a_campaign_of_an_exempt_flow_is_sent_in_a_blackout(tmp_path, redis_url, no_network):
    app = app_with(tmp_path, redis_url, flows_file(tmp_path, blackout=True, exempt="civil_protection"))
    calls = twilio_api(no_network)
    client, admin = app.test_client(), admin_of(app)
    lupita = neighbour(client, "Lupita")
    page = admin.get("/dashboard/campaigns").text
    assert "exempt from blackouts" in page
    campaign_id = created(admin, name="Protección civil: refugios")
    assert admin.post(f"/dashboard/campaigns/{campaign_id}/send").status_code == 302
    everything_due_now(app)
    (call,) = calls
    assert call["To"] == f"whatsapp:{lupita.number}"
    with Session(app.extensions["ventanilla"].engine) as session:
        assert session.get(Campaign, campaign_id).exempt == "civil_protection"
    assert not [e for e in events(app) if e.kind in ("refused", "held")]
