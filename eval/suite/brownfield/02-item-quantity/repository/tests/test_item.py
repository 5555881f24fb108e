import pytest

from inventory.item import Item


def test_item_keeps_name_and_price():
    item = Item("pen", 150)
    assert (item.name, item.price_cents) == ("pen", 150)


def test_negative_price_is_rejected():
    with pytest.raises(ValueError):
        Item("pen", -1)


def test_blank_name_is_rejected():
    with pytest.raises(ValueError):
        Item("  ", 10)


def test_free_item_is_allowed():
    assert Item("sticker", 0).price_cents == 0
