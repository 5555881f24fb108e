"""Order pricing: bulk and coupon discounts, tax, checkout."""
from shop.inventory import OutOfStockError

BULK_QUANTITY = 10
BULK_PERCENT = 10
TAX_PERCENT = 8
COUPONS = {"SAVE5", "TENOFF"}


def _percent(amount, percent):
    """percent% of an integer amount of cents, rounded half up."""
    return (amount * percent * 2 + 100) // 200


def quote(inventory, lines, coupon=None):
    if coupon is not None and coupon not in COUPONS:
        raise ValueError(f"unknown coupon: {coupon}")
    subtotal = 0
    bulk = 0
    for sku, quantity in lines.items():
        product = inventory.get(sku)
        if not isinstance(quantity, int) or quantity <= 0:
            raise ValueError("quantities must be positive integers")
        line_total = product.price_cents * quantity
        subtotal += line_total
        if quantity >= BULK_QUANTITY:
            bulk += _percent(line_total, BULK_PERCENT)
    coupon_discount = 0
    if coupon == "SAVE5":
        coupon_discount = 500
    elif coupon == "TENOFF":
        coupon_discount = _percent(subtotal - bulk, 10)
    discount = min(subtotal, bulk + coupon_discount)
    tax = _percent(subtotal - discount, TAX_PERCENT)
    return {"subtotal": subtotal, "discount": discount, "tax": tax, "total": subtotal - discount + tax}


def checkout(inventory, lines, coupon=None):
    result = quote(inventory, lines, coupon)
    for sku, quantity in lines.items():
        product = inventory.get(sku)
        if quantity > product.quantity:
            raise OutOfStockError(sku, quantity, product.quantity)
    for sku, quantity in lines.items():
        inventory.remove_stock(sku, quantity)
    return result


def _inventory():
    from shop.inventory import Inventory

    inv = Inventory()
    inv.add_product("A", "Apple", 50, 100)
    inv.add_product("B", "Bread", 250, 1)
    return inv


def test_quote():
    inv = _inventory()
    assert quote(inv, {"A": 10, "B": 2}) == {"subtotal": 1000, "discount": 50, "tax": 76, "total": 1026}
    assert _percent(165, 10) == 17


def test_checkout_all_or_nothing():
    import pytest

    inv = _inventory()
    with pytest.raises(OutOfStockError):
        checkout(inv, {"A": 1, "B": 2})
    assert inv.get("A").quantity == 100
    checkout(inv, {"A": 1, "B": 1})
    assert inv.get("B").quantity == 0
