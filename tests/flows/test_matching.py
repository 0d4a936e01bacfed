"""The normalising cache stays small however residents write (issue 12: one process grew ≈1.5 GiB)."""

from __future__ import annotations

import random
import tracemalloc

from bot.flows.matching import NORMALIZE_CACHE, SHORT_TEXT, normalize, short_text_cache

EMOJI = [chr(c) for c in range(0x1F300, 0x1F64F)]


def long_message(rng: random.Random, n: int) -> str:
    """A distinct emoji-laden message of about 2 KB, as an attacker (or a chatty resident) sends."""
    return "".join(rng.choice(EMOJI) if rng.random() < 0.6 else rng.choice("abc déf ") for _ in range(500)) + str(n)


def test_long_texts_are_normalised_but_not_kept():
    rng = random.Random(12)
    normalize("warm up")
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(1000):
            assert normalize(long_message(rng, n))  # still worked out, emoji as words
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 256 * 1024, f"{grown} bytes kept for 1,000 long messages"  # the old LRU kept ≈ 5.6 MB of them


def test_long_and_short_texts_read_alike():
    assert normalize("¡Ya  NO pasó el camión! 👍🏽") == "ya no paso el camion 👍"
    long_text = "Calle Morelos, ¡frente a la PRIMARIA! " * 10
    assert len(long_text) > SHORT_TEXT
    assert normalize(long_text) == " ".join(["calle morelos frente a la primaria"] * 10)


def test_a_full_cache_is_bounded_by_entries_of_short_texts():
    calls = []

    @short_text_cache(maxsize=4, longest=5)
    def upper(text: str, suffix: str = "") -> str:
        calls.append(text)
        return text.upper() + suffix

    for _ in range(2):
        assert upper("abc") == "ABC"
        assert upper("abcdefgh", suffix="!") == "ABCDEFGH!"
    assert calls == ["abc", "abcdefgh", "abcdefgh"]  # the short one once, the long one every time
    for n in range(10):
        upper(str(n))
    assert upper.cache_info().currsize == 4  # type: ignore[attr-defined]
    assert NORMALIZE_CACHE * SHORT_TEXT <= 2**20  # at most a million characters of keys in normalize's cache
