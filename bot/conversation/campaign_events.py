"""The events of survey campaigns in a conversation, applied with the message: asking for survey invitations or
no more, and answering one (bot/flows/invitations.py)."""

from __future__ import annotations

from sqlmodel import Session

from bot.campaigns.answers import record_answer, set_surveys_opt_in
from bot.conversation.event_context import Applied, EventContext
from bot.db.tables import utcnow
from bot.flows.events import InvitationAnswered, SurveysOptedIn, SurveysOptedOut

__all__ = ["surveys_opted_in", "surveys_opted_out", "invitation_answered"]


def surveys_opted_in(session: Session, event: SurveysOptedIn, ctx: EventContext) -> Applied:
    """Campaigns may invite this resident from now on."""
    set_surveys_opt_in(session, ctx.contact_id, True, utcnow())
    return Applied()


def surveys_opted_out(session: Session, event: SurveysOptedOut, ctx: EventContext) -> Applied:
    """No campaign invites this resident any more; invitations already queued are skipped when due."""
    set_surveys_opt_in(session, ctx.contact_id, False, utcnow())
    return Applied()


def invitation_answered(session: Session, event: InvitationAnswered, ctx: EventContext) -> Applied:
    """Count the answer on the campaign: started the survey, or declined."""
    record_answer(session, ctx.contact_id, event.campaign, event.accepted, utcnow())
    return Applied()
