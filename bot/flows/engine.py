"""The pure flow engine: (flows, state, inbound, now, ids) -> (state, replies, events).

It knows nothing of HTTP, databases or clocks; everything it needs is handed in.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime

from .matching import Candidate, best_match, normalize
from .messages import InboundMessage, OutboundMessage
from .model import Flow, Flows, Step, render
from .steps import INVALID, STEP_KINDS, Vocabulary, display

__all__ = ["State", "Turn", "TicketOpened", "SurveyCompleted", "advance"]


@dataclass(frozen=True)
class State:
    """Where one resident's conversation stands; stored as JSON between messages."""

    flow: str | None = None
    step: str | None = None
    answers: dict = field(default_factory=dict)
    lang: str | None = None
    attempts: int = 0
    version: str | None = None

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> "State":
        """Rebuild a state stored by to_dict (unknown keys are ignored)."""
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True)
class TicketOpened:
    """A flow finished with a ticket for a department."""

    folio: str
    flow: str
    department: str
    category: str
    priority: str
    summary: str
    lang: str
    answers: dict
    location: dict | None
    media: tuple[dict, ...]


@dataclass(frozen=True)
class SurveyCompleted:
    """A survey flow finished; its answers are a response to store."""

    flow: str
    lang: str
    answers: dict


@dataclass(frozen=True)
class Turn:
    """What one inbound message produced."""

    state: State
    replies: tuple[OutboundMessage, ...]
    events: tuple = ()


@dataclass(frozen=True)
class _Context:
    flows: Flows
    lang: str
    name: str
    folio: str
    now: datetime

    def say(self, key: str) -> OutboundMessage:
        return OutboundMessage(self.flows.message(key, self.lang))


def advance(flows: Flows, state: State, msg: InboundMessage, now: datetime, folio: str) -> Turn:
    """Take one inbound message and return the next state, the replies and the events."""
    lang = state.lang if state.flow else detect_language(flows, msg.text, state.lang)
    ctx = _Context(flows, lang, msg.profile_name, folio, now)
    command = _command(flows, msg.text)
    if command == "cancel":
        return Turn(State(lang=lang), (ctx.say("cancelled"), _menu(ctx)))
    if command == "menu" or state.flow not in flows.flows:
        return _start(ctx, msg)
    return _answer(ctx, replace(state, lang=lang), msg)


def detect_language(flows: Flows, text: str, current: str | None) -> str:
    """Pick the language whose greetings or flow words the text uses; else keep the current one."""
    padded = f" {normalize(text)} "
    scores: dict[str, int] = {}
    for lang, words in flows.languages.items():
        vocabulary = list(words) + [w for f in flows.flows.values() for w in f.keywords.get(lang, ())]
        scores[lang] = sum(1 for w in vocabulary if normalize(w) and f" {normalize(w)} " in padded)
    best = max(scores.values(), default=0)
    winners = [lang for lang, score in scores.items() if score == best]
    if best and len(winners) == 1:
        return winners[0]
    return current or flows.default_language


def _command(flows: Flows, text: str) -> str | None:
    """Return the global command the whole text names (menu, cancel), if any."""
    norm = normalize(text)
    for name, by_lang in flows.commands.items():
        if any(norm == normalize(w) for words in by_lang.values() for w in words):
            return name
    return None


def _start(ctx: _Context, msg: InboundMessage) -> Turn:
    """Start the flow the resident names, or show the menu."""
    flows = ctx.flows
    candidates = [
        Candidate(fid, n, tuple(flows.flows[fid].title.by_lang.values()) + sum(flows.flows[fid].keywords.values(), ()))
        for n, fid in enumerate(flows.menu.flows, 1)
    ]
    chosen = best_match(msg.text, candidates, msg.payload)
    if chosen is None:
        return Turn(State(lang=ctx.lang), (_menu(ctx),))
    flow = flows.flows[chosen]
    state = State(flow=flow.id, step=flow.steps[0].id, lang=ctx.lang, version=flows.version)
    return Turn(state, (_prompt(ctx, flow, flow.steps[0], state.answers),))


def _answer(ctx: _Context, state: State, msg: InboundMessage) -> Turn:
    """Read the answer to the current step; re-ask, move on or finish."""
    flow = ctx.flows.flows[state.flow]
    step = flow.step(state.step)
    value = STEP_KINDS[step.kind].parse(step, msg, _vocabulary(ctx), ctx.lang)
    if value is INVALID:
        return _reask(ctx, flow, step, state)
    if step.kind == "confirm" and value is False:
        return Turn(State(lang=ctx.lang), (ctx.say("confirm_declined"), _menu(ctx)))
    answers = {**state.answers, step.id: value}
    following = _next_step(flow, step, value)
    if following is None:
        return _finish(ctx, flow, answers)
    new_state = replace(state, step=following.id, answers=answers, attempts=0)
    return Turn(new_state, (_prompt(ctx, flow, following, answers),))


def _reask(ctx: _Context, flow: Flow, step: Step, state: State) -> Turn:
    """Explain what is expected and ask again; after too many tries, go back to the menu."""
    attempts = state.attempts + 1
    if attempts >= ctx.flows.max_attempts:
        return Turn(State(lang=ctx.lang), (ctx.say("too_many_attempts"), _menu(ctx)))
    key = f"invalid_{step.kind}" if f"invalid_{step.kind}" in ctx.flows.messages else "invalid"
    reply = (ctx.say(key), _prompt(ctx, flow, step, state.answers))
    return Turn(replace(state, attempts=attempts), reply)


def _next_step(flow: Flow, step: Step, value) -> Step | None:
    """Follow an option's next, else the step's next, else file order."""
    option = next((o for o in step.options if o.id == value), None)
    target = (option.next if option else None) or step.next
    return flow.step(target) if target else flow.step_after(step.id)


def _finish(ctx: _Context, flow: Flow, answers: dict) -> Turn:
    """Close the flow: record its outcome as an event and thank the resident."""
    values = _template_values(ctx, flow, answers)
    outcome, events = flow.outcome, ()
    if outcome.kind == "ticket":
        summary = render(outcome.summary.get(ctx.lang, ctx.flows.default_language), values)
        events = (_ticket_opened(ctx, flow, answers, summary),)
    elif outcome.kind == "survey":
        events = (SurveyCompleted(flow.id, ctx.lang, answers),)
    done = render(flow.done.get(ctx.lang, ctx.flows.default_language), values)
    return Turn(State(lang=ctx.lang), (OutboundMessage(done),), events)


def _ticket_opened(ctx: _Context, flow: Flow, answers: dict, summary: str) -> TicketOpened:
    location = next((answers[s.id] for s in flow.steps if s.kind == "location" and answers.get(s.id)), None)
    photos = [answers[s.id] for s in flow.steps if s.kind == "photo" and answers.get(s.id)]
    outcome = flow.outcome
    return TicketOpened(
        folio=ctx.folio, flow=flow.id, department=outcome.department, category=outcome.category,
        priority=outcome.priority, summary=summary, lang=ctx.lang, answers=answers,
        location=location, media=tuple(m for batch in photos for m in batch),
    )


def _prompt(ctx: _Context, flow: Flow, step: Step, answers: dict) -> OutboundMessage:
    text = render(step.prompt.get(ctx.lang, ctx.flows.default_language), _template_values(ctx, flow, answers))
    labels = tuple(o.label.get(ctx.lang, ctx.flows.default_language) for o in step.options)
    return OutboundMessage(text, labels)


def _menu(ctx: _Context) -> OutboundMessage:
    flows = ctx.flows
    titles = tuple(flows.flows[f].title.get(ctx.lang, flows.default_language) for f in flows.menu.flows)
    text = render(flows.menu.prompt.get(ctx.lang, flows.default_language), {"name": ctx.name})
    return OutboundMessage(text.strip(), titles)


def _template_values(ctx: _Context, flow: Flow, answers: dict) -> dict:
    values = {"folio": ctx.folio, "name": ctx.name, "flow": flow.title.get(ctx.lang, ctx.flows.default_language)}
    for step in flow.steps:
        if step.id in answers:
            values[step.id] = display(step, answers[step.id], ctx.lang, ctx.flows.default_language)
    return values


def _vocabulary(ctx: _Context) -> Vocabulary:
    words = ctx.flows.words
    return Vocabulary(*(tuple(words.get(k, {}).get(ctx.lang, ())) for k in ("yes", "no", "skip")))
