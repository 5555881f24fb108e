"""Parsing of amounts, categories and CSV imports."""
import csv
import io
from datetime import date
from decimal import Decimal, InvalidOperation

REQUIRED = ("date", "amount", "category")


class CsvFormatError(ValueError):
    def __init__(self, line, message):
        super().__init__(f"line {line}: {message}")
        self.line = line


def parse_amount(value):
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("amount must be a number")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"invalid amount: {value!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError("amount must be positive")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError("amount has more than 2 decimals")
    return int(cents)


def normalize_category(text):
    if not isinstance(text, str) or not text.strip():
        raise ValueError("category must not be blank")
    return text.strip().lower()


def parse_date(text):
    if not isinstance(text, str):
        raise ValueError("date must be a YYYY-MM-DD string")
    return date.fromisoformat(text.strip())


def parse_expenses_csv(text):
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise CsvFormatError(1, f"missing column(s): {', '.join(missing)}")
    reader.fieldnames = header
    rows = []
    for line, row in enumerate(reader, start=2):
        try:
            rows.append(
                {
                    "spent_on": parse_date(row["date"] or ""),
                    "amount_cents": parse_amount(row["amount"] or ""),
                    "category": normalize_category(row["category"] or ""),
                    "description": (row.get("description") or "").strip(),
                }
            )
        except ValueError as error:
            raise CsvFormatError(line, str(error)) from None
    return rows


def test_amounts_and_csv():
    import pytest

    assert parse_amount("12.5") == 1250 and parse_amount(3.99) == 399
    with pytest.raises(ValueError):
        parse_amount("1.001")
    rows = parse_expenses_csv("date,amount,category\n2024-01-02,1.5,Food\n")
    assert rows == [{"spent_on": date(2024, 1, 2), "amount_cents": 150, "category": "food", "description": ""}]
    with pytest.raises(CsvFormatError) as info:
        parse_expenses_csv("date,amount,category\n2024-01-02,x,Food\n")
    assert info.value.line == 2
