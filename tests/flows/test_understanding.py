"""Residents understood as they write, through the engine: the opener's details, channels, voice notes, asking."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.flows import HandoverRequested, Media, State, TicketOpened, load_flows_text
from bot.flows.corpus import load_corpus_flows
from tests.support.chat import Chat

SHIPPED = Path(__file__).resolve().parent.parent.parent / "flows.yaml"
VOICE = Media("https://example.mx/nota.ogg", "audio/ogg")
SMS = frozenset()


def test_an_opener_that_says_what_and_since_when_is_asked_only_where():
    chat = Chat()
    reply = chat.say("no pasó el camión de la basura en mi calle desde el lunes")
    assert chat.state.flow == "trash" and chat.state.step == "location"
    assert chat.state.answers == {"problem": "missed_collection", "missed_since": "2026-11-23"}
    assert "¿Dónde?" in reply


def test_an_opener_with_an_address_skips_the_where():
    chat = Chat()
    chat.say("hay un bache enorme en Morelos y 5 de Mayo")
    assert chat.state.answers == {"location": {"address": "Morelos y 5 de Mayo"}}
    assert chat.state.step == "photo"


def test_the_words_residents_use_open_the_right_report():
    for text, flow in [
        ("se hizo un socavón", "pothole"),
        ("hay un hoyo en la calle", "pothole"),
        ("no hay luz en el poste", "streetlight"),
        ("no han recogido la basura", "trash"),
        ("tiraron basura en el baldío", "trash"),
    ]:
        chat = Chat()
        chat.say(text)
        assert chat.state.flow == flow, text
    chat = Chat()
    chat.say("tiraron basura en el baldío")
    assert chat.state.answers == {"problem": "illegal_dumping"}


def test_on_sms_the_photo_is_not_asked_and_the_address_is_asked_typed():
    chat = Chat(channel="sms", carries=SMS)
    reply = chat.say("bache")
    assert "Escribe calle y cruce" in reply and "Comparte tu ubicación" not in reply
    reply = chat.say("Morelos 100, Centro")
    assert "WhatsApp" in reply and "¿Lo envío?" in reply  # the photo step passed over, with where to send one
    chat.say("sí")
    (ticket,) = chat.events
    assert isinstance(ticket, TicketOpened) and ticket.media == ()


def test_on_whatsapp_the_photo_is_asked():
    chat = Chat()
    chat.say("bache")
    assert "foto" in chat.say("Morelos 100")


def test_a_step_can_be_kept_to_some_channels():
    text = SHIPPED.read_text(encoding="utf-8").replace(
        "      - id: photo\n        kind: photo\n        optional: true\n",
        "      - id: photo\n        kind: photo\n        optional: true\n        skip_on: [webchat]\n",
        1,
    )
    flows = load_flows_text(text, environ={}, base_dir=SHIPPED.parent)
    assert "¿Lo envío?" not in _reply_after_address(Chat(channel="whatsapp", flows=flows))
    chat = Chat(channel="webchat", flows=flows)
    assert "¿Lo envío?" in _reply_after_address(chat)  # skip_on: no photo asked on the web chat
    only_whatsapp = load_flows_text(
        text.replace("skip_on: [webchat]", "channels: [whatsapp]"), environ={}, base_dir=SHIPPED.parent
    )
    assert "¿Lo envío?" in _reply_after_address(Chat(channel="webchat", flows=only_whatsapp))


def _reply_after_address(chat: Chat) -> str:
    chat.say("bache")
    return chat.say("Morelos 100")


def test_a_voice_note_is_kept_and_the_resident_asked_to_write():
    chat = Chat()
    chat.say("bache")
    reply = chat.say(media=(VOICE,))
    assert "Recibí tu audio" in reply and "¿Dónde está el bache?" in reply
    assert chat.state.step == "location"
    chat.say("Morelos 100")
    chat.say("omitir")
    chat.say("sí")
    (ticket,) = chat.events
    assert ticket.media == ({"url": VOICE.url, "content_type": "audio/ogg"},)


def test_voice_notes_alone_end_with_a_person_who_can_listen_not_a_loop():
    chat = Chat()
    chat.say("bache")
    for _ in range(3):
        chat.say(media=(VOICE,))
    (handover,) = chat.events
    assert isinstance(handover, HandoverRequested) and len(handover.media) == 3
    assert chat.state.flow is None


def test_a_voice_note_before_any_flow_is_kept_for_the_report():
    chat = Chat()
    assert "Recibí tu audio" in chat.say(media=(VOICE,))
    chat.say("bache")
    for text in ("Morelos 100", "omitir", "sí"):
        chat.say(text)
    assert chat.events[-1].media == ({"url": VOICE.url, "content_type": "audio/ogg"},)


def test_a_really_ambiguous_date_is_asked_with_its_two_readings():
    chat = Chat()
    chat.say("basura")
    chat.say("no pasó el camión")
    reply = chat.say("el jueves")  # said on a Thursday: today, or a week ago?
    assert "26/11/2026" in reply and "19/11/2026" in reply
    assert "missed_since" not in chat.state.answers
    chat.say("2")
    assert chat.state.answers["missed_since"] == "2026-11-19"


def test_yes_at_a_photo_step_waits_for_the_photo():
    chat = Chat()
    chat.say("bache")
    chat.say("Morelos 100")
    assert "Mándala cuando la tengas" in chat.say("sí, ahorita la mando")
    assert chat.state.step == "photo" and chat.state.attempts == 0
    chat.say(media=(Media("https://example.mx/bache.jpg", "image/jpeg"),))
    assert chat.state.step == "confirm"


def test_no_photo_said_in_many_ways_skips_it():
    for text in ("no tengo foto", "no traigo foto", "ahorita no puedo", "ninguna", "después la mando"):
        chat = Chat()
        chat.say("bache")
        chat.say("Morelos 100")
        chat.say(text)
        assert chat.state.step == "confirm", text


def test_a_number_in_a_name_is_not_taken_for_a_place_in_the_list():
    chat = Chat(flows=with_routes())
    chat.say("ruta")
    chat.say("la 23")
    assert chat.state.answers == {"route": "r23"}


def test_a_number_that_is_both_a_place_and_a_name_is_asked_about():
    chat = Chat(flows=with_routes())
    chat.say("ruta")
    reply = chat.say("la 4")  # the fourth in the list is Ruta 23; Ruta 4 is the second
    assert "Ruta 4 Obispado" in reply and "Ruta 23 Valle Oriente" in reply and chat.state.answers == {}


ROUTES = {
    "title": {"es": "Evaluar una ruta", "en": "Rate a route"},
    "keywords": {"es": ["ruta"], "en": ["route"]},
    "outcome": {"kind": "info"},
    "steps": [
        {
            "id": "route",
            "kind": "choice",
            "prompt": {"es": "¿Qué ruta?", "en": "Which route?"},
            "options": [
                {"id": f"r{n}", "label": {"es": f"Ruta {n} {name}", "en": f"Route {n} {name}"}}
                for n, name in ((1, "Centro"), (4, "Obispado"), (7, "Del Valle"), (23, "Valle Oriente"))
            ],
        },
        {"id": "comment", "kind": "text", "prompt": {"es": "¿Algún comentario?", "en": "Any comment?"}},
    ],
    "done": {"es": "Listo", "en": "Done"},
}


def with_routes():
    """The shipped flows and a bus-route survey whose four options, listed with numbers, carry numbers in their names."""
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["flows"]["routes"] = ROUTES
    data["menu"]["flows"].append("routes")
    return load_flows_text(yaml.safe_dump(data, allow_unicode=True), environ={}, base_dir=SHIPPED.parent)


def test_a_short_opener_ending_in_a_number_is_not_a_menu_choice():
    chat = Chat()
    chat.say("parque clouthier 5 estrellas")  # not option 5 of the menu
    assert chat.state.flow == "park_evaluation" and chat.state.answers == {"park": "P001"}


def test_a_step_kept_from_a_channel_says_nothing_about_photos():
    text = SHIPPED.read_text(encoding="utf-8").replace(
        "      - id: photo\n        kind: photo\n        optional: true\n",
        "      - id: photo\n        kind: photo\n        optional: true\n        skip_on: [webchat]\n",
        1,
    )
    flows = load_flows_text(text, environ={}, base_dir=SHIPPED.parent)
    reply = _reply_after_address(Chat(channel="webchat", flows=flows))
    assert "¿Lo envío?" in reply and "mensaje de texto" not in reply


def test_numbers_keep_their_decimals_and_read_words():
    flows = load_corpus_flows(SHIPPED, SHIPPED.parent / "corpus")
    for text, value in [("2,5", 2.5), ("2.5", 2.5), ("veinte", 20), ("ninguna", 0), ("nomás yo", 1)]:
        chat = Chat(State(flow="route_survey", step="riders", lang="es", version=flows.version), flows=flows)
        chat.say(text)
        assert chat.state.answers.get("riders") == value, text
