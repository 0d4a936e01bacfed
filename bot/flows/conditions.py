"""`when:` conditions: a small, safe expression language over earlier answers (never eval).

    cleanliness <= 2 and not (problem == "illegal_dumping")
    problem in ["missed_collection", "illegal_dumping"]
    photo != null

Names are step ids (their answers); literals are numbers, "strings", true, false,
null and [lists]; operators are == != < <= > >=, in, not in, and, or, not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["Condition", "ConditionError", "parse_condition"]

_TOKEN = re.compile(
    r"\s*(?:(?P<number>-?\d+(?:\.\d+)?)|(?P<string>\"[^\"]*\"|'[^']*')|(?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*))"
)
_KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}
_COMPARISONS = {"==", "!=", "<", "<=", ">", ">="}


class ConditionError(ValueError):
    """A condition does not parse; the message says where."""


@dataclass(frozen=True)
class Condition:
    """A parsed condition: its source text, its tree, and the names it reads."""

    source: str
    tree: tuple
    names: frozenset[str]

    def holds(self, answers: dict) -> bool:
        """Evaluate against answers; a comparison that cannot be made is false."""
        return bool(_evaluate(self.tree, answers))


def parse_condition(source: str) -> Condition:
    """Parse a condition; raise ConditionError for anything outside the language."""
    parser = _Parser(_tokenize(str(source)))
    tree = parser.expression()
    if parser.peek() is not None:
        raise ConditionError(f"unexpected '{parser.peek()[1]}' in condition '{source}'")
    return Condition(str(source), tree, frozenset(parser.names))


def _tokenize(source: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    position = 0
    while position < len(source.rstrip()):
        match = _TOKEN.match(source, position)
        if not match or match.end() == position:
            raise ConditionError(f"cannot read '{source[position:].strip()}' in condition '{source}'")
        kind = match.lastgroup
        assert kind is not None  # every alternative of _TOKEN is a named group, so a match names one
        text = match.group(kind)
        if kind == "number":
            tokens.append(("literal", float(text) if "." in text else int(text)))
        elif kind == "string":
            tokens.append(("literal", text[1:-1]))
        elif kind == "name" and text in ("true", "false", "null"):
            tokens.append(("literal", {"true": True, "false": False, "null": None}[text]))
        elif kind == "name" and text in _KEYWORDS:
            tokens.append(("keyword", text))
        else:
            tokens.append((kind, text))
        position = match.end()
    return tokens


MAX_NESTING = 32  # far beyond any real condition; the parser and the evaluator recurse once per level


class _Parser:
    """Recursive descent: or → and → not → comparison → value."""

    def __init__(self, tokens: list):
        self.tokens, self.index, self.depth = tokens, 0, 0
        self.names: set[str] = set()

    def nested(self, read):
        """Read one nested part (brackets, a `not`), refusing nesting deeper than any condition needs."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ConditionError(f"the condition nests more than {MAX_NESTING} levels deep")
        try:
            return read()
        finally:
            self.depth -= 1

    def peek(self):
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, kind=None, text=None):
        token = self.peek()
        if token is None or (kind and token[0] != kind) or (text is not None and token[1] != text):
            found = "the end" if token is None else f"'{token[1]}'"
            raise ConditionError(f"expected {text or kind} but found {found}")
        self.index += 1
        return token

    def at(self, kind, text) -> bool:
        token = self.peek()
        return token is not None and token[0] == kind and token[1] == text

    def expression(self):
        left = self.conjunction()
        while self.at("keyword", "or"):
            self.take()
            left = ("or", left, self.conjunction())
        return left

    def conjunction(self):
        left = self.negation()
        while self.at("keyword", "and"):
            self.take()
            left = ("and", left, self.negation())
        return left

    def negation(self):
        if self.at("keyword", "not"):
            self.take()
            return ("not", self.nested(self.negation))
        return self.comparison()

    def comparison(self):
        left = self.value()
        token = self.peek()
        if token and token[0] == "op" and token[1] in _COMPARISONS:
            self.take()
            return (token[1], left, self.value())
        if self.at("keyword", "in"):
            self.take()
            return ("in", left, self.value())
        if (
            self.at("keyword", "not")
            and self.index + 1 < len(self.tokens)
            and self.tokens[self.index + 1] == ("keyword", "in")
        ):
            self.index += 2
            return ("not", ("in", left, self.value()))
        return left

    def value(self):
        token = self.peek()
        if token is None:
            raise ConditionError("the condition ends too early")
        if token[0] == "literal":
            self.take()
            return ("literal", token[1])
        if token[0] == "name":
            self.take()
            self.names.add(token[1])
            return ("name", token[1])
        if token == ("op", "("):
            self.take()
            inner = self.nested(self.expression)
            self.take("op", ")")
            return inner
        if token == ("op", "["):
            return self.list_literal()
        raise ConditionError(f"unexpected '{token[1]}'")

    def list_literal(self):
        self.take("op", "[")
        items = []
        while not self.at("op", "]"):
            items.append(self.take("literal")[1])
            if not self.at("op", "]"):
                self.take("op", ",")
        self.take("op", "]")
        return ("literal", items)


def _evaluate(tree: tuple, answers: dict):
    op = tree[0]
    if op == "literal":
        return tree[1]
    if op == "name":
        return answers.get(tree[1])
    if op == "not":
        return not _evaluate(tree[1], answers)
    if op == "and":
        return _evaluate(tree[1], answers) and _evaluate(tree[2], answers)
    if op == "or":
        return _evaluate(tree[1], answers) or _evaluate(tree[2], answers)
    left, right = _evaluate(tree[1], answers), _evaluate(tree[2], answers)
    try:
        return _COMPARE[op](left, right)
    except TypeError:
        return False  # "5" < None and the like: not an error for the resident, just false


_COMPARE = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "in": lambda a, b: a in b if isinstance(b, (list, str)) else False,
}
