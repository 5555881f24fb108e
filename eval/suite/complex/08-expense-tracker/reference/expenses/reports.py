"""Monthly reports over stored expenses."""
from datetime import date

from sqlalchemy import func, select

from expenses.models import Expense


def _month_bounds(year, month):
    start = date(year, month, 1)
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return start, end


def _totals(session, year, month):
    start, end = _month_bounds(year, month)
    query = (
        select(Expense.category, func.sum(Expense.amount_cents), func.count(Expense.id))
        .where(Expense.spent_on >= start, Expense.spent_on < end)
        .group_by(Expense.category)
    )
    return [(category, int(total), int(count)) for category, total, count in session.execute(query)]


def monthly_report(session, year, month):
    totals = _totals(session, year, month)
    return {
        "month": f"{year:04d}-{month:02d}",
        "count": sum(count for _, _, count in totals),
        "total_cents": sum(total for _, total, _ in totals),
        "by_category": {category: total for category, total, _ in totals},
    }


def top_categories(session, year, month, n=3):
    ranked = sorted(((category, total) for category, total, _ in _totals(session, year, month)), key=lambda item: (-item[1], item[0]))
    return ranked[:n]


def test_reports():
    from sqlalchemy.orm import Session

    from expenses.db import init_db, make_engine

    engine = make_engine("sqlite://")
    init_db(engine)
    with Session(engine) as session:
        session.add_all(
            [
                Expense(spent_on=date(2024, 12, 31), amount_cents=100, category="a"),
                Expense(spent_on=date(2024, 12, 1), amount_cents=300, category="b"),
                Expense(spent_on=date(2025, 1, 1), amount_cents=999, category="a"),
            ]
        )
        session.commit()
        assert monthly_report(session, 2024, 12) == {"month": "2024-12", "count": 2, "total_cents": 400, "by_category": {"a": 100, "b": 300}}
        assert top_categories(session, 2024, 12, n=1) == [("b", 300)]
