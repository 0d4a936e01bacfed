"""A privacy officer's decisions on ARCO requests: fulfil (a cancellation queues the erasure, a rectification may
correct the name), reject on a legal ground, extend once within the period; each tells the resident on their
channel and is a privacy audit event; a closed request takes no second decision."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from bot.db.database import transaction
from bot.db.tables import Outbox
from bot.privacy.calendar import add_business_days
from bot.privacy.decisions import (
    ERASE_KIND,
    MAX_RESPONSE,
    DecisionError,
    RequestClosedError,
    extend,
    find_request,
    fulfil,
    reject,
)
from bot.privacy.requests import shown_date
from tests.support.arco_requests import city_today, events_of, messages_to, outbox_rows, seed_request, stored
from tests.support.chat import FLOWS

OFFICER = "dpo@sanpedro.gob.mx"


def decide(app, folio: str, action, *args, flows=None, **kwargs):
    """Run one decision in its own transaction, as the dashboard does; return what it decided."""
    svc = app.extensions["ventanilla"]
    with transaction(svc.engine, immediate=True) as db:
        request = find_request(db, folio, for_update=True)
        decision = action(db, flows or svc.flows, request, OFFICER, *args, **kwargs)
        return decision.told, decision.message.id if decision.message else None


def sends_of(app, message_id: int) -> list[Outbox]:
    return [row for row in outbox_rows(app, "send_messages") if row.payload["message_ids"] == [message_id]]


# Fulfil


def test_fulfilling_a_rectification_corrects_the_name_tells_the_resident_and_is_audited(app):
    folio = seed_request(app, "rectification", detail="mi nombre es Guadalupe, no Lupita")
    told, message_id = decide(app, folio, fulfil, "Corregimos tu nombre.", name="  Guadalupe Treviño ")
    request, contact = stored(app, folio)
    assert (request.status, request.response, contact.name) == (
        "fulfilled",
        "Corregimos tu nombre.",
        "Guadalupe Treviño",
    )
    assert request.closed_at is not None and told
    [message] = messages_to(app, folio)
    assert message.id == message_id and message.status == "queued" and message.channel == "whatsapp"
    assert message.text == f"✅ Tu solicitud de rectificación (folio *{folio}*) quedó atendida. Corregimos tu nombre."
    assert message.data["kind"] == "privacy_request_update" and len(sends_of(app, message_id)) == 1
    [event] = events_of(app, folio)
    assert (event.kind, event.actor, event.contact_id) == ("request_fulfilled", OFFICER, contact.id)
    assert event.detail == {"right": "rectification", "told": True, "name_corrected": True}
    assert "Guadalupe" not in str(event.detail)  # the trail outlives the data: no name in it


def test_fulfilling_a_cancellation_queues_the_erasure_which_sends_the_message_first(app):
    folio = seed_request(app, "cancellation")
    told, message_id = decide(app, folio, fulfil, "Borraremos tus datos personales.")
    request, contact = stored(app, folio)
    [erase] = outbox_rows(app, ERASE_KIND)
    assert erase.payload == {"contact_id": contact.id, "request_id": request.id, "message_ids": [message_id]}
    assert sends_of(app, message_id) == []  # sent by the erasure job, before it erases: never twice, never after
    assert told and messages_to(app, folio)[0].text.startswith("✅ Tu solicitud de cancelación")
    assert events_of(app, folio)[0].detail == {
        "right": "cancellation",
        "told": True,
        "name_corrected": False,
        "erase_outbox_id": erase.id,
    }
    assert contact.name == "Lupita Treviño"  # the erasure is the job's (bot/jobs/privacy_jobs.py), after commit


def test_a_cancellation_of_a_resident_who_cannot_be_told_is_erased_all_the_same(app):
    folio = seed_request(app, "cancellation", opted_out=True)
    told, message_id = decide(app, folio, fulfil, "Borraremos tus datos.")
    [erase] = outbox_rows(app, ERASE_KIND)
    assert (told, message_id, erase.payload["message_ids"]) == (False, None, [])
    assert events_of(app, folio)[0].detail["told"] is False


def test_fulfilling_an_opposition_changes_nothing_but_the_record(app):
    folio = seed_request(app, "opposition", detail="no quiero encuestas")
    decide(app, folio, fulfil, "Ya no te enviaremos encuestas.")
    request, contact = stored(app, folio)
    assert request.status == "fulfilled" and contact.name == "Lupita Treviño" and contact.anonymised_at is None
    assert outbox_rows(app, ERASE_KIND) == []
    assert "oposición" in messages_to(app, folio)[0].text


@pytest.mark.parametrize(
    "right, response, name, problem",
    [
        ("rectification", "   ", None, "write what the resident is told"),
        ("rectification", "x" * (MAX_RESPONSE + 1), None, "at most 1000 characters"),
        ("cancellation", "Listo.", "Otro Nombre", "only a rectification corrects the contact's name"),
        ("rectification", "Listo.", "N" * 121, "a name has at most 120 characters"),
    ],
)
def test_a_bad_fulfilment_is_refused_and_changes_nothing(app, right, response, name, problem):
    folio = seed_request(app, right)
    with pytest.raises(DecisionError, match=problem):
        decide(app, folio, fulfil, response, name=name)
    request, contact = stored(app, folio)
    assert (request.status, contact.name) == ("open", "Lupita Treviño")
    assert messages_to(app, folio) == [] and events_of(app, folio) == [] and outbox_rows(app) == []


def test_the_response_loses_control_characters(app):
    folio = seed_request(app, "opposition")
    decide(app, folio, fulfil, "Listo\x00 ya\x1b quedó.\n")
    assert stored(app, folio)[0].response == "Listo ya quedó."


# Reject


def test_rejecting_gives_the_legal_reason_in_the_residents_words(app):
    folio = seed_request(app, "cancellation")
    told, _ = decide(app, folio, reject, "legal_obligation", "Los reportes abiertos se conservan por ley.")
    request, contact = stored(app, folio)
    reason = FLOWS.message("privacy_reason_legal_obligation", "es")
    assert request.status == "rejected" and told
    assert request.response == f"{reason}. Los reportes abiertos se conservan por ley."
    assert messages_to(app, folio)[0].text == (
        f"Tu solicitud de cancelación (folio *{folio}*) no procede: {request.response}"
    )
    assert outbox_rows(app, ERASE_KIND) == [] and contact.anonymised_at is None
    [event] = events_of(app, folio)
    assert (event.kind, event.detail) == (
        "request_rejected",
        {"right": "cancellation", "reason": "legal_obligation", "told": True},
    )


def test_a_rejection_in_english_reads_in_english(app):
    folio = seed_request(app, "rectification", lang="en")
    decide(app, folio, reject, "identity")
    assert messages_to(app, folio)[0].text == (
        f"Your request for rectification (folio *{folio}*) was refused: "
        "the identity of the data subject or their representative was not proven."
    )


@pytest.mark.parametrize("reason", ["", "because", "identity "])
def test_a_rejection_needs_a_listed_legal_reason(app, reason):
    folio = seed_request(app)
    with pytest.raises(DecisionError, match="choose the legal reason"):
        decide(app, folio, reject, reason, "algo")
    assert stored(app, folio)[0].status == "open" and events_of(app, folio) == []


# Extend


def test_extending_moves_the_due_date_once_by_the_extension_days(app):
    due = city_today(app) + timedelta(days=3)
    folio = seed_request(app, "rectification", due_on=due)
    privacy = app.extensions["ventanilla"].flows.privacy
    told, _ = decide(app, folio, extend, "Revisamos tus reportes en archivo.", city_today(app))
    request, _ = stored(app, folio)
    new_due = add_business_days(due, privacy.extension_days, privacy)
    assert (request.status, request.extended, request.due_on, told) == ("open", True, new_due, True)
    assert messages_to(app, folio)[0].text == (
        f"Tu solicitud de rectificación (folio *{folio}*) necesita más tiempo: te respondemos a más tardar el "
        f"{shown_date(new_due)}. Revisamos tus reportes en archivo."
    )
    [event] = events_of(app, folio)
    assert (event.kind, event.detail) == (
        "request_extended",
        {"right": "rectification", "due_on_was": due.isoformat(), "due_on": new_due.isoformat(), "told": True},
    )
    with pytest.raises(DecisionError, match="the one extension the law allows was used already"):
        decide(app, folio, extend, "Otra vez.", city_today(app))
    assert stored(app, folio)[0].due_on == new_due and len(events_of(app, folio)) == 1


def test_no_extension_when_flows_yaml_allows_none(app):
    folio = seed_request(app)
    flows = app.extensions["ventanilla"].flows
    none_allowed = dataclasses.replace(flows, privacy=dataclasses.replace(flows.privacy, extension_days=0))
    with pytest.raises(DecisionError, match="allows no extension"):
        decide(app, folio, extend, "Más tiempo.", city_today(app), flows=none_allowed)
    assert stored(app, folio)[0].extended is False


def test_an_extension_is_told_within_the_period_or_not_at_all(app):
    today = city_today(app)
    folio = seed_request(app, due_on=today - timedelta(days=1))
    with pytest.raises(DecisionError, match="the answer period ended"):
        decide(app, folio, extend, "Más tiempo.", today)
    on_the_last_day = seed_request(app, due_on=today)
    decide(app, on_the_last_day, extend, "Más tiempo.", today)
    assert stored(app, on_the_last_day)[0].extended


def test_an_extension_needs_its_reasons(app):
    folio = seed_request(app)
    with pytest.raises(DecisionError, match="why it needs more time"):
        decide(app, folio, extend, "", city_today(app))


# Closed requests, telling outside WhatsApp's window


@pytest.mark.parametrize("status", ["fulfilled", "rejected"])
def test_a_closed_request_takes_no_second_decision(app, status):
    folio = seed_request(app, "cancellation", status=status)
    for action, args in (
        (fulfil, ("Otra vez.",)),
        (reject, ("identity",)),
        (extend, ("Más tiempo.", city_today(app))),
    ):
        with pytest.raises(RequestClosedError, match=f"is {status} already"):
            decide(app, folio, action, *args)
    assert messages_to(app, folio) == [] and events_of(app, folio) == [] and outbox_rows(app) == []


def test_outside_whatsapps_window_the_approved_template_carries_the_news(app):
    folio = seed_request(app, "opposition", last_wrote=datetime.now(UTC) - timedelta(days=3))
    told, _ = decide(app, folio, reject, "not_held")
    [message] = messages_to(app, folio)
    assert told and message.status == "queued"
    assert message.data["template"] == {
        "twilio": "HX00000000000000000000000000000004",
        "variables": [folio, "no procede"],
    }


def test_an_sms_resident_is_told_by_sms(app):
    folio = seed_request(app, "rectification", channel="sms")
    decide(app, folio, fulfil, "Listo.")
    assert messages_to(app, folio)[0].channel == "sms"


def test_find_request_reads_by_folio(app):
    folio = seed_request(app)
    with transaction(app.extensions["ventanilla"].engine) as db:
        assert find_request(db, folio).folio == folio
        assert find_request(db, "2611-NOSUCH") is None
