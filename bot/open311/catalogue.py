"""The city's Open311 services: each flow that files a report, its questions as the service's attributes.

A service's code is its outcome's `service_code`, else the flow's id. The steps a form answers by
`attribute[<step id>]` are the attributes: text (`string`, or `text` when long), a choice
(`singlevaluelist`, its options as values: key the option's id, name its label), a number or rating
(`number`), a date (`datetime`), yes or no (`singlevaluelist` of the flow's own yes and no). The place
(`lat`/`long`, `address_string`), a photo (`media_url`) and confirmations are the spec's own fields, not
attributes. A step asked only when an earlier answer holds is not required, and says so.
"""

from __future__ import annotations

from bot.conversation.form_requests import CHANNEL
from bot.flows.forms import ANSWERED_BY_THE_FORM, FORM_CARRIES
from bot.flows.model import MEDIA_KINDS, Flow, Flows, Step

__all__ = ["service_code", "service_flows", "flows_of_codes", "service", "definition"]

LONG_TEXT = 200  # a text step longer than this is GeoReport's `text` (a textarea), else `string`
NOT_ATTRIBUTES = ("location", *MEDIA_KINDS, *ANSWERED_BY_THE_FORM)


def service_code(flow: Flow) -> str:
    return flow.outcome.service_code or flow.id


def service_flows(flows: Flows) -> list[Flow]:
    """The flows that file a report, in file order: the city's services."""
    return [flow for flow in flows.flows.values() if flow.outcome.kind == "ticket"]


def flows_of_codes(flows: Flows, codes: list[str]) -> tuple[str, ...]:
    """The ids of the flows with these service codes (several flows may share one)."""
    wanted = set(codes)
    return tuple(flow.id for flow in service_flows(flows) if service_code(flow) in wanted)


def service(flows: Flows, flow: Flow) -> dict:
    """One entry of GET services: code, name, description, metadata, type, keywords, group."""
    lang = flows.default_language
    department = flows.departments.get(flow.outcome.department or "")
    others = [flow.title.by_lang[other] for other in flow.title.by_lang if other != lang]
    return {
        "service_code": service_code(flow),
        "service_name": flow.title.get(lang, lang),
        "description": " / ".join([flow.title.get(lang, lang), *others]),
        "metadata": bool(_attributes(flows, flow)),
        "type": "realtime",
        "keywords": ", ".join(flow.keywords.get(lang, ())),
        "group": department.name if department else "",
    }


def definition(flows: Flows, flow: Flow) -> dict:
    """GET services/{code}: the service's attributes."""
    return {"service_code": service_code(flow), "attributes": _attributes(flows, flow)}


def _attributes(flows: Flows, flow: Flow) -> list[dict]:
    asked = [s for s in flow.steps if s.kind not in NOT_ATTRIBUTES and s.asked_on(CHANNEL, FORM_CARRIES)]
    return [_attribute(flows, step, order) for order, step in enumerate(asked, 1)]


def _attribute(flows: Flows, step: Step, order: int) -> dict:
    lang = flows.default_language
    datatype, note, values = _datatype(flows, step)
    if step.when is not None:
        note = " ".join(filter(None, [note, "Asked only when an earlier answer holds; leave it out otherwise."]))
    attribute = {
        "variable": True,
        "code": step.id,
        "datatype": datatype,
        "required": not step.optional and step.when is None,
        "datatype_description": note or None,
        "order": order,
        "description": (step.label or step.prompt).get(lang, lang),
    }
    return attribute | ({"values": values} if values else {})


def _datatype(flows: Flows, step: Step) -> tuple[str, str, list[dict]]:
    lang = flows.default_language
    if step.kind == "choice":
        return "singlevaluelist", "", [{"key": o.id, "name": o.label.get(lang, lang)} for o in step.options]
    if step.kind in ("yes_no",):
        yes, no = (flows.words_for(word, lang) or (word,) for word in ("yes", "no"))
        return "singlevaluelist", "", [{"key": yes[0], "name": yes[0]}, {"key": no[0], "name": no[0]}]
    if step.kind == "rating":
        low, high = step.scale
        return "number", f"A whole number from {low} to {high}.", []
    if step.kind == "number":
        bounds = [
            f"at least {step.min:g}" if step.min is not None else "",
            f"at most {step.max:g}" if step.max is not None else "",
        ]
        return "number", ("A number " + " and ".join(b for b in bounds if b) + ".") if any(bounds) else "", []
    if step.kind == "date":
        future = "" if step.allow_future else " Not in the future."
        return "datetime", f"A day: YYYY-MM-DD (or dd/mm/yyyy).{future}", []
    long = step.max_length > LONG_TEXT
    return ("text" if long else "string"), f"{step.min_length} to {step.max_length} characters.", []
