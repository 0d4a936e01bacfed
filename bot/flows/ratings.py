"""Ratings as residents write them: "4", "cuatro", "⭐⭐⭐⭐", "4 de 5", "5/5", "un 8 de 10", "muy bien", "😍".

A grade out of another scale ("8 de 10" on a 1-5 step) is scaled, and the engine tells the
resident what it noted. Several numbers that are not "X de Y" ("3 o 4") are two readings: the
resident is asked which. Words are read by ratingwords.py, negation and intensity included ("no muy
bien" is 2, "no está mal" 3, "bien sucio" 1); words that pull both ways, or a grade the words
contradict ("5, pésimo"), are asked again: a value the text contradicts is never stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bot.flows.numbers import with_digits
from bot.flows.ratingwords import WORD_SCALE, Lexicon, read_words

__all__ = ["Rating", "read_rating"]

_STAR = "⭐"
_OUT_OF = re.compile(r"\b(\d+(?:[.,]\d+)?) (?:de|sobre|out of|of) (\d+)\b")
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)?\b")


@dataclass(frozen=True)
class Rating:
    """What a rating answer says: a value, or several readings to ask about; scaled when it came from another scale."""

    values: tuple[int, ...] = ()
    scaled_from: str = ""  # "8/10" when the resident graded on another scale


def read_rating(text: str, lang: str, scale: tuple[int, int], ratings: Lexicon) -> Rating:
    """Read a rating on the step's scale; Rating() when the answer gives none, or contradicts itself.

    ratings is the step's `ratings:` words compiled (Flows.rating_words; ratingwords.lexicon for a table)."""
    rating = _grade(text, lang, scale)
    if rating is None:
        return _word(text, ratings, *scale)
    if len(rating.values) == 1 and any(c.isalpha() or ord(c) > 0x2000 for c in text.replace(_STAR, "")):
        words = read_words(text, ratings, typos=False)
        if words and _against(rating.values[0], scale, words.low, words.high):
            return Rating()  # "5, pésimo", "1 😍": which one is meant? ask
    return rating


def _against(value: int, scale: tuple[int, int], low: int, high: int) -> bool:
    """Whether words allowing low..high (1-5) say the opposite of a grade: good words and a bad grade, or the reverse."""
    on_words = WORD_SCALE[0] + (value - scale[0]) * (WORD_SCALE[1] - WORD_SCALE[0]) / (scale[1] - scale[0])
    return (on_words <= 2 and low >= 4) or (on_words >= 4 and high <= 2)


def _grade(text: str, lang: str, scale: tuple[int, int]) -> Rating | None:
    """The grade in digits, number words or stars; None when the answer has none (its words may say one)."""
    low, high = scale
    stars = text.count(_STAR)
    norm = with_digits(text.replace(_STAR, " ").replace("/", " de "), lang)
    out_of = _OUT_OF.search(norm)
    numbers = [_number(n) for n in _NUMBER.findall(norm)]
    if out_of:
        value, base = _number(out_of.group(1)), _number(out_of.group(2))
        if base == high or not base:
            return _within(value, low, high)
        if value > base:
            return Rating()
        scaled = _round(value / base * high)
        return Rating((scaled,), f"{out_of.group(1)}/{out_of.group(2)}") if low <= scaled <= high else Rating()
    if stars and not numbers:
        return _within(stars, low, high)
    if len(numbers) == 1:
        return _within(numbers[0], low, high)
    if len(set(numbers)) > 1:
        readings = tuple(dict.fromkeys(_round(n) for n in numbers if low <= n <= high))
        return Rating(readings) if len(readings) > 1 else Rating()
    return None


def _word(text: str, ratings: Lexicon, low: int, high: int) -> Rating:
    """The value the rating words say, on the step's scale; Rating() when they say none or pull both ways."""
    words = read_words(text, ratings)
    return Rating((_rescale(words.value, low, high),)) if words else Rating()


def _rescale(value: int, low: int, high: int) -> int:
    word_low, word_high = WORD_SCALE
    if (low, high) == WORD_SCALE:
        return value
    return _round(low + (value - word_low) * (high - low) / (word_high - word_low))


def _within(value: float, low: int, high: int) -> Rating:
    return Rating((int(value),)) if value == int(value) and low <= value <= high else Rating()


def _number(raw: str) -> float:
    return float(raw.replace(",", "."))


def _round(value: float) -> int:
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
