"""The pure engine, with no database: conversations as data in, data out."""

from __future__ import annotations

import pytest

from bot.flows import (
    HandoverRequested,
    Location,
    Media,
    State,
    SurveyCompleted,
    TicketOpened,
)
from bot.flows.matching import Candidate, ChoiceIndex, normalize
from tests.support.chat import Chat


@pytest.mark.parametrize(
    "text",
    [
        "bache",
        "1",
        "vache",
        "Bache",
        "BACHE!!",
        "hay un bache enorme en Morelos",
        "la opción 1 porfa",
        "reportar un bache",
    ],
)
def test_many_ways_to_pick_the_pothole(text):
    chat = Chat()
    chat.say("hola")
    assert "¿Dónde está el bache?" in chat.say(text)
    assert chat.state.flow == "pothole"


@pytest.mark.parametrize(
    "text", ["recolección de basura", "recoleccion de basura", "basurra", "2", "el camion de la basura no paso"]
)
def test_many_ways_to_pick_trash(text):
    chat = Chat()
    chat.say("hola")
    chat.say(text)
    assert chat.state.flow == "trash"


def test_unrelated_text_shows_the_menu_again():
    chat = Chat()
    reply = chat.say("buenas tardes")
    assert "¿En qué te ayudo?" in reply and chat.state.flow is None
    assert "¿En qué te ayudo?" in chat.say("qwerty")


def test_matching_never_guesses_between_equals():
    index = ChoiceIndex([Candidate("a", 1, ("parque", "norte")), Candidate("b", 2, ("parque", "sur"))])
    assert index.match("parque").key is None
    assert index.match("parque").suggestions == ("a", "b")
    assert index.match("el del sur").key == "b"
    assert index.match("").key is None


def test_normalize_strips_accents_case_and_punctuation():
    assert normalize("  ¡Recolección   DE Basura! ") == "recoleccion de basura"


def test_whole_pothole_flow_opens_a_ticket_event():
    chat = Chat()
    for text in ("hola", "bache"):
        chat.say(text)
    chat.say(location=Location(25.65, -100.40, label="Esquina"))
    assert "Esquina" in chat.say(media=(Media("https://example.mx/p.jpg", "image/jpeg"),))
    assert "2611-TEST01" in chat.say("sí")
    (event,) = chat.events
    assert isinstance(event, TicketOpened)
    assert (event.department, event.category, event.folio) == ("obras_publicas", "bache", "2611-TEST01")
    assert event.location == {"latitude": 25.65, "longitude": -100.40, "label": "Esquina"}
    assert event.media == ({"url": "https://example.mx/p.jpg", "content_type": "image/jpeg"},)
    assert chat.state.flow is None


def test_declining_the_confirmation_opens_nothing():
    chat = Chat()
    for text in ("bache", "Morelos 100", "omitir"):
        chat.say(text)
    assert "no envié nada" in chat.say("no")
    assert chat.events == [] and chat.state.flow is None


def test_a_photo_step_refuses_text_that_is_not_skip():
    chat = Chat()
    chat.say("bache")
    chat.say("Morelos 100")
    assert "No recibí una foto" in chat.say("aquí está")
    assert chat.state.step == "photo" and chat.state.attempts == 1


def test_too_many_failed_attempts_go_back_to_the_menu():
    chat = Chat()
    chat.say("parque")
    chat.say("xyz")
    chat.say("xyz")
    reply = chat.say("xyz")  # nothing answered yet: nothing to lose
    assert "Empecemos de nuevo" in reply and "¿En qué te ayudo?" in reply
    assert chat.state.flow is None and chat.events == []


def test_a_survey_with_answers_keeps_them_after_too_many_misses_and_asks_again():
    chat = Chat()
    chat.say("parque")
    chat.say("Parque Clouthier")
    chat.say("4")
    for _ in range(2):
        assert "Califica del 1 al 5" in chat.say("xyz")
    reply = chat.say("xyz")
    assert "Lo que ya contestaste no se pierde" in reply and "¿qué tan *seguro*" in reply
    assert "Empecemos de nuevo" not in reply
    assert chat.state.answers == {"park": "P001", "cleanliness": 4} and chat.state.attempts == 0
    assert "Califica del 1 al 5" in chat.say("xyz")  # the count started over: three more tries before the note
    chat.say("5")
    chat.say("3")
    chat.say("omitir")
    (event,) = chat.events
    assert isinstance(event, SurveyCompleted)
    assert event.answers == {"park": "P001", "cleanliness": 4, "safety": 5, "lighting": 3, "comment": None}


def test_too_many_failed_attempts_hand_over_to_a_person_where_the_flow_says_so():
    chat = Chat()
    chat.say("basura")
    chat.say("xyz")
    chat.say("xyz")
    reply = chat.say("xyz")
    assert "Una persona del municipio" in reply and "2611-TEST01" in reply
    (event,) = chat.events
    assert isinstance(event, HandoverRequested)
    assert (event.department, event.flow) == ("servicios_publicos", "trash")
    assert event.summary == "El residente necesita ayuda de una persona con: Recolección de basura"


@pytest.mark.parametrize("text, value", [("4", 4), ("⭐⭐⭐", 3), ("le doy un 5", 5)])
def test_rating_accepts_numbers_and_stars(text, value):
    chat = Chat()
    chat.say("parque")
    chat.say("Parque Clouthier")
    chat.say(text)
    assert chat.state.answers["cleanliness"] == value


@pytest.mark.parametrize("text", ["9", "0", "muchos", "bien y mal", "5, pésimo"])
def test_rating_out_of_scale_is_reasked(text):
    chat = Chat()
    chat.say("parque")
    chat.say("Parque Clouthier")
    assert "del 1 al 5" in chat.say(text)
    assert "cleanliness" not in chat.state.answers


def test_two_ratings_in_one_answer_are_asked_about_never_guessed():
    chat = Chat()
    chat.say("parque")
    chat.say("Parque Clouthier")
    assert chat.say("3 o 4").endswith("¿Cuál de estas? Responde con el número:\n3\n4")
    assert "cleanliness" not in chat.state.answers
    chat.say("el 4")
    assert chat.state.answers["cleanliness"] == 4


def test_a_grade_out_of_ten_is_scaled_and_told_back():
    chat = Chat()
    chat.say("parque")
    chat.say("Parque Clouthier")
    reply = chat.say("un 8 de 10")
    assert chat.state.answers["cleanliness"] == 4
    assert "4 de 5" in reply


def test_survey_completed_event_carries_the_answers():
    chat = Chat()
    for text in ("parque", "Parque Clouthier", "5", "4", "3", "omitir"):
        chat.say(text)
    (event,) = chat.events
    assert isinstance(event, SurveyCompleted)
    assert event.answers == {"park": "P001", "cleanliness": 5, "safety": 4, "lighting": 3, "comment": None}
    assert event.shown["park"] == "Parque Clouthier"


def test_cancel_and_menu_commands_work_mid_flow():
    chat = Chat()
    chat.say("bache")
    assert "lo cancelé" in chat.say("Cancelar")
    assert chat.state.flow is None
    chat.say("bache")
    assert "¿En qué te ayudo?" in chat.say("menú")


def test_language_follows_the_resident_and_stays_within_a_flow():
    chat = Chat()
    assert "How can I help?" in chat.say("hi")
    assert "Where is the pothole?" in chat.say("1")
    assert "photo" in chat.say("Morelos y 5 de Mayo")  # Spanish street names don't switch language
    assert chat.state.lang == "en"
    assert "Send it?" in chat.say("skip")


def test_language_is_remembered_between_conversations():
    chat = Chat(State(lang="en"))
    assert "How can I help?" in chat.say("1234")


def test_state_round_trips_through_json():
    import json

    chat = Chat()
    chat.say("bache")
    chat.say("Morelos 100")
    restored = State.from_dict(json.loads(json.dumps(chat.state.to_dict())))
    assert restored == chat.state
