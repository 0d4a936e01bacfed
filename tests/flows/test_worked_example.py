"""docs/flows.md's worked example, a public-transport route survey (docs/examples/route_survey/), done as the
doc says: its department and flow pasted into the shipped flows.yaml, `route_survey` added at the end of the
menu, rutas.csv beside it. Then the doc's commands: `flows check --strict` finds nothing, `flows test` passes
its transcripts, `flows graph` draws it; a resident's answers reach the survey page. So the doc cannot rot."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from bot.flows import load_flows

ROOT = Path(__file__).parent.parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "route_survey"
DOC = (ROOT / "docs" / "flows.md").read_text(encoding="utf-8")


def part(text: str, key: str) -> str:
    """The lines under one top-level key of the example (`departments:` or `flows:`), as they are pasted."""
    lines = text.split(f"\n{key}:\n", 1)[1].splitlines(keepends=True)
    taken = []
    for line in lines:
        if line.strip() and not line.startswith(" "):
            break
        taken.append(line)
    return "".join(taken).rstrip("\n") + "\n"


@pytest.fixture
def city(tmp_path) -> Path:
    """The shipped flows.yaml with the example pasted in, as a volunteer would, and rutas.csv beside it."""
    example = (EXAMPLE / "route_survey.yaml").read_text(encoding="utf-8")
    text = (ROOT / "flows.yaml").read_text(encoding="utf-8")
    text = text.replace("\nmenu:\n", part(example, "departments") + "\nmenu:\n", 1)
    text, added = re.subn(r"^(  flows: \[.*)\]$", r"\1, route_survey]", text, count=1, flags=re.M)
    assert added == 1
    text = text.rstrip("\n") + "\n\n" + part(example, "flows")
    (tmp_path / "flows.yaml").write_text(text, encoding="utf-8")
    for name in ("parks.csv",):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copy(EXAMPLE / "rutas.csv", tmp_path / "rutas.csv")
    return tmp_path / "flows.yaml"


def test_the_example_loads_through_the_real_loader(city):
    flows = load_flows(city, environ={})
    flow = flows.flows["route_survey"]
    assert [s.id for s in flow.steps] == [
        "route",
        "waited",
        "time_of_day",
        "cleanliness",
        "safety",
        "driving",
        "comment",
    ]
    assert (
        len(flow.steps[0].options) == 12 and flow.steps[0].option("R023").label.by_lang["es"] == "Ruta 23 Valle Oriente"
    )
    assert flows.menu.flows[-1] == "route_survey" and flow.outcome.department == "movilidad"


def test_flows_check_strict_finds_nothing(city):
    result = CliRunner().invoke(main, ["flows", "check", "--strict", str(city)])
    assert result.exit_code == 0, result.output
    assert result.output == f"{city}: ok, 7 flows, 28 steps, 4 departments\n"


def test_its_transcripts_pass_and_the_shipped_ones_still_do(city):
    runner = CliRunner()
    ours = runner.invoke(main, ["flows", "test", "--flows", str(city), str(EXAMPLE / "transcripts")])
    assert ours.exit_code == 0, ours.output
    assert ours.output == "4 transcripts, 0 failed\n"
    shipped = runner.invoke(main, ["flows", "test", "--flows", str(city), str(ROOT / "transcripts")])
    assert shipped.exit_code == 0, shipped.output  # added at the end of the menu: no number changed


def test_the_graph_shows_it_to_the_group(city):
    result = CliRunner().invoke(main, ["flows", "graph", "route_survey", "--flows", str(city)])
    assert result.exit_code == 0, result.output
    assert 'flow_end(["end: survey → Observatorio de Movilidad #40;movilidad#41;"])' in result.output
    assert 'step_comment["comment · text · optional<br/>' in result.output


def test_the_doc_shows_the_files_as_they_are():
    """Every line of the example's files is in docs/flows.md, so the doc and the files cannot drift apart."""
    for name in ("route_survey.yaml", "rutas.csv", "transcripts/route_survey.yaml"):
        text = (EXAMPLE / name).read_text(encoding="utf-8")
        body = text.split("\n\n", 1)[1] if text.startswith("#") else text  # the file's header comment aside
        assert body.strip() in DOC, f"docs/flows.md no longer shows {name} as it is"


def test_a_residents_answers_reach_the_survey_page_and_its_csv(city, tmp_path, redis_url):
    """The doc's last step: an operator of `movilidad` opens Encuestas → Calificar una ruta de camión."""
    from bot import create_app
    from bot.db.database import create_tables
    from tests.support.app import Resident, app_settings
    from tests.support.desks import Desk, add_operator

    app = create_app(app_settings(tmp_path, redis_url, flows_path=str(city)))
    create_tables(app.extensions["ventanilla"].engine)
    resident = Resident(app.test_client())
    for text in ("quiero opinar sobre una ruta", "valle oriente", "sí", "en la mañana", "3", "4", "1"):
        resident.says(text)
    assert "Observatorio de Movilidad" in resident.says("Iba muy lleno")

    desk = Desk(app, add_operator(app, "ana@movilidad.org", departments=("movilidad",))).login()
    listed = desk.get("/dashboard/surveys")
    assert "Bus route survey" in listed.text and "Observatorio de Movilidad" in listed.text
    page = desk.get("/dashboard/surveys/route_survey")
    assert page.status_code == 200
    assert "Ruta 23 Valle Oriente" in page.text and "Iba muy lleno" in page.text
    assert "Driving" in page.text  # the step's label is the column's heading
    csv = desk.get("/dashboard/surveys/route_survey.csv").get_data(as_text=True)
    assert "Ruta 23 Valle Oriente" in csv and "Iba muy lleno" in csv
