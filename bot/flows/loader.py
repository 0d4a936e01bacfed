"""Read flows.yaml into Flows, reporting every problem at once as PATH:LINE:COL: message."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import yaml

from bot.flows.checks import check_flow_graph, check_translations
from bot.flows.conditions import ConditionError, parse_condition
from bot.flows.matching import Candidate, ChoiceIndex
from bot.flows.model import Department, Flow, Flows, Menu, Option, Outcome, Step, Text
from bot.flows.optionfiles import OptionsFileError, read_options
from bot.flows.steps import STEP_KINDS
from bot.flows.yamlsource import Mapping, Position, interpolate, parse

__all__ = ["FlowError", "FlowsInvalidError", "load_flows", "load_flows_text"]

OUTCOME_KINDS = ("ticket", "survey", "info")
DELIVERY_KINDS = ("webhook", "open311", "email", "dashboard")
DELIVERY_REQUIRES = {"webhook": ("url", "secret"), "open311": ("endpoint",), "email": ("to",), "dashboard": ()}
FALLBACKS = ("menu", "handover")
REQUIRED_MESSAGES = (
    "invalid", "too_many_attempts", "cancelled", "confirm_declined", "did_you_mean", "which_one",
    "help", "expired", "opted_out", "opted_in", "status_usage", "status_unknown", "status_reply",
    "handover", "handover_summary", "language_changed",
)
REQUIRED_WORDS = ("yes", "no", "skip")
TOP_KEYS = {
    "default_language", "languages", "max_attempts", "expire_after_minutes", "commands", "words",
    "ratings", "messages", "departments", "menu", "flows", "templates", "default_sla",
}
TEMPLATE_PROVIDERS = ("twilio", "meta")
FLOW_KEYS = {"title", "keywords", "outcome", "steps", "done", "fallback"}
STEP_KEYS = {
    "id", "kind", "prompt", "options", "options_from", "optional", "scale", "min", "max", "min_length",
    "max_length", "allow_future", "prefill", "when", "next", "reprompt",
}
CHOICE_LIST_LIMIT = 10
SKIPPABLE_KINDS = ("text", "choice", "rating", "number", "location", "photo", "media", "date")
MENU_KEYS = {"prompt", "flows"}
OUTCOME_KEYS = {"kind", "department", "category", "priority", "summary", "service_code", "duplicate_radius_m", "sla"}
DEPARTMENT_KEYS = {"name", "delivery", "sla"}
DEFAULT_SLA = timedelta(days=7)
MAX_SLA = timedelta(days=365)
SLA_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
OPTION_KEYS = {"id", "label", "words", "next"}  # longer option lists are matched by name, not listed in the prompt


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
        raise FlowsInvalidError(str(path), [FlowError((1, 1), f"cannot read file: {exc.strerror}")]) from None
    return load_flows_text(text, str(path), environ, path.parent)


def load_flows_text(text: str, source: str = "flows.yaml", environ: dict | None = None, base_dir: Path | None = None) -> Flows:
    """Validate flows given as YAML text (option files are read from base_dir)."""
    try:
        data = parse(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        pos = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise FlowsInvalidError(source, [FlowError(pos, f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from None
    builder = _Builder(environ, base_dir or Path("."))
    builder.digest.update(text.encode())
    flows = builder.build(data, source)
    if builder.errors:
        raise FlowsInvalidError(source, sorted(builder.errors, key=lambda e: (e.line, e.column)))
    return flows


def _empty() -> Mapping:
    empty = Mapping()
    empty.pos, empty.key_pos = (1, 1), {}
    return empty


class _Builder:
    """Turns positioned YAML into model objects, collecting errors instead of stopping."""

    def __init__(self, environ: dict | None, base_dir: Path):
        self.environ, self.base_dir = environ, base_dir
        self.errors: list[FlowError] = []
        self.languages: tuple[str, ...] = ()
        self.default_language = "es"
        self.texts: list[tuple[object, Text]] = []
        self.digest = hashlib.sha256()  # the version: flows.yaml and every options file it reads

    def error(self, where, message: str) -> None:
        self.errors.append(FlowError(getattr(where, "pos", (1, 1)), message))

    def mapping(self, parent: Mapping, key: str, required: bool = True) -> Mapping:
        value = parent.get(key)
        if isinstance(value, Mapping):
            return value
        if value is not None or required:
            where = _Where(parent.key_pos.get(key, parent.pos))
            self.error(where, f"'{key}' must be a mapping" if value is not None else f"'{key}' is missing")
        return _empty()

    def unknown_keys(self, section: Mapping, allowed: set, what: str) -> None:
        for key in section:
            if key not in allowed:
                self.error(_Where(section.key_pos[key]), f"unknown key '{key}' in {what} (allowed: {', '.join(sorted(allowed))})")

    def integer(self, section: Mapping, key: str, default, what: str):
        value = section.get(key, default)
        if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool)):
            self.error(_Where(section.key_pos.get(key, section.pos)), f"{what}: '{key}' must be a number")
            return default
        return value

    def duration(self, section: Mapping, key: str, what: str) -> timedelta | None:
        """A duration such as 48h, 3d or 90m (a bare number is hours)."""
        raw = section.get(key)
        if raw is None:
            return None
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([mhd]?)\s*", str(raw)) if not isinstance(raw, bool) else None
        duration = timedelta(**{SLA_UNITS[match[2] or "h"]: min(float(match[1]), 1e7)}) if match else None
        if duration is None or not timedelta(0) < duration <= MAX_SLA:
            self.error(_Where(section.key_pos.get(key, section.pos)),
                       f"{what}: '{key}' must be a duration such as 48h, 3d or 90m, at most {MAX_SLA.days}d")
            return None
        return duration

    def build(self, data, source: str) -> Flows:
        if not isinstance(data, Mapping):
            self.error(data, "the file must be a mapping with 'flows', 'menu' and 'departments'")
            data = _empty()
        self.unknown_keys(data, TOP_KEYS, "the file")
        self.default_language = str(data.get("default_language", "es"))
        languages = self.mapping(data, "languages")
        self.languages = tuple(str(k) for k in languages) or (self.default_language,)
        if self.default_language not in self.languages:
            self.error(data, f"default_language '{self.default_language}' is not among languages")
        departments = {str(k): self.department(k, v) for k, v in self.mapping(data, "departments").items()}
        flows = {str(k): self.flow(k, v, departments) for k, v in self.mapping(data, "flows").items()}
        commands = self.commands(self.mapping(data, "commands"))
        expire = self.integer(data, "expire_after_minutes", None, "the file")
        result = Flows(
            version=self.digest.hexdigest()[:12],
            default_language=self.default_language,
            languages={str(k): self.words_list(v) for k, v in languages.items()},
            menu=self.menu(self.mapping(data, "menu"), flows),
            commands=commands,
            words=self.vocabulary(self.mapping(data, "words")),
            ratings=self.ratings(self.mapping(data, "ratings", required=False)),
            messages=self.messages(self.mapping(data, "messages")),
            flows=flows,
            departments=departments,
            max_attempts=int(self.integer(data, "max_attempts", 3, "the file")),
            expire_after=timedelta(minutes=expire) if expire else None,
            templates=self.templates(self.mapping(data, "templates", required=False)),
            default_sla=self.duration(data, "default_sla", "the file") or DEFAULT_SLA,
            source=source,
        )
        check_translations(self, self.texts, self.languages)
        for flow in flows.values():
            check_flow_graph(self, flow, data["flows"][flow.id] if isinstance(data.get("flows"), Mapping) else None)
        return result

    def text(self, value, where=None, required: bool = True) -> Text:
        """A translated text: a mapping of language to string (a plain string is the default language)."""
        if value is None:
            if required:
                self.error(where, "a text is missing (a prompt, title, done or summary)")
            return Text({})
        if isinstance(value, str):
            text = Text({self.default_language: str(value)})
        elif isinstance(value, Mapping):
            text = Text({str(k): str(v) for k, v in value.items()})
        else:
            self.error(where, "a text must be a string or {es: ..., en: ...}")
            return Text({})
        self.texts.append((value, text))
        return text

    def words_list(self, value) -> tuple[str, ...]:
        return tuple(str(w) for w in value) if isinstance(value, list) else ()

    def words(self, value) -> dict[str, tuple[str, ...]]:
        """Words per language: {es: [...], en: [...]}."""
        if not isinstance(value, Mapping):
            self.error(value, "expected words per language, like {es: [...], en: [...]}")
            return {}
        return {str(lang): self.words_list(ws) for lang, ws in value.items()}

    def commands(self, section: Mapping) -> dict:
        from bot.flows.commands import KNOWN_COMMANDS, LANGUAGE_PREFIX

        for key in section:
            lang = str(key).removeprefix(LANGUAGE_PREFIX)
            if key not in KNOWN_COMMANDS and not (str(key).startswith(LANGUAGE_PREFIX) and lang in self.languages):
                self.error(_Where(section.key_pos[key]), f"unknown command '{key}' (known: {', '.join(KNOWN_COMMANDS)}, language_<code>)")
        return {str(k): self.words(v) for k, v in section.items()}

    def vocabulary(self, section: Mapping) -> dict[str, dict[str, tuple[str, ...]]]:
        for key in REQUIRED_WORDS:
            if key not in section:
                self.error(section, f"words: '{key}' is missing")
        return {str(k): self.words(v) for k, v in section.items()}

    def ratings(self, section: Mapping) -> dict[str, dict[str, int]]:
        result = {}
        for lang, table in section.items():
            if not isinstance(table, Mapping) or not all(isinstance(v, int) for v in table.values()):
                self.error(table if hasattr(table, "pos") else section, f"ratings: '{lang}' must map words to numbers")
                continue
            result[str(lang)] = {str(k): int(v) for k, v in table.items()}
        return result

    def templates(self, section: Mapping) -> dict[str, dict]:
        """WhatsApp templates per kind of message: variables, and per provider a template per language."""
        result = {}
        for kind, spec in section.items():
            if not isinstance(spec, Mapping):
                self.error(_Where(section.key_pos[kind]), f"templates: '{kind}' must be a mapping")
                continue
            self.unknown_keys(spec, {"variables", *TEMPLATE_PROVIDERS}, f"templates: '{kind}'")
            variables = spec.get("variables", [])
            if not isinstance(variables, list):
                self.error(_Where(spec.key_pos.get("variables", spec.pos)), f"templates: '{kind}': variables must be a list of names")
                variables = []
            entry = {"variables": [str(v) for v in variables]}
            for provider in TEMPLATE_PROVIDERS:
                if provider in spec:
                    entry[provider] = self.template_entries(kind, provider, spec[provider], spec)
            result[str(kind)] = entry
        return result

    def template_entries(self, kind, provider: str, by_lang, spec: Mapping) -> dict:
        if not isinstance(by_lang, Mapping):
            self.error(_Where(spec.key_pos[provider]), f"templates: '{kind}': {provider} must map languages to templates")
            return {}
        for lang, value in by_lang.items():
            wrong = (provider == "twilio" and not isinstance(value, str)) or (
                provider == "meta" and not (isinstance(value, Mapping) and "name" in value and "language" in value)
            )
            if wrong:
                shape = "a Content SID (HX...)" if provider == "twilio" else "{name: ..., language: es_MX}"
                self.error(_Where(by_lang.key_pos[lang]), f"templates: '{kind}': {provider} {lang} must be {shape}")
        return {str(lang): (dict(v) if isinstance(v, Mapping) else self.from_environment(v, f"template '{kind}'")) for lang, v in by_lang.items()}

    def from_environment(self, raw, what: str) -> str:
        """A value with ${VAR} / ${VAR:-default} filled from the environment; unset variables are errors."""
        value, missing = interpolate(str(raw), self.environ)
        for name in missing:
            self.error(raw, f"environment variable {name} is not set ({what})")
        return value

    def messages(self, section: Mapping) -> dict[str, Text]:
        messages = {str(k): self.text(v, section) for k, v in section.items()}
        for key in REQUIRED_MESSAGES:
            if key not in section:
                self.error(section, f"messages: '{key}' is missing")
        return messages

    def department(self, key, value) -> Department:
        if not isinstance(value, Mapping):
            self.error(value, f"department '{key}' must be a mapping with name and delivery")
            return Department(str(key), str(key), {})
        self.unknown_keys(value, DEPARTMENT_KEYS, f"department '{key}'")
        delivery = dict(self.mapping(value, "delivery"))
        kind = delivery.get("kind")
        if kind not in DELIVERY_KINDS:
            self.error(value.get("delivery", value), f"department '{key}': delivery kind must be one of {', '.join(DELIVERY_KINDS)}")
        for needed in DELIVERY_REQUIRES.get(kind, ()):
            if needed not in delivery:
                self.error(value.get("delivery", value), f"department '{key}': a {kind} delivery needs '{needed}'")
        for field, raw in delivery.items():
            if isinstance(raw, str):
                delivery[field] = self.from_environment(raw, f"department '{key}', {field}")
        return Department(str(key), str(value.get("name", key)), delivery, self.duration(value, "sla", f"department '{key}'"))

    def menu(self, section: Mapping, flows: dict[str, Flow]) -> Menu:
        self.unknown_keys(section, MENU_KEYS, "menu")
        offered = section.get("flows") or []
        for flow_id in flows:
            if flow_id not in offered:
                self.error(_Where(section.key_pos.get("flows", section.pos)), f"flow '{flow_id}' is not offered in the menu, so no resident can start it")
        for flow_id in offered:
            if flow_id not in flows:
                self.error(flow_id, f"menu offers '{flow_id}', which is not a flow")
        known = [flows[f] for f in offered if f in flows]
        index = ChoiceIndex([
            Candidate(f.id, n, tuple(f.title.by_lang.values()) + sum(f.keywords.values(), ()))
            for n, f in enumerate(known, 1)
        ])
        return Menu(self.text(section.get("prompt"), section), tuple(f.id for f in known), index)

    def flow(self, key, value, departments: dict) -> Flow:
        if not isinstance(value, Mapping):
            self.error(value, f"flow '{key}' must be a mapping")
            value = _empty()
        self.unknown_keys(value, FLOW_KEYS, f"flow '{key}'")
        raw_steps = value.get("steps") or []
        steps = tuple(self.step(key, s) for s in raw_steps if isinstance(s, Mapping))
        if not steps:
            self.error(value, f"flow '{key}' has no steps")
        fallback = str(value.get("fallback", "menu"))
        if fallback not in FALLBACKS:
            self.error(value.get("fallback"), f"flow '{key}': fallback must be one of {', '.join(FALLBACKS)}")
        outcome = value.get("outcome")
        if fallback == "handover" and isinstance(outcome, Mapping) and outcome.get("kind") != "ticket":
            self.error(value.get("fallback"), f"flow '{key}': fallback handover needs a ticket outcome (its department takes over)")
        return Flow(
            id=str(key),
            title=self.text(value.get("title"), value),
            keywords=self.words(value["keywords"]) if "keywords" in value else {},
            steps=steps,
            outcome=self.outcome(key, self.mapping(value, "outcome"), departments),
            done=self.text(value.get("done"), value),
            fallback=fallback,
        )

    def step(self, flow_id, value: Mapping) -> Step:
        kind = str(value.get("kind", ""))
        where = f"flow '{flow_id}', step '{value.get('id', '?')}'"
        self.unknown_keys(value, STEP_KEYS, where)
        if kind not in STEP_KINDS:
            self.error(value.get("kind", value), f"{where}: unknown step kind '{kind}' (known: {', '.join(STEP_KINDS)})")
        if not value.get("id"):
            self.error(value, f"flow '{flow_id}': a step needs an id")
        options = self.options(value, where) if kind == "choice" else ()
        if kind == "choice" and not options:
            self.error(value, f"{where}: a choice needs options or options_from")
        if value.get("optional") and kind not in SKIPPABLE_KINDS:
            self.error(value.get("optional"), f"{where}: optional has no effect on a {kind} step (only on {', '.join(SKIPPABLE_KINDS)})")
        scale = value.get("scale", [1, 5])
        if not (isinstance(scale, list) and len(scale) == 2 and all(isinstance(n, int) for n in scale) and scale[0] < scale[1]):
            self.error(value, f"{where}: scale must be [low, high], like [1, 5]")
            scale = [1, 5]
        return Step(
            id=str(value.get("id") or ""),
            kind=kind,
            prompt=self.text(value.get("prompt"), value),
            options=options,
            index=_option_index(options) if options else None,
            show_options=len(options) <= CHOICE_LIST_LIMIT,
            optional=bool(value.get("optional", False)),
            scale=(scale[0], scale[1]),
            min=self.integer(value, "min", None, where),
            max=self.integer(value, "max", None, where),
            min_length=int(self.integer(value, "min_length", 1, where)),
            max_length=int(self.integer(value, "max_length", 1000, where)),
            allow_future=bool(value.get("allow_future", False)),
            prefill=bool(value.get("prefill", False)),
            when=self.condition(value.get("when"), where),
            next=str(value["next"]) if value.get("next") else None,
            reprompt=self.text(value["reprompt"], value) if "reprompt" in value else None,
            line=value.pos[0],
        )

    def condition(self, raw, where: str):
        if raw is None:
            return None
        try:
            return parse_condition(str(raw))
        except ConditionError as exc:
            self.error(raw, f"{where}: condition does not parse: {exc}")
            return None

    def options(self, value: Mapping, where: str) -> tuple[Option, ...]:
        if "options_from" in value:
            spec = value["options_from"]
            try:
                rows = read_options(self.base_dir, spec)
                self.digest.update(repr(rows).encode())
            except OptionsFileError as exc:
                self.error(spec, f"{where}: {exc}")
                return ()
            return tuple(Option(key, Text({self.default_language: label})) for key, label in rows)
        result = []
        for raw in value.get("options") or []:
            if not isinstance(raw, Mapping) or "id" not in raw:
                self.error(raw, f"{where}: an option needs an id and a label")
                continue
            self.unknown_keys(raw, OPTION_KEYS, f"{where}, option '{raw['id']}'")
            words = self.words(raw["words"]) if "words" in raw else {}
            result.append(Option(str(raw["id"]), self.text(raw.get("label"), raw), words, str(raw["next"]) if raw.get("next") else None))
        return tuple(result)

    def outcome(self, flow_id, section: Mapping, departments: dict) -> Outcome:
        self.unknown_keys(section, OUTCOME_KEYS, f"flow '{flow_id}', outcome")
        kind = str(section.get("kind", ""))
        if kind not in OUTCOME_KINDS:
            self.error(section, f"flow '{flow_id}': outcome kind must be one of {', '.join(OUTCOME_KINDS)}")
        department = section.get("department")
        if (kind == "ticket" or department is not None) and department not in departments:
            self.error(department or section, f"flow '{flow_id}': department '{department}' is not defined under departments")
        summary = self.text(section.get("summary"), section, required=kind == "ticket") if kind == "ticket" else None
        category = str(section.get("category", flow_id))
        radius = self.integer(section, "duplicate_radius_m", None, f"flow '{flow_id}', outcome")
        return Outcome(
            kind, str(department) if department else None, category, str(section.get("priority", "normal")), summary,
            service_code=str(section["service_code"]) if section.get("service_code") else None,
            duplicate_radius_m=radius, sla=self.duration(section, "sla", f"flow '{flow_id}', outcome"),
        )


def _option_index(options: tuple[Option, ...]) -> ChoiceIndex:
    """Options by their words; numbers only for lists short enough to be shown numbered."""
    shown = len(options) <= CHOICE_LIST_LIMIT
    return ChoiceIndex([
        Candidate(o.id, n if shown else None, tuple(o.label.by_lang.values()) + sum(o.words.values(), ()))
        for n, o in enumerate(options, 1)
    ])


class _Where:
    """A bare position, for errors about keys."""

    def __init__(self, pos: Position):
        self.pos = pos
