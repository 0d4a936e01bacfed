"""Folios: new ones are readable, and a ticket is found by one however it was typed."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.db.database import transaction
from bot.tickets.folio import ALPHABET, is_folio_shaped, new_folio, ticket_by_folio
from tests.support.desks import seed_ticket


def test_a_new_folio_reads_year_month_then_unambiguous_characters():
    folio = new_folio(datetime(2026, 11, 3))
    assert folio.startswith("2611-") and len(folio) == 11
    assert set(folio[5:]) <= set(ALPHABET)


@pytest.mark.parametrize(
    "text, shaped",
    [
        ("2611-7K3M9Q", True),
        (" 2611-7k3m9q ", True),
        ("2611\x007K3M9Q", False),
        ("", False),
        ("2611 7K3M9Q", False),
    ],
)
def test_only_letters_digits_and_dashes_are_folio_shaped(text, shaped):
    assert is_folio_shaped(text) is shaped


def test_a_ticket_is_found_by_its_folio_in_any_case_and_spacing(app):
    folio = seed_ticket(app)
    with transaction(app.extensions["ventanilla"].engine) as session:
        assert ticket_by_folio(session, f" {folio.lower()} ").folio == folio
        assert ticket_by_folio(session, "2611-ZZZZZZ") is None
        assert ticket_by_folio(session, folio + "\x00") is None  # PostgreSQL would refuse the NUL: never asked
