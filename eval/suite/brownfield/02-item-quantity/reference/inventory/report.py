"""Figures over a list of items."""
from inventory.item import Item


def total_value(items: list[Item]) -> int:
    """Sum of price times quantity over the items, in cents."""
    return sum(item.price_cents * item.quantity for item in items)


def total_quantity(items: list[Item]) -> int:
    """Sum of the items' quantities."""
    return sum(item.quantity for item in items)


def most_expensive(items: list[Item]) -> Item | None:
    """The item with the highest price (the first of equals), or None for no items."""
    best = None
    for item in items:
        if best is None or item.price_cents > best.price_cents:
            best = item
    return best


def test_totals_count_quantities():
    items = [Item("pen", 150, 4), Item("pad", 300)]
    assert total_value(items) == 900
    assert total_quantity(items) == 5
