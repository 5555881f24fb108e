"""Stock items: a name, a unit price in integer cents and a quantity."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    name: str
    price_cents: int
    quantity: int = 1

    def __post_init__(self):
        if not self.name.strip():
            raise ValueError("an item needs a name")
        if self.price_cents < 0:
            raise ValueError(f"negative price for {self.name}: {self.price_cents}")
        if self.quantity < 0:
            raise ValueError(f"negative quantity for {self.name}: {self.quantity}")

    @property
    def value_cents(self) -> int:
        return self.price_cents * self.quantity


def test_quantity_and_value():
    assert Item("pen", 150).quantity == 1
    assert Item("pen", 150, 4).value_cents == 600


def test_negative_quantity_rejected():
    import pytest

    with pytest.raises(ValueError):
        Item("pen", 150, -1)
