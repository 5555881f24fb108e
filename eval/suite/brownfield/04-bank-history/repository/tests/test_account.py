import pytest

from bank.account import Account, InsufficientFunds


def test_deposit_and_withdraw():
    account = Account("ada", 100)
    assert account.deposit(50) == 150
    assert account.withdraw(30) == 120
    assert account.balance == 120


def test_overdraw_is_refused():
    account = Account("ada", 10)
    with pytest.raises(InsufficientFunds) as caught:
        account.withdraw(11)
    assert caught.value.balance == 10
    assert account.balance == 10


def test_non_positive_amounts():
    account = Account("ada")
    with pytest.raises(ValueError):
        account.deposit(0)
    with pytest.raises(ValueError):
        account.withdraw(-1)


def test_negative_opening_balance():
    with pytest.raises(ValueError):
        Account("ada", -1)
