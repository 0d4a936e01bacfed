"""Survey flows built in code for report tests: shapes the shipped flows.yaml does not have."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.db.database import transaction
from bot.db.tables import Contact, SurveyResponse
from bot.flows.model import Flow, Option, Outcome, Step, Text
from bot.reports.tallies import record_response
from tests.support.app import ROOT


def survey_of_choices() -> Flow:
    """A survey without the shipped file's parks: a subject, a second choice, a rating on 0..10."""

    def option(option_id: str, label: str) -> Option:
        return Option(option_id, Text({"es": label}))

    return Flow(
        id="bus",
        title=Text({"es": "Camiones"}),
        keywords={},
        outcome=Outcome("survey", "servicios_publicos"),
        done=Text({}),
        steps=(
            Step("route", "choice", Text({}), options=(option("r1", "Ruta 1"), option("r2", "Ruta 2"))),
            Step("how", "choice", Text({}), options=(option("walk", "A pie"), option("car", "En coche"))),
            Step("note", "rating", Text({}), scale=(0, 10)),
            Step("thanks", "message", Text({})),
        ),
    )


def route_survey() -> Flow:
    """A public-transport survey: the route (subject), a yes/no "waited more than 20 minutes", the minutes waited
    (a number), a rating and a comment; the yes/no has a label, the number only its question."""

    def option(option_id: str, label: str) -> Option:
        return Option(option_id, Text({"es": label}))

    return Flow(
        id="route",
        title=Text({"es": "Tu ruta"}),
        keywords={},
        outcome=Outcome("survey", "servicios_publicos"),
        done=Text({}),
        steps=(
            Step("route", "choice", Text({}), options=(option("r23", "Ruta 23"), option("r1", "Ruta 1"))),
            Step(
                "waited",
                "yes_no",
                Text({"es": "¿Esperaste más de 20 minutos?"}),
                label=Text({"es": "Espera de más de 20 min", "en": "Waited over 20 min"}),
            ),
            Step("minutes", "number", Text({"es": "🕐 ¿Cuántos *minutos* esperaste? (ej. 15)"})),
            Step("comfort", "rating", Text({})),
            Step("comment", "text", Text({}), optional=True),
        ),
    )


# A route survey as a civic group writes it in flows.yaml: a labelled route, a yes/no asked without a label (its
# heading is its question), a labelled number, a comment.
ROUTE_SURVEY = """
  route_survey:
    title: {es: Evaluar tu ruta, en: Rate your route}
    outcome: {kind: survey, department: servicios_publicos}
    steps:
      - id: route
        kind: choice
        label: {es: Ruta, en: Route}
        prompt: {es: "🚌 ¿En qué ruta vas?", en: "🚌 Which route are you on?"}
        options:
          - {id: r23, label: {es: Ruta 23 Valle Oriente, en: Route 23 Valle Oriente}}
          - {id: r1, label: {es: Ruta 1 Centro, en: Route 1 Downtown}}
      - id: waited
        kind: yes_no
        prompt:
          es: "Gracias. ¿*Esperaste* más de 20 minutos en {route}? (sí / no)"
          en: "Thanks. Did you *wait* more than 20 minutes for {route}? (yes / no)"
      - id: minutes
        kind: number
        label: {es: Minutos de espera, en: Minutes waited}
        prompt: {es: "¿Cuántos minutos esperaste? ⏱️", en: "How many minutes did you wait? ⏱️"}
      - id: comment
        kind: text
        optional: true
        prompt: {es: "¿Algo más?", en: "Anything else?"}
    done: {es: Gracias, en: Thanks}
"""


def with_route_survey(folder: Path) -> Path:
    """The shipped flows.yaml plus ROUTE_SURVEY (in the menu), written into folder with parks.csv; its path."""
    text = (
        (ROOT / "flows.yaml")
        .read_text()
        .replace("park_evaluation, city_info]", "park_evaluation, city_info, route_survey]")
    )
    (folder / "flows.yaml").write_text(text + ROUTE_SURVEY)
    (folder / "parks.csv").write_text((ROOT / "parks.csv").read_text())
    return folder / "flows.yaml"


ROUTE_ANSWERS = (  # minutes 5, 10, 25, 30, 60; waited 2 yes 2 no (one did not say)
    {"route": "r23", "route_label": "Ruta 23", "waited": True, "minutes": 25},
    {"route": "r23", "route_label": "Ruta 23", "waited": True, "minutes": 30},
    {"route": "r23", "route_label": "Ruta 23", "waited": False, "minutes": 10},
    {"route": "r1", "route_label": "Ruta 1", "waited": False, "minutes": 5},
    {"route": "r1", "route_label": "Ruta 1", "minutes": 60, "comment": "se tardó una hora"},
)


def store_route_answers(app, answers=ROUTE_ANSWERS, tallied: bool = True, at: datetime | None = None) -> None:
    """Store the responses as the survey's event handler does (tallied) or as rows alone (read by scanning)."""
    services = app.extensions["ventanilla"]
    flow = services.flows.flows["route_survey"]
    with transaction(services.engine) as db:
        contact = Contact(name="Lupita")
        db.add(contact)
        db.flush()
        for n, given in enumerate(answers):
            response = SurveyResponse(
                flow=flow.id,
                contact_id=contact.id,
                answers=dict(given),
                created_at=(at or datetime.now(UTC).replace(microsecond=0)) - timedelta(seconds=n),
            )
            db.add(response)
            if tallied:
                record_response(db, flow, response, services.config.city_zone())
