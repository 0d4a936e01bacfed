"""`ventanilla chat`: talk to the flows in a terminal, through the real engine, with no database
and no network. Lines typed (or piped in) are the resident's messages; the bot's replies are
printed with their options numbered, as an SMS shows them, and every event (a ticket opened, a
survey completed, a handover...) is printed where it happens. flows.yaml may be edited while
chatting: the next message uses the new version.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TextIO

from bot.flows import (
    Flows,
    HandoverRequested,
    InboundMessage,
    Location,
    Media,
    OptedIn,
    OptedOut,
    State,
    StatusRequested,
    SurveyCompleted,
    TicketOpened,
    advance,
)
from bot.flows.engine import begin
from bot.flows.events import describe_event as describe_event_in_words
from bot.flows.turn import Context, Turn
from bot.tickets.folio import new_folio

__all__ = ["DEFAULT_PHOTO_URL", "Simulator", "chat"]

DEFAULT_PHOTO_URL = "https://example.mx/simulador/foto.jpg"
SENDER = "+5218100000000"
BOT = "🤖 "
INDENT = " " * 3
HELP = "Write as a resident would. Also: /location LAT,LNG [label words]  /photo [URL]  /state  /reset  /help  /quit"
ICONS = {
    TicketOpened: "🎫",
    SurveyCompleted: "📊",
    HandoverRequested: "🙋",
    StatusRequested: "🔎",
    OptedOut: "🔕",
    OptedIn: "🔔",
}
NOTES = {  # what the real app would do that a terminal cannot
    StatusRequested: " (the app would look it up and answer; no database here)",
    OptedOut: ": the bot stays silent until the resident opts back in (ALTA / START)",
}
_LOCATION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*(.*)$")


class Simulator:
    """One resident's conversation with the engine: state kept between lines, output to a stream."""

    def __init__(
        self,
        flows: Flows | Callable[[], Flows],
        out: TextIO,
        lang: str | None = None,
        clock: Callable[[], datetime] | None = None,
        folio: Callable[[datetime], str] = new_folio,
        echo: bool = False,
    ):
        self.latest = flows if callable(flows) else (lambda: flows)
        self.out, self.clock, self.folio, self.echo = out, clock or (lambda: datetime.now(UTC)), folio, echo
        self.flows = self.latest()
        self.lang = lang
        self.state = State(lang=lang)

    # Output ------------------------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def show(self, turn: Turn) -> None:
        """Print the bot's replies (options numbered) and then the turn's events."""
        for reply in turn.replies:
            lines = reply.as_numbered_text().splitlines() or [""]
            self.say(BOT + lines[0])
            for line in lines[1:]:
                self.say(INDENT + line if line else "")
        for event in turn.events:
            self.say(describe_event(event, self.flows))

    # Input -------------------------------------------------------------------------------------

    def start(self, flow_id: str) -> None:
        """Begin directly in a flow, as if the resident had picked it from the menu."""
        now = self.clock()
        ctx = Context(self.flows, self.state.lang or self.flows.default_language, "", self.folio(now), now)
        turn = begin(ctx, self.flows.flows[flow_id])
        self.state = replace(turn.state, updated_at=now.isoformat())
        self.show(turn)

    def send(self, **fields) -> None:
        """Send one message from the resident through the engine."""
        self._refresh()
        now = self.clock()
        message = InboundMessage("sms", SENDER, recipient="ventanilla", received_at=now, **fields)
        turn = advance(self.flows, self.state, message, now, self.folio(now))
        self.state = turn.state
        if not turn.replies and not turn.events:
            self.say("   (no reply)")
        self.show(turn)

    def handle(self, line: str) -> bool:
        """Act on one line typed by the resident; return False to stop."""
        line = line.rstrip("\r\n")
        if self.echo:
            self.say(f"> {line}")
        command, _, rest = line.strip().partition(" ")
        if not line.strip():
            return True  # no channel sends an empty message
        if not command.startswith("/") or command == "/":
            self.send(text=line)
        elif command in ("/quit", "/exit", "/q"):
            return False
        elif command == "/location":
            self._location(rest)
        elif command == "/photo":
            self.send(media=(Media(rest.strip() or DEFAULT_PHOTO_URL, "image/jpeg"),))
        elif command == "/state":
            self.say(json.dumps(self.state.to_dict(), ensure_ascii=False, indent=2))
        elif command == "/reset":
            self.state = State(lang=self.lang)
            self.say("   (conversation reset)")
        elif command == "/help":
            self.say(HELP)
        else:
            self.say(f"unknown command {command}. {HELP}")
        return True

    def _location(self, rest: str) -> None:
        match = _LOCATION.match(rest)
        if not match:
            self.say("usage: /location LAT,LNG [label words], for example /location 25.6581,-100.4025 Parque Clouthier")
            return
        latitude, longitude, label = float(match.group(1)), float(match.group(2)), match.group(3).strip()
        self.send(location=Location(latitude, longitude, label=label or None))

    def _refresh(self) -> None:
        """Follow edits to flows.yaml between messages."""
        latest = self.latest()
        if latest.version != self.flows.version:
            self.say(f"   ↻ flows reloaded: version {latest.version}")
        self.flows = latest


def describe_event(event, flows: Flows | None = None) -> str:
    """One line saying what the app would do with an event."""
    names = {key: department.name for key, department in flows.departments.items()} if flows else {}
    return f"{ICONS.get(type(event), '•')} {describe_event_in_words(event, names)}{NOTES.get(type(event), '')}"


def chat(
    flows: Flows | Callable[[], Flows],
    lines: Iterable[str] | None,
    out: TextIO,
    flow: str | None = None,
    lang: str | None = None,
    interactive: bool = False,
    banner: str = "",
) -> None:
    """Run a chat: lines from an iterable (a pipe), or from input() when interactive."""
    simulator = Simulator(flows, out, lang, echo=not interactive)
    if banner:
        simulator.say(banner)
    simulator.say(HELP)
    if flow:
        simulator.start(flow)
    for line in _prompted() if interactive else lines or ():
        if not simulator.handle(line):
            break


def _prompted():
    with contextlib.suppress(ImportError):  # not on every platform
        import readline  # noqa: F401 - line editing and history for input()
    while True:
        try:
            yield input("> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return
