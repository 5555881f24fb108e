"""Domain events of the shopping cart."""
from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class ItemAdded:
    sku: str
    quantity: int
    unit_price_cents: int


@dataclass(frozen=True)
class QuantityChanged:
    sku: str
    quantity: int


@dataclass(frozen=True)
class ItemRemoved:
    sku: str


@dataclass(frozen=True)
class CartCheckedOut:
    total_cents: int


EVENT_TYPES = {cls.__name__: cls for cls in (ItemAdded, QuantityChanged, ItemRemoved, CartCheckedOut)}


def event_to_dict(event):
    return {"type": type(event).__name__, **asdict(event)}


def event_from_dict(data):
    cls = EVENT_TYPES.get(data.get("type"))
    if cls is None:
        raise ValueError(f"unknown event type: {data.get('type')!r}")
    return cls(**{f.name: data[f.name] for f in fields(cls)})


def test_round_trip():
    event = ItemAdded("a", 1, 5)
    assert event_to_dict(event) == {"type": "ItemAdded", "sku": "a", "quantity": 1, "unit_price_cents": 5}
    assert event_from_dict(event_to_dict(event)) == event
    import pytest

    with pytest.raises(ValueError):
        event_from_dict({"type": "X"})
