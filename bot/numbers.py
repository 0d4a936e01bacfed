"""Numbers in a reader's locale, as Babel writes them, at a fraction of its cost per number.

A survey's page writes thousands of averages and counts (a thousand parks, three ratings each), and so does
/datos/; Babel's format_decimal parses its pattern and works through a general formatter for every one of
them, which made the formatting most of those pages' time. The patterns they use are plain (a count grouped
by thousands; a decimal with a fixed number of decimals, grouped or not), so they are written here with
Python's own formatting of a Decimal rounded as Babel rounds (half to even on the value's decimal text),
then given the locale's own decimal and group symbols from Babel's CLDR data. Tests compare every result
with Babel's (tests/test_numbers.py).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import format_decimal as babel_decimal
from babel.numbers import get_decimal_symbol, get_group_symbol

__all__ = ["format_count", "format_fixed"]

# 0.0, 0.00 (whole digits as needed, these decimals) and #,##0.0, #,##0.00 (the same grouped by thousands)
_FIXED = re.compile(r"(#,##)?0\.(0+)")


@lru_cache(maxsize=16)
def _symbols(locale: str) -> dict[int, str]:
    """str.translate's table from Python's symbols (',' and '.') to the locale's."""
    parsed = Locale.parse(locale)
    return str.maketrans({",": get_group_symbol(parsed), ".": get_decimal_symbol(parsed)})


@lru_cache(maxsize=8)
def _quantum(digits: int) -> Decimal:
    return Decimal(1).scaleb(-digits)


def format_count(value, locale: str) -> str:
    """A whole number grouped by thousands (Babel's #,##0)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return babel_decimal(value, locale=locale)
    return f"{value:,}".translate(_symbols(locale))


def format_fixed(value, pattern: str, locale: str) -> str:
    """A number as Babel writes it with `pattern`: fixed decimals, grouped (#,##0.0) or not (0.0), are written
    here, any other pattern by Babel."""
    plain = _FIXED.fullmatch(pattern)
    try:
        exact = Decimal(str(value)).quantize(_quantum(len(plain[2])), rounding=ROUND_HALF_EVEN) if plain else None
    except (InvalidOperation, ValueError, TypeError):
        exact = None
    if plain is None or exact is None or not exact.is_finite():
        return babel_decimal(value, pattern, locale=locale)
    return f"{exact:{',' if plain[1] else ''}f}".translate(_symbols(locale))
