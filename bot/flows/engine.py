"""The pure flow engine: (flows, state, inbound, now, folio) -> (state, replies, events).

It knows nothing of HTTP, databases or clocks; everything it needs is handed in.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.flows.commands import COMMANDS, find_command
from bot.flows.events import HandoverRequested, OptedIn, SurveyCompleted, TicketOpened
from bot.flows.matching import Candidate, ChoiceIndex, normalize
from bot.flows.messages import InboundMessage, OutboundMessage
from bot.flows.model import END, Flow, Flows, Outcome, Step, Text, render
from bot.flows.state import State
from bot.flows.steps import INVALID, STEP_KINDS, Ask, StepContext, display
from bot.flows.turn import Context, Turn

__all__ = ["State", "Turn", "advance", "detect_language"]


def advance(flows: Flows, state: State, msg: InboundMessage, now: datetime, folio: str) -> Turn:
    """Take one inbound message and return the next state, the replies and the events."""
    hint = msg.lang_hint if msg.lang_hint in flows.languages else None
    lang = state.lang if state.flow else detect_language(flows, msg.text, state.lang or hint)
    ctx = Context(flows, lang or flows.default_language, msg.profile_name, folio, now)
    command, argument = find_command(flows, msg.text)
    if state.opted_out:
        turn = _while_opted_out(ctx, state, command)
    else:
        state, notices = _expire(ctx, state)
        turn = _route(ctx, state, msg, command, argument)
        turn = Turn(turn.state, notices + turn.replies, turn.events)
    new_state = replace(turn.state, updated_at=now.isoformat(), lang=turn.state.lang or ctx.lang)
    return Turn(new_state, turn.replies, turn.events)


def _route(ctx: Context, state: State, msg: InboundMessage, command: str | None, argument: str) -> Turn:
    if command:
        return COMMANDS[command](ctx, state, argument, ENGINE)
    if state.pending:
        return _resolve_pending(ctx, state, msg)
    flow = ctx.flows.flows.get(state.flow) if state.flow else None
    if flow is None:
        return _start(ctx, msg)
    if _is_greeting(ctx, msg.text):
        return _remind(ctx, state, flow)  # "hola" mid-flow is not the answer: repeat the question
    return _answer(ctx, state, flow, msg)


def _is_greeting(ctx: Context, text: str) -> bool:
    norm = normalize(text)
    return any(norm == normalize(w) for words in ctx.flows.languages.values() for w in words)


def _remind(ctx: Context, state: State, flow: Flow) -> Turn:
    step = flow.find_step(state.step)
    if step is None:
        return begin(ctx, flow)
    return Turn(state, (prompt(ctx, flow, step, state.answers),))


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


def _while_opted_out(ctx: Context, state: State, command: str | None) -> Turn:
    """Say nothing to a resident who opted out, unless they opt back in."""
    if command != "opt_in":
        return Turn(state, ())
    return Turn(State(lang=ctx.lang), (ctx.say("opted_in"), menu(ctx)), (OptedIn(),))


def _expire(ctx: Context, state: State) -> tuple[State, tuple[OutboundMessage, ...]]:
    """Drop a conversation left idle too long, with a friendly note."""
    expiry = ctx.flows.expire_after
    if not (state.flow and state.updated_at and expiry):
        return state, ()
    if ctx.now - datetime.fromisoformat(state.updated_at) <= expiry:
        return state, ()
    return State(lang=state.lang), (ctx.say("expired"),)


def _start(ctx: Context, msg: InboundMessage) -> Turn:
    """Start the flow the resident names, ask which one they mean, or show the menu."""
    found = ctx.flows.menu.index.match(msg.text, msg.payload)
    if found.key:
        return begin(ctx, ctx.flows.flows[found.key], msg.text)
    if found.suggestions:
        return _ask_which(ctx, State(lang=ctx.lang), found.suggestions, _flow_title(ctx))
    return Turn(State(lang=ctx.lang), (menu(ctx),))


def begin(ctx: Context, flow: Flow, text: str = "") -> Turn:
    """Enter a flow, prefilling what the opening text already says."""
    state = State(flow=flow.id, lang=ctx.lang, version=ctx.flows.version, answers=_prefill(ctx, flow, text))
    return goto(ctx, flow, flow.steps[0], state)


def _prefill(ctx: Context, flow: Flow, text: str) -> dict:
    """ "hay un bache en Morelos y 5 de Mayo": the words after "en" fill a location step marked prefill."""
    step = next((s for s in flow.steps if s.prefill and s.kind == "location"), None)
    if step is None or not text:
        return {}
    words = text.split()
    markers = {normalize(w) for w in ctx.flows.words_for("location_markers", ctx.lang)}
    spots = [i for i, w in enumerate(words) if normalize(w) in markers]
    rest = words[spots[-1] + 1 :] if spots else []
    # An address names something: a number or a capitalised street ("aqui hace dias" is not one).
    looks_like_address = any(w[0].isdigit() or w[0].isupper() for w in rest)
    return {step.id: {"address": " ".join(rest)}} if len(rest) >= 2 and looks_like_address else {}


def goto(ctx: Context, flow: Flow, step: Step | None, state: State, replies: tuple = ()) -> Turn:
    """Move to step, passing over steps whose `when` fails, prefilled ones and statements."""
    passed: set[str] = set()
    while step is not None and step.id not in passed:  # a loop of statements ends the flow
        passed.add(step.id)
        if (step.when and not step.when.holds(state.answers)) or step.id in state.answers:
            step = following(flow, step, None)
        elif step.kind == "message":
            replies += (prompt(ctx, flow, step, state.answers),)
            step = following(flow, step, None)
        else:
            new_state = replace(state, step=step.id, attempts=0, pending=())
            return Turn(new_state, replies + (prompt(ctx, flow, step, state.answers),))
    return _finish(ctx, flow, state.answers, replies)


def following(flow: Flow, step: Step, value) -> Step | None:
    """Follow an option's next, else the step's next, else file order; `end` finishes."""
    option = step.option(value) if step.options else None
    target = (option.next if option else None) or step.next
    if target == END:
        return None
    return flow.step(target) if target else flow.step_after(step.id)


def _answer(ctx: Context, state: State, flow: Flow, msg: InboundMessage) -> Turn:
    """Read the answer to the current step; re-ask, ask which one, move on or finish."""
    step = flow.find_step(state.step)
    if step is None:
        return begin(ctx, flow)  # the step is gone from this version: start the flow afresh
    value = STEP_KINDS[step.kind](step, msg, StepContext(ctx.flows, ctx.lang, ctx.now))
    if value is INVALID:
        return _reask(ctx, flow, step, state)
    if isinstance(value, Ask):
        return _ask_which(ctx, state, value.suggestions, lambda key: _label(ctx, step, key))
    return accept(ctx, flow, step, state, value)


def accept(ctx: Context, flow: Flow, step: Step, state: State, value) -> Turn:
    """Record an answer and go on."""
    if step.kind == "confirm" and value is False:
        return Turn(State(lang=ctx.lang), (ctx.say("confirm_declined"), menu(ctx)))
    answered = replace(state, answers={**state.answers, step.id: value}, history=state.history + (step.id,))
    return goto(ctx, flow, following(flow, step, value), answered)


def _reask(ctx: Context, flow: Flow, step: Step, state: State) -> Turn:
    """Explain what is expected and ask again; after too many tries, the flow's fallback."""
    attempts = state.attempts + 1
    if attempts >= ctx.flows.max_attempts:
        return _fall_back(ctx, flow, state)
    key = f"invalid_{step.kind}" if f"invalid_{step.kind}" in ctx.flows.messages else "invalid"
    hint = (
        step.reprompt.get(ctx.lang, ctx.flows.default_language) if step.reprompt else ctx.flows.message(key, ctx.lang)
    )
    replies = (OutboundMessage(hint), prompt(ctx, flow, step, state.answers))
    return Turn(replace(state, attempts=attempts, pending=()), replies)


def _fall_back(ctx: Context, flow: Flow, state: State) -> Turn:
    """Offer the menu again, or hand the resident over to a person."""
    if flow.fallback != "handover" or not flow.outcome.department:
        return Turn(State(lang=ctx.lang), (ctx.say("too_many_attempts"), menu(ctx)))
    values = template_values(ctx, flow, state.answers)
    event = HandoverRequested(
        folio=ctx.folio,
        flow=flow.id,
        department=flow.outcome.department,
        lang=ctx.lang,
        summary=render(ctx.flows.message("handover_summary", ctx.lang), values),
        answers=state.answers,
    )
    return Turn(
        State(lang=ctx.lang), (OutboundMessage(render(ctx.flows.message("handover", ctx.lang), values)),), (event,)
    )


def _ask_which(ctx: Context, state: State, keys: tuple[str, ...], label) -> Turn:
    """Ask "did you mean X?" for one candidate, or "which of these?" for several."""
    labels = tuple(label(k) for k in keys)
    if len(keys) == 1:
        reply = OutboundMessage(render(ctx.flows.message("did_you_mean", ctx.lang), {"option": labels[0]}))
    else:
        reply = OutboundMessage(ctx.flows.message("which_one", ctx.lang), labels, keys)
    return Turn(replace(state, pending=keys), (reply,))


def _resolve_pending(ctx: Context, state: State, msg: InboundMessage) -> Turn:
    """Read the answer to "did you mean …?": yes, a number, a name; anything else starts over."""
    pending, cleared = state.pending, replace(state, pending=())
    chosen = None
    if len(pending) == 1 and _starts_with(msg.text, ctx.flows.words_for("yes", ctx.lang)):
        chosen = pending[0]
    elif len(pending) == 1 and _starts_with(msg.text, ctx.flows.words_for("no", ctx.lang)):
        return _decline_suggestion(ctx, cleared)
    else:
        index = ChoiceIndex([Candidate(k, n, (k, _pending_label(ctx, state, k))) for n, k in enumerate(pending, 1)])
        chosen = index.match(msg.text, msg.payload).key
    if chosen is None:
        return _route(ctx, cleared, msg, None, "")
    if state.flow is None:
        return begin(ctx, ctx.flows.flows[chosen])
    flow = ctx.flows.flows[state.flow]
    return accept(ctx, flow, _asking_step(flow, state), cleared, chosen)


def _starts_with(text: str, words: tuple[str, ...]) -> bool:
    """ "si", "sí, ese", "no gracias": the answer opens with one of the words."""
    norm = normalize(text)
    return any(norm == w or norm.startswith(w + " ") for w in (normalize(w) for w in words) if w)


def _decline_suggestion(ctx: Context, state: State) -> Turn:
    if state.flow is None:
        return Turn(state, (menu(ctx),))
    flow = ctx.flows.flows[state.flow]
    return Turn(state, (prompt(ctx, flow, _asking_step(flow, state), state.answers),))


def _pending_label(ctx: Context, state: State, key: str) -> str:
    if state.flow is None:
        return _flow_title(ctx)(key)
    return _label(ctx, _asking_step(ctx.flows.flows[state.flow], state), key)


def _asking_step(flow: Flow, state: State) -> Step:
    """The step that asked "did you mean …?" inside a flow (only _answer asks there, at a known step)."""
    assert state.step is not None  # a state inside a flow always stands at a step (goto sets both)
    return flow.step(state.step)


def _flow_title(ctx: Context):
    return lambda flow_id: ctx.flows.flows[flow_id].title.get(ctx.lang, ctx.flows.default_language)


def _label(ctx: Context, step: Step, key: str) -> str:
    option = step.option(key)
    return option.label.get(ctx.lang, ctx.flows.default_language) if option else key


def _finish(ctx: Context, flow: Flow, answers: dict, replies: tuple = ()) -> Turn:
    """Close the flow: record its outcome as an event and thank the resident."""
    values = template_values(ctx, flow, answers)
    outcome = flow.outcome
    events: tuple = ()
    shown = {k: v for k, v in values.items() if k in answers}
    if outcome.kind == "ticket":
        events = (_ticket_opened(ctx, flow, answers, values, shown),)
    elif outcome.kind == "survey":
        events = (SurveyCompleted(flow.id, ctx.lang, answers, shown),)
    done = render(flow.done.get(ctx.lang, ctx.flows.default_language), values)
    return Turn(State(lang=ctx.lang), replies + (OutboundMessage(done),), events)


def _ticket_opened(ctx: Context, flow: Flow, answers: dict, values: dict, shown: dict) -> TicketOpened:
    location = next((answers[s.id] for s in flow.steps if s.kind == "location" and answers.get(s.id)), None)
    media = [m for s in flow.steps if s.kind in ("photo", "media") and answers.get(s.id) for m in answers[s.id]]
    department, category, summary = _ticket_fields(flow.outcome)
    return TicketOpened(
        folio=ctx.folio,
        flow=flow.id,
        department=department,
        category=category,
        priority=flow.outcome.priority,
        summary=render(summary.get(ctx.lang, ctx.flows.default_language), values),
        lang=ctx.lang,
        answers=answers,
        location=location,
        media=tuple(media),
        shown=shown,
    )


def _ticket_fields(outcome: Outcome) -> tuple[str, str, Text]:
    """A ticket outcome's department, category and summary: the loader requires them (category: the flow's id)."""
    department, category, summary = outcome.department, outcome.category, outcome.summary
    assert department is not None and category is not None and summary is not None, "validated by the loader"
    return department, category, summary


def prompt(ctx: Context, flow: Flow, step: Step, answers: dict) -> OutboundMessage:
    """The step's question, with earlier answers filled in and its options listed."""
    text = render(step.prompt.get(ctx.lang, ctx.flows.default_language), template_values(ctx, flow, answers))
    shown = step.options if step.show_options else ()
    labels = tuple(o.label.get(ctx.lang, ctx.flows.default_language) for o in shown)
    return OutboundMessage(text, labels, tuple(o.id for o in shown))


def menu(ctx: Context) -> OutboundMessage:
    """The main menu, with the flows it offers as options."""
    flows = ctx.flows
    titles = tuple(_flow_title(ctx)(f) for f in flows.menu.flows)
    text = render(flows.menu.prompt.get(ctx.lang, flows.default_language), {"name": ctx.name})
    return OutboundMessage(text.strip(), titles, flows.menu.flows)


def template_values(ctx: Context, flow: Flow, answers: dict) -> dict:
    """Values a template may use: folio, name, flow title and every answer by step id."""
    values = {"folio": ctx.folio, "name": ctx.name, "flow": flow.title.get(ctx.lang, ctx.flows.default_language)}
    step_ctx = StepContext(ctx.flows, ctx.lang, ctx.now)
    for step in flow.steps:
        values[step.id] = display(step, answers.get(step.id), step_ctx)  # "—" for skipped steps
    return values


class _Engine:
    """The engine moves commands may use (passed in to keep commands.py free of cycles)."""

    begin = staticmethod(begin)
    goto = staticmethod(goto)
    prompt = staticmethod(prompt)
    menu = staticmethod(menu)


ENGINE = _Engine()
