"""A flow drawn as a Mermaid flowchart, to read its paths at a glance (`ventanilla flows graph NAME`).

Paste the output into any Mermaid viewer (GitHub renders ```mermaid blocks). Edges follow the
engine's rules: file order, a step's `next`, each option's `next`; a step with `when:` is entered
only if its condition holds, otherwise a dashed "skip" edge passes over it.
"""

from __future__ import annotations

import re

from bot.flows.model import END, Flow, Step

__all__ = ["mermaid"]

PROMPT_CHARS = 40  # a node shows this much of its prompt's first line
_ID_CHARS = re.compile(r"[^A-Za-z0-9_]")
# Characters Mermaid reads as syntax inside labels, written as its #code; entities instead.
_ESCAPES = {
    "#": "#35;",
    '"': "#quot;",
    "[": "#91;",
    "]": "#93;",
    "(": "#40;",
    ")": "#41;",
    "{": "#123;",
    "}": "#125;",
    "|": "#124;",
    "<": "#lt;",
    ">": "#gt;",
    "`": "#96;",
}
START_NODE, END_NODE = "flow_start", "flow_end"


def escape(text: str) -> str:
    """Make text safe inside a Mermaid label (quotes, brackets, pipes and the like as entities)."""
    return "".join(_ESCAPES.get(c, c) for c in text)


def shorten(text: str, limit: int = PROMPT_CHARS) -> str:
    """The first line of text, cut to limit characters with an ellipsis."""
    lines = text.strip().splitlines()
    first = " ".join(lines[0].split()) if lines else ""
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def mermaid(flow: Flow, lang: str | None = None) -> str:
    """Return a Mermaid `flowchart TD` of one flow (prompts in lang, else each text's first language)."""
    nodes = _node_ids(flow)
    lines = ["flowchart TD", f'    {START_NODE}(("{escape("start")}"))']
    for step in flow.steps:
        lines.append(f'    {nodes[step.id]}["{_step_label(step, lang)}"]')
    lines.append(f'    {END_NODE}(["{escape(_outcome_label(flow))}"])')
    for source, target, label, dashed in _edges(flow, nodes):
        arrow = "-.->" if dashed else "-->"
        lines.append(f"    {source} {arrow}{f'|{escape(label)}|' if label else ''} {target}")
    return "\n".join(lines) + "\n"


def _node_ids(flow: Flow) -> dict[str, str]:
    """A Mermaid-safe, unique node id per step (step ids may hold any character)."""
    ids: dict[str, str] = {}
    taken = {START_NODE, END_NODE}
    for number, step in enumerate(flow.steps, 1):
        node = "step_" + _ID_CHARS.sub("_", step.id)
        if node in taken:
            node = f"{node}_{number}"
        taken.add(node)
        ids.setdefault(step.id, node)
    return ids


def _text(text, lang: str | None) -> str:
    by_lang = text.by_lang if text is not None else {}
    if lang and by_lang.get(lang):
        return by_lang[lang]
    return next(iter(by_lang.values()), "")


def _step_label(step: Step, lang: str | None) -> str:
    head = escape(f"{step.id} · {step.kind}")
    prompt = shorten(_text(step.prompt, lang))
    return f"{head}<br/>{escape(prompt)}" if prompt else head


def _outcome_label(flow: Flow) -> str:
    outcome = flow.outcome
    if outcome.kind == "ticket":
        category = f" ({outcome.category})" if outcome.category else ""
        return f"end: ticket → {outcome.department}{category}"
    return f"end: {outcome.kind}"


def _edges(flow: Flow, nodes: dict[str, str]) -> list[tuple[str, str, str, bool]]:
    """Every edge (source, target, label, dashed), conditions and skips applied, without repeats."""
    pending = [(START_NODE, flow.steps[0].id if flow.steps else END, "", False)]
    for step in flow.steps:
        pending += [(nodes[step.id], target, label, False) for target, label in _exits(flow, step)]
    edges: list[tuple[str, str, str, bool]] = []
    seen: set[tuple] = set()
    visited: set[tuple] = set()  # a `next` back to a conditional step must not loop forever
    while pending:
        source, target, label, dashed = raw = pending.pop(0)
        if raw in visited:
            continue
        visited.add(raw)
        entered = _step(flow, target)
        if entered is not None and entered.when is not None:
            # Entered only when the condition holds; otherwise the engine passes over it.
            skip = label if "skip" in label else _join(label, "skip")
            pending.append((source, _after(flow, entered), skip, True))
            label = _join(label, f"when {entered.when.source}")
        edge = (source, nodes.get(target, END_NODE), label, dashed)
        if edge not in seen:
            seen.add(edge)
            edges.append(edge)
    return edges


def _exits(flow: Flow, step: Step) -> list[tuple[str, str]]:
    """Where a step leads (target step id or END) and the label of each way."""
    exits = [(o.next, o.id) for o in step.options if o.next]
    branching = bool(exits)
    others = [o.id for o in step.options if not o.next]
    if others or not branching or step.optional:
        label = (", ".join(others) if len(others) <= 3 else "other") if branching else ""
        exits.append((_after(flow, step), label))
    return exits


def _after(flow: Flow, step: Step) -> str:
    """Where the engine goes after step when no option says otherwise: its next, else file order."""
    if step.next:
        return step.next
    following = flow.step_after(step.id)
    return following.id if following else END


def _step(flow: Flow, step_id: str) -> Step | None:
    return None if step_id == END else flow.find_step(step_id)


def _join(first: str, second: str) -> str:
    return f"{first} · {second}" if first else second
