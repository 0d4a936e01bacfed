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
