"""The pure flow engine: (flows, state, inbound, now, folio) -> (state, replies, events).

It knows nothing of HTTP, databases or clocks; everything it needs is handed in.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.flows.commands import COMMANDS, find_command
from bot.flows.events import FollowupAnswered, HandoverRequested, OptedIn, SurveyCompleted, TicketOpened
from bot.flows.invitations import answer_invitation, awaits_invitation
from bot.flows.locations import Outside, Retry
from bot.flows.matching import Candidate, ChoiceIndex, normalize
from bot.flows.messages import InboundMessage, OutboundMessage
from bot.flows.model import END, MEDIA_KINDS, Flow, Flows, Outcome, Step, Text, Zone, render
from bot.flows.numbers import choice_digits
from bot.flows.opener import prefill
from bot.flows.places import Places
from bot.flows.privacy import answer_awaited, ask_notice, needs_notice
from bot.flows.qr import Start, find_start
from bot.flows.state import State
from bot.flows.steps import INVALID, STEP_KINDS, Ask, Hold, Noted, StepContext, display, value_of
from bot.flows.turn import Context, Turn

__all__ = [
    "State",
    "Turn",
    "advance",
    "detect_language",
    "opening",
    "read_answer",
    "NOT_AN_ANSWER",
    "following",
    "ticket_opened",
    "start_followup",
]


def advance(
    flows: Flows, state: State, msg: InboundMessage, now: datetime, folio: str, places: Places | None = None
) -> Turn:
    """Take one inbound message and return the next state, the replies and the events.

    places, when the city has loaded its streets and areas, places typed addresses and names pins.
    """
    hint = msg.lang_hint if msg.lang_hint in flows.languages else None
    start = _card_start(flows, state, msg)
    lang: str | None
    if start is not None:  # a QR card's message: the language it is written in (or the page's, for the web chat's)
        lang = start.lang or hint or detect_language(flows, msg.text, state.lang)
    else:
        lang = state.lang if state.flow else detect_language(flows, msg.text, state.lang or hint)
    accepted = state.notice  # kept whatever the turn does: the notice is accepted once per version
    ctx = Context(
        flows,
        lang or flows.default_language,
        msg.profile_name,
        folio,
        now,
        msg.channel,
        msg.carries,
        places,
        accepted,
        about=state.about if state.flow else {},
        text=msg.text,
    )
    command, argument = find_command(flows, msg.text)
    if state.opted_out:
        turn = _while_opted_out(ctx, state, command)
    else:
        state, notices = _expire(ctx, state)
        turn = _route(ctx, state, msg, command, argument, start)
        turn = Turn(turn.state, notices + turn.replies, turn.events)
    notice = turn.state.notice or accepted
    new_state = replace(turn.state, updated_at=now.isoformat(), lang=turn.state.lang or ctx.lang, notice=notice)
    return Turn(new_state, turn.replies, turn.events)


def _card_start(flows: Flows, state: State, msg: InboundMessage) -> Start | None:
    """The flow and option a QR card's message starts: any card's code before a flow; inside one, only a message
    that reads like the card's (a resident answering "el parque P001 está sucio" is answering, not scanning)."""
    start = find_start(flows, msg.text, msg.payload)
    if start is None or (state.flow and not start.scanned):
        return None
    return start


def _route(
    ctx: Context, state: State, msg: InboundMessage, command: str | None, argument: str, start: Start | None = None
) -> Turn:
    if command:
        return COMMANDS[command](ctx, state, argument, ENGINE)
    if start is not None:
        return _start_at(ctx, state, msg, start)
    if awaits_invitation(state):
        return answer_invitation(ctx, state, msg, ENGINE)
    if state.awaiting:
        return answer_awaited(ctx, state, msg, ENGINE)
    if state.pending:
        return _resolve_pending(ctx, state, msg)
    flow = ctx.flows.flows.get(state.flow) if state.flow else None
    if flow is None:
        return _start(ctx, state, msg)
    if _is_greeting(ctx, msg.text, flow.find_step(state.step)):
        return _remind(ctx, state, flow)  # "hola" mid-flow is not the answer: repeat the question
    return _answer(ctx, state, flow, msg)


def _is_greeting(ctx: Context, text: str, step: Step | None = None) -> bool:
    """A greeting or courtesy word alone ("hola", "gracias") that is not the answer to the step asked.

    A free-text step takes whatever the resident writes: "gracias" to "¿Algún comentario?" is a comment.
    """
    if step is not None and step.kind == "text":
        return False
    flows = ctx.flows
    greetings = flows.remember("greetings", lambda: {normalize(w) for ws in flows.languages.values() for w in ws})
    return normalize(text) in greetings


def _remind(ctx: Context, state: State, flow: Flow) -> Turn:
    step = flow.find_step(state.step)
    if step is None:
        return begin(ctx, flow)
    return Turn(state, (prompt(ctx, flow, step, state.answers),))


def detect_language(flows: Flows, text: str, current: str | None) -> str:
    """Pick the language whose greetings or flow words the text uses; else keep the current one."""
    padded = f" {normalize(text)} "
    scores = {lang: sum(1 for w in words if w in padded) for lang, words in _vocabularies(flows).items()}
    best = max(scores.values(), default=0)
    winners = [lang for lang, score in scores.items() if score == best]
    if best and len(winners) == 1:
        return winners[0]
    return current or flows.default_language


def _vocabularies(flows: Flows) -> dict[str, list[str]]:
    """Each language's greetings and flow keywords, normalised and padded for a whole-word search."""

    def work() -> dict[str, list[str]]:
        vocabularies = {}
        for lang, words in flows.languages.items():
            vocabulary = list(words) + [w for f in flows.flows.values() for w in f.keywords.get(lang, ())]
            vocabularies[lang] = [f" {normalize(w)} " for w in vocabulary if normalize(w)]
        return vocabularies

    return flows.remember("vocabularies", work)


def _while_opted_out(ctx: Context, state: State, command: str | None) -> Turn:
    """Say nothing to a resident who opted out, unless they opt back in."""
    if command != "opt_in":
        return Turn(state, ())
    return Turn(State(lang=ctx.lang), (ctx.say("opted_in"), menu(ctx)), (OptedIn(),))


def _expire(ctx: Context, state: State) -> tuple[State, tuple[OutboundMessage, ...]]:
    """Drop a conversation left idle too long, with a friendly note (a follow-up's question waits its `waits`)."""
    expiry = ctx.flows.expire_after
    flow = ctx.flows.flows.get(state.flow) if state.about and state.flow else None
    if flow is not None and flow.outcome.waits:
        expiry = flow.outcome.waits
    if not (state.flow and state.updated_at and expiry):
        return state, ()
    if ctx.now - datetime.fromisoformat(state.updated_at) <= expiry:
        return state, ()
    return State(lang=state.lang), (ctx.say("expired"),)


def _start(ctx: Context, state: State, msg: InboundMessage) -> Turn:
    """Start the flow the resident names, ask which one they mean, or show the menu."""
    kept = State(lang=ctx.lang).with_attachments(state.attachments)
    if voice_notes(msg) and not msg.text.strip():
        return Turn(kept.with_attachments(voice_notes(msg)), _say_if_written(ctx, "voice_note") + (menu(ctx),))
    found = _named_flow(ctx.flows, msg.text, msg.payload, ctx.lang)
    if found.key:
        return begin(ctx, ctx.flows.flows[found.key], msg.text, kept.attachments)
    if found.suggestions:
        return _ask_which(ctx, kept, found.suggestions, _flow_title(ctx))
    return Turn(kept, (menu(ctx),))


def _start_at(ctx: Context, state: State, msg: InboundMessage, start: Start) -> Turn:
    """Start the card's flow with its option chosen (whatever flow was under way), and ask the step after."""
    attachments = () if state.flow else state.attachments  # a voice note sent before any flow goes with this one
    return begin(ctx, ctx.flows.flows[start.flow], msg.text, attachments, chosen={start.step: start.option})


def _named_flow(flows: Flows, text: str, payload: str, lang: str):
    return flows.menu.index.match(text, payload, choice_digits(text, lang))


def _names_another_flow(ctx: Context, msg: InboundMessage, flow_id: str) -> bool:
    """Tell whether the message opens a flow other than this one (or asks which of several it means)."""
    found = _named_flow(ctx.flows, msg.text, msg.payload, ctx.lang)
    return bool(found.key and found.key != flow_id) or bool(found.suggestions)


def opening(flows: Flows, text: str, lang: str, now: datetime, places: Places | None = None) -> tuple[str | None, dict]:
    """The flow a first message opens on its own (None: the menu, or "which one?") and what it already answers
    (a QR card's message: its flow, with its option chosen)."""
    start = find_start(flows, text)
    found = _named_flow(flows, text, "", lang)
    key = start.flow if start else found.key
    if not key:
        return None, {}
    answers = prefill(flows.flows[key], text, StepContext(flows, lang, now, places))
    return key, {**answers, start.step: start.option} if start else answers


def start_followup(flows: Flows, lang: str, about: dict, now: datetime, channel: str = "") -> Turn | None:
    """The city asks about a resolved ticket: the follow-up flow begun, its first question, `about` (the ticket's
    folio and summary) in its texts and kept in the state until it ends; None when flows.yaml has no follow-up."""
    flow = flows.followup
    if flow is None:
        return None
    lang = lang if lang in flows.languages else flows.default_language
    ctx = Context(flows, lang, "", "", now, channel, about=dict(about))
    turn = begin(ctx, flow)
    state = replace(turn.state, about=dict(about), updated_at=now.isoformat()) if turn.state.flow else turn.state
    return Turn(state, turn.replies, turn.events)


def begin(
    ctx: Context, flow: Flow, text: str = "", attachments: tuple[dict, ...] = (), chosen: dict | None = None
) -> Turn:
    """Enter a flow, prefilling what the opening text already says (and what a QR card chose)."""
    answers = prefill(flow, text, StepContext(ctx.flows, ctx.lang, ctx.now, ctx.places)) if text else {}
    answers.update(chosen or {})
    state = State(flow=flow.id, lang=ctx.lang, version=ctx.flows.version, answers=answers, attachments=attachments)
    return goto(ctx, flow, flow.steps[0], state)


def goto(ctx: Context, flow: Flow, step: Step | None, state: State, replies: tuple = ()) -> Turn:
    """Move to step, passing over steps whose `when` fails, prefilled ones, statements, and steps not for this channel."""
    passed: set[str] = set()
    while step is not None and step.id not in passed:  # a loop of statements ends the flow
        passed.add(step.id)
        if step.when and not step.when.holds(state.answers):
            step = following(flow, step, None)
        elif step.id in state.answers and needs_notice(ctx, state, step):  # a place the first message gave
            return ask_notice(ctx, step, state, replies)
        elif step.id in state.answers:
            step = following(flow, step, None)
        elif not step.asked_on(ctx.channel, ctx.carries):
            if not step.kept_from(ctx.channel):  # the channel cannot carry a photo: say where one can go
                replies += _say_if_written(ctx, "photo_elsewhere")
            step = following(flow, step, None)
        elif step.kind == "message":
            replies += (prompt(ctx, flow, step, state.answers),)
            step = following(flow, step, None)
        elif needs_notice(ctx, state, step):
            return ask_notice(ctx, step, state, replies)
        else:
            new_state = replace(state, step=step.id, attempts=0, pending=(), awaiting=None)
            return Turn(new_state, replies + (prompt(ctx, flow, step, state.answers),))
    return _finish(ctx, flow, state, replies)


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
        return begin(ctx, flow, attachments=state.attachments)  # the step is gone from this version: start afresh
    value = _reading(ctx, step, msg, state.attempts)
    if (
        value is INVALID
        and state.about
        and not state.history
        and _named_flow(ctx.flows, msg.text, msg.payload, ctx.lang).key
    ):
        return _start(replace(ctx, about={}), State(lang=ctx.lang), msg)  # the city's question holds no new report
    if value is VOICE:
        return _reask(ctx, flow, step, state.with_attachments(voice_notes(msg)), "voice_note")
    if value is INVALID:
        return _reask(ctx, flow, step, state)
    if isinstance(value, Retry):
        return _reask(ctx, flow, step, state, value.message)
    if isinstance(value, Outside):
        return _outside(ctx, flow, value) or _reask(ctx, flow, step, state)
    if isinstance(value, Ask):
        return _ask_which(ctx, state, value.suggestions, lambda key: _label(ctx, step, key))
    if isinstance(value, Hold):
        return Turn(state, _say_if_written(ctx, value.message) or (prompt(ctx, flow, step, state.answers),))
    if isinstance(value, Noted):
        turn = accept(ctx, flow, step, state, value.value)
        return Turn(turn.state, _say_if_written(ctx, value.message, value.values) + turn.replies, turn.events)
    return accept(ctx, flow, step, state, value)


VOICE = object()  # a voice note where text is asked
NOT_AN_ANSWER = object()  # a command or a greeting: what advance does with it is not the step's business


def _reading(ctx: Context, step: Step, msg: InboundMessage, tries: int = 0):
    """How the step reads the message: a value, Ask, Noted, Hold, Retry, Outside, INVALID, or VOICE."""
    if voice_notes(msg) and not msg.text.strip() and step.kind != "media":
        return VOICE
    return STEP_KINDS[step.kind](step, msg, StepContext(ctx.flows, ctx.lang, ctx.now, ctx.places, tries))


def _outside(ctx: Context, flow: Flow, where: Outside) -> Turn | None:
    """A place outside the municipality: say so (and whom to ask, if the flow says), file nothing."""
    messages = ctx.flows.messages
    text = flow.outside.get(ctx.lang, ctx.flows.default_language) if flow.outside else ""
    if not text and "outside_city" not in messages:
        return None  # nothing to tell them with: the place is asked again
    text = text or ctx.flows.message("outside_city", ctx.lang)
    unknown = ctx.flows.message("outside_city_unknown", ctx.lang) if "outside_city_unknown" in messages else ""
    values = {"municipality": where.municipality or unknown}
    return Turn(State(lang=ctx.lang), (OutboundMessage(render(text, values)),))


def read_answer(flows: Flows, state: State, msg: InboundMessage, now: datetime, places: Places | None = None):
    """How the step the state stands at reads the message, as advance acts on it; NOT_AN_ANSWER for a command or greeting.

    For measuring understanding (bot/flows/corpus.py): the same reading, without the turn around it.
    """
    flow = flows.flows[state.flow] if state.flow else None
    if flow is None or find_command(flows, msg.text)[0]:
        return NOT_AN_ANSWER
    lang = state.lang or flows.default_language
    ctx = Context(flows, lang, msg.profile_name, "", now, msg.channel, msg.carries, places)
    step = flow.step(state.step or "")
    if _is_greeting(ctx, msg.text, step):
        return NOT_AN_ANSWER
    return _reading(ctx, step, msg, state.attempts)


def _say_if_written(ctx: Context, key: str, values: dict | None = None) -> tuple[OutboundMessage, ...]:
    """A message flows.yaml may leave out (a note, not a question): said if it is there."""
    if key not in ctx.flows.messages:
        return ()
    return (OutboundMessage(render(ctx.flows.message(key, ctx.lang), values or {})),)


def voice_notes(msg: InboundMessage) -> tuple[dict, ...]:
    """The voice notes a message carries, as stored with a ticket."""
    return tuple({"url": m.url, "content_type": m.content_type} for m in msg.media if m.is_audio())


def accept(ctx: Context, flow: Flow, step: Step, state: State, value) -> Turn:
    """Record an answer and go on."""
    if step.kind == "confirm" and value is False:
        return Turn(State(lang=ctx.lang), (ctx.say("confirm_declined"), menu(ctx)))
    answered = replace(state, answers={**state.answers, step.id: value}, history=state.history + (step.id,))
    return goto(ctx, flow, following(flow, step, value), answered)


def _reask(ctx: Context, flow: Flow, step: Step, state: State, why: str = "") -> Turn:
    """Explain what is expected and ask again; after too many tries, the flow's fallback (a person, for a voice note)."""
    attempts = state.attempts + 1
    if attempts >= ctx.flows.max_attempts:
        return _fall_back(ctx, flow, step, state)
    if why in ctx.flows.messages:
        hint = ctx.flows.message(why, ctx.lang)
    elif step.reprompt:
        hint = step.reprompt.get(ctx.lang, ctx.flows.default_language)
    else:
        hint = ctx.flows.message(_invalid_key(ctx, step), ctx.lang)
    replies = (OutboundMessage(hint), prompt(ctx, flow, step, state.answers))
    return Turn(replace(state, attempts=attempts, pending=()), replies)


def _invalid_key(ctx: Context, step: Step) -> str:
    return f"invalid_{step.kind}" if f"invalid_{step.kind}" in ctx.flows.messages else "invalid"


def _fall_back(ctx: Context, flow: Flow, step: Step, state: State) -> Turn:
    """Offer the menu again, or hand the resident over to a person; a survey with answers keeps them and asks again.

    A survey is the resident's time given to the city: five answers then a yes/no the bot cannot read must not
    vanish. Asked again (the count starts over), the resident finishes it, or says `cancelar` to leave.
    """
    if flow.outcome.kind == "survey" and state.answers and flow.fallback != "handover":
        hint = "answers_kept" if "answers_kept" in ctx.flows.messages else _invalid_key(ctx, step)
        replies = (ctx.say(hint), prompt(ctx, flow, step, state.answers))
        return Turn(replace(state, attempts=0, pending=()), replies)
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
        media=_media(flow, state),
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
        found = index.match(msg.text, msg.payload, choice_digits(msg.text, ctx.lang))
        chosen = found.key
        if chosen is None and 1 < len(found.suggestions) < len(pending):
            # "la 3" to [Ruta 3, Ruta 1, Ruta 223]: the list's third or the one named 3? Ask between those two.
            return _ask_which(ctx, cleared, found.suggestions, lambda key: _pending_label(ctx, state, key))
    if chosen is None:
        return _route(ctx, cleared, msg, None, "")
    if state.flow is None:
        return begin(ctx, ctx.flows.flows[chosen])
    flow = ctx.flows.flows[state.flow]
    step = _asking_step(flow, state)
    return accept(ctx, flow, step, cleared, value_of(step, chosen))


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
    """How a suggestion reads: an option's label, or a value as the step shows it (a date as 19/11/2026)."""
    if step.kind == "choice":
        option = step.option(key)
        return option.label.get(ctx.lang, ctx.flows.default_language) if option else key
    return display(step, value_of(step, key), StepContext(ctx.flows, ctx.lang, ctx.now))


def _finish(ctx: Context, flow: Flow, state: State, replies: tuple = ()) -> Turn:
    """Close the flow: record its outcome as an event and thank the resident."""
    answers = state.answers
    values = template_values(ctx, flow, answers)
    outcome = flow.outcome
    events: tuple = ()
    shown = {k: v for k, v in values.items() if k in answers}
    if outcome.kind == "ticket":
        events = (ticket_opened(ctx, flow, state, values, shown),)
    elif outcome.kind == "survey":
        events = (SurveyCompleted(flow.id, ctx.lang, answers, shown),)
    elif outcome.kind == "followup" and ctx.about.get("folio"):
        events = (_followup_answered(ctx, flow, answers),)
    done = render(flow.done.get(ctx.lang, ctx.flows.default_language), values)
    return Turn(State(lang=ctx.lang), replies + (OutboundMessage(done),), events)


def _followup_answered(ctx: Context, flow: Flow, answers: dict) -> FollowupAnswered:
    """The follow-up's answers: its yes/no step (fixed?), its rating step, and the words that ended it."""
    fixed = next((answers.get(s.id) for s in flow.steps if s.kind == "yes_no"), None)
    rating = next((answers.get(s.id) for s in flow.steps if s.kind == "rating"), None)
    return FollowupAnswered(
        folio=str(ctx.about["folio"]),
        flow=flow.id,
        lang=ctx.lang,
        fixed=fixed if isinstance(fixed, bool) else None,
        rating=int(rating) if isinstance(rating, int | float) and not isinstance(rating, bool) else None,
        words=ctx.text.strip(),
        answers=answers,
    )


def _media(flow: Flow, state: State) -> tuple[dict, ...]:
    """Every attachment of the conversation: the photo and media answers, then the voice notes kept."""
    answers = state.answers
    return tuple(m for s in flow.steps if s.kind in MEDIA_KINDS and answers.get(s.id) for m in answers[s.id]) + (
        state.attachments
    )


def ticket_opened(ctx: Context, flow: Flow, state: State, values: dict, shown: dict) -> TicketOpened:
    """The ticket a finished flow files: its place's zone may send it to the zone's own department.

    Also what a report filed in one go (bot/flows/forms.py, Open311) records, so both are routed alike."""
    answers = state.answers
    location = next((answers[s.id] for s in flow.steps if s.kind == "location" and answers.get(s.id)), None)
    department, category, summary = _ticket_fields(flow.outcome)
    zone = _zone(ctx, location)
    if zone is not None and location is not None:
        location = {**location, "zone": zone.id}
        department = zone.departments.get(department, department)
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
        media=_media(flow, state),
        shown=shown,
    )


def _zone(ctx: Context, location: dict | None) -> Zone | None:
    """The zone of flows.yaml a report's place is in: by the places' zones layer, or by its colonia."""
    if not location or not ctx.flows.zones:
        return None
    area = None
    if ctx.places is not None and "latitude" in location:
        area = ctx.places.area(location["latitude"], location["longitude"], "zones")
    return next((z for z in ctx.flows.zones if z.holds(area, location.get("colonia"))), None)


def _ticket_fields(outcome: Outcome) -> tuple[str, str, Text]:
    """A ticket outcome's department, category and summary: the loader requires them (category: the flow's id)."""
    department, category, summary = outcome.department, outcome.category, outcome.summary
    assert department is not None and category is not None and summary is not None, "validated by the loader"
    return department, category, summary


def prompt(ctx: Context, flow: Flow, step: Step, answers: dict) -> OutboundMessage:
    """The step's question, with earlier answers filled in and its options listed (typed, where no pin can be shared)."""
    question = step.typed_prompt if step.typed_prompt and "location" not in ctx.carries else step.prompt
    text = render(question.get(ctx.lang, ctx.flows.default_language), template_values(ctx, flow, answers))
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
    values.update(ctx.about)  # a follow-up's folio is the ticket it asks about
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
    start = staticmethod(_start)
    names_another_flow = staticmethod(_names_another_flow)


ENGINE = _Engine()
