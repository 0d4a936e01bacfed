"""What residents do about surveys, recorded for campaigns: asking for invitations or no more, answering one,
finishing the survey after it (the campaign's answers and response rate)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.db.tables import Campaign, CampaignSend, Contact

__all__ = ["set_surveys_opt_in", "record_answer", "record_finished"]


def set_surveys_opt_in(session: Session, contact_id: int, opted_in: bool, now: datetime) -> None:
    """Remember the resident's wish: invited to surveys from now on, or not any more (the first wish's time is kept)."""
    values = {"surveys_opted_in_at": now} if opted_in else {"surveys_opted_in_at": None}
    statement = update(Contact).where(col(Contact.id) == contact_id)
    if opted_in:
        statement = statement.where(col(Contact.surveys_opted_in_at).is_(None))
    session.execute(statement.values(**values))


def record_answer(session: Session, contact_id: int, campaign_id: int | None, accepted: bool, now: datetime) -> None:
    """The resident answered the campaign's invitation: started the survey, or declined."""
    if campaign_id is None:
        return
    send = session.exec(
        select(CampaignSend).where(CampaignSend.campaign_id == campaign_id, CampaignSend.contact_id == contact_id)
    ).first()
    if send is not None and send.answered_at is None:
        send.answered_at, send.accepted = now, accepted
        session.add(send)


def record_finished(session: Session, contact_id: int, flow: str, now: datetime) -> None:
    """The resident completed a survey flow: it answers their latest invitation to it still unanswered by a response."""
    send = session.exec(
        select(CampaignSend)
        .join(Campaign, col(Campaign.id) == CampaignSend.campaign_id)
        .where(
            CampaignSend.contact_id == contact_id,
            Campaign.flow == flow,
            CampaignSend.status == "sent",
            col(CampaignSend.finished_at).is_(None),
            col(CampaignSend.sent_at) <= now,
        )
        .order_by(col(CampaignSend.sent_at).desc())
    ).first()
    if send is not None:
        send.finished_at = now
        session.add(send)
