"""What an event handler is given (EventContext) and what it gives back (Applied), apart from the handlers themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.config import Config
from bot.conversation.ticket_cap import DailyCap
from bot.db.tables import Outbox
from bot.flows import Flows, OutboundMessage

__all__ = ["EventContext", "Applied"]


@dataclass
class EventContext:
    """Who the event belongs to, where it came from, and the flows in force.

    today is the city's date of the message (ARCO due dates count from it); config signs the links
    handlers give residents (their data's export).
    """

    contact_id: int
    channel: str
    flows: Flows
    cap: DailyCap = field(default_factory=DailyCap)  # reports per day; none unless the handler says
    today: date | None = None
    config: Config | None = None


@dataclass
class Applied:
    """What applying an event left to do after commit, and anything more to tell the resident.

    withdrawn is the folio of a report the daily cap kept from being filed: the engine's closing words
    (its last reply, which tells that folio) are not said; the replies here say why instead.
    """

    outbox: list[Outbox] = field(default_factory=list)
    replies: tuple[OutboundMessage, ...] = ()
    withdrawn: str = ""
    opened: str = ""  # the department of a ticket this event filed (counted in bot.metrics once committed)
