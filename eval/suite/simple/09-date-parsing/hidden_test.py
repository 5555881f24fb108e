from datetime import date

import pytest

from dates import add_business_days, days_between, parse_date


@pytest.mark.parametrize(
    "text",
    ["2024-03-15", "15/03/2024", "March 15, 2024", "Mar 15, 2024", "  2024-03-15\n"],
)
def test_parse_supported_formats(text):
    assert parse_date(text) == date(2024, 3, 15)


def test_parse_day_first():
    assert parse_date("01/02/2023") == date(2023, 2, 1)
    assert parse_date("December 1, 1999") == date(1999, 12, 1)


@pytest.mark.parametrize("bad", ["2024-02-30", "31/04/2024", "hello", "", "2024/03/15", "13/13/2024", "Smarch 1, 2020"])
def test_parse_invalid(bad):
    with pytest.raises(ValueError):
        parse_date(bad)


def test_days_between():
    assert days_between(date(2024, 1, 1), date(2024, 12, 31)) == 365
    assert days_between("2024-03-15", "10/03/2024") == 5
    assert days_between("March 15, 2024", date(2024, 3, 15)) == 0
    assert days_between(date(2024, 3, 1), date(2024, 2, 1)) == 29


def test_add_business_days_forward():
    friday = date(2024, 3, 15)
    assert add_business_days(friday, 1) == date(2024, 3, 18)
    assert add_business_days(friday, 5) == date(2024, 3, 22)
    assert add_business_days(date(2024, 3, 11), 3) == date(2024, 3, 14)
    assert add_business_days(date(2024, 3, 11), 10) == date(2024, 3, 25)


def test_add_business_days_backward_and_zero():
    monday = date(2024, 3, 18)
    assert add_business_days(monday, -1) == date(2024, 3, 15)
    assert add_business_days(monday, 0) == monday
    saturday = date(2024, 3, 16)
    assert add_business_days(saturday, 1) == date(2024, 3, 18)
