"""flows.yaml's election calendar, exempt flows and campaign templates: loaded, and their mistakes reported as
`flows.yaml:LINE:COL: message` (what `ventanilla flows check` prints)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.flows.loader import FlowsInvalidError, load_flows_text
from tests.support.app import ROOT

SHIPPED = (ROOT / "flows.yaml").read_text()


def loaded(text: str):
    return load_flows_text(text, "flows.yaml", {}, ROOT)


def errors_of(text: str) -> list[str]:
    with pytest.raises(FlowsInvalidError) as info:
        loaded(text)
    return str(info.value).splitlines()


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_shipped_calendar_and_templates_load():
    flows = loaded(SHIPPED)
    (election,) = flows.elections
    assert (election.name, election.start, election.end) == (
        "Proceso electoral 2027",
        date(2027, 4, 4),
        date(2027, 6, 6),
    )
    assert flows.election_on(date(2027, 4, 4)) == election and flows.election_on(date(2027, 6, 6)) == election
    assert flows.election_on(date(2027, 6, 7)) is None and flows.election_on(date(2027, 4, 3)) is None
    assert flows.campaign_templates() == ("survey_invitation",)
    assert all(f.exempt is None for f in flows.flows.values())


def test_unquoted_dates_and_an_exempt_flow_load():
    text = SHIPPED.replace('from: "2027-04-04"', "from: 2027-04-04").replace(
        "    outcome:\n      kind: survey", "    exempt: health\n    outcome:\n      kind: survey"
    )
    flows = loaded(text)
    assert flows.elections[0].start == date(2027, 4, 4) and flows.flows["park_evaluation"].exempt == "health"


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ('to: "2027-06-06"', 'to: "2027-03-01"', 'to: "2027-03-01"', "election 'Proceso electoral 2027': to (2027-03-01) is before from (2027-04-04)"),
        ('from: "2027-04-04"', 'from: "4 de abril"', 'from: "4 de abril"', "election 'Proceso electoral 2027': from must be a date like 2027-06-06"),
        ("    outcome:\n      kind: survey", "    exempt: elecciones\n    outcome:\n      kind: survey", "exempt: elecciones", "flow 'park_evaluation': exempt must be one of health, education, civil_protection"),
        ("  survey_invitation:\n    campaign: true", "  encuesta:\n    campaign: true", "  encuesta:", "template 'encuesta' is a campaign's invitation: messages must have 'encuesta'"),
        ("  surveys_opted_in:\n", "  surveys_said_yes:\n", "  surveys_opt_in:", "command 'surveys_opt_in' needs the message 'surveys_opted_in' (its answer)"),
    ],
)  # fmt: skip
def test_mistakes_are_reported_with_their_line(old, new, needle, message):
    text = SHIPPED.replace(old, new, 1)
    assert text != SHIPPED
    found = errors_of(text)
    line = line_of(text, needle)
    assert any(e.startswith(f"flows.yaml:{line}:") and message in e for e in found), found
