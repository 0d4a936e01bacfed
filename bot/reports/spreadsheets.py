"""Cells for CSV files people open in a spreadsheet: text a spreadsheet would run as a formula is made plain."""

from __future__ import annotations

__all__ = ["FORMULA_STARTS", "defuse"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP's CSV injection list


def defuse(value):
    """A text cell a spreadsheet would read as a formula, prefixed with a quote; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
