"""flows.schema.json (what an editor checks while a volunteer types) and the loader (what `flows check` and the
bot read) agree on every key: a key one allows the other reads, and a wrong key one rejects the other rejects."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.flows.loader import FlowsInvalidError, load_flows_text
from tests.support.flowfiles import HEADER, flow

ROOT = Path(__file__).parent.parent.parent
SCHEMA = json.loads((ROOT / "flows.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

# Where the loader reads each mapping of the file key by key: the schema's section, and the functions reading it.
READ_BY = {
    "": ["loader.py:_Builder.build"],
    "flow": ["loader.py:_Builder.flow", "loader.py:_Builder.qr_codes", "checks.py:check_flow_graph"],
    "step": [
        "loader.py:_Builder.step",
        "loader.py:_Builder.public",
        "loader.py:_Builder.options",
        "loader.py:_Builder.step_ratings",
    ],
    "option": ["loader.py:_Builder.options", "checks.py:_targets_as_written"],
    "optionsFrom": ["loader.py:_Builder.options", "optionfiles.py:read_options"],
    "outcome": ["loader.py:_Builder.outcome", "loader.py:_Builder.flow", "checks.py:check_flow_graph"],
    "qr": ["loader.py:_Builder.qr", "loader.py:_Builder.flow"],
    "menu": ["loader.py:_Builder.menu"],
    "zone": ["loader.py:_Builder.zones"],
    "election": ["loader.py:_Builder.elections"],
    "privacy": ["loader.py:_Builder.privacy"],
    "retention": ["loader.py:_Builder.privacy"],
    "department": ["loader.py:_Builder.department"],
    "template": ["loader.py:_Builder.templates"],
}
# Mappings the loader keeps whole, each key read by its name where it is used (the engine, delivery, ...).
KEPT_WHOLE = ["commands", "words", "messages", "delivery", "metaTemplate"]
DECLARED_IN = {"schema.py", "flowshape.py", "schematypes.py"}  # where the keys are declared, not read


def allowed(section: str) -> set[str]:
    node = SCHEMA if section == "" else SCHEMA["$defs"][section]
    return set(node.get("properties", {}))


def _function(path: str):
    module, name = path.split(":")
    tree = ast.parse((ROOT / "bot" / "flows" / module).read_text(encoding="utf-8"))
    *owner, function = name.split(".")
    scope = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner[0]) if owner else tree
    return next(n for n in scope.body if isinstance(n, ast.FunctionDef) and n.name == function)


def keys_read(node) -> set[str]:
    """The keys a function reads: x.get("k"), x["k"], "k" in x, helpers given x and "k" (_number(x, "k")),
    and the keys of a loop over written names (for provider in ("twilio", "meta"))."""
    found = set()
    for item in ast.walk(node):
        if isinstance(item, ast.Call) and isinstance(item.func, ast.Attribute) and item.func.attr == "get":
            found |= {item.args[0].value} if item.args and isinstance(item.args[0], ast.Constant) else set()
        elif isinstance(item, ast.Call) and len(item.args) >= 2 and isinstance(item.args[1], ast.Constant):
            found.add(item.args[1].value)  # self.mapping(section, "retention"), _number(data, "max_attempts", 3)
        if isinstance(item, ast.Subscript) and isinstance(item.slice, ast.Constant):
            found.add(item.slice.value)
        if isinstance(item, ast.Compare) and isinstance(item.left, ast.Constant) and isinstance(item.ops[0], ast.In):
            found.add(item.left.value)
        if isinstance(item, ast.For) and isinstance(item.iter, (ast.Tuple, ast.List)):
            found |= {e.value for e in item.iter.elts if isinstance(e, ast.Constant)}
    return {k for k in found if isinstance(k, str) and k.isidentifier()}


def names_used_in_bot() -> tuple[set[str], tuple[str, ...]]:
    """Every string the code outside the schema's own modules writes, and the starts of names it composes
    (f"invalid_{kind}" reads invalid_text, invalid_rating, ...)."""
    found, starts = set(), set()
    for path in (ROOT / "bot").rglob("*.py"):
        if path.name not in DECLARED_IN:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            found |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
            for joined in (n for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) and n.values):
                first = joined.values[0]
                if isinstance(first, ast.Constant) and str(first.value).endswith("_"):
                    starts.add(str(first.value))
    return found, tuple(starts)


@pytest.mark.parametrize("section", sorted(READ_BY))
def test_every_key_the_schema_allows_the_loader_reads(section):
    read = set().union(*(keys_read(_function(f)) for f in READ_BY[section]))
    assert allowed(section) - read == set(), f"the schema allows keys of {section or 'the file'} the loader ignores"


def test_every_key_the_loader_reads_the_schema_allows():
    read = set().union(*(keys_read(_function(f)) for functions in READ_BY.values() for f in functions))
    everywhere = set().union(*(allowed(s) for s in [*READ_BY, *KEPT_WHOLE]))
    assert read - everywhere == set(), "the loader reads keys no schema section allows (the schema rejects them)"


def test_every_key_the_schema_allows_in_a_mapping_kept_whole_is_read_by_its_name_somewhere():
    used, starts = names_used_in_bot()
    for section in KEPT_WHOLE:
        unread = {k for k in allowed(section) - used if not k.startswith(starts)}
        assert unread == set(), f"{section}: keys the schema allows that no code reads"


def test_every_section_with_keys_is_accounted_for():
    sections = {name for name, node in SCHEMA["$defs"].items() if node.get("properties")}
    assert sections == (set(READ_BY) | set(KEPT_WHOLE)) - {""}


STEPS = "- id: ask\n  kind: text\n  prompt: {es: Hola, en: Hi}\n"
GOOD = HEADER + "menu:\n  prompt: {es: Elige, en: Pick}\n  flows: [a]\nflows:\n"
GOOD += flow("a", "{es: Uno, en: One}", "{es: [uno], en: [one]}", STEPS)
BAD_KEYS = [
    ("  prompt: {es: Hola", "  promt: {es: Hola", "promt"),  # a step's key misspelt
    ("    keywords:", "    keyword:", "keyword"),  # a flow's
    ("outcome: {kind: info}", "outcome: {kind: info, departmen: obras}", "departmen"),  # an outcome's
    ("  kind: text\n", "  kind: text\n        next_step: ask\n", "next_step"),  # a step's, made up
]


@pytest.mark.parametrize("old, new, key", BAD_KEYS)
def test_a_wrong_key_is_rejected_by_both(old, new, key):
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    assert any(key in e.message for e in VALIDATOR.iter_errors(yaml.safe_load(text))), "the schema took it"
    with pytest.raises(FlowsInvalidError, match=f"unknown key '{key}'"):
        load_flows_text(text, environ={})


def test_a_wrong_key_inside_options_from_is_rejected_by_both(tmp_path):
    (tmp_path / "lugares.csv").write_text("nombre\nCentro\n", encoding="utf-8")
    text = GOOD.replace("kind: text\n", "kind: choice\n        options_from: {file: lugares.csv, colum: nombre}\n", 1)
    assert any("colum" in e.message for e in VALIDATOR.iter_errors(yaml.safe_load(text)))
    with pytest.raises(FlowsInvalidError, match=r"unknown key 'colum'.*did you mean 'column'"):
        load_flows_text(text, environ={}, base_dir=tmp_path)


def test_the_good_file_is_taken_by_both():
    assert list(VALIDATOR.iter_errors(yaml.safe_load(GOOD))) == []
    assert load_flows_text(GOOD, environ={}).flows["a"].steps[0].id == "ask"
