import pytest

from inventory.item import Item
from inventory.report import total_quantity, total_value


def test_quantity_defaults_to_one():
    assert Item("pen", 150).quantity == 1


def test_quantity_positional_and_keyword():
    assert Item("pen", 150, 4).quantity == 4
    assert Item("pen", 150, quantity=3).quantity == 3


def test_zero_quantity_allowed():
    assert Item("pen", 150, 0).quantity == 0


def test_negative_quantity_rejected():
    with pytest.raises(ValueError):
        Item("pen", 150, -2)


def test_value_cents():
    assert Item("pen", 150, 4).value_cents == 600
    assert Item("pen", 150, 0).value_cents == 0


def test_total_value_counts_quantities():
    assert total_value([Item("pen", 150, 4), Item("pad", 300)]) == 900
    assert total_value([]) == 0


def test_total_quantity():
    assert total_quantity([Item("pen", 150, 4), Item("pad", 300), Item("ink", 99, 0)]) == 5
    assert total_quantity([]) == 0
