"""Accounts, balance changes and the audit trail."""
from sqlalchemy import Column, ForeignKey, Integer, String

from bank.db import Base


class Account(Base):
    __tablename__ = "accounts"

    id = Column(Integer, primary_key=True)
    owner = Column(String(200), nullable=False)
    balance_cents = Column(Integer, nullable=False, default=0)


class Transaction(Base):
    __tablename__ = "transactions"

    id = Column(Integer, primary_key=True)
    account_id = Column(Integer, ForeignKey("accounts.id"), nullable=False, index=True)
    kind = Column(String(20), nullable=False)
    amount_cents = Column(Integer, nullable=False)
    balance_after = Column(Integer, nullable=False)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    action = Column(String(20), nullable=False)
    account_id = Column(Integer, nullable=True)
    counterparty_id = Column(Integer, nullable=True)
    amount_cents = Column(Integer, nullable=True)
    status = Column(String(20), nullable=False)
    detail = Column(String(500), nullable=True)


def test_models():
    from sqlalchemy.orm import Session

    from bank.db import init_db, make_engine

    engine = make_engine("sqlite://")
    init_db(engine)
    with Session(engine) as session:
        account = Account(owner="A", balance_cents=5)
        session.add(account)
        session.flush()
        session.add(Transaction(account_id=account.id, kind="deposit", amount_cents=5, balance_after=5))
        session.add(AuditEntry(action="open", account_id=account.id, amount_cents=5, status="ok"))
        session.commit()
        assert session.get(AuditEntry, 1).status == "ok"
