"""A campaign's figures: invitations sent, delivered and failed (the messages' statuses), skipped and held,
residents who started and finished the survey after it, and the response rate."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from bot.campaigns.audience import audience_count
from bot.db.tables import Campaign, CampaignSend, Message

__all__ = ["Figures", "figures"]

DELIVERED = ("delivered", "read")


@dataclass(frozen=True)
class Figures:
    """What became of a campaign's invitations, counted now."""

    audience: int  # residents its filters reach now (a draft's would-be sends)
    invited: int  # invitations queued so far (one per resident)
    pending: int  # due later
    sent: int
    delivered: int  # the provider says delivered or read
    failed: int  # the provider refused it, or no template outside the 24-hour window
    skipped: int  # opted out since, or no way to reach them
    held: int  # due inside an electoral blackout
    started: int  # answered yes (or finished anyway)
    declined: int
    finished: int  # completed the survey after the invitation

    @property
    def response_rate(self) -> float:
        """Residents who finished the survey, per invitation sent."""
        return self.finished / self.sent if self.sent else 0.0


def figures(session: Session, campaign: Campaign) -> Figures:
    """Count a campaign's invitations by what became of them (one query over its sends and their messages)."""
    by_status = dict(
        session.exec(
            select(CampaignSend.status, func.count())
            .where(CampaignSend.campaign_id == campaign.id)
            .group_by(CampaignSend.status)
        ).all()
    )
    row = session.exec(
        select(  # type: ignore[call-overload]  # five counts: sqlmodel's overloads stop at four
            func.count(case((col(Message.status).in_(DELIVERED), 1))),
            func.count(case((col(Message.status) == "failed", 1))),
            func.count(case((col(CampaignSend.accepted).is_(True) | col(CampaignSend.finished_at).is_not(None), 1))),
            func.count(case((col(CampaignSend.accepted).is_(False), 1))),
            func.count(col(CampaignSend.finished_at)),
        )
        .select_from(CampaignSend)
        .join(Message, col(Message.id) == CampaignSend.message_id, isouter=True)
        .where(CampaignSend.campaign_id == campaign.id)
    ).one()
    delivered, failed, started, declined, finished = row
    return Figures(
        audience=audience_count(session, campaign.colonia, campaign.category),
        invited=sum(by_status.values()),
        pending=by_status.get("pending", 0),
        sent=by_status.get("sent", 0),
        delivered=delivered,
        failed=failed + by_status.get("failed", 0),
        skipped=by_status.get("skipped", 0),
        held=by_status.get("held", 0),
        started=started,
        declined=declined,
        finished=finished,
    )
