"""The pure core: flow model, loader, matching, step kinds and the engine (no I/O but reading flows)."""

from bot.flows.engine import advance
from bot.flows.events import HandoverRequested, OptedIn, OptedOut, StatusRequested, SurveyCompleted, TicketOpened
from bot.flows.loader import FlowError, FlowsInvalidError, load_flows, load_flows_text
from bot.flows.messages import CARRIES_ALL, InboundMessage, Location, Media, OutboundMessage
from bot.flows.model import Flows
from bot.flows.state import State
from bot.flows.turn import Turn

__all__ = [
    "advance",
    "State",
    "Turn",
    "Flows",
    "TicketOpened",
    "SurveyCompleted",
    "HandoverRequested",
    "StatusRequested",
    "OptedOut",
    "OptedIn",
    "FlowError",
    "FlowsInvalidError",
    "load_flows",
    "load_flows_text",
    "InboundMessage",
    "CARRIES_ALL",
    "Location",
    "Media",
    "OutboundMessage",
]
