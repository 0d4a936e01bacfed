"""Loading flows.yaml: every error at once, each with its line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.flows.loader import FlowsInvalidError, load_flows, load_flows_text

ROOT = Path(__file__).parent.parent.parent
SHIPPED = (ROOT / "flows.yaml").read_text()


def errors_of(text: str, environ: dict | None = None) -> list[str]:
    with pytest.raises(FlowsInvalidError) as info:
        load_flows_text(text, "flows.yaml", environ if environ is not None else {})
    return str(info.value).splitlines()


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_shipped_flows_load():
    flows = load_flows(ROOT / "flows.yaml", environ={})
    assert list(flows.flows) == ["pothole", "trash", "streetlight", "park_evaluation", "city_info", "ticket_followup"]
    assert flows.followup is flows.flows["ticket_followup"]  # the city starts it; the menu does not offer it
    assert flows.departments["obras_publicas"].delivery["kind"] == "webhook"
    assert flows.menu.flows == ("pothole", "trash", "streetlight", "park_evaluation", "city_info")
    assert len(flows.flows["park_evaluation"].steps[0].options) >= 200  # from parks.csv


def test_department_values_come_from_the_environment():
    flows = load_flows_text(
        SHIPPED,
        environ={
            "OBRAS_PUBLICAS_WEBHOOK_URL": "https://obras.example.mx/hook",
            "OBRAS_PUBLICAS_WEBHOOK_SECRET": "s3cret",
        },
    )
    assert flows.departments["obras_publicas"].delivery["url"] == "https://obras.example.mx/hook"
    assert flows.departments["obras_publicas"].delivery["secret"] == "s3cret"
    nested = load_flows_text(SHIPPED, environ={"DEMO_INBOX_URL": "http://127.0.0.1:8000/demo/inbox"})
    assert (
        nested.departments["servicios_publicos"].delivery["url"]
        == "http://127.0.0.1:8000/demo/inbox/servicios_publicos"
    )


def test_unset_variable_without_default_is_an_error_with_its_line():
    shipped_url = "${OBRAS_PUBLICAS_WEBHOOK_URL:-${DEMO_INBOX_URL:-http://127.0.0.1:5000/demo/inbox}/obras_publicas}"
    broken = SHIPPED.replace(shipped_url, "${OBRAS_URL}")
    (error,) = errors_of(broken)
    assert error.startswith(f"flows.yaml:{line_of(broken, '${OBRAS_URL}')}:")
    assert "OBRAS_URL is not set" in error


def test_a_department_secret_is_one_variable_read_as_is_and_an_unset_one_is_left_to_the_app():
    flows = load_flows_text(SHIPPED, environ={"OBRAS_PUBLICAS_STATUS_SECRET": "s" * 40})
    obras = flows.departments["obras_publicas"]
    assert obras.secret_variables == {
        "secret": "OBRAS_PUBLICAS_WEBHOOK_SECRET",
        "status_secret": "OBRAS_PUBLICAS_STATUS_SECRET",
    }
    assert obras.delivery["status_secret"] == "s" * 40
    assert obras.delivery["secret"] == ""  # unset: the engine, `flows check` and `chat` need no keys; the app refuses


@pytest.mark.parametrize(
    "written",
    [
        "${OBRAS_PUBLICAS_WEBHOOK_SECRET:-dev-secret-change-me}",  # the default issue 12 found shipped
        "dev-secret-change-me",
        "${OBRAS_PUBLICAS_WEBHOOK_SECRET:-0123456789abcdef0123456789abcdef0123456789}",
        "prefix-${OBRAS_PUBLICAS_WEBHOOK_SECRET}",
    ],
)
def test_a_secret_written_in_the_file_or_with_a_default_is_an_error_with_its_line(written):
    broken = SHIPPED.replace("secret: ${OBRAS_PUBLICAS_WEBHOOK_SECRET}", f"secret: {written}")
    (error,) = errors_of(broken, {"OBRAS_PUBLICAS_WEBHOOK_SECRET": "x" * 64})
    assert error.startswith(f"flows.yaml:{line_of(broken, written)}:")
    assert "department 'obras_publicas', secret: a secret comes from one environment variable" in error
    assert "${OBRAS_PUBLICAS_WEBHOOK_SECRET}" in error


def test_the_shipped_file_holds_no_secret():
    for department in ("OBRAS_PUBLICAS", "SERVICIOS_PUBLICOS"):
        assert f"      secret: ${{{department}_WEBHOOK_SECRET}}\n" in SHIPPED
        assert f"      status_secret: ${{{department}_STATUS_SECRET}}\n" in SHIPPED
    assert "change-me" not in SHIPPED


@pytest.mark.parametrize(
    "old, new, needle, message",
    [
        (
            'kind: location\n        prefill: true\n        prompt:\n          es: "¿Dónde está',
            'kind: lugar\n        prefill: true\n        prompt:\n          es: "¿Dónde está',
            "kind: lugar",
            "unknown step kind 'lugar'",
        ),
        ("department: obras_publicas", "department: obras", "department: obras", "department 'obras' is not defined"),
        (
            "flows: [pothole, trash, streetlight",
            "flows: [pothole, trash, parks",
            "flows: [pothole, trash, parks",
            "menu offers 'parks'",
        ),
        (
            '      - id: photo\n        kind: photo\n        optional: true\n        prompt:\n          es: "Si puedes',
            '      - id: location\n        kind: photo\n        optional: true\n        prompt:\n          es: "Si puedes',
            "kind: photo",
            "duplicate step id 'location'",
        ),
    ],
)
def test_each_error_kind_reports_its_line(old, new, needle, message):
    assert old in SHIPPED
    broken = SHIPPED.replace(old, new, 1)
    errors = errors_of(broken)
    matching = [e for e in errors if message in e]
    assert matching, errors
    line = int(matching[0].split(":")[1])
    assert abs(line - line_of(broken, needle)) <= 1, (matching[0], line_of(broken, needle))


def test_next_to_nowhere_and_missing_translation():
    broken = textwrap.dedent(
        """
        languages: {es: [hola], en: [hi]}
        commands: {}
        words: {"yes": {es: [si]}, "no": {es: ["no"]}, skip: {es: [omitir]}}
        messages: {invalid: x, too_many_attempts: x, cancelled: x, confirm_declined: x}
        departments: {}
        menu: {prompt: {es: Menú}, flows: [info]}
        flows:
          info:
            title: {en: Info}
            outcome: {kind: info}
            steps:
              - id: ask
                kind: text
                prompt: {es: "¿Qué?"}
                next: nowhere
            done: {es: Gracias}
        """
    )
    errors = errors_of(broken)
    assert any(":10:" in e and "missing the 'es' translation" in e for e in errors), errors
    assert any(":16:15:" in e and "step 'ask' goes to 'nowhere'" in e for e in errors), errors


def test_several_errors_are_reported_at_once_in_line_order():
    broken = SHIPPED.replace("department: obras_publicas", "department: obras").replace(
        "kind: rating", "kind: stars", 1
    )
    errors = errors_of(broken)
    assert len(errors) == 2
    assert [int(e.split(":")[1]) for e in errors] == sorted(int(e.split(":")[1]) for e in errors)


def test_invalid_yaml_reports_line_and_column():
    (error,) = errors_of("flows:\n  pothole: [unclosed\n")
    assert error == "flows.yaml:2:12: not valid YAML: the [ opened here is never closed with ]"


def test_unreadable_file(tmp_path):
    with pytest.raises(FlowsInvalidError) as info:
        load_flows(tmp_path / "missing.yaml")
    assert "cannot read file" in str(info.value)


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            '        prefill: true\n        prompt:\n          es: "¿Dónde está',
            '        prefil: true\n        prompt:\n          es: "¿Dónde está',
            "unknown key 'prefil'",
        ),
        ('when: problem == "missed_collection"', 'when: problem = "missed_collection"', "condition does not parse"),
        (
            'when: problem == "missed_collection"',
            "when: " + "(" * 2000 + "problem" + ")" * 2000,
            "nests more than 32 levels deep",
        ),
        (
            'when: problem == "missed_collection"',
            "when: " + "not " * 2000 + "problem",
            "nests more than 32 levels deep",
        ),
        (
            'when: problem == "missed_collection"',
            "when: confirm == true",
            "condition uses 'confirm', which is not an earlier step",
        ),
        ('es: "Bache en {location}"', 'es: "Bache en {lugar}"', "uses {lugar}"),
        ('en: "Pothole at {location}"', "", "missing the 'en' translation"),
        ("fallback: handover", "fallback: operator", "fallback must be one of"),
        ("  opt_in:", "  opt_inn:", "unknown command 'opt_inn'"),
        ("options_from: {file: parks.csv", "options_from: {file: parques.csv", "cannot read options file parques.csv"),
    ],
)
def test_more_error_kinds(old, new, message):
    assert old in SHIPPED, old
    broken = SHIPPED.replace(old, new, 1)
    errors = errors_of(broken)
    assert any(message in e for e in errors), errors
    (error,) = [e for e in errors if message in e]
    assert error.startswith("flows.yaml:") and int(error.split(":")[1]) > 1


def test_a_step_nobody_can_reach_is_reported():
    broken = SHIPPED.replace(
        '      - id: photo\n        kind: photo\n        optional: true\n        prompt:\n          es: "Si puedes',
        '      - id: photo\n        kind: photo\n        optional: true\n        next: confirm\n        prompt:\n          es: "Si puedes',
        1,
    ).replace(
        '      - id: confirm\n        kind: confirm\n        prompt:\n          es: "Voy a reportar un bache',
        '      - id: orphan\n        kind: text\n        prompt: {es: nadie, en: nobody}\n      - id: confirm\n        kind: confirm\n        prompt:\n          es: "Voy a reportar un bache',
        1,
    )
    errors = errors_of(broken)
    assert any("step 'orphan' can never be reached" in e for e in errors), errors


def test_sla_is_the_flows_then_the_departments_then_the_default():
    from datetime import timedelta

    flows = load_flows_text(SHIPPED, "flows.yaml", {})
    assert flows.sla("pothole", "obras_publicas") == timedelta(hours=48)  # the flow's outcome
    assert flows.sla("trash", "servicios_publicos") == timedelta(days=3)  # its department's
    plain = load_flows_text(
        SHIPPED.replace("    sla: 3d\n", "", 1).replace("default_sla: 7d", "default_sla: 90m"), "flows.yaml", {}
    )
    assert plain.sla("trash", "servicios_publicos") == timedelta(minutes=90)  # the file's default
    assert load_flows_text(SHIPPED.replace("default_sla: 7d\n", ""), "flows.yaml", {}).default_sla == timedelta(days=7)


@pytest.mark.parametrize(
    "old, new, needle, message",
    [
        ("      sla: 48h", "      sla: dos dias", "sla: dos dias", "'sla' must be a duration such as 48h"),
        ("    sla: 3d", "    sla: -3d", "sla: -3d", "'sla' must be a duration"),
        ("    sla: 3d", "    sla: 9999999999d", "sla: 9999999999d", "at most 365d"),
        ("      sla: 48h", "      sla: 400d", "sla: 400d", "at most 365d"),
        ("default_sla: 7d", "default_sla: 0", "default_sla: 0", "'default_sla' must be a duration"),
        (
            "    sla: 5d\n    delivery:\n      kind: dashboard",
            "    sl: 5d\n    delivery:\n      kind: dashboard",
            "sl: 5d",
            "unknown key 'sl'",
        ),
        (
            "      kind: survey\n      department: parques",
            "      kind: survey\n      department: jardines",
            "department: jardines",
            "department 'jardines' is not defined",
        ),
    ],
)
def test_a_bad_sla_or_survey_department_is_reported_with_its_line(old, new, needle, message):
    assert old in SHIPPED, old
    broken = SHIPPED.replace(old, new, 1)
    (error,) = [e for e in errors_of(broken) if message in e]
    assert int(error.split(":")[1]) == line_of(broken, needle), error


@pytest.mark.parametrize(
    "old, new, needle, message",
    [
        ("max_attempts: 3", "max_attempts: tres", "max_attempts: tres", "'max_attempts' must be a whole number"),
        ('  "yes":', "  yes:", "  yes:", "words: 'yes' is missing"),
        ('  "yes":', "  yes:", "  yes:", "a key is true, false or a number: quote keys such as yes, no, on and off"),
        (
            "      kind: webhook",
            "      kind: fax",
            "kind: fax",
            "department 'obras_publicas', delivery: kind must be one of webhook, open311, email, dashboard",
        ),
        ("column: nombre, id_column", "colum: nombre, id_column", "colum: nombre", "options_from: 'column' is missing"),
        (
            "      - id: location\n",
            "      - id: mi-lugar\n",
            "id: mi-lugar",
            "flow 'pothole', step 'mi-lugar': 'id' must be letters, digits and _",
        ),
        ("        optional: true\n", "        optional: si\n", "optional: si", "'optional' must be true or false"),
    ],
)
def test_a_wrong_shape_is_reported_in_words_with_its_line(old, new, needle, message):
    """The models in schema.py find these; their errors read like the loader's own."""
    assert old in SHIPPED, old
    broken = SHIPPED.replace(old, new, 1)
    (error,) = [e for e in errors_of(broken) if message in e]
    assert int(error.split(":")[1]) == line_of(broken, needle), error


def test_a_choice_without_options_is_reported_with_the_steps_other_errors():
    broken = SHIPPED.replace(
        "        options_from: {file: parks.csv, column: nombre, id_column: id}\n", "        optinos: []\n", 1
    )
    errors = errors_of(broken)
    assert any("step 'park': a choice step needs 'options' or 'options_from'" in e for e in errors), errors
    assert any("unknown key 'optinos'" in e for e in errors), errors


@pytest.mark.parametrize(
    "old, new, needle, message",
    [
        (  # crashed with TypeError: 'int' object is not iterable
            "    steps:\n      - id: problem\n",
            "    steps: 3\n    old_steps:\n      - id: problem\n",
            "steps: 3",
            "flow 'trash': 'steps' must be a list",
        ),
        (  # crashed with TypeError: 'int' object is not iterable
            "        options:\n          - id: missed_collection\n",
            "        options: 3\n        old_options:\n          - id: missed_collection\n",
            "options: 3",
            "flow 'trash', step 'problem': 'options' must be a list",
        ),
        (  # crashed with OverflowError: cannot convert float infinity to integer
            "max_attempts: 3",
            "max_attempts: .inf",
            "max_attempts: .inf",
            "'max_attempts' must be a whole number",
        ),
        (  # crashed with OverflowError
            "  es: {pesimo: 1,",
            "  es: {pesimo: .inf,",
            "es: {pesimo: .inf",
            "ratings, es: 'pesimo' must be",
        ),
        (  # crashed with ValueError: embedded null byte
            "{file: parks.csv, column: nombre",
            '{file: "parks\\0.csv", column: nombre',
            "parks\\0.csv",
            "cannot read options file parks",
        ),
        (  # crashed with UnicodeDecodeError
            "{file: parks.csv, column: nombre",
            "{file: docs/img/dashboard-queue.png, column: nombre",
            "dashboard-queue.png",
            "cannot read options file docs/img/dashboard-queue.png: 'utf-8' codec can't decode",
        ),
        (  # crashed with KeyError: '1'
            "  trash:\n",
            "  1:\n",
            "  1:",
            "flows: '1' must be letters, digits and _, not starting with a digit",
        ),
        (  # crashed with TypeError: unhashable type: 'list'
            "default_language: es",
            "default_language: es\n? [a, b]\n: 1",
            "? [a, b]",
            "not valid YAML: found a list or mapping as a key",
        ),
        (  # crashed with RecursionError
            "default_sla: 7d",
            "default_sla: " + "[" * 2000 + "]" * 2000,
            "yaml-language-server",  # line 1: the parser gives no position
            "not valid YAML: lists or mappings nested too deeply",
        ),
    ],
)
def test_a_wrong_shape_that_used_to_crash_is_reported_with_its_line(old, new, needle, message):
    assert old in SHIPPED, old
    broken = SHIPPED.replace(old, new, 1)
    errors = errors_of(broken)
    matching = [e for e in errors if message in e]
    assert len(matching) == 1, errors
    assert int(matching[0].split(":")[1]) == line_of(broken, needle), matching[0]


def test_an_error_is_one_line_even_when_a_key_holds_a_newline():
    broken = SHIPPED.replace("default_sla: 7d", 'default_sla: 7d\n"bad\\nkey": 1', 1)
    (error,) = [e for e in errors_of(broken) if "unknown key" in e]
    assert error.startswith(f"flows.yaml:{line_of(broken, 'bad')}:1: unknown key 'bad key' in the file"), error


COMMENT_STEP = "        label: {es: Comentario, en: Comment}\n"


def test_public_marks_a_text_step_whose_answers_the_open_data_publishes():
    marked = SHIPPED.replace(COMMENT_STEP, COMMENT_STEP + "        public: true\n")
    steps = load_flows_text(marked, environ={}).flows["park_evaluation"].steps
    assert [s.id for s in steps if s.public] == ["comment"]
    assert not any(s.public for s in load_flows_text(SHIPPED, environ={}).flows["park_evaluation"].steps)


def test_public_on_another_kind_or_on_a_personal_step_is_an_error_with_its_line():
    rating = SHIPPED.replace(
        "        label: {es: Limpieza, en: Cleanliness}\n",
        "        label: {es: Limpieza, en: Cleanliness}\n        public: true\n",
    )
    (error,) = errors_of(rating)
    assert error.startswith(f"flows.yaml:{line_of(rating, '- id: cleanliness')}:")  # the step's line
    assert "public applies only to a text step" in error
    personal = SHIPPED.replace(COMMENT_STEP, COMMENT_STEP + "        public: true\n        personal: true\n")
    (error,) = errors_of(personal)
    assert "a step asking for personal data cannot be public" in error


def test_weekdays_and_months_must_name_each_day_and_month_once():
    """Read by position: an abbreviation added as an eighth weekday would make "jueves" a Wednesday."""
    days = "es: [lunes, martes, miercoles, jueves, viernes, sabado, domingo]"
    assert days in SHIPPED
    text = SHIPPED.replace(days, "es: [lunes, martes, miercoles, mie, jueves, viernes, sabado, domingo]")
    line = line_of(text, "miercoles, mie,")
    assert (
        f"flows.yaml:{line}:9: words.weekdays (es) lists 8 names: it must list the seven days, Monday first, one name each"
        in (errors_of(text))
    )
    text = SHIPPED.replace("diciembre]", "]", 1)
    assert any("words.months (es) lists 11 names: it must list the twelve months" in e for e in errors_of(text))


CLEANLINESS = "      - id: cleanliness\n        kind: rating\n"
OWN_WORDS = "        ratings:\n          es: {cochino: 1, sucio: 1, limpio: 5}\n          en: {filthy: 1}\n"


def test_a_rating_step_adds_its_own_words_over_the_top_level_ones():
    flows = load_flows_text(SHIPPED.replace(CLEANLINESS, CLEANLINESS + OWN_WORDS, 1), "flows.yaml", {})
    step = flows.flows["park_evaluation"].step("cleanliness")
    words = flows.ratings_for(step, "es")
    assert (words["sucio"], words["limpio"], words["regular"]) == (1, 5, 3)  # its own over, the rest kept
    assert flows.ratings_for(step, "en")["filthy"] == 1 and flows.ratings_for(step, "en")["good"] == 4
    safety = flows.flows["park_evaluation"].step("safety")
    assert flows.ratings_for(safety, "es")["sucio"] == 2  # another step keeps the top-level words
    assert flows.ratings_for(step, "es") is flows.ratings_for(step, "es")  # worked out once


@pytest.mark.parametrize(
    "words, needle, message",
    [
        (
            "        ratings:\n          es: {sucio: 7}\n",
            "es: {sucio: 7}",
            "flow 'park_evaluation', step 'cleanliness', ratings, es: 'sucio' must be at most 5",
        ),
        (
            "        ratings:\n          fr: {sale: 1}\n",
            "fr: {sale: 1}",
            "step 'cleanliness': ratings in 'fr', which is not among languages (es, en)",
        ),
    ],
)
def test_a_steps_wrong_rating_words_are_reported_with_their_line(words, needle, message):
    broken = SHIPPED.replace(CLEANLINESS, CLEANLINESS + words, 1)
    matching = [e for e in errors_of(broken) if message in e]
    assert matching, errors_of(broken)
    assert int(matching[0].split(":")[1]) == line_of(broken, needle), matching[0]


def test_ratings_on_a_step_that_is_no_rating_are_reported_with_their_line():
    confirm = "      - id: confirm\n        kind: confirm\n"
    assert confirm in SHIPPED
    broken = SHIPPED.replace(confirm, confirm + "        ratings:\n          es: {sucio: 1}\n", 1)
    (error,) = [e for e in errors_of(broken) if "ratings apply only to a rating step" in e]
    assert "step 'confirm': ratings apply only to a rating step, not confirm" in error
    confirm_line = line_of(broken, "      - id: confirm\n".strip())
    assert int(error.split(":")[1]) == confirm_line + 2  # the `ratings:` line, under id and kind


def test_an_expiry_beyond_a_year_is_an_error_on_its_line_not_a_crash():
    """Hypothesis once found 2.3e12 minutes overflowing timedelta inside the loader (an OverflowError, not a message)."""
    line = next(n for n, text in enumerate(SHIPPED.splitlines(), 1) if text.startswith("expire_after_minutes:"))
    text = "\n".join(
        "expire_after_minutes: 2322489343553.0" if n == line else t for n, t in enumerate(SHIPPED.splitlines(), 1)
    )
    assert errors_of(text) == [f"flows.yaml:{line}:1: 'expire_after_minutes' must be at most 525600.0"]
