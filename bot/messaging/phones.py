"""Phone numbers as one resident: E.164 via phonenumbers, with Mexico's mobile quirk undone."""

from __future__ import annotations

import phonenumbers

__all__ = ["normalize_phone", "mask_phone", "PhoneError"]

MEXICO = 52


class PhoneError(ValueError):
    """The text is not a phone number."""


def normalize_phone(raw: str, default_region: str = "MX") -> str:
    """Return the number in E.164; "+52 1 81…" and "+52 81…" (Mexico's old mobile prefix) are one number.

    WhatsApp ids come without "+" ("5218112345678"); they are read as international numbers.
    """
    text = raw.strip()
    if text.isdigit() and len(text) > 10:
        text = "+" + text
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise PhoneError(f"not a phone number: {raw!r}") from exc
    national = str(number.national_number)
    if number.country_code == MEXICO and len(national) == 11 and national.startswith("1"):
        number = phonenumbers.PhoneNumber(country_code=MEXICO, national_number=int(national[1:]))
    if not phonenumbers.is_possible_number(number):
        raise PhoneError(f"not a possible phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """Hide the middle of a number for lists: +52 81 •••• 5678."""
    return e164[:5] + "•" * max(0, len(e164) - 9) + e164[-4:] if len(e164) > 8 else "•" * len(e164)
