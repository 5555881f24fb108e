"""Summaries and a CSV report over sales records."""
import csv
from collections import defaultdict


def summarize_by_region(records):
    quantity = defaultdict(int)
    revenue = defaultdict(float)
    for record in records:
        quantity[record.region] += record.quantity
        revenue[record.region] += record.total
    return {region: {"quantity": quantity[region], "revenue": round(revenue[region], 2)} for region in quantity}


def top_products(records, n=3):
    revenue = defaultdict(float)
    for record in records:
        revenue[record.product] += record.total
    ranked = sorted(((product, round(total, 2)) for product, total in revenue.items()), key=lambda item: (-item[1], item[0]))
    return ranked[:n]


def write_report(records, path):
    summary = summarize_by_region(records)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["region", "quantity", "revenue"])
        for region in sorted(summary):
            writer.writerow([region, summary[region]["quantity"], f"{summary[region]['revenue']:.2f}"])


def _records():
    from datetime import date

    from sales.loader import SaleRecord

    return [
        SaleRecord(date(2024, 1, 1), "N", "W", 2, 1.25),
        SaleRecord(date(2024, 1, 2), "S", "G", 1, 10.0),
        SaleRecord(date(2024, 1, 3), "N", "G", 1, 10.0),
    ]


def test_summaries():
    records = _records()
    assert summarize_by_region(records) == {"N": {"quantity": 3, "revenue": 12.5}, "S": {"quantity": 1, "revenue": 10.0}}
    assert top_products(records, 1) == [("G", 20.0)]


def test_write_report(tmp_path):
    out = tmp_path / "r.csv"
    write_report(_records(), out)
    assert out.read_text().splitlines() == ["region,quantity,revenue", "N,3,12.50", "S,1,10.00"]
