"""How answers are read, one reader at a time: numbers, dates, yes/no, ratings (pure functions)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.flows.dates import find_date, read_date
from bot.flows.numbers import with_digits
from bot.flows.ratings import read_rating
from bot.flows.yesno import read_yes_no
from tests.support.chat import FLOWS

THURSDAY = date(2026, 11, 26)


def words(lang: str):
    return lambda key: FLOWS.words_for(key, lang)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("cuatro", "es", "4"),
        ("le doy un ocho", "es", "le doy 8"),  # the article is not a second number
        ("un tiradero de basura", "es", "un tiradero de basura"),  # nor is it one
        ("hace un mes", "es", "hace un mes"),
        ("unos 15", "es", "15"),
        ("la primera", "es", "la 1"),
        ("doscientos catorce", "es", "214"),
        ("the 20th", "en", "the 20"),
        ("the Valle Oriente one", "en", "the valle oriente"),  # a pronoun, not route 1
        ("option one", "en", "option 1"),
    ],
)
def test_numbers_in_words_become_digits(text, lang, expected):
    assert with_digits(text, lang) == expected


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("ayer", ["2026-11-25"]),
        ("ayerr", ["2026-11-25"]),
        ("antes de ayer", ["2026-11-24"]),
        ("hace 3 días", ["2026-11-23"]),
        ("ase tres dias", ["2026-11-23"]),
        ("desde hace una semana", ["2026-11-19"]),
        ("la semana pasada", ["2026-11-19"]),
        ("hace un mes", ["2026-10-26"]),
        ("desde el lunes", ["2026-11-23"]),
        ("el viernes de la semana pasada", ["2026-11-20"]),
        ("el jueves", ["2026-11-26", "2026-11-19"]),  # today, or a week ago: asked
        ("el jueves pasado", ["2026-11-19"]),
        ("el fin de semana", ["2026-11-22", "2026-11-21"]),
        ("el 20", ["2026-11-20"]),
        ("el 28", ["2026-10-28"]),  # never the future: last month's
        ("20/11", ["2026-11-20"]),
        ("20 de noviembre", ["2026-11-20"]),
        ("mañana", []),
        ("el próximo lunes", []),
        ("no me acuerdo", []),
    ],
)
def test_dates_as_residents_write_them(text, days):
    assert [d.isoformat() for d in read_date(text, "es", THURSDAY, words("es"))] == days


def test_english_dates():
    assert read_date("since Tuesday", "en", THURSDAY, words("en")) == (date(2026, 11, 24),)
    assert read_date("3 days ago", "en", THURSDAY, words("en")) == (date(2026, 11, 23),)


def test_a_date_in_a_longer_message_is_found_only_when_it_is_one():
    assert find_date("no pasó el camión desde el lunes en Hidalgo 200", "es", THURSDAY, words("es")) == date(
        2026, 11, 23
    )
    assert find_date("el jueves no pasó", "es", THURSDAY, words("es")) is None  # two readings: ask later


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sip", True),
        ("ándale", True),
        ("órale pues", True),
        ("siiii", True),
        ("sí, pero apúrense", True),  # the answer is before the "pero"
        ("claro que no", False),
        ("nel", False),
        ("no gracias", False),
        ("no sé", None),
        ("sí y no", None),
    ],
)
def test_yes_or_no(text, expected):
    assert read_yes_no(text, words("es")) is expected


@pytest.mark.parametrize(
    ("text", "values", "scaled"),
    [
        ("4", (4,), ""),
        ("cuatro", (4,), ""),
        ("⭐⭐⭐", (3,), ""),
        ("5/5", (5,), ""),
        ("4 de 5", (4,), ""),
        ("un 8 de 10", (4,), "8/10"),
        ("7/10", (4,), "7/10"),  # 3.5 rounds up
        ("3 o 4", (3, 4), ""),  # two readings: asked
        ("muy bien", (5,), ""),
        ("limpísimo", (5,), ""),
        ("excelnte", (5,), ""),
        ("no muy bien", (2,), ""),  # negated: below good, never the opposite of what was said
        ("9", (), ""),
        ("0 de 10", (), ""),  # below the scale once scaled: not a rating
    ],
)
def test_ratings(text, values, scaled):
    rating = read_rating(text, "es", (1, 5), FLOWS.ratings["es"])
    assert (rating.values, rating.scaled_from) == (values, scaled)


def test_a_rating_on_a_ten_point_scale_scales_words_and_grades_out_of_five():
    assert read_rating("excelente", "es", (1, 10), FLOWS.ratings["es"]).values == (10,)
    assert read_rating("4 de 5", "es", (1, 10), FLOWS.ratings["es"]).values == (8,)
