"""Yes/no and number answers summed: values read as either database returns them, exact medians, histogram buckets,
and headings written from a step's own words."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.flows.model import Step, Text
from bot.reports.answers import MAX_BUCKETS, NumberSummary, YesNoCount, as_number, as_yes_no
from bot.reports.headings import short_prompt, step_heading


@pytest.mark.parametrize(
    "stored, said",
    [(True, True), (1, True), ("true", True), ("1", True), (False, False), (0, False), ("false", False)]
    + [(None, None), ("", None), ("maybe", None), (2, None)],
)
def test_a_yes_no_answer_is_read_as_sqlite_postgresql_and_the_tallies_hand_it_back(stored, said):
    assert as_yes_no(stored) is said


@pytest.mark.parametrize(
    "stored, number",
    [(20, 20), ("20", 20), (20.0, 20), ("20.0", 20), ("2.5", 2.5), (0, 0), (None, None), (True, None)]
    + [("veinte", None), ("nan", None), ("inf", None)],
)
def test_a_number_answer_is_an_int_when_whole(stored, number):
    found = as_number(stored)
    assert found == number and type(found) is type(number)


def test_the_share_yes_leaves_out_who_did_not_answer():
    said = YesNoCount()
    assert said.share_yes is None
    said.add(True, 3)
    said.add(False, 1)
    assert (said.yes, said.no, said.answered, said.share_yes) == (3, 1, 4, 0.75)


def summary(*values, counts=None) -> NumberSummary:
    found = NumberSummary("minutes")
    for value in values:
        found.add(value, 1)
    for value, n in (counts or {}).items():
        found.add(value, n)
    return found


def test_median_and_mean_are_exact_over_every_answer():
    assert summary().median is None and summary().mean is None and summary().buckets() == []
    assert summary(5, 10, 25, 30, 60).median == 25 and summary(5, 10, 25, 30, 60).mean == 26
    assert summary(5, 10, 25, 30).median == 17.5  # an even count: the two middle answers' mean
    many = summary(counts={1: 1000, 90: 1})
    assert many.median == 1 and many.mean == pytest.approx(1090 / 1001)
    assert summary(counts={3: 2, 7: 2}).median == 5


def test_whole_minutes_fall_into_nice_buckets_with_the_gaps_kept():
    buckets = summary(5, 10, 25, 30, 60).buckets()
    assert [(int(b.low), int(b.last), b.count) for b in buckets[:3]] == [(5, 9, 1), (10, 14, 1), (15, 19, 0)]
    assert len(buckets) == 12 and buckets[-1].low == 60 and sum(b.count for b in buckets) == 5
    small = summary(0, 1, 1, 2, 3).buckets()
    assert [(int(b.low), b.count, b.high - b.low) for b in small] == [(0, 1, 1), (1, 2, 1), (2, 1, 1), (3, 1, 1)]
    one = summary(counts={20: 4}).buckets()
    assert [(b.low, b.high, b.count) for b in one] == [(20, 21, 4)]


@pytest.mark.parametrize("low, high", [(0, 11), (0, 12), (3, 997), (-40, 45), (0, 100_000), (7, 8)])
def test_every_answer_falls_in_one_of_at_most_twelve_buckets(low, high):
    values = list(range(low, high + 1, max(1, (high - low) // 50)))
    buckets = summary(*values, high).buckets()
    assert len(buckets) <= MAX_BUCKETS and sum(b.count for b in buckets) == len(values) + 1
    assert buckets[0].low <= low and buckets[-1].high > high
    width = buckets[0].high - buckets[0].low
    assert all(b.high - b.low == width for b in buckets) and str(width.normalize()).lstrip("0.")[0] in "125"


def test_decimal_answers_are_bucketed_exactly():
    buckets = summary(0.1, 0.2, 0.3, 2.5, 2.9).buckets()
    assert not buckets[0].whole and buckets[0].low == Decimal("0")
    width = buckets[0].high - buckets[0].low
    assert width == Decimal("0.5") and [b.count for b in buckets] == [3, 0, 0, 0, 0, 2]


@pytest.mark.parametrize(
    "prompt, heading",
    [
        ("Gracias. ¿*Esperaste* más de 20 minutos en {route}? (sí / no)", "¿Esperaste más de 20 minutos en …?"),
        ("🌳 ¿Qué parque quieres evaluar? Escribe su nombre.", "¿Qué parque quieres evaluar?"),
        ("Del 1 al 5, ¿qué tan *limpio* está {park}? 🧹", "Del 1 al 5, ¿qué tan limpio está …?"),
        ("How many minutes did you wait? ⏱️", "How many minutes did you wait?"),
        ("Escribe tu _comentario_ 💬", "Escribe tu comentario"),
        ("1️⃣ Primero: el camión. ¿Venía lleno?", "¿Venía lleno?"),
        ("Cuéntanos cómo estuvo. Gracias.", "Cuéntanos cómo estuvo."),
        ("snake_case_words stay as written", "snake_case_words stay as written"),
        (
            "¿Cómo calificarías la puntualidad, la limpieza y el trato del chofer de la unidad en la que viajaste hoy?",
            "¿Cómo calificarías la puntualidad, la limpieza y el trato del chofer…",
        ),
    ],
)
def test_a_prompt_becomes_a_clean_heading(prompt, heading):
    assert short_prompt(prompt) == heading
    assert len(short_prompt(prompt)) <= 70


def test_a_heading_is_the_label_then_the_question_in_the_language_then_the_id_as_words():
    labelled = Step("waited", "yes_no", Text({"es": "¿Esperaste?"}), label=Text({"es": "Espera", "en": "Wait"}))
    assert step_heading(labelled, "en", "es") == "Wait" and step_heading(labelled, "es", "es") == "Espera"
    asked = Step("waited", "yes_no", Text({"es": "¿Esperaste? 🚌", "en": "Did you wait? 🚌"}))
    assert step_heading(asked, "en", "es") == "Did you wait?" and step_heading(asked, "es", "es") == "¿Esperaste?"
    spanish_only = Step("waited", "yes_no", Text({"es": "¿Esperaste?"}))
    assert step_heading(spanish_only, "en", "es") == "¿Esperaste?"  # the flow's default language
    assert step_heading(Step("waited_long", "yes_no", Text({})), "en", "es") == "Waited long"
