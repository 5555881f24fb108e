"""A printable statement of an account's history."""
from bank.account import Account


def _units(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def statement(account: Account) -> str:
    lines = [f"Statement for {account.owner}"]
    for kind, amount, balance in account.history():
        sign = "+" if kind == "deposit" else "-"
        lines.append(f"{kind:<8} {sign}{_units(amount)} {_units(balance)}")
    lines.append(f"Balance: {_units(account.balance)}")
    return "\n".join(lines)


def test_statement():
    account = Account("ada", 100)
    account.deposit(250)
    assert statement(account) == "Statement for ada\ndeposit  +2.50 3.50\nBalance: 3.50"
