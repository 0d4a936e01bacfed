"""The follow-up flow in the pure engine: the city starts it about a ticket, the resident's words end it."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.flows import InboundMessage, advance, load_flows
from bot.flows.engine import start_followup
from bot.flows.events import FollowupAnswered
from bot.flows.loader import FlowsInvalidError, load_flows_text

ROOT = Path(__file__).parent.parent.parent
FLOWS = load_flows(ROOT / "flows.yaml", environ={})
NOW = datetime(2026, 11, 26, 12, tzinfo=ZoneInfo("America/Monterrey"))
ABOUT = {"folio": "2611-7K3M9Q", "summary": "Bache en Morelos y 5 de Mayo"}


def conversation(*texts: str, lang: str = "es", after: timedelta = timedelta(hours=5)):
    """The city asks; the resident answers `after` later with each text. Returns every reply and the last turn."""
    turn = start_followup(FLOWS, lang, ABOUT, NOW)
    replies = [r.text for r in turn.replies]
    for text in texts:
        msg = InboundMessage(channel="whatsapp", sender="+5218112345678", provider="twilio", text=text)
        turn = advance(FLOWS, turn.state, msg, NOW + after, "2611-NEW001")
        replies += [r.text for r in turn.replies]
    return replies, turn


def test_the_question_names_the_ticket_and_the_state_remembers_it():
    replies, turn = conversation()
    assert replies == [
        "👋 Hola, te escribe el municipio. Marcamos como atendido tu reporte *2611-7K3M9Q* (Bache en Morelos y 5 de "
        "Mayo). ¿De verdad quedó resuelto? (sí / no)"
    ]
    assert (turn.state.flow, turn.state.step, turn.state.about) == ("ticket_followup", "fixed", ABOUT)
    english, _ = conversation(lang="en")
    assert english[0].startswith("👋 Hi, this is the city. We marked your report *2611-7K3M9Q*")


def test_yes_then_a_rating_ends_it_with_both():
    replies, turn = conversation("sí ya quedó", "⭐⭐⭐⭐")
    assert "Del 1 al 5" in replies[1] and "Gracias por tu respuesta" in replies[2]
    (event,) = turn.events
    assert event == FollowupAnswered(
        "2611-7K3M9Q", "ticket_followup", "es", True, 4, "⭐⭐⭐⭐", {"fixed": True, "satisfaction": 4}
    )
    assert turn.state.flow is None and turn.state.about == {}  # over: the next message starts afresh


def test_no_ends_it_at_once_with_the_residents_words():
    replies, turn = conversation("no, sigue el bache")
    (event,) = turn.events
    assert (event.fixed, event.rating, event.words) == (False, None, "no, sigue el bache")
    assert len(replies) == 2  # the question, then thanks: no rating asked of a report that is not fixed


def test_the_question_waits_days_not_the_usual_two_hours():
    _, turn = conversation("sí", after=timedelta(days=2))
    assert turn.state.step == "satisfaction"
    replies, turn = conversation("sí", after=timedelta(days=4))
    assert "Pasó un buen rato" in replies[1] and turn.state.about == {}


def test_a_greeting_repeats_the_question_and_a_new_report_is_not_held_by_it():
    replies, turn = conversation("hola")
    assert replies[1] == replies[0] and turn.state.step == "fixed"
    replies, turn = conversation("hay otro bache en la esquina")
    assert turn.state.flow == "pothole" and turn.state.about == {}
    assert "2611-7K3M9Q" not in " ".join(replies[1:])  # the new report's texts are not about the old folio


def test_a_follow_up_is_not_in_the_menu_and_needs_a_yes_no_step():
    offered = SHIPPED_TEXT.replace(
        "  flows: [pothole, trash, streetlight, park_evaluation, city_info]",
        "  flows: [pothole, trash, streetlight, park_evaluation, city_info, ticket_followup]",
    )
    with pytest.raises(FlowsInvalidError, match="a follow-up: the city starts it"):
        load_flows_text(offered, environ={}, base_dir=ROOT)
    without = SHIPPED_TEXT.replace("      - id: fixed\n        kind: yes_no", "      - id: fixed\n        kind: text")
    without = without.replace("when: fixed == true", "when: fixed != null")
    with pytest.raises(FlowsInvalidError, match="a follow-up needs a yes_no step"):
        load_flows_text(without, environ={}, base_dir=ROOT)


SHIPPED_TEXT = (ROOT / "flows.yaml").read_text()
