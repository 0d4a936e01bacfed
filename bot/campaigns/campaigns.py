"""Creating a campaign and sending it: validated, refused in an electoral blackout (audited), then one invitation
per resident of its audience, each an outbox row due CAMPAIGN_SENDS_PER_MINUTE apart."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.campaigns.audience import audience
from bot.campaigns.blackout import BlackoutError, record_refusal, refusal
from bot.db.database import transaction
from bot.db.tables import Campaign, CampaignEvent, CampaignSend, Outbox, utcnow
from bot.flows.model import Flows
from bot.jobs.outbox import unit_of_work
from bot.translatable import N_, TranslatableError

__all__ = ["CampaignError", "BlackoutError", "create_campaign", "start_sending", "campaign_or_error", "SEND_KIND"]

SEND_KIND = "send_invitation"  # the outbox kind of one invitation (bot/jobs/campaign_jobs.py)
NAME_LENGTH = 120
FILTER_LENGTH = 200


class CampaignError(TranslatableError):
    """A campaign that cannot be created or sent as asked: a clear reason, nothing written."""


def create_campaign(
    svc,
    *,
    name: str,
    flow: str,
    template: str,
    colonia: str | None = None,
    category: str | None = None,
    actor: str,
    now: datetime | None = None,
) -> Campaign:
    """Store a draft campaign (nothing is sent until start_sending); CampaignError or BlackoutError says why not."""
    now, flows = now or utcnow(), svc.flows
    name, colonia, category = (name or "").strip(), _filter(colonia), _filter(category)
    _check(flows, name, flow, template, colonia, category)
    refused = refusal(flows, flow, now, svc.config.city_zone(), creating=True)
    if refused is not None:
        with transaction(svc.engine, immediate=True) as session:
            record_refusal(
                session, "refused", refused.election, actor, None, {"action": "create", "name": name, "flow": flow}
            )
        raise refused
    exempt = flows.flows[flow].exempt
    with transaction(svc.engine, immediate=True) as session:
        campaign = Campaign(
            name=name,
            flow=flow,
            template=template,
            colonia=colonia,
            category=category,
            exempt=exempt,
            created_by=actor,
            created_at=now,
        )
        session.add(campaign)
        session.flush()
        detail: dict[str, str | None] = {
            "name": name,
            "flow": flow,
            "template": template,
            "colonia": colonia,
            "category": category,
        }
        session.add(CampaignEvent(campaign_id=campaign.id, kind="created", actor=actor, detail=detail, created_at=now))
    return campaign


def _filter(value: str | None) -> str | None:
    return (value or "").strip() or None


def _check(flows: Flows, name: str, flow: str, template: str, colonia: str | None, category: str | None) -> None:
    if not name or len(name) > NAME_LENGTH:
        raise CampaignError(N_("A campaign needs a name of at most %(limit)s characters."), limit=NAME_LENGTH)
    chosen = flows.flows.get(flow)
    if chosen is None or chosen.outcome.kind != "survey":
        raise CampaignError(N_("%(flow)s is not a survey flow of flows.yaml."), flow=flow)
    if template not in flows.campaign_templates():
        raise CampaignError(
            N_("%(name)s is not a campaign template of flows.yaml (a template with campaign: true)."),
            name=template,
        )
    if any(value and len(value) > FILTER_LENGTH for value in (colonia, category)):
        raise CampaignError(N_("A colonia or category has at most %(limit)s characters."), limit=FILTER_LENGTH)


def campaign_or_error(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignError(N_("There is no campaign %(id)s."), id=campaign_id)
    return campaign


def start_sending(svc, campaign_id: int, *, actor: str, now: datetime | None = None) -> int:
    """Queue an invitation for every resident of the audience not yet invited (and those held by a blackout),
    each due CAMPAIGN_SENDS_PER_MINUTE after the one before; return how many were queued.

    Run again later, it invites only residents who joined the audience since: at most one invitation per resident
    per campaign (a unique constraint holds it even for two admins at once).
    """
    now, flows = now or utcnow(), svc.flows
    with transaction(svc.engine) as session:
        campaign = campaign_or_error(session, campaign_id)
        flow = campaign.flow
    refused = refusal(flows, flow, now, svc.config.city_zone(), creating=False)
    if refused is not None:
        with transaction(svc.engine, immediate=True) as session:
            record_refusal(session, "refused", refused.election, actor, campaign_id, {"action": "send"})
        raise refused
    if flow not in flows.flows:
        raise CampaignError(N_("%(flow)s is not a survey flow of flows.yaml."), flow=flow)
    spacing = timedelta(minutes=1) / svc.config.campaign_sends_per_minute
    with unit_of_work(svc) as session:
        campaign = campaign_or_error(session, campaign_id)
        invited = set(session.exec(select(CampaignSend.contact_id).where(CampaignSend.campaign_id == campaign_id)))
        held = session.exec(
            select(CampaignSend)
            .where(CampaignSend.campaign_id == campaign_id, CampaignSend.status == "held")
            .order_by(col(CampaignSend.id))
        ).all()
        new = [c for c in session.exec(audience(campaign.colonia, campaign.category)) if c not in invited]
        sends = list(held) + [CampaignSend(campaign_id=campaign_id, contact_id=c, due_at=now) for c in new]
        for number, send in enumerate(sends):
            send.status, send.reason, send.due_at = "pending", "", now + spacing * number
            session.add(send)
        session.flush()
        session.add_all(
            Outbox(kind=SEND_KIND, payload={"send_id": send.id}, available_at=send.due_at, created_at=now)
            for send in sends
        )
        campaign.status, campaign.started_at = "sending", campaign.started_at or now
        session.add(campaign)
        detail = {"invitations": len(sends), "again": len(held), "per_minute": svc.config.campaign_sends_per_minute}
        session.add(CampaignEvent(campaign_id=campaign_id, kind="sending", actor=actor, detail=detail, created_at=now))
    return len(sends)
