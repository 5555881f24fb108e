"""Ledger errors."""


class BankError(Exception):
    pass


class AccountNotFoundError(BankError):
    pass


class InsufficientFundsError(BankError):
    pass


class InvalidAmountError(BankError, ValueError):
    pass


def test_hierarchy():
    assert issubclass(InvalidAmountError, ValueError)
    assert issubclass(InsufficientFundsError, BankError)
    assert issubclass(AccountNotFoundError, BankError)
