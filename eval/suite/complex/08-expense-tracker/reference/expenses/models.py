"""The expense record."""
from sqlalchemy import Column, Date, Integer, String

from expenses.db import Base


class Expense(Base):
    __tablename__ = "expenses"

    id = Column(Integer, primary_key=True)
    spent_on = Column(Date, nullable=False, index=True)
    amount_cents = Column(Integer, nullable=False)
    category = Column(String(50), nullable=False, index=True)
    description = Column(String(500), nullable=False, default="")


def test_expense_defaults():
    from datetime import date

    from sqlalchemy.orm import Session

    from expenses.db import init_db, make_engine

    engine = make_engine("sqlite://")
    init_db(engine)
    with Session(engine) as session:
        session.add(Expense(spent_on=date(2024, 1, 1), amount_cents=5, category="x"))
        session.commit()
        assert session.get(Expense, 1).description == ""
