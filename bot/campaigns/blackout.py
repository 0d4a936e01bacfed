"""Electoral blackouts: while an election of flows.yaml's calendar covers the city's day, campaigns and any
non-essential broadcast are refused, and every refusal is in the audit trail and the log.

Mexican law (art. 41 of the Constitution) suspends government propaganda from the start of campaigns to election
day, except for health, education and civil protection; a flow marked `exempt:` with one of them may be sent.
Replies in a resident's own conversation and notices about their own reports are no broadcast and go on.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.db.tables import CampaignEvent
from bot.flows.model import Election, Flows
from bot.translatable import N_, TranslatableError

__all__ = ["BlackoutError", "city_day", "blackout_for", "refusal", "record_refusal"]

log = logging.getLogger(__name__)


class BlackoutError(TranslatableError):
    """A campaign or broadcast refused because an electoral blackout covers today."""

    def __init__(self, template: str, election: Election, **params) -> None:
        super().__init__(
            template, election=election.name, start=election.start.isoformat(), end=election.end.isoformat(), **params
        )
        self.election = election


def city_day(now: datetime, zone: ZoneInfo) -> date:
    """The city's day at this moment."""
    return now.astimezone(zone).date()


def blackout_for(flows: Flows, flow_id: str | None, now: datetime, zone: ZoneInfo) -> Election | None:
    """The election whose blackout forbids broadcasting this flow now: None outside one, or for an exempt flow."""
    flow = flows.flows.get(flow_id or "")
    if flow is not None and flow.exempt:
        return None
    return flows.election_on(city_day(now, zone))


def refusal(flows: Flows, flow_id: str | None, now: datetime, zone: ZoneInfo, creating: bool) -> BlackoutError | None:
    """Why a campaign of this flow may not be created or sent now; None when it may."""
    election = blackout_for(flows, flow_id, now, zone)
    if election is None:
        return None
    template = (
        N_("No campaign may be created during the electoral blackout of %(election)s (%(start)s to %(end)s): only flows"
           " marked exempt (health, education, civil protection) may be sent.")
        if creating
        else N_("No campaign may be sent during the electoral blackout of %(election)s (%(start)s to %(end)s): only"
                " flows marked exempt (health, education, civil protection) may be sent.")
    )  # fmt: skip
    return BlackoutError(template, election)


def record_refusal(
    session: Session, kind: str, election: Election, actor: str, campaign_id: int | None, detail: dict
) -> None:
    """Put a refusal in the campaigns' audit trail (refused: creating or sending; held: an invitation due in it) and log it."""
    detail = {"election": election.name, "from": election.start.isoformat(), "to": election.end.isoformat(), **detail}
    session.add(CampaignEvent(campaign_id=campaign_id, kind=kind, actor=actor, detail=detail))
    log.warning(
        "electoral blackout (%s, %s to %s): campaign %s %s by %s",
        election.name,
        election.start,
        election.end,
        campaign_id if campaign_id is not None else "(new)",
        kind,
        actor,
    )
