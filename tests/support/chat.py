"""The pure engine with the shipped flows, as a chat: no database, no HTTP."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bot.flows import (
    CARRIES_ALL,
    Flows,
    InboundMessage,
    State,
    advance,
    load_flows,
)
from bot.flows.places import Places

SHIPPED = Path(__file__).parent.parent.parent / "flows.yaml"
FLOWS = load_flows(SHIPPED, environ={})


def without_privacy(text: str) -> str:
    """flows.yaml's text without its `privacy:` section and what needs it (the privacy_… commands and messages)."""
    start, end = text.index("privacy:\n  version"), text.index("departments:\n  obras_publicas")
    kept, skipping = [], False
    for line in (text[:start] + text[end:]).splitlines(keepends=True):
        skipping = line.startswith("  privacy_") or (skipping and line.startswith("    "))
        if not skipping:
            kept.append(line)
    return "".join(kept)


NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class Chat:
    """Drive the engine like a resident: say something, get the replies' text.

    The resident has accepted the flows' privacy notice unless notice_accepted=False (tests/flows/test_privacy.py).
    """

    def __init__(
        self,
        state: State | None = None,
        channel: str = "whatsapp",
        carries: frozenset[str] = CARRIES_ALL,
        flows: Flows = FLOWS,
        places: Places | None = None,
        notice_accepted: bool = True,
    ):
        self.state, self.events = state or State(), []
        if notice_accepted and flows.privacy and self.state.notice is None:
            self.state = replace(self.state, notice=flows.privacy.version)
        self.channel, self.carries, self.flows, self.places = channel, carries, flows, places

    def say(self, text: str = "", **fields) -> str:
        turn = advance(
            self.flows,
            self.state,
            InboundMessage(self.channel, "+528112345678", text=text, carries=self.carries, **fields),
            NOW,
            "2611-TEST01",
            self.places,
        )
        self.state = turn.state
        self.events.extend(turn.events)
        return "\n".join(r.text + "".join(f"\n{o}" for o in r.options) for r in turn.replies)
