"""Mermaid flowcharts of the shipped flows: nodes, file-order, option, `end` and `when` edges."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.flows import load_flows, load_flows_text
from bot.flows.graph import escape, mermaid, shorten

ROOT = Path(__file__).parent.parent.parent
FLOWS = load_flows(ROOT / "flows.yaml", environ={})


def edges(chart: str) -> list[str]:
    return [line.strip() for line in chart.splitlines() if "-->" in line or "-.->" in line]


def test_pothole_is_a_straight_line_to_a_ticket_for_public_works():
    chart = mermaid(FLOWS.flows["pothole"])
    assert chart.startswith("flowchart TD\n")
    assert 'flow_start(("start"))' in chart
    assert 'step_location["location · location<br/>¿Dónde está el bache?' in chart
    assert 'step_photo["photo · photo<br/>' in chart
    assert 'flow_end(["end: ticket → obras_publicas #40;bache#41;"])' in chart
    assert edges(chart) == [
        "flow_start --> step_location",
        "step_location --> step_photo",
        "step_photo --> step_confirm",
        "step_confirm --> flow_end",
    ]


def test_trash_shows_the_condition_and_the_dashed_skip():
    chart = mermaid(FLOWS.flows["trash"])
    assert "step_problem -->|when problem == #quot;missed_collection#quot;| step_missed_since" in edges(chart)
    assert "step_problem -.->|skip| step_location" in edges(chart)
    assert "step_missed_since --> step_location" in edges(chart)
    assert "end: ticket → servicios_publicos" in chart


def test_city_info_has_an_edge_per_option_and_next_end_edges():
    chart = mermaid(FLOWS.flows["city_info"])
    assert "step_topic -->|hours| step_hours" in edges(chart)
    assert "step_topic -->|emergencies| step_emergencies" in edges(chart)
    # `next: end` on both messages: neither falls through to the other
    assert "step_hours --> flow_end" in edges(chart)
    assert "step_emergencies --> flow_end" in edges(chart)
    assert "step_hours --> step_emergencies" not in edges(chart)
    assert "step_topic --> step_hours" not in edges(chart)
    assert 'flow_end(["end: info"])' in chart


def test_survey_ends_in_a_survey_and_prompts_can_be_shown_in_english():
    chart = mermaid(FLOWS.flows["park_evaluation"], "en")
    assert 'flow_end(["end: survey"])' in chart
    assert "Which park would you like to rate?" in chart
    assert "step_comment --> flow_end" in edges(chart)


@pytest.mark.parametrize("flow_id", list(FLOWS.flows))
def test_every_node_an_edge_names_is_declared(flow_id):
    chart = mermaid(FLOWS.flows[flow_id])
    declared = set(re.findall(r"^\s+(\w+)[\[\(]", chart, re.M))
    for edge in edges(chart):
        source, target = re.match(r"(\w+) -\.?->(?:\|[^|]*\|)? (\w+)$", edge).groups()
        assert {source, target} <= declared, edge


def test_labels_escape_what_mermaid_reads_as_syntax():
    assert (
        escape('a "b" [c] | {d} <e> (f) #g') == "a #quot;b#quot; #91;c#93; #124; #123;d#125; #lt;e#gt; #40;f#41; #35;g"
    )
    assert (
        shorten("línea uno muy larga que sigue y sigue sin parar nunca\nlínea dos")
        == "línea uno muy larga que sigue y sigue s…"
    )
    assert shorten("corta\notra") == "corta"


def test_odd_ids_option_labels_and_chained_conditions_stay_valid():
    text = (ROOT / "flows.yaml").read_text(encoding="utf-8")
    odd = """
  odd:
    title: {es: Raro, en: Odd}
    outcome: {kind: info}
    done: {es: Fin, en: End}
    steps:
      - id: pick_one
        kind: choice
        prompt: {es: "Elige [uno] | \\"dos\\"", en: Pick}
        options:
          - {id: "a|b", label: {es: A, en: A}, next: last}
          - {id: quit, label: {es: Salir, en: Quit}, next: end}
          - {id: other, label: {es: Otro, en: Other}}
      - id: middle
        kind: yes_no
        when: pick_one == "other"
        prompt: {es: "¿Seguro?", en: "Sure?"}
      - id: last
        kind: text
        when: middle == true
        prompt: {es: Dime, en: Tell}
"""
    text = text.replace("\n  city_info:\n", odd + "\n  city_info:\n")
    text = re.sub(r"^(  flows: \[.*)\]$", r"\1, odd]", text, count=1, flags=re.M)  # offered in the menu
    flows = load_flows_text(text, "odd.yaml", {}, ROOT)
    chart = mermaid(flows.flows["odd"])
    assert 'step_pick_one["pick_one · choice<br/>Elige #91;uno#93; #124; #quot;dos#quot;"]' in chart
    assert "step_pick_one -->|a#124;b · when middle == true| step_last" in edges(chart)
    assert "step_pick_one -->|quit| flow_end" in edges(chart)
    assert "step_pick_one -->|other · when pick_one == #quot;other#quot;| step_middle" in edges(chart)
    assert "step_pick_one -.->|other · skip · when middle == true| step_last" in edges(chart)
    assert "step_pick_one -.->|other · skip| flow_end" in edges(chart)
    assert "step_middle -.->|skip| flow_end" in edges(chart)
