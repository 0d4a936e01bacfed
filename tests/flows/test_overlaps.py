"""Words two flows or two options share are warnings, each at the line of the word's second use."""

from __future__ import annotations

import textwrap
from pathlib import Path

from bot.flows.overlaps import shared_words

ROOT = Path(__file__).parent.parent.parent


def warnings_of(text: str) -> list[str]:
    return [w.format() for w in shared_words(textwrap.dedent(text))]


def at(text: str, needle: str) -> str:
    """LINE:COL where needle (the one line holding it) starts."""
    ((number, line),) = [(n, line) for n, line in enumerate(textwrap.dedent(text).splitlines(), 1) if needle in line]
    return f"{number}:{line.index(needle) + 1}"


def line_at(text: str, needle: str) -> str:
    """The number of the one line holding needle."""
    return at(text, needle).split(":")[0]


TWO_FLOWS = """\
    default_language: es
    flows:
      trash:
        keywords:
          es: [basura, camión]
          en: [trash]
      route_survey:
        keywords:
          es:
            - ruta
            - camion
          en: [bus]
    """


def test_a_keyword_of_two_flows_is_reported_at_its_second_use():
    assert warnings_of(TWO_FLOWS) == [
        f"flows.yaml:{at(TWO_FLOWS, 'camion')}: warning: flow 'trash' and flow 'route_survey' both use the keyword 'camion' (es): "
        f"an opener with it is ambiguous (first at line {line_at(TWO_FLOWS, 'camión]')})"
    ]


def test_the_warning_carries_its_source():
    (warning,) = shared_words(textwrap.dedent(TWO_FLOWS), "civic/flows.yaml")
    assert warning.format().startswith("civic/flows.yaml:")
    assert f"{warning.line}:{warning.column}" == at(TWO_FLOWS, "camion") == "11:11"


def test_keywords_are_compared_across_languages_because_the_menu_matches_them_all_at_once():
    text = """\
        flows:
          info:
            keywords: {es: [info], en: [information]}
          events:
            keywords: {es: [eventos], en: [Info]}
        """
    assert warnings_of(text) == [
        f"flows.yaml:{at(text, 'Info]')}: warning: flow 'info' (es) and flow 'events' (en) "
        f"both use the keyword 'info': an opener with it is ambiguous (first at line {line_at(text, '[info]')})"
    ]


def test_a_word_repeated_within_one_flow_is_not_a_warning():
    text = """\
        flows:
          trash:
            keywords: {es: [recoleccion, recolección], en: [pickup, Pickup]}
        """
    assert warnings_of(text) == []


def test_a_third_flow_is_reported_against_the_first_and_each_pair_once():
    text = """\
        flows:
          a: {keywords: {es: [luz]}}
          b: {keywords: {es: [luz, Luz]}}
          c: {keywords: {es: [luz]}}
        """
    assert [w.split(": warning: ")[1].split(" both")[0] for w in warnings_of(text)] == [
        "flow 'a' and flow 'b'",
        "flow 'a' and flow 'c'",
    ]


CHOICE = """\
    default_language: es
    flows:
      trash:
        steps:
          - id: problem
            kind: choice
            options:
              - id: missed_collection
                label: {es: No pasó el camión, en: The truck didn't come}
                words: {es: [no paso, camion], en: [missed, truck]}
              - id: illegal_dumping
                label: {es: Tiradero, en: Illegal dumping}
                words:
                  es: [tiradero, Camión]
                  en: [dumping]
    """


def test_a_word_of_two_options_names_the_flow_the_step_and_both_options():
    assert warnings_of(CHOICE) == [
        f"flows.yaml:{at(CHOICE, 'Camión]')}: warning: flow 'trash', step 'problem': "
        "option 'missed_collection' and option 'illegal_dumping' both use the word 'camion' (es): "
        f"an answer with it is ambiguous (first at line {line_at(CHOICE, 'no paso, camion')})"
    ]


def test_an_option_label_counts_as_one_of_its_words():
    text = """\
        flows:
          streetlight:
            steps:
              - id: state
                kind: choice
                options:
                  - id: "off"
                    label: Apagada
                  - id: flickering
                    label: {es: parpadea, en: flickering}
                    words: {es: [apagada a ratos, apagada]}
        """
    assert warnings_of(text) == [
        f"flows.yaml:{at(text, 'apagada]')}: warning: flow 'streetlight', step 'state': "
        "option 'off' and option 'flickering' both use the word 'apagada' (es): an answer with it is ambiguous"
        f" (first at line {line_at(text, 'label: Apagada')})"
    ]


def test_an_options_own_label_and_words_may_repeat_each_other():
    text = """\
        flows:
          streetlight:
            steps:
              - id: state
                kind: choice
                options:
                  - {id: "off", label: {es: apagada}, words: {es: [apagada, Apagada]}}
                  - {id: "on", label: {es: prendida}, words: {es: [encendida]}}
        """
    assert warnings_of(text) == []


def test_options_of_different_steps_may_share_words():
    text = """\
        flows:
          survey:
            steps:
              - {id: first, kind: choice, options: [{id: a, words: {es: [si]}}, {id: b, words: {es: ["no"]}}]}
              - {id: second, kind: choice, options: [{id: c, words: {es: [si]}}, {id: d, words: {es: ["no"]}}]}
        """
    assert warnings_of(text) == []


def test_a_word_both_yes_and_no_in_one_language():
    text = """\
        words:
          "yes":
            es: [si, sí, ok]
            en: ["yes", ok]
          "no":
            es: ["no", Ok]
            en: ["no", nope]
        """
    assert warnings_of(text) == [
        f'flows.yaml:{at(text, "Ok]")}: warning: words "yes" and "no" both have \'ok\' (es): '
        f"a yes/no answer with it is ambiguous (first at line {line_at(text, 'es: [si, sí, ok]')})"
    ]


def test_yes_in_one_language_and_no_in_another_is_not_a_warning():
    text = """\
        words:
          "yes": {es: [si], en: ["yes"]}
          "no": {es: ["no"], en: [si]}
        """
    assert warnings_of(text) == []


def test_warnings_come_in_line_order():
    text = """\
        flows:
          a:
            steps:
              - {id: s, kind: choice, options: [{id: x, words: {es: [uno]}}, {id: y, words: {es: [uno]}}]}
            keywords: {es: [luz]}
          b: {keywords: {es: [luz]}}
        words:
          "no": {es: [va]}
          "yes": {es: [Vá]}
        """
    second_uno, second_luz, second_va = at(text, "uno]}}]"), at(text, "luz]}}"), at(text, "Vá")
    assert [w.split(": warning: ")[0] for w in warnings_of(text)] == [
        f"flows.yaml:{second_uno}",
        f"flows.yaml:{second_luz}",
        f"flows.yaml:{second_va}",
    ]


def test_a_file_the_loader_rejects_gives_no_warnings_and_no_crash():
    for text in ["", "[1, 2]", "flows: [a, b]", "flows: {a: {keywords: [x]}}", "key: [unclosed", "flows: {a: 3}"]:
        assert warnings_of(text) == []


def test_odd_values_are_read_as_the_loader_reads_them():
    text = """\
        flows:
          a: {keywords: {es: [911, [nested], {k: v}, "!!"]}}
          b: {keywords: {es: ["911", "?"]}}
        """
    (warning,) = warnings_of(text)
    assert "both use the keyword '911' (es)" in warning


def test_the_shipped_flows_share_no_words():
    assert shared_words((ROOT / "flows.yaml").read_text(encoding="utf-8")) == []


ROUTE_AND_TRASH = """\
    default_language: es
    flows:
      trash:
        title: {es: Recolección de basura, en: Trash pickup}
        keywords:
          es: [basura, camion de la basura]
      park_evaluation:
        title: {es: Evaluar un parque, en: Rate a park}
        keywords:
          es: [parque, evaluar]
          en: [park, rate]
      route:
        title: {es: Evaluar una ruta, en: Rate a bus route}
        keywords:
          es: [camión, parqes]
    """


def test_a_keyword_inside_another_flows_longer_keyword_or_title_or_a_typo_of_it_is_a_warning():
    assert warnings_of(ROUTE_AND_TRASH) == [
        f"flows.yaml:{at(ROUTE_AND_TRASH, 'Evaluar una ruta')}: warning: flow 'route' title 'Evaluar una ruta' (line 13)"
        " holds flow 'park_evaluation' keyword 'evaluar' (line 10): an opener with 'Evaluar una ruta' among other"
        " words is ambiguous",
        f"flows.yaml:{at(ROUTE_AND_TRASH, 'Rate a bus route')}: warning: flow 'route' title 'Rate a bus route'"
        " (line 13) holds flow 'park_evaluation' keyword 'rate' (line 11): an opener with 'Rate a bus route' among"
        " other words is ambiguous",
        f"flows.yaml:{at(ROUTE_AND_TRASH, 'camión')}: warning: flow 'trash' keyword 'camion de la basura' (line 6)"
        " holds flow 'route' keyword 'camión' (line 15): an opener with 'camion de la basura' among other words is"
        " ambiguous",
        f"flows.yaml:{at(ROUTE_AND_TRASH, 'parqes')}: warning: flow 'park_evaluation' keyword 'parque' (line 10) and"
        " flow 'route' keyword 'parqes' (line 15) are a typo apart: an opener with either may be taken for the other",
    ]


def test_the_warned_openers_are_ambiguous_for_the_real_matcher():
    from bot.flows.matching import Candidate, ChoiceIndex

    menu = ChoiceIndex(
        [
            Candidate("trash", 1, ("Recolección de basura", "basura", "camion de la basura")),
            Candidate("park_evaluation", 2, ("Evaluar un parque", "parque", "evaluar")),
            Candidate("route", 3, ("Evaluar una ruta", "camión")),
        ]
    )
    assert set(menu.match("no pasó el camión de la basura").suggestions) == {"trash", "route"}
    assert set(menu.match("quiero evaluar una ruta").suggestions) == {"park_evaluation", "route"}


def test_an_option_word_a_typo_of_another_options_is_a_warning():
    text = """\
        default_language: es
        flows:
          trash:
            steps:
              - id: problem
                kind: choice
                options:
                  - {id: missed, label: No pasó, words: {es: [camion]}}
                  - {id: dumping, label: Tiradero, words: {es: [camiones]}}
        """
    assert warnings_of(text) == [
        f"flows.yaml:{at(text, 'camiones')}: warning: flow 'trash', step 'problem': option 'missed' word 'camion'"
        " (line 8) and option 'dumping' word 'camiones' (line 9) are a typo apart: an answer with either may be taken"
        " for the other"
    ]
