"""Sending one resident's invitation when its paced outbox row comes due: held in an electoral blackout, skipped
for a resident who opted out since the campaign was sent, else queued like any message to them (free text inside
WhatsApp's 24-hour window, the approved template outside) and awaited in their conversation."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, select

from bot.campaigns.blackout import blackout_for, record_refusal
from bot.db.tables import Campaign, CampaignEvent, CampaignSend, Contact, Conversation
from bot.flows.messages import OutboundMessage
from bot.flows.model import render
from bot.flows.state import State
from bot.messaging.outbound import contact_language, queue_message

__all__ = ["invite"]

log = logging.getLogger(__name__)


def invite(session: Session, svc, send_id: int, now: datetime) -> str:
    """Carry out one invitation inside the caller's transaction; say what became of it (safe to run twice)."""
    send = session.get(CampaignSend, send_id)
    if send is None or send.status != "pending":
        return "nothing to do"
    campaign = session.get(Campaign, send.campaign_id)
    if campaign is None:
        return "nothing to do"
    flows = svc.flows
    election = blackout_for(flows, campaign.flow, now, svc.config.city_zone())
    if election is not None:
        _hold(session, campaign, send, election)
        return "held"
    reason = _not_invited(session.get(Contact, send.contact_id), campaign.flow in flows.flows)
    if reason:
        return _skip(session, send, reason)
    lang = contact_language(session, send.contact_id) or flows.default_language
    values = {"survey": flows.flows[campaign.flow].title.get(lang, flows.default_language)}
    text = render(flows.message(campaign.template, lang), values)
    message = queue_message(
        session, flows, send.contact_id, campaign.template, OutboundMessage(text), values, lang, now
    )
    if message is None:
        return _skip(session, send, "no channel to reach them")
    send.status, send.sent_at, send.message_id, send.reason = "sent", now, message.id, message.error
    session.add(send)
    _await_answer(session, send.contact_id, campaign, now)
    return "sent"


def _not_invited(contact: Contact | None, flow_exists: bool) -> str:
    """Why this resident is not invited after all (they changed their mind after the campaign was sent)."""
    if contact is None or contact.anonymised_at is not None:
        return "erased"
    if contact.opted_out:
        return "opted out of messages"
    if contact.surveys_opted_in_at is None:
        return "opted out of surveys"
    return "" if flow_exists else "the survey flow is no longer in flows.yaml"


def _skip(session: Session, send: CampaignSend, reason: str) -> str:
    send.status, send.reason = "skipped", reason
    session.add(send)
    return "skipped"


def _hold(session: Session, campaign: Campaign, send: CampaignSend, election) -> None:
    """Not sent: the blackout covers its due time. The first hold of a campaign is audited; each is logged."""
    send.status, send.reason = "held", f"electoral blackout: {election.name}"
    session.add(send)
    audited = session.exec(
        select(CampaignEvent.id).where(CampaignEvent.campaign_id == campaign.id, CampaignEvent.kind == "held")
    ).first()
    if audited is None:
        record_refusal(session, "held", election, "system", campaign.id, {"action": "send", "first_send": send.id})
    else:
        log.info("electoral blackout (%s): invitation %s of campaign %s held", election.name, send.id, campaign.id)


def _await_answer(session: Session, contact_id: int, campaign: Campaign, now: datetime) -> None:
    """The conversation awaits the answer: the resident's next message, outside a flow, answers the invitation.

    Its seq moves, so a message of theirs being handled at this moment is handled again on the new state."""
    conversation = session.exec(select(Conversation).where(Conversation.contact_id == contact_id)).first()
    if conversation is None:
        return
    state = State.from_dict(conversation.state)
    updated = state.updated_at if state.flow else now.isoformat()  # a flow under way keeps its own clock
    conversation.state = {**state.to_dict(), "invited": campaign.flow, "campaign": campaign.id, "updated_at": updated}
    conversation.seq += 1
    conversation.updated_at = now
    session.add(conversation)
