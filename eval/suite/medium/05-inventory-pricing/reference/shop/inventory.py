"""Products and stock levels (prices in integer cents)."""
from dataclasses import dataclass


@dataclass
class Product:
    sku: str
    name: str
    price_cents: int
    quantity: int


class OutOfStockError(Exception):
    def __init__(self, sku, requested=None, available=None):
        super().__init__(f"not enough stock for {sku}: requested {requested}, available {available}")
        self.sku = sku
        self.requested = requested
        self.available = available


def _positive(quantity):
    if not isinstance(quantity, int) or quantity <= 0:
        raise ValueError("quantity must be a positive integer")


class Inventory:
    def __init__(self):
        self._products = {}

    def add_product(self, sku, name, price_cents, quantity=0):
        if sku in self._products:
            raise ValueError(f"duplicate sku: {sku}")
        if price_cents < 0 or quantity < 0:
            raise ValueError("price and quantity must not be negative")
        product = Product(sku, name, price_cents, quantity)
        self._products[sku] = product
        return product

    def get(self, sku):
        if sku not in self._products:
            raise KeyError(sku)
        return self._products[sku]

    def restock(self, sku, quantity):
        _positive(quantity)
        self.get(sku).quantity += quantity

    def remove_stock(self, sku, quantity):
        _positive(quantity)
        product = self.get(sku)
        if quantity > product.quantity:
            raise OutOfStockError(sku, quantity, product.quantity)
        product.quantity -= quantity

    def total_value(self):
        return sum(p.price_cents * p.quantity for p in self._products.values())


def test_stock_changes():
    import pytest

    inv = Inventory()
    inv.add_product("A", "Apple", 50, 3)
    inv.restock("A", 2)
    inv.remove_stock("A", 4)
    assert inv.get("A").quantity == 1
    with pytest.raises(OutOfStockError):
        inv.remove_stock("A", 2)
    assert inv.total_value() == 50
