"""Step kinds: how each reads a resident's answer and shows it back. Pure functions."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.flows.matching import Match, normalize
from bot.flows.messages import InboundMessage

__all__ = ["INVALID", "Ask", "StepContext", "STEP_KINDS", "ANSWERLESS_KINDS", "display", "says_one_of"]


class _Invalid:
    """The answer did not fit the step."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID = _Invalid()
ANSWERLESS_KINDS = {"message"}
_STAR = "⭐"
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
_NUMERIC_DATE = re.compile(r"\b(\d{1,4})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?\b")


@dataclass(frozen=True)
class Ask:
    """The answer may mean one of these options: ask the resident which."""

    suggestions: tuple[str, ...]


@dataclass(frozen=True)
class StepContext:
    """What parsing needs besides the step and the message: the flows' words, the language, today."""

    flows: Any
    lang: str
    now: datetime

    def words(self, key: str) -> tuple[str, ...]:
        return self.flows.words_for(key, self.lang)


def says_one_of(text: str, words: tuple[str, ...]) -> bool:
    """Tell whether one of the words (or phrases) stands in the text: "si, claro" says yes."""
    padded = f" {normalize(text)} "
    return any(f" {w} " in padded for w in (normalize(w) for w in words) if w)


def _is_one_of(text: str, words: tuple[str, ...]) -> bool:
    norm = normalize(text)
    return bool(norm) and norm in {normalize(w) for w in words}


def _is_skip(step, text: str, ctx: StepContext) -> bool:
    return step.optional and _is_one_of(text, ctx.words("skip"))


def parse_text(step, msg: InboundMessage, ctx: StepContext):
    text = msg.text.strip()
    if _is_skip(step, text, ctx):
        return None
    return text if step.min_length <= len(text) <= step.max_length else INVALID


def parse_choice(step, msg: InboundMessage, ctx: StepContext):
    if _is_skip(step, msg.text, ctx):
        return None
    found: Match = step.index.match(msg.text, msg.payload)
    if found.key:
        return found.key
    return Ask(found.suggestions) if found.suggestions else INVALID


def parse_rating(step, msg: InboundMessage, ctx: StepContext):
    if _is_skip(step, msg.text, ctx):
        return None
    low, high = step.scale
    stars, numbers = msg.text.count(_STAR), _NUMBER.findall(msg.text)
    value: int | None
    if stars and not numbers:
        value = stars
    elif len(numbers) == 1 and numbers[0].isdigit():
        value = int(numbers[0])
    else:
        value = _rating_word(msg.text, ctx)
    return value if value is not None and low <= value <= high else INVALID


def _rating_word(text: str, ctx: StepContext) -> int | None:
    """The value of the longest rating word in the text ("muy mal" before "mal")."""
    padded = f" {normalize(text)} "
    ratings = ctx.flows.ratings.get(ctx.lang, {})
    for word in sorted(ratings, key=len, reverse=True):
        norm = normalize(word)
        if (norm and f" {norm} " in padded) or (not norm and word in text):
            return ratings[word]
    return None


def parse_number(step, msg: InboundMessage, ctx: StepContext):
    if _is_skip(step, msg.text, ctx):
        return None
    numbers = _NUMBER.findall(msg.text)
    if len(numbers) != 1:
        return INVALID
    raw = numbers[0].replace(",", ".")
    value = float(raw) if "." in raw else int(raw)
    if (step.min is not None and value < step.min) or (step.max is not None and value > step.max):
        return INVALID
    return value


def parse_yes_no(step, msg: InboundMessage, ctx: StepContext):
    answer = msg.payload or msg.text
    if says_one_of(answer, ctx.words("unsure")):  # "no sé" is not a no
        return INVALID
    said_yes = normalize(answer) == "1" or says_one_of(answer, ctx.words("yes"))
    said_no = normalize(answer) == "2" or says_one_of(answer, ctx.words("no"))
    return said_yes if said_yes != said_no else INVALID


def parse_location(step, msg: InboundMessage, ctx: StepContext):
    if msg.location is not None:
        return msg.location.as_dict()
    text = msg.text.strip()
    if _is_skip(step, text, ctx):
        return None
    return {"address": text} if len(normalize(text)) >= 3 else INVALID


def parse_photo(step, msg: InboundMessage, ctx: StepContext):
    images = [{"url": m.url, "content_type": m.content_type} for m in msg.media if m.is_image()]
    return images or _skipped_media(step, msg, ctx)


def parse_media(step, msg: InboundMessage, ctx: StepContext):
    items = [{"url": m.url, "content_type": m.content_type} for m in msg.media]
    return items or _skipped_media(step, msg, ctx)


def _skipped_media(step, msg: InboundMessage, ctx: StepContext):
    if step.optional and (_is_skip(step, msg.text, ctx) or _is_one_of(msg.text, ctx.words("no"))):
        return None
    return INVALID


def parse_date(step, msg: InboundMessage, ctx: StepContext):
    if _is_skip(step, msg.text, ctx):
        return None
    day = _relative_day(msg.text, ctx) or _numeric_date(msg.text, ctx.now.date()) or _named_date(msg.text, ctx)
    if day is None or (not step.allow_future and day > ctx.now.date()):
        return INVALID
    return day.isoformat()


def _relative_day(text: str, ctx: StepContext) -> date | None:
    """ "hoy", "ayer", "antier", or a weekday name: the latest such day, today included."""
    norm, today = normalize(text), ctx.now.date()
    for key, offset in (("today", 0), ("yesterday", 1), ("day_before_yesterday", 2)):
        if norm in {normalize(w) for w in ctx.words(key)}:
            return today - timedelta(days=offset)
    weekdays = [normalize(w) for w in ctx.words("weekdays")]  # Monday first
    named = [i for i, day in enumerate(weekdays) if day and f" {day} " in f" {norm} "]
    if len(named) == 1 and not _NUMERIC_DATE.search(text):
        return today - timedelta(days=(today.weekday() - named[0]) % 7)
    return None


def _numeric_date(text: str, today: date) -> date | None:
    """25/11, 25/11/2026, 25-11-26 (day first, as in Mexico) or 2026-11-25."""
    match = _NUMERIC_DATE.search(text)
    if not match:
        return None
    first, second, third = match.groups()
    if len(first) == 4:
        year, month, day = int(first), int(second), int(third or 0)
    else:
        day, month = int(first), int(second)
        year = today.year if third is None else int(third) + (2000 if len(third) == 2 else 0)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _named_date(text: str, ctx: StepContext) -> date | None:
    """ "25 de noviembre", "november 25", "25 nov 2026"."""
    tokens = normalize(text).split()
    months = [normalize(m) for m in ctx.words("months")]
    month = next((i + 1 for i, name in enumerate(months) for t in tokens if len(t) >= 3 and name.startswith(t)), None)
    numbers = [int(t) for t in tokens if t.isdigit()]
    if month is None or not numbers or not 1 <= numbers[0] <= 31:
        return None
    year = next((n for n in numbers[1:] if n > 1900), ctx.now.year)
    try:
        return date(year, month, numbers[0])
    except ValueError:
        return None


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
        named = ", ".join(value[k] for k in ("label", "address") if value.get(k))
        return named or f"📍 {value.get('latitude'):.5f}, {value.get('longitude'):.5f}"
    if step.kind in ("photo", "media"):
        return f"📎 ×{len(value)}"
    if step.kind in ("yes_no", "confirm"):
        words = ctx.words("yes" if value else "no")
        return words[0] if words else str(value)
    if step.kind == "date":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    return str(value)
