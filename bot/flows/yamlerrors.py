"""PyYAML's syntax errors said in plain words about tabs, colons, quotes and indentation, at their line.

PyYAML reports where its parser got stuck, in its own terms ("mapping values are not allowed here",
"expected <block end>, but found '?'" where the file has no `?`). A volunteer editing flows.yaml
made one of a few mistakes: a tab, no space after a colon, a colon inside an unquoted text, a key or
list item indented differently from its neighbours, a quote or bracket never closed. This module
recognises them from the error and the line it points at, and says what to change. Anything else
keeps PyYAML's own words.
"""

from __future__ import annotations

import re

import yaml

from bot.flows.yamlsource import Position

__all__ = ["explain"]

_KEY_WITHOUT_SPACE = re.compile(r"^(\s*(?:-\s+)?)([\w\"'-]+):(?=[^\s:/])(\S*)")  # `title:x`, not `http://`
_KEY_AND_VALUE = re.compile(r"^\s*(?:-\s+)?([\w\"'-]+):\s+(.*)$")
_KEY = re.compile(r"^\s*(?:-\s+)?([\w\"'-]+)\s*:")
_DASH_WITHOUT_SPACE = re.compile(r"^(\s*)-[^\s-]")  # `-id: a`
_CLOSING = {"[": "]", "{": "}"}
LOOK_BACK = 3  # lines above the parser's stop where a key without a space may be (it reads on until a colon)


def explain(exc: yaml.YAMLError, text: str) -> tuple[Position, str]:
    """Where the mistake is, and what it is in plain words ("not valid YAML: ..." first)."""
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    mark = problem_mark or context_mark
    pos = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = str(getattr(exc, "problem", None) or exc)
    lines = text.splitlines()
    found = None
    if problem_mark is not None:
        found = _explained(problem, str(getattr(exc, "context", "") or ""), problem_mark, context_mark, lines)
    where, message = found or (pos, problem)
    return where, f"not valid YAML: {message}"


def _explained(problem: str, context: str, mark, opened, lines: list[str]) -> tuple[Position, str] | None:
    line = lines[mark.line] if mark.line < len(lines) else ""
    if "'\\t'" in problem:
        return (mark.line + 1, mark.column + 1), "a tab: YAML indents with spaces only, replace the tab with spaces"
    if "quoted scalar" in context and opened is not None:
        quote = _char(lines, opened)
        return (
            (opened.line + 1, opened.column + 1),
            f"the quote {quote} opened here is never closed: end the text with {quote}",
        )
    if context.startswith("while parsing a flow") and opened is not None:
        bracket = _char(lines, opened)
        got = problem.rsplit("got ", 1)[-1].strip("'")
        if mark.line == opened.line and len(got) == 1:
            text = re.split(r"[,{\[]|:\s", lines[mark.line][: mark.column])[-1].strip()
            return (
                (mark.line + 1, mark.column + 1),
                f"a '{got}' in a text inside {bracket} {_CLOSING.get(bracket, '')}: put that text in quotes, \"{text}{got}\"",
            )
        closing = _CLOSING.get(bracket, "the closing bracket")
        return (opened.line + 1, opened.column + 1), f"the {bracket} opened here is never closed with {closing}"
    if problem == "could not find expected ':'" and opened is not None:
        return _colon_or_indent(opened, lines)
    if problem == "mapping values are not allowed here":
        return _colon_or_indent(mark, lines)
    if problem.startswith("expected <block end>, but found"):
        return _block_end(problem, mark, line, lines)
    return None


def _char(lines: list[str], mark) -> str:
    line = lines[mark.line] if mark.line < len(lines) else ""
    return line[mark.column] if mark.column < len(line) else "?"


def _colon_or_indent(mark, lines: list[str]) -> tuple[Position, str]:
    """A key with no space after its colon, a colon inside a text, or a key indented too far."""
    for number in range(min(mark.line, len(lines) - 1), max(mark.line - LOOK_BACK, 0) - 1, -1):
        without = _KEY_WITHOUT_SPACE.match(lines[number])
        if without:
            lead, key, value = without.groups()
            return (
                (number + 1, len(lead) + len(key) + 2),
                f"no space after the colon in '{key}:{value}': write '{key}: {value}'",
            )
    line = lines[mark.line] if mark.line < len(lines) else ""
    keyed = _KEY_AND_VALUE.match(line)
    if keyed and line.index(keyed.group(2)) <= mark.column:
        key, value = keyed.groups()
        return (
            (mark.line + 1, mark.column + 1),
            f"the text of '{key}' has a colon followed by a space: put the whole text in quotes,"
            f' {key}: "{value.strip()}"',
        )
    return _indented(mark, lines)


def _block_end(problem: str, mark, line: str, lines: list[str]) -> tuple[Position, str]:
    found = problem.rsplit("found ", 1)[-1]
    if found == "'<scalar>'":
        return (
            (mark.line + 1, mark.column + 1),
            "text after a closing quote: put the whole text inside the quotes",
        )
    return _indented(mark, lines)


def _indented(mark, lines: list[str]) -> tuple[Position, str]:
    """The line at mark does not line up with the key or list item above it (or a dash lacks its space)."""
    line = lines[mark.line] if mark.line < len(lines) else ""
    for number in range(min(mark.line, len(lines) - 1), max(mark.line - LOOK_BACK, 0) - 1, -1):
        dashed = _DASH_WITHOUT_SPACE.match(lines[number])
        if dashed:
            written = lines[number].strip()
            return (
                (number + 1, len(dashed.group(1)) + 1),
                f"no space after the dash in '{written}': write '- {written[1:]}'",
            )
    column = _indent(line)
    where = (mark.line + 1, column + 1)
    item = line.lstrip().startswith("- ")
    above = _line_above(lines, mark.line, dashed=item)
    if above is None:
        return where, f"{_what(line)} is indented: the file's top-level keys start in column 1"
    above_column = _indent(above) + (2 if above.lstrip().startswith("- ") and not item else 0)
    rule = (
        "the dashes of one list start in the same column"
        if item
        else "the keys of one mapping start in the same column"
    )
    return where, (
        f"{_what(line)} starts in column {column + 1}, but {_what(above, key_only=not item)} above it"
        f" in column {above_column + 1}: {rule} (indent with spaces)"
    )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _line_above(lines: list[str], number: int, dashed: bool = False) -> str | None:
    """The nearest line above with something on it (a list item, for a list item: the list it belongs to)."""
    for line in reversed(lines[:number]):
        if line.strip() and not line.lstrip().startswith("#") and (not dashed or line.lstrip().startswith("- ")):
            return line
    return None


def _what(line: str, key_only: bool = False) -> str:
    key = _KEY.match(line)
    if line.lstrip().startswith("-") and not key_only:
        return f"the list item '{line.strip()}'"
    return f"'{key.group(1)}'" if key else f"'{line.strip()}'"
