"""Conversation transcripts: every shipped one passes, and a wrong one says where and what the bot said."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.channels import carries
from bot.flows import load_flows
from bot.flows.transcripts import (
    FOLIO,
    NOW,
    TranscriptsInvalidError,
    find_transcripts,
    load_transcripts,
    load_transcripts_text,
    run_files,
    run_transcript,
)

ROOT = Path(__file__).parent.parent.parent
FLOWS = load_flows(ROOT / "flows.yaml", environ={})
FILES = find_transcripts(ROOT / "flows.yaml")
SHIPPED = [pytest.param(t, id=f"{path.stem}: {t.name}") for path in FILES for t in load_transcripts(path)]


def run(text: str):
    (transcript,) = load_transcripts_text(text, "wrong.yaml")
    return run_transcript(FLOWS, transcript, NOW, carries=carries)


@pytest.mark.parametrize("transcript", SHIPPED)
def test_shipped_transcript_passes(transcript):
    failures = run_transcript(FLOWS, transcript, NOW, carries=carries)
    assert not failures, "\n".join(f.format() for f in failures)


def test_every_shipped_flow_has_transcripts():
    started = {t.values[0].name for t in SHIPPED}
    assert len(started) >= 40
    opened = {o.kind for p in SHIPPED for o in p.values[0].outcomes}
    assert opened == {"ticket", "survey", "handover", "none"}
    named = {path.stem for path in FILES}
    # A follow-up is started by the city, never by a first message: its conversations run through the webhook
    # in tests/conversation/test_followup.py.
    started_by_residents = {f for f, flow in FLOWS.flows.items() if flow.outcome.kind != "followup"}
    assert started_by_residents <= named, f"missing transcript files for {started_by_residents - named}"


def test_a_wrong_reply_reports_its_line_and_what_the_bot_said():
    failures = run("""\
- name: equivocado
  conversation:
    - resident: hola
      bot: Soy Ventanilla
    - resident: bache
      bot:
        - ¿Dónde está el bache?
        - ¿Cuál es tu colonia?
    - resident: Morelos 100
      bot: nunca llega aquí
""")
    (failure,) = failures  # the run stops at the first turn that differs
    assert (failure.source, failure.line, failure.transcript) == ("wrong.yaml", 8, "equivocado")
    assert failure.expected == '"¿Cuál es tu colonia?"'
    assert "¿Dónde está el bache? 📍 Comparte tu ubicación" in failure.actual
    assert failure.format().startswith(
        'wrong.yaml:8: transcript \'equivocado\': expected "¿Cuál es tu colonia?", bot said "¿Dónde está el bache?'
    )


def test_replies_are_rendered_with_numbered_options_and_matched_loosely():
    assert not run("""\
- name: menú
  conversation:
    - resident: hola
      bot: ["SOY VENTANILLA", "en que te ayudo", "3. Luminaria apagada", "Horarios y telefonos"]
""")
    (failure,) = run("- name: x\n  conversation:\n    - resident: hola\n      bot: 6. Pagar el predial\n")
    assert failure.line == 4 and "\\n\\n1. Reportar un bache\\n2. Recolección de basura" in failure.actual


def test_a_wrong_ticket_reports_the_ticket_line_and_what_was_opened():
    (failure,) = run("""\
- name: bache al área equivocada
  conversation:
    - resident: hay un bache en Morelos y Zaragoza
    - resident: omitir
    - resident: sí
      bot: folio 2611-TEST00
  ticket:
    department: servicios_publicos
    summary: Bache en Morelos y Zaragoza
""")
    assert failure.line == 7
    assert failure.expected.startswith('a ticket with department "servicios_publicos"')
    assert failure.actual == 'a ticket with department "obras_publicas"'


def test_no_ticket_at_all_is_reported():
    (failure,) = run("""\
- name: nunca confirma
  conversation:
    - resident: bache
  ticket: {category: bache}
""")
    assert failure.line == 4 and failure.actual.startswith("no ticket")


def test_no_outcome_fails_when_a_ticket_was_opened():
    (failure,) = run("""\
- name: sí abrió
  conversation:
    - resident: bache
    - resident: Morelos 1
    - resident: omitir
    - resident: si
  no_outcome: true
""")
    assert failure.line == 7 and "ticket opened: folio 2611-TEST00, flow pothole" in failure.actual


def test_survey_answers_by_id_or_as_shown_and_numbers_as_numbers():
    text = """\
- name: encuesta
  conversation:
    - resident: parque
    - resident: clouthier
    - resident: "5"
    - resident: ⭐⭐
    - resident: muy bien
    - resident: "no"
  survey: {park: %s, cleanliness: 5, safety: 2, lighting: 5, comment: null}
"""
    assert not run(text % "P001")
    assert not run(text % "Parque Clouthier")
    (failure,) = run(text % "P002")
    assert failure.line == 9 and '"park": "P001"' in failure.actual


def test_yes_and_no_stay_what_the_resident_typed():
    """YAML reads a bare `no` as false; a transcript means the word."""
    assert not run("""\
- name: no
  conversation:
    - resident: bache
    - resident: Morelos 1
    - resident: no
      bot: ¿Lo envío?
    - resident: no
      bot: no envié nada
  no_outcome: yes
""")


def test_numbers_and_dates_stay_text_too():
    (transcript,) = load_transcripts_text("- name: x\n  conversation:\n    - resident: 1\n    - resident: 2026-11-24\n")
    assert [e.message.text for e in transcript.exchanges] == ["1", "2026-11-24"]


def test_events_and_silence_are_checked_per_turn():
    (failure,) = run("""\
- name: estado
  conversation:
    - resident: estado 2611-ABC123
      events: [{StatusRequested: {folio: 2611-ZZZZZZ}}]
""")
    assert failure.line == 4 and "status requested for folio 2611-ABC123" in failure.actual
    (failure,) = run("- name: habla\n  conversation:\n    - resident: hola\n      silent: true\n")
    assert failure.line == 4 and failure.expected == "no reply" and "Soy Ventanilla" in failure.actual


def test_bot_not_catches_what_must_not_be_said():
    (failure,) = run("- name: x\n  conversation:\n    - resident: hola\n      bot_not: [Ventanilla]\n")
    assert failure.line == 4 and failure.expected == 'no "Ventanilla"'


def test_locations_photos_and_time_passing():
    assert not run(
        """\
- name: pin, foto y espera
  conversation:
    - resident: bache
    - resident: {location: {latitude: 25.1, longitude: -100.2}, label: Esquina}
    - resident: {photo: [https://example.mx/1.jpg, https://example.mx/2.jpg]}
      bot: Esquina
    - resident: si
      after_minutes: 5
  ticket:
    location: {latitude: 25.1, longitude: -100.2, label: Esquina}
    media: [{url: https://example.mx/1.jpg}, {url: https://example.mx/2.jpg}]
    folio: %s
"""
        % FOLIO
    )


def test_malformed_transcripts_are_reported_with_positions():
    with pytest.raises(TranscriptsInvalidError) as caught:
        load_transcripts_text(
            """\
- name: roto
  conversation:
    - bot: sin residente
    - resident: {location: [norte, sur]}
    - resident: hola
      bott: typo
  ticket: {departamento: obras}
- conversation: []
""",
            "roto.yaml",
        )
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("roto.yaml:3:7: transcript 'roto': each turn starts with 'resident:'")
    assert lines[1].startswith("roto.yaml:4:28: transcript 'roto': a location is [latitude, longitude]")
    assert lines[2].startswith("roto.yaml:6:7: unknown key 'bott'")
    assert lines[3].startswith("roto.yaml:7:12: transcript 'roto': a ticket has no field 'departamento'")
    assert any(line.startswith("roto.yaml:8:3: transcript #2 needs a name") for line in lines)
    with pytest.raises(TranscriptsInvalidError, match="not valid YAML"):
        load_transcripts_text("- name: [", "x.yaml")


def test_run_files_counts_and_keeps_going_past_a_broken_file(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("- name: x\n  conversation: hola\n", encoding="utf-8")
    report = run_files(FLOWS, [FILES[0], broken])
    assert report.transcripts == len(load_transcripts(FILES[0])) and report.failed == 0
    assert report.errors == [f"{broken}:2:3: transcript 'x': 'conversation' must be a list of turns (- resident: ...)"]
    assert not report.ok
