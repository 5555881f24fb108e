"""The ledger: balances, transfers, history and an audit trail."""
from sqlalchemy import or_, select

from bank.errors import AccountNotFoundError, BankError, InsufficientFundsError, InvalidAmountError
from bank.models import Account, AuditEntry, Transaction


def _check_amount(amount):
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidAmountError(f"amount must be a positive integer number of cents, got {amount!r}")


class Ledger:
    def __init__(self, session):
        self.session = session

    # -- helpers -------------------------------------------------------------------------------
    def _account(self, account_id):
        account = self.session.get(Account, account_id)
        if account is None:
            raise AccountNotFoundError(f"account {account_id} not found")
        return account

    def _record(self, account, kind, amount):
        self.session.add(Transaction(account_id=account.id, kind=kind, amount_cents=amount, balance_after=account.balance_cents))

    def _audited(self, action, account_id, amount, operation, counterparty_id=None):
        logged_amount = amount if isinstance(amount, int) and not isinstance(amount, bool) else None

        def entry(status, detail=None):
            return AuditEntry(action=action, account_id=account_id, counterparty_id=counterparty_id, amount_cents=logged_amount, status=status, detail=detail)

        try:
            result = operation()
            self.session.add(entry("ok"))
            self.session.commit()
            return result
        except (BankError, ValueError) as error:
            self.session.rollback()
            self.session.add(entry("rejected", str(error)[:500]))
            self.session.commit()
            raise
        except Exception:
            self.session.rollback()
            raise

    # -- operations ----------------------------------------------------------------------------
    def open_account(self, owner, initial_cents=0):
        if not isinstance(owner, str) or not owner.strip():
            raise ValueError("owner must not be blank")
        if initial_cents != 0:
            _check_amount(initial_cents)
        account = Account(owner=owner.strip(), balance_cents=initial_cents)
        self.session.add(account)
        self.session.flush()
        if initial_cents:
            self._record(account, "deposit", initial_cents)
        self.session.add(AuditEntry(action="open", account_id=account.id, amount_cents=initial_cents, status="ok"))
        self.session.commit()
        return account.id

    def deposit(self, account_id, amount_cents):
        def operation():
            _check_amount(amount_cents)
            account = self._account(account_id)
            account.balance_cents += amount_cents
            self._record(account, "deposit", amount_cents)
            return account.balance_cents

        return self._audited("deposit", account_id, amount_cents, operation)

    def withdraw(self, account_id, amount_cents):
        def operation():
            _check_amount(amount_cents)
            account = self._account(account_id)
            if amount_cents > account.balance_cents:
                raise InsufficientFundsError(f"account {account_id} has only {account.balance_cents} cents")
            account.balance_cents -= amount_cents
            self._record(account, "withdrawal", amount_cents)
            return account.balance_cents

        return self._audited("withdraw", account_id, amount_cents, operation)

    def transfer(self, from_id, to_id, amount_cents):
        def operation():
            _check_amount(amount_cents)
            if from_id == to_id:
                raise InvalidAmountError("cannot transfer to the same account")
            source, target = self._account(from_id), self._account(to_id)
            if amount_cents > source.balance_cents:
                raise InsufficientFundsError(f"account {from_id} has only {source.balance_cents} cents")
            source.balance_cents -= amount_cents
            target.balance_cents += amount_cents
            self._record(source, "transfer_out", amount_cents)
            self._record(target, "transfer_in", amount_cents)

        self._audited("transfer", from_id, amount_cents, operation, counterparty_id=to_id)

    # -- queries -------------------------------------------------------------------------------
    def balance(self, account_id):
        return self._account(account_id).balance_cents

    def history(self, account_id):
        self._account(account_id)
        rows = self.session.execute(select(Transaction).where(Transaction.account_id == account_id).order_by(Transaction.id)).scalars()
        return [{"kind": t.kind, "amount_cents": t.amount_cents, "balance_after": t.balance_after} for t in rows]

    def audit_log(self, account_id=None):
        query = select(AuditEntry).order_by(AuditEntry.id)
        if account_id is not None:
            query = query.where(or_(AuditEntry.account_id == account_id, AuditEntry.counterparty_id == account_id))
        return [
            {"action": e.action, "account_id": e.account_id, "counterparty_id": e.counterparty_id, "amount_cents": e.amount_cents, "status": e.status}
            for e in self.session.execute(query).scalars()
        ]


def test_ledger():
    import pytest
    from sqlalchemy.orm import Session

    from bank.db import init_db, make_engine

    engine = make_engine("sqlite://")
    init_db(engine)
    ledger = Ledger(Session(engine))
    a, b = ledger.open_account("A", 100), ledger.open_account("B")
    ledger.transfer(a, b, 60)
    with pytest.raises(InsufficientFundsError):
        ledger.transfer(a, b, 60)
    assert (ledger.balance(a), ledger.balance(b)) == (40, 60)
    assert [e["status"] for e in ledger.audit_log(b)] == ["ok", "ok", "rejected"]
    assert ledger.history(b) == [{"kind": "transfer_in", "amount_cents": 60, "balance_after": 60}]
