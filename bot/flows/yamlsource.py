"""YAML that remembers where each value was written, so errors can say file:line:col."""

from __future__ import annotations

import os
import re
from collections.abc import Hashable

import yaml

__all__ = ["Mapping", "Sequence", "Scalar", "parse", "interpolate", "Position"]

Position = tuple[int, int]  # 1-based line, column
_ENV = re.compile(r"\$\{(\w+)(?::-([^${}]*))?\}")


class Mapping(dict):
    """A YAML mapping with the position of itself and of each key."""

    pos: Position = (1, 1)
    key_pos: dict


class Sequence(list):
    """A YAML sequence with its position."""

    pos: Position = (1, 1)


class Scalar(str):
    """A YAML string with its position (numbers and booleans stay plain Python)."""

    pos: Position = (1, 1)


def _pos(node: yaml.Node) -> Position:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Loader(yaml.SafeLoader):
    """SafeLoader that attaches positions to mappings, sequences and strings."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Mapping:
    result = Mapping()
    result.pos, result.key_pos = _pos(node), {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, "found a list or mapping as a key", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_pos[key] = _pos(key_node)
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> Sequence:
    result = Sequence(loader.construct_object(child, deep=True) for child in node.value)
    result.pos = _pos(node)
    return result


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> Scalar:
    result = Scalar(loader.construct_scalar(node))
    result.pos = _pos(node)
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)


def parse(text: str):
    """Parse YAML text into positioned values; raises yaml.YAMLError (with a mark where it has one)."""
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: no Python objects
    except RecursionError:
        raise yaml.YAMLError("lists or mappings nested too deeply") from None


def interpolate(value: str, environ: dict | None = None) -> tuple[str, list[str]]:
    """Replace ${VAR} and ${VAR:-default} from the environment; return text and unset names."""
    env = os.environ if environ is None else environ
    missing: list[str] = []

    def replace(match: re.Match) -> str:
        name, default = match.group(1), match.group(2)
        if env.get(name):
            return env[name]
        if default is None:
            missing.append(name)
            return ""
        return default

    previous = None
    while previous != value:  # inner ${...} first, so defaults may nest
        previous, value = value, _ENV.sub(replace, value)
    return value, missing
