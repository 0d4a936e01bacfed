"""A campaign's invitation answered in the conversation (pure engine): any reply or the template's button starts the
survey, *no* declines, another flow named goes there, commands come first, and an invitation a week old lapses."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.flows import State
from bot.flows.events import InvitationAnswered, SurveysOptedIn, SurveysOptedOut
from tests.support.chat import NOW, Chat

QUESTION = "¿Qué parque quieres evaluar?"


def invited(sent_days_ago: float = 0) -> Chat:
    """A resident whose conversation awaits the answer to campaign 7's invitation to rate a park."""
    sent = (NOW - timedelta(days=sent_days_ago)).isoformat()
    return Chat(State(lang="es", invited="park_evaluation", campaign=7, updated_at=sent))


@pytest.mark.parametrize("text", ["sí", "va", "claro", "hola", "ok 👍"])
def test_a_reply_starts_the_survey(text):
    chat = invited()
    assert QUESTION in chat.say(text)
    assert chat.state.flow == "park_evaluation" and chat.state.invited is None
    assert chat.events == [InvitationAnswered(7, "park_evaluation", True)]


def test_the_templates_button_starts_it():
    chat = invited()
    assert QUESTION in chat.say("Responder encuesta", payload="survey_start")
    assert chat.events == [InvitationAnswered(7, "park_evaluation", True)]


@pytest.mark.parametrize(("text", "payload"), [("no", ""), ("no, gracias", ""), ("No por ahora", "survey_decline")])
def test_no_declines_and_shows_the_menu(text, payload):
    chat = invited()
    reply = chat.say(text, payload=payload)
    assert "Sin problema, gracias" in reply and "Elige una opción" in reply
    assert chat.state == replace(State(lang="es", notice=chat.state.notice), updated_at=chat.state.updated_at)
    assert chat.events == [InvitationAnswered(7, "park_evaluation", False)]


def test_another_flow_named_goes_there_without_counting_an_answer():
    chat = invited()
    assert "¿Dónde está el bache?" in chat.say("hay un bache en Morelos")
    assert chat.state.flow == "pothole" and chat.events == []


def test_commands_come_first():
    chat = invited()
    assert "ya no te invitaremos a encuestas" in chat.say("no más encuestas")
    assert chat.state.invited is None and chat.events == [SurveysOptedOut()]
    assert QUESTION not in chat.say("sí")


def test_an_invitation_a_week_old_lapses():
    chat = invited(sent_days_ago=8)
    assert QUESTION not in chat.say("sí") and chat.events == []
    assert chat.state.invited is None


def test_asking_for_surveys_keeps_the_report_under_way():
    chat = Chat()
    chat.say("bache")
    reply = chat.say("quiero encuestas")
    assert "te invitaremos de vez en cuando a encuestas" in reply and "¿Dónde está el bache?" in reply
    assert chat.state.flow == "pothole" and chat.events == [SurveysOptedIn()]


def test_a_flow_under_way_is_not_taken_for_the_answer():
    chat = Chat()
    chat.say("bache")
    chat.state = replace(chat.state, invited="park_evaluation", campaign=7)
    chat.say("cancelar")
    assert chat.state.flow is None and chat.events == []
