"""Figures over a list of items."""
from inventory.item import Item


def total_value(items: list[Item]) -> int:
    """Sum of the items' prices, in cents."""
    return sum(item.price_cents for item in items)


def most_expensive(items: list[Item]) -> Item | None:
    """The item with the highest price (the first of equals), or None for no items."""
    best = None
    for item in items:
        if best is None or item.price_cents > best.price_cents:
            best = item
    return best
