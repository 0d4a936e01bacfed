"""Step kinds: how each reads a resident's answer and shows it back. Pure functions."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.flows.dates import read_date
from bot.flows.locations import from_suggestion, read_address, read_pin
from bot.flows.matching import Match, is_typo, normalize, normalized_words
from bot.flows.messages import InboundMessage
from bot.flows.numbers import choice_digits, with_digits
from bot.flows.places import Places
from bot.flows.ratings import read_rating
from bot.flows.yesno import read_listed_yes_no, read_yes_no

__all__ = [
    "INVALID",
    "Ask",
    "Noted",
    "Hold",
    "StepContext",
    "STEP_KINDS",
    "ANSWERLESS_KINDS",
    "display",
    "says_one_of",
    "value_of",
]


class _Invalid:
    """The answer did not fit the step."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID = _Invalid()
ANSWERLESS_KINDS = {"message"}
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class Ask:
    """The answer may mean one of these: ask the resident which (option ids, or values as text)."""

    suggestions: tuple[str, ...]


@dataclass(frozen=True)
class Noted:
    """A value taken, and a message telling the resident how it was read ("8 de 10" noted as 4 of 5)."""

    value: Any
    message: str
    values: dict


@dataclass(frozen=True)
class Hold:
    """Not an answer yet, nor a wrong one ("sí, ahorita la mando"): say the message and wait at the step."""

    message: str


@dataclass(frozen=True)
class StepContext:
    """What parsing needs besides the step and the message: the flows' words, the language, today."""

    flows: Any
    lang: str
    now: datetime
    places: Places | None = None  # the city's streets and areas, when it has loaded them
    tries: int = 0  # answers to this step already refused

    def words(self, key: str) -> tuple[str, ...]:
        return self.flows.words_for(key, self.lang)


def says_one_of(text: str, words: tuple[str, ...]) -> bool:
    """Tell whether one of the words (or phrases) stands in the text: "si, claro" says yes."""
    padded = f" {normalize(text)} "
    return any(f" {w} " in padded for w in normalized_words(words))


def _is_one_of(text: str, words: tuple[str, ...]) -> bool:
    return normalize(text) in normalized_words(words)


def _is_skip(step, text: str, ctx: StepContext) -> bool:
    return step.optional and _is_one_of(text, ctx.words("skip"))


def value_of(step, key: str):
    """The value a suggestion stands for, once the resident picks it ("4" on a rating step is 4)."""
    if step.kind in ("rating", "number"):
        number = float(key)
        return int(number) if number == int(number) else number
    if step.kind == "location":
        return from_suggestion(key)
    return key


def parse_text(step, msg: InboundMessage, ctx: StepContext):
    text = msg.text.strip()
    if _is_skip(step, text, ctx):
        return None
    return text if step.min_length <= len(text) <= step.max_length else INVALID


def parse_choice(step, msg: InboundMessage, ctx: StepContext):
    if _is_skip(step, msg.text, ctx):
        return None
    if _is_one_of(msg.text, ctx.words("unsure")):
        return INVALID  # "no sé" is no option, however close it looks to one
    found: Match = step.index.match(msg.text, msg.payload, choice_digits(msg.text, ctx.lang))
    if found.key:
        return found.key
    return Ask(found.suggestions) if found.suggestions else INVALID


def parse_rating(step, msg: InboundMessage, ctx: StepContext):
    if _is_skip(step, msg.text, ctx):
        return None
    rating = read_rating(msg.text, ctx.lang, step.scale, ctx.flows.rating_words(step, ctx.lang))
    if len(rating.values) > 1:
        return Ask(tuple(str(v) for v in rating.values))
    if not rating.values:
        return INVALID
    value = rating.values[0]
    if rating.scaled_from:
        return Noted(value, "rating_scaled", {"value": value, "high": step.scale[1], "given": rating.scaled_from})
    return value


def parse_number(step, msg: InboundMessage, ctx: StepContext):
    written = _NUMBER.findall(msg.text.replace(",", "."))  # "2,5" and "2.5" as written, decimals kept
    numbers = written or _NUMBER.findall(with_digits(msg.text, ctx.lang))  # else in words: "veinte"
    if says_one_of(msg.text, ctx.words("zero")):
        numbers = ["0"]  # "ninguna", "nadie de pie", "ni uno"
    elif not numbers and says_one_of(msg.text, ctx.words("just_one")):
        numbers = ["1"]  # "nomás yo"
    elif not numbers and _is_skip(step, msg.text, ctx):
        return None
    if len(numbers) != 1:
        return INVALID
    raw = numbers[0]
    value = float(raw) if "." in raw else int(raw)
    if (step.min is not None and value < step.min) or (step.max is not None and value > step.max):
        return INVALID
    return value


def parse_yes_no(step, msg: InboundMessage, ctx: StepContext):
    said = read_listed_yes_no(msg.payload or msg.text, ctx.words)
    return INVALID if said is None else said


def parse_location(step, msg: InboundMessage, ctx: StepContext):
    if msg.location is not None:
        return read_pin(msg.location.as_dict(), ctx.places)
    text = msg.text.strip()
    if _is_skip(step, text, ctx):
        return None
    address = _without_lead(text, ctx.words("address_lead")).strip(" .,;!")
    read = read_address(address, ctx.places, ctx.tries)
    if read is None:
        return INVALID
    return Ask(read) if isinstance(read, tuple) else read


def _without_lead(text: str, leads: tuple[str, ...]) -> str:
    """ "está en Morelos y 5 de Mayo" -> "Morelos y 5 de Mayo": the words before an address, as written, dropped."""
    words = text.split()
    wanted = {normalize(w) for w in leads} - {""}
    for count in range(min(len(words) - 1, max((len(w.split()) for w in wanted), default=0)), 0, -1):
        if normalize(" ".join(words[:count])) in wanted:
            return " ".join(words[count:])
    return text


def _typo_of(text: str, words: tuple[str, ...]) -> bool:
    """A one-word answer a small typo away from one of the words ("omitr", "omiitir")."""
    norm = normalize(text)
    return " " not in norm and any(is_typo(norm, normalize(w)) for w in words)


def parse_photo(step, msg: InboundMessage, ctx: StepContext):
    images = [{"url": m.url, "content_type": m.content_type} for m in msg.media if m.is_image()]
    return images or _skipped_media(step, msg, ctx)


def parse_media(step, msg: InboundMessage, ctx: StepContext):
    items = [{"url": m.url, "content_type": m.content_type} for m in msg.media]
    return items or _skipped_media(step, msg, ctx)


def _skipped_media(step, msg: InboundMessage, ctx: StepContext):
    """No attachment: "no tengo foto", "ahorita no puedo", "después la mando" skip an optional step; "sí" waits."""
    if not step.optional or not normalize(msg.text):
        return INVALID
    without = says_one_of(msg.text, ctx.words("skip") + ctx.words("no_media")) or _typo_of(msg.text, ctx.words("skip"))
    said = read_yes_no(msg.text, ctx.words)
    if said is False or without:
        return None
    return Hold("media_waiting") if said is True else INVALID


def parse_date(step, msg: InboundMessage, ctx: StepContext):
    if _is_skip(step, msg.text, ctx):
        return None
    today = ctx.now.date()
    days = read_date(msg.text, ctx.lang, today, ctx.words, date.max if step.allow_future else None)
    if len(days) > 1:
        return Ask(tuple(d.isoformat() for d in days))
    return days[0].isoformat() if days else INVALID


def _place_shown(value: dict) -> str:
    """ "Hidalgo 120, col. Centro"; a pin: "Mi casa (cerca de Morelos y Padre Mier, col. Centro)"."""
    named = ", ".join(value[k] for k in ("label", "address") if value.get(k))
    colonia = value.get("colonia")
    if value.get("near"):
        return f"{named} (cerca de {value['near']})" if named else f"📍 cerca de {value['near']}"
    if named and colonia and normalize(colonia) not in normalize(named):
        return f"{named}, col. {colonia}"
    return named or f"📍 {value.get('latitude'):.5f}, {value.get('longitude'):.5f}"


def parse_nothing(step, msg: InboundMessage, ctx: StepContext):
    return None


STEP_KINDS: dict[str, Callable[[Any, InboundMessage, StepContext], Any]] = {
    "text": parse_text,
    "choice": parse_choice,
    "rating": parse_rating,
    "number": parse_number,
    "yes_no": parse_yes_no,
    "confirm": parse_yes_no,
    "location": parse_location,
    "photo": parse_photo,
    "media": parse_media,
    "date": parse_date,
    "message": parse_nothing,
}


def display(step, value, ctx: StepContext) -> str:
    """Show an answer back to the resident (for templates such as a confirmation)."""
    if value is None:
        return "—"
    if step.kind == "choice":
        option = step.option(value)
        return option.label.get(ctx.lang, ctx.flows.default_language) if option else str(value)
    if step.kind == "location":
        return _place_shown(value)
    if step.kind in ("photo", "media"):
        return f"📎 ×{len(value)}"
    if step.kind in ("yes_no", "confirm"):
        words = ctx.words("yes" if value else "no")
        return words[0] if words else str(value)
    if step.kind == "date":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    return str(value)
