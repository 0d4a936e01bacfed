"""The places' caches keep only short names: residents' long location answers are read, never kept (issue 12)."""

from __future__ import annotations

import random

from bot.places.addresses import LONGEST_CACHED_NAME, street_key
from bot.places.index import PlaceIndex
from bot.places.model import StreetFeature

EMOJI = [chr(c) for c in range(0x1F300, 0x1F64F)]


def long_answer(rng: random.Random, n: int) -> str:
    words = " ".join(rng.choice(["calle", "Morelos", "frente", "a", "la", "tienda"]) for _ in range(120))
    return f"{words} {''.join(rng.choice(EMOJI) for _ in range(40))} {n}"


def test_long_street_names_are_keyed_but_not_kept():
    rng = random.Random(12)
    street_key("Av. Juárez")
    before = street_key.cache_info().currsize  # type: ignore[attr-defined]
    for n in range(200):
        text = long_answer(rng, n)
        assert len(text) > LONGEST_CACHED_NAME
        assert street_key(text)
    assert street_key.cache_info().currsize == before  # type: ignore[attr-defined]
    assert street_key("Gral. Treviño") == "general trevino"  # short names are still keyed (and kept)


def test_an_index_does_not_keep_the_long_answers_it_matched():
    index = PlaceIndex([StreetFeature("Morelos", ((-100.0, 25.0), (-100.001, 25.0)))], [])
    index.find("Morelos")
    before = index._match.cache_info().currsize  # type: ignore[attr-defined]
    rng = random.Random(7)
    for n in range(50):
        text = long_answer(rng, n)
        assert index._match(text) == ()  # a reading as long as the answer: a street name nobody has
    assert index._match.cache_info().currsize == before  # type: ignore[attr-defined]
