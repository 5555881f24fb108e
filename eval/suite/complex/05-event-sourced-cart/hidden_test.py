import dataclasses

import pytest

from cart.aggregate import Cart, CartClosedError
from cart.events import CartCheckedOut, ItemAdded, ItemRemoved, QuantityChanged, event_from_dict, event_to_dict
from cart.service import CartService
from cart.store import InMemoryEventStore, JsonFileEventStore

CATALOG = {"apple": 50, "bread": 250, "cheese": 1099}


def kinds(store, cart_id):
    return [type(event).__name__ for event in store.load(cart_id)]


def test_events_are_frozen_and_serialisable():
    event = ItemAdded(sku="apple", quantity=2, unit_price_cents=50)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.quantity = 3
    for original in [event, QuantityChanged(sku="apple", quantity=5), ItemRemoved(sku="apple"), CartCheckedOut(total_cents=100)]:
        data = event_to_dict(original)
        assert data["type"] == type(original).__name__
        assert event_from_dict(data) == original
    assert event_to_dict(event) == {"type": "ItemAdded", "sku": "apple", "quantity": 2, "unit_price_cents": 50}
    with pytest.raises(ValueError):
        event_from_dict({"type": "Nope"})


def test_aggregate_from_events():
    events = [
        ItemAdded("apple", 2, 50),
        ItemAdded("bread", 1, 250),
        ItemAdded("apple", 1, 60),
        QuantityChanged("bread", 3),
        ItemRemoved("apple"),
        ItemAdded("apple", 1, 70),
    ]
    cart = Cart.from_events("c1", events)
    assert cart.items == {"bread": {"quantity": 3, "unit_price_cents": 250}, "apple": {"quantity": 1, "unit_price_cents": 70}}
    assert cart.total_cents == 820
    assert cart.version == 6
    assert cart.checked_out is False
    cart.apply(CartCheckedOut(820))
    assert cart.checked_out is True and cart.version == 7


def test_repeated_add_keeps_first_price():
    cart = Cart.from_events("c", [ItemAdded("apple", 2, 50), ItemAdded("apple", 3, 80)])
    assert cart.items["apple"] == {"quantity": 5, "unit_price_cents": 50}
    assert cart.total_cents == 250


@pytest.fixture(params=["memory", "json"])
def store(request, tmp_path):
    if request.param == "memory":
        return InMemoryEventStore()
    return JsonFileEventStore(str(tmp_path / "events.json"))


def test_store_interface(store):
    assert store.load("nobody") == []
    store.append("b", ItemAdded("apple", 1, 50))
    store.append("a", ItemAdded("bread", 1, 250))
    store.append("b", ItemRemoved("apple"))
    assert store.load("b") == [ItemAdded("apple", 1, 50), ItemRemoved("apple")]
    assert store.cart_ids() == ["a", "b"]


def test_service_flow_records_events(store):
    service = CartService(store, dict(CATALOG))
    cart = service.add_item("c1", "apple", 3)
    assert isinstance(cart, Cart)
    assert cart.items["apple"] == {"quantity": 3, "unit_price_cents": 50}
    service.add_item("c1", "bread")
    service.add_item("c1", "apple", 2)
    cart = service.change_quantity("c1", "bread", 2)
    assert cart.total_cents == 5 * 50 + 2 * 250
    service.add_item("c1", "cheese")
    service.remove_item("c1", "cheese")
    service.change_quantity("c1", "apple", 0)
    assert service.get_cart("c1").items == {"bread": {"quantity": 2, "unit_price_cents": 250}}
    assert service.checkout("c1") == 500
    assert kinds(store, "c1") == [
        "ItemAdded",
        "ItemAdded",
        "ItemAdded",
        "QuantityChanged",
        "ItemAdded",
        "ItemRemoved",
        "ItemRemoved",
        "CartCheckedOut",
    ]
    assert store.load("c1")[-1] == CartCheckedOut(500)
    assert service.get_cart("c1").checked_out is True


def test_failed_calls_record_nothing():
    store = InMemoryEventStore()
    service = CartService(store, dict(CATALOG))
    with pytest.raises(ValueError):
        service.checkout("c1")
    with pytest.raises(KeyError):
        service.add_item("c1", "unicorn")
    with pytest.raises(ValueError):
        service.add_item("c1", "apple", 0)
    service.add_item("c1", "apple")
    with pytest.raises(KeyError):
        service.remove_item("c1", "bread")
    with pytest.raises(KeyError):
        service.change_quantity("c1", "bread", 2)
    with pytest.raises(ValueError):
        service.change_quantity("c1", "apple", -1)
    assert kinds(store, "c1") == ["ItemAdded"]


def test_closed_cart():
    store = InMemoryEventStore()
    service = CartService(store, dict(CATALOG))
    service.add_item("c1", "apple")
    service.checkout("c1")
    for action in (
        lambda: service.add_item("c1", "bread"),
        lambda: service.change_quantity("c1", "apple", 3),
        lambda: service.remove_item("c1", "apple"),
        lambda: service.checkout("c1"),
    ):
        with pytest.raises(CartClosedError):
            action()
    assert kinds(store, "c1") == ["ItemAdded", "CartCheckedOut"]


def test_price_changes_do_not_affect_cart():
    catalog = dict(CATALOG)
    service = CartService(InMemoryEventStore(), catalog)
    service.add_item("c1", "cheese", 2)
    catalog["cheese"] = 1
    assert service.get_cart("c1").total_cents == 2198
    assert service.checkout("c1") == 2198


def test_carts_are_independent_and_persisted(tmp_path):
    path = str(tmp_path / "events.json")
    service = CartService(JsonFileEventStore(path), dict(CATALOG))
    service.add_item("alice", "apple", 4)
    service.add_item("bob", "bread", 1)
    service.checkout("bob")
    reopened = CartService(JsonFileEventStore(path), dict(CATALOG))
    alice = reopened.get_cart("alice")
    assert alice.items == {"apple": {"quantity": 4, "unit_price_cents": 50}} and not alice.checked_out
    assert reopened.get_cart("bob").checked_out
    assert reopened.add_item("alice", "apple").items["apple"]["quantity"] == 5
    assert JsonFileEventStore(path).cart_ids() == ["alice", "bob"]
    assert reopened.get_cart("nobody").items == {}
