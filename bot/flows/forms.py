"""A report filed in one go, as a form (Open311's POST), read by the same steps as a conversation.

A conversation asks one step at a time; a form brings every answer at once. `file_form` walks the
flow as `goto` does (a step's `when`, `next`, options' `next`, steps kept from the channel), reads
each answer with the step kind's own parser (`STEP_KINDS`: the same words, options, dates, numbers,
places) and, when every asked step is answered, records the same `TicketOpened` the chat would
(`engine.ticket_opened`: the place's zone routes it). Nothing is asked back: an answer a
conversation would ask about (two streets of that name, an option it is unsure of) is refused
with the reason, for the client to correct. Pure: no I/O; `places` is the port.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.flows.engine import following, template_values, ticket_opened
from bot.flows.events import TicketOpened
from bot.flows.locations import Outside, Retry
from bot.flows.messages import InboundMessage, Location, Media, is_on_earth
from bot.flows.model import MEDIA_KINDS, Flow, Flows, Step
from bot.flows.places import Places
from bot.flows.state import State
from bot.flows.steps import INVALID, STEP_KINDS, Ask, Hold, Noted, StepContext
from bot.flows.turn import Context

__all__ = ["Form", "FormRefused", "file_form", "ANSWERED_BY_THE_FORM", "FORM_CARRIES"]

FORM_CARRIES = frozenset({"photo", "location"})  # a form carries a point and a media URL; no buttons, no voice
ANSWERED_BY_THE_FORM = ("confirm", "message")  # sending the form confirms it; statements are not read
DESCRIPTION = "description"


@dataclass(frozen=True)
class Form:
    """What a form brings: answers by step id (as text), a point and/or an address, media URLs."""

    answers: dict[str, str] = field(default_factory=dict)
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    media: tuple[str, ...] = ()
    description: str = ""  # the reporter's own words, kept as the answer `description` (unless a step has that id)


@dataclass(frozen=True)
class FormRefused:
    """Why a form files nothing: the field at fault (a step id, or `lat`, `address_string`, `media_url`)."""

    field: str
    reason: str


def file_form(
    flows: Flows,
    flow: Flow,
    form: Form,
    *,
    channel: str,
    lang: str,
    now: datetime,
    folio: str,
    places: Places | None = None,
) -> TicketOpened | FormRefused:
    """Read every step the flow would ask on this channel from the form; the ticket it files, or why not."""
    if flow.outcome.kind != "ticket":
        return FormRefused("service_code", f"{flow.id} files no report")
    ctx = Context(flows, lang, "", folio, now, channel, FORM_CARRIES, places)
    state = State(flow=flow.id, lang=lang, version=flows.version)
    step: Step | None = flow.steps[0] if flow.steps else None
    passed: set[str] = set()
    while step is not None and step.id not in passed:
        passed.add(step.id)
        if (step.when and not step.when.holds(state.answers)) or not step.asked_on(channel, FORM_CARRIES):
            step = following(flow, step, None)
            continue
        if step.kind in ANSWERED_BY_THE_FORM:
            value = True if step.kind == "confirm" else None
        else:
            value = _answer(ctx, step, form)
            if isinstance(value, FormRefused):
                return value
        if step.kind != "message":
            state = replace(state, answers={**state.answers, step.id: value}, history=state.history + (step.id,))
        step = following(flow, step, value)
    if form.description.strip() and flow.find_step(DESCRIPTION) is None:
        state = replace(state, answers={**state.answers, DESCRIPTION: form.description.strip()})
    values = template_values(ctx, flow, state.answers)
    shown = {k: v for k, v in values.items() if k in state.answers}
    return ticket_opened(ctx, flow, state, values, shown)


def _answer(ctx: Context, step: Step, form: Form):
    """One step's answer read from the form by its kind's parser; None for an optional step left out."""
    pin = form.latitude is not None and form.longitude is not None
    if step.kind == "location" and pin and not is_on_earth(form.latitude or 0.0, form.longitude or 0.0):
        return FormRefused("lat", "lat and long are degrees: latitude within ±90, longitude within ±180")
    message = _message(ctx, step, form)
    if message is None:
        return None if step.optional else FormRefused(_field(step), _missing(step))
    reading = STEP_KINDS[step.kind](step, message, StepContext(ctx.flows, ctx.lang, ctx.now, ctx.places, tries=1))
    if isinstance(reading, Noted):
        return reading.value
    if isinstance(reading, Outside):
        where = f" ({reading.municipality})" if reading.municipality else ""
        return FormRefused(_field(step), f"the place is outside the municipality{where}")
    if isinstance(reading, Ask):
        return FormRefused(_field(step), _ambiguous(step, reading))
    if reading is INVALID or isinstance(reading, Hold | Retry):
        return FormRefused(_field(step), _invalid(step))
    if reading is None and not step.optional:
        return FormRefused(_field(step), _missing(step))
    return reading


def _message(ctx: Context, step: Step, form: Form) -> InboundMessage | None:
    """The form's answer to a step as the message a resident would have sent; None when it brings none."""
    base = InboundMessage(channel=ctx.channel, sender="", carries=FORM_CARRIES)
    if step.kind == "location":
        if form.latitude is not None and form.longitude is not None:
            pin = Location(form.latitude, form.longitude, label=form.address.strip() or None)
            return replace(base, location=pin)
        return replace(base, text=form.address) if form.address.strip() else None
    if step.kind in MEDIA_KINDS:  # a photo step takes the URL as a picture; its download checks it is one
        media = tuple(Media(url, "image/*" if step.kind == "photo" else "") for url in form.media)
        return replace(base, media=media) if media else None
    text = form.answers.get(step.id, "")
    return replace(base, text=text, payload=text) if text.strip() else None


def _field(step: Step) -> str:
    if step.kind == "location":
        return "lat"
    return "media_url" if step.kind in MEDIA_KINDS else step.id


def _missing(step: Step) -> str:
    if step.kind == "location":
        return "lat and long, or address_string, are required"
    if step.kind in MEDIA_KINDS:
        return "media_url is required"
    return f"attribute[{step.id}] is required"


def _invalid(step: Step) -> str:
    if step.kind == "location":
        return "the place cannot be read: send lat and long, or a street and number or cross street"
    if step.kind == "choice":
        return f"attribute[{step.id}] must be one of: {', '.join(o.id for o in step.options)}"
    return f"attribute[{step.id}] is not a valid {step.kind}"


def _ambiguous(step: Step, ask: Ask) -> str:
    if step.kind == "location":
        return "several places fit address_string: send lat and long, or add the colonia"
    return f"attribute[{step.id}] may mean several answers ({', '.join(ask.suggestions[:5])}): send one"
