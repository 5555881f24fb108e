import pytest

from shop.inventory import Inventory, OutOfStockError, Product
from shop.pricing import checkout, quote


@pytest.fixture()
def inventory():
    inv = Inventory()
    inv.add_product("APL", "Apple", 50, 100)
    inv.add_product("BRD", "Bread", 250, 5)
    inv.add_product("CHS", "Cheese", 1099, 3)
    inv.add_product("PEN", "Pen", 15, 100)
    return inv


def test_add_and_get(inventory):
    product = inventory.get("BRD")
    assert isinstance(product, Product)
    assert (product.sku, product.name, product.price_cents, product.quantity) == ("BRD", "Bread", 250, 5)
    assert inventory.add_product("NEW", "New thing", 100).quantity == 0
    with pytest.raises(KeyError):
        inventory.get("NOPE")


def test_add_product_validation(inventory):
    with pytest.raises(ValueError):
        inventory.add_product("APL", "Again", 10, 1)
    with pytest.raises(ValueError):
        inventory.add_product("NEG", "Negative", -1, 1)
    with pytest.raises(ValueError):
        inventory.add_product("NEGQ", "Negative qty", 1, -1)


def test_restock_and_remove(inventory):
    inventory.restock("BRD", 5)
    assert inventory.get("BRD").quantity == 10
    inventory.remove_stock("BRD", 4)
    assert inventory.get("BRD").quantity == 6
    with pytest.raises(ValueError):
        inventory.remove_stock("BRD", 0)
    with pytest.raises(ValueError):
        inventory.restock("BRD", -2)


def test_out_of_stock(inventory):
    with pytest.raises(OutOfStockError) as info:
        inventory.remove_stock("CHS", 4)
    assert info.value.sku == "CHS"
    assert inventory.get("CHS").quantity == 3


def test_total_value(inventory):
    assert inventory.total_value() == 50 * 100 + 250 * 5 + 1099 * 3 + 15 * 100


def test_quote_with_bulk_discount(inventory):
    assert quote(inventory, {"APL": 10, "BRD": 2}) == {"subtotal": 1000, "discount": 50, "tax": 76, "total": 1026}


def test_quote_without_discount_rounds_tax(inventory):
    assert quote(inventory, {"CHS": 1}) == {"subtotal": 1099, "discount": 0, "tax": 88, "total": 1187}


def test_quote_half_cent_rounds_up(inventory):
    assert quote(inventory, {"PEN": 11}) == {"subtotal": 165, "discount": 17, "tax": 12, "total": 160}


def test_coupons(inventory):
    assert quote(inventory, {"APL": 10, "BRD": 2}, coupon="SAVE5") == {"subtotal": 1000, "discount": 550, "tax": 36, "total": 486}
    assert quote(inventory, {"APL": 10, "BRD": 2}, coupon="TENOFF") == {"subtotal": 1000, "discount": 145, "tax": 68, "total": 923}
    with pytest.raises(ValueError):
        quote(inventory, {"APL": 1}, coupon="FREESTUFF")


def test_discount_capped_at_subtotal(inventory):
    assert quote(inventory, {"APL": 2}, coupon="SAVE5") == {"subtotal": 100, "discount": 100, "tax": 0, "total": 0}


def test_quote_errors_and_no_stock_check(inventory):
    with pytest.raises(KeyError):
        quote(inventory, {"NOPE": 1})
    with pytest.raises(ValueError):
        quote(inventory, {"APL": 0})
    assert quote(inventory, {"CHS": 50})["subtotal"] == 1099 * 50
    assert inventory.get("CHS").quantity == 3


def test_checkout_removes_stock(inventory):
    result = checkout(inventory, {"APL": 10, "BRD": 2})
    assert result["total"] == 1026
    assert inventory.get("APL").quantity == 90
    assert inventory.get("BRD").quantity == 3


def test_checkout_is_all_or_nothing(inventory):
    with pytest.raises(OutOfStockError):
        checkout(inventory, {"APL": 5, "CHS": 4})
    assert inventory.get("APL").quantity == 100
    assert inventory.get("CHS").quantity == 3
