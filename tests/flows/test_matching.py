"""The normalising cache stays small however residents write (issue 12: one process grew ≈1.5 GiB)."""

from __future__ import annotations

import random
import tracemalloc
import unicodedata

from bot.flows.matching import _KEPT, KEPT_CHARS, NORMALIZE_CACHE, SHORT_TEXT, _keep, normalize, short_text_cache

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

    @short_text_cache(maxsize=4, longest=5, recent=1)
    def upper(text: str, suffix: str = "") -> str:
        calls.append(text)
        return text.upper() + suffix

    for _ in range(2):
        assert upper("abc") == "ABC"
        assert upper("abcdefgh", suffix="!") == "ABCDEFGH!"
    assert calls == ["abc", "abcdefgh"]  # the message in hand, read again, is worked out once
    upper("another long text")
    assert upper("abcdefgh", suffix="!") == "ABCDEFGH!"  # only the last long text is kept: worked out again
    assert calls == ["abc", "abcdefgh", "another long text", "abcdefgh"]
    for n in range(10):
        upper(str(n))
    assert upper.cache_info().currsize == 4  # type: ignore[attr-defined]
    assert NORMALIZE_CACHE * SHORT_TEXT <= 2**20  # at most a million characters of keys in normalize's cache


def test_the_characters_table_is_bounded_and_reads_as_character_by_character():
    rng = random.Random(3)
    ranges = [(0x20, 0x2FF), (0x300, 0x36F), (0x2000, 0x2BFF), (0x1F300, 0x1FAFF), (0xAC00, 0xD7A3)]
    for _ in range(300):
        text = "".join(chr(rng.randint(*rng.choice(ranges))) for _ in range(rng.randint(1, 200)))
        assert normalize(text) == one_by_one(text), text
    for code in range(0x4E00, 0x4E00 + KEPT_CHARS + 500):  # more distinct characters than the table keeps
        normalize(chr(code) * 70)
    assert len(_KEPT) <= KEPT_CHARS


def one_by_one(text: str) -> str:
    """normalize as it was first written, a character at a time."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(_keep(c) for c in decomposed).split())
