"""flows.schema.json: editors validate flows.yaml with it, so it must accept the shipped file,
reject the mistakes the loader rejects, and be exactly what the models in bot/flows/schema.py
(which the loader validates with) generate."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.flows import loader, schema
from bot.flows.commands import KNOWN_COMMANDS
from bot.flows.steps import ANSWERLESS_KINDS, STEP_KINDS

ROOT = Path(__file__).parent.parent.parent
SCHEMA = json.loads((ROOT / "flows.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
DEFS = SCHEMA["$defs"]

# A small but complete file (one language, so texts may be plain strings).
MINIMAL = textwrap.dedent(
    """
    default_language: es
    languages:
      es: [hola]
    commands:
      menu: {es: [menu]}
      language_es: {es: [español]}
    words:
      "yes": {es: [si, "yes"]}
      "no": {es: ["no"]}
      skip: {es: [omitir]}
    messages:
      invalid: No te entendí.
      too_many_attempts: Empecemos de nuevo.
      cancelled: Cancelado.
      confirm_declined: No envié nada.
      did_you_mean: "¿Quisiste decir {option}?"
      which_one: "¿Cuál?"
      help: Escribe menú.
      expired: Empezamos de nuevo.
      opted_out: Baja.
      opted_in: Alta.
      status_usage: estado FOLIO
      status_unknown: "No encontré {folio}"
      status_reply: "{folio}: {summary} ({status})"
      handover: "Una persona te escribirá. Folio {folio}"
      handover_summary: "Ayuda con {flow}"
      language_changed: Español.
    departments:
      obras:
        name: Obras Públicas
        delivery: {kind: webhook, url: "${OBRAS_URL:-http://127.0.0.1:5000/demo/inbox/obras}", secret: "${OBRAS_SECRET}"}
    menu:
      prompt: "¿En qué te ayudo?"
      flows: [banqueta]
    flows:
      banqueta:
        title: Banqueta rota
        keywords: {es: [banqueta]}
        fallback: handover
        outcome: {kind: ticket, department: obras, category: banqueta, summary: "Banqueta en {lugar}"}
        steps:
          - id: lugar
            kind: location
            prompt: "¿Dónde?"
          - id: confirm
            kind: confirm
            prompt: "¿Envío el reporte de {lugar}?"
        done: "Folio {folio}"
    """
)


def shipped() -> dict:
    """flows.yaml as PyYAML reads it (YAML 1.1: unquoted yes/no/on/off are booleans)."""
    return yaml.safe_load((ROOT / "flows.yaml").read_text(encoding="utf-8"))


def minimal() -> dict:
    return yaml.safe_load(MINIMAL)


def errors(document) -> list[tuple[tuple, str, str]]:
    """Each schema error as (path, keyword, message)."""
    return [(tuple(e.absolute_path), e.validator, e.message) for e in VALIDATOR.iter_errors(document)]


def describe(found) -> str:
    return "\n".join(f"{'/'.join(map(str, path))}: {message}" for path, _, message in found)


def test_the_committed_schema_is_what_the_models_generate():
    committed = (ROOT / "flows.schema.json").read_text(encoding="utf-8")
    assert committed == schema.render(), "flows.schema.json is stale: run `ventanilla flows schema > flows.schema.json`"


def test_the_schema_is_a_valid_2020_12_schema():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_shipped_flows_validate():
    found = errors(shipped())
    assert not found, (
        "flows.yaml does not match flows.schema.json (quote yes/no/on/off: YAML reads them as booleans):\n"
        + describe(found)
    )


def test_the_minimal_file_satisfies_schema_and_loader_alike():
    assert errors(minimal()) == []
    flows = loader.load_flows_text(MINIMAL, environ={})
    assert list(flows.flows) == ["banqueta"]


def test_an_unknown_step_kind_fails():
    document = shipped()
    document["flows"]["pothole"]["steps"][0]["kind"] = "lugar"
    assert (("flows", "pothole", "steps", 0, "kind"), "enum") in {(p, k) for p, k, _ in errors(document)}


def test_an_unknown_top_level_key_fails():
    document = minimal()
    document["departamentos"] = {}
    found = errors(document)
    assert [(p, k) for p, k, _ in found] == [((), "additionalProperties")]
    assert "departamentos" in found[0][2]


def test_a_misspelt_step_key_fails():
    document = minimal()
    step = document["flows"]["banqueta"]["steps"][0]
    step["promt"] = step.pop("prompt")
    found = {(p, k): m for p, k, m in errors(document)}
    where = ("flows", "banqueta", "steps", 0)
    assert "promt" in found[(where, "additionalProperties")]
    assert "prompt" in found[(where, "required")]


@pytest.mark.parametrize(
    "change, path",
    [
        (lambda d: d["flows"]["banqueta"].update(titulo="x"), ("flows", "banqueta")),
        (lambda d: d["flows"]["banqueta"].update(fallback="persona"), ("flows", "banqueta", "fallback")),
        (lambda d: d["flows"]["banqueta"]["outcome"].update(kind="reporte"), ("flows", "banqueta", "outcome", "kind")),
        (lambda d: d["flows"]["banqueta"]["outcome"].pop("department"), ("flows", "banqueta", "outcome")),
        (lambda d: d["flows"]["banqueta"]["steps"][0].update(kind="choice"), ("flows", "banqueta", "steps", 0)),
        (lambda d: d["flows"]["banqueta"]["steps"][0].update(id="mi-lugar"), ("flows", "banqueta", "steps", 0, "id")),
        (lambda d: d["messages"].pop("help"), ("messages",)),
        (lambda d: d["commands"].update(ayuda={"es": ["ayuda"]}), ("commands",)),
        (
            lambda d: d["departments"]["obras"]["delivery"].update(kind="fax"),
            ("departments", "obras", "delivery", "kind"),
        ),
    ],
    ids=[
        "unknown-flow-key",
        "fallback",
        "outcome-kind",
        "ticket-without-department",
        "choice-without-options",
        "step-id-with-hyphen",
        "required-message",
        "unknown-command",
        "delivery-kind",
    ],
)
def test_other_mistakes_fail_where_they_are(change, path):
    document = minimal()
    change(document)
    assert path in {p for p, _, _ in errors(document)}, describe(errors(document))
    with pytest.raises(loader.FlowsInvalidError):
        loader.load_flows_text(yaml.safe_dump(document, allow_unicode=True), environ={})


@pytest.mark.parametrize(
    "path",
    [
        (),
        ("menu",),
        ("departments", "obras"),
        ("departments", "obras", "delivery"),
        ("flows", "banqueta"),
        ("flows", "banqueta", "outcome"),
        ("flows", "banqueta", "steps", 0),
    ],
)
def test_an_unknown_key_fails_in_the_schema_and_the_loader_alike(path):
    document = minimal()
    place = document
    for key in path:
        place = place[key]
    place["bogus"] = 1
    assert (path, "additionalProperties") in {(p, k) for p, k, _ in errors(document)}
    with pytest.raises(loader.FlowsInvalidError) as info:
        loader.load_flows_text(yaml.safe_dump(document, allow_unicode=True), environ={})
    assert "unknown key 'bogus'" in str(info.value)


def test_unquoted_yes_and_no_are_caught():
    document = yaml.safe_load(MINIMAL.replace('"yes": {es: [si, "yes"]}', "yes: {es: [si, yes]}"))
    assert True in document["words"]  # what PyYAML made of the key
    found = errors(document)
    assert (("words",), "required") in {(p, k) for p, k, _ in found}
    assert ("words", True, "es", 1) in {p for p, _, _ in found}
    assert ("words", "no", "es", 0) not in {p for p, _, _ in found}


def test_translated_texts_are_a_string_or_strings_by_language():
    text = {"$defs": DEFS, **DEFS["text"]}
    check = jsonschema.Draft202012Validator(text).is_valid
    assert check("Hola") and check({"es": "Hola", "en": "Hi"})
    assert not check(["Hola"]) and not check({"es": ["Hola"]}) and not check({})


def test_step_kinds_match_the_engine():
    assert set(DEFS["step"]["properties"]["kind"]["enum"]) == set(STEP_KINDS)


def test_required_and_enumerated_values_are_the_engines():
    assert set(DEFS["messages"]["required"]) == {
        "invalid",
        "too_many_attempts",
        "cancelled",
        "confirm_declined",
        "did_you_mean",
        "which_one",
        "help",
        "expired",
        "opted_out",
        "opted_in",
        "status_usage",
        "status_unknown",
        "status_reply",
        "handover",
        "handover_summary",
        "language_changed",
    }
    assert set(DEFS["words"]["required"]) == {"yes", "no", "skip"}
    assert DEFS["outcome"]["properties"]["kind"]["enum"] == ["ticket", "survey", "info", "followup"]
    assert DEFS["flow"]["properties"]["fallback"]["enum"] == ["menu", "handover"]
    assert DEFS["delivery"]["properties"]["kind"]["enum"] == ["webhook", "open311", "email", "dashboard"]
    assert set(DEFS["commands"]["properties"]) == set(KNOWN_COMMANDS)


def test_every_step_kind_has_its_invalid_message_described():
    described = {k for k in DEFS["messages"]["properties"] if k.startswith("invalid_")}
    assert described == {f"invalid_{kind}" for kind in STEP_KINDS if kind not in ANSWERLESS_KINDS}


def test_every_property_is_described():
    """Autocomplete shows the description (its own, or its definition's): every key a file may hold has one."""
    missing = []

    def described(sub):
        return "description" in sub or "description" in DEFS.get(sub.get("$ref", "").rsplit("/", 1)[-1], {})

    def walk(node, path):
        if isinstance(node, dict):
            for key, sub in (node.get("properties") or {}).items():
                if not described(sub):
                    missing.append(f"{path}/{key}")
            for key, sub in node.items():
                if key != "if":  # conditions select, they describe nothing
                    walk(sub, f"{path}/{key}")
        elif isinstance(node, list):
            for n, sub in enumerate(node):
                walk(sub, f"{path}/{n}")

    walk(SCHEMA, "")
    assert not missing, missing
