"""Read flows.yaml into Flows, reporting every problem at once as PATH:LINE:COL: message.

The file's shape is checked by the models in schema.py (the same ones flows.schema.json is generated
from); this module builds the engine's objects and checks what a schema cannot: references between
flows, departments and languages, conditions, option files and each flow's graph.
"""

from __future__ import annotations

import hashlib
import math
import re
from datetime import date, timedelta
from pathlib import Path

import yaml
from pydantic import ValidationError

from bot.flows.checks import check_flow_graph, check_translations
from bot.flows.conditions import ConditionError, parse_condition
from bot.flows.matching import Candidate, ChoiceIndex
from bot.flows.model import (
    EXEMPTIONS,
    Department,
    Election,
    Flow,
    Flows,
    Menu,
    Option,
    Outcome,
    Privacy,
    Qr,
    Retention,
    Step,
    Text,
    Zone,
)
from bot.flows.optionfiles import OptionsFileError, read_options
from bot.flows.qr import card_options, code_of, code_problem, squash
from bot.flows.schema import FlowsFile, parse_duration
from bot.flows.schematypes import parse_period
from bot.flows.shapeerrors import shape_errors
from bot.flows.steps import STEP_KINDS
from bot.flows.yamlerrors import explain
from bot.flows.yamlsource import Mapping, Position, interpolate, parse

__all__ = ["FlowError", "FlowsInvalidError", "load_flows", "load_flows_text"]

DEFAULT_SLA = timedelta(days=7)
CHOICE_LIST_LIMIT = 10  # longer option lists are matched by name, not listed in the prompt
SKIPPABLE_KINDS = ("text", "choice", "rating", "number", "location", "photo", "media", "date")
PREFILLED_KINDS = ("choice", "date", "location")  # what a first message may answer unless the step says prefill: false
SECRET_FIELDS = ("secret", "status_secret")  # a department's keys: from one environment variable, never a default
_ONE_VARIABLE = re.compile(r"\s*\$\{(\w+)\}\s*")
# Messages the privacy notice and the ARCO requests say: required when the file has a `privacy:` section.
PRIVACY_MESSAGES = (
    "privacy_notice", "privacy_declined", "privacy_cancel_confirm", "privacy_rectify_ask", "privacy_oppose_ask",
    "privacy_request_dropped", "privacy_request_filed", "privacy_summary", "privacy_request_fulfilled",
    "privacy_request_rejected", "privacy_request_extended", "privacy_status_fulfilled", "privacy_status_rejected",
    "privacy_status_extended", "privacy_status_open", "privacy_request_status",
)  # fmt: skip


class FlowError:
    """One problem in the file, with where it is."""

    def __init__(self, pos: Position, message: str):
        self.line, self.column = pos
        self.message = " ".join(message.splitlines())  # one error, one line: keys and values may hold newlines

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


def load_flows_text(
    text: str, source: str = "flows.yaml", environ: dict | None = None, base_dir: Path | None = None
) -> Flows:
    """Validate flows given as YAML text (option files are read from base_dir)."""
    try:
        data = parse(text)
    except yaml.YAMLError as exc:
        raise FlowsInvalidError(source, [FlowError(*explain(exc, text))]) from None
    builder = _Builder(environ, base_dir or Path("."))
    builder.errors = _shape(data)
    builder.digest.update(text.encode())
    flows = builder.build(data, source)
    if builder.errors:
        raise FlowsInvalidError(source, sorted(builder.errors, key=lambda e: (e.line, e.column)))
    return flows


def _shape(data) -> list[FlowError]:
    """What the models in schema.py find wrong with the file's shape."""
    try:
        FlowsFile.model_validate(data)
    except ValidationError as exc:
        return [FlowError(pos, message) for pos, message in shape_errors(data, exc)]
    return []


def _empty() -> Mapping:
    empty = Mapping()
    empty.pos, empty.key_pos = (1, 1), {}
    return empty


# The accessors below read a value of any shape without failing: schema.py has already reported a
# wrong one, and the builder goes on with an empty or default value to find the remaining errors.


def _as_mapping(value) -> Mapping:
    return value if isinstance(value, Mapping) else _empty()


def _as_list(value) -> list:
    return value if isinstance(value, list) else []


def _number(section: Mapping, key: str, default):
    """The finite number under key, or the default where there is none."""
    value = section.get(key, default)
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return value if is_number and math.isfinite(value) else default


def _whole(section: Mapping, key: str, default: int) -> int:
    """The number under key as a whole number, or the default."""
    return int(_number(section, key, default))


def _day(value) -> date | None:
    """A date written unquoted (YAML reads it) or quoted as YYYY-MM-DD; None for anything else."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if isinstance(value, str) else None
    except ValueError:
        return None


# Commands whose answer is a message of flows.yaml that a file using them must write.
SAID_BY_COMMANDS = {"surveys_opt_in": "surveys_opted_in", "surveys_opt_out": "surveys_opted_out"}


def _strings(value) -> list:
    """The strings of a list, which may hold anything a mistake put there."""
    return [v for v in _as_list(value) if isinstance(v, str)]


class _Builder:
    """Turns positioned YAML into model objects, collecting the errors a schema cannot find.

    It tolerates any shape: the shape's errors are already reported, and building on goes on finding
    the other errors so that every problem is reported at once.
    """

    def __init__(self, environ: dict | None, base_dir: Path):
        self.environ, self.base_dir = environ, base_dir
        self.errors: list[FlowError] = []
        self.languages: tuple[str, ...] = ()
        self.default_language = "es"
        self.texts: list[tuple[object, Text]] = []
        self.digest = hashlib.sha256()  # the version: flows.yaml and every options file it reads

    def error(self, where, message: str) -> None:
        self.errors.append(FlowError(getattr(where, "pos", (1, 1)), message))

    def mapping(self, parent: Mapping, key: str) -> Mapping:
        """The mapping under key, or an empty one."""
        return _as_mapping(parent.get(key))

    def sequence(self, parent: Mapping, key: str) -> list:
        """The list under key, or an empty one."""
        return _as_list(parent.get(key))

    def mappings(self, parent: Mapping, key: str) -> list[Mapping]:
        """The mappings in the list under key (its other items are reported by schema.py)."""
        return [item for item in self.sequence(parent, key) if isinstance(item, Mapping)]

    def build(self, data, source: str) -> Flows:
        data = _as_mapping(data)
        self.default_language = str(data.get("default_language", "es"))
        languages = self.mapping(data, "languages")
        self.languages = tuple(str(k) for k in languages) or (self.default_language,)
        if self.default_language not in self.languages:
            self.error(data, f"default_language '{self.default_language}' is not among languages")
        departments = {str(k): self.department(k, v) for k, v in self.mapping(data, "departments").items()}
        raw_flows = self.mapping(data, "flows")
        flows = {str(k): self.flow(k, v, departments) for k, v in raw_flows.items()}
        self.followups(raw_flows, flows)
        expire = _number(data, "expire_after_minutes", None)
        messages = {str(k): self.text(v) for k, v in self.mapping(data, "messages").items()}
        privacy = self.privacy(data["privacy"], messages) if isinstance(data.get("privacy"), Mapping) else None
        self.privacy_commands(self.mapping(data, "commands"), privacy)
        self.said_by_commands(self.mapping(data, "commands"), messages)
        templates = self.templates(self.mapping(data, "templates"), messages)
        self.calendar_words(self.mapping(data, "words"))
        result = Flows(
            version=self.digest.hexdigest()[:12],
            default_language=self.default_language,
            languages={str(k): self.words_list(v) for k, v in languages.items()},
            menu=self.menu(self.mapping(data, "menu"), flows),
            commands=self.commands(self.mapping(data, "commands")),
            words={str(k): self.words(v) for k, v in self.mapping(data, "words").items()},
            ratings=self.ratings(self.mapping(data, "ratings")),
            messages=messages,
            flows=flows,
            departments=departments,
            max_attempts=_whole(data, "max_attempts", 3),
            expire_after=timedelta(minutes=expire) if expire and 0 < expire <= 525_600 else None,  # else schema.py says
            templates=templates,
            default_sla=parse_duration(data.get("default_sla")) or DEFAULT_SLA,
            zones=self.zones(self.mapping(data, "zones"), departments),
            privacy=privacy,
            elections=self.elections(self.mappings(data, "elections")),
            source=source,
        )
        check_translations(self, self.texts, self.languages)
        for key, raw_flow in raw_flows.items():  # keys as written: a number is a key too (schema.py reports it)
            check_flow_graph(self, flows[str(key)], raw_flow if isinstance(raw_flow, Mapping) else None)
        self.qr_codes(flows, raw_flows)
        return result

    def qr(self, flow_id, section: Mapping, steps: tuple[Step, ...]) -> Qr:
        """A flow's QR cards: a choice step of its own, and a message that carries the option's {code}."""
        where = f"flow '{flow_id}', qr"
        step_id = str(section.get("step") or "")
        step = next((s for s in steps if s.id == step_id), None)
        if step is None:
            self.error(section.get("step", section), f"{where}: step '{step_id}' is not a step of this flow")
        elif step.kind != "choice":
            self.error(section.get("step", section), f"{where}: step '{step_id}' is a {step.kind} step, not a choice")
        raw_message = section.get("message")
        message = self.text(raw_message)
        for lang, text in message.by_lang.items():
            raw = raw_message.get(lang, raw_message) if isinstance(raw_message, Mapping) else raw_message
            unknown = sorted(set(re.findall(r"\{(\w+)\}", text)) - {"code", "option"})
            if "{code}" not in text:
                self.error(raw, f"{where}: the {lang} message must use {{code}}")
            if unknown:
                self.error(
                    raw,
                    f"{where}: the {lang} message uses {', '.join(unknown)}; it may use only {{code}} and {{option}}",
                )
        prefix = section.get("code_prefix")
        return Qr(step_id, message, self.text(section.get("call_to_action")), str(prefix) if prefix else "")

    def qr_codes(self, flows: dict[str, Flow], raw_flows: Mapping) -> None:
        """Every card's code reads as a code (a letter and a digit) and belongs to one option of one flow."""
        owners: dict[str, str] = {}
        for flow in flows.values():
            raw = _as_mapping(raw_flows.get(flow.id)).get("qr")
            for option in card_options(flow):
                code = code_of(flow, option)
                problem = code_problem(code)
                if problem:
                    self.error(
                        raw,
                        f"flow '{flow.id}', qr: code '{code}' {problem}: ids with digits, or a code_prefix such as 'Q-'",
                    )
                    break
                mine = f"flow '{flow.id}', option '{option.id}'"
                owner = owners.setdefault(squash(code), mine)
                if owner != mine:
                    self.error(raw, f"{mine}: qr code '{code}' is also the code of {owner}; set a code_prefix")
                    break

    def text(self, value) -> Text:
        """A translated text: a mapping of language to string (a plain string is the default language)."""
        if isinstance(value, str):
            text = Text({self.default_language: str(value)})
        elif isinstance(value, Mapping):
            text = Text({str(k): str(v) for k, v in value.items()})
        else:
            return Text({})
        self.texts.append((value, text))
        return text

    def words_list(self, value) -> tuple[str, ...]:
        return tuple(str(w) for w in _as_list(value))

    def words(self, value) -> dict[str, tuple[str, ...]]:
        """Words per language: {es: [...], en: [...]}."""
        return {str(lang): self.words_list(ws) for lang, ws in value.items()} if isinstance(value, Mapping) else {}

    def calendar_words(self, section: Mapping) -> None:
        """`weekdays` and `months` are read by position (Monday is the first name): one name more or less
        would shift every day after it, silently. A day has one name; its misspellings are read anyway."""
        for key, count, what in (("weekdays", 7, "the seven days, Monday first"), ("months", 12, "the twelve months")):
            by_lang = section.get(key)
            if not isinstance(by_lang, Mapping):
                continue
            for lang, names in by_lang.items():
                if isinstance(names, list) and len(names) != count:
                    self.error(
                        names,
                        f"words.{key} ({lang}) lists {len(names)} names: it must list {what}, one name each",
                    )

    def commands(self, section: Mapping) -> dict:
        from bot.flows.commands import LANGUAGE_PREFIX

        for key in section:
            lang = str(key).removeprefix(LANGUAGE_PREFIX)
            if str(key).startswith(LANGUAGE_PREFIX) and lang not in self.languages:
                self.error(
                    _Where(section.key_pos[key]),
                    f"command '{key}': '{lang}' is not among languages ({', '.join(self.languages)})",
                )
        return {str(k): self.words(v) for k, v in section.items()}

    def ratings(self, section: Mapping) -> dict[str, dict[str, int]]:
        return {
            str(lang): {str(k): _whole(table, k, 0) for k in table if _number(table, k, None) is not None}
            for lang, table in section.items()
            if isinstance(table, Mapping)
        }

    def templates(self, section: Mapping, messages: dict[str, Text]) -> dict[str, dict]:
        """WhatsApp templates per kind of message: variables, and per provider a template per language.

        A campaign's invitation (`campaign: true`) is said as the message of its name inside the 24-hour window."""
        result = {}
        for kind, spec in section.items():
            spec = _as_mapping(spec)
            entry: dict[str, object] = {"variables": [str(v) for v in self.sequence(spec, "variables")]}
            if spec.get("campaign") is True:
                entry["campaign"] = True
                if str(kind) not in messages:
                    self.error(
                        _Where(section.key_pos[kind]),
                        f"template '{kind}' is a campaign's invitation: messages must have '{kind}', its text inside"
                        " WhatsApp's 24-hour window and on SMS",
                    )
            for provider in ("twilio", "meta"):
                if isinstance(spec.get(provider), Mapping):
                    entry[provider] = {
                        str(lang): dict(v) if isinstance(v, Mapping) else self.from_environment(v, f"template '{kind}'")
                        for lang, v in spec[provider].items()
                    }
            result[str(kind)] = entry
        return result

    def from_environment(self, raw, what: str) -> str:
        """A value with ${VAR} / ${VAR:-default} filled from the environment; unset variables are errors."""
        value, missing = interpolate(str(raw), self.environ)
        for name in missing:
            self.error(raw, f"environment variable {name} is not set ({what})")
        return value

    def department(self, key, value) -> Department:
        value = _as_mapping(value)
        delivery = dict(self.mapping(value, "delivery"))
        secret_variables = {}
        for field, raw in delivery.items():
            if isinstance(raw, str) and field in SECRET_FIELDS:
                secret_variables[field] = self.secret_variable(raw, f"department '{key}', {field}", key, field)
                delivery[field] = interpolate(str(raw), self.environ)[0]
            elif isinstance(raw, str):
                delivery[field] = self.from_environment(raw, f"department '{key}', {field}")
        sla = parse_duration(value.get("sla"))
        shares = tuple(_strings(value.get("shares")))
        return Department(str(key), str(value.get("name", key)), delivery, sla, secret_variables, shares)

    def secret_variable(self, raw, what: str, key, field: str) -> str:
        """The variable a secret is read from: exactly `${VAR}`, so no secret ships in the file.

        An unset variable is no error here (the engine, `flows check` and `chat` need no keys);
        the app refuses to start without it (bot/delivery/keys.py).
        """
        match = _ONE_VARIABLE.fullmatch(str(raw))
        if match is None:
            suggested = f"{str(key).upper()}_{'STATUS_SECRET' if field == 'status_secret' else 'WEBHOOK_SECRET'}"
            self.error(
                raw,
                f"{what}: a secret comes from one environment variable, without a default or text around it"
                f" (write ${{{suggested}}} and set that variable)",
            )
            return ""
        return match.group(1)

    def privacy(self, section: Mapping, messages: dict[str, Text]) -> Privacy:
        """The notice's version and link, ARCO's deadlines and calendar, and the retention periods."""
        missing = [key for key in PRIVACY_MESSAGES if key not in messages]
        if not any(key.startswith("privacy_reason_") for key in messages):
            missing.append("privacy_reason_<code> (a legal ground to refuse a request)")
        if missing:
            self.error(
                _Where(section.pos), f"privacy: messages must say {', '.join(missing)} (the notice and ARCO requests)"
            )
        holidays = []
        for raw in _as_list(section.get("holidays")):
            try:
                holidays.append(date.fromisoformat(str(raw)))
            except ValueError:
                self.error(raw, f"privacy: holiday '{raw}' is not a date like 2026-12-12")
        retention = self.mapping(section, "retention")
        return Privacy(
            version=str(section.get("version") or ""),
            notice_url=self.from_environment(section.get("notice_url") or "", "privacy, notice_url"),
            answer_days=_whole(section, "answer_business_days", 20),
            extension_days=_whole(section, "extension_business_days", 10),
            holidays=tuple(sorted(holidays)),
            federal_holidays=section.get("federal_holidays") is not False,
            retention=Retention(
                messages=parse_period(retention.get("messages")),
                silent_contacts=parse_period(retention.get("silent_contacts")),
                audit_events=parse_period(retention.get("audit_events")),
            ),
        )

    def privacy_commands(self, commands: Mapping, privacy: Privacy | None) -> None:
        from bot.flows.commands import PRIVACY_COMMANDS

        for key in commands:
            if str(key) in PRIVACY_COMMANDS and privacy is None:
                self.error(
                    _Where(commands.key_pos[key]),
                    f"command '{key}' needs a `privacy:` section (its notice and deadlines)",
                )

    def said_by_commands(self, commands: Mapping, messages: dict[str, Text]) -> None:
        """The survey opt-in commands answer with a message of their own, which must be written."""
        for command, message in SAID_BY_COMMANDS.items():
            if command in commands and message not in messages:
                self.error(
                    _Where(commands.key_pos[command]), f"command '{command}' needs the message '{message}' (its answer)"
                )

    def elections(self, entries: list[Mapping]) -> tuple[Election, ...]:
        """The election calendar: each blackout's first and last day (YYYY-MM-DD), the last not before the first."""
        elections = []
        for entry in entries:
            name = str(entry.get("name") or "")
            start, end = _day(entry.get("from")), _day(entry.get("to"))
            for key, day in (("from", start), ("to", end)):
                if day is None and key in entry:
                    self.error(_Where(entry.key_pos[key]), f"election '{name}': {key} must be a date like 2027-06-06")
            if start and end and end < start:
                self.error(_Where(entry.key_pos["to"]), f"election '{name}': to ({end}) is before from ({start})")
            elif start and end:
                elections.append(Election(name, start, end))
        return tuple(elections)

    def menu(self, section: Mapping, flows: dict[str, Flow]) -> Menu:
        offered = _strings(section.get("flows"))
        for flow_id in flows:
            if flow_id not in offered and flows[flow_id].outcome.kind != "followup":  # the city starts a follow-up
                self.error(
                    _Where(section.key_pos.get("flows", section.pos)),
                    f"flow '{flow_id}' is not offered in the menu, so no resident can start it",
                )
        for flow_id in offered:
            if flow_id not in flows:
                self.error(flow_id, f"menu offers '{flow_id}', which is not a flow")
            elif flows[flow_id].outcome.kind == "followup":
                self.error(
                    flow_id, f"menu offers '{flow_id}', a follow-up: the city starts it, about a resolved ticket"
                )
        known = [flows[f] for f in offered if f in flows]
        index = ChoiceIndex(
            [
                Candidate(f.id, n, tuple(f.title.by_lang.values()) + sum(f.keywords.values(), ()))
                for n, f in enumerate(known, 1)
            ]
        )
        return Menu(self.text(section.get("prompt")), tuple(f.id for f in known), index)

    def zones(self, section: Mapping, departments: dict) -> tuple[Zone, ...]:
        """Zones, each routing some departments' tickets to another; every department named must be defined."""
        zones = []
        for key, raw in section.items():
            raw = _as_mapping(raw)
            routes = {str(k): str(v) for k, v in self.mapping(raw, "departments").items()}
            for name in [*routes, *routes.values()]:
                if name not in departments:
                    self.error(
                        raw.get("departments", raw),
                        f"zone '{key}': department '{name}' is not defined under departments",
                    )
            if not raw.get("name") and not raw.get("colonias"):
                self.error(raw, f"zone '{key}': give the polygon's name or its colonias")
            colonias = tuple(str(c) for c in _as_list(raw.get("colonias")))
            zones.append(Zone(str(key), str(raw.get("name") or ""), colonias, routes))
        return tuple(zones)

    def flow(self, key, value, departments: dict) -> Flow:
        value = _as_mapping(value)
        steps = tuple(self.step(key, s) for s in self.mappings(value, "steps"))
        fallback = str(value.get("fallback", "menu"))
        outcome = value.get("outcome")
        if fallback == "handover" and isinstance(outcome, Mapping) and outcome.get("kind") != "ticket":
            self.error(
                value.get("fallback"),
                f"flow '{key}': fallback handover needs a ticket outcome (its department takes over)",
            )
        return Flow(
            id=str(key),
            title=self.text(value.get("title")),
            keywords=self.words(value["keywords"]) if "keywords" in value else {},
            steps=steps,
            outcome=self.outcome(key, self.mapping(value, "outcome"), departments),
            done=self.text(value.get("done")),
            fallback=fallback,
            outside=self.text(value["outside"]) if "outside" in value else None,
            exempt=str(value["exempt"]) if value.get("exempt") in EXEMPTIONS else None,
            qr=self.qr(key, value["qr"], steps) if isinstance(value.get("qr"), Mapping) else None,
        )

    def followups(self, raw_flows: Mapping, flows: dict[str, Flow]) -> None:
        """A follow-up asks whether a ticket is fixed: a yes/no step, and one such flow at most (the city starts it)."""
        followups = [f for f in flows.values() if f.outcome.kind == "followup"]
        for flow in followups:
            if not any(s.kind == "yes_no" for s in flow.steps):
                self.error(raw_flows.get(flow.id), f"flow '{flow.id}': a follow-up needs a yes_no step (is it fixed?)")
        for flow in followups[1:]:
            self.error(raw_flows.get(flow.id), f"flow '{flow.id}': only one follow-up flow ('{followups[0].id}')")

    def step(self, flow_id, value: Mapping) -> Step:
        kind = str(value.get("kind", ""))
        where = f"flow '{flow_id}', step '{value.get('id', '?')}'"
        options = self.options(value, where) if kind == "choice" else ()
        if value.get("optional") is True and kind in STEP_KINDS and kind not in SKIPPABLE_KINDS:
            self.error(
                value.get("optional"),
                f"{where}: optional has no effect on a {kind} step (only on {', '.join(SKIPPABLE_KINDS)})",
            )
        scale = value.get("scale", [1, 5])
        if not (isinstance(scale, list) and len(scale) == 2 and all(isinstance(n, int) for n in scale)):
            scale = [1, 5]  # schema.py reports it
        elif scale[0] >= scale[1]:
            self.error(value, f"{where}: scale must be [low, high], like [1, 5]")
            scale = [1, 5]
        return Step(
            id=str(value.get("id") or ""),
            kind=kind,
            prompt=self.text(value.get("prompt")),
            options=options,
            index=_option_index(options) if options else None,
            show_options=len(options) <= CHOICE_LIST_LIMIT,
            optional=value.get("optional") is True,
            scale=(scale[0], scale[1]),
            ratings=self.step_ratings(value, kind, where),
            min=_number(value, "min", None),
            max=_number(value, "max", None),
            min_length=_whole(value, "min_length", 1),
            max_length=_whole(value, "max_length", 1000),
            allow_future=value.get("allow_future") is True,
            prefill=value.get("prefill") is True or (value.get("prefill") is None and kind in PREFILLED_KINDS),
            when=self.condition(value.get("when"), where),
            next=str(value["next"]) if value.get("next") else None,
            reprompt=self.text(value["reprompt"]) if "reprompt" in value else None,
            typed_prompt=self.text(value["typed_prompt"]) if "typed_prompt" in value else None,
            label=self.text(value["label"]) if "label" in value else None,
            channels=tuple(str(c) for c in _as_list(value.get("channels"))),
            skip_on=tuple(str(c) for c in _as_list(value.get("skip_on"))),
            personal=value.get("personal") is True,
            private=value.get("private") is True,
            public=self.public(value, kind, where),
            line=value.pos[0],
        )

    def step_ratings(self, value: Mapping, kind: str, where: str) -> dict[str, dict[str, int]]:
        """A rating step's own words (they add to and override the top-level `ratings:` for it), 1-5 each."""
        section = value.get("ratings")
        if section is None:
            return {}
        if kind != "rating":
            self.error(_Where(value.key_pos["ratings"]), f"{where}: ratings apply only to a rating step, not {kind}")
            return {}
        if not isinstance(section, Mapping):
            return {}  # schema.py reports it
        for lang in section:
            if str(lang) not in self.languages:
                self.error(
                    _Where(section.key_pos[lang]),
                    f"{where}: ratings in '{lang}', which is not among languages ({', '.join(self.languages)})",
                )
        return self.ratings(section)

    def public(self, value: Mapping, kind: str, where: str) -> bool:
        """`public: true` only on a text step that asks for no personal data: its answers are published."""
        if value.get("public") is not True:
            return False
        if kind != "text":
            self.error(value, f"{where}: public applies only to a text step (a comment published)")
            return False
        if value.get("personal") is True:
            self.error(value, f"{where}: a step asking for personal data cannot be public")
            return False
        return True

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
            if not (isinstance(spec, Mapping) and "file" in spec and "column" in spec):
                return ()  # schema.py reports it
            try:
                rows = read_options(self.base_dir, spec)
                self.digest.update(repr(rows).encode())
            except OptionsFileError as exc:
                self.error(spec, f"{where}: {exc}")
                return ()
            return tuple(
                Option(row.id, Text({self.default_language: row.label}), {self.default_language: row.words})
                for row in rows
            )
        return tuple(
            Option(
                str(raw["id"]),
                self.text(raw.get("label")),
                self.words(raw.get("words")),
                str(raw["next"]) if raw.get("next") else None,
            )
            for raw in self.mappings(value, "options")
            if "id" in raw
        )

    def outcome(self, flow_id, section: Mapping, departments: dict) -> Outcome:
        kind = str(section.get("kind", ""))
        department = section.get("department")
        if isinstance(department, str) and department not in departments:
            self.error(department, f"flow '{flow_id}': department '{department}' is not defined under departments")
        radius = _number(section, "duplicate_radius_m", None)
        return Outcome(
            kind,
            str(department) if department else None,
            str(section.get("category", flow_id)),
            str(section.get("priority", "normal")),
            self.text(section.get("summary")) if kind == "ticket" else None,
            service_code=str(section["service_code"]) if section.get("service_code") else None,
            duplicate_radius_m=radius,
            sla=parse_duration(section.get("sla")),
            waits=parse_duration(section.get("waits")) if kind == "followup" else None,
        )


def _option_index(options: tuple[Option, ...]) -> ChoiceIndex:
    """Options by their words; numbers only for lists short enough to be shown numbered."""
    shown = len(options) <= CHOICE_LIST_LIMIT
    return ChoiceIndex(
        [
            Candidate(o.id, n if shown else None, tuple(o.label.by_lang.values()) + sum(o.words.values(), ()))
            for n, o in enumerate(options, 1)
        ]
    )


class _Where:
    """A bare position, for errors about keys."""

    def __init__(self, pos: Position):
        self.pos = pos
