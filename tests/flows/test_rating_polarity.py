"""The shipped ratings never store a value against what the text says: a good answer is never 1-2, a bad one
never 4-5, and an answer that pulls both ways is asked again (pure functions, the shipped flows.yaml words)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.flows.ratings import read_rating
from bot.flows.ratingwords import lexicon
from tests.support.chat import FLOWS

POSITIVE, NEGATIVE, NEUTRAL, ASK = "positive", "negative", "neutral", "ask"

SPANISH = {
    POSITIVE: [
        "bien", "bueno", "buena", "muy bien", "muy bueno", "excelente", "perfecto", "limpio", "limpia", "muy limpio",
        "está limpio", "limpísimo", "limpiecito", "buenísimo", "rebien", "súper bien", "super limpio", "bien chido",
        "chido", "está bien padre", "bien bonito", "de lujo", "👍", "😍", "🙂", "excelente, muy limpio",
        "no está mal", "no esta nada mal", "nada mal", "no está sucio", "no está tan sucio", "nunca está sucio",
        "no es malo", "para nada sucio", "no está nada sucio", "bien, gracias", "está bien la verdad",
        "no hay basura, está limpio", "no es excelente pero está bien", "bien bien", "muy bien 😍",
    ],
    NEGATIVE: [
        "mal", "malo", "mala", "muy mal", "pésimo", "horrible", "sucio", "sucia", "muy sucio", "bien sucio",
        "bien cochino", "malísimo", "sucísimo", "super sucio", "re sucio", "feo", "está bien feo", "gacho", "👎",
        "😡", "🙁", "un asco", "no muy bien", "nada bien", "no está bien", "no está limpio", "no está muy limpio",
        "nunca está limpio", "nada limpio", "para nada limpio", "no es bueno", "no me gustó, está sucio",
        "mal, bien lleno", "malo, pero no pésimo", "está muy sucia", "la verdad muy mal, está lleno de basura",
        "ni limpio", "no está bonito", "no es excelente", "nada bonito",
    ],
    NEUTRAL: [
        "regular", "regularcito", "más o menos", "maso", "ni fu ni fa", "ni bien ni mal", "ni limpio ni sucio",
        "ni bueno ni malo", "más o menos bien", "normal", "ahí va", "😐",
    ],
    ASK: [
        "limpio pero muy feo", "bien y mal", "bien 😡", "bueno pero sucio", "limpio y sucio", "excelente, pésimo",
        "5, pésimo", "1 😍", "un 1, excelente", "no regular", "muy bien pero muy mal", "😍😡", "sucio pero bonito",
        "no sé", "depende",
    ],
}  # fmt: skip

ENGLISH = {
    POSITIVE: [
        "good", "very good", "great", "excellent", "perfect", "clean", "very clean", "super clean", "really good",
        "nice", "amazing", "👍", "😍", "not bad", "isn't bad", "not bad at all", "not too bad", "not dirty",
        "it isn't dirty", "wasn't bad", "pretty good", "good, thanks",
    ],
    NEGATIVE: [
        "bad", "very bad", "awful", "terrible", "dirty", "very dirty", "really dirty", "so bad", "ugly", "poor",
        "disgusting", "👎", "😡", "not good", "not very good", "not great", "not clean", "it isn't clean",
        "it wasn't good", "never clean", "not nice", "not perfect",
    ],
    NEUTRAL: ["okay", "so so", "meh", "average", "fine", "neither good nor bad", "neither clean nor dirty", "😐"],
    ASK: [
        "good and bad", "clean but ugly", "great but dirty", "5, awful", "1, excellent", "very good but very bad",
        "no idea",
    ],
}  # fmt: skip

CASES = [
    (lang, label, text)
    for lang, table in (("es", SPANISH), ("en", ENGLISH))
    for label in table
    for text in table[label]
]


def rating(text: str, lang: str) -> tuple[int, ...]:
    return read_rating(text, lang, (1, 5), lexicon(FLOWS.ratings[lang])).values


def test_the_corpus_holds_over_a_hundred_phrases_in_both_languages():
    assert len(CASES) >= 100
    assert {lang for lang, _, _ in CASES} == {"es", "en"}


@pytest.mark.parametrize(("lang", "label", "text"), CASES)
def test_no_value_is_stored_against_the_texts_polarity(lang, label, text):
    values = rating(text, lang)
    if label == ASK:
        assert values == (), f"{text!r} pulls both ways (or says nothing): ask again"
        return
    assert len(values) == 1, f"{text!r} should be understood"
    if label == POSITIVE:  # "no está mal" is 3: mildly positive, never 1-2
        assert values[0] >= 3, f"{text!r} is positive, stored {values[0]}"
    elif label == NEGATIVE:
        assert values[0] <= 2, f"{text!r} is negative, stored {values[0]}"
    else:
        assert values[0] == 3, f"{text!r} is neither, stored {values[0]}"


def test_the_issues_six_answers_are_stored_as_said():
    said = ["no muy bien", "nada bien", "bien sucio", "ni bien ni mal", "mal, bien lleno", "no está mal"]
    assert [rating(text, "es") for text in said] == [(2,), (2,), (1,), (3,), (2,), (3,)]


def _words(lang: str, keep) -> list[str]:
    return sorted(w for w, v in FLOWS.ratings[lang].items() if keep(v) and any(c.isalpha() for c in w))


POSITIVE_WORDS = _words("es", lambda v: v >= 4)
NEGATIVE_WORDS = _words("es", lambda v: v <= 2)


@given(st.sampled_from(POSITIVE_WORDS), st.sampled_from(["no", "no está", "nunca está", "nada", "no es muy"]))
def test_a_negated_good_word_is_never_good(word, negation):
    assert rating(f"{negation} {word}", "es") in ((), (1,), (2,), (3,))


@given(st.sampled_from(NEGATIVE_WORDS), st.sampled_from(["no", "no está", "no es", "nunca está", "no está nada"]))
def test_a_negated_bad_word_is_never_bad(word, negation):
    assert rating(f"{negation} {word}", "es") in ((), (3,), (4,), (5,))


@given(
    st.sampled_from(POSITIVE_WORDS),
    st.sampled_from(NEGATIVE_WORDS),
    st.sampled_from([" y ", ", ", " pero ", " aunque ", " ", ", pero "]),
    st.booleans(),
)
def test_a_good_and_a_bad_word_together_are_asked_again(good, bad, between, good_first):
    text = f"{good}{between}{bad}" if good_first else f"{bad}{between}{good}"
    if "bien" in (good, bad) or good.startswith("bien ") or bad.startswith("bien "):
        return  # "bien" before a word is "very": "bien sucio" is very dirty, not good and dirty
    assert rating(text, "es") == ()


@given(st.sampled_from([*POSITIVE_WORDS, *NEGATIVE_WORDS]), st.sampled_from(["muy", "súper", "bien", "re"]))
def test_a_stronger_word_keeps_its_side(word, stronger):
    values = rating(f"{stronger} {word}", "es")
    side = FLOWS.ratings["es"][word] >= 4
    assert values == () or (values[0] >= 4) == side
