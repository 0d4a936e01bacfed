"""Read flows.yaml into Flows, reporting every problem at once as PATH:LINE:COL: message."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from .model import Department, Flow, Flows, Menu, Option, Outcome, Step, Text
from .steps import STEP_KINDS
from .yamlsource import Mapping, Position, interpolate, parse

__all__ = ["FlowError", "FlowsInvalidError", "load_flows", "load_flows_text"]

OUTCOME_KINDS = ("ticket", "survey", "info")
DELIVERY_KINDS = ("webhook",)
REQUIRED_MESSAGES = ("invalid", "too_many_attempts", "cancelled", "confirm_declined")
REQUIRED_WORDS = ("yes", "no", "skip")


class FlowError:
    """One problem in the file, with where it is."""

    def __init__(self, pos: Position, message: str):
        self.line, self.column = pos
        self.message = message

    def format(self, path: str) -> str:
        """Render as PATH:LINE:COL: message."""
        return f"{path}:{self.line}:{self.column}: {self.message}"


class FlowsInvalidError(Exception):
    """flows.yaml has errors; str() lists them one per line."""

    def __init__(self, path: str, errors: list[FlowError]):
        self.path, self.errors = path, errors
        super().__init__("\n".join(e.format(path) for e in errors))


def load_flows(path: str | Path, environ: dict | None = None) -> Flows:
    """Load and validate a flows file; raise FlowsInvalidError listing every error."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FlowsInvalidError(str(path), [FlowError((1, 1), f"cannot read file: {exc.strerror}")])
    return load_flows_text(text, str(path), environ)


def load_flows_text(text: str, source: str = "flows.yaml", environ: dict | None = None) -> Flows:
    """Validate flows given as YAML text."""
    try:
        data = parse(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        pos = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise FlowsInvalidError(source, [FlowError(pos, f"not valid YAML: {getattr(exc, 'problem', exc)}")])
    builder = _Builder(environ)
    flows = builder.build(data, hashlib.sha256(text.encode()).hexdigest()[:12], source)
    if builder.errors:
        raise FlowsInvalidError(source, sorted(builder.errors, key=lambda e: (e.line, e.column)))
    return flows


class _Builder:
    """Turns positioned YAML into model objects, collecting errors instead of stopping."""

    def __init__(self, environ: dict | None):
        self.environ = environ
        self.errors: list[FlowError] = []
        self.languages: tuple[str, ...] = ()
        self.default_language = "es"

    def error(self, where, message: str) -> None:
        self.errors.append(FlowError(getattr(where, "pos", (1, 1)), message))

    def mapping(self, parent: Mapping, key: str, required: bool = True) -> Mapping:
        value = parent.get(key)
        if isinstance(value, Mapping):
            return value
        if value is not None or required:
            where = parent.key_pos.get(key, parent.pos)
            self.errors.append(FlowError(where, f"'{key}' must be a mapping" if value is not None else f"'{key}' is missing"))
        empty = Mapping()
        empty.pos, empty.key_pos = parent.pos, {}
        return empty

    def build(self, data, version: str, source: str) -> Flows:
        if not isinstance(data, Mapping):
            self.error(data, "the file must be a mapping with 'flows', 'menu' and 'departments'")
            data = _empty()
        self.default_language = str(data.get("default_language", "es"))
        languages = self.mapping(data, "languages")
        self.languages = tuple(languages) or (self.default_language,)
        if self.default_language not in self.languages:
            self.error(data, f"default_language '{self.default_language}' is not among languages")
        departments = {k: self.department(k, v) for k, v in self.mapping(data, "departments").items()}
        flows = {k: self.flow(k, v, departments) for k, v in self.mapping(data, "flows").items()}
        return Flows(
            version=version,
            default_language=self.default_language,
            languages={k: self.words_list(v) for k, v in languages.items()},
            menu=self.menu(self.mapping(data, "menu"), flows),
            commands={k: self.words(v) for k, v in self.mapping(data, "commands").items()},
            words=self.vocabulary(self.mapping(data, "words")),
            messages=self.messages(self.mapping(data, "messages")),
            flows=flows,
            departments=departments,
            max_attempts=int(data.get("max_attempts", 3)),
            source=source,
        )

    def text(self, value, where=None, required: bool = True) -> Text:
        """A translated text: a mapping of language to string (a plain string is the default language)."""
        if value is None:
            if required:
                self.error(where, "a text is missing")
            return Text({})
        if isinstance(value, str):
            return Text({self.default_language: str(value)})
        if not isinstance(value, Mapping):
            self.error(value if hasattr(value, "pos") else where, "a text must be a string or {es: ..., en: ...}")
            return Text({})
        if self.default_language not in value:
            self.error(value, f"missing the '{self.default_language}' translation")
        return Text({str(k): str(v) for k, v in value.items()})

    def words_list(self, value) -> tuple[str, ...]:
        return tuple(str(w) for w in value) if isinstance(value, list) else ()

    def words(self, value) -> dict[str, tuple[str, ...]]:
        """Words per language: {es: [...], en: [...]}."""
        if not isinstance(value, Mapping):
            self.error(value, "expected words per language, like {es: [...], en: [...]}")
            return {}
        return {str(lang): self.words_list(ws) for lang, ws in value.items()}

    def vocabulary(self, section: Mapping) -> dict[str, dict[str, tuple[str, ...]]]:
        for key in REQUIRED_WORDS:
            if key not in section:
                self.error(section, f"words: '{key}' is missing")
        return {str(k): self.words(v) for k, v in section.items()}

    def messages(self, section: Mapping) -> dict[str, Text]:
        messages = {str(k): self.text(v, section) for k, v in section.items()}
        for key in REQUIRED_MESSAGES:
            if key not in section:
                self.error(section, f"messages: '{key}' is missing")
        return messages

    def department(self, key: str, value) -> Department:
        if not isinstance(value, Mapping):
            self.error(value, f"department '{key}' must be a mapping with name and delivery")
            return Department(key, key, {})
        delivery = dict(self.mapping(value, "delivery"))
        if delivery.get("kind") not in DELIVERY_KINDS:
            self.error(value.get("delivery", value), f"department '{key}': delivery kind must be one of {', '.join(DELIVERY_KINDS)}")
        for field, raw in delivery.items():
            if isinstance(raw, str):
                delivery[field], missing = interpolate(raw, self.environ)
                for name in missing:
                    self.error(raw, f"environment variable {name} is not set (department '{key}', {field})")
        return Department(key, str(value.get("name", key)), delivery)

    def menu(self, section: Mapping, flows: dict[str, Flow]) -> Menu:
        offered = section.get("flows") or []
        for flow_id in offered:
            if flow_id not in flows:
                self.error(flow_id, f"menu offers '{flow_id}', which is not a flow")
        return Menu(self.text(section.get("prompt"), section), tuple(str(f) for f in offered))

    def flow(self, key: str, value, departments: dict) -> Flow:
        if not isinstance(value, Mapping):
            self.error(value, f"flow '{key}' must be a mapping")
            value = _empty()
        raw_steps = value.get("steps") or []
        steps = tuple(self.step(s) for s in raw_steps if isinstance(s, Mapping))
        if not steps:
            self.error(value, f"flow '{key}' has no steps")
        self.check_step_ids(key, raw_steps, steps)
        return Flow(
            id=key,
            title=self.text(value.get("title"), value),
            keywords=self.words(value["keywords"]) if "keywords" in value else {},
            steps=steps,
            outcome=self.outcome(key, self.mapping(value, "outcome"), departments),
            done=self.text(value.get("done"), value),
        )

    def step(self, value: Mapping) -> Step:
        kind = str(value.get("kind", ""))
        if kind not in STEP_KINDS:
            self.error(value.get("kind", value), f"unknown step kind '{kind}' (known: {', '.join(STEP_KINDS)})")
        scale = value.get("scale", [1, 5])
        return Step(
            id=str(value.get("id") or self.error(value, "a step needs an id") or ""),
            kind=kind,
            prompt=self.text(value.get("prompt"), value),
            options=tuple(self.option(o) for o in value.get("options") or []),
            optional=bool(value.get("optional", False)),
            scale=(int(scale[0]), int(scale[1])),
            max_length=int(value.get("max_length", 1000)),
            next=value.get("next"),
            line=value.pos[0],
        )

    def option(self, value) -> Option:
        if not isinstance(value, Mapping) or "id" not in value:
            self.error(value, "an option needs an id and a label")
            return Option("", Text({}), {})
        words = self.words(value["words"]) if "words" in value else {}
        return Option(str(value["id"]), self.text(value.get("label"), value), words, value.get("next"))

    def check_step_ids(self, flow_id: str, raw_steps: list, steps: tuple[Step, ...]) -> None:
        ids = [s.id for s in steps]
        for index, (raw, step) in enumerate(zip(raw_steps, steps)):
            if step.id in ids[:index]:
                self.error(raw, f"flow '{flow_id}': duplicate step id '{step.id}'")
            targets = [step.next] + [o.next for o in step.options]
            for target in filter(None, targets):
                if target not in ids:
                    self.error(raw, f"flow '{flow_id}': step '{step.id}' goes to '{target}', which is not a step")

    def outcome(self, flow_id: str, section: Mapping, departments: dict) -> Outcome:
        kind = str(section.get("kind", ""))
        if kind not in OUTCOME_KINDS:
            self.error(section, f"flow '{flow_id}': outcome kind must be one of {', '.join(OUTCOME_KINDS)}")
        department = section.get("department")
        if kind == "ticket" and department not in departments:
            self.error(department or section, f"flow '{flow_id}': department '{department}' is not defined under departments")
        summary = self.text(section.get("summary"), section, required=kind == "ticket")
        return Outcome(kind, department, section.get("category", flow_id), str(section.get("priority", "normal")), summary)


def _empty() -> Mapping:
    empty = Mapping()
    empty.pos, empty.key_pos = (1, 1), {}
    return empty
