"""`ventanilla flows check` on small files with the mistakes a volunteer makes: each reported on its own line, in plain words."""

from __future__ import annotations

import pytest

from bot.cli.main import main
from tests.support.flowfiles import HEADER, flow, flows_file, line_of

CHOICE = """\
- id: pick
  kind: choice
  prompt: {es: "¿Cuál?", en: "Which?"}
  options:
    - id: x
      label: {es: Equis, en: Ex}
      next: nowhere
    - id: y
      label: {es: Ye, en: Why}
  next: pik
"""


def check(runner, path) -> tuple[int, list[str]]:
    result = runner.invoke(main, ["flows", "check", str(path)])
    return result.exit_code, result.output.splitlines()


def test_a_bad_next_is_reported_on_its_own_line_naming_the_option(runner, tmp_path):
    path = flows_file(tmp_path, ["a"], flow("a", "{es: Uno, en: One}", steps=CHOICE))
    code, lines = check(runner, path)
    assert code == 1
    assert lines == [
        f"{path}:{line_of(path, 'next: nowhere')}:19: flow 'a': step 'pick', option 'x' goes to 'nowhere',"
        " which is not a step",
        f"{path}:{line_of(path, 'next: pik')}:15: flow 'a': step 'pick' goes to 'pik', which is not a step,"
        " did you mean 'pick'?",
    ]


def test_an_unknown_key_inside_options_from_is_reported_with_a_guess(runner, tmp_path):
    (tmp_path / "routes.csv").write_text("name\nRuta 1\n", encoding="utf-8")
    steps = '- id: route\n  kind: choice\n  prompt: {es: "¿Ruta?", en: "Route?"}\n  options_from: {file: routes.csv, colum: name}\n'
    path = flows_file(tmp_path, ["a"], flow("a", "{es: Uno, en: One}", steps=steps))
    code, lines = check(runner, path)
    row = line_of(path, "options_from")
    assert code == 1
    assert lines == [
        f"{path}:{row}:23: flow 'a', step 'route', options_from: 'column' is missing",
        f"{path}:{row}:49: unknown key 'colum' in flow 'a', step 'route', options_from, did you mean 'column'?"
        " (allowed: column, file, id_column, words_column)",
    ]


def test_an_unknown_key_of_a_step_gets_a_guess_too(runner, tmp_path):
    steps = "- id: hello\n  kind: message\n  promt: {es: Hola, en: Hi}\n"
    path = flows_file(tmp_path, ["a"], flow("a", "{es: Uno, en: One}", steps=steps))
    code, lines = check(runner, path)
    assert code == 1
    assert (
        f"{path}:{line_of(path, 'promt')}:9: unknown key 'promt' in flow 'a', step 'hello', did you mean 'prompt'?"
        in (line.split(" (allowed")[0] for line in lines)
    )


GOOD_STEP = "- id: ask\n  kind: text\n  prompt: {es: Hola, en: Hi}\n  optional: true\n"
YAML_MISTAKES = [
    (  # a tab where spaces indent
        "  optional: true",
        "\toptional: true",
        "\toptional",
        7,
        "a tab: YAML indents with spaces only, replace the tab with spaces",
    ),
    (  # no space after a colon
        "  optional: true",
        "  optional:true",
        "optional:true",
        18,
        "no space after the colon in 'optional:true': write 'optional: true'",
    ),
    (  # an unquoted colon inside a prompt
        "  prompt: {es: Hola, en: Hi}",
        "  prompt: Horario: 9 a 5",
        "Horario:",
        24,
        "the text of 'prompt' has a colon followed by a space: put the whole text in quotes,"
        ' prompt: "Horario: 9 a 5"',
    ),
    (  # a key of the step indented less than its neighbours
        "  optional: true",
        " optional: true",
        " optional",
        8,
        "'optional' starts in column 8, but 'prompt' above it in column 9:"
        " the keys of one mapping start in the same column (indent with spaces)",
    ),
    (  # a list item indented more than the one above
        "- id: ask",
        "- id: first\n  kind: message\n  prompt: {es: Hola, en: Hi}\n - id: ask",
        " - id: ask",
        8,
        "the list item '- id: ask' starts in column 8, but the list item '- id: first' above it in column 7:"
        " the dashes of one list start in the same column (indent with spaces)",
    ),
    (  # a quote never closed
        "  prompt: {es: Hola, en: Hi}",
        '  prompt: "Hola',
        '"Hola',
        17,
        'the quote " opened here is never closed: end the text with "',
    ),
    (  # a bracket never closed
        "  prompt: {es: Hola, en: Hi}",
        "  prompt: {es: Hola, en: Hi",
        "{es: Hola, en: Hi",
        17,
        "the { opened here is never closed with }",
    ),
    (  # a dash without its space
        "- id: ask",
        "-id: ask",
        "-id: ask",
        7,
        "no space after the dash in '-id: ask': write '- id: ask'",
    ),
    (  # a question mark in a text between braces (PyYAML said "expected ',' or '}', but got '?'")
        "  prompt: {es: Hola, en: Hi}",
        "  prompt: {es: ¿Hola?, en: Hi?}",
        "¿Hola?",
        27,
        "a '?' in a text inside { }: put that text in quotes, \"¿Hola?\"",
    ),
]


@pytest.mark.parametrize("old, new, needle, column, message", YAML_MISTAKES)
def test_a_yaml_mistake_is_said_in_plain_words_at_its_line_and_column(
    runner, tmp_path, old, new, needle, column, message
):
    assert old in GOOD_STEP
    path = flows_file(tmp_path, ["a"], flow("a", "{es: Uno, en: One}", steps=GOOD_STEP.replace(old, new)))
    code, lines = check(runner, path)
    assert code == 1
    assert lines == [f"{path}:{line_of(path, needle, after=HEADER.count(chr(10)))}:{column}: not valid YAML: {message}"]


def test_the_good_step_of_those_mistakes_passes(runner, tmp_path):
    path = flows_file(tmp_path, ["a"], flow("a", "{es: Uno, en: One}", steps=GOOD_STEP))
    assert check(runner, path) == (0, [f"{path}: ok, 1 flows, 1 steps, 0 departments"])


def test_a_keyword_inside_another_flows_keyword_is_a_warning_naming_both_lines(runner, tmp_path):
    path = flows_file(
        tmp_path,
        ["trash", "route"],
        flow("trash", "{es: Basura, en: Trash}", "{es: [camion de la basura], en: [trash]}"),
        flow("route", "{es: Rutas, en: Routes}", "{es: [camión], en: [bus]}"),
    )
    result = runner.invoke(main, ["flows", "check", str(path)])
    trash, route = line_of(path, "camion de la basura"), line_of(path, "camión")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        f"{path}:{route}:21: warning: flow 'trash' keyword 'camion de la basura' (line {trash}) holds flow 'route'"
        f" keyword 'camión' (line {route}): an opener with 'camion de la basura' among other words is ambiguous",
        f"{path}: ok, 2 flows, 2 steps, 0 departments, 1 warning",
    ]


def test_a_misspelt_word_list_is_a_warning_with_a_guess(runner, tmp_path):
    path = flows_file(tmp_path, ["a"], flow("a", "{es: Uno, en: One}"))
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  skip:", "  weekday: {es: [lunes], en: [monday]}\n  skip:", 1), encoding="utf-8")
    result = runner.invoke(main, ["flows", "check", str(path)])
    assert result.exit_code == 0
    first, summary = result.output.splitlines()
    assert first.startswith(
        f"{path}:{line_of(path, 'weekday:')}:3: warning: words: 'weekday' is not a word list the bot reads,"
        " so it is ignored, did you mean 'weekdays'? (word lists: address_end, "
    )
    assert summary == f"{path}: ok, 1 flows, 1 steps, 0 departments, 1 warning"


def test_a_misspelt_message_is_a_warning_with_a_guess_and_a_message_of_its_own_is_not(runner, tmp_path):
    path = flows_file(tmp_path, ["a"], flow("a", "{es: Uno, en: One}"))
    text = path.read_text(encoding="utf-8")
    extra = "  invalid_choise: {es: Elige uno., en: Pick one.}\n  status_closed: {es: Cerrado, en: Closed}\n"
    path.write_text(text.replace("  help:", extra + "  help:", 1), encoding="utf-8")
    result = runner.invoke(main, ["flows", "check", str(path)])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        f"{path}:{line_of(path, 'invalid_choise')}:3: warning: messages: 'invalid_choise' is not a message the bot"
        " says, so it is never said, did you mean 'invalid_choice'?",
        f"{path}: ok, 1 flows, 1 steps, 0 departments, 1 warning",
    ]
