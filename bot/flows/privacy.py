"""The privacy notice and ARCO requests in the conversation: pure, like the rest of the engine.

Before the first question that collects personal data (a location, a photo, a step marked `personal`)
the resident accepts the short notice once per notice version; the version accepted stays in the state
across flows and channels (one conversation per contact). The ARCO commands ask what they need (a
confirmation, the data to correct, the use opposed) and record a `PrivacyRequested` event; access is
answered by the app from the database (`DataAccessRequested`).
"""

from __future__ import annotations

from dataclasses import replace

from bot.flows.events import DataAccessRequested, NoticeAnswered, PrivacyRequested
from bot.flows.messages import InboundMessage, OutboundMessage
from bot.flows.model import Step, render
from bot.flows.state import State
from bot.flows.turn import Context, Turn
from bot.flows.yesno import read_listed_yes_no

__all__ = [
    "NOTICE",
    "RIGHTS",
    "needs_notice",
    "ask_notice",
    "answer_awaited",
    "awaited_question",
    "ask_for_request",
    "access",
]

NOTICE = "notice"  # State.awaiting while the notice is asked
RIGHTS = ("rectification", "cancellation", "opposition")  # ARCO rights filed as requests (access is answered at once)
_QUESTIONS = {
    "cancellation": "privacy_cancel_confirm",
    "rectification": "privacy_rectify_ask",
    "opposition": "privacy_oppose_ask",
}
NOTICE_BUTTONS = {"accept": "privacy_accept", "decline": "privacy_decline"}  # a button's payload -> its label
DETAIL_LIMIT = 2000  # characters of a rectification or opposition kept with the request


def needs_notice(ctx: Context, state: State, step: Step) -> bool:
    """Tell whether the notice must be accepted before this step: it collects personal data, not yet accepted."""
    privacy = ctx.flows.privacy
    accepted = state.notice or ctx.notice  # a turn that starts a flow afresh starts from a state without it
    return privacy is not None and step.collects_personal_data and accepted != privacy.version


def ask_notice(ctx: Context, step: Step, state: State, replies: tuple = ()) -> Turn:
    """Pause the flow at the step and ask the resident to accept the notice."""
    paused = replace(state, step=step.id, attempts=0, pending=(), awaiting=NOTICE)
    return Turn(paused, replies + (awaited_question(ctx, paused),))


def awaited_question(ctx: Context, state: State) -> OutboundMessage:
    """The question the state awaits an answer to: the notice, or an ARCO request's."""
    if state.awaiting == NOTICE:
        privacy = ctx.flows.privacy
        text = render(
            ctx.flows.message("privacy_notice", ctx.lang), {"notice_url": privacy.notice_url if privacy else ""}
        )
        if not all(key in ctx.flows.messages for key in NOTICE_BUTTONS.values()):
            return OutboundMessage(text)
        labels = tuple(ctx.flows.message(key, ctx.lang) for key in NOTICE_BUTTONS.values())
        return OutboundMessage(text, labels, tuple(NOTICE_BUTTONS))  # buttons where the channel has them, else 1. 2.
    return ctx.say(_QUESTIONS[state.awaiting or ""])


def answer_awaited(ctx: Context, state: State, msg: InboundMessage, engine) -> Turn:
    """Read the answer to the notice or to an ARCO request's question."""
    if state.awaiting == NOTICE:
        return _answer_notice(ctx, state, msg, engine)
    right = state.awaiting or ""
    if right == "cancellation":
        said = _yes_no(ctx, msg)
        if said is None:
            return _again(ctx, state, engine)
        if said is False:
            return Turn(State(lang=ctx.lang), (ctx.say("privacy_request_dropped"), engine.menu(ctx)))
        return _filed(ctx, right, "")
    detail = " ".join(msg.text.split())[:DETAIL_LIMIT]
    if not detail:
        return _again(ctx, state, engine)
    return _filed(ctx, right, detail)


def _answer_notice(ctx: Context, state: State, msg: InboundMessage, engine) -> Turn:
    privacy = ctx.flows.privacy
    flow = ctx.flows.flows.get(state.flow or "")
    step = flow.find_step(state.step) if flow else None
    if privacy is None or flow is None or step is None:  # a reload dropped the notice or the flow
        return Turn(State(lang=ctx.lang), (engine.menu(ctx),))
    said = _yes_no(ctx, msg)
    if said is None:
        return _again(ctx, state, engine)
    answered = NoticeAnswered(privacy.version, said)
    if not said:
        return Turn(State(lang=ctx.lang), (ctx.say("privacy_declined"), engine.menu(ctx)), (answered,))
    turn = engine.goto(ctx, flow, step, replace(state, notice=privacy.version, awaiting=None))
    return Turn(turn.state, turn.replies, (answered,) + turn.events)


def _yes_no(ctx: Context, msg: InboundMessage) -> bool | None:
    if msg.payload in NOTICE_BUTTONS:
        return msg.payload == "accept"
    return read_listed_yes_no(msg.payload or msg.text, lambda key: ctx.flows.words_for(key, ctx.lang))


def _again(ctx: Context, state: State, engine) -> Turn:
    """Ask again; after too many tries, back to the menu with nothing recorded."""
    attempts = state.attempts + 1
    if attempts >= ctx.flows.max_attempts:
        return Turn(State(lang=ctx.lang), (ctx.say("too_many_attempts"), engine.menu(ctx)))
    again = replace(state, attempts=attempts)
    hint = (
        "invalid_yes_no"
        if state.awaiting in (NOTICE, "cancellation") and "invalid_yes_no" in ctx.flows.messages
        else "invalid"
    )
    return Turn(again, (ctx.say(hint), awaited_question(ctx, again)))


def _filed(ctx: Context, right: str, detail: str) -> Turn:
    """The request is recorded; the app gives it its due date and tells the resident."""
    return Turn(State(lang=ctx.lang), (), (PrivacyRequested(ctx.folio, right, detail, ctx.lang),))


def ask_for_request(right: str):
    """The command that starts an ARCO request: it leaves any flow under way and asks its question."""

    def command(ctx: Context, state: State, argument: str, engine) -> Turn:
        asking = State(lang=ctx.lang, awaiting=right)
        return Turn(asking, (awaited_question(ctx, asking),))

    command.__name__ = f"privacy_{right}"
    return command


def access(ctx: Context, state: State, argument: str, engine) -> Turn:
    """ARCO access: the app answers with what it keeps and a link to download it; the conversation stays as it was."""
    return Turn(replace(state, pending=()), (), (DataAccessRequested(ctx.lang),))
