"""A flow drawn as a Mermaid flowchart, to read its paths at a glance (`ventanilla flows graph NAME`).

Paste the output into any Mermaid viewer (GitHub renders ```mermaid blocks). Edges follow the
engine's rules: file order, a step's `next`, each option's `next`; a step with `when:` is entered
only if its condition holds, otherwise a dashed "skip" edge passes over it. Optional steps have a
dashed border; the end node names the department that receives the flow's tickets or responses.

Texts are shown as a reader sees them, without WhatsApp's *bold* and _italic_ marks; a node shows
its prompt's beginning and the whole prompt on hover (a `click` tooltip), and `markdown()` adds a
legend with every prompt in full, in every language, for a page that is printed.
"""

from __future__ import annotations

import re

from bot.flows.model import END, Flow, Flows, Step, Text
from bot.flows.plaintext import plain

__all__ = ["markdown", "mermaid"]

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
OPTIONS_LISTED = 12  # a choice step's legend lists this many options, then says how many more


def escape(text: str) -> str:
    """Make text safe inside a Mermaid label (quotes, brackets, pipes and the like as entities)."""
    return "".join(_ESCAPES.get(c, c) for c in text)


def one_line(text: str) -> str:
    """All of text's lines on one, spaces collapsed."""
    return " ".join(text.split())


def shorten(text: str, limit: int = PROMPT_CHARS) -> str:
    """The first line of text, cut to limit characters with an ellipsis."""
    lines = text.strip().splitlines()
    first = " ".join(lines[0].split()) if lines else ""
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def mermaid(flow: Flow, lang: str | None = None, flows: Flows | None = None) -> str:
    """Return a Mermaid `flowchart TD` of one flow (prompts in lang, else each text's first language).

    flows, when given, names the departments (their names and zones) at the end node.
    """
    nodes = _node_ids(flow)
    lines = ["flowchart TD", f'    {START_NODE}(("{escape("start")}"))']
    for step in flow.steps:
        lines.append(f'    {nodes[step.id]}["{_step_label(step, lang)}"]')
    lines.append(f'    {END_NODE}(["{"<br/>".join(escape(line) for line in _outcome_lines(flow, flows))}"])')
    for source, target, label, dashed in _edges(flow, nodes):
        arrow = "-.->" if dashed else "-->"
        lines.append(f"    {source} {arrow}{f'|{escape(label)}|' if label else ''} {target}")
    optional = [nodes[step.id] for step in flow.steps if step.optional]
    if optional:
        lines.append("    classDef optional stroke-dasharray: 5 5")
        lines.append(f"    class {','.join(optional)} optional")
    for step in flow.steps:
        prompt = _tooltip(_text(step.prompt, lang))
        if prompt:
            lines.append(f'    click {nodes[step.id]} showPrompt "{prompt}"')
    return "\n".join(lines) + "\n"


def markdown(flow: Flow, lang: str | None = None, flows: Flows | None = None) -> str:
    """A page to print or paste: the flow's title, its Mermaid diagram, and a legend with every prompt in full."""
    title = plain(_text(flow.title, lang))
    out = [f"# {_md(title)} (`{flow.id}`)", "", "```mermaid", mermaid(flow, lang, flows).rstrip("\n"), "```", ""]
    out += ["## Steps", ""]
    for number, step in enumerate(flow.steps, 1):
        marks = (
            [step.kind] + (["optional"] if step.optional else []) + ([f"when {step.when.source}"] if step.when else [])
        )
        out.append(f"{number}. **`{step.id}`** · {_md(' · '.join(marks))}")
        for code, text in _in_languages(step.prompt, lang):
            out.append(f"   - {code}: {_md(one_line(plain(text)))}")
        if step.options:
            shown = [_md(plain(_text(o.label, lang))) + (f" → `{o.next}`" if o.next else "") for o in step.options]
            more = len(shown) - OPTIONS_LISTED
            listed = "; ".join(shown[:OPTIONS_LISTED]) + (f"; … and {more} more" if more > 0 else "")
            out.append(f"   - options: {listed}")
    out += ["", "## Outcome", ""]
    out += [f"- {_md(line)}" for line in _outcome_lines(flow, flows)]
    for code, text in _in_languages(flow.done, lang):
        out.append(f"- done ({code}): {_md(one_line(plain(text)))}")
    return "\n".join(out) + "\n"


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


def _text(text: Text | None, lang: str | None) -> str:
    by_lang = text.by_lang if text is not None else {}
    if lang and by_lang.get(lang):
        return by_lang[lang]
    return next(iter(by_lang.values()), "")


def _in_languages(text: Text | None, lang: str | None) -> list[tuple[str, str]]:
    """Each language's text, lang's first."""
    by_lang = text.by_lang if text is not None else {}
    return sorted(((code, t) for code, t in by_lang.items() if t), key=lambda item: item[0] != lang)


def _step_label(step: Step, lang: str | None) -> str:
    head = escape(f"{step.id} · {step.kind}" + (" · optional" if step.optional else ""))
    prompt = shorten(plain(_text(step.prompt, lang)))
    return f"{head}<br/>{escape(prompt)}" if prompt else head


def _tooltip(text: str) -> str:
    """A prompt in full for a `click` tooltip: one line, plain, no double quotes (they end Mermaid's string)."""
    return one_line(plain(text)).replace('"', "'")


def _md(text: str) -> str:
    """Text safe in a Markdown list item: nothing it holds turns into formatting or HTML."""
    return re.sub(r"([\\`*\[\]<>|])", r"\\\1", text)


def _outcome_lines(flow: Flow, flows: Flows | None) -> list[str]:
    """What finishing the flow produces and who receives it, one line per fact."""
    outcome = flow.outcome
    if not outcome.department:
        return [f"end: {outcome.kind}"]
    lines = [f"end: {outcome.kind} → {_department(outcome.department, flows)}"]
    if outcome.kind == "ticket" and outcome.category:
        lines.append(f"category {outcome.category}")
    for zone in flows.zones if flows else ():
        routed = zone.departments.get(outcome.department)
        if routed:
            lines.append(f"in {zone.id}: → {_department(routed, flows)}")
    return lines


def _department(department_id: str, flows: Flows | None) -> str:
    department = flows.departments.get(department_id) if flows else None
    return f"{department.name} ({department_id})" if department and department.name != department_id else department_id


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
