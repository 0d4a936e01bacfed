"""A campaign's survey invitation, answered in the conversation: pure, like the rest of the engine.

The app sets `State.invited` (the survey flow) and `State.campaign` when it sends an invitation. The resident's
next message, when no flow is under way, answers it: *no* (or the template's survey_decline button) declines;
a message that names another flow goes there, as any first message would; anything else — *sí*, the
survey_start button, "va", a greeting — starts the survey. Commands (baja, menú, no más encuestas) come first,
as always. An invitation left unanswered for INVITATION_DAYS lapses.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.flows.events import InvitationAnswered
from bot.flows.messages import InboundMessage, OutboundMessage
from bot.flows.model import render
from bot.flows.state import State
from bot.flows.turn import Context, Turn
from bot.flows.yesno import read_yes_no

__all__ = ["INVITATION_DAYS", "BUTTONS", "awaits_invitation", "answer_invitation"]

INVITATION_DAYS = 7
BUTTONS = {"survey_start": True, "survey_decline": False}  # the template's quick-reply payloads -> accepted


def awaits_invitation(state: State) -> bool:
    """Tell whether the next message answers an invitation: one was sent and no flow or question is under way."""
    return bool(state.invited) and not state.flow and not state.awaiting and not state.pending


def answer_invitation(ctx: Context, state: State, msg: InboundMessage, engine) -> Turn:
    """Start the survey, decline it, or (another flow named, the invitation lapsed) go on as without one."""
    flow = ctx.flows.flows.get(state.invited or "")
    dropped = replace(state, invited=None, campaign=None)
    if flow is None or _lapsed(ctx.now, state):
        return engine.start(ctx, dropped, msg)
    accepted = _accepted(ctx, msg)
    answered = InvitationAnswered(state.campaign, flow.id, accepted is not False)
    if accepted is False:
        declined = (OutboundMessage(render(ctx.flows.message("survey_declined", ctx.lang), {})),)
        said = declined if "survey_declined" in ctx.flows.messages else ()
        return Turn(State(lang=ctx.lang), said + (engine.menu(ctx),), (answered,))
    if accepted is None and engine.names_another_flow(ctx, msg, flow.id):
        return engine.start(ctx, dropped, msg)
    turn = engine.begin(ctx, flow)
    return Turn(turn.state, turn.replies, (answered,) + turn.events)


def _accepted(ctx: Context, msg: InboundMessage) -> bool | None:
    if msg.payload in BUTTONS:
        return BUTTONS[msg.payload]
    return read_yes_no(msg.text, lambda key: ctx.flows.words_for(key, ctx.lang))


def _lapsed(now: datetime, state: State) -> bool:
    """The invitation was sent (the state's last update) more than INVITATION_DAYS ago."""
    if not state.updated_at:
        return False
    try:
        sent = datetime.fromisoformat(state.updated_at)
    except ValueError:
        return True
    if (sent.utcoffset() is None) != (now.utcoffset() is None):
        return False  # cannot compare: keep the invitation
    return now - sent > timedelta(days=INVITATION_DAYS)
