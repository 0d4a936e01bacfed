"""Checks across a whole flow: ids, where `next` leads, what is reachable, what templates use."""

from __future__ import annotations

import re

from bot.flows.model import END, Flow, Flows, Step
from bot.flows.shapeerrors import did_you_mean

__all__ = ["check_translations", "check_flow_graph"]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
TYPO_OF_A_MESSAGE = 0.85  # closer than did_you_mean's own guess: messages may have names of their own (status_closed)
BUILTIN_VALUES = {"folio", "name", "flow", "options", "option"}
FOLLOWUP_VALUES = {"summary"}  # what a follow-up is about besides its folio: the ticket's summary (State.about)


def check_translations(report, texts: list, languages: tuple[str, ...]) -> None:
    """Every text has every declared language."""
    for raw, text in texts:
        missing = [lang for lang in languages if not text.by_lang.get(lang)]
        if missing:
            report.error(raw, f"missing the {', '.join(repr(m) for m in missing)} translation")


def check_flow_graph(report, flow: Flow, raw_flow) -> None:
    """Duplicate ids, `next` to nowhere, unreachable steps, conditions and templates naming unknown steps."""
    raw_steps = _raw_steps(raw_flow)
    where = dict(zip((s.id for s in flow.steps), raw_steps))
    ids = [s.id for s in flow.steps]
    given = FOLLOWUP_VALUES if flow.outcome.kind == "followup" else set()
    for index, (raw, step) in enumerate(zip(raw_steps, flow.steps)):
        if step.id and step.id in ids[:index]:
            report.error(raw, f"flow '{flow.id}': duplicate step id '{step.id}'")
        for at, target, whose in _targets_as_written(raw, step):
            if target != END and target not in ids:
                close = did_you_mean(target, [*ids, END])
                report.error(at, f"flow '{flow.id}': {whose}goes to '{target}', which is not a step{close}")
        if step.when:
            for name in sorted(step.when.names - set(ids[:index])):
                report.error(
                    raw.get("when", raw),
                    f"flow '{flow.id}', step '{step.id}': condition uses '{name}', which is not an earlier step",
                )
        _check_placeholders(report, flow, step.prompt, raw.get("prompt", raw), set(ids[:index]) | given)
    if flow.steps and len(set(ids)) == len(ids):
        for step_id in sorted(set(ids) - _reachable(flow), key=ids.index):
            report.error(where.get(step_id), f"flow '{flow.id}': step '{step_id}' can never be reached")
    if raw_flow is not None:
        _check_placeholders(report, flow, flow.done, raw_flow.get("done", raw_flow), set(ids) | given)
        if flow.outcome.summary is not None:
            outcome = raw_flow.get("outcome")
            outcome = outcome if isinstance(outcome, dict) else raw_flow
            _check_placeholders(report, flow, flow.outcome.summary, outcome.get("summary", outcome), set(ids))


def _raw_steps(raw_flow) -> list[dict]:
    """The flow's steps as written, the same ones the loader built (a wrong shape is reported elsewhere)."""
    steps = raw_flow.get("steps") if isinstance(raw_flow, dict) else None
    return [s for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []


def _targets_as_written(raw: dict, step: Step) -> list[tuple[object, str, str]]:
    """(where its `next:` is written, target, whose: "step 'x' " or "step 'x', option 'y', ") for each `next`."""
    found = [(_written(raw, "next"), step.next, f"step '{step.id}' ")] if step.next else []
    options = raw.get("options")
    written = (
        {str(o["id"]): o for o in options if isinstance(o, dict) and "id" in o} if isinstance(options, list) else {}
    )
    for option in step.options:
        if option.next:
            where = _written(written[option.id], "next") if option.id in written else raw
            found.append((where, option.next, f"step '{step.id}', option '{option.id}' "))
    return found


class _At:
    """A bare position, for a value YAML gives none (a number)."""

    def __init__(self, pos):
        self.pos = pos


def _written(raw: dict, key: str):
    """The value under key where it is written; for a value without a position, its key's."""
    value = raw.get(key, raw)
    if hasattr(value, "pos"):
        return value
    return _At(getattr(raw, "key_pos", {}).get(key, getattr(raw, "pos", (1, 1))))


def _targets(step: Step) -> list[str]:
    return [t for t in [step.next, *(o.next for o in step.options)] if t]


def _reachable(flow: Flow) -> set[str]:
    """Steps a resident can arrive at from the first one."""
    known = {s.id for s in flow.steps}
    seen, todo = set(), [flow.steps[0].id]
    while todo:
        step_id = todo.pop()
        if step_id in seen or step_id not in known:
            continue
        seen.add(step_id)
        step = flow.step(step_id)
        todo += [t for t in _targets(step) if t != END]
        falls_through = step.next is None and (not step.options or any(o.next is None for o in step.options))
        after = flow.step_after(step_id)
        if after and (falls_through or step.when is not None):
            todo.append(after.id)  # file order, or passing over a step whose condition fails
    return seen


def _check_placeholders(report, flow: Flow, text, raw, known: set[str]) -> None:
    for template in text.by_lang.values():
        for name in _PLACEHOLDER.findall(template):
            if name not in known and name not in BUILTIN_VALUES:
                report.error(
                    raw, f"flow '{flow.id}': the text uses {{{name}}}, which is not an earlier step or a built-in value"
                )
                return


def missing_privacy_notice(flows: Flows, source: str) -> list:
    """A warning when residents give personal data (a place, a photo) and the file has no `privacy:` notice."""
    from bot.flows.overlaps import FlowWarning

    if flows.privacy is not None:
        return []
    personal = [(f, s) for f in flows.flows.values() for s in f.steps if s.collects_personal_data]
    if not personal:
        return []
    flow, step = personal[0]
    message = (
        f"no `privacy:` section, yet flow '{flow.id}' step '{step.id}' collects personal data: residents are"
        " asked no privacy notice (aviso de privacidad); set `privacy:` before going live"
    )
    return [FlowWarning(source, step.line, 1, message)]


def misspelt_names(text: str, source: str) -> list:
    """A warning for each list under `words:` the bot never reads (a typo such as `weekday:`), with a guess,
    and for a message whose name is a typo of one the bot says (`invalid_choise:`).

    The schema lets `words:` and `messages:` hold other names (messages the code composes, such as
    status_<status>), so the file still loads; but a misspelt one is silently ignored.
    """
    import yaml

    from bot.flows.overlaps import FlowWarning
    from bot.flows.schema import Words, json_schema
    from bot.flows.yamlsource import Mapping, parse

    try:
        data = parse(text)
    except yaml.YAMLError:
        return []
    if not isinstance(data, Mapping):
        return []
    found = []
    words, known = data.get("words"), sorted(Words.model_fields)
    words = words if isinstance(words, Mapping) else Mapping()
    for key in words:
        if str(key) not in known:
            message = (
                f"words: '{key}' is not a word list the bot reads, so it is ignored{did_you_mean(key, known)}"
                f" (word lists: {', '.join(known)})"
            )
            found.append(FlowWarning(source, words.key_pos[key][0], words.key_pos[key][1], message))
    messages, said = data.get("messages"), json_schema()["$defs"]["messages"]["properties"]
    messages = messages if isinstance(messages, Mapping) else Mapping()
    for key in messages:
        close = did_you_mean(key, said, cutoff=TYPO_OF_A_MESSAGE)
        if str(key) not in said and close:
            message = f"messages: '{key}' is not a message the bot says, so it is never said{close}"
            found.append(FlowWarning(source, messages.key_pos[key][0], messages.key_pos[key][1], message))
    return found
