"""send_invitation, the job of a campaign's paced invitation: a bug is a recorded failed attempt, the last one fails
the invitation with its message (shown in the campaign's figures), and a run twice sends once."""

from __future__ import annotations

import pytest
from rq.registry import FailedJobRegistry
from sqlmodel import Session, select

from bot.campaigns.campaigns import create_campaign, start_sending
from bot.campaigns.figures import figures
from bot.db.tables import Campaign, CampaignSend, Message, Outbox
from bot.jobs.attempts import MAX_ATTEMPTS
from bot.jobs.campaign_jobs import send_invitation
from tests.support.campaigns import neighbour
from tests.support.outbox import settle, work


def bug(*args, **kwargs):
    raise KeyError("survey")


@pytest.fixture
def campaign(app, client):
    neighbour(client, "Lupita")
    svc = app.extensions["ventanilla"]
    with app.app_context():
        made = create_campaign(svc, name="Parques", flow="park_evaluation", template="survey_invitation", actor="t")
        assert start_sending(svc, made.id, actor="t") == 1
    return made.id


def rows(app, kind: str) -> list[Outbox]:
    with Session(app.extensions["ventanilla"].engine) as session:
        return list(session.exec(select(Outbox).where(Outbox.kind == kind)))


def invitations(session) -> list[Message]:
    """The invitations stored for residents (the bot's inline replies aside)."""
    return [
        m
        for m in session.exec(select(Message).where(Message.direction == "out"))
        if m.data.get("kind") == "survey_invitation"
    ]


def test_a_bug_in_an_invitation_ends_as_a_failed_invitation_with_its_message(app, campaign, monkeypatch):
    monkeypatch.setattr("bot.campaigns.invitations.queue_message", bug)
    work(app)
    (row,) = rows(app, "send_invitation")
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "KeyError: 'survey'")
    settle(app)
    (row,) = rows(app, "send_invitation")
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    with Session(app.extensions["ventanilla"].engine) as session:
        (send,) = session.exec(select(CampaignSend)).all()
        assert (send.status, send.reason) == ("failed", "KeyError: 'survey'")
        assert figures(session, session.get(Campaign, campaign)).failed == 1
        assert invitations(session) == []  # nothing half-written
    assert FailedJobRegistry(queue=app.extensions["ventanilla"].queue).count == 0


def test_an_invitation_run_twice_is_sent_once(app, campaign):
    work(app)
    (row,) = rows(app, "send_invitation")
    with app.app_context():
        assert send_invitation(row.id) == "nothing to do"
    with Session(app.extensions["ventanilla"].engine) as session:
        (send,) = session.exec(select(CampaignSend)).all()
        assert send.status == "sent"
        assert len(invitations(session)) == 1
