import pytest
from sqlalchemy.orm import Session

from bank.db import init_db, make_engine
from bank.errors import AccountNotFoundError, BankError, InsufficientFundsError, InvalidAmountError
from bank.ledger import Ledger


@pytest.fixture()
def db_url(tmp_path):
    return "sqlite:///" + str(tmp_path / "bank.db")


@pytest.fixture()
def engine(db_url):
    engine = make_engine(db_url)
    init_db(engine)
    yield engine
    engine.dispose()


@pytest.fixture()
def ledger(engine):
    session = Session(engine)
    yield Ledger(session)
    session.close()


def test_errors():
    for cls in (AccountNotFoundError, InsufficientFundsError, InvalidAmountError):
        assert issubclass(cls, BankError)
    assert issubclass(InvalidAmountError, ValueError)


def test_open_deposit_withdraw(ledger):
    account = ledger.open_account("Ada", 1000)
    assert isinstance(account, int)
    assert ledger.balance(account) == 1000
    assert ledger.deposit(account, 250) == 1250
    assert ledger.withdraw(account, 1000) == 250
    assert ledger.balance(account) == 250
    assert ledger.balance(ledger.open_account("Bob")) == 0


def test_open_account_validation(ledger):
    with pytest.raises(ValueError):
        ledger.open_account("   ")
    with pytest.raises(InvalidAmountError):
        ledger.open_account("Ada", -5)


@pytest.mark.parametrize("amount", [0, -100, 10.5, True])
def test_invalid_amounts(ledger, amount):
    account = ledger.open_account("Ada", 500)
    with pytest.raises(InvalidAmountError):
        ledger.deposit(account, amount)
    with pytest.raises(InvalidAmountError):
        ledger.withdraw(account, amount)
    assert ledger.balance(account) == 500


def test_unknown_account(ledger):
    account = ledger.open_account("Ada", 500)
    with pytest.raises(AccountNotFoundError):
        ledger.deposit(999, 10)
    with pytest.raises(AccountNotFoundError):
        ledger.balance(999)
    with pytest.raises(AccountNotFoundError):
        ledger.transfer(account, 999, 10)
    assert ledger.balance(account) == 500


def test_insufficient_funds(ledger):
    account = ledger.open_account("Ada", 100)
    with pytest.raises(InsufficientFundsError):
        ledger.withdraw(account, 101)
    assert ledger.balance(account) == 100


def test_transfer_is_atomic(ledger):
    ada = ledger.open_account("Ada", 1000)
    bob = ledger.open_account("Bob", 50)
    ledger.transfer(ada, bob, 300)
    assert (ledger.balance(ada), ledger.balance(bob)) == (700, 350)
    with pytest.raises(InsufficientFundsError):
        ledger.transfer(bob, ada, 351)
    assert (ledger.balance(ada), ledger.balance(bob)) == (700, 350)
    with pytest.raises(ValueError):
        ledger.transfer(ada, ada, 10)
    assert ledger.balance(ada) == 700


def test_history(ledger):
    ada = ledger.open_account("Ada", 1000)
    bob = ledger.open_account("Bob")
    ledger.withdraw(ada, 100)
    ledger.transfer(ada, bob, 400)
    with pytest.raises(InsufficientFundsError):
        ledger.withdraw(bob, 1000)
    assert ledger.history(ada) == [
        {"kind": "deposit", "amount_cents": 1000, "balance_after": 1000},
        {"kind": "withdrawal", "amount_cents": 100, "balance_after": 900},
        {"kind": "transfer_out", "amount_cents": 400, "balance_after": 500},
    ]
    assert ledger.history(bob) == [{"kind": "transfer_in", "amount_cents": 400, "balance_after": 400}]


def test_audit_log_records_ok_and_rejected(ledger):
    ada = ledger.open_account("Ada", 100)
    bob = ledger.open_account("Bob")
    ledger.deposit(ada, 50)
    with pytest.raises(InsufficientFundsError):
        ledger.transfer(ada, bob, 1000)
    ledger.transfer(ada, bob, 20)
    with pytest.raises(InvalidAmountError):
        ledger.withdraw(bob, -1)
    entries = ledger.audit_log()
    assert [(e["action"], e["status"]) for e in entries] == [
        ("open", "ok"),
        ("open", "ok"),
        ("deposit", "ok"),
        ("transfer", "rejected"),
        ("transfer", "ok"),
        ("withdraw", "rejected"),
    ]
    transfer = entries[4]
    assert (transfer["account_id"], transfer["counterparty_id"], transfer["amount_cents"]) == (ada, bob, 20)
    assert entries[2]["counterparty_id"] is None
    bob_entries = ledger.audit_log(bob)
    assert [(e["action"], e["status"]) for e in bob_entries] == [
        ("open", "ok"),
        ("transfer", "rejected"),
        ("transfer", "ok"),
        ("withdraw", "rejected"),
    ]


def test_rejected_unknown_account_is_audited(ledger):
    ledger.open_account("Ada", 10)
    with pytest.raises(AccountNotFoundError):
        ledger.withdraw(777, 5)
    last = ledger.audit_log()[-1]
    assert (last["action"], last["account_id"], last["status"]) == ("withdraw", 777, "rejected")


def test_money_is_conserved(ledger):
    accounts = [ledger.open_account(f"user{i}", 1000) for i in range(4)]
    moves = [(0, 1, 500), (1, 2, 1200), (2, 3, 2500), (3, 0, 10), (2, 0, 200)]
    for src, dst, amount in moves:
        try:
            ledger.transfer(accounts[src], accounts[dst], amount)
        except InsufficientFundsError:
            pass
    assert sum(ledger.balance(a) for a in accounts) == 4000


def test_persistence(engine):
    first_session = Session(engine)
    first = Ledger(first_session)
    ada = first.open_account("Ada", 500)
    bob = first.open_account("Bob")
    first.transfer(ada, bob, 125)
    first_session.close()

    second_session = Session(engine)
    second = Ledger(second_session)
    assert (second.balance(ada), second.balance(bob)) == (375, 125)
    assert len(second.history(ada)) == 2
    assert [e["action"] for e in second.audit_log()] == ["open", "open", "transfer"]
    second_session.close()
