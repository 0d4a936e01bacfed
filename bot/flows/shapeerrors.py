"""Pydantic's errors about flows.yaml, said the way a person editing the file reads them, at their line."""

from __future__ import annotations

import difflib
import re
from functools import cache
from itertools import pairwise
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from bot.flows.yamlsource import Position

__all__ = ["did_you_mean", "shape_errors"]

CLOSE_ENOUGH = 0.75  # difflib's ratio: "colum" for "column", "netx" for "next"; not "label" for "file"

BY_NAME = {"flows": "flow", "departments": "department", "templates": "template"}  # mappings of named things
BY_ID = {"steps": "step", "options": "option"}  # lists of things with an id
EXPECTED = {  # what a value must be or have, by pydantic's error type
    "string_type": "be a string",
    "int_type": "be a whole number",
    "int_from_float": "be a whole number",
    "float_type": "be a number",
    "bool_type": "be true or false",
    "dict_type": "be a mapping",
    "model_type": "be a mapping",
    "model_attributes_type": "be a mapping",
    "list_type": "be a list",
    "literal_error": "be one of {choices}",
    "greater_than_equal": "be at least {ge}",
    "greater_than": "be more than {gt}",
    "less_than_equal": "be at most {le}",
    "less_than": "be less than {lt}",
    "string_pattern_mismatch": "be of the form {pattern}",
    "too_short": "have at least {min_length} item(s)",
    "too_long": "have at most {max_length} item(s)",
}
WHOLE = {"needs"}  # errors about the value at their place as a whole, not about one of its keys
COMPLETE = {"command", "step_kind"}  # schema.py's messages that name what is wrong themselves
FILE_SHAPE = "the file must be a mapping with 'flows', 'menu' and 'departments'"


def shape_errors(data, exc: ValidationError) -> list[tuple[Position, str]]:
    """Each error once, as (position, message), its position found in the positioned YAML."""
    found: dict[tuple[Position, str], None] = {}
    for error in exc.errors(include_url=False):
        path = _path(data, error["loc"])
        found[_position(path, error), _message(path, error)] = None
    return list(found)


def _path(data, loc: tuple) -> list[tuple[Any, Any]]:
    """(key, value) from the file down along loc, as far as the file has it (loc may name a missing key)."""
    path: list[tuple[Any, Any]] = [(None, data)]
    for key in loc:
        node = path[-1][1]
        found = (
            key in node
            if isinstance(node, dict)
            else isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
        )
        if not found:
            break
        path.append((key, node[key]))
    return path


def _position(path: list, error: ErrorDetails) -> Position:
    """Where a wrong string is written, else its key (or, for a list's item, the item), else its parent."""
    if error["type"] == "missing" or len(path) == 1:
        return getattr(path[-1][1], "pos", (1, 1))
    (_, parent), (key, value) = path[-2], path[-1]
    key_pos = getattr(parent, "key_pos", {})
    if isinstance(value, str) and hasattr(value, "pos"):
        return value.pos
    if key in key_pos:
        return key_pos[key]
    return getattr(value, "pos", getattr(parent, "pos", (1, 1)))


def _message(path: list, error: ErrorDetails) -> str:
    kind, loc = error["type"], error["loc"]
    if kind == "missing":
        return _said(_where(path), f"'{loc[len(path) - 1]}' is missing")
    if len(path) == 1 and kind in ("model_type", "dict_type"):
        return FILE_SHAPE
    if len(path) == 1:  # the key is not found as written (a number too large for pydantic's own key, say)
        path = [*path, (loc[-1] if loc else None, None)]
    where, field = _where(path[:-1]), _field(path[-1][0], path[-2][1])
    if kind == "extra_forbidden":
        allowed = _allowed([k for k, _ in path[1:-1]])
        return f"unknown key '{path[-1][0]}' in {where or 'the file'}{did_you_mean(path[-1][0], allowed)} (allowed: {', '.join(allowed)})"
    if kind == "invalid_key":
        return _said(where, "a key is true, false or a number: quote keys such as yes, no, on and off")
    if kind in EXPECTED:
        choices = ", ".join(_enum([k for k, _ in path[1:]]))
        what = EXPECTED[kind].format(choices=choices, **error.get("ctx", {}))
        return _said(where, f"{field.strip(chr(39)) if kind == 'literal_error' else field} must {what}")
    message = error["msg"]
    if kind in WHOLE:
        return _said(_where(path), message)
    if kind in COMPLETE:
        return _said(where, message)
    return _said(where, f"{field} {message}" if message.startswith("must") else f"{field}: {message}")


def did_you_mean(written, known, cutoff: float = CLOSE_ENOUGH) -> str:
    """ ", did you mean 'column'?" when a known name is close to what is written (a typo), else nothing."""
    close = difflib.get_close_matches(str(written), [str(k) for k in known], n=1, cutoff=cutoff)
    return f", did you mean '{close[0]}'?" if close else ""


def _said(where: str, message: str) -> str:
    return f"{where}: {message}" if where else message


def _field(key, parent) -> str:
    return f"item {key + 1}" if isinstance(parent, list) else f"'{key}'"  # a mapping's key may be a number too


def _where(path: list) -> str:
    """Where in the file, as people name it: flow 'pothole', step 'location', outcome."""
    parts: list[str] = []
    for (parent_key, parent), (key, value) in pairwise(path):
        if parent_key in BY_NAME and isinstance(parent, dict) and parts and parts[-1] == parent_key:
            parts[-1] = f"{BY_NAME[parent_key]} '{key}'"
        elif parent_key in BY_ID and isinstance(value, dict) and parts and parts[-1] == parent_key:
            parts[-1] = f"{BY_ID[parent_key]} '{value.get('id', key + 1)}'"
        else:
            parts.append(str(key))
    return ", ".join(parts)


def _schema_at(keys: list) -> dict:
    """The part of flows.schema.json that describes the value at keys (a path of the file)."""
    root = _schema()
    node = root
    for key in keys:
        node = _resolve(root, node)
        if isinstance(key, int):
            node = node.get("items", {})
        else:
            node = node.get("properties", {}).get(key) or _pattern_or_extra(node, key)
    return _resolve(root, node)


@cache
def _schema() -> dict:
    from bot.flows.schema import json_schema

    return json_schema()


def _resolve(root: dict, node) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        node = {**root["$defs"][node["$ref"].rsplit("/", 1)[1]], **{k: v for k, v in node.items() if k != "$ref"}}
    return node if isinstance(node, dict) else {}


def _pattern_or_extra(node: dict, key) -> dict:
    for pattern, sub in (node.get("patternProperties") or {}).items():
        if re.match(pattern, str(key)):
            return sub
    extra = node.get("additionalProperties")
    return extra if isinstance(extra, dict) else {}


def _allowed(keys: list) -> list[str]:
    return sorted(_schema_at(keys).get("properties", {}))


def _enum(keys: list) -> list[str]:
    return [str(v) for v in _schema_at(keys).get("enum", [])]
