"""Dates as residents write them: "ayer", "hace 3 días", "desde el lunes", "el 20", "20/11".

Every reading is a day on or before today (the city's today, handed in): a resident says since
when something has been wrong, never when it will be. The words come from flows.yaml's `words:`
(today, yesterday, weekdays, months, ago, unit_day ...), so a city or civic group extends them
without Python; dateparser reads what those forms do not cover.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

from bot.flows.matching import is_typo, normalize, normalized_words
from bot.flows.numbers import with_digits

__all__ = ["read_date", "find_date"]

Words = Callable[[str], tuple[str, ...]]
_NUMERIC = re.compile(r"\b(\d{1,4})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?\b")
_DAY_OF_MONTH_MARKERS = {"el", "dia", "the", "on", "since"}
_ONE = {"un", "una", "a", "an"}  # "hace una semana", "a week ago"
_FILLERS = {"como", "unos", "unas", "mas", "de", "about", "like", "around", "over", "more", "than"}


def read_date(text: str, lang: str, today: date, words: Words, latest: date | None = None) -> tuple[date, ...]:
    """The days the answer may mean: one, two when it is really ambiguous, none when it names no day.

    Days after latest (today unless given) are not readings: "mañana" is no answer to "since when?".
    """
    norm = with_digits(text, lang)
    found = _read(text, norm, today, words) or _dateparser(text, lang, today)
    return tuple(d for d in found if d <= (latest or today))


def find_date(text: str, lang: str, today: date, words: Words) -> date | None:
    """The one day a longer message names ("no pasó desde el lunes"), if it names exactly one (no dateparser)."""
    found = [d for d in _read(text, with_digits(text, lang), today, words) if d <= today]
    return found[0] if len(found) == 1 else None


def _read(text: str, norm: str, today: date, words: Words) -> tuple[date, ...]:
    tokens = norm.split()
    numeric = _numeric(text, today)
    if numeric:
        return numeric
    for reader in (_named, _ago, _weekday, _phrases, _day_words, _day_of_month):
        found = reader(norm, tokens, today, words)
        if found:
            return found
    return ()


def _numeric(text: str, today: date) -> tuple[date, ...]:
    """25/11, 25/11/2026, 25-11-26 (day first, as in Mexico) or 2026-11-25."""
    match = _NUMERIC.search(text)
    if not match:
        return ()
    first, second, third = match.groups()
    if len(first) == 4:
        year, month, day = int(first), int(second), int(third or 0)
    else:
        day, month = int(first), int(second)
        year = today.year if third is None else int(third) + (2000 if len(third) == 2 else 0)
    return _valid(year, month, day)


def _named(norm: str, tokens: list[str], today: date, words: Words) -> tuple[date, ...]:
    """ "25 de noviembre", "november 25", "25 nov 2026"."""
    months = [normalize(m) for m in words("months")]
    month = next((i + 1 for t in tokens if len(t) >= 3 for i, name in enumerate(months) if name.startswith(t)), None)
    numbers = [int(t) for t in tokens if t.isdigit()]
    if month is None or not numbers or not 1 <= numbers[0] <= 31:
        return ()
    year = next((n for n in numbers[1:] if n > 1900), today.year)
    return _valid(year, month, numbers[0])


def _ago(norm: str, tokens: list[str], today: date, words: Words) -> tuple[date, ...]:
    """ "hace 3 días", "desde hace una semana", "ya tiene 4 días", "2 weeks ago": a count of days, weeks or months."""
    units = {"unit_day": 1, "unit_week": 7, "unit_month": 30}
    for i, token in enumerate(tokens):
        if not (token.isdigit() or token in _ONE):
            continue
        following = [t for t in tokens[i + 1 : i + 3] if t not in _FILLERS]
        unit = next((u for u in units if following and _is_word(following[0], words(u))), None)
        if unit is None:
            continue
        count = int(token) if token.isdigit() else 1
        if unit == "unit_month":
            return _months_before(today, count)
        return (today - timedelta(days=count * units[unit]),)
    return ()


def _months_before(today: date, count: int) -> tuple[date, ...]:
    month = today.month - count
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for day in range(today.day, 27, -1):  # 31 March minus a month is the last day of February
        found = _valid(year, month, day)
        if found:
            return found
    return _valid(year, month, min(today.day, 28))


def _phrases(norm: str, tokens: list[str], today: date, words: Words) -> tuple[date, ...]:
    """ "la semana pasada" (seven days ago) and "el fin de semana" (Saturday or Sunday: ask)."""
    if _says(norm, words("last_week")):
        return (today - timedelta(days=7),)
    if _says(norm, words("weekend")):
        sunday = today - timedelta(days=(today.weekday() - 6) % 7)
        return (sunday, sunday - timedelta(days=1))
    return ()


def _day_words(norm: str, tokens: list[str], today: date, words: Words) -> tuple[date, ...]:
    """ "hoy", "ayer", "antier" (typos forgiven): exactly one of them."""
    found = {
        today - timedelta(days=offset)
        for key, offset in (("day_before_yesterday", 2), ("yesterday", 1), ("today", 0))
        if _says(norm, words(key)) or any(_is_word(t, words(key)) for t in tokens)
    }
    if len(found) > 1 and _says(norm, words("day_before_yesterday")):
        found = {today - timedelta(days=2)}  # "antes de ayer" holds "ayer"
    return tuple(found) if len(found) == 1 else ()


def _weekday(norm: str, tokens: list[str], today: date, words: Words) -> tuple[date, ...]:
    """A weekday: its latest day before today. Today's own weekday may mean today or a week ago: ask."""
    weekdays = [normalize(w) for w in words("weekdays")]  # Monday first
    named = {i for t in tokens for i, day in enumerate(weekdays) if day and t == day}
    named = named or {i for t in tokens for i, day in enumerate(weekdays) if day and is_typo(t, day)}
    if len(named) != 1:
        return ()
    weekday = named.pop()
    if _says(norm, words("coming")):
        return ()  # "el próximo lunes" is still to come
    if _says(norm, words("last_week")):  # "el viernes de la semana pasada": that day of last week
        return (today - timedelta(days=today.weekday() + 7 - weekday),)
    back = (today.weekday() - weekday) % 7
    if back:
        return (today - timedelta(days=back),)
    if _says(norm, words("previous")):  # exactly: "no pasó" is a typo's distance from "pasado"
        return (today - timedelta(days=7),)  # "el jueves pasado", said on a Thursday
    return (today, today - timedelta(days=7))


def _day_of_month(norm: str, tokens: list[str], today: date, words: Words) -> tuple[date, ...]:
    """ "el 20", "desde el 20", "the 20th": that day of this month, or of last month if it is still to come."""
    for i, token in enumerate(tokens):
        if not (token.isdigit() and i > 0 and tokens[i - 1] in _DAY_OF_MONTH_MARKERS):
            continue
        day = int(token)
        if not 1 <= day <= 31:
            continue
        if day <= today.day:
            return _valid(today.year, today.month, day)
        last_month = today.replace(day=1) - timedelta(days=1)
        return _valid(last_month.year, last_month.month, day)
    return ()


def _dateparser(text: str, lang: str, today: date) -> tuple[date, ...]:
    """What the forms above do not cover, read by dateparser in the resident's language."""
    import dateparser  # its language data loads on first use; only answers the forms above miss pay for it

    base = datetime(today.year, today.month, today.day, 12)
    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False}
    try:
        parsed = dateparser.parse(text, languages=[lang], settings=settings)
    except (ValueError, OverflowError):  # a number dateparser cannot turn into a date
        return ()
    return (parsed.date(),) if parsed else ()


def _valid(year: int, month: int, day: int) -> tuple[date, ...]:
    try:
        return (date(year, month, day),)
    except ValueError:
        return ()


def _says(norm: str, phrases: tuple[str, ...]) -> bool:
    padded = f" {norm} "
    return any(f" {p} " in padded for p in normalized_words(phrases))


def _is_word(token: str, choices: tuple[str, ...]) -> bool:
    """The token is one of the one-word choices, or a small typo of one ("ayerr", "dais")."""
    return any(token == c or is_typo(token, c) for c in normalized_words(choices) if " " not in c)
