import csv
from datetime import date

import pytest

from sales.loader import SaleRecord, load_sales
from sales.report import summarize_by_region, top_products, write_report

GOOD = """date,region,product,quantity,unit_price
2024-01-05,North,Widget,10,2.50
2024-01-06,South,Gadget,3,10.00
2024-01-07,North,Gadget,1,10.00
2024-01-08,East,Widget,4,2.50
2024-01-09, South , Gizmo ,2,7.25
"""


def write(tmp_path, text, name="sales.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_load_sales(tmp_path):
    records = load_sales(write(tmp_path, GOOD))
    assert len(records) == 5
    first = records[0]
    assert isinstance(first, SaleRecord)
    assert first.date == date(2024, 1, 5)
    assert (first.region, first.product, first.quantity) == ("North", "Widget", 10)
    assert first.unit_price == pytest.approx(2.5)
    assert first.total == pytest.approx(25.0)
    assert (records[4].region, records[4].product) == ("South", "Gizmo")


def test_columns_in_any_order_and_extra_columns(tmp_path):
    text = "product,notes,unit_price,region,quantity,date\nWidget,hi,1.5,West,2,2024-02-01\n"
    [record] = load_sales(write(tmp_path, text))
    assert record.region == "West" and record.quantity == 2 and record.date == date(2024, 2, 1)
    assert record.total == pytest.approx(3.0)


def test_header_only(tmp_path):
    assert load_sales(write(tmp_path, "date,region,product,quantity,unit_price\n")) == []


def test_missing_column(tmp_path):
    with pytest.raises(ValueError, match="unit_price"):
        load_sales(write(tmp_path, "date,region,product,quantity\n2024-01-01,N,W,1\n"))


@pytest.mark.parametrize(
    "bad_row",
    [
        "2024-01-02,North,Widget,many,2.50",
        "2024-01-02,North,Widget,-1,2.50",
        "2024-13-02,North,Widget,1,2.50",
        "2024-01-02,,Widget,1,2.50",
        "2024-01-02,North,Widget,1,abc",
    ],
)
def test_bad_row_reports_line(tmp_path, bad_row):
    text = "date,region,product,quantity,unit_price\n2024-01-01,North,Widget,1,2.50\n" + bad_row + "\n"
    with pytest.raises(ValueError, match="line 3"):
        load_sales(write(tmp_path, text))


def test_summarize_by_region(tmp_path):
    summary = summarize_by_region(load_sales(write(tmp_path, GOOD)))
    assert set(summary) == {"North", "South", "East"}
    assert summary["North"]["quantity"] == 11
    assert summary["North"]["revenue"] == pytest.approx(35.0)
    assert summary["South"]["quantity"] == 5
    assert summary["South"]["revenue"] == pytest.approx(44.5)
    assert summary["East"]["revenue"] == pytest.approx(10.0)


def test_top_products(tmp_path):
    records = load_sales(write(tmp_path, GOOD))
    assert top_products(records, 2) == [("Gadget", 40.0), ("Widget", 35.0)]
    assert top_products(records) == [("Gadget", 40.0), ("Widget", 35.0), ("Gizmo", 14.5)]


def test_write_report(tmp_path):
    records = load_sales(write(tmp_path, GOOD))
    out = tmp_path / "report.csv"
    write_report(records, out)
    with open(out, newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        ["region", "quantity", "revenue"],
        ["East", "4", "10.00"],
        ["North", "11", "35.00"],
        ["South", "5", "44.50"],
    ]


def test_empty_records():
    assert summarize_by_region([]) == {}
    assert top_products([]) == []
