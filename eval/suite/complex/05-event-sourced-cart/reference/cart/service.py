"""Commands on carts: validate against the rebuilt cart, then append one event."""
from cart.aggregate import Cart, CartClosedError
from cart.events import CartCheckedOut, ItemAdded, ItemRemoved, QuantityChanged


class CartService:
    def __init__(self, store, catalog):
        self.store = store
        self.catalog = catalog

    def get_cart(self, cart_id):
        return Cart.from_events(cart_id, self.store.load(cart_id))

    def _open_cart(self, cart_id):
        cart = self.get_cart(cart_id)
        if cart.checked_out:
            raise CartClosedError(f"cart {cart_id} is checked out")
        return cart

    def _record(self, cart, event):
        self.store.append(cart.cart_id, event)
        cart.apply(event)
        return cart

    def add_item(self, cart_id, sku, quantity=1):
        cart = self._open_cart(cart_id)
        if sku not in self.catalog:
            raise KeyError(sku)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise ValueError("quantity must be a positive integer")
        return self._record(cart, ItemAdded(sku, quantity, self.catalog[sku]))

    def change_quantity(self, cart_id, sku, quantity):
        cart = self._open_cart(cart_id)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            raise ValueError("quantity must be a non-negative integer")
        if sku not in cart.items:
            raise KeyError(sku)
        if quantity == 0:
            return self._record(cart, ItemRemoved(sku))
        return self._record(cart, QuantityChanged(sku, quantity))

    def remove_item(self, cart_id, sku):
        cart = self._open_cart(cart_id)
        if sku not in cart.items:
            raise KeyError(sku)
        return self._record(cart, ItemRemoved(sku))

    def checkout(self, cart_id):
        cart = self._open_cart(cart_id)
        if not cart.items:
            raise ValueError("cannot check out an empty cart")
        total = cart.total_cents
        self._record(cart, CartCheckedOut(total))
        return total


def test_service():
    import pytest

    from cart.store import InMemoryEventStore

    store = InMemoryEventStore()
    service = CartService(store, {"a": 5})
    service.add_item("c", "a", 2)
    assert service.checkout("c") == 10
    with pytest.raises(CartClosedError):
        service.add_item("c", "a")
    assert len(store.load("c")) == 2
