"""Stock items: a name and a unit price in integer cents."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    name: str
    price_cents: int

    def __post_init__(self):
        if not self.name.strip():
            raise ValueError("an item needs a name")
        if self.price_cents < 0:
            raise ValueError(f"negative price for {self.name}: {self.price_cents}")
