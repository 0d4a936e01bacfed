"""Our number formatting (bot/numbers.py) writes exactly what Babel writes, in both languages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from bot.numbers import format_count, format_fixed

LOCALES = ["es_MX", "en"]
EDGES = [0, 0.0, -0.0, 0.005, 0.015, 0.125, 2.25, 2.35, 2.45, -0.004, 4.999, 1234.5, 1e7, 3, 123456789.987, 1e-12]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("pattern", ["0.0", "0.00", "#,##0.0", "#,##0.00"])
@pytest.mark.parametrize("value", EDGES)
def test_a_fixed_decimal_is_babels_even_at_a_half(value, pattern, locale):
    assert format_fixed(value, pattern, locale) == format_decimal(value, pattern, locale=locale)


@given(
    # Babel's own quantize fails beyond 28 significant digits; a dashboard's figures stay far below.
    value=st.one_of(
        st.floats(min_value=-1e15, max_value=1e15),
        st.integers(min_value=-(10**15), max_value=10**15),
        st.decimals(min_value=-(10**15), max_value=10**15, allow_nan=False, places=6),
    ),
    pattern=st.sampled_from(["0.0", "0.00", "#,##0.0", "#,##0.00"]),
    locale=st.sampled_from(LOCALES),
)
def test_any_number_with_either_pattern_is_babels(value, pattern, locale):
    assert format_fixed(value, pattern, locale) == format_decimal(value, pattern, locale=locale)


@given(value=st.integers(min_value=-(10**15), max_value=10**15), locale=st.sampled_from(LOCALES))
def test_a_count_is_grouped_as_babel_groups_it(value, locale):
    assert format_count(value, locale) == format_decimal(value, locale=locale)


def test_a_locale_with_other_symbols_gets_its_own():
    # German swaps them: the symbols come from the locale, not from Python's defaults.
    assert format_fixed(1234.5, "0.00", "de") == format_decimal(1234.5, "0.00", locale="de") == "1234,50"
    assert format_count(1234567, "de") == "1.234.567"
    assert (
        format_fixed(1234567.25, "#,##0.0", "de") == format_decimal(1234567.25, "#,##0.0", locale="de") == "1.234.567,2"
    )


@pytest.mark.parametrize("value", [float("nan"), float("inf"), Decimal("NaN"), 2.5])
def test_what_the_shortcut_does_not_cover_is_left_to_babel(value):
    assert format_fixed(value, "#,##0.###", "en") == format_decimal(value, "#,##0.###", locale="en")
    assert format_fixed(value, "0.0", "en") == format_decimal(value, "0.0", locale="en")
