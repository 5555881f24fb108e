"""A bank account holding an integer balance in cents, with its history."""


class InsufficientFunds(Exception):
    def __init__(self, balance: int, amount: int):
        super().__init__(f"cannot withdraw {amount} from a balance of {balance}")
        self.balance = balance
        self.amount = amount


class Account:
    def __init__(self, owner: str, balance: int = 0):
        if balance < 0:
            raise ValueError("an account cannot open with a negative balance")
        self.owner = owner
        self.balance = balance
        self._history: list[tuple[str, int, int]] = []

    def deposit(self, amount: int) -> int:
        if amount <= 0:
            raise ValueError("deposit must be positive")
        self.balance += amount
        self._history.append(("deposit", amount, self.balance))
        return self.balance

    def withdraw(self, amount: int) -> int:
        if amount <= 0:
            raise ValueError("withdrawal must be positive")
        if amount > self.balance:
            raise InsufficientFunds(self.balance, amount)
        self.balance -= amount
        self._history.append(("withdraw", amount, self.balance))
        return self.balance

    def history(self) -> list[tuple[str, int, int]]:
        return list(self._history)


def test_history():
    account = Account("ada", 10)
    account.deposit(5)
    account.withdraw(3)
    assert account.history() == [("deposit", 5, 15), ("withdraw", 3, 12)]
