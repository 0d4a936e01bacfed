"""What a resident is told about their tickets, in the words of flows.yaml."""

from __future__ import annotations

from bot.flows import Flows
from bot.flows.messages import OutboundMessage
from bot.flows.model import render

__all__ = ["duplicate_linked_notice", "status_label"]


def status_label(flows: Flows, status: str, lang: str) -> str:
    """Return a status in the resident's words (flows.yaml status_<status>), or as stored when it has none."""
    key = f"status_{status}"
    return flows.message(key, lang) if key in flows.messages else status


def duplicate_linked_notice(flows: Flows, lang: str, folio: str) -> OutboundMessage | None:
    """Tell a resident their report joined an open one nearby; None when flows.yaml has no duplicate_linked message.

    Only their own folio: the open report is another resident's, and its folio is never shown.
    """
    if "duplicate_linked" not in flows.messages:
        return None
    values = {"folio": folio}
    return OutboundMessage(render(flows.message("duplicate_linked", lang), values))
