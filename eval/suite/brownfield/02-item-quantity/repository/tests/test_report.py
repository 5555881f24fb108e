from inventory.item import Item
from inventory.report import most_expensive, total_value


def test_total_value_of_no_items_is_zero():
    assert total_value([]) == 0


def test_total_value_sums_prices():
    assert total_value([Item("pen", 150), Item("pad", 300)]) == 450


def test_most_expensive():
    pen, pad = Item("pen", 150), Item("pad", 300)
    assert most_expensive([pen, pad]) is pad
    assert most_expensive([]) is None
