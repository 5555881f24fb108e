"""Date parsing in a few formats and business-day arithmetic (stdlib only)."""
from datetime import date, datetime, timedelta

_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%B %d, %Y", "%b %d, %Y")


def parse_date(text):
    if isinstance(text, date):
        return text
    cleaned = text.strip()
    for fmt in _FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"unrecognised date: {text!r}")


def days_between(a, b):
    return abs((parse_date(b) - parse_date(a)).days)


def add_business_days(start, n):
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    current = start
    while remaining:
        current += timedelta(days=step)
        if current.weekday() < 5:
            remaining -= 1
    return current


def test_parse():
    assert parse_date("2024-03-15") == date(2024, 3, 15)
    assert parse_date("15/03/2024") == date(2024, 3, 15)
    assert parse_date("Mar 15, 2024") == date(2024, 3, 15)
    import pytest

    with pytest.raises(ValueError):
        parse_date("2024-02-30")


def test_business_days():
    assert add_business_days(date(2024, 3, 15), 1) == date(2024, 3, 18)
    assert add_business_days(date(2024, 3, 18), -1) == date(2024, 3, 15)
    assert days_between("2024-03-15", "10/03/2024") == 5
