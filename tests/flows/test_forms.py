"""A report filed in one go (Open311's form) is read by the flow's own steps, walked as a conversation walks it."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.flows.events import TicketOpened
from bot.flows.forms import Form, FormRefused, file_form
from bot.flows.loader import load_flows
from tests.support.app import ROOT

FLOWS = load_flows(ROOT / "flows.yaml")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def filed(flow: str, form: Form):
    return file_form(FLOWS, FLOWS.flows[flow], form, channel="open311", lang="es", now=NOW, folio="2611-TEST01")


def test_a_step_whose_condition_fails_is_not_asked_and_options_are_read_by_their_words():
    event = filed("trash", Form({"problem": "tiraron escombro"}, address="Hidalgo 120"))
    assert isinstance(event, TicketOpened) and event.answers["problem"] == "illegal_dumping"
    assert "missed_since" not in event.answers  # asked only for a missed collection
    assert event.location == {"address": "Hidalgo 120"} and event.department == "servicios_publicos"
    missed = filed("trash", Form({"problem": "missed_collection"}, address="Hidalgo 120"))
    assert missed == FormRefused("missed_since", "attribute[missed_since] is required")
    dated = filed("trash", Form({"problem": "missed_collection", "missed_since": "ayer"}, address="Hidalgo 120"))
    assert dated.answers["missed_since"] == "2026-11-29"  # the engine's own reading of "ayer"


def test_a_survey_files_nothing_and_a_date_in_the_future_is_refused():
    assert filed("park_evaluation", Form()) == FormRefused("service_code", "park_evaluation files no report")
    future = filed("trash", Form({"problem": "missed_collection", "missed_since": "2027-01-05"}, address="Hidalgo 1"))
    assert future == FormRefused("missed_since", "attribute[missed_since] is not a valid date")


def test_the_summary_and_media_are_the_chats():
    event = filed("pothole", Form(latitude=25.67, longitude=-100.31, media=("https://f.example.org/a.jpg",)))
    assert event.summary.startswith("Bache en") and event.answers["confirm"] is True
    assert event.media == ({"url": "https://f.example.org/a.jpg", "content_type": "image/*"},)
    assert event.location == {"latitude": 25.67, "longitude": -100.31}
