"""Survey flows built in code for report tests: shapes the shipped flows.yaml does not have."""

from __future__ import annotations

from bot.flows.model import Flow, Option, Outcome, Step, Text


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
