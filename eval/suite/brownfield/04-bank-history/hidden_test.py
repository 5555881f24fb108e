import pytest

from bank.account import Account, InsufficientFunds
from bank.statement import statement


def test_history_records_operations():
    account = Account("ada", 100)
    account.deposit(1250)
    account.withdraw(350)
    assert account.history() == [("deposit", 1250, 1350), ("withdraw", 350, 1000)]


def test_failed_operations_not_recorded():
    account = Account("ada", 10)
    with pytest.raises(InsufficientFunds):
        account.withdraw(50)
    with pytest.raises(ValueError):
        account.deposit(0)
    assert account.history() == []


def test_history_is_a_copy():
    account = Account("ada")
    account.deposit(5)
    account.history().clear()
    assert account.history() == [("deposit", 5, 5)]


def test_statement_text():
    account = Account("ada", 10000)
    account.deposit(1250)
    account.withdraw(99)
    assert statement(account) == "\n".join(
        [
            "Statement for ada",
            "deposit  +12.50 112.50",
            "withdraw -0.99 111.51",
            "Balance: 111.51",
        ]
    )


def test_statement_of_new_account():
    assert statement(Account("bob")) == "Statement for bob\nBalance: 0.00"
