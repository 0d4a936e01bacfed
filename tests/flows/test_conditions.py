"""`when:` conditions: a small language, evaluated safely."""

from __future__ import annotations

import pytest

from bot.flows.conditions import ConditionError, parse_condition


@pytest.mark.parametrize(
    "source, answers, expected",
    [
        ('problem == "missed_collection"', {"problem": "missed_collection"}, True),
        ('problem != "missed_collection"', {"problem": "missed_collection"}, False),
        ("cleanliness <= 2", {"cleanliness": 1}, True),
        ("cleanliness <= 2 and safety >= 4", {"cleanliness": 1, "safety": 3}, False),
        ("cleanliness <= 2 or safety >= 4", {"cleanliness": 5, "safety": 4}, True),
        ("not (cleanliness > 3)", {"cleanliness": 2}, True),
        ('problem in ["a", "b"]', {"problem": "b"}, True),
        ("problem not in ['a', 'b']", {"problem": "c"}, True),
        ("photo != null", {}, False),
        ("photo == null", {"photo": None}, True),
        ("urgent == true", {"urgent": True}, True),
        ("cleanliness < 3", {}, False),  # a missing answer compares as false, not an error
        ("amount >= 2.5", {"amount": 3}, True),
    ],
)
def test_conditions_evaluate(source, answers, expected):
    assert parse_condition(source).holds(answers) is expected


def test_names_are_collected_for_checking():
    assert parse_condition("a == 1 and (b in [1, 2] or not c)").names == {"a", "b", "c"}


@pytest.mark.parametrize(
    "source",
    ["x ==", "x = 1", '__import__("os")', "a.b == 1", "1 +", "(a == 1", "a == 1)", "a == [1, b]", "lambda: 1", ""],
)
def test_anything_outside_the_language_is_refused(source):
    with pytest.raises(ConditionError):
        parse_condition(source)


def test_nesting_is_bounded_before_the_parser_or_the_evaluator_could_run_out_of_stack():
    deep = "(" * 31 + "not a == 2" + ")" * 31
    assert parse_condition(deep).holds({"a": 1}) is True
    for source in ("(" * 33 + "a" + ")" * 33, "not " * 33 + "a", "(" * 100_000 + "a"):
        with pytest.raises(ConditionError, match="nests more than 32 levels deep"):
            parse_condition(source)
