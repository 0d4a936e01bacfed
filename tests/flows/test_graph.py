"""Mermaid flowcharts of the shipped flows: nodes, file-order, option, `end` and `when` edges, clean text,
full prompts on hover and in the printable legend, optional steps and the department at the end.

No Mermaid parser runs here (none ships with the project; it would need Node and Mermaid's npm package), so
`assert_valid_mermaid` holds every line to the few statement shapes the module writes, which Mermaid 11 renders.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.flows import load_flows, load_flows_text
from bot.flows.graph import escape, markdown, mermaid, shorten
from bot.flows.plaintext import plain

ROOT = Path(__file__).parent.parent.parent
FLOWS = load_flows(ROOT / "flows.yaml", environ={})


def edges(chart: str) -> list[str]:
    return [line.strip() for line in chart.splitlines() if "-->" in line or "-.->" in line]


NODE_ID = r"[A-Za-z0-9_]+"
LABEL = r'[^"]*'  # inside a quoted label: anything but a double quote (written as #quot;)
STATEMENTS = [
    re.compile(rf'{NODE_ID}\(\("{LABEL}"\)\)'),  # start: a circle
    re.compile(rf'{NODE_ID}\["{LABEL}"\]'),  # a step: a box
    re.compile(rf'{NODE_ID}\(\["{LABEL}"\]\)'),  # the end: a stadium
    re.compile(rf"{NODE_ID} -\.?->(?:\|[^|\"]+\|)? {NODE_ID}"),  # an edge, its label free of pipes and quotes
    re.compile(r"classDef optional stroke-dasharray: 5 5"),
    re.compile(rf"class {NODE_ID}(?:,{NODE_ID})* optional"),
    re.compile(rf'click {NODE_ID} showPrompt "{LABEL}"'),  # a tooltip: the prompt in full
]


def assert_valid_mermaid(chart: str) -> None:
    """Every line one statement Mermaid reads; every node an edge, class or click names is declared."""
    lines = chart.splitlines()
    assert lines[0] == "flowchart TD" and chart.endswith("\n")
    declared = set(re.findall(rf"^    ({NODE_ID})[\[\(]", chart, re.M))
    for line in lines[1:]:
        assert line.startswith("    ") and not line.startswith("     "), line
        assert any(s.fullmatch(line[4:]) for s in STATEMENTS), f"not a statement the chart may hold: {line}"
        if line.lstrip().startswith("classDef"):
            continue
        named = re.findall(rf"(?<![\w#]){NODE_ID}(?=(?: -|\[|\(|$| showPrompt|,| optional))", line.split('"')[0])
        assert set(named) - {"click", "class", "optional", "showPrompt"} <= declared, line
    shown = re.findall(r'"([^"]*)"', chart) + re.findall(r"\|([^|]*)\|", chart)
    assert not [text for text in shown if "*" in text or "`" in text], "WhatsApp formatting reached a label"


def test_pothole_is_a_straight_line_to_a_ticket_for_public_works():
    chart = mermaid(FLOWS.flows["pothole"], flows=FLOWS)
    assert chart.startswith("flowchart TD\n")
    assert 'flow_start(("start"))' in chart
    assert 'step_location["location · location<br/>¿Dónde está el bache?' in chart
    assert 'step_photo["photo · photo · optional<br/>' in chart
    assert 'flow_end(["end: ticket → Obras Públicas #40;obras_publicas#41;<br/>category bache"])' in chart
    assert edges(chart) == [
        "flow_start --> step_location",
        "step_location --> step_photo",
        "step_photo --> step_confirm",
        "step_confirm --> flow_end",
    ]


def test_without_the_flows_the_end_names_the_department_by_its_id():
    chart = mermaid(FLOWS.flows["pothole"])
    assert 'flow_end(["end: ticket → obras_publicas<br/>category bache"])' in chart


def test_optional_steps_have_a_dashed_border_and_say_so():
    chart = mermaid(FLOWS.flows["park_evaluation"], flows=FLOWS)
    assert 'step_comment["comment · text · optional<br/>' in chart
    assert "    classDef optional stroke-dasharray: 5 5\n    class step_comment optional\n" in chart
    assert "step_cleanliness · rating · optional" not in chart
    assert "classDef" not in mermaid(FLOWS.flows["city_info"], flows=FLOWS)  # no optional step, no class


def test_a_survey_ends_at_the_department_that_reads_its_results():
    chart = mermaid(FLOWS.flows["park_evaluation"], flows=FLOWS)
    assert 'flow_end(["end: survey → Parques y Jardines #40;parques#41;"])' in chart
    assert 'flow_end(["end: info"])' in mermaid(FLOWS.flows["city_info"], flows=FLOWS)


def test_the_end_lists_the_zones_that_send_the_tickets_elsewhere():
    text = (ROOT / "flows.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "\nmenu:\n",
        """
  obras_norte:
    name: Obras Públicas, cuadrilla Norte
    delivery: {kind: dashboard}

zones:
  norte:
    colonias: [Anáhuac]
    departments: {obras_publicas: obras_norte}

menu:
""",
        1,
    )
    flows = load_flows_text(text, "zones.yaml", {}, ROOT)
    chart = mermaid(flows.flows["pothole"], flows=flows)
    assert "<br/>in norte: → Obras Públicas, cuadrilla Norte #40;obras_norte#41;" in chart
    assert "in norte" not in mermaid(flows.flows["trash"], flows=flows)  # trash goes to servicios_publicos


def test_labels_are_plain_text_and_tooltips_hold_the_whole_prompt():
    chart = mermaid(FLOWS.flows["park_evaluation"], "es", FLOWS)
    assert "*" not in chart
    assert "¿qué tan limpio está #123;park#125;" in chart  # "*limpio*" in flows.yaml
    assert 'click step_comment showPrompt "¿Algún comentario? ✍️ #40;o escribe omitir#41;"' not in chart
    assert 'click step_comment showPrompt "¿Algún comentario? ✍️ (o escribe omitir)"' in chart
    location = mermaid(FLOWS.flows["pothole"], "en", FLOWS)
    assert (
        'click step_location showPrompt "Where is the pothole? 📍 Share your location or type the street and cross'
        ' street."' in location
    )
    assert "step_location showPrompt" in location and "Share your location or type…" not in location.split("click")[1]


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
    assert 'flow_end(["end: survey → parques"])' in chart
    assert "Which park would you like to rate?" in chart
    assert "step_comment --> flow_end" in edges(chart)


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("flow_id", list(FLOWS.flows))
def test_every_shipped_chart_holds_only_statements_mermaid_reads(flow_id, lang):
    chart = mermaid(FLOWS.flows[flow_id], lang, FLOWS)
    assert_valid_mermaid(chart)
    tooltips = re.findall(r'^    click \w+ showPrompt "', chart, re.M)
    assert len(tooltips) == sum(1 for step in FLOWS.flows[flow_id].steps if step.prompt.by_lang)


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


def test_plain_takes_off_whatsapp_formatting_and_leaves_the_rest():
    assert plain("¿qué tan *limpio* está?") == "¿qué tan limpio está?"
    assert plain("escribe _omitir_ o ~nada~ o ```menu``` o `ayuda`") == "escribe omitir o nada o menu o ayuda"
    assert plain("*_muy_ importante*") == "muy importante"
    assert plain("snake_case_id, 2*3*4, a * b * c, ** y __") == "snake_case_id, 2*3*4, a * b * c, ** y __"
    assert plain("*sin cerrar y _tampoco") == "*sin cerrar y _tampoco"


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


def test_markdown_is_the_chart_with_a_legend_of_every_prompt_in_full():
    flow = FLOWS.flows["park_evaluation"]
    page = markdown(flow, "es", FLOWS)
    assert page.startswith("# Evaluar un parque (`park_evaluation`)\n\n```mermaid\nflowchart TD\n")
    block = page.split("```mermaid\n", 1)[1].split("\n```\n", 1)[0] + "\n"
    assert block == mermaid(flow, "es", FLOWS)
    assert "5. **`comment`** · text · optional\n" in page
    assert "   - es: Del 1 al 5, ¿qué tan limpio está {park}? 🧹\n" in page  # whole, plain, every language
    assert "   - en: From 1 to 5, how clean is {park}? 🧹\n" in page
    assert "- end: survey → Parques y Jardines (parques)\n" in page
    assert "*" not in page.replace("**`", "").replace("`**", "")
    listed = re.search(r"   - options: (.*)\n", page).group(1)
    assert listed.startswith("Parque Clouthier; ") and re.search(r"; … and \d+ more$", listed)


def test_markdown_names_each_options_next_step_and_escapes_what_markdown_reads():
    page = markdown(FLOWS.flows["city_info"], "en", FLOWS)
    assert "   - options: Office hours → `hours`; Emergencies → `emergencies`\n" in page
    assert "   - en: 🚨 In an emergency call 911. This chat does not handle emergencies.\n" in page
    assert "2. **`hours`** · message\n" in page
    page = markdown(FLOWS.flows["trash"], "es", FLOWS)
    assert "· choice\n" in page and 'when problem == "missed\\_collection"' not in page
    assert re.search(r"\d\. \*\*`missed_since`\*\* · date · when problem == \"missed_collection\"\n", page)
