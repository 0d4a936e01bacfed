"""What of a ticket, an answer set or an audit entry stays once its resident is erased: pure functions, no I/O.

Answers are kept only for steps whose kind cannot hold what a resident typed or sent (a choice, a rating,
yes/no, a number, a date, a confirmation) and that are not marked `personal: true`; a flow flows.yaml no
longer has keeps nothing, since the kinds of its answers cannot be known.
"""

from __future__ import annotations

import re

from bot.flows.model import Flow, Flows

__all__ = [
    "KEPT_ANSWER_KINDS",
    "KEPT_EVENT_DETAIL",
    "COORDINATE_DECIMALS",
    "kept_answers",
    "kept_survey_answers",
    "anonymous_summary",
    "kept_event_detail",
    "rounded",
]

KEPT_ANSWER_KINDS = frozenset({"choice", "rating", "yes_no", "number", "date", "confirm"})
# Keys of a ticket event's detail that never hold what a resident or an operator wrote: ids, statuses, folios,
# channels, departments, counts. Everything else (a reply's or a note's text, a reason, a department's error
# body, which may quote the ticket) goes; "shown" keeps only the answers kept on the ticket.
KEPT_EVENT_DETAIL = frozenset(
    {
        "channel",
        "from",
        "to",
        "via",
        "department",
        "kind",
        "duplicate_of",
        "folio",
        "status",
        "status_code",
        "external_id",
        "found_by_lookup",
        "message_id",
        "attempts",
    }
)
COORDINATE_DECIMALS = 3  # about 100 m: the block, not the house
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_NOTHING = "—"


def kept_answers(flow: Flow | None, answers: dict) -> dict:
    """The answers of steps that cannot carry personal data; none when the flow is unknown."""
    if flow is None:
        return {}
    kept = {s.id for s in flow.steps if s.kind in KEPT_ANSWER_KINDS and not s.personal}
    return {key: value for key, value in (answers or {}).items() if key in kept}


def kept_survey_answers(flow: Flow | None, answers: dict) -> dict:
    """A survey's kept answers and the labels stored beside them (`park_label` goes with `park`)."""
    kept = kept_answers(flow, answers)
    labels = {f"{key}_label" for key in kept}
    return {**kept, **{key: value for key, value in (answers or {}).items() if key in labels}}


def anonymous_summary(flows: Flows, flow_id: str, category: str, lang: str, kept: dict, colonia: str | None) -> str:
    """The ticket's summary rebuilt from its flow's template with only kept answers and the colonia.

    "Bache en {location}" becomes "Bache en Centro" (or "Bache en —"): no word the resident wrote.
    """
    flow = flows.flows.get(flow_id)
    if flow is None:
        return category
    if category == "handover" and "handover_summary" in flows.messages:
        template = flows.message("handover_summary", lang)
    elif flow.outcome.summary is not None:
        template = flow.outcome.summary.get(lang, flows.default_language)
    else:
        return category
    values = {"flow": flow.title.get(lang, flows.default_language), "category": category}
    for step in flow.steps:
        if step.id in kept:
            values[step.id] = _shown(flows, flow, step.id, kept[step.id], lang)
        elif step.kind == "location":
            values[step.id] = colonia or _NOTHING
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), _NOTHING)), template)


def _shown(flows: Flows, flow: Flow, step_id: str, value, lang: str) -> str:
    step = flow.step(step_id)
    option = step.option(value) if step.kind == "choice" else None
    return option.label.get(lang, flows.default_language) if option else str(value)


def kept_event_detail(detail: dict, kept_answer_keys: set[str]) -> dict:
    """A ticket event's detail without anything written by a person."""
    kept = {key: value for key, value in (detail or {}).items() if key in KEPT_EVENT_DETAIL}
    shown = (detail or {}).get("shown")
    if isinstance(shown, dict):
        kept["shown"] = {key: value for key, value in shown.items() if key in kept_answer_keys}
    return kept


def rounded(coordinate: float | None) -> float | None:
    """A latitude or longitude to about 100 m."""
    return None if coordinate is None else round(coordinate, COORDINATE_DECIMALS)
