"""ARCO deadlines in business days, checked against the real calendar of 2026–2030 and the shipped flows.yaml."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from bot.privacy.calendar import add_business_days, business_days_between, federal_holidays, is_business_day
from tests.support.chat import FLOWS

SHIPPED = FLOWS.privacy
assert SHIPPED is not None
WEEKENDS_ONLY = replace(SHIPPED, holidays=(), federal_holidays=False)


def test_federal_holidays_of_2026_fall_where_the_law_puts_them():
    assert sorted(federal_holidays(2026)) == [
        date(2026, 1, 1),
        date(2026, 2, 2),  # first Monday of February
        date(2026, 3, 16),  # third Monday of March
        date(2026, 5, 1),
        date(2026, 9, 16),
        date(2026, 11, 16),  # third Monday of November
        date(2026, 12, 25),
    ]


@pytest.mark.parametrize(
    "year, mondays",
    [
        (2027, (date(2027, 2, 1), date(2027, 3, 15), date(2027, 11, 15))),
        (2028, (date(2028, 2, 7), date(2028, 3, 20), date(2028, 11, 20))),
    ],
)
def test_the_moving_holidays_are_mondays(year, mondays):
    assert set(mondays) <= federal_holidays(year)
    assert all(day.weekday() == 0 for day in mondays)


def test_the_inauguration_day_comes_every_six_years():
    assert date(2024, 10, 1) in federal_holidays(2024)
    assert date(2030, 10, 1) in federal_holidays(2030)
    assert date(2036, 10, 1) in federal_holidays(2036)
    assert date(2018, 12, 1) in federal_holidays(2018)  # before the 2024 reform it was 1 December
    assert all(date(year, 10, 1) not in federal_holidays(year) for year in (2025, 2026, 2027, 2028, 2029, 2031))


def test_a_request_on_monday_30_november_2026_is_due_on_29_december():
    # December 2026: the 12th is a Saturday; Christmas (Friday 25) is not worked.
    assert add_business_days(date(2026, 11, 30), 20, SHIPPED) == date(2026, 12, 29)
    assert add_business_days(date(2026, 11, 30), 20, WEEKENDS_ONLY) == date(2026, 12, 28)


def test_a_request_over_christmas_and_new_year():
    # Tue 22 Dec 2026: 23, 24, (25 holiday), 28, 29, 30, 31, (1 Jan holiday), 4, 5 ...
    assert add_business_days(date(2026, 12, 22), 7, SHIPPED) == date(2027, 1, 4)
    assert add_business_days(date(2026, 12, 24), 1, SHIPPED) == date(2026, 12, 28)


def test_the_citys_own_holidays_from_flows_yaml_count():
    assert date(2026, 11, 2) in SHIPPED.holidays  # Día de Muertos, a Monday
    assert not is_business_day(date(2026, 11, 2), SHIPPED)
    assert is_business_day(date(2026, 11, 2), WEEKENDS_ONLY)
    assert add_business_days(date(2026, 10, 30), 1, SHIPPED) == date(2026, 11, 3)
    # Holy Thursday and Friday 2026 (2–3 April) are the city's; Monday 16 November the nation's.
    assert add_business_days(date(2026, 4, 1), 1, SHIPPED) == date(2026, 4, 6)
    assert add_business_days(date(2026, 11, 13), 1, SHIPPED) == date(2026, 11, 17)


def test_federal_holidays_may_be_switched_off():
    own_only = replace(SHIPPED, federal_holidays=False)
    assert is_business_day(date(2026, 12, 25), own_only)
    assert not is_business_day(date(2026, 12, 12), own_only)  # a Saturday anyway


def test_weekends_are_never_worked():
    assert not is_business_day(date(2026, 11, 28), WEEKENDS_ONLY)
    assert not is_business_day(date(2026, 11, 29), WEEKENDS_ONLY)
    assert add_business_days(date(2026, 11, 27), 1, WEEKENDS_ONLY) == date(2026, 11, 30)
    assert add_business_days(date(2026, 11, 28), 1, WEEKENDS_ONLY) == date(2026, 11, 30)


def test_no_days_is_the_start_itself_and_negative_days_are_refused():
    assert add_business_days(date(2026, 11, 28), 0, SHIPPED) == date(2026, 11, 28)
    with pytest.raises(ValueError):
        add_business_days(date(2026, 11, 28), -1, SHIPPED)


def test_days_between_counts_what_add_adds():
    start = date(2026, 11, 20)
    for days in range(0, 60):
        due = add_business_days(start, days, SHIPPED)
        assert business_days_between(start, due, SHIPPED) == days
    assert business_days_between(date(2026, 11, 30), date(2026, 12, 29), SHIPPED) == 20


def test_days_between_is_negative_when_overdue():
    assert business_days_between(date(2026, 12, 29), date(2026, 12, 22), SHIPPED) == -4  # 23, 24, 28, 29
    assert business_days_between(date(2026, 12, 22), date(2026, 12, 22), SHIPPED) == 0


def test_the_extension_adds_its_ten_business_days_to_the_due_date():
    due = add_business_days(date(2026, 11, 30), SHIPPED.answer_days, SHIPPED)
    extended = add_business_days(due, SHIPPED.extension_days, SHIPPED)
    assert (SHIPPED.answer_days, SHIPPED.extension_days) == (20, 10)
    assert extended == date(2027, 1, 13)  # 30, 31, (1 Jan), 4–8, 11, 12, 13
    assert extended - due > timedelta(days=10)
