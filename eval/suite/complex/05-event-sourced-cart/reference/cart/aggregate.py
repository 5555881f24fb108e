"""The cart aggregate, rebuilt from its events."""
from cart.events import CartCheckedOut, ItemAdded, ItemRemoved, QuantityChanged


class CartClosedError(Exception):
    pass


class Cart:
    def __init__(self, cart_id):
        self.cart_id = cart_id
        self.items = {}
        self.checked_out = False
        self.version = 0

    @classmethod
    def from_events(cls, cart_id, events):
        cart = cls(cart_id)
        for event in events:
            cart.apply(event)
        return cart

    @property
    def total_cents(self):
        return sum(line["quantity"] * line["unit_price_cents"] for line in self.items.values())

    def apply(self, event):
        if isinstance(event, ItemAdded):
            line = self.items.get(event.sku)
            if line is None:
                self.items[event.sku] = {"quantity": event.quantity, "unit_price_cents": event.unit_price_cents}
            else:
                line["quantity"] += event.quantity
        elif isinstance(event, QuantityChanged):
            self.items[event.sku]["quantity"] = event.quantity
        elif isinstance(event, ItemRemoved):
            self.items.pop(event.sku, None)
        elif isinstance(event, CartCheckedOut):
            self.checked_out = True
        else:
            raise ValueError(f"unknown event: {event!r}")
        self.version += 1


def test_rebuild():
    cart = Cart.from_events("c", [ItemAdded("a", 2, 5), ItemAdded("a", 1, 9), QuantityChanged("a", 4), CartCheckedOut(20)])
    assert cart.items == {"a": {"quantity": 4, "unit_price_cents": 5}}
    assert cart.total_cents == 20 and cart.checked_out and cart.version == 4
