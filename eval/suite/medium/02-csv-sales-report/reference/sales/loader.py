"""Load and validate the sales CSV export."""
import csv
from dataclasses import dataclass
from datetime import date, datetime

REQUIRED_COLUMNS = ("date", "region", "product", "quantity", "unit_price")


@dataclass
class SaleRecord:
    date: date
    region: str
    product: str
    quantity: int
    unit_price: float

    @property
    def total(self):
        return self.quantity * self.unit_price


def _parse_row(row):
    values = {key: (row.get(key) or "").strip() for key in REQUIRED_COLUMNS}
    when = datetime.strptime(values["date"], "%Y-%m-%d").date()
    if not values["region"] or not values["product"]:
        raise ValueError("region and product must not be empty")
    quantity = int(values["quantity"])
    unit_price = float(values["unit_price"])
    if quantity < 0 or unit_price < 0:
        raise ValueError("quantity and unit_price must not be negative")
    return SaleRecord(when, values["region"], values["product"], quantity, unit_price)


def load_sales(path):
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in (reader.fieldnames or [])]
        for column in REQUIRED_COLUMNS:
            if column not in header:
                raise ValueError(f"missing required column: {column}")
        reader.fieldnames = header
        records = []
        for line_number, row in enumerate(reader, start=2):
            try:
                records.append(_parse_row(row))
            except ValueError as error:
                raise ValueError(f"line {line_number}: {error}") from None
        return records


def test_load_sales(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("region,date,product,quantity,unit_price\nN,2024-01-01,W,2,1.5\n")
    [record] = load_sales(path)
    assert record.total == 3.0 and record.date == date(2024, 1, 1)


def test_errors(tmp_path):
    import pytest

    path = tmp_path / "s.csv"
    path.write_text("date,region,product,quantity\n")
    with pytest.raises(ValueError, match="unit_price"):
        load_sales(path)
    path.write_text("date,region,product,quantity,unit_price\n2024-01-01,N,W,x,1\n")
    with pytest.raises(ValueError, match="line 2"):
        load_sales(path)
