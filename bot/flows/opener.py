"""What a conversation's first message already answers: "no pasó el camión de la basura en Hidalgo 200 desde el lunes".

The opener fills the flow's steps marked `prefill` (choice, date and location by default), in
order and only where the answer is clear: one option named by its words, one day, an address
after "en". Anything unclear is left for the step to ask. Pure: text in, answers out.
"""

from __future__ import annotations

import re

from bot.flows.dates import find_date
from bot.flows.locations import read_address
from bot.flows.matching import normalize
from bot.flows.model import Flow, Step
from bot.flows.ratings import read_rating
from bot.flows.steps import StepContext

__all__ = ["prefill"]

_GRADE = re.compile(r"\d\s*(?:/|de|of|out of)\s*\d|estrella|star", re.IGNORECASE)
MIN_ADDRESS_WORDS = 2
ABBREVIATION_LENGTH = 5  # "Av.", "Col.", "Calz.": a full stop that does not end the address


def prefill(flow: Flow, text: str, ctx: StepContext) -> dict:
    """The answers the opening text gives to the flow's prefill steps, by step id."""
    answers: dict = {}
    for step in flow.steps:
        if not step.prefill or (step.when and not step.when.holds(answers)):
            continue
        reader = _READERS.get(step.kind)
        value = reader(step, text, ctx) if reader else None
        if value is not None:
            answers[step.id] = value
    return answers


def _choice(step: Step, text: str, ctx: StepContext):
    """The one option the text names by one of its words ("no pasó el camión" -> missed_collection), or by the
    number in its name with the word before it ("la ruta 23 viene llena" -> Ruta 23 Valle Oriente)."""
    assert step.index is not None  # the loader builds every choice step's index
    norm = normalize(text)
    named = step.index.mentioned(norm) or step.index.named_by_number(norm)
    return named[0] if len(named) == 1 else None


def _date(step: Step, text: str, ctx: StepContext):
    day = find_date(text, ctx.lang, ctx.now.date(), ctx.words)
    return day.isoformat() if day else None


def _rating(step: Step, text: str, ctx: StepContext):
    """Stars or a grade out of the step's scale ("5 estrellas", "4/5"); a bare number may be a menu choice."""
    if "⭐" not in text and not _GRADE.search(text):
        return None
    rating = read_rating(text, ctx.lang, step.scale, ctx.flows.rating_words(step, ctx.lang))
    return rating.values[0] if len(rating.values) == 1 and not rating.scaled_from else None


def _location(step: Step, text: str, ctx: StepContext):
    """ "hay un bache en Morelos y 5 de Mayo desde ayer": the words after "en" that name a place.

    The first "en" (sobre, entre...) followed by a street wins; the address ends at a comma or full
    stop, or before a word that starts something else ("hay", "desde", "ya").
    """
    words = text.split()
    markers = {normalize(w) for w in ctx.words("location_markers")}
    streets = {normalize(w) for w in ctx.words("street_markers")}
    ends = {normalize(w) for w in ctx.words("address_end")}
    for spot in (i for i, w in enumerate(words) if normalize(w) in markers):
        address = _address_after(words[spot + 1 :], ends)
        fewest = 1 if normalize(words[spot]) in streets else MIN_ADDRESS_WORDS  # "sobre Gonzalitos"
        # An address names something: a number or a capitalised street ("aqui hace dias" is not one).
        if len(address) >= fewest and any(w[0].isdigit() or w[0].isupper() for w in address):
            return _placed(" ".join(address).strip(" .,;:!?"), ctx)
    return None


def _placed(address: str, ctx: StepContext) -> dict | None:
    """The address, placed on the city's map when it has one; not taken when the map has it twice or not at all."""
    read = read_address(address, ctx.places, tries=0)
    return read if isinstance(read, dict) else None  # the step asks: which one, or where exactly


def _address_after(words: list[str], ends: set[str]) -> list[str]:
    address: list[str] = []
    for word in words:
        if normalize(word) in ends or not normalize(word):
            break
        address.append(word)
        if word[-1] in ",;:!?" or (word[-1] == "." and len(word) > ABBREVIATION_LENGTH):
            break  # "Av." and "Col." go on
    return address


_READERS = {"choice": _choice, "date": _date, "rating": _rating, "location": _location}
