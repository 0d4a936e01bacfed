"""Options by the number in their name, by their synonyms (a CSV's `words` column), and "which one?" (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.channels import carries
from bot.flows.corpus import load_corpus_flows
from bot.flows.loader import FlowsInvalidError, load_flows_text
from bot.flows.matching import MAX_SUGGESTIONS, Candidate, ChoiceIndex, Match
from bot.flows.numbers import choice_digits
from bot.flows.optionfiles import OptionsFileError, read_options
from bot.flows.transcripts import NOW, load_transcripts, run_transcript

ROOT = Path(__file__).parent.parent.parent
ROUTES = [
    ("R1", "Ruta 1 Centro"),
    ("R3", "Ruta 3"),
    ("R23", "Ruta 23 Valle Oriente"),
    ("R123", "Ruta 123 San Nicolás"),
    ("R213", "Ruta 213 Valle Oriente"),
    ("R223", "Ruta 223 Juárez"),
    ("R230", "Ruta 230 Escobedo"),
    ("R231", "Ruta 231 Apodaca"),
]


def routes(*extra: tuple[str, str]) -> ChoiceIndex:
    """Routes as a long options_from list gives them: not numbered."""
    return ChoiceIndex([Candidate(key, None, (name,)) for key, name in [*ROUTES, *extra]])


def match(index: ChoiceIndex, text: str, lang: str = "es"):
    return index.match(text, "", choice_digits(text, lang))


@pytest.mark.parametrize(
    "text, key",
    [
        ("la 23", "R23"),
        ("la ruta 23", "R23"),
        ("Ruta 23", "R23"),
        ("23", "R23"),
        ("la veintitrés", "R23"),
        ("la veintitres", "R23"),
        ("ruta uno", "R1"),
        ("ruta 3", "R3"),
        ("la 213", "R213"),
        ("la dos trece", "R213"),
        ("la 230", "R230"),
        ("la dos treinta", "R230"),
        ("ruta 123", "R123"),
    ],
)
def test_a_number_in_the_answer_takes_the_option_carrying_exactly_that_number(text, key):
    assert match(routes(), text).key == key


def test_a_number_that_stands_in_no_name_is_no_pick():
    assert match(routes(), "la 2").key is None
    assert match(routes(), "la 5").key is None


def test_a_long_answer_naming_two_alike_names_is_settled_by_its_number():
    # "valle oriente" is in both names; the 23 the resident said decides, past the tie margin
    assert routes().match("ruta 23 valle oriente por favor gracias").key == "R23"
    found = routes().match("la ruta 23 que va para valle oriente")  # a loose reading: asked, about the 23 alone
    assert found == type(found)(suggestions=("R23",))
    assert set(routes().match("la de valle oriente").suggestions) == {"R23", "R213"}  # no number: both asked


def test_names_sharing_the_number_are_decided_by_their_other_words_and_asked_among_themselves():
    index = routes(("R23X", "Ruta 23 Express"))
    assert match(index, "la 23 express").key == "R23X"
    assert match(index, "la 23 valle oriente").key == "R23"
    found = match(index, "la ruta 23")
    assert found.key is None and set(found.suggestions) == {"R23", "R23X"}


def test_which_one_lists_three_at_most_and_always_the_exact_number():
    many = [(f"N{n}", f"Ruta 23 Ramal {n}") for n in "ABCDE"]
    found = match(routes(*many), "ruta 23")
    assert MAX_SUGGESTIONS == 3
    assert 1 < len(found.suggestions) <= 3
    assert set(found.suggestions) <= {"R23"} | {key for key, _ in many}  # only names carrying 23
    found = match(routes(), "la ruta 2")
    assert found.key is None and 1 <= len(found.suggestions) <= 3


@pytest.mark.parametrize(
    "text, digits",
    [
        ("la dos catorce", "la 214"),
        ("uno treinta", "130"),
        ("la veintitres", "la 23"),
        ("la 2 13", "la 2 13"),  # typed as two numbers: two numbers
        ("la segunda", "la 2"),
        ("dos", "2"),
    ],
)
def test_choice_digits_read_route_numbers_as_said_aloud(text, digits):
    assert choice_digits(text, "es") == digits


# The `words` column of an options_from file.


def write(folder: Path, text: str) -> Path:
    path = folder / "routes.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_words_column_is_read_separated_by_semicolons(tmp_path):
    write(tmp_path, "id,nombre,words\nR23,Ruta 23 Valle Oriente,la del Tec; la verde ;\nR1,Ruta 1 Centro,\n")
    with pytest.raises(OptionsFileError, match=r"^routes.csv:2: words: an empty word in 'la del Tec; la verde ;'"):
        read_options(tmp_path, {"file": "routes.csv", "column": "nombre", "id_column": "id"})
    write(tmp_path, "id,nombre,words\nR23,Ruta 23 Valle Oriente,la del Tec; la verde\nR1,Ruta 1 Centro,\n")
    first, second = read_options(tmp_path, {"file": "routes.csv", "column": "nombre", "id_column": "id"})
    assert (first.id, first.label, first.words) == ("R23", "Ruta 23 Valle Oriente", ("la del Tec", "la verde"))
    assert second.words == ()  # an empty cell: no words


def test_words_column_names_another_column_and_an_unknown_one_is_an_error_with_the_file_and_line(tmp_path):
    write(tmp_path, "id,nombre,apodos\nR23,Ruta 23 Valle Oriente,la del Tec\n")
    spec = {"file": "routes.csv", "column": "nombre", "id_column": "id", "words_column": "apodos"}
    (only,) = read_options(tmp_path, spec)
    assert only.words == ("la del Tec",)
    with pytest.raises(OptionsFileError) as error:
        read_options(tmp_path, {**spec, "words_column": "sinonimos"})
    assert str(error.value) == "routes.csv:1: no column 'sinonimos' (the columns are: id, nombre, apodos)"
    with pytest.raises(OptionsFileError, match=r"^routes.csv:1: no column 'name' "):
        read_options(tmp_path, {**spec, "column": "name"})


def test_an_empty_word_is_reported_on_its_line_even_after_a_quoted_cell_over_two_lines(tmp_path):
    write(tmp_path, 'id,nombre,words\nR1,"Ruta 1\nCentro",centro\nR3,Ruta 3,;;\n')
    with pytest.raises(OptionsFileError, match=r"^routes.csv:4: words: an empty word in ';;'"):
        read_options(tmp_path, {"file": "routes.csv", "column": "nombre", "id_column": "id"})


def flow_with_routes(file_spec: str) -> str:
    shipped = (ROOT / "flows.yaml").read_text(encoding="utf-8")
    survey = f"""  line_survey:
    title: {{es: Líneas urbanas, en: City lines}}
    outcome: {{kind: survey, department: parques}}
    steps:
      - id: line
        kind: choice
        options_from: {file_spec}
        prompt: {{es: "¿Qué ruta?", en: "Which route?"}}
    done: {{es: "Gracias", en: "Thanks"}}

"""
    menu = "park_evaluation, city_info]"
    return shipped.replace("  city_info:\n", survey + "  city_info:\n", 1).replace(menu, menu[:-1] + ", line_survey]")


def test_flows_check_names_the_csv_line_of_an_empty_word(tmp_path):
    (tmp_path / "parks.csv").write_text((ROOT / "parks.csv").read_text(encoding="utf-8"), encoding="utf-8")
    write(tmp_path, "id,nombre,words\nR1,Ruta 1 Centro,centro\nR23,Ruta 23 Valle Oriente,tec;;verde\n")
    text = flow_with_routes("{file: routes.csv, column: nombre, id_column: id}")
    with pytest.raises(FlowsInvalidError) as error:
        load_flows_text(text, "flows.yaml", {}, tmp_path)
    (line,) = str(error.value).splitlines()
    assert (
        line.startswith("flows.yaml:") and "flow 'line_survey', step 'line': routes.csv:3: words: an empty word" in line
    )


def test_a_csv_synonym_matches_like_the_name(tmp_path):
    (tmp_path / "parks.csv").write_text((ROOT / "parks.csv").read_text(encoding="utf-8"), encoding="utf-8")
    rows = "".join(f"{key},{name},{'la del Tec; la verde' if key == 'R23' else ''}\n" for key, name in ROUTES)
    write(tmp_path, "id,nombre,words\n" + rows)
    flows = load_flows_text(flow_with_routes("{file: routes.csv, column: nombre, id_column: id}"), "f", {}, tmp_path)
    index = flows.flows["line_survey"].steps[0].index
    assert index is not None
    assert match(index, "la del tec").key == "R23"
    assert match(index, "la verde porfa").key == "R23"
    assert match(index, "la del tek").key in ("R23", None)  # a typo may be asked about, never another route
    assert not match(index, "la del tek").suggestions or match(index, "la del tek").suggestions == ("R23",)


# Conversations, through the engine, with the corpus's route survey (corpus/flows.yaml, corpus/routes.csv).

CORPUS_FLOWS = load_corpus_flows(ROOT / "flows.yaml", ROOT / "corpus")
TRANSCRIPTS = load_transcripts(Path(__file__).parent / "transcripts" / "line_survey.yaml")


@pytest.mark.parametrize("transcript", [pytest.param(t, id=t.name) for t in TRANSCRIPTS])
def test_route_survey_transcripts(transcript):
    failures = run_transcript(CORPUS_FLOWS, transcript, NOW, carries=carries)
    assert not failures, "\n".join(f.format() for f in failures)


def test_a_first_message_names_a_route_by_its_number_after_a_word_of_its_name():
    index = routes(("P5", "Parque 5 de Mayo"))
    assert index.named_by_number("la ruta 23 siempre viene llena") == ("R23",)
    assert index.named_by_number("ya no pasa la ruta 2") == ()
    assert index.named_by_number("hay un bache en 5 de mayo") == ()  # "en 5" is in no name
    assert index.named_by_number("el parque 5 de mayo esta sucio") == ("P5",)


@pytest.mark.parametrize(
    "text, lang, answers",
    [
        ("la ruta 23 siempre viene llena", "es", {"route": "r23"}),
        ("Ruta 214", "es", {"route": "r214"}),
        ("la ruta 2 no pasa", "es", {}),
        ("route 130 is always late", "en", {"route": "r130"}),
    ],
)
def test_the_opener_fills_the_route_it_names_by_number(text, lang, answers):
    from bot.flows.engine import opening

    assert opening(CORPUS_FLOWS, text, lang, NOW) == ("route_survey", answers)


@pytest.mark.parametrize(
    ("text", "key"),
    [("it goes on and off", "flickering"), ("flickering on and off", "flickering"), ("it's off", "off")],
)
def test_a_word_inside_another_options_longer_word_gives_way_to_it(text, key):
    """The word "off" (option off) stands inside "on and off" (option flickering): the longer word the resident said wins."""
    index = ChoiceIndex(
        [
            Candidate("off", 1, ("off", "out", "dark")),
            Candidate("flickering", 2, ("flickering", "blinking", "on and off")),
            Candidate("on_daytime", 3, ("always on", "during the day")),
        ]
    )
    assert index.match(text) == Match(key)
