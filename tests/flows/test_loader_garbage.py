"""Any wrong shape in flows.yaml ends in PATH:LINE:COL errors, never in another exception.

Starts from the shipped file, breaks it at random places with wrong-shaped values, and loads it.
"""

from __future__ import annotations

import copy
import re
from contextlib import suppress
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.flows.loader import FlowsInvalidError, load_flows_text
from bot.flows.model import Flows

ROOT = Path(__file__).parent.parent.parent
SHIPPED = yaml.safe_load((ROOT / "flows.yaml").read_text(encoding="utf-8"))
ERROR_LINE = re.compile(r"^flows\.yaml:\d+:\d+: .+")
SETTINGS = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def node_paths(node, prefix: tuple = ()) -> list[tuple]:
    """Every path to a mapping value or list item, at any depth."""
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    paths = []
    for key, child in children:
        paths.append((*prefix, key))
        paths += node_paths(child, (*prefix, key))
    return paths


def at(data, path: tuple):
    for key in path:
        data = data[key]
    return data


PATHS = node_paths(SHIPPED)
KEY_PATHS = [p for p in PATHS if isinstance(p[-1], str)]
# Most crashes hide where a mapping or list is expected, so those paths are drawn as often as all others.
CONTAINER_PATHS = [p for p in PATHS if isinstance(at(SHIPPED, p), (dict, list))]
any_path = st.one_of(st.sampled_from(CONTAINER_PATHS), st.sampled_from(PATHS))

scalars = st.one_of(
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.text(max_size=20),
    st.sampled_from(["", "x" * 5000, "${UNSET}", "{missing}", "1d", "-3h", "end", "menu", "es", "choice", "ticket"]),
)
junk = st.one_of(
    scalars,
    st.just([]),
    st.just({}),
    st.lists(st.integers(-5, 5), max_size=3),
    st.lists(scalars, max_size=3),
    st.dictionaries(st.one_of(st.text(max_size=8), st.integers(), st.booleans()), scalars, max_size=3),
    st.dictionaries(st.text(max_size=8), st.lists(scalars, max_size=2), max_size=3),
)


def put(data, path: tuple, value) -> None:
    at(data, path[:-1])[path[-1]] = value


def delete(data, path: tuple) -> None:
    del at(data, path[:-1])[path[-1]]


def assert_loads_or_reports(data) -> None:
    text = yaml.safe_dump(data, allow_unicode=True)
    try:
        flows = load_flows_text(text, "flows.yaml", environ={}, base_dir=ROOT)
    except FlowsInvalidError as exc:
        lines = str(exc).splitlines()
        assert lines, "FlowsInvalidError without errors"
        for line in lines:
            assert ERROR_LINE.match(line), line
    else:
        assert isinstance(flows, Flows)


@settings(SETTINGS, max_examples=200)
@given(path=any_path, value=junk)
def test_one_wrong_value_anywhere(path, value):
    data = copy.deepcopy(SHIPPED)
    put(data, path, value)
    assert_loads_or_reports(data)


@settings(SETTINGS, max_examples=100)
@given(changes=st.lists(st.tuples(any_path, junk), min_size=2, max_size=6))
def test_several_wrong_values_at_once(changes):
    data = copy.deepcopy(SHIPPED)
    for path, value in changes:
        with suppress(KeyError, IndexError, TypeError):  # an earlier change replaced this path's parent
            put(data, path, value)
    assert_loads_or_reports(data)


@settings(SETTINGS, max_examples=80)
@given(paths=st.lists(st.sampled_from(KEY_PATHS), min_size=1, max_size=4))
def test_deleted_keys(paths):
    data = copy.deepcopy(SHIPPED)
    for path in paths:
        with suppress(KeyError, IndexError, TypeError):  # already gone with its parent
            delete(data, path)
    assert_loads_or_reports(data)


@settings(SETTINGS, max_examples=40)
@given(value=junk)
@example(value={9223372036854775808: None})  # a key beyond 64 bits: pydantic names it as text, the file as a number
def test_top_level_junk(value):
    assert_loads_or_reports(value)
