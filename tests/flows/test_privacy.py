"""The privacy notice and ARCO requests in the pure engine (bot/flows/privacy.py), and their place in flows.yaml.

Transcripts in transcripts/privacy.yaml show the conversations; these tests pin what a transcript cannot:
a new notice version, the state kept across flows, help and back while the notice waits, the loader.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.flows import State
from bot.flows.events import DataAccessRequested, NoticeAnswered, PrivacyRequested, TicketOpened
from bot.flows.loader import FlowsInvalidError, load_flows_text
from tests.support.chat import FLOWS, Chat, without_privacy

SHIPPED = (Path(__file__).parent.parent.parent / "flows.yaml").read_text()
VERSION = FLOWS.privacy.version if FLOWS.privacy else ""
NOTICE = "¿Aceptas?"


def new_resident(**kw) -> Chat:
    return Chat(notice_accepted=False, **kw)


def test_the_shipped_flows_have_a_notice_with_its_link_and_deadlines():
    privacy = FLOWS.privacy
    assert privacy is not None and privacy.version and privacy.notice_url.startswith("https://")
    assert (privacy.answer_days, privacy.extension_days) == (20, 10)
    assert privacy.retention.messages is not None and privacy.retention.audit_events is not None


def test_the_notice_comes_before_the_first_question_that_collects_personal_data_and_says_where_the_full_one_is():
    chat = new_resident()
    chat.say("hola")
    said = chat.say("basura")
    assert "¿Qué pasó?" in said and NOTICE not in said  # a choice is not personal data
    said = chat.say("no pasó el camión")
    assert "¿Desde cuándo" in said and NOTICE not in said
    said = chat.say("ayer")
    assert NOTICE in said and FLOWS.privacy.notice_url in said and "¿Dónde?" not in said
    assert chat.state.awaiting == "notice" and chat.state.step == "location"
    said = chat.say("sí")
    assert "¿Dónde?" in said
    assert chat.events == [NoticeAnswered(VERSION, True)]
    assert chat.state.notice == VERSION and chat.state.awaiting is None


def test_an_accepted_notice_is_not_asked_again_in_later_reports_or_after_cancel_or_opt_out():
    chat = new_resident()
    chat.say("bache")
    chat.say("sí")
    chat.say("cancelar")
    assert chat.state.notice == VERSION
    assert NOTICE not in chat.say("bache")
    chat.say("baja")
    chat.say("alta")
    assert chat.state.notice == VERSION
    assert NOTICE not in chat.say("luminaria")
    assert NOTICE not in chat.say("apagada")


def test_a_new_notice_version_is_asked_once_again():
    chat = Chat(State(notice="2025-01"))
    assert NOTICE in chat.say("bache")
    chat.say("si")
    assert chat.state.notice == VERSION
    chat.say("Morelos 100")
    chat.say("omitir")
    chat.say("sí")
    assert any(isinstance(e, TicketOpened) for e in chat.events)
    assert NOTICE not in chat.say("bache")


def test_declining_files_nothing_and_the_next_report_asks_again():
    chat = new_resident()
    assert NOTICE in chat.say("hay un bache enorme en Morelos y 5 de Mayo")  # the place was in the first message
    said = chat.say("no acepto")
    assert "no guardamos nada" in said and chat.state == replace(State(lang="es"), updated_at=chat.state.updated_at)
    assert chat.events == [NoticeAnswered(VERSION, False)]
    assert NOTICE in chat.say("bache")


def test_a_place_given_in_the_first_message_is_kept_once_the_notice_is_accepted():
    chat = new_resident()
    chat.say("hay un bache enorme en Morelos y 5 de Mayo")
    said = chat.say("sí")
    assert "foto" in said and "¿Dónde" not in said
    assert chat.state.answers["location"]["address"]


def test_a_flow_without_personal_data_never_asks():
    chat = new_resident()
    assert NOTICE not in chat.say("horarios")
    assert chat.events == []


def test_on_sms_the_notice_comes_before_the_typed_address():
    chat = new_resident(channel="sms", carries=frozenset())
    said = chat.say("bache")
    assert NOTICE in said
    assert "Escribe calle y cruce" in chat.say("si")


def test_help_repeats_the_notice_and_back_leaves_it():
    chat = new_resident()
    chat.say("basura")
    chat.say("tiradero")
    assert NOTICE in chat.say("basura tirada en la esquina") or chat.state.awaiting == "notice"
    assert NOTICE in chat.say("ayuda")
    said = chat.say("atrás")
    assert "¿Qué pasó?" in said and chat.state.awaiting is None
    assert chat.state.notice is None


def test_three_answers_that_say_neither_go_back_to_the_menu_with_nothing_recorded():
    chat = new_resident()
    chat.say("bache")
    chat.say("mmm")
    chat.say("a ver")
    said = chat.say("luego")
    assert "¿En qué te ayudo?" in said and chat.events == [] and chat.state.awaiting is None


def test_a_step_marked_personal_asks_for_the_notice():
    text = SHIPPED.replace(
        "      - id: photo\n        kind: photo\n        optional: true",
        "      - id: name\n        kind: text\n        personal: true\n        prompt: {es: '¿Tu nombre?', en: 'Your name?'}\n"
        "      - id: photo\n        kind: photo\n        optional: true",
        1,
    )
    flows = load_flows_text(text, environ={})
    chat = Chat(flows=flows, state=State(notice=None), notice_accepted=False, channel="sms", carries=frozenset())
    chat.say("bache")
    chat.say("sí")
    assert "¿Tu nombre?" in chat.say("Morelos 100")
    assert [type(e) for e in chat.events] == [NoticeAnswered]


def test_without_a_privacy_section_nothing_is_asked():
    flows = load_flows_text(without_privacy(SHIPPED), environ={})
    assert flows.privacy is None
    chat = Chat(flows=flows, notice_accepted=False)
    assert "¿Dónde está el bache?" in chat.say("bache")


@pytest.mark.parametrize(
    ("command", "question", "answer", "right", "detail"),
    [
        ("borrar mis datos", "¿Confirmas?", "sí", "cancellation", ""),
        ("Corregir mis datos", "¿Qué dato está mal", "Mi calle es Hidalgo 12, no 21", "rectification", None),
        ("no usen mis datos", "¿Para qué no quieres", "no quiero que me manden encuestas", "opposition", None),
    ],
)
def test_an_arco_request_leaves_the_flow_asks_then_records_the_request_with_the_folio(
    command, question, answer, right, detail
):
    chat = Chat()
    chat.say("bache")
    assert question in chat.say(command)
    assert chat.state.flow is None and chat.state.awaiting == right
    assert chat.say(answer) == ""  # the app files it and answers with its due date
    expected = answer if detail is None else detail
    assert chat.events == [PrivacyRequested("2611-TEST01", right, expected, "es")]
    assert chat.state.awaiting is None


def test_an_unclear_confirmation_of_a_deletion_is_asked_again_and_a_command_leaves_it():
    chat = Chat()
    chat.say("borrar mis datos")
    assert "Responde *sí* o *no*" in chat.say("mmm")
    assert "¿En qué te ayudo?" in chat.say("menu")
    assert chat.events == [] and chat.state.awaiting is None


def test_a_rectification_without_words_is_asked_again():
    chat = Chat()
    chat.say("corregir mis datos")
    said = chat.say("", media=())
    assert "¿Qué dato está mal" in said and chat.events == []


def test_access_keeps_the_conversation_where_it_was():
    chat = Chat()
    chat.say("bache")
    before = chat.state
    assert chat.say("mis datos") == ""
    assert chat.events == [DataAccessRequested("es")]
    assert (chat.state.flow, chat.state.step) == (before.flow, before.step)
    assert "foto" in chat.say("Morelos 100")


def test_a_long_rectification_is_kept_up_to_its_limit_on_one_line():
    chat = Chat()
    chat.say("corregir mis datos")
    chat.say("a\nb " + "x" * 5000)
    (event,) = chat.events
    assert event.detail.startswith("a b x") and len(event.detail) == 2000


def errors_of(text: str) -> list[str]:
    with pytest.raises(FlowsInvalidError) as info:
        load_flows_text(text, "flows.yaml", {})
    return str(info.value).splitlines()


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ('"2026-12-12", "2027-03-25"', '"2026-12-12", "12/25/2027"', "12/25/2027", "is not a date like 2026-12-12"),
        ("    messages: 365d", "    messages: 12 months", "12 months", "must be a period such as 180d or 5y"),
        ("  answer_business_days: 20", "  answer_business_days: 0", "answer_business_days: 0", "must be at least 1"),
        ("  privacy_summary:\n", "  privacy_summary_typo:\n", '  version: "2026-11"', "privacy: messages must say"),
        ('  version: "2026-11"\n', "", "  notice_url:", "'version' is missing"),
    ],
)
def test_a_mistake_in_the_privacy_section_is_reported_with_its_line(old, new, needle, message):
    assert old in SHIPPED
    broken = SHIPPED.replace(old, new, 1)
    errors = [e for e in errors_of(broken) if message in e]
    assert errors, errors_of(broken)
    assert abs(int(errors[0].split(":")[1]) - line_of(broken, needle)) <= 1, errors[0]


def test_privacy_commands_without_a_privacy_section_are_an_error():
    start, end = SHIPPED.index("privacy:\n  version"), SHIPPED.index("departments:\n  obras_publicas")
    broken = SHIPPED[:start] + SHIPPED[end:]
    errors = errors_of(broken)
    assert any("command 'privacy_access' needs a `privacy:` section" in e for e in errors), errors
    line = int(next(e for e in errors if "privacy_access" in e).split(":")[1])
    assert line == line_of(broken, "  privacy_access:")


def test_the_notice_offers_accept_and_decline_buttons_and_a_tap_or_its_number_answers():
    chat = new_resident()
    said = chat.say("bache")
    assert said.endswith("\nSí, acepto\nNo acepto")
    assert "¿Dónde está el bache?" in chat.say(payload="accept")
    sms = new_resident(channel="sms", carries=frozenset())
    sms.say("bache")
    assert "Escribe calle y cruce" in sms.say("1")
    declining = new_resident()
    declining.say("bache")
    assert "no guardamos nada" in declining.say(payload="decline")
    assert [e.accepted for e in chat.events + sms.events + declining.events] == [True, True, False]
