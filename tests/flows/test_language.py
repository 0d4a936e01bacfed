"""The flow language as residents meet it: commands, asking instead of guessing, kinds, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.flows import InboundMessage, OptedIn, OptedOut, State, StatusRequested, advance
from tests.support.chat import FLOWS, NOW, Chat


def test_did_you_mean_then_yes_takes_the_suggestion():
    chat = Chat()
    chat.say("parque")
    reply = chat.say("clouthir")  # a typo close to one park only
    assert chat.state.step == "cleanliness" or "¿Quisiste decir" in reply
    if "¿Quisiste decir" in reply:
        assert "Parque Clouthier" in reply
        chat.say("sí")
    assert chat.state.answers["park"] == "P001"


def test_ambiguity_is_asked_never_guessed():
    chat = Chat()
    chat.say("parque")
    reply = chat.say("del valle")
    assert "¿Cuál de estas?" in reply and "Parque Del Valle" in reply and "Jardín Del Valle" in reply
    assert "park" not in chat.state.answers
    chat.say("2")
    assert chat.state.answers["park"] and chat.state.step == "cleanliness"


def test_a_suggestion_declined_asks_the_question_again():
    chat = Chat()
    chat.say("parque")
    chat.state = chat.state.__class__(**{**chat.state.to_dict(), "pending": ("P001",), "history": ()})
    assert "¿Qué parque" in chat.say("no")
    assert "park" not in chat.state.answers and chat.state.pending == ()


def test_when_condition_skips_a_step():
    dumping = Chat()
    dumping.say("basura")
    assert "¿Dónde?" in dumping.say("tiradero")  # no date question for illegal dumping
    missed = Chat()
    missed.say("basura")
    assert "¿Desde cuándo" in missed.say("no pasó el camión")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hoy", "2026-11-26"),
        ("ayer", "2026-11-25"),
        ("antier", "2026-11-24"),
        ("24/11", "2026-11-24"),
        ("24/11/2026", "2026-11-24"),
        ("2026-11-20", "2026-11-20"),
        ("20 de noviembre", "2026-11-20"),
        ("el 3 de octubre", "2026-10-03"),
    ],
)
def test_date_answers(text, expected):
    chat = Chat()
    chat.say("basura")
    chat.say("1")
    chat.say(text)
    assert chat.state.answers["missed_since"] == expected


@pytest.mark.parametrize("text", ["mañana", "30/02", "28/11", "pronto"])
def test_impossible_or_future_dates_are_reasked(text):
    chat = Chat()
    chat.say("basura")
    chat.say("1")
    assert "No entendí la fecha" in chat.say(text)


@pytest.mark.parametrize("text, value", [("excelente", 5), ("muy mal", 1), ("mal", 2), ("regular", 3), ("🙂", 4)])
def test_rating_words_and_emoji(text, value):
    chat = Chat()
    chat.say("parque")
    chat.say("Parque Clouthier")
    chat.say(text)
    assert chat.state.answers["cleanliness"] == value


def test_prefill_takes_the_address_from_the_opening_message():
    chat = Chat()
    reply = chat.say("hay un bache enorme en Morelos y 5 de Mayo")
    assert "foto" in reply
    assert chat.state.answers["location"] == {"address": "Morelos y 5 de Mayo"}


def test_back_forgets_the_last_answer_and_asks_it_again():
    chat = Chat()
    chat.say("bache")
    chat.say("Morelos 100")
    assert "¿Dónde está el bache?" in chat.say("atrás")
    assert "location" not in chat.state.answers
    chat.say("Morelos 200")
    assert chat.state.answers["location"] == {"address": "Morelos 200"}


def test_help_explains_and_repeats_the_question():
    chat = Chat()
    chat.say("bache")
    reply = chat.say("ayuda")
    assert "*menú*" in reply and "¿Dónde está el bache?" in reply
    assert chat.state.step == "location"


def test_status_command_asks_the_app_for_the_folio():
    turn = advance(FLOWS, State(), InboundMessage("sms", "+52", text="estado 2611-abc123"), NOW, "2611-NEW000")
    assert turn.events == (StatusRequested("2611-ABC123", "es"),) and turn.replies == ()
    usage = advance(FLOWS, State(), InboundMessage("sms", "+52", text="estado"), NOW, "x")
    assert "estado* seguido de tu folio" in usage.replies[0].text


def test_opt_out_silences_everything_until_opt_in():
    chat = Chat()
    chat.say("bache")
    assert "ya no te enviaremos" in chat.say("BAJA")
    assert chat.state.opted_out and isinstance(chat.events[-1], OptedOut)
    assert chat.say("hola") == "" and chat.say("bache") == ""
    reply = chat.say("alta")
    assert "de vuelta" in reply and "¿En qué te ayudo?" in reply
    assert not chat.state.opted_out and isinstance(chat.events[-1], OptedIn)


def test_language_can_be_switched_mid_flow():
    chat = Chat()
    chat.say("bache")
    reply = chat.say("english")
    assert "Okay, let's continue in English" in reply and "Where is the pothole?" in reply
    assert chat.state.lang == "en" and chat.state.flow == "pothole"


def test_an_idle_conversation_expires_with_a_friendly_restart():
    chat = Chat()
    chat.say("bache")
    stale = chat.state.__class__(
        **{**chat.state.to_dict(), "updated_at": (NOW - timedelta(hours=3)).isoformat(), "pending": (), "history": ()}
    )
    turn = advance(FLOWS, stale, InboundMessage("sms", "+52", text="Morelos 100"), NOW, "x")
    assert "empezamos de nuevo" in turn.replies[0].text
    assert turn.state.flow is None


def test_a_recent_conversation_does_not_expire():
    chat = Chat()
    chat.say("bache")
    recent = chat.state.__class__(
        **{
            **chat.state.to_dict(),
            "updated_at": (NOW - timedelta(minutes=30)).isoformat(),
            "pending": (),
            "history": (),
        }
    )
    turn = advance(FLOWS, recent, InboundMessage("sms", "+52", text="Morelos 100"), NOW, "x")
    assert turn.state.answers["location"] == {"address": "Morelos 100"}


def test_info_flow_answers_and_ends_without_an_outcome():
    chat = Chat()
    chat.say("información")
    reply = chat.say("1")
    assert "lunes a viernes" in reply and "¿Algo más?" in reply
    assert chat.events == [] and chat.state.flow is None


def test_emergencies_option_jumps_to_its_own_message():
    chat = Chat()
    chat.say("información")
    reply = chat.say("emergencia")
    assert "911" in reply and "lunes a viernes" not in reply


def test_streetlight_report():
    chat = Chat()
    chat.say("la lámpara de mi calle parpadea")
    assert chat.state.flow == "streetlight" and chat.state.answers == {"state": "flickering"}
    assert "luminaria parpadeando" in chat.say("Río Amazonas 120")
    chat.say("sí")
    assert chat.events[-1].category == "alumbrado" and chat.events[-1].department == "servicios_publicos"


def test_not_sure_at_a_confirmation_is_asked_again_not_a_cancel():
    chat = Chat()
    for text in ("bache", "Morelos 100", "omitir"):
        chat.say(text)
    assert "Responde *sí*" in chat.say("no sé")
    assert chat.state.step == "confirm" and chat.events == []


def test_a_weekday_means_the_latest_such_day():
    chat = Chat()
    chat.say("basura")
    chat.say("1")
    chat.say("desde el lunes")  # NOW is Thursday 26/11/2026
    assert chat.state.answers["missed_since"] == "2026-11-23"


@pytest.mark.parametrize("text", ["2611-ABC123", "mi folio es 2611-abc123", "Estado: 2611-ABC123"])
def test_a_folio_in_the_text_asks_for_its_status(text):
    turn = advance(FLOWS, State(), InboundMessage("sms", "+52", text=text), NOW, "x")
    assert turn.events == (StatusRequested("2611-ABC123", "es"),)
    assert turn.state.lang == "es"


def test_a_status_word_without_a_folio_mid_flow_is_an_answer():
    chat = Chat()
    chat.say("parque")
    chat.say("Parque Clouthier")
    chat.say("5")
    chat.say("5")
    chat.say("5")
    chat.say("estado del parque: sucio")
    assert chat.events[-1].answers["comment"] == "estado del parque: sucio"


def test_a_greeting_mid_flow_repeats_the_question():
    chat = Chat()
    chat.say("bache")
    assert "¿Dónde está el bache?" in chat.say("hola")
    assert "location" not in chat.state.answers


def test_a_courtesy_word_is_the_answer_to_a_free_text_step():
    chat = Chat()
    for text in ("parque", "Parque Clouthier", "5", "5", "5"):
        chat.say(text)
    assert chat.state.step == "comment"
    assert "Gracias por evaluar" in chat.say("gracias")  # not "¿Algún comentario?" again
    assert chat.events[-1].answers["comment"] == "gracias"


def test_an_emoji_is_not_a_way_to_skip_a_photo():
    chat = Chat()
    chat.say("bache")
    chat.say("Morelos 100")
    assert "Mándala cuando la tengas" in chat.say("👍")  # a yes: the photo is coming
    assert chat.state.step == "photo" and "photo" not in chat.state.answers


def test_thumbs_up_confirms():
    chat = Chat()
    for text in ("bache", "Morelos 100", "omitir"):
        chat.say(text)
    assert "folio" in chat.say("👍🏽")


def test_prefill_needs_something_that_looks_like_an_address():
    chat = Chat()
    chat.say("el camion de la basura no paso por aqui hace dias")
    assert "location" not in chat.state.answers
