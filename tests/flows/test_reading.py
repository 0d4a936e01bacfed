"""How answers are read, one reader at a time: numbers, dates, yes/no, ratings (pure functions)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.flows.dates import find_date, read_date
from bot.flows.numbers import with_digits
from bot.flows.ratings import read_rating
from bot.flows.ratingwords import lexicon
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
    rating = read_rating(text, "es", (1, 5), lexicon(FLOWS.ratings["es"]))
    assert (rating.values, rating.scaled_from) == (values, scaled)


def test_a_rating_on_a_ten_point_scale_scales_words_and_grades_out_of_five():
    assert read_rating("excelente", "es", (1, 10), lexicon(FLOWS.ratings["es"])).values == (10,)
    assert read_rating("4 de 5", "es", (1, 10), lexicon(FLOWS.ratings["es"])).values == (8,)


@pytest.mark.parametrize(
    ("text", "lang", "value"),
    [
        ("no muy bien", "es", 2),  # negated: below good
        ("nada bien", "es", 2),
        ("bien sucio", "es", 1),  # "bien" before a word is "very"
        ("ni bien ni mal", "es", 3),  # 1-3 and 3-5: only 3 fits both
        ("mal, bien lleno", "es", 2),  # "lleno" is no rating word: "bien" there is "very", not good
        ("no está mal", "es", 3),  # mildly positive
        ("no está nada mal", "es", 4),
        ("malísimo", "es", 1),
        ("regularcito", "es", 3),
        ("chido", "es", 4),
        ("rebien", "es", 5),
        ("súper sucio", "es", 1),
        ("👍", "es", 4),
        ("👎", "es", 2),
        ("not very good", "en", 2),
        ("isn't bad", "en", 3),
        ("not bad at all", "en", 4),
        ("neither good nor bad", "en", 3),
        ("really dirty", "en", 1),
        ("👎", "en", 2),
    ],
)
def test_ratings_read_negation_and_intensity(text, lang, value):
    assert read_rating(text, lang, (1, 5), lexicon(FLOWS.ratings[lang])).values == (value,)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("limpio pero muy feo", "es"),
        ("bien y mal", "es"),
        ("5, pésimo", "es"),  # a grade the words contradict
        ("no regular", "es"),
        ("clean but ugly", "en"),
        ("1, excellent", "en"),
    ],
)
def test_ratings_that_pull_both_ways_are_asked_again(text, lang):
    assert read_rating(text, lang, (1, 5), lexicon(FLOWS.ratings[lang])).values == ()


def test_a_steps_own_words_override_the_top_level_ones():
    own = {**FLOWS.ratings["es"], "sucio": 1, "lleno": 2}
    assert read_rating("sucio", "es", (1, 5), lexicon(own)).values == (1,)
    assert read_rating("mal, bien lleno", "es", (1, 5), lexicon(own)).values == (1,)
    assert read_rating("no iba tan lleno", "es", (1, 5), lexicon(own)).values == (3,)
    assert read_rating("bien lleno", "es", (1, 10), lexicon(own)).values == (1,)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("no creo", "es", False),
        ("para nada", "es", False),
        ("claro que no", "es", False),
        ("obvio que no", "es", False),
        ("no es correcto", "es", False),  # a yes word negated
        ("nunca", "es", False),
        ("👎", "es", False),
        ("👍", "es", True),
        ("no hay problema", "es", True),
        ("no, está bien", "es", None),  # the comma stops the negation: both said, asked again
        ("not really", "en", False),
        ("nope", "en", False),
        ("of course not", "en", False),  # was read as yes
        ("absolutely not", "en", False),
        ("I don't agree", "en", False),
        ("I don't think so", "en", False),
        ("no problem", "en", True),
        ("👍", "en", True),
        ("not sure", "en", None),
    ],
)
def test_yes_or_no_reads_negation(text, lang, expected):
    assert read_yes_no(text, words(lang)) is expected
