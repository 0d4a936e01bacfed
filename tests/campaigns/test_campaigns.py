"""Survey campaigns end to end (issue 15, part 4): residents ask for surveys over the signed Twilio webhook, an admin
creates a campaign in the dashboard, the invitations go out paced through the outbox and a real worker to Twilio's
API (mocked with responses), and a resident's answer starts the survey; the campaign's page counts it all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from bot import create_app
from bot.db.database import create_tables, transaction
from bot.db.tables import Campaign, CampaignEvent, CampaignSend, Contact, Message, Outbox, as_utc
from bot.jobs.outbox import job_id, relay
from tests.support.app import Resident, app_settings
from tests.support.campaigns import (
    ADMIN,
    SURVEY_QUESTION,
    contact_of,
    created,
    everything_due_now,
    figure,
    neighbour,
    reported,
)
from tests.support.twilio_api import twilio_api


@pytest.fixture
def app(tmp_path, redis_url):
    """The app with invitations two a minute: 30 seconds apart."""
    app = create_app(app_settings(tmp_path, redis_url, campaign_sends_per_minute=2))
    with app.app_context():
        create_tables(app.extensions["ventanilla"].engine)
    yield app
    app.extensions["ventanilla"].engine.dispose()


@pytest.fixture
def admin(desk):
    return desk(ADMIN, "admin")


def sends(app, campaign_id: int) -> list[CampaignSend]:
    with Session(app.extensions["ventanilla"].engine) as session:
        return list(
            session.exec(
                select(CampaignSend).where(CampaignSend.campaign_id == campaign_id).order_by(col(CampaignSend.id))
            )
        )


def invitation_rows(app) -> list[Outbox]:
    with Session(app.extensions["ventanilla"].engine) as session:
        return list(session.exec(select(Outbox).where(Outbox.kind == "send_invitation").order_by(col(Outbox.id))))


def test_a_resident_asks_for_surveys_and_can_stop_them(app, client):
    resident = neighbour(client, "Lupita")
    with Session(app.extensions["ventanilla"].engine) as session:
        contact = session.get(Contact, contact_of(app, resident))
        assert contact.surveys_opted_in_at is not None and not contact.opted_out
    assert "ya no te invitaremos a encuestas" in resident.says("no más encuestas")
    with Session(app.extensions["ventanilla"].engine) as session:
        assert session.get(Contact, contact_of(app, resident)).surveys_opted_in_at is None


def test_the_invitation_goes_to_opted_in_residents_of_the_colonia_paced(app, client, admin, no_network):
    calls = twilio_api(no_network)
    lupita, chuy = neighbour(client, "Lupita"), neighbour(client, "Chuy")
    silent = neighbour(client, "Beto", surveys=False)  # never asked for surveys
    gone = neighbour(client, "Rosa")
    gone.says("baja")  # opted out of every message
    elsewhere = neighbour(client, "Memo")
    for resident in (lupita, chuy, silent, gone):
        reported(app, resident, "Centro")
    reported(app, elsewhere, "Del Valle")
    reported(app, chuy, "Centro", category="basura")

    campaign_id = created(admin, colonia="Centro")
    page = admin.get(f"/dashboard/campaigns/{campaign_id}").text
    assert "2 residents opted in to surveys match its filters now." in page  # Lupita and Chuy, before sending
    assert created(admin, name="Basura en Centro", colonia="Centro", category="basura") != campaign_id
    basura = admin.get(f"/dashboard/campaigns/{campaign_id + 1}").text
    assert "1 residents opted in to surveys match its filters now." in basura  # Chuy only

    svc = app.extensions["ventanilla"]
    assert admin.post(f"/dashboard/campaigns/{campaign_id}/send").status_code == 302
    invited = sends(app, campaign_id)
    assert {s.contact_id for s in invited} == {contact_of(app, lupita), contact_of(app, chuy)}
    first, second = invitation_rows(app)
    assert as_utc(second.available_at) - as_utc(first.available_at) == timedelta(seconds=30)  # 2 a minute
    assert svc.queue.job_ids == [job_id(first.id)]  # the second waits for the relay, when due
    assert relay(svc.engine, svc.queue, older_than=timedelta(0)) == 0  # not due yet: nothing relayed

    assert admin.post(f"/dashboard/campaigns/{campaign_id}/send").status_code == 302  # again: nobody twice
    assert len(sends(app, campaign_id)) == 2

    everything_due_now(app)
    assert sorted(c["To"] for c in calls) == sorted(f"whatsapp:{r.number}" for r in (lupita, chuy))
    assert all("El municipio quiere saber tu opinión: *Evaluar un parque*" in c["Body"] for c in calls)
    assert [s.status for s in sends(app, campaign_id)] == ["sent", "sent"]


def test_a_resident_who_opts_out_after_the_campaign_was_sent_is_skipped(app, client, admin, no_network):
    calls = twilio_api(no_network)
    lupita, chuy = neighbour(client, "Lupita"), neighbour(client, "Chuy")
    campaign_id = created(admin)
    admin.post(f"/dashboard/campaigns/{campaign_id}/send")
    chuy.says("no más encuestas")  # between the send and his invitation's turn
    lupita.says("baja")  # and Lupita stops every message
    everything_due_now(app)
    assert calls == []
    assert {(s.status, s.reason) for s in sends(app, campaign_id)} == {
        ("skipped", "opted out of surveys"),
        ("skipped", "opted out of messages"),
    }
    page = admin.get(f"/dashboard/campaigns/{campaign_id}").text
    assert figure(page, "skipped") == "2" and figure(page, "sent") == "0"


def test_answering_the_invitation_starts_the_survey_and_the_page_counts_it(app, client, admin, no_network):
    calls = twilio_api(no_network)
    lupita, chuy, rosa = neighbour(client, "Lupita"), neighbour(client, "Chuy"), neighbour(client, "Rosa")
    campaign_id = created(admin)
    admin.post(f"/dashboard/campaigns/{campaign_id}/send")
    everything_due_now(app)
    assert len(calls) == 3

    assert SURVEY_QUESTION in lupita.says("sí")  # a reply starts the survey
    for answer in ("Parque Rufino Tamayo", "4", "5", "3", "omitir"):
        reply = lupita.says(answer)
    assert "Gracias por evaluar" in reply
    assert SURVEY_QUESTION in chuy.says("Responder", ButtonPayload="survey_start")  # the template's button
    assert "Sin problema" in rosa.says("no, gracias")

    sids = {c["To"]: f"SMa{n:031d}" for n, c in enumerate(calls, 1)}
    delivered = client.post(
        "/webhooks/twilio/status",
        data=(form := {"MessageSid": sids[f"whatsapp:{lupita.number}"], "MessageStatus": "delivered"}),
        headers={"X-Twilio-Signature": _signature("/webhooks/twilio/status", form)},
    )
    assert delivered.status_code == 204

    page = admin.get(f"/dashboard/campaigns/{campaign_id}").text
    counted = {name: figure(page, name) for name in ("sent", "delivered", "started", "declined", "finished")}
    assert counted == {"sent": "3", "delivered": "1", "started": "2", "declined": "1", "finished": "1"}
    assert figure(page, "response_rate") == "33%"
    listing = admin.get("/dashboard/campaigns").text
    assert "Parques de diciembre" in listing and "33%" in listing


def _signature(path: str, form: dict) -> str:
    from tests.support.app import PUBLIC_URL, twilio_signature

    return twilio_signature(PUBLIC_URL + path, form)


def test_outside_the_24_hour_window_the_approved_template_goes(app, client, admin, no_network):
    calls = twilio_api(no_network)
    lupita = neighbour(client, "Lupita")
    with transaction(app.extensions["ventanilla"].engine, immediate=True) as session:
        for message in session.exec(select(Message).where(Message.direction == "in")):
            message.created_at = message.created_at - timedelta(days=3)
            session.add(message)
    campaign_id = created(admin)
    admin.post(f"/dashboard/campaigns/{campaign_id}/send")
    everything_due_now(app)
    (call,) = calls
    assert call["ContentSid"] == "HX00000000000000000000000000000008"  # survey_invitation, es
    assert call["ContentVariables"] == '{"1": "Evaluar un parque"}'
    assert SURVEY_QUESTION in lupita.says("Responder", ButtonPayload="survey_start")


def test_only_admins_reach_campaigns_and_bad_input_is_a_clear_400(app, desk):
    operator = desk("ana@sanpedro.example.mx", "operator")
    assert operator.get("/dashboard/campaigns").status_code == 403
    assert operator.post("/dashboard/campaigns", data={"name": "x"}).status_code == 403
    admin = desk(ADMIN, "admin")
    for form, said in (
        ({"name": "", "flow": "park_evaluation", "template": "survey_invitation"}, "needs a name"),
        ({"name": "x", "flow": "pothole", "template": "survey_invitation"}, "is not a survey flow"),
        ({"name": "x", "flow": "park_evaluation", "template": "ticket_update"}, "is not a campaign template"),
    ):
        response = admin.post("/dashboard/campaigns", data=form)
        assert response.status_code == 400 and said in response.text
    assert admin.post("/dashboard/campaigns", data={"name": "x"}, headers={}).status_code == 400
    assert (
        admin.client.post("/dashboard/campaigns", data={"name": "x", "flow": "park_evaluation"}).status_code == 400
    )  # no CSRF
    assert admin.get("/dashboard/campaigns/99").status_code == 404
    with Session(app.extensions["ventanilla"].engine) as session:
        assert session.exec(select(Campaign)).all() == [] and session.exec(select(CampaignEvent)).all() == []


def test_a_campaign_in_spanish(app, desk):
    admin = desk("jefa@sanpedro.example.mx", "admin", language="es")
    page = admin.get("/dashboard/campaigns").text
    assert "Campañas" in page and "Nueva campaña" in page
    response = admin.post(
        "/dashboard/campaigns", data={"name": "", "flow": "park_evaluation", "template": "survey_invitation"}
    )
    assert "Una campaña necesita un nombre" in response.text


_ = Resident  # the signed resident the helpers build


def test_an_invitation_is_in_the_residents_export_and_erasure_ends_their_opt_in(app, client, admin, no_network):
    from bot.privacy.erase import erase_contact
    from bot.privacy.inventory import export_data

    twilio_api(no_network)
    lupita = neighbour(client, "Lupita")
    campaign_id = created(admin)
    admin.post(f"/dashboard/campaigns/{campaign_id}/send")
    everything_due_now(app)
    svc, contact_id = app.extensions["ventanilla"], contact_of(app, lupita)
    with transaction(svc.engine, immediate=True) as session:
        (invitation,) = export_data(session, contact_id)["campaign_invitations"]
        assert invitation["status"] == "sent" and invitation["accepted"] is None
        erase_contact(session, svc.config, svc.flows, contact_id, actor="privacy", reason="arco_cancellation")
    with Session(svc.engine) as session:
        assert session.get(Contact, contact_id).surveys_opted_in_at is None
    assert "0 residents opted in to surveys" in admin.get(f"/dashboard/campaigns/{campaign_id}").text
