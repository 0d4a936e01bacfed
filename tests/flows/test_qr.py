"""QR cards' messages: the engine knows a card's message, even edited, and starts the survey at its park."""

from __future__ import annotations

import pytest

from bot.flows.engine import opening
from bot.flows.loader import FlowsInvalidError, load_flows_text
from bot.flows.qr import card_options, code_of, find_start, message_for
from tests.support.chat import FLOWS, NOW, Chat
from tests.support.chat import SHIPPED as SHIPPED_PATH

SHIPPED = SHIPPED_PATH.read_text()

PARKS = FLOWS.flows["park_evaluation"]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_parks_card_message_starts_the_survey_at_that_park_in_its_language(lang):
    wrong = []
    for option in card_options(PARKS):
        chat = Chat()
        reply = chat.say(message_for(PARKS, option, lang, "es"))
        name = option.label.get(lang, "es")
        state = chat.state
        if (state.flow, state.step, state.answers, state.lang) != (
            "park_evaluation",
            "cleanliness",
            {"park": option.id},
            lang,
        ):
            wrong.append(option.id)
        elif name not in reply:
            wrong.append(f"{option.id}: {reply}")
    assert wrong == [] and len(card_options(PARKS)) == 230


@pytest.mark.parametrize(
    "text",
    [
        "Hola, quiero evaluar Parque Clouthier (P001)",
        "hola quiero evaluar parque clouthier (p001)",  # lower case, no accents or commas
        "Hola, quiero evaluar Parque Clouthier ( P 001 )",  # spacing changed
        "Hola, quiero evaluar Parque Clouthier (P-001) 🌳🌳",
        "quiero calificar el parque, código P001, está muy bonito",  # edited by the resident
        "P001",
    ],
)
def test_the_message_may_be_edited_as_long_as_the_code_is_there(text):
    chat = Chat()
    assert "¿qué tan *limpio* está Parque Clouthier?" in chat.say(text)
    assert chat.state.answers == {"park": "P001"} and chat.state.lang == "es"


def test_without_its_code_the_message_is_read_as_any_first_message():
    chat = Chat()
    chat.say("Hola, quiero evaluar Parque Clouthier")  # the keyword and the name still say it
    assert chat.state.answers == {"park": "P001"}
    chat = Chat()
    chat.say("Hola, quiero evaluar Parque Clouthier (P999)")  # a card for a park no longer in parks.csv
    assert chat.state.flow == "park_evaluation" and chat.state.answers == {"park": "P001"}


def test_the_corpus_reads_a_cards_message_as_the_engine_does():
    assert opening(FLOWS, "quiero calificar, código p-230", "es", NOW) == ("park_evaluation", {"park": "P230"})
    assert opening(FLOWS, "quiero evaluar un parque", "es", NOW) == ("park_evaluation", {})


def test_two_codes_start_nothing_of_their_own():
    assert find_start(FLOWS, "P001 o P002") is None
    assert find_start(FLOWS, "P001 y otra vez P001") is not None  # the same card twice


def test_inside_another_flow_a_scanned_card_starts_over_but_an_answer_naming_a_code_stays_an_answer():
    chat = Chat()
    chat.say("quiero evaluar un parque")
    assert chat.state.step == "park"
    chat.say("Clouthier")
    chat.say("4")
    assert chat.state.step == "safety"
    chat.say("Hola, quiero evaluar Jardín Las Cumbres (P230)")  # scanned at the next park
    assert chat.state.step == "cleanliness" and chat.state.answers == {"park": "P230"}
    for answer in ("5", "4", "3"):
        chat.say(answer)
    assert chat.state.step == "comment"
    assert "Gracias por evaluar Jardín Las Cumbres" in chat.say("la P001 está mejor")  # the comment, not a card
    assert chat.events[-1].answers["comment"] == "la P001 está mejor"


def test_a_card_read_mid_pothole_report_starts_the_survey():
    chat = Chat()
    chat.say("hay un bache")
    assert chat.state.flow == "pothole"
    chat.say("Hi, I want to rate Parque Clouthier (P001)")
    assert (chat.state.flow, chat.state.step, chat.state.lang) == ("park_evaluation", "cleanliness", "en")


def test_the_web_chats_payload_starts_the_survey_in_the_pages_language():
    chat = Chat(channel="webchat")
    reply = chat.say("", payload="start:P007", lang_hint="en")
    assert "how *clean* is Parque Alfonso Reyes" in reply and chat.state.answers == {"park": "P007"}
    assert find_start(FLOWS, "", "start:P999") is None
    assert find_start(FLOWS, "", "P007") is None  # a button's payload is not a card


def test_an_opted_out_resident_hears_nothing_from_a_card():
    chat = Chat()
    chat.say("baja")
    assert chat.state.opted_out
    assert chat.say("Hola, quiero evaluar Parque Clouthier (P001)") == ""


def test_codes_are_prefix_and_id():
    flows = load_flows_text(SHIPPED.replace("      step: park\n", "      step: park\n      code_prefix: Q-\n"))
    parks = flows.flows["park_evaluation"]
    assert code_of(parks, card_options(parks)[0]) == "Q-P001"
    start = find_start(flows, "Hola, quiero evaluar Parque Clouthier (Q-P001)")
    assert start is not None and start.option == "P001"
    assert find_start(flows, "Hola, quiero evaluar Parque Clouthier (P001)") is None


@pytest.mark.parametrize(
    "old, new, needle, message",
    [
        (
            "      step: park\n",
            "      step: cleanliness\n",
            "step: cleanliness",
            "flow 'park_evaluation', qr: step 'cleanliness' is a rating step, not a choice",
        ),
        (
            "      step: park\n",
            "      step: parque\n",
            "step: parque",
            "flow 'park_evaluation', qr: step 'parque' is not a step of this flow",
        ),
        (
            '        en: "Hi, I want to rate {option} ({code})"',
            '        en: "Hi, I want to rate {option}"',
            "Hi, I want to rate {option}",
            "flow 'park_evaluation', qr: the en message must use {code}",
        ),
        (
            '        en: "Hi, I want to rate {option} ({code})"',
            '        en: "Hi, I want to rate {park} ({code})"',
            "Hi, I want to rate {park}",
            "flow 'park_evaluation', qr: the en message uses park; it may use only {code} and {option}",
        ),
    ],
)
def test_a_wrong_qr_section_is_reported_with_its_line(old, new, needle, message):
    broken = SHIPPED.replace(old, new, 1)
    (error,) = errors_of(broken)
    assert error == f"flows.yaml:{line_of(broken, needle)}:{error.split(':')[2]}: {message}"


def test_codes_a_resident_could_write_by_chance_or_two_flows_share_are_refused(tmp_path):
    (tmp_path / "parks.csv").write_text("id,nombre\n1,Parque Uno\n2,Parque Dos\n")
    (error,) = errors_of_in(tmp_path, SHIPPED)
    assert error.endswith(
        "flow 'park_evaluation', qr: code '1' needs a letter and a digit, so no number or word a resident writes"
        " is taken for it: ids with digits, or a code_prefix such as 'Q-'"
    )
    assert (
        errors_of_in(tmp_path, SHIPPED.replace("      step: park\n", "      step: park\n      code_prefix: Q-\n")) == []
    )
    twice = SHIPPED.replace("  city_info:\n", _second_park_survey() + "  city_info:\n").replace(
        "park_evaluation, city_info]", "park_evaluation, park_upkeep, city_info]"
    )
    errors = errors_of(twice)
    assert (
        len(errors) == 1 and "flow 'park_upkeep', option 'P001': qr code 'P001' is also the code of flow" in errors[0]
    )
    assert load_flows_text(twice.replace('message: {es: "Limpiar', 'code_prefix: M-\n      message: {es: "Limpiar'))


def errors_of(text: str) -> list[str]:
    return errors_of_in(None, text)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def errors_of_in(folder, text: str) -> list[str]:
    try:
        load_flows_text(text, "flows.yaml", {}, folder)
    except FlowsInvalidError as exc:
        return str(exc).splitlines()
    return []


def _second_park_survey() -> str:
    return """  park_upkeep:
    title: {es: Mantenimiento de parques, en: Park upkeep}
    outcome: {kind: survey, department: parques}
    steps:
      - id: park
        kind: choice
        options_from: {file: parks.csv, column: nombre, id_column: id}
        prompt: {es: "¿Qué parque?", en: "Which park?"}
    done: {es: "Gracias", en: "Thanks"}
    qr:
      step: park
      message: {es: "Limpiar {option} ({code})", en: "Clean {option} ({code})"}
      call_to_action: {es: "Escanea", en: "Scan"}

"""
