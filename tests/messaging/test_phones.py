"""Phone numbers: one resident whichever way the number arrives."""

import pytest

from bot.messaging.phones import PhoneError, mask_phone, normalize_phone


@pytest.mark.parametrize(
    "raw",
    [
        "+5218112345678",
        "+528112345678",
        "5218112345678",
        "528112345678",
        "8112345678",
        "+52 1 81 1234 5678",
        "+52 (81) 1234-5678",
    ],
)
def test_mexican_mobile_forms_are_one_number(raw):
    assert normalize_phone(raw) == "+528112345678"


def test_other_countries_are_kept():
    assert normalize_phone("+14155238886") == "+14155238886"
    assert normalize_phone("14155238886") == "+14155238886"


@pytest.mark.parametrize("raw", ["", "hola", "12", "+52"])
def test_garbage_is_refused(raw):
    with pytest.raises(PhoneError):
        normalize_phone(raw)


def test_mask_keeps_country_and_last_digits():
    assert mask_phone("+528112345678") == "+5281••••5678"
